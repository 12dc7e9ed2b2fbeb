package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const (
	localRPC  = "http://127.0.0.1:26657"
	localREST = "http://127.0.0.1:1317"
)

// localnet initialises a one-validator chain from config.yml in a throwaway home, starts it
// with every process the devnet needs, reports progress, and stops everything on Ctrl-C.
func localnet(cfg *Config, binary, home string, opts testnetOptions) error {
	if len(cfg.Validators) != 1 {
		return fmt.Errorf("localnet runs one validator, config.yml lists %d: use scripts/testnet.sh for more", len(cfg.Validators))
	}
	if err := resetHome(home); err != nil {
		return err
	}
	chainID := cfg.chainID("thalamus-local-1")
	val := cfg.Validators[0]
	n := node{binary: binary, home: home, moniker: val.Name}

	step("initialising chain %s in %s", chainID, home)
	if err := n.init(chainID, cfg.DefaultDenom); err != nil {
		return err
	}
	addresses, err := n.addAccounts(cfg.Accounts)
	if err != nil {
		return err
	}
	gentxDir := filepath.Join(home, "config", "gentx")
	if err := os.MkdirAll(gentxDir, 0o755); err != nil {
		return err
	}
	if err := n.gentx(val.Name, val.Bonded, chainID, gentxDir); err != nil {
		return err
	}
	if _, err := n.run("", "genesis", "collect-gentxs"); err != nil {
		return err
	}
	if err := n.mergeGenesis(cfg.Genesis); err != nil {
		return err
	}
	if err := n.set("client", map[string]string{"chain-id": chainID, "keyring-backend": "test", "node": "tcp://127.0.0.1:26657"}); err != nil {
		return err
	}
	if err := n.applyOverrides(val); err != nil {
		return err
	}

	agentBinary, err := siblingBinary(binary, "thalamus-agent")
	if err != nil {
		return err
	}
	if err := requireDevnetFlag(agentBinary, "cheat-fraction", "gpu"); err != nil {
		return err
	}
	runtimeArgs, err := runtimeFlags(opts.runtime, agentBinary)
	if err != nil {
		return err
	}
	sidecarBinary, err := siblingBinary(binary, "thalamus-sidecar")
	if err != nil {
		return err
	}
	logs := filepath.Join(home, "logs")
	procs := []*process{
		{name: "thalamusd", args: []string{binary, "start", "--home", home}, log: filepath.Join(logs, "thalamusd.log")},
		// The validator's verifier: the node's ExtendVote asks it for results on 127.0.0.1:9095
		// (app.toml [oracle] sidecar_address, the default).
		{name: "sidecar", args: sidecarArgs(sidecarBinary, home, 0, testnetOptions{liar: -1, modelNode: -1, allowFetch: opts.allowFetch}), log: filepath.Join(logs, "sidecar.log")},
		// The simulated GPU provider: registers as provider, 4 CPU-DEV GPUs and an offer, then
		// answers every proof-of-work challenge with the CPU backend.
		gpuAgent("agent", agentBinary, home, "provider", 4, "360000uthal", agentMetrics, agentAPI, home, logs, runtimeArgs...),
		// A second provider with one GPU, offered cheaper, whose agent forges half of its
		// winners: the validators find out, jail the GPU, refund its tenant and slash it.
		gpuAgent("cheater", agentBinary, home, "cheater", 1, "300000uthal", cheaterMetrics, cheaterAPI, home, logs,
			append([]string{"--cheat-fraction", "0.5", "--port-range", "32000-32999"}, runtimeArgs...)...),
		// The simulated sensor operator: 5 weather stations, three of them faulty from their
		// 450th reading (after the quality model's 400-reading warm-up, ~45 s in).
		sensorGateway(agentBinary, home, 5, home, logs, "--simulate-faults", "3=drift,4=stuck,5=spike", "--simulate-fault-onset", "450"),
	}
	if opts.runtime == "docker" {
		// The agents leave containers running when they stop (the next agent adopts them);
		// this chain ends with them, so its containers go too.
		defer removeWorkloads(addresses["provider"], addresses["cheater"])
	}
	return supervise(procs, func(ctx context.Context) error {
		console := consoleConfig{REST: localREST, RPC: localRPC, ChainID: chainID, DevKeys: devKeys(cfg.Accounts), AllowPrivateBatchHosts: true}
		if err := serveConsole(ctx, opts.consoleDir, consoleAddr, console); err != nil {
			return err
		}
		step("waiting for the first block")
		if _, err := waitForHeight(ctx, localRPC, 1, 2*time.Minute, nil); err != nil {
			return err
		}
		printLocalnetHelp(chainID, home, addresses, procs)
		if err := tenantLease(ctx, n); err != nil {
			return err
		}
		// alice is the validator: its operator account is paid for the oracle reports.
		return watchRewards(ctx, []string{"provider", "cheater", "operator", "alice"}, addresses)
	})
}

// gpuAgent is a simulated GPU provider as the key in home's keyring: it registers, offers
// gpus CPU-DEV GPUs at price per GPU-hour and answers their challenges with the CPU backend.
// It serves its provider endpoint on api (registered as the provider's endpoint); extra
// holds its workload runtime (runtimeFlags) and any other flags. Its state goes to
// stateRoot/name and its log to logDir/name.log.
func gpuAgent(name, agentBinary, home, key string, gpus int, price, metrics, api, stateRoot, logDir string, extra ...string) *process {
	args := append([]string{
		agentBinary, "gpu", "--home", home, "--from", key, "--backend", "cpu", "--simulate-gpus", fmt.Sprint(gpus),
		"--class", "CPU-DEV", "--collateral", "1000000000uthal", "--offer-price", price,
		"--state-dir", filepath.Join(stateRoot, name), "--metrics-addr", metrics,
		"--api-listen", api, "--endpoint", "http://" + api,
	}, extra...)
	return &process{name: name, args: args, log: filepath.Join(logDir, name+".log")}
}

// sensorGateway is the simulated sensor operator (key operator): a gateway on gatewayAddr
// feeding devices simulated stations at 10 readings a second and committing a batch per
// device every 10 s. Its state goes to stateRoot/gateway and its log to logDir/sensors.log.
func sensorGateway(agentBinary, home string, devices int, stateRoot, logDir string, extra ...string) *process {
	args := append([]string{
		agentBinary, "sensors", "--home", home, "--from", "operator", "--listen", gatewayAddr,
		"--simulate", fmt.Sprint(devices), "--batch-interval", "10s", "--simulate-interval", "100ms",
		"--state-dir", filepath.Join(stateRoot, "gateway"),
	}, extra...)
	return &process{name: "sensors", args: args, log: filepath.Join(logDir, "sensors.log")}
}

// agentMetrics is where the localnet's agent serves Prometheus metrics; gatewayAddr is the
// sensor gateway's API, which serves its metrics too.
const (
	agentMetrics   = "127.0.0.1:9464"
	cheaterMetrics = "127.0.0.1:9465"
	// agentAPI and cheaterAPI are the providers' endpoints: manifests in, tenant status and logs out.
	agentAPI    = "127.0.0.1:8080"
	cheaterAPI  = "127.0.0.1:8081"
	gatewayAddr = "127.0.0.1:8090"
)

// sidecarMetrics is where node 0's (the localnet's) sidecar serves its metrics.
var sidecarMetrics = fmt.Sprintf("127.0.0.1:%d", baseSidecarMetrics)

// tenantLease waits for both providers' CPU-DEV offers and, as the tenant, leases the
// cheater's (cheaper) GPU and then 2 of the honest provider's, so the localnet shows leases
// being paid while their GPUs answer challenges, and a refund when the fraud is caught.
func tenantLease(ctx context.Context, n node) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out, err := n.run("", "query", "compute", "offers", "CPU-DEV", "--output", "json")
		if err == nil && strings.Count(out, `"provider"`) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the agents opened no two CPU-DEV offers within 2 minutes; see their logs")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Second):
		}
	}
	// The cheapest offer serves the first lease: the cheater's single GPU.
	for _, gpus := range []string{"1", "2"} {
		if _, err := n.run("", "tx", "compute", "create-lease", gpus, "24", "20000000uthal", "--class", "CPU-DEV",
			"--from", "tenant", "--yes", "--output", "json"); err != nil {
			return err
		}
		if err := waitBlocks(ctx, 2); err != nil {
			return nil
		}
	}
	step("tenant leased the cheater's GPU and 2 of the provider's for 24 h: thalamusd q compute leases --home %s", n.home)
	return nil
}

// siblingBinary finds name next to thalamusd, else on PATH.
func siblingBinary(thalamusd, name string) (string, error) {
	path := filepath.Join(filepath.Dir(thalamusd), name)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s not found next to %s or on PATH: run `make build-devnet`", name, thalamusd)
	}
	return path, nil
}

// requireDevnetFlag checks that binary was built with the devnet tag, which adds the fault
// injection flag the devnet is about to use.
func requireDevnetFlag(binary, flag string, command ...string) error {
	out, err := exec.Command(binary, append(command, "--help")...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s --help: %w: %s", binary, strings.Join(command, " "), err, out)
	}
	if !strings.Contains(string(out), "--"+flag) {
		return fmt.Errorf("%s has no --%s: it is a release build; run `make build-devnet` and use build/devnet-bin", binary, flag)
	}
	return nil
}

// supervise starts procs, runs ready once they are up, then reports chain progress until
// Ctrl-C/SIGTERM or until a process exits; either way every process is stopped.
func supervise(procs []*process, ready func(context.Context) error) error {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	defer func() {
		step("stopping %d process(es)", len(procs))
		for i := len(procs) - 1; i >= 0; i-- {
			if err := procs[i].stop(15 * time.Second); err != nil {
				step("%s: %v", procs[i].name, err)
			}
		}
		step("stopped")
	}()

	exited := make(chan *process, len(procs))
	for _, p := range procs {
		if err := p.start(); err != nil {
			return err
		}
		step("started %s (pid %d), log: %s", p.name, p.cmd.Process.Pid, p.log)
		go func(p *process) {
			err := <-p.done
			p.done <- err // keep it readable for stop()
			exited <- p
		}(p)
	}
	readyErr := make(chan error, 1)
	go func() { readyErr <- ready(ctx) }()

	ticker := time.NewTicker(10 * time.Second)
	defer ticker.Stop()
	last := status{}
	lastAt := time.Now()
	for {
		select {
		case <-ctx.Done():
			fmt.Println()
			return nil
		case p := <-exited:
			return fmt.Errorf("%s exited unexpectedly; last log lines:\n%s", p.name, lastLines(p.log, 20))
		case err := <-readyErr:
			if err != nil {
				return err
			}
		case <-ticker.C:
			st, err := nodeStatus(ctx, localRPC)
			if err != nil {
				step("chain: no answer from %s: %v", localRPC, err)
				continue
			}
			if last.Height > 0 && st.Height > last.Height {
				perBlock := time.Since(lastAt) / time.Duration(st.Height-last.Height)
				step("chain: height %d, %.2f s/block, app hash %.12s", st.Height, perBlock.Seconds(), st.AppHash)
			} else {
				step("chain: height %d", st.Height)
			}
			if m, err := scrapeMetrics(ctx, "http://"+agentMetrics+"/metrics"); err == nil {
				step("agent: %.0f GPUs, %.0f challenges answered, %.0f winners found, %.0f failed",
					m["thalamus_agent_gpus"], m["thalamus_agent_challenges_answered_total"],
					m["thalamus_agent_pow_winners_total"], m["thalamus_agent_challenges_failed_total"])
			}
			if m, err := scrapeMetrics(ctx, "http://"+sidecarMetrics+"/metrics"); err == nil {
				step("sidecar: %.0f open tasks; verified %.0f challenges (%.0f pass, %.0f fraud) and %.0f sensor tasks (%.0f batches); %.0f failed",
					m["thalamus_sidecar_open_tasks"],
					m[`thalamus_sidecar_tasks_done_total{kind="gpu_challenge",outcome="pass"}`]+m[`thalamus_sidecar_tasks_done_total{kind="gpu_challenge",outcome="fraud"}`]+
						m[`thalamus_sidecar_tasks_done_total{kind="gpu_challenge",outcome="underperform"}`],
					m[`thalamus_sidecar_tasks_done_total{kind="gpu_challenge",outcome="pass"}`],
					m[`thalamus_sidecar_tasks_done_total{kind="gpu_challenge",outcome="fraud"}`],
					m[`thalamus_sidecar_tasks_done_total{kind="sensor_batch",outcome="scored"}`], m["thalamus_sidecar_batches_scored_total"],
					m[`thalamus_sidecar_tasks_failed_total{kind="gpu_challenge"}`]+m[`thalamus_sidecar_tasks_failed_total{kind="sensor_batch"}`])
			}
			if m, err := scrapeMetrics(ctx, "http://"+gatewayAddr+"/metrics"); err == nil {
				step("sensors: %.0f devices, %.0f readings accepted, %.0f rejected, %.0f batches committed",
					m["thalamus_gateway_devices"], m["thalamus_gateway_readings_accepted_total"],
					m["thalamus_gateway_readings_rejected_total"], m["thalamus_gateway_batches_committed_total"])
			}
			last, lastAt = st, time.Now()
		}
	}
}

// resetHome removes a previous localnet home, refusing to delete a folder it did not create.
func resetHome(home string) error {
	marker := filepath.Join(home, ".thalamus-devnet")
	if entries, err := os.ReadDir(home); err == nil && len(entries) > 0 {
		if _, err := os.Stat(marker); err != nil {
			return fmt.Errorf("%s exists and was not made by the devnet tool; remove it or pass another --home", home)
		}
		if err := os.RemoveAll(home); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	return os.WriteFile(marker, []byte("created by scripts/devnet; deleted on the next run\n"), 0o644)
}

func printLocalnetHelp(chainID, home string, addresses map[string]string, procs []*process) {
	fmt.Printf(`
Thalamus localnet is running (chain %s).
  RPC   %s
  REST  %s   (e.g. %s/thalamus/compute/v1/params)
  gRPC  127.0.0.1:9090
  web   http://%s   (the console: /gpus, /leases/1, /devices/1; sign with a dev key)
  home  %s   (deleted on the next run)
`, chainID, localRPC, localREST, localREST, consoleAddr, home)
	for _, p := range procs {
		fmt.Printf("  log   %-10s %s\n", p.name, p.log)
	}
	fmt.Println("Dev accounts (test keyring):")
	for _, name := range sortedKeys(addresses) {
		fmt.Printf("  %-9s %s\n", name, addresses[name])
	}
	fmt.Printf(`Try next:
  export PATH=$PWD/build:$PATH
  thalamusd status --home %[1]s
  thalamusd q compute params --home %[1]s
  thalamusd q bank balances %[2]s --home %[1]s
  thalamusd tx bank send alice %[2]s 1000uthal --home %[1]s -y
  thalamusd q compute gpus --provider %[3]s --home %[1]s   # the agent registered provider and 4 CPU-DEV GPUs
  thalamusd tx compute register-gpu GPU-5c2b7f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f "NVIDIA H100 80GB HBM3" H100-SXM-80G 81559 \
      --driver-version 550.54.15 --cuda-version 12.4 --from provider --home %[1]s -y
  thalamusd tx compute create-offer H100-SXM-80G 2000000uthal 1 720 1 --from provider --home %[1]s -y
  thalamusd q compute offers H100-SXM-80G --home %[1]s
  thalamusd tx compute create-lease 1 1 2000000uthal --class H100-SXM-80G --from tenant --home %[1]s -y
  thalamusd q compute leases-by-tenant %[2]s --home %[1]s
  thalamusd tx compute withdraw-all-leases --from provider --home %[1]s -y
  thalamusd q compute challenges %[3]s --home %[1]s   # the agent's proof-of-work answers, settled by the validators
  thalamusd q oracle tasks --status open --home %[1]s        # what the sidecar is verifying now
  curl -s '%[7]s/thalamus/oracle/v1/tasks?status=2&kind=1' | head -c 600  # finalised GPU verdicts (REST enums are numbers)
  thalamusd q compute leases-by-tenant %[2]s --home %[1]s   # the cheater's lease closes as a provider fault
  thalamusd q compute provider %[8]s --home %[1]s            # its collateral, slashed
  thalamusd q oracle validator-performance $(thalamusd keys show alice --bech val -a --home %[1]s) --home %[1]s
  curl -s %[9]s/metrics | grep thalamus_sidecar
  curl -s %[4]s/metrics | grep thalamus_agent
  thalamusd q sensors devices --owner %[5]s --home %[1]s   # the gateway's 5 simulated devices
  thalamusd q sensors batches 4 --home %[1]s               # the stuck station's batches and scores, newest first
  thalamusd q sensors device-stats 1 --home %[1]s          # a healthy station's quality average
  curl -s %[6]s/v1/batches/1/1 | head -c 400                # the raw readings behind batch 1
  curl -s %[6]s/v1/batches/1/1/proof/0                      # a Merkle proof of its first reading
  thalamusd workload manifest-hash app.json --home %[1]s   # a workload manifest (see README) for create-lease --manifest-hash
  thalamusd workload send LEASE app.json --from tenant --allow-endpoint 127.0.0.1:8080 --home %[1]s   # then workload status|logs (same flags)
  thalamusd q rewards current-epoch --home %[1]s           # this minute's work and what it would pay
  thalamusd q rewards receipts %[3]s --home %[1]s   # why the provider was paid what it was paid
  thalamusd q rewards receipts %[5]s --home %[1]s   # the faulty stations earn less (multiplier = batch score)
  thalamusd q rewards pending %[8]s --home %[1]s    # the cheater's forfeited GPU earns nothing
  thalamusd tx rewards claim-rewards --from provider --home %[1]s -y
  thalamusd q rewards schedule 5 --home %[1]s               # the next epochs' emission
  curl -s %[7]s/thalamus/rewards/v1/pools
Press Ctrl-C to stop every process.

`, home, addresses["tenant"], addresses["provider"], "http://"+agentMetrics, addresses["operator"], "http://"+gatewayAddr,
		localREST, addresses["cheater"], "http://"+sidecarMetrics)
}

func step(format string, args ...any) {
	fmt.Printf("%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
