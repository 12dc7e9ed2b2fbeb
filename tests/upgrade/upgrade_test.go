//go:build upgrade

// Package upgrade_test runs a software upgrade end to end (make test-upgrade): four validators
// on the v1 binaries under cosmovisor, a governance proposal for the v2 upgrade, the halt at its
// height, cosmovisor's switch to the staged v2 binary, the migrations, and the chain, sidecars
// and agents going on.
package upgrade_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// v1Commit is the chain's v1: the last commit before app/upgrades existed.
const v1Commit = "e6fa48c"

// votingPeriod is config.yml's gov voting period.
const votingPeriod = 60 * time.Second

type env struct {
	t                *testing.T
	root, work, dir  string
	v1, v2, devnet   string
	cosmovisor       string
	v1Version, v2Ver string
}

// run runs a command in dir and returns its stdout, failing the test on error.
func (e *env) run(dir, name string, args ...string) string {
	e.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		e.t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// node runs thalamusd (bin) against testnet node i: its home holds the client config (chain
// ID, keyring, RPC).
func (e *env) node(bin string, i int, args ...string) string {
	e.t.Helper()
	return e.run(e.root, bin, append(args, "--home", filepath.Join(e.dir, fmt.Sprintf("node%d", i)))...)
}

func (e *env) jsonQuery(bin string, out any, args ...string) {
	e.t.Helper()
	bz := e.node(bin, 0, append(append([]string{"q"}, args...), "-o", "json")...)
	if err := json.Unmarshal([]byte(bz), out); err != nil {
		e.t.Fatalf("q %s: %v\n%s", strings.Join(args, " "), err, bz)
	}
}

func (e *env) height(bin string) int64 {
	e.t.Helper()
	var st struct {
		SyncInfo struct {
			Height string `json:"latest_block_height"`
		} `json:"sync_info"`
	}
	bz := e.node(bin, 0, "status")
	if err := json.Unmarshal([]byte(bz), &st); err != nil {
		e.t.Fatalf("status: %v\n%s", err, bz)
	}
	h, _ := strconv.ParseInt(st.SyncInfo.Height, 10, 64)
	return h
}

// eventually polls cond every 2 s until it holds or timeout passes.
func (e *env) eventually(what string, timeout time.Duration, cond func() bool) {
	e.t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(2 * time.Second) {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: not within %s", what, timeout)
		}
	}
}

// buildBinaries builds cosmovisor (tools/cosmovisor), v2 (this tree, make build) and v1
// (v1Commit's tree from git, make build with its version and commit).
func buildBinaries(e *env) {
	e.t.Logf("building cosmovisor, v2 (this tree) and v1 (%s)", v1Commit)
	e.cosmovisor = filepath.Join(e.root, "build", "tools", "cosmovisor")
	e.run(filepath.Join(e.root, "tools", "cosmovisor"), "go", "build", "-o", e.cosmovisor, "cosmossdk.io/tools/cosmovisor/cmd/cosmovisor")

	e.run(e.root, "make", "--no-print-directory", "build")
	e.v2 = filepath.Join(e.work, "v2", "thalamusd")
	if err := os.MkdirAll(filepath.Dir(e.v2), 0o750); err != nil {
		e.t.Fatal(err)
	}
	e.run(e.root, "cp", filepath.Join(e.root, "build", "thalamusd"), e.v2)
	e.devnet = filepath.Join(e.root, "build", "devnet")

	src := filepath.Join(e.work, "v1-src")
	if err := os.RemoveAll(src); err != nil {
		e.t.Fatal(err)
	}
	if err := os.MkdirAll(src, 0o750); err != nil {
		e.t.Fatal(err)
	}
	e.run(e.root, "sh", "-c", fmt.Sprintf("git archive %s | tar -x -C %s", v1Commit, src))
	e.run(src, "make", "--no-print-directory", "build",
		"VERSION="+e.run(e.root, "git", "describe", "--tags", "--always", v1Commit), "COMMIT="+e.run(e.root, "git", "rev-parse", v1Commit))
	e.v1 = filepath.Join(src, "build", "thalamusd")
	e.v1Version = e.run(e.root, e.v1, "version")
	e.v2Ver = e.run(e.root, e.v2, "version")
	e.t.Logf("v1 %s: %s; v2 %s: %s", e.v1Version, e.v1, e.v2Ver, e.v2)
}

func TestSoftwareUpgradeUnderCosmovisor(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, root: root, work: filepath.Join(root, "build", "upgrade")}
	e.dir = filepath.Join(e.work, "testnet")
	buildBinaries(e)

	// A v1 network: ZIP-215 was off (0) before the committee issue; v2 turns it on at its height.
	e.run(root, e.devnet, "stop", "-dir", e.dir)
	t.Cleanup(func() {
		if t.Failed() {
			for _, name := range []string{"node0.log", "node1.log", "sidecar0.log", "sensors.log"} {
				if bz, err := os.ReadFile(filepath.Join(e.dir, name)); err == nil { //nolint:gosec // our testnet dir
					lines := strings.Split(string(bz), "\n")
					t.Logf("%s (tail):\n%s", name, strings.Join(lines[max(0, len(lines)-30):], "\n"))
				}
			}
		}
		_ = exec.Command(e.devnet, "stop", "-dir", e.dir).Run()
	})
	out := e.run(root, e.devnet, "testnet", "4", "-agents", "-dir", e.dir, "-binary", e.v1,
		"-cosmovisor", e.cosmovisor, "-upgrade", "v2:"+e.v2,
		"-genesis-hook", `sed -i 's/"zip215_height": "1"/"zip215_height": "0"/'`)
	t.Logf("testnet on v1 under cosmovisor:\n%s", out)
	e.eventually("height 10", 2*time.Minute, func() bool { return e.height(e.v1) >= 10 })

	// The proposal, and every validator's yes vote.
	upgradeHeight := e.height(e.v1) + 75 // the 60 s voting period and the votes fit well before it
	e.node(e.v1, 0, "tx", "upgrade", "software-upgrade", "v2", "--upgrade-height", strconv.FormatInt(upgradeHeight, 10),
		"--title", "Thalamus v2", "--summary", "upgrade handlers; x/sensors and x/oracle migrations; ZIP-215 from the upgrade height",
		"--upgrade-info", "binaries staged by the operators (make release)", "--no-validate",
		"--deposit", "10000000uthal", "--from", "validator", "--gas", "500000", "-y")
	var proposals struct {
		Proposals []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"proposals"`
	}
	e.eventually("the proposal on chain", time.Minute, func() bool {
		e.jsonQuery(e.v1, &proposals, "gov", "proposals")
		return len(proposals.Proposals) == 1
	})
	id := proposals.Proposals[0].ID
	for i := range 4 {
		e.node(e.v1, i, "tx", "gov", "vote", id, "yes", "--from", "validator", "-y")
	}
	t.Logf("proposal %s: software upgrade v2 at height %d, voted yes by the 4 validators", id, upgradeHeight)
	e.eventually("the proposal passing", votingPeriod+time.Minute, func() bool {
		e.jsonQuery(e.v1, &proposals, "gov", "proposals")
		return proposals.Proposals[0].Status == "PROPOSAL_STATUS_PASSED"
	})
	if h := e.height(e.v1); h >= upgradeHeight {
		t.Fatalf("the proposal passed at height %d, after the upgrade height %d", h, upgradeHeight)
	}
	t.Logf("proposal %s passed at height %d", id, e.height(e.v1))

	// The halt at the height, the switch, and blocks after it.
	e.run(root, e.devnet, "wait", strconv.FormatInt(upgradeHeight+5, 10), "-dir", e.dir)
	for i := range 4 {
		home := filepath.Join(e.dir, fmt.Sprintf("node%d", i))
		current, err := os.Readlink(filepath.Join(home, "cosmovisor", "current"))
		if err != nil || filepath.Base(current) != "v2" {
			t.Fatalf("node%d: cosmovisor's current binary is %q (%v), want upgrades/v2", i, current, err)
		}
		log, err := os.ReadFile(filepath.Join(e.dir, fmt.Sprintf("node%d.log", i)))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{fmt.Sprintf(`UPGRADE "v2" NEEDED at height: %d`, upgradeHeight), `applying upgrade "v2" at height: ` + strconv.FormatInt(upgradeHeight, 10)} {
			if !strings.Contains(string(log), want) {
				t.Fatalf("node%d's log has no %q", i, want)
			}
		}
	}
	t.Logf("all 4 nodes halted at %d, cosmovisor switched them to v2, and they agree on the blocks after it", upgradeHeight)

	// The migrations ran, at the upgrade height.
	var applied struct {
		Height string `json:"height"`
	}
	e.jsonQuery(e.v2, &applied, "upgrade", "applied", "v2")
	var versions struct {
		ModuleVersions []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"module_versions"`
	}
	e.jsonQuery(e.v2, &versions, "upgrade", "module-versions")
	got := map[string]string{}
	for _, m := range versions.ModuleVersions {
		got[m.Name] = m.Version
	}
	var sensors struct {
		Params struct {
			Zip215Height string `json:"zip215_height"`
		} `json:"params"`
	}
	e.jsonQuery(e.v2, &sensors, "sensors", "params")
	want := strconv.FormatInt(upgradeHeight, 10)
	if applied.Height != want || got["sensors"] != "2" || got["oracle"] != "2" || sensors.Params.Zip215Height != want {
		t.Fatalf("after the upgrade: applied at %q, module versions sensors %q oracle %q, zip215_height %q; want height %s and version 2",
			applied.Height, got["sensors"], got["oracle"], sensors.Params.Zip215Height, want)
	}
	t.Logf("v2 applied at %s: x/sensors and x/oracle at version 2, ZIP-215 from height %s", want, sensors.Params.Zip215Height)

	// The sidecars and agents (still the v1 builds) carry on: both kinds of task finalise after the upgrade.
	for _, kind := range []string{"gpu-challenge", "sensor-batch"} {
		e.eventually(kind+" tasks finalised after the upgrade", 3*time.Minute, func() bool {
			var tasks struct {
				Tasks []struct {
					Result struct {
						FinalizedHeight string `json:"finalized_height"`
					} `json:"result"`
				} `json:"tasks"`
			}
			e.jsonQuery(e.v2, &tasks, "oracle", "tasks", "--status", "finalized", "--kind", kind)
			for _, tk := range tasks.Tasks {
				if h, _ := strconv.ParseInt(tk.Result.FinalizedHeight, 10, 64); h > upgradeHeight {
					return true
				}
			}
			return false
		})
	}
	t.Logf("GPU challenges and sensor batches finalise on the validators' reports after the upgrade")

	// Invariants on every node, with the v2 binary.
	out = e.run(root, e.devnet, "verify", "-invariants", "-since", strconv.FormatInt(upgradeHeight+1, 10), "-dir", e.dir, "-binary", e.v2)
	if strings.Count(out, "invariants OK") != 4 {
		t.Fatalf("devnet verify -invariants:\n%s", out)
	}
	t.Logf("devnet verify -invariants:\n%s", out)
}
