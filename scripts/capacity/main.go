// Command capacity turns measured verification costs into the network's capacity model and
// writes docs/capacity.md (run by scripts/bench-capacity.sh, `make bench-capacity`): how many
// GPUs and sensor devices a network of N validators with C-core sidecars verifies with
// committees, and the transaction load that puts on a node, against its measured throughput.
//
//	capacity -bench BENCH.txt -node docs/benchmarks.md -network NETWORK.txt [-out docs/capacity.md]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Assumptions of the model, named in the document.
const (
	challengesPerGPUHour = 1.0  // each GPU is challenged hourly
	samplesPerChallenge  = 8.0  // winners a validator recomputes per challenge (sidecar --samples)
	readingsPerMinute    = 1.0  // each device reads once a minute (the 10-reading batch benchmark)
	batchMinutes         = 10.0 // and commits a batch every 10 minutes
	batchesPerCommitTx   = 20.0 // a gateway puts 20 batch commitments in one transaction
	committeeSize        = 32   // x/oracle's default committee_size
	blockSeconds         = 1.0  // block time the oracle limits are counted in
	maxFinalizedPerBlock = 200  // x/oracle max_tasks_finalized_per_block (default)
	maxReportsPerVE      = 64   // x/oracle max_tasks_per_vote_extension (default)
	targetGPUs           = 100_000
	targetDevices        = 1_000_000
	targetChainShare     = 0.25
)

func main() {
	benchPath := flag.String("bench", "", "go test -bench output with BenchmarkVerifyWinner/h100, BenchmarkScoreBatchesInParallel/zip215, BenchmarkCommitteeAggregation and BenchmarkBlockThroughput/MsgCommitBatch_x20")
	nodePath := flag.String("node", "docs/benchmarks.md", "make bench-node's document, for the running node's measured tx/s")
	networkPath := flag.String("network", "", "go test -v output of TestCommitteeNetwork")
	out := flag.String("out", "", "write here (default stdout)")
	commit := flag.String("commit", "", "commit the figures were measured at")
	flag.Parse()
	if err := run(*benchPath, *nodePath, *networkPath, *out, *commit); err != nil {
		fmt.Fprintln(os.Stderr, "capacity:", err)
		os.Exit(1)
	}
}

type figures struct {
	winnerMs      float64 // one h100 winner recomputed, one core
	readingsPerS  float64 // readings/s of a sidecar in 1,000-reading batches, devices in parallel
	smallBatchesS float64 // batches/s of 10 readings, the model's device batch
	sidecarCores  float64 // cores of those measurements
	aggregateUs   map[string]float64
	submitExecTPS float64 // MsgSubmitWork transactions/s executed in blocks of 200
	gatewayMsgsS  float64 // batch commitments/s executed in blocks of 20-batch transactions
	scoredMsgsS   float64 // the same, each block also finalising the last block's batches' scores
	submitTPS     float64 // a running node, sustained: MsgSubmitWork transactions/s
	gatewayTPS    float64 // the same: 20-batch gateway transactions/s
	network       []string
	machine, date string
}

// median is the middle of xs (0 when empty): block-execution runs vary by about 10 % with
// the store's background compactions.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

func run(benchPath, nodePath, networkPath, out, commit string) error {
	f := figures{aggregateUs: map[string]float64{}, sidecarCores: 2}
	bench, err := os.ReadFile(benchPath)
	if err != nil {
		return err
	}
	var gateway, scored, submit []float64 // block execution, one per run (-count): the median is used
	for _, line := range strings.Split(string(bench), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 3 {
			continue
		}
		name := fields[0]
		switch {
		case strings.HasPrefix(name, "BenchmarkVerifyWinner/h100"):
			f.winnerMs = metric(fields, "ns/op") / 1e6
		case strings.HasPrefix(name, "BenchmarkScoreBatchesInParallel/zip215/readings=1000"):
			f.readingsPerS = metric(fields, "readings/s")
		case strings.HasPrefix(name, "BenchmarkScoreBatchesInParallel/zip215/readings=10-"):
			f.smallBatchesS = metric(fields, "batches/s")
			f.sidecarCores, _ = strconv.ParseFloat(name[strings.LastIndex(name, "-")+1:], 64)
		case strings.HasPrefix(name, "BenchmarkCommitteeAggregation/"):
			key := strings.TrimPrefix(name[:strings.LastIndex(name, "-")], "BenchmarkCommitteeAggregation/")
			f.aggregateUs[key] = metric(fields, "µs/task")
		case strings.HasPrefix(name, "BenchmarkBlockThroughput/MsgCommitBatch_x20-"):
			gateway = append(gateway, metric(fields, "msg/s"))
		case strings.HasPrefix(name, "BenchmarkBlockThroughput/MsgCommitBatch_x20_scored-"):
			scored = append(scored, metric(fields, "msg/s"))
		case strings.HasPrefix(name, "BenchmarkBlockThroughput/MsgSubmitWork-"):
			submit = append(submit, metric(fields, "tx/s"))
		}
	}
	f.gatewayMsgsS, f.scoredMsgsS, f.submitExecTPS = median(gateway), median(scored), median(submit)
	if f.winnerMs == 0 || f.readingsPerS == 0 || f.smallBatchesS == 0 || len(f.aggregateUs) == 0 || f.gatewayMsgsS == 0 || f.scoredMsgsS == 0 || f.submitExecTPS == 0 {
		return fmt.Errorf("%s lacks a benchmark the model needs", benchPath)
	}
	if f.submitTPS, f.gatewayTPS, err = nodeThroughput(nodePath); err != nil {
		return err
	}
	if networkPath != "" {
		bz, err := os.ReadFile(networkPath)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(bz), "\n") {
			if strings.Contains(line, "validators, committees of") {
				f.network = append(f.network, strings.TrimSpace(line[strings.Index(line, ": ")+2:]))
			}
		}
	}
	f.machine = fmt.Sprintf("%s/%s, %d cores, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	f.date = time.Now().UTC().Format("2006-01-02")
	w := io.Writer(os.Stdout)
	if out != "" {
		file, err := os.Create(out)
		if err != nil {
			return err
		}
		defer func() { _ = file.Close() }()
		w = file
	}
	return write(w, f, commit)
}

// metric returns the value before unit in a benchmark line's fields.
func metric(fields []string, unit string) float64 {
	for i := 1; i < len(fields); i++ {
		if fields[i] == unit {
			v, _ := strconv.ParseFloat(fields[i-1], 64)
			return v
		}
	}
	return 0
}

// nodeThroughput reads the running node's sustained tx/s of MsgSubmitWork and of gateway
// transactions (MsgCommitBatch x20) from the second table of make bench-node's document.
func nodeThroughput(path string) (submit, gateway float64, err error) {
	file, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = file.Close() }()
	row := regexp.MustCompile(`^\| (MsgSubmitWork|MsgCommitBatch x20) \| (\d+) \|`)
	inNode := false
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		line := scanner.Text()
		if strings.HasPrefix(line, "## A running node") {
			inNode = true
		}
		if m := row.FindStringSubmatch(line); inNode && m != nil {
			v, _ := strconv.ParseFloat(m[2], 64)
			if m[1] == "MsgSubmitWork" {
				submit = v
			} else {
				gateway = v
			}
		}
	}
	if submit == 0 || gateway == 0 {
		return 0, 0, fmt.Errorf("%s has no running-node figures for MsgSubmitWork and MsgCommitBatch x20 (make bench-node)", path)
	}
	return submit, gateway, scanner.Err()
}

// deviceWork is a validator's work per device batch, in batches scored: its share of the
// seats, each scoring the batch and, when new to the gateway this committee epoch
// (probability 1 - share with equal stakes), replaying the device's history from its
// scoring anchor: 1 to 2 scoring epochs, 1.5 on average, for the committee epoch's batches
// when the two epochs are as long (a day each by default).
func deviceWork(share float64) float64 { return share * (1 + 1.5*(1-share)) }

// seats is how many validators verify each task: the committee, or all of a smaller set.
func seats(validators int) float64 { return float64(min(validators, committeeSize)) }

func write(w io.Writer, f figures, commit string) error {
	gpuCoreS := samplesPerChallenge * f.winnerMs / 1000 // core-seconds per challenge, per validator
	batchCoreS := f.sidecarCores / f.smallBatchesS      // core-seconds per 10-reading batch, per validator
	gpuTasksPerS := func(gpus float64) float64 { return gpus * challengesPerGPUHour / 3600 }
	batchesPerS := func(devices float64) float64 { return devices / (batchMinutes * 60) }

	p := func(format string, args ...any) { _, _ = fmt.Fprintf(w, format, args...) }
	p("# Capacity\n\n")
	p("Written by `make bench-capacity` (`scripts/bench-capacity.sh`, `scripts/capacity`); rerun it to refresh.\n")
	p("Measured at commit `%s` on %s (%s); block-execution figures are the median of 3 runs; the running node's figures come from\n[docs/benchmarks.md](benchmarks.md) (`make bench-node`).\n\n", commit, f.date, f.machine)
	p("## Measured costs\n\n| cost | value | source |\n|---|---:|---|\n")
	p("| recompute one h100 winner, one core (AVX2 step) | %.1f ms | `BenchmarkVerifyWinner/h100` (`pkg/pow`) |\n", f.winnerMs)
	p("| verify one h100 challenge: %.0f sampled winners | %.2f core-s | the line above x %.0f |\n", samplesPerChallenge, gpuCoreS, samplesPerChallenge)
	p("| a batch of %.0f readings (a device's 10 minutes): fetched, signatures batch-verified (ZIP-215), Merkle-checked, scored, state saved | %.2f core-ms (%.0f batches/s on %.0f cores) | `BenchmarkScoreBatchesInParallel/zip215/readings=10` (`internal/sidecar`) |\n",
		readingsPerMinute*batchMinutes, batchCoreS*1e3, f.smallBatchesS, f.sidecarCores)
	p("| the same in batches of 1,000 readings | %.0f readings/s on %.0f cores | `BenchmarkScoreBatchesInParallel/zip215/readings=1000` |\n", f.readingsPerS, f.sidecarCores)
	for _, key := range []string{"validators=16", "validators=64"} {
		p("| x/oracle: open a task with an 8-seat committee draw and aggregate its reports, %s validators | %.0f µs | `BenchmarkCommitteeAggregation` (`x/oracle/keeper`) |\n", strings.TrimPrefix(key, "validators="), f.aggregateUs[key])
	}
	p("| block execution: MsgSubmitWork, 20 blocks of 200 transactions on PebbleDB (the node default) | %.0f tx/s | `BenchmarkBlockThroughput/MsgSubmitWork` (`app`) |\n", f.submitExecTPS)
	p("| block execution: batch commitments in gateway transactions of 20 (10 readings each), 20 blocks of 200 transactions (80,000 batches) on PebbleDB | %.0f/s | `BenchmarkBlockThroughput/MsgCommitBatch_x20` (`app`) |\n", f.gatewayMsgsS)
	p("| block execution: the same, each block also finalising the tasks of the block before on the validator's reports (every batch's score, device quality and reward recorded) | %.0f/s | `BenchmarkBlockThroughput/MsgCommitBatch_x20_scored` (`app`) |\n", f.scoredMsgsS)
	p("| a running node with its sidecar, sustained: MsgSubmitWork | %.0f tx/s | docs/benchmarks.md |\n", f.submitTPS)
	p("| a running node with its sidecar, sustained: gateway transactions of 20 batch commitments | %.0f tx/s (%.0f batches/s) | docs/benchmarks.md (MsgCommitBatch x20) |\n\n", f.gatewayTPS, f.gatewayTPS*batchesPerCommitTx)

	if len(f.network) > 0 {
		p("## In-process networks\n\n`TestCommitteeNetwork` (`x/oracle/keeper`) runs 16 and 64 validators of unequal stake through\nthe oracle's aggregation, each reporting only on its seats:\n\n")
		for _, line := range f.network {
			p("- %s\n", line)
		}
		p("\nEvery task finalised on its 8 members' reports: a validator's share of the work is seats / validators.\n\n")
	}

	p("## What the network verifies\n\n")
	p("Each GPU is challenged hourly and each challenge's %.0f winners are recomputed; each device reads once a minute\n", samplesPerChallenge)
	p("and commits a batch every %.0f minutes (a batch's fetch and state save outweigh its %.0f readings).\n", batchMinutes, readingsPerMinute*batchMinutes)
	p("GPU challenges and devices go to committees of %d (x/oracle's default; every validator while the set has %d or\n", committeeSize, committeeSize)
	p("fewer), so a validator verifies seats / validators of them. A gateway's committee changes every committee\n")
	p("epoch (a day by default); a member new to the gateway replays each device's history from the batch's\n")
	p("scoring anchor, 1 to 2 scoring epochs (a day each), 1.5 on average, and with equal stakes a seat is new with\n")
	p("probability 1 - seats / validators: a seat costs (1 + 1.5 x (1 - seats / validators)) batches' work per\n")
	p("batch. The batch cost is measured in steady state (two scoring windows fed per batch).\n")
	p("Each column uses all sidecar cores for one kind of work; 16-core ")
	p("figures scale the %.0f-core measurements linearly (batches and challenges are independent jobs).\n\n", f.sidecarCores)
	p("| validators | sidecar cores | seats per task | GPUs | devices |\n|---:|---:|---:|---:|---:|\n")
	for _, n := range []int{4, 20, 100, 150} {
		for _, cores := range []float64{2, 16} {
			share := seats(n) / float64(n)
			gpus := cores / (gpuCoreS * share) * 3600 / challengesPerGPUHour
			devices := cores / (batchCoreS * deviceWork(share)) * batchMinutes * 60
			p("| %d | %.0f | %.0f | %s | %s |\n", n, cores, seats(n), count(gpus), count(devices))
		}
	}
	n, cores := 100, 16.0
	share := seats(n) / float64(n)
	load := gpuTasksPerS(targetGPUs)*gpuCoreS*share + batchesPerS(targetDevices)*batchCoreS*deviceWork(share)
	p("\nBoth at once, the target (%s GPUs and %s devices) on %d validators with %.0f-core sidecars needs\n%.1f cores per sidecar: %s.\n\n",
		count(targetGPUs), count(targetDevices), n, cores, load, verdict(load <= cores))

	p("## Chain load at the target\n\n")
	p("A SubmitWork transaction per challenge; a batch commitment per device every %.0f minutes, %.0f to a\ntransaction; one oracle task per challenge, and per gateway and block for its batches (at most one per\nbatch-commit transaction: each from another gateway, the worst case); %.0f s blocks.\n\n", batchMinutes, batchesPerCommitTx, blockSeconds)
	p("| load | needed | block execution | share | running node | share |\n|---|---:|---:|---:|---:|---:|\n")
	submit := gpuTasksPerS(targetGPUs)
	commitTx := batchesPerS(targetDevices) / batchesPerCommitTx
	batches := commitTx * batchesPerCommitTx
	execShare := submit/f.submitExecTPS + batches/f.scoredMsgsS
	nodeShare := submit/f.submitTPS + commitTx/f.gatewayTPS
	p("| SubmitWork transactions | %.1f/s | %.0f/s | %.1f%% | %.0f/s | %.1f%% |\n", submit, f.submitExecTPS, 100*submit/f.submitExecTPS, f.submitTPS, 100*submit/f.submitTPS)
	p("| gateway transactions (%.0f batch commitments each) | %.1f/s | %.0f/s | %.1f%% | %.0f/s | %.1f%% |\n", batchesPerCommitTx, commitTx,
		f.gatewayMsgsS/batchesPerCommitTx, 100*commitTx*batchesPerCommitTx/f.gatewayMsgsS, f.gatewayTPS, 100*commitTx/f.gatewayTPS)
	p("| the same batches scored: commitment and the validators' verdict | %.0f/s | %.0f/s | %.1f%% | - | - |\n", batches, f.scoredMsgsS, 100*batches/f.scoredMsgsS)
	p("| SubmitWork and batches, committed and scored | | | **%.1f%%** | | **%.1f%%** (commitments only) |\n\n", 100*execShare, 100*nodeShare)
	tasks := submit + commitTx
	reports := tasks * share * blockSeconds
	p("| oracle load | needed | limit | share |\n|---|---:|---:|---:|\n")
	p("| oracle tasks finalised | %.0f/s | %d/s (`max_tasks_finalized_per_block`) | %.0f%% |\n", tasks, maxFinalizedPerBlock, 100*tasks/maxFinalizedPerBlock)
	p("| reports in one validator's vote extension | %.0f a block | %d (`max_tasks_per_vote_extension`) | %.0f%% |\n\n", reports, maxReportsPerVE, 100*reports/maxReportsPerVE)
	p("Verification scales with validators: each added validator adds its sidecar's cores, and both columns grow\n")
	p("linearly with N once N exceeds the committee. The chain's work at the target, SubmitWork and every batch\n")
	p("committed and scored, takes %.0f%% of a node's block-execution throughput (%s: at most %.0f%%), all measured\n", 100*execShare, verdict(execShare <= targetChainShare), 100*targetChainShare)
	p("alike: signed transactions and injected reports through FinalizeBlock and Commit. On a running node\n")
	p("(CheckTx, mempool, consensus, and its sidecar verifying every SubmitWork on the same %d cores, where a\n", runtime.NumCPU())
	p("validator at the target gives its sidecar cores of its own) the transactions alone take %.0f%%; those floods\n", 100*nodeShare)
	p("fill 3-7 blocks and vary by tens of percent between rounds. GPU challenge verdicts (28/s) are not counted.\n")
	p("A gateway's batches of a block are one oracle task with a score per batch, so tasks, retention-queue\n")
	p("entries and vote-extension reports grow with gateways, not devices. What remains per batch is written\n")
	p("twice: at commitment its record, the device's stats and an event; at scoring its record again, the\n")
	p("device's stats again, the device's reward item of the epoch and two events (the owner's accrual and the\n")
	p("epoch are written once per task). Scoring costs about as much as committing: %.0f batches/s committed\n", f.gatewayMsgsS)
	p("alone, %.0f committed and scored.\n", f.scoredMsgsS)
	return nil
}

func count(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1f M", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.0f k", math.Round(v/1e3))
	}
	return fmt.Sprintf("%.0f", v)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}
