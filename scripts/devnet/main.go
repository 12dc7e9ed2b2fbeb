// Command devnet starts Thalamus development networks from config.yml. It is run by
// scripts/localnet.sh (`make localnet`) and scripts/testnet.sh.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const usage = `devnet: Thalamus development networks

Usage:
  devnet localnet [flags]      one validator in the foreground; Ctrl-C stops everything it started
  devnet testnet N [flags]     N validators on loopback in the background (node i: ports +100*i)
  devnet wait HEIGHT [flags]   wait until every testnet node passes HEIGHT and compare app hashes
  devnet join [flags]          add a full node N (N = nodes running) that state-syncs from the
                               testnet's snapshots (taken every 50 blocks) and catches up;
                               with -validator it then bonds as a validator with its own sidecar
  devnet stop [flags]          stop the background testnet
  devnet restart NAME [flags]  restart one testnet process (node1, sidecar2, agent, ...) as first started
  devnet demo-image [flags]    build the demo workload image ` + demoImage + ` (FROM scratch) in the local Docker engine
  devnet verify [flags]        chaos checks: equal app hashes, no stall since --since, no overdue
                               oracle task; with --invariants it stops the testnet and checks each node

Flags:
`

func main() {
	home, _ := os.UserHomeDir()
	fs := flag.NewFlagSet("devnet", flag.ExitOnError)
	configPath := fs.String("config", "config.yml", "Ignite-format network definition")
	binary := fs.String("binary", "", "thalamusd binary, with thalamus-agent and thalamus-sidecar beside it (default: build/devnet-bin/thalamusd, else build/thalamusd, else thalamusd on PATH)")
	localHome := fs.String("home", filepath.Join(home, ".thalamus-localnet"), "localnet home, deleted and recreated on every run")
	testnetDir := fs.String("dir", filepath.Join(home, ".thalamus-testnet"), "testnet folder holding every node's home, logs and pid files")
	fs.IntVar(&firstSlot, "first-slot", 0, "testnet: node i takes the ports of slot first-slot+i (base+100*slot); 1 leaves the default ports free for a node run by hand beside the testnet")
	agents := fs.Bool("agents", false, "testnet: also run a simulated GPU provider and a sensor gateway with 3 devices against node0")
	liar := fs.Int("liar", -1, "testnet: start node N's sidecar with --wrong-results")
	model := fs.String("quality-model", "", "testnet: N:FILE starts node N's sidecar with --quality-model FILE (another accepted quality model)")
	cheater := fs.Bool("cheater", false, "testnet: with -agents, also run the localnet's cheating GPU provider (1 GPU, --cheat-fraction 0.5)")
	genesisHook := fs.String("genesis-hook", "", "testnet: shell command run with the genesis file's path appended, to edit it before the nodes start")
	joinAsValidator := fs.Bool("validator", false, "join: also start the node's sidecar, fund an operator key from node0's validator and bond config.yml's validator stake with create-validator")
	cosmovisor := fs.String("cosmovisor", "", "testnet: run every node under this cosmovisor binary (make test-upgrade builds one), -binary as its genesis binary")
	upgrades := map[string]string{}
	fs.Func("upgrade", "testnet: with -cosmovisor, NAME:BINARY stages BINARY for the software upgrade NAME on every node (repeatable)",
		func(v string) error {
			name, bin, ok := strings.Cut(v, ":")
			if !ok || name == "" || bin == "" {
				return fmt.Errorf("want NAME:BINARY, got %q", v)
			}
			abs, err := filepath.Abs(bin)
			upgrades[name] = abs
			return err
		})
	allowFetch := []string{gatewayAddr}
	fs.Func("allow-fetch", "one more HOST:PORT the sidecars may fetch batches from at a private address, besides the devnet gateway "+gatewayAddr+" (repeatable; e.g. a load generator's gateway)",
		func(v string) error { allowFetch = append(allowFetch, v); return nil })
	runtimeKind := fs.String("runtime", "exec", "localnet: the providers' workload runtime, exec (no engine needed) or docker (a running Docker engine; the demo image "+demoImage+" is built in it)")
	consoleDir := fs.String("console", "web/dist", "localnet: the built web console, served on http://"+consoleAddr)
	since := fs.Int64("since", 1, "verify: first height whose block intervals are checked")
	stallBlocks := fs.Int("stall-blocks", 10, "verify: longest allowed block interval, in median block intervals")
	invariants := fs.Bool("invariants", false, "verify: then stop the testnet and run check-invariants on every node")
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, usage)
		fs.PrintDefaults()
	}
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		fs.Usage()
		os.Exit(0)
	}
	command, rest := os.Args[1], os.Args[2:]
	var positional []string
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			os.Exit(2)
		}
		if fs.NArg() == 0 {
			break
		}
		positional, rest = append(positional, fs.Arg(0)), fs.Args()[1:]
	}

	opts := testnetOptions{agents: *agents, cheater: *cheater, liar: *liar, modelNode: -1, genesisHook: *genesisHook, allowFetch: allowFetch, runtime: *runtimeKind, consoleDir: *consoleDir,
		cosmovisor: cosmovisorOptions{path: *cosmovisor, upgrades: upgrades}, joinAsValidator: *joinAsValidator}
	if len(upgrades) > 0 && *cosmovisor == "" {
		fmt.Fprintln(os.Stderr, "devnet: -upgrade needs -cosmovisor")
		os.Exit(2)
	}
	if *model != "" {
		node, file, ok := strings.Cut(*model, ":")
		n, err := strconv.Atoi(node)
		if !ok || err != nil || file == "" {
			fmt.Fprintln(os.Stderr, "devnet: -quality-model wants N:FILE, got", *model)
			os.Exit(2)
		}
		abs, err := filepath.Abs(file) // the sidecar runs in the testnet folder
		if err != nil {
			fmt.Fprintln(os.Stderr, "devnet:", err)
			os.Exit(2)
		}
		opts.modelNode, opts.modelFile = n, abs
	}
	verify := verifyOptions{since: *since, stallBlock: *stallBlocks, invariants: *invariants}
	if err := run(command, positional, *configPath, *binary, *localHome, *testnetDir, opts, verify); err != nil {
		fmt.Fprintln(os.Stderr, "devnet:", err)
		os.Exit(1)
	}
}

func run(command string, args []string, configPath, binary, localHome, testnetDir string, opts testnetOptions, verify verifyOptions) error {
	if command != "testnet" && command != "localnet" {
		if err := loadFirstSlot(testnetDir); err != nil {
			return err
		}
	}
	switch command {
	case "stop":
		return stopTestnet(testnetDir)
	case "restart":
		if len(args) != 1 {
			return fmt.Errorf("usage: devnet restart NAME")
		}
		return restartProcess(testnetDir, args[0])
	case "verify":
		binary, err := findBinary(binary)
		if err != nil {
			return err
		}
		return verifyTestnet(binary, testnetDir, verify)
	case "wait":
		if len(args) != 1 {
			return fmt.Errorf("usage: devnet wait HEIGHT")
		}
		height, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || height < 1 {
			return fmt.Errorf("HEIGHT must be a positive integer, got %q", args[0])
		}
		n := runningNodes(testnetDir)
		if n == 0 {
			return fmt.Errorf("no testnet running in %s", testnetDir)
		}
		return waitAll(testnetDir, n, height, time.Duration(height)*10*time.Second+time.Minute)
	case "join":
		cfg, err := loadConfig(configPath)
		if err != nil {
			return err
		}
		binary, err := findBinary(binary)
		if err != nil {
			return err
		}
		return joinTestnet(binary, testnetDir, opts, cfg.Validators[0])
	case "demo-image":
		binary, err := findBinary(binary)
		if err != nil {
			return err
		}
		return buildDemoImage(binary)
	case "localnet", "testnet":
	default:
		return fmt.Errorf("unknown command %q (see devnet --help)", command)
	}

	cfg, err := loadConfig(configPath)
	if err != nil {
		return err
	}
	if binary, err = findBinary(binary); err != nil {
		return err
	}
	if command == "localnet" {
		return localnet(cfg, binary, localHome, opts)
	}
	if len(args) != 1 {
		return fmt.Errorf("usage: devnet testnet N")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil {
		return fmt.Errorf("the number of validators must be an integer, got %q", args[0])
	}
	return testnet(cfg, binary, testnetDir, n, opts)
}

// findBinary picks thalamusd: the devnet build (make build-devnet), else the release build,
// else thalamusd on PATH. The agent and sidecar are taken from beside it.
func findBinary(binary string) (string, error) {
	if binary == "" {
		binary = "thalamusd"
		for _, candidate := range []string{"build/devnet-bin/thalamusd", "build/thalamusd"} {
			if _, err := os.Stat(candidate); err == nil {
				binary = candidate
				break
			}
		}
	}
	path, err := exec.LookPath(binary)
	if err != nil {
		return "", fmt.Errorf("thalamusd not found: run `make build-devnet` first: %w", err)
	}
	return filepath.Abs(path)
}
