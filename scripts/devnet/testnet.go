package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Port layout: node i serves each port at base + 100*i (+100*firstSlot, below).
const (
	baseP2P  = 26656
	baseRPC  = 26657
	baseABCI = 26658
	baseREST = 1317
	baseGRPC = 9090
	// Each node's sidecar: gRPC for the node's ExtendVote, and metrics.
	baseSidecar        = 9095
	baseSidecarMetrics = 9466
	// Each node's own Prometheus endpoint (CometBFT's, with x/oracle's vote-extension metrics).
	baseNodeMetrics = 26660
	portShift       = 100
)

// firstSlot is the port slot of node0: node i uses the ports base+100*(firstSlot+i). Slot 0 holds
// the defaults; a testnet started with -first-slot 1 leaves them to a node run by hand beside it
// (make test-runbook). testnet records it in the folder, so the other commands find it.
var firstSlot int

const firstSlotFile = "first-slot"

// port is node i's port for a service whose default (slot 0) is base.
func port(base, i int) int { return base + portShift*(firstSlot+i) }

// loadFirstSlot reads the slot a testnet in dir was started with (0 when it recorded none).
func loadFirstSlot(dir string) error {
	bz, err := os.ReadFile(filepath.Join(dir, firstSlotFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	firstSlot, err = strconv.Atoi(strings.TrimSpace(string(bz)))
	return err
}

// testnetOptions are the testnet's optional extras.
type testnetOptions struct {
	agents      bool // run a GPU provider agent and a sensor gateway against node0
	cheater     bool // with agents, also a provider whose agent forges winners
	liar        int  // node whose sidecar reports wrong results (-1: none)
	modelNode   int  // node whose sidecar scores with modelFile instead of its embedded model (-1: none)
	modelFile   string
	genesisHook string   // shell command that edits the genesis file (its path appended), e.g. for benchmark state
	allowFetch  []string // HOST:PORT pairs the sidecars may fetch batches from: the devnet's own gateways
	runtime     string   // localnet: the providers' workload runtime, exec or docker
	consoleDir  string   // localnet: the built web console to serve on consoleAddr
	cosmovisor  cosmovisorOptions
	// join: bond the joined node as a validator, with a sidecar
	joinAsValidator bool
}

// sidecarArgs are the command-line arguments of node i's sidecar, its state in dir/sidecarI.
// It may fetch batches only from the devnet's own gateways (allowFetch) at loopback.
func sidecarArgs(binary, dir string, i int, opts testnetOptions) []string {
	args := []string{binary, "start", "--home", filepath.Join(dir, fmt.Sprintf("sidecar%d", i)),
		"--node", fmt.Sprintf("tcp://127.0.0.1:%d", port(baseRPC, i)),
		"--listen", fmt.Sprintf("127.0.0.1:%d", port(baseSidecar, i)),
		"--metrics-addr", fmt.Sprintf("127.0.0.1:%d", port(baseSidecarMetrics, i))}
	for _, a := range opts.allowFetch {
		args = append(args, "--allow-fetch", a)
	}
	if i == opts.liar {
		args = append(args, "--wrong-results")
	}
	if i == opts.modelNode {
		args = append(args, "--quality-model", opts.modelFile)
	}
	return args
}

func rpcURL(i int) string { return fmt.Sprintf("http://127.0.0.1:%d", port(baseRPC, i)) }

func testnetNode(binary, dir string, i int) node {
	return node{binary: binary, home: filepath.Join(dir, fmt.Sprintf("node%d", i)), moniker: fmt.Sprintf("node%d", i)}
}

// testnet initialises n validators on loopback with config.yml's accounts and genesis,
// starts them in the background and waits until they make blocks.
func testnet(cfg *Config, binary, dir string, n int, opts testnetOptions) error {
	if n < 1 || n > 20 {
		return fmt.Errorf("number of validators must be 1..20, got %d", n)
	}
	if pids, _ := filepath.Glob(filepath.Join(dir, "*.pid")); len(pids) > 0 {
		return fmt.Errorf("a testnet is already running in %s: run scripts/testnet.sh stop first", dir)
	}
	if err := resetHome(dir); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, firstSlotFile), []byte(strconv.Itoa(firstSlot)+"\n"), 0o600); err != nil {
		return err
	}
	chainID := cfg.chainID("thalamus-local-1")
	chainID = strings.Replace(chainID, "local", "testnet", 1)
	template := cfg.Validators[0]

	nodes := make([]node, n)
	gentxDir := filepath.Join(dir, "gentxs")
	if err := os.MkdirAll(gentxDir, 0o755); err != nil {
		return err
	}
	genesisNode := testnetNode(binary, dir, 0)
	step("initialising %d validators for chain %s in %s", n, chainID, dir)
	for i := range nodes {
		nodes[i] = testnetNode(binary, dir, i)
		if err := nodes[i].init(chainID, cfg.DefaultDenom); err != nil {
			return err
		}
	}
	// Every node's validator key is funded in node0's genesis, with config.yml's accounts.
	valAddrs := make([]string, n)
	for i, nd := range nodes {
		addr, err := nd.addKey("validator", "")
		if err != nil {
			return err
		}
		valAddrs[i] = addr
		if err := genesisNode.addGenesisAccount(addr, accountCoins(cfg, template.Name)); err != nil {
			return err
		}
	}
	if _, err := genesisNode.addAccounts(cfg.Accounts); err != nil {
		return err
	}
	// Each node signs its gentx against the shared genesis; node0 collects them.
	for _, nd := range nodes {
		if nd.home != genesisNode.home {
			if err := copyFile(genesisNode.genesisPath(), nd.genesisPath()); err != nil {
				return err
			}
		}
		if err := nd.gentx("validator", template.Bonded, chainID, gentxDir); err != nil {
			return err
		}
	}
	if _, err := genesisNode.run("", "genesis", "collect-gentxs", "--gentx-dir", gentxDir); err != nil {
		return err
	}
	if err := genesisNode.mergeGenesis(cfg.Genesis); err != nil {
		return err
	}
	if opts.genesisHook != "" {
		step("editing the genesis: %s", opts.genesisHook)
		hook := exec.Command("sh", "-c", opts.genesisHook+` "$0"`, genesisNode.genesisPath())
		if out, err := hook.CombinedOutput(); err != nil {
			return fmt.Errorf("genesis hook: %w\n%s", err, out)
		}
		if _, err := genesisNode.run("", "genesis", "validate"); err != nil {
			return fmt.Errorf("genesis after the hook: %w", err)
		}
	}

	ids := make([]string, n)
	for i, nd := range nodes {
		id, err := nd.nodeID()
		if err != nil {
			return err
		}
		ids[i] = id
	}
	for i, nd := range nodes {
		if err := copyFile(genesisNode.genesisPath(), nd.genesisPath()); err != nil {
			return err
		}
		if err := nd.applyOverrides(template); err != nil {
			return err
		}
		if err := configureTestnetNode(nd, i, ids, chainID); err != nil {
			return err
		}
	}

	sidecarBinary, err := siblingBinary(binary, "thalamus-sidecar")
	if err != nil {
		return err
	}
	if opts.liar >= 0 {
		if err := requireDevnetFlag(sidecarBinary, "wrong-results", "start"); err != nil {
			return err
		}
	}
	for i, nd := range nodes {
		if opts.cosmovisor.path != "" {
			if err := setupCosmovisor(binary, nd.home, opts.cosmovisor); err != nil {
				return err
			}
		}
		p := &process{name: nd.moniker, args: nodeCommand(binary, nd.home, opts.cosmovisor), log: filepath.Join(dir, nd.moniker+".log")}
		if err := startBackground(dir, p); err != nil {
			return err
		}
		step("started %s (pid %d): RPC %s, REST http://127.0.0.1:%d, gRPC 127.0.0.1:%d, log %s",
			nd.moniker, p.cmd.Process.Pid, rpcURL(i), port(baseREST, i), port(baseGRPC, i), p.log)
		name := fmt.Sprintf("sidecar%d", i)
		sc := &process{name: name, args: sidecarArgs(sidecarBinary, dir, i, opts), log: filepath.Join(dir, name+".log")}
		if err := startBackground(dir, sc); err != nil {
			return err
		}
		step("started %s (pid %d) for %s, log %s", name, sc.cmd.Process.Pid, nd.moniker, sc.log)
	}
	if err := waitAll(dir, n, 1, 2*time.Minute); err != nil {
		return err
	}
	if opts.agents {
		if err := startTestnetAgents(binary, dir, genesisNode, opts.cheater); err != nil {
			return err
		}
	}
	fmt.Printf("\nTestnet running in the background. Check it with `scripts/testnet.sh wait 20`; stop it with `scripts/testnet.sh stop`.\n")
	return nil
}

// startBackground starts a testnet process and records its pid for `devnet stop` and its
// command for `devnet restart`.
func startBackground(dir string, p *process) error {
	if err := p.start(); err != nil {
		return err
	}
	if err := saveCommand(dir, p); err != nil {
		return err
	}
	return writePID(filepath.Join(dir, p.name+".pid"), p.cmd.Process.Pid)
}

// startTestnetAgents runs, against node0, the localnet's simulated GPU provider (2 GPUs) and a
// sensor gateway with 3 healthy simulated devices, so the validators have tasks to agree on;
// with cheater, also the localnet's cheating provider (1 GPU, half its winners forged).
func startTestnetAgents(binary, dir string, node0 node, cheater bool) error {
	agentBinary, err := siblingBinary(binary, "thalamus-agent")
	if err != nil {
		return err
	}
	procs := []*process{
		gpuAgent("agent", agentBinary, node0.home, "provider", 2, "360000uthal", agentMetrics, agentAPI, dir, dir, "--runtime", "exec", "--exec-allow", agentBinary),
		sensorGateway(agentBinary, node0.home, 3, dir, dir),
	}
	if cheater {
		if err := requireDevnetFlag(agentBinary, "cheat-fraction", "gpu"); err != nil {
			return err
		}
		procs = append(procs, gpuAgent("cheater", agentBinary, node0.home, "cheater", 1, "300000uthal", cheaterMetrics, cheaterAPI, dir, dir,
			"--cheat-fraction", "0.5", "--runtime", "exec", "--exec-allow", agentBinary, "--port-range", "32000-32999"))
	}
	for _, p := range procs {
		if err := startBackground(dir, p); err != nil {
			return err
		}
		step("started %s (pid %d), log %s", p.name, p.cmd.Process.Pid, p.log)
	}
	return nil
}

// accountCoins funds validator keys like the config's validator account.
func accountCoins(cfg *Config, name string) []string {
	for _, a := range cfg.Accounts {
		if a.Name == name {
			return a.Coins
		}
	}
	return nil
}

func configureTestnetNode(nd node, i int, ids []string, chainID string) error {
	var peers []string
	for j, id := range ids {
		if j != i {
			peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", id, port(baseP2P, j)))
		}
	}
	if err := nd.set("config", map[string]string{
		"moniker":                                nd.moniker,
		"proxy_app":                              fmt.Sprintf("tcp://127.0.0.1:%d", port(baseABCI, i)),
		"rpc.laddr":                              fmt.Sprintf("tcp://127.0.0.1:%d", port(baseRPC, i)),
		"rpc.pprof_laddr":                        "",
		"p2p.laddr":                              fmt.Sprintf("tcp://127.0.0.1:%d", port(baseP2P, i)),
		"p2p.persistent_peers":                   strings.Join(peers, ","),
		"p2p.allow_duplicate_ip":                 "true",
		"p2p.addr_book_strict":                   "false",
		"instrumentation.prometheus":             "true",
		"instrumentation.prometheus_listen_addr": fmt.Sprintf("127.0.0.1:%d", port(baseNodeMetrics, i)),
	}); err != nil {
		return err
	}
	if err := nd.set("app", map[string]string{
		"api.enable":             "true",
		"api.address":            fmt.Sprintf("tcp://127.0.0.1:%d", port(baseREST, i)),
		"grpc.address":           fmt.Sprintf("127.0.0.1:%d", port(baseGRPC, i)),
		"oracle.sidecar_address": fmt.Sprintf("127.0.0.1:%d", port(baseSidecar, i)),
		// Snapshots early and often, so `devnet join` can state-sync a node minutes in.
		"state-sync.snapshot-interval": strconv.Itoa(testnetSnapshotInterval),
	}); err != nil {
		return err
	}
	return nd.set("client", map[string]string{
		"chain-id":        chainID,
		"keyring-backend": "test",
		"node":            fmt.Sprintf("tcp://127.0.0.1:%d", port(baseRPC, i)),
	})
}

// runningNodes counts the testnet's pid files.
func runningNodes(dir string) int {
	pids, _ := filepath.Glob(filepath.Join(dir, "node*.pid"))
	return len(pids)
}

// waitAll waits until the n nodes reach height, then requires equal app hashes after it.
func waitAll(dir string, n int, height int64, timeout time.Duration) error {
	ctx := context.Background()
	step("waiting for %d node(s) to reach height %d", n, height)
	for i := 0; i < n; i++ {
		if _, err := waitForHeight(ctx, rpcURL(i), height+1, timeout, nil); err != nil {
			return fmt.Errorf("node%d: %w; last log lines:\n%s", i, err, lastLines(filepath.Join(dir, fmt.Sprintf("node%d.log", i)), 15))
		}
	}
	var first string
	var errs []error
	for i := 0; i < n; i++ {
		hash, err := appHashAfter(ctx, rpcURL(i), height)
		if err != nil {
			return err
		}
		st, _ := nodeStatus(ctx, rpcURL(i))
		step("node%d: height %d, app hash after block %d: %s", i, st.Height, height, hash)
		if i == 0 {
			first = hash
		} else if hash != first {
			errs = append(errs, fmt.Errorf("node%d app hash %s differs from node0's %s", i, hash, first))
		}
	}
	if len(errs) == 0 {
		step("all %d nodes agree on the app hash after height %d", n, height)
	}
	return errors.Join(errs...)
}

// stopTestnet stops every node recorded in dir.
func stopTestnet(dir string) error {
	pids, _ := filepath.Glob(filepath.Join(dir, "*.pid"))
	if len(pids) == 0 {
		step("no testnet running in %s", dir)
		return nil
	}
	for _, pidFile := range pids {
		wasRunning, err := stopPID(pidFile, 15*time.Second)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.Base(pidFile), ".pid")
		if wasRunning {
			step("stopped %s", name)
		} else {
			step("%s was not running", name)
		}
	}
	return nil
}
