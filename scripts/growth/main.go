// Command growth turns the state-growth benchmarks (BenchmarkStateGrowth in each module's
// keeper package) into docs/state-growth.md (run by scripts/bench-growth.sh, make
// bench-growth): each message's cost at 1k, 10k, 100k and 1M records of what it touches,
// and whether it grows no faster than the log of the state.
//
//	growth -bench BENCH.txt [-commit REV] [-out docs/state-growth.md]
package main

import (
	"bufio"
	"cmp"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"time"
)

// slack is how far above the log ratio a cost ratio may be and still be called logarithmic:
// from 1k to 1M records IAVL's depth doubles (log 1M / log 1k = 2), and a state that no
// longer fits the node cache adds disk reads on the way, so 1M/1k may be 3 (a linear cost
// would be 1000).
const slack = 1.5

// bound is the largest cost ratio between states of a and b records called logarithmic.
func bound(a, b int) float64 { return slack * math.Log(float64(b)) / math.Log(float64(a)) }

var (
	pkgLine   = regexp.MustCompile(`^pkg: github.com/thalamus-network/thalamus/x/(\w+)/keeper`)
	benchLine = regexp.MustCompile(`^BenchmarkStateGrowth/(\w+)/records=(\d+)-\d+\s+\d+\s+([\d.]+) ns/op`)
	gasField  = regexp.MustCompile(`([\d.]+) gas/op`)
)

type row struct {
	module, message string
	ns              map[int]float64 // by records
	gas             map[int]float64 // store gas per message, by records
}

func main() {
	benchPath := flag.String("bench", "", "go test -bench BenchmarkStateGrowth output of the module keeper packages")
	out := flag.String("out", "", "write here (default stdout)")
	commit := flag.String("commit", "", "commit the figures were measured at")
	flag.Parse()
	if err := run(*benchPath, *out, *commit); err != nil {
		fmt.Fprintln(os.Stderr, "growth:", err)
		os.Exit(1)
	}
}

func run(benchPath, out, commit string) error {
	file, err := os.Open(benchPath)
	if err != nil {
		return err
	}
	defer func() { _ = file.Close() }()
	var rows []*row
	var sizes []int
	module := ""
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		line := scanner.Text()
		if m := pkgLine.FindStringSubmatch(line); m != nil {
			module = m[1]
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		records, _ := strconv.Atoi(m[2])
		ns, _ := strconv.ParseFloat(m[3], 64)
		i := slices.IndexFunc(rows, func(r *row) bool { return r.module == module && r.message == m[1] })
		if i < 0 {
			rows = append(rows, &row{module: module, message: m[1], ns: map[int]float64{}, gas: map[int]float64{}})
			i = len(rows) - 1
		}
		rows[i].ns[records] = ns
		if g := gasField.FindStringSubmatch(line); g != nil {
			rows[i].gas[records], _ = strconv.ParseFloat(g[1], 64)
		}
		if !slices.Contains(sizes, records) {
			sizes = append(sizes, records)
		}
	}
	if err := scanner.Err(); err != nil {
		return err
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s holds no BenchmarkStateGrowth results", benchPath)
	}
	slices.Sort(sizes)
	w := io.Writer(os.Stdout)
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		w = f
	}
	return write(w, rows, sizes, commit)
}

func write(w io.Writer, rows []*row, sizes []int, commit string) error {
	p := func(format string, args ...any) { _, _ = fmt.Fprintf(w, format, args...) }
	p("# State growth\n\n")
	p("Written by `make bench-growth` (`scripts/bench-growth.sh`, `scripts/growth`); rerun it to refresh.\n")
	p("Measured at commit `%s` on %s (%s/%s, %d cores, %s).\n\n", commit, time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	p("Each message runs against a state of 1k to 1M records of what it touches, seeded on a\n")
	p("goleveldb-backed IAVL store and committed as after a block (the `BenchmarkStateGrowth`\n")
	p("of each module's keeper package says what its records are); every iteration runs in a\n")
	p("discarded cache context on one of 64 records spread over the ids, so each sees the same\n")
	p("state and reads through IAVL as a node does. A cost that grows no faster than the log of\n")
	p("the state takes at most about twice as long at 1M as at 1k (IAVL's depth doubles); the\n")
	p("verdict allows %.1f times the log ratio (3x from 1k to 1M) for the reads a state larger than the\n", slack)
	p("node cache adds. Times in µs; the ratio is between the smallest and largest state measured.\n")
	p("Store gas (the SDK's per-read, per-write and per-byte costs) counts the store work a message\n")
	p("does: the same at every size means it touches as many keys whatever the state holds, and any\n")
	p("growth in time is IAVL's depth and the reads that miss the node cache.\n\n")
	p("| module | message |")
	for _, n := range sizes {
		p(" %s |", count(n))
	}
	p(" ratio | verdict | store gas, smallest → largest |\n|---|---|")
	for range sizes {
		p("---:|")
	}
	p("---:|---|---:|\n")
	slow, cacheBound := 0, 0
	for _, r := range rows {
		p("| %s | %s |", r.module, r.message)
		for _, n := range sizes {
			if v, ok := r.ns[n]; ok {
				p(" %.0f |", v/1e3)
			} else {
				p(" - |")
			}
		}
		lo, hi := 0, 0
		for _, n := range sizes {
			if _, ok := r.ns[n]; ok {
				lo, hi = cmp.Or(lo, n), n
			}
		}
		if lo == hi {
			p(" - | one size only | - |\n")
			continue
		}
		ratio := r.ns[hi] / r.ns[lo]
		sameWork := r.gas[lo] > 0 && r.gas[hi] <= r.gas[lo]*1.1
		verdict := fmt.Sprintf("logarithmic (%s/%s <= %.1f)", count(hi), count(lo), bound(lo, hi))
		switch {
		case ratio <= bound(lo, hi):
		case sameWork:
			verdict = fmt.Sprintf("time %s/%s > %.1f with the same store work: reads past the node cache", count(hi), count(lo), bound(lo, hi))
			cacheBound++
		default:
			verdict = fmt.Sprintf("**grows faster** (%s/%s > %.1f)", count(hi), count(lo), bound(lo, hi))
			slow++
		}
		gas := "-"
		if r.gas[lo] > 0 && r.gas[hi] > 0 {
			gas = fmt.Sprintf("%.0f → %.0f", r.gas[lo], r.gas[hi])
		}
		p(" %.2f | %s | %s |\n", ratio, verdict, gas)
	}
	switch {
	case slow > 0:
		p("\n%d message(s) grow faster than the log of the state: see the rows marked.\n", slow)
	case cacheBound > 0:
		p("\nNo message does more store work on a larger state; %d take longer than the log bound at the\n", cacheBound)
		p("largest state because its IAVL tree outgrows the node cache and reads go to disk.\n")
	default:
		p("\nEvery message's cost grows no faster than the log of the state it touches.\n")
	}
	return nil
}

func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000 && n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return strconv.Itoa(n)
}
