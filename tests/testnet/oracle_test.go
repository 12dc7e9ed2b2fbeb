//go:build e2e

// Package testnet runs the oracle on 4 validators on loopback (build/devnet testnet 4), each
// with its own sidecar, and checks that it tolerates a lying sidecar and a stopped one.
package testnet_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

type task struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	SubjectID string   `json:"subject_id"`
	Seq       string   `json:"subject_seq"`
	Committee []string `json:"committee"`
	Escalated bool     `json:"escalated"`
	Opened    string   `json:"opened_height"`
	// Items are the batches of a sensor task, as (device id, batch seq).
	Items []struct {
		SubjectID string `json:"subject_id"`
		Seq       string `json:"subject_seq"`
	} `json:"items"`
	Result struct {
		Verdict         string `json:"verdict"`
		FinalizedHeight string `json:"finalized_height"`
		Reporters       int    `json:"reporters"`
		Items           []struct {
			Score int `json:"score"`
		} `json:"items"`
	} `json:"result"`
}

// lowestScore is the lowest score of a finalised sensor task's batches.
func (tk task) lowestScore() int {
	lowest := 10_000
	for _, item := range tk.Result.Items {
		lowest = min(lowest, item.Score)
	}
	return lowest
}

type performance struct {
	TotalValid    string `json:"total_valid"`
	TotalDeviated string `json:"total_deviated"`
	TotalMissed   string `json:"total_missed"`
	Penalties     string `json:"penalties"`
}

type testnet struct {
	t      *testing.T
	root   string
	dir    string
	config string
}

// missWindow is the testnet's x/oracle miss window: short, so the liar is slashed within the test.
const missWindow = 40

// writeConfig copies config.yml with a miss window of missWindow blocks.
func (n *testnet) writeConfig() {
	bz, err := os.ReadFile(filepath.Join(n.root, "config.yml"))
	if err != nil {
		n.t.Fatal(err)
	}
	cfg := strings.Replace(string(bz), "\n  app_state:\n", fmt.Sprintf("\n  app_state:\n    oracle:\n      params:\n        miss_window_blocks: \"%d\"\n", missWindow), 1)
	if cfg == string(bz) {
		n.t.Fatal("config.yml has no genesis app_state section")
	}
	n.config = filepath.Join(n.t.TempDir(), "config.yml")
	if err := os.WriteFile(n.config, []byte(cfg), 0o600); err != nil { //nolint:gosec // a file in the test's temp dir
		n.t.Fatal(err)
	}
}

// bin is a devnet build (make build-devnet), which has the sidecar's --wrong-results; the
// devnet tool itself is build/devnet.
func (n testnet) bin(name string) string {
	if name == "devnet" {
		return filepath.Join(n.root, "build", name)
	}
	return filepath.Join(n.root, "build", "devnet-bin", name)
}

func (n testnet) devnet(args ...string) string {
	n.t.Helper()
	out, err := exec.Command(n.bin("devnet"), append(args, "-dir", n.dir, "-config", n.config, "-binary", n.bin("thalamusd"))...).CombinedOutput()
	if err != nil {
		n.t.Fatalf("devnet %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url) //nolint:gosec // loopback testnet
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// finalised lists node0's finalised tasks, newest first.
func finalised(t *testing.T) []task { return tasks(t, 2) }

// tasks lists node0's tasks of a status (1 open, 2 finalised, 3 expired).
func tasks(t *testing.T, status int) []task {
	var resp struct {
		Tasks []task `json:"tasks"`
	}
	getJSON(t, fmt.Sprintf("http://127.0.0.1:1317/thalamus/oracle/v1/tasks?status=%d&pagination.limit=1000", status), &resp)
	return resp.Tasks
}

func height(t *testing.T) int64 {
	var st struct {
		Result struct {
			SyncInfo struct {
				Height string `json:"latest_block_height"`
			} `json:"sync_info"`
		} `json:"result"`
	}
	getJSON(t, "http://127.0.0.1:26657/status", &st)
	h, _ := strconv.ParseInt(st.Result.SyncInfo.Height, 10, 64)
	return h
}

// valoper is node i's validator operator address.
func (n testnet) valoper(i int) string {
	out, err := exec.Command(n.bin("thalamusd"), "keys", "show", "validator", "--bech", "val", "--address",
		"--keyring-backend", "test", "--home", filepath.Join(n.dir, fmt.Sprintf("node%d", i))).Output()
	if err != nil {
		n.t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// requireSameAppHash waits for every node to pass the current height and checks that they
// agree on the app hash.
func (n testnet) requireSameAppHash() {
	out := n.devnet("wait", strconv.FormatInt(height(n.t), 10))
	if !strings.Contains(out, "nodes agree on the app hash") { // 4 validators, 5 nodes after the join
		n.t.Fatalf("app hashes differ:\n%s", out)
	}
}

// consensusAddress is node i's validator consensus address (bech32 valcons).
func (n testnet) consensusAddress(i int) string {
	out, err := exec.Command(n.bin("thalamusd"), "comet", "show-address", "--home", filepath.Join(n.dir, fmt.Sprintf("node%d", i))).Output()
	if err != nil {
		n.t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func (n testnet) performance(i int) performance {
	var resp struct {
		Performance performance `json:"performance"`
	}
	getJSON(n.t, "http://127.0.0.1:1317/thalamus/oracle/v1/validators/"+n.valoper(i)+"/performance", &resp)
	return resp.Performance
}

// stopSidecar stops node i's sidecar.
func (n testnet) stopSidecar(i int) {
	pidFile := filepath.Join(n.dir, fmt.Sprintf("sidecar%d.pid", i))
	bz, err := os.ReadFile(pidFile) //nolint:gosec // our testnet dir
	if err != nil {
		n.t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(bz)))
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	_ = syscall.Kill(pid, syscall.SIGTERM)
	_ = os.Remove(pidFile)
	time.Sleep(2 * time.Second)
}

// stopAll stops every process the testnet recorded a pid file for (nodes, sidecars, agents),
// without needing the devnet binary: SIGTERM to each process group, SIGKILL after 15 s.
func (n testnet) stopAll() {
	pidFiles, _ := filepath.Glob(filepath.Join(n.dir, "*.pid"))
	var pids []int
	for _, f := range pidFiles {
		bz, err := os.ReadFile(f) //nolint:gosec // our testnet dir
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(bz))); err == nil && perr == nil {
			pids = append(pids, pid)
			_ = syscall.Kill(-pid, syscall.SIGTERM)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, pid := range pids {
		for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// validator is node i's x/staking record, as REST shows it.
func (n testnet) validator(i int) (jailed bool, tokens string) {
	var resp struct {
		Validator struct {
			Jailed bool   `json:"jailed"`
			Tokens string `json:"tokens"`
		} `json:"validator"`
	}
	getJSON(n.t, "http://127.0.0.1:1317/cosmos/staking/v1beta1/validators/"+n.valoper(i), &resp)
	return resp.Validator.Jailed, resp.Validator.Tokens
}

// startTestnet starts `devnet testnet 4` with args, stopping it when the test ends and
// printing the logs' tails when it failed.
func startTestnet(t *testing.T, args ...string) *testnet {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if conn, err := net.DialTimeout("tcp", "127.0.0.1:26657", time.Second); err == nil {
		_ = conn.Close()
		t.Fatal("a node already listens on 127.0.0.1:26657: stop it first")
	}
	n := &testnet{t: t, root: root, dir: filepath.Join(t.TempDir(), "testnet")}
	n.writeConfig()
	t.Cleanup(func() {
		if t.Failed() {
			for _, name := range []string{"node0.log", "sidecar0.log", "sidecar1.log", "sidecar3.log", "agent.log", "cheater.log", "sensors.log"} {
				if bz, err := os.ReadFile(filepath.Join(n.dir, name)); err == nil { //nolint:gosec // our testnet dir
					lines := strings.Split(string(bz), "\n")
					t.Logf("%s (tail):\n%s", name, strings.Join(lines[max(0, len(lines)-25):], "\n"))
				}
			}
		}
		n.stopAll()
	})
	n.devnet(append([]string{"testnet", "4"}, args...)...)
	return n
}

// TestFourValidatorOracle: node3's sidecar lies (inverted verdicts and scores): it is outvoted,
// counted as deviating, and at the end of the first miss window slashed and jailed through
// x/slashing. Then node1's sidecar is stopped: the chain goes on, tasks still finalise with
// the two remaining reports (2/3 of the remaining power) and node1 is counted as missing
// them; at the end every node has the same app hash. Then a fifth node joins by state sync and
// bonds as a validator, and every node's invariants hold.
func TestFourValidatorOracle(t *testing.T) {
	n := startTestnet(t, "-agents", "-liar", "3")

	// Phase 1: node3 lies. Results are the honest ones, and node3 deviates.
	deadline := time.Now().Add(4 * time.Minute)
	for {
		var gpu, batches int
		for _, tk := range finalised(t) {
			switch tk.Kind {
			case "TASK_KIND_GPU_CHALLENGE":
				// PASS, or UNDERPERFORM when the simulated GPU's core is starved; the liar's
				// FRAUD never wins.
				if tk.Result.Verdict == "VERDICT_FRAUD" {
					t.Fatalf("an honest GPU's challenge finalised FRAUD despite 3 honest validators: %+v", tk)
				}
				gpu++
			case "TASK_KIND_SENSOR_BATCH":
				if tk.lowestScore() < 5000 {
					t.Fatalf("a healthy batch finalised at %d: the liar moved the median: %+v", tk.lowestScore(), tk)
				}
				batches += len(tk.Items)
			}
		}
		if gpu >= 2 && batches >= 6 {
			t.Logf("phase 1: %d honest challenges settled (none as fraud) and %d batches scored with node3 lying", gpu, batches)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d challenges and %d batches finalised within 4 minutes", gpu, batches)
		}
		time.Sleep(3 * time.Second)
	}
	liar, honest := n.performance(3), n.performance(0)
	if liar.TotalDeviated == "0" || liar.TotalValid != "0" {
		t.Fatalf("node3 lied but its performance is %+v", liar)
	}
	if honest.TotalDeviated != "0" || honest.TotalValid == "0" {
		t.Fatalf("node0 is honest but its performance is %+v", honest)
	}
	t.Logf("node3 (lying): %+v; node0: %+v", liar, honest)
	for height(t) <= missWindow+1 {
		time.Sleep(2 * time.Second)
	}
	// config.yml bonds 100000000000uthal per validator; the default slash_fraction is 0.0001.
	const bonded, slashed = "100000000000", "99990000000"
	jailed, tokens := n.validator(3)
	if !jailed || tokens != slashed || n.performance(3).Penalties != "1" {
		t.Fatalf("after the miss window node3: jailed %v, tokens %s (want %s), performance %+v", jailed, tokens, slashed, n.performance(3))
	}
	if jailed, tokens := n.validator(0); jailed || tokens != bonded {
		t.Fatalf("honest node0: jailed %v, tokens %s", jailed, tokens)
	}
	t.Logf("node3 slashed (%s -> %s tokens) and jailed at the end of the %d-block miss window", bonded, tokens, missWindow)

	// Phase 2: node3 is out of the set; node1's sidecar goes down.
	n.stopSidecar(1)
	from := height(t)
	before := len(finalised(t))
	missedBefore := n.performance(1).TotalMissed
	deadline = time.Now().Add(3 * time.Minute)
	for {
		var fresh []task
		for _, tk := range finalised(t) {
			if h, _ := strconv.ParseInt(tk.Result.FinalizedHeight, 10, 64); h > from+3 {
				fresh = append(fresh, tk)
			}
		}
		if len(fresh) >= 4 && height(t) > from+20 {
			for _, tk := range fresh {
				if tk.Result.Reporters != 2 {
					t.Fatalf("with node3 jailed and node1's sidecar down a task finalised with %d reporters: %+v", tk.Result.Reporters, tk)
				}
			}
			t.Logf("phase 2: %d more tasks finalised with node1's sidecar down (%d before), chain at height %d", len(fresh), before, height(t))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with node1's sidecar down: %d tasks finalised and height %d (from %d) within 3 minutes", len(fresh), height(t), from)
		}
		time.Sleep(3 * time.Second)
	}
	if missed := n.performance(1).TotalMissed; missed == missedBefore {
		t.Fatalf("node1's sidecar is down but its missed count stayed %s", missed)
	}
	n.requireSameAppHash()

	// Phase 3: a fifth node joins by state sync (the validators snapshot every 50 blocks),
	// follows the chain on the same app hash, then bonds as a validator with its own sidecar,
	// as docs/validators.md has a validator join a live network; every node's invariants hold.
	for height(t) < 100 {
		time.Sleep(2 * time.Second)
	}
	joinedAt := height(t)
	out := n.devnet("join", "-validator")
	if !strings.Contains(out, "restored from a snapshot") || !strings.Contains(out, "all 5 nodes agree on the app hash") ||
		!strings.Contains(out, "node4 is a bonded validator") {
		t.Fatalf("devnet join:\n%s", out)
	}
	t.Logf("devnet join:\n%s", out)
	n.requireSameAppHash()
	out = n.devnet("verify", "-invariants", "-since", strconv.FormatInt(joinedAt, 10))
	if strings.Count(out, "invariants OK") != 5 {
		t.Fatalf("devnet verify -invariants:\n%s", out)
	}
	t.Logf("devnet verify -invariants:\n%s", out)
}
