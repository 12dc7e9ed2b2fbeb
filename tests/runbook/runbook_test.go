//go:build runbook

// Package runbook_test runs the validator runbook, docs/validators.md, as written (make
// test-runbook). Each shell block is marked `<!-- runbook: NAME -->`; this test runs every block
// in the order a new validator would, with only the variables block (section 0) replaced by
// values for this machine, and fails if the runbook has a block it did not run.
//
// The runbook's node keeps the default ports; the 4-validator testnet it joins runs beside it on
// the next port slots (devnet -first-slot 1). The blocks run with HOME set to a folder of their
// own and the keyring backend `test` (the `file` backend asks for a passphrase on a terminal);
// as root without sudo, `sudo` runs its command. Everything else is the runbook's own commands:
// install from a clone of this repository's HEAD (make release), a one-validator network by
// gentx, a state-sync join of the testnet, the sidecar, create-validator, the alert sources,
// cosmovisor, an upgrade proposal and vote, and check-invariants on the stopped node.
package runbook_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// block is one marked shell block of the runbook.
type block struct {
	name, body string
	ran        bool
}

var marker = regexp.MustCompile(`^<!-- runbook: ([a-z0-9-]+) -->$`)

// parseRunbook returns the runbook's shell blocks by name, in document order. Every ```sh block
// must follow a marker line, and names are unique.
func parseRunbook(markdown string) ([]*block, error) {
	var blocks []*block
	seen := map[string]bool{}
	lines := strings.Split(markdown, "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "```sh") {
			continue
		}
		m := []string(nil)
		if i > 0 {
			m = marker.FindStringSubmatch(lines[i-1])
		}
		if m == nil {
			return nil, fmt.Errorf("line %d: a sh block without a `<!-- runbook: NAME -->` line before it", i+1)
		}
		if seen[m[1]] {
			return nil, fmt.Errorf("line %d: block %q twice", i+1, m[1])
		}
		seen[m[1]] = true
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body = append(body, lines[i])
		}
		blocks = append(blocks, &block{name: m[1], body: strings.Join(body, "\n") + "\n"})
	}
	return blocks, nil
}

// exportedNames returns the variables a block exports, sorted.
func exportedNames(body string) []string {
	var names []string
	for _, line := range strings.Split(body, "\n") {
		rest, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		for _, m := range regexp.MustCompile(`(?:^|\s)([A-Z_][A-Z0-9_]*)=`).FindAllStringSubmatch(rest, -1) {
			names = append(names, m[1])
		}
	}
	sort.Strings(names)
	return names
}

type runner struct {
	t              *testing.T
	root, work     string
	checkout       string // the runbook's clone, where blocks after install run
	blocks         map[string]*block
	order          []string
	env            []string          // the environment every block starts from (HOME and the variables apart)
	vars           map[string]string // the values that replace the variables block
	home           string            // HOME of the blocks run now
	yes            string            // a file of "y" lines, the blocks' stdin: confirmation prompts read it
	background     []*exec.Cmd
	devnet, chainD string // the repository's devnet tool and thalamusd, for the testnet
	testnet        string
}

// script is what bash runs for a block: the variables, then the block as written.
func (r *runner) script(name string) string {
	b, ok := r.blocks[name]
	if !ok {
		r.t.Fatalf("the runbook has no block %q", name)
	}
	b.ran = true
	keys := make([]string, 0, len(r.vars))
	for k := range r.vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var s strings.Builder
	s.WriteString("set -euo pipefail\n")
	for _, k := range keys {
		fmt.Fprintf(&s, "export %s=%q\n", k, r.vars[k])
	}
	s.WriteString(b.body)
	return s.String()
}

func (r *runner) command(name, dir string) (*exec.Cmd, *os.File) {
	r.t.Helper()
	log, err := os.Create(filepath.Join(r.work, "logs", name+".log")) //nolint:gosec // this test's log
	if err != nil {
		r.t.Fatal(err)
	}
	stdin, err := os.Open(r.yes)
	if err != nil {
		r.t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", r.script(name))
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, r.env...), "HOME="+r.home)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // stopped as a group: bash and the node it started
	return cmd, log
}

// run runs a block to its end in dir and returns its output.
func (r *runner) run(name, dir string) string {
	r.t.Helper()
	start := time.Now()
	cmd, log := r.command(name, dir)
	err := cmd.Run()
	_ = log.Close()
	out := r.output(name)
	if err != nil {
		r.t.Fatalf("runbook block %q: %v\n%s", name, err, tail(out, 40))
	}
	r.t.Logf("block %s: ran in %s", name, time.Since(start).Round(100*time.Millisecond))
	return out
}

// start runs a block whose last command keeps running (a node, the sidecar, cosmovisor).
func (r *runner) start(name, dir string) *exec.Cmd {
	r.t.Helper()
	cmd, log := r.command(name, dir)
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	_ = log.Close()
	r.background = append(r.background, cmd)
	r.t.Logf("block %s: started (pid %d), log %s", name, cmd.Process.Pid, filepath.Join(r.work, "logs", name+".log"))
	return cmd
}

// stop interrupts a started block's process group, as Ctrl-C or a service manager would, and
// waits for it to exit.
func (r *runner) stop(cmd *exec.Cmd) {
	r.t.Helper()
	if cmd.ProcessState != nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // a node stopped by SIGINT may exit non-zero; its log tells
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		r.t.Errorf("pid %d did not stop within a minute of SIGINT", cmd.Process.Pid)
	}
}

func (r *runner) output(name string) string {
	bz, _ := os.ReadFile(filepath.Join(r.work, "logs", name+".log")) //nolint:gosec // this test's log
	return string(bz)
}

// exec runs a program outside the runbook (building the testnet, funding the operator).
func (r *runner) exec(dir, name string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(string(out), 40))
	}
	return strings.TrimSpace(string(out))
}

type nodeStatus struct {
	NodeInfo struct {
		Network string `json:"network"`
	} `json:"node_info"`
	SyncInfo struct {
		Height     int64 `json:"latest_block_height,string"`
		Earliest   int64 `json:"earliest_block_height,string"`
		CatchingUp bool  `json:"catching_up"`
	} `json:"sync_info"`
}

func status(rpc string) (nodeStatus, error) {
	var res struct {
		Result nodeStatus `json:"result"`
	}
	resp, err := http.Get(rpc + "/status") //nolint:noctx // loopback nodes of this test
	if err != nil {
		return nodeStatus{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	err = json.NewDecoder(resp.Body).Decode(&res)
	return res.Result, err
}

// waitFor polls cond every second until it holds, failing after timeout with the last error
// and the tail of the named block's log.
func (r *runner) waitFor(what, logName string, timeout time.Duration, cond func() error) {
	r.t.Helper()
	start := time.Now()
	var err error
	for deadline := start.Add(timeout); time.Now().Before(deadline); time.Sleep(time.Second) {
		if err = cond(); err == nil {
			r.t.Logf("%s: after %s", what, time.Since(start).Round(100*time.Millisecond))
			return
		}
	}
	r.t.Fatalf("%s: not within %s: %v\n%s", what, timeout, err, tail(r.output(logName), 30))
}

// waitBlocks waits until the node at rpc has made n more blocks.
func (r *runner) waitBlocks(rpc string, n int64) {
	r.t.Helper()
	st, err := status(rpc)
	if err != nil {
		r.t.Fatal(err)
	}
	r.waitFor(fmt.Sprintf("%d blocks after %d", n, st.SyncInfo.Height), "", time.Minute, func() error {
		now, err := status(rpc)
		if err == nil && now.SyncInfo.Height < st.SyncInfo.Height+n {
			err = fmt.Errorf("at height %d", now.SyncInfo.Height)
		}
		return err
	})
}

var txHash = regexp.MustCompile(`txhash: ([0-9A-F]{64})`)

// waitTxs waits until every transaction a block broadcast is in a block, and fails on one that
// the chain rejected, with its log.
func (r *runner) waitTxs(name, node0 string) {
	r.t.Helper()
	hashes := txHash.FindAllStringSubmatch(r.output(name), -1)
	if len(hashes) == 0 {
		r.t.Fatalf("block %s broadcast no transaction:\n%s", name, tail(r.output(name), 30))
	}
	for _, h := range hashes {
		var res struct {
			Code   int    `json:"code"`
			Height string `json:"height"`
			RawLog string `json:"raw_log"`
		}
		r.waitFor("block "+name+": tx "+h[1][:8]+" in a block", name, time.Minute, func() error {
			out, err := exec.Command(r.chainD, "q", "tx", h[1], "--home", node0, "-o", "json").Output()
			if err == nil {
				err = json.Unmarshal(out, &res)
			}
			return err
		})
		if res.Code != 0 {
			r.t.Fatalf("block %s: tx %s failed at height %s (code %d): %s", name, h[1], res.Height, res.Code, res.RawLog)
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

const (
	ownRPC     = "http://127.0.0.1:26657" // the runbook's node: the default ports
	testnetRPC = "http://127.0.0.1:26757" // the testnet's node0, on port slot 1
)

func newRunner(t *testing.T) *runner {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{t: t, root: root, work: filepath.Join(root, "build", "runbook")}
	if err := os.RemoveAll(r.work); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"logs", "bin", "shim"} {
		if err := os.MkdirAll(filepath.Join(r.work, d), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	bz, err := os.ReadFile(filepath.Join(root, "docs", "validators.md")) //nolint:gosec // the runbook
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := parseRunbook(string(bz))
	if err != nil {
		t.Fatalf("docs/validators.md: %v", err)
	}
	r.blocks = map[string]*block{}
	for _, b := range blocks {
		r.blocks[b.name] = b
		r.order = append(r.order, b.name)
	}
	r.yes = filepath.Join(r.work, "yes")
	if err := os.WriteFile(r.yes, []byte(strings.Repeat("y\n", 1<<15)), 0o600); err != nil {
		t.Fatal(err)
	}

	// The blocks' environment: this one without HOME (each phase has its own), the runbook's
	// install folder first on PATH, and Go's caches where they are (they default under HOME).
	path := filepath.Join(r.work, "bin") + ":" + os.Getenv("PATH")
	if _, err := exec.LookPath("sudo"); err != nil && os.Getuid() == 0 {
		shim := filepath.Join(r.work, "shim", "sudo")
		if err := os.WriteFile(shim, []byte("#!/bin/sh\nexec \"$@\"\n"), 0o750); err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(r.work, "bin") + ":" + filepath.Dir(shim) + ":" + os.Getenv("PATH")
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "PATH=") {
			r.env = append(r.env, kv)
		}
	}
	r.env = append(r.env, "PATH="+path)
	for _, v := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		r.env = append(r.env, v+"="+r.exec(root, "go", "env", v))
	}
	t.Cleanup(func() {
		for _, cmd := range r.background {
			if cmd.ProcessState == nil {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				_ = cmd.Wait()
			}
		}
		if r.devnet != "" {
			_ = exec.Command(r.devnet, "stop", "-dir", r.testnet).Run()
		}
	})
	return r
}

func TestRunbook(t *testing.T) {
	r := newRunner(t)
	names := exportedNames(r.blocks["variables"].body)
	r.blocks["variables"].ran = true // replaced by the values below, which must name the same variables

	// The network to join: 4 validators with sidecars, a GPU provider and sensors, beside the
	// default ports.
	r.exec(r.root, "make", "--no-print-directory", "build", "build-devnet")
	r.devnet = filepath.Join(r.root, "build", "devnet")
	r.chainD = filepath.Join(r.root, "build", "devnet-bin", "thalamusd")
	r.testnet = filepath.Join(r.work, "testnet")
	r.exec(r.root, r.devnet, "stop", "-dir", r.testnet)
	r.exec(r.root, r.devnet, "testnet", "4", "-first-slot", "1", "-agents", "-dir", r.testnet)
	node0 := filepath.Join(r.testnet, "node0")
	st, err := status(testnetRPC)
	if err != nil {
		t.Fatal(err)
	}
	var peers []string
	for i := 0; i < 4; i++ {
		id := r.exec(r.root, r.chainD, "comet", "show-node-id", "--home", filepath.Join(r.testnet, fmt.Sprintf("node%d", i)))
		peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", id, 26656+100*(i+1)))
	}
	bin := filepath.Join(r.work, "bin")
	r.vars = map[string]string{
		"MONIKER": "runbook-genesis", "CHAIN_ID": "runbook-new-1",
		"RELEASE": r.exec(r.root, "git", "rev-parse", "HEAD"), "REPO": r.root, "BIN": bin, "KEYRING": "test",
		"RPC1": testnetRPC, "RPC2": "http://127.0.0.1:26857", "PEERS": strings.Join(peers, ","),
		"NEXT_BINARY": filepath.Join(bin, "thalamusd"),
	}
	var have []string
	for k := range r.vars {
		have = append(have, k)
	}
	sort.Strings(have)
	if strings.Join(have, " ") != strings.Join(names, " ") {
		t.Fatalf("the runbook's variables block exports %v; this test sets %v", names, have)
	}

	// 1, 2, 3a: install from a clone, and a new network of one validator by gentx.
	r.home = filepath.Join(r.work, "home-genesis")
	out := r.run("install", r.work)
	r.checkout = filepath.Join(r.work, "thalamus")
	if !strings.Contains(out, r.vars["RELEASE"]) {
		t.Errorf("thalamusd version --long does not name the commit %s:\n%s", r.vars["RELEASE"], tail(out, 20))
	}
	r.run("home", r.checkout)
	genesis := r.start("gentx", r.checkout)
	r.waitFor("the gentx network makes blocks", "gentx", 2*time.Minute, func() error {
		st, err := status(ownRPC)
		if err == nil && (st.NodeInfo.Network != "runbook-new-1" || st.SyncInfo.Height < 3) {
			err = fmt.Errorf("chain %s at height %d", st.NodeInfo.Network, st.SyncInfo.Height)
		}
		return err
	})
	r.stop(genesis)

	// 3b: join the testnet by state sync, once its validators hold a snapshot (every 50 blocks).
	r.waitFor("the testnet passes height 110", "", 5*time.Minute, func() error {
		st, err := status(testnetRPC)
		if err == nil && st.SyncInfo.Height < 110 {
			err = fmt.Errorf("at height %d", st.SyncInfo.Height)
		}
		return err
	})
	r.vars["MONIKER"], r.vars["CHAIN_ID"] = "runbook-validator", st.NodeInfo.Network
	r.home = filepath.Join(r.work, "home-validator")
	r.run("home", r.checkout)
	r.exec(r.root, "cp", filepath.Join(node0, "config", "genesis.json"), filepath.Join(r.checkout, "genesis.json"))
	node := r.start("join", r.checkout)
	r.waitFor("state sync: the node caught up with the testnet", "join", 5*time.Minute, func() error {
		own, err := status(ownRPC)
		if err != nil {
			return err
		}
		ref, err := status(testnetRPC)
		if err == nil && (own.SyncInfo.CatchingUp || own.SyncInfo.Height+1 < ref.SyncInfo.Height) {
			err = fmt.Errorf("at height %d (catching up: %v), the testnet at %d", own.SyncInfo.Height, own.SyncInfo.CatchingUp, ref.SyncInfo.Height)
		}
		return err
	})
	joined, err := status(ownRPC)
	if err != nil {
		t.Fatal(err)
	}
	if joined.SyncInfo.Earliest <= 1 {
		t.Fatalf("the joined node stores blocks from %d: it replayed the chain instead of restoring a snapshot", joined.SyncInfo.Earliest)
	}
	t.Logf("joined at height %d, first stored block %d", joined.SyncInfo.Height, joined.SyncInfo.Earliest)

	// 4: the sidecar; then the operator key is funded (by the testnet's node0 validator: on a
	// real network, whoever sells or delegates the stake) and bonds.
	r.start("sidecar", r.checkout)
	r.waitFor("the sidecar serves metrics", "sidecar", time.Minute, func() error {
		resp, err := http.Get("http://127.0.0.1:9466/metrics") //nolint:noctx // loopback
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	})
	operator := r.exec(r.root, filepath.Join(bin, "thalamusd"), "keys", "show", "validator", "-a", "--keyring-backend", "test",
		"--home", filepath.Join(r.home, ".thalamus"))
	r.exec(r.root, r.chainD, "tx", "bank", "send", "validator", operator, "200000000000uthal", "--from", "validator",
		"--home", node0, "--gas", "300000", "-y")
	r.waitFor("the operator key is funded", "", time.Minute, func() error {
		out, err := exec.Command(r.chainD, "q", "bank", "balance", operator, "uthal", "--home", node0, "-o", "json").Output()
		if err == nil && !strings.Contains(string(out), `"200000000000"`) {
			err = fmt.Errorf("balance %s", out)
		}
		return err
	})
	r.run("bond", r.checkout)
	r.waitTxs("bond", node0)
	if out := r.run("bonded", r.checkout); !strings.Contains(out, "BOND_STATUS_BONDED") {
		t.Fatalf("not bonded after create-validator:\n%s", tail(out, 30))
	}

	// 6: the alert sources, once the validator has extended a few votes.
	r.waitBlocks(ownRPC, 5)
	out = r.run("alerts", r.checkout)
	for _, want := range []string{"thalamus_oracle_", "cometbft_consensus_height", "thalamus_sidecar_open_tasks", "val_signing_info"} {
		if !strings.Contains(out, want) {
			t.Errorf("the alerts block's output lacks %s:\n%s", want, tail(out, 40))
		}
	}

	// 7: the node moves under cosmovisor, proposes an upgrade and votes on it.
	r.stop(node)
	node = r.start("cosmovisor", r.checkout)
	r.waitFor("the node under cosmovisor follows the chain again", "cosmovisor", 2*time.Minute, func() error {
		own, err := status(ownRPC)
		if err == nil && (own.SyncInfo.CatchingUp || own.SyncInfo.Height <= joined.SyncInfo.Height+10) {
			err = fmt.Errorf("at height %d (catching up: %v)", own.SyncInfo.Height, own.SyncInfo.CatchingUp)
		}
		return err
	})
	if target, err := os.Readlink(filepath.Join(r.home, ".thalamus", "cosmovisor", "current")); err != nil || !strings.HasSuffix(target, "genesis") {
		t.Errorf("cosmovisor/current -> %q (%v), want the genesis binary", target, err)
	}
	r.run("propose", r.checkout)
	r.waitTxs("propose", node0)
	r.run("vote", r.checkout)
	r.waitTxs("vote", node0)
	var props struct {
		Proposals []struct {
			ID string `json:"id"`
		} `json:"proposals"`
	}
	if err := json.Unmarshal([]byte(r.exec(r.root, r.chainD, "q", "gov", "proposals", "--home", node0, "-o", "json")), &props); err != nil || len(props.Proposals) == 0 {
		t.Fatalf("no proposal on the testnet (%v)", err)
	}
	id := props.Proposals[len(props.Proposals)-1].ID
	if vote := r.exec(r.root, r.chainD, "q", "gov", "vote", id, operator, "--home", node0, "-o", "json"); !strings.Contains(vote, "VOTE_OPTION_YES") {
		t.Errorf("proposal %s: the runbook validator's vote is %s", id, vote)
	}

	// 8: stop the node and check its state.
	r.stop(node)
	r.run("invariants", r.checkout)
	for _, cmd := range r.background {
		r.stop(cmd)
	}

	var missed []string
	for _, name := range r.order {
		if !r.blocks[name].ran {
			missed = append(missed, name)
		}
	}
	if len(missed) > 0 {
		t.Errorf("runbook blocks this test did not run: %v", missed)
	}
}

// The parser refuses an unmarked block, so a new block cannot escape the test unnoticed.
func TestParseRunbookNeedsMarkers(t *testing.T) {
	if _, err := parseRunbook("text\n```sh\necho hi\n```\n"); err == nil {
		t.Fatal("an unmarked sh block was accepted")
	}
	blocks, err := parseRunbook("<!-- runbook: a -->\n```sh\nexport X=1 Y=2\n```\n")
	if err != nil || len(blocks) != 1 || strings.Join(exportedNames(blocks[0].body), ",") != "X,Y" {
		t.Fatalf("blocks %v, err %v", blocks, err)
	}
}
