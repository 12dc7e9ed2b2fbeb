//go:build e2e

// Package e2e drives a real localnet through the thalamusd CLI, as a user would. It starts
// one from config.yml with build/devnet, or uses the running one whose home is in
// THALAMUS_E2E_HOME (e.g. ~/.thalamus-localnet). Run it with `make test-e2e`.
package e2e_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// chain runs thalamusd commands against one localnet home.
type chain struct {
	t      *testing.T
	binary string
	home   string
}

// shared is the one localnet the package's tests share; TestMain stops it.
var shared struct {
	once    sync.Once
	chain   chain
	logs    []string // log files to show when a test fails
	stop    func()
	failure error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	os.Exit(code)
}

// startChain returns the package's chain for t, starting a localnet on first use unless
// THALAMUS_E2E_HOME names a running one.
func startChain(t *testing.T) *chain {
	t.Helper()
	shared.once.Do(func() { shared.failure = launch() })
	if shared.failure != nil {
		t.Fatal(shared.failure)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, path := range shared.logs {
			if out, err := os.ReadFile(path); err == nil { //nolint:gosec // the localnet's own log files
				t.Logf("%s (tail):\n%s", path, tail(string(out), 40))
			}
		}
	})
	c := shared.chain
	c.t = t
	return &c
}

// launch starts a localnet with build/devnet from config.yml and waits for its second block.
func launch() error {
	root, err := filepath.Abs("../..")
	if err != nil {
		return err
	}
	shared.chain.binary = filepath.Join(root, "build", "devnet-bin", "thalamusd")
	devnet := filepath.Join(root, "build", "devnet")
	for _, bin := range []string{shared.chain.binary, devnet} {
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("%s is missing: run `make build build-devnet` first (make test-e2e does)", bin)
		}
	}
	if home := os.Getenv("THALAMUS_E2E_HOME"); home != "" {
		shared.chain.home = home
		return nil
	}
	if conn, err := net.DialTimeout("tcp", "127.0.0.1:26657", time.Second); err == nil {
		_ = conn.Close()
		return errors.New("a node already listens on 127.0.0.1:26657: stop it, or set THALAMUS_E2E_HOME to its home to test against it")
	}
	dir, err := os.MkdirTemp("", "thalamus-e2e-")
	if err != nil {
		return err
	}
	home := filepath.Join(dir, "home")
	shared.chain.home = home
	logPath := filepath.Join(dir, "devnet.log")
	shared.logs = []string{logPath, filepath.Join(home, "logs", "thalamusd.log"), filepath.Join(home, "logs", "agent.log"), filepath.Join(home, "logs", "sensors.log")}
	logFile, err := os.Create(logPath) //nolint:gosec // a path under our temp dir
	if err != nil {
		return err
	}
	cmd := exec.Command(devnet, "localnet", "-home", home, "-config", filepath.Join(root, "config.yml"), "-binary", shared.chain.binary)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	shared.stop = func() {
		_ = cmd.Process.Signal(syscall.SIGINT) // the devnet tool stops its children and exits
		select {
		case err := <-done:
			if err != nil {
				fmt.Fprintln(os.Stderr, "localnet exited:", err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			fmt.Fprintln(os.Stderr, "localnet did not stop within 30 s; killed")
		}
		_ = logFile.Close()
		_ = os.RemoveAll(dir)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for shared.chain.height() < 2 {
		select {
		case err := <-done:
			out, _ := os.ReadFile(logPath) //nolint:gosec // our own log
			return fmt.Errorf("localnet exited before producing blocks: %w\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			return errors.New("localnet produced no block within 3 minutes")
		}
		time.Sleep(500 * time.Millisecond)
	}
	return nil
}

// run executes thalamusd with the chain's home and returns stdout.
func (c *chain) run(args ...string) ([]byte, error) {
	cmd := exec.Command(c.binary, append(args, "--home", c.home)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("thalamusd %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes(), nil
}

func (c *chain) must(args ...string) []byte {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatal(err)
	}
	return out
}

// query runs a query and decodes its JSON output into v.
func (c *chain) query(v any, args ...string) {
	c.t.Helper()
	out := c.must(append(append([]string{"query"}, args...), "--output", "json")...)
	if err := json.Unmarshal(out, v); err != nil {
		c.t.Fatalf("decode %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// tx signs and broadcasts a transaction from a local key, waits for its block and returns
// the block height. Any failure, in CheckTx or in the block, fails the test.
func (c *chain) tx(from string, args ...string) int64 {
	c.t.Helper()
	txArgs := append(append([]string{"tx"}, args...), "--from", from, "--yes", "--output", "json", "--gas", "auto", "--gas-adjustment", "1.5")
	var sent struct {
		TxHash string `json:"txhash"`
		Code   int    `json:"code"`
		RawLog string `json:"raw_log"`
	}
	// The localnet's agents sign with the provider and operator keys too: a tx that raced one
	// of theirs for the account sequence is refused before inclusion and is safe to resend.
	for try := 0; ; try++ {
		out, err := c.run(txArgs...)
		raced := err != nil && strings.Contains(err.Error(), "account sequence mismatch")
		if err == nil {
			if err := json.Unmarshal(lastJSON(out), &sent); err != nil || sent.TxHash == "" {
				c.t.Fatalf("tx %s: unexpected output %s (%v)", strings.Join(args, " "), out, err)
			}
			raced = sent.Code == 32 // sdkerrors.ErrWrongSequence
		}
		if raced && try < 5 {
			time.Sleep(time.Second)
			continue
		}
		if err != nil {
			c.t.Fatal(err)
		}
		if sent.Code != 0 {
			c.t.Fatalf("tx %s rejected in CheckTx: %s", strings.Join(args, " "), sent.RawLog)
		}
		break
	}
	var included struct {
		Height string `json:"height"`
		Code   int    `json:"code"`
		RawLog string `json:"raw_log"`
	}
	// Poll rather than `query wait-tx`: its websocket subscription can miss a tx that lands
	// between its first lookup and the subscription, and then waits out its timeout.
	deadline := time.Now().Add(time.Minute)
	for {
		out, err := c.run("query", "tx", sent.TxHash, "--output", "json")
		if err == nil {
			if err := json.Unmarshal(out, &included); err != nil {
				c.t.Fatalf("decode tx %s: %v\n%s", sent.TxHash, err, out)
			}
			break
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("tx %s (%s) not in a block within a minute: %v", sent.TxHash, strings.Join(args, " "), err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if included.Code != 0 {
		c.t.Fatalf("tx %s failed in block %s: %s", strings.Join(args, " "), included.Height, included.RawLog)
	}
	return parseInt(c.t, included.Height)
}

func (c *chain) height() int64 {
	out, err := c.run("status", "--output", "json")
	if err != nil {
		return 0
	}
	var st struct {
		SyncInfo struct {
			Height string `json:"latest_block_height"`
		} `json:"sync_info"`
	}
	if json.Unmarshal(out, &st) != nil {
		return 0
	}
	h, _ := new(big.Int).SetString(st.SyncInfo.Height, 10)
	if h == nil {
		return 0
	}
	return h.Int64()
}

// waitHeight blocks until the chain has passed h.
func (c *chain) waitHeight(h int64) {
	c.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for c.height() < h {
		if time.Now().After(deadline) {
			c.t.Fatalf("chain did not reach height %d within a minute", h)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// newAccount creates a key in the test keyring and funds it from alice.
func (c *chain) newAccount(name string, amount string) string {
	c.t.Helper()
	c.must("keys", "add", name, "--keyring-backend", "test", "--output", "json")
	addr := strings.TrimSpace(string(c.must("keys", "show", name, "--address", "--keyring-backend", "test")))
	c.tx("alice", "bank", "send", "alice", addr, amount)
	return addr
}

// balance returns an account's uthal balance.
func (c *chain) balance(addr string) *big.Int {
	c.t.Helper()
	var resp struct {
		Balance struct {
			Amount string `json:"amount"`
		} `json:"balance"`
	}
	c.query(&resp, "bank", "balance", addr, "uthal")
	return bigInt(c.t, resp.Balance.Amount)
}

func bigInt(t *testing.T, s string) *big.Int {
	t.Helper()
	if s == "" {
		return new(big.Int)
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("not an integer: %q", s)
	}
	return n
}

func parseInt(t *testing.T, s string) int64 { t.Helper(); return bigInt(t, s).Int64() }

// lastJSON returns the last line of CLI output that looks like JSON (gas estimates come first).
func lastJSON(out []byte) []byte {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "{") {
			return []byte(lines[i])
		}
	}
	return out
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// startAgent runs `thalamus-agent gpu` for key with one simulated GPU on the CPU, registering
// the key as a provider, and args. The returned function stops it. Its state stays in dir;
// its log is appended to dir/agent.log and shown when the test fails.
func startAgent(t *testing.T, c *chain, dir, key string, args ...string) func() {
	t.Helper()
	logPath := filepath.Join(dir, "agent.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600) //nolint:gosec // under the test's temp dir
	if err != nil {
		t.Fatal(err)
	}
	agent := exec.Command(filepath.Join(filepath.Dir(c.binary), "thalamus-agent"), append([]string{"gpu", "--home", c.home, "--from", key,
		"--backend", "cpu", "--simulate-gpus", "1", "--collateral", "1000000000uthal", "--state-dir", filepath.Join(dir, "state")}, args...)...)
	agent.Stdout, agent.Stderr = logFile, logFile
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := os.ReadFile(logPath) //nolint:gosec // our own log
			t.Logf("%s agent log (tail):\n%s", key, tail(string(out), 60))
		}
	})
	var once sync.Once
	return func() { once.Do(func() { stop(agent, logFile) }) }
}

// stop interrupts the agent, kills it if it has not exited within 30 s, and closes its log.
func stop(agent *exec.Cmd, logFile *os.File) {
	_ = agent.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = agent.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = agent.Process.Kill()
	}
	_ = logFile.Close()
}
