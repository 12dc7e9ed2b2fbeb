//go:build e2e

package e2e_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLeaseRunsAnImageOnDocker: a second provider runs its agent with the Docker runtime (the
// one real providers use). A tenant leases its GPU with a manifest naming the demo image,
// built in the local engine (never pulled); the workload runs in a confined container on the
// lease's host port, confirmed on chain, its status and logs served to the tenant; it cannot
// reach the node's RPC port; it keeps running while the agent restarts, and the new agent
// adopts it rather than starting a second; it stops when the lease pauses (escrow dry) and comes back when
// the tenant deposits; closing the lease removes the container.
//
// make test provides the engine (scripts/with-docker.sh sets THALAMUS_DOCKER=1); without one
// the test fails under THALAMUS_DOCKER=1 and skips otherwise.
func TestLeaseRunsAnImageOnDocker(t *testing.T) {
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		if os.Getenv("THALAMUS_DOCKER") == "1" {
			t.Fatalf("THALAMUS_DOCKER=1 but no Docker engine answers: %v: %s", err, out)
		}
		t.Skipf("no Docker engine (make test starts one): %s", out)
	}
	c := startChain(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(filepath.Join(root, "build", "devnet"), "demo-image", "-binary", c.binary).CombinedOutput(); err != nil {
		t.Fatalf("devnet demo-image: %v\n%s", err, out)
	}

	provider := c.newAccount("docker-provider", "2000000000uthal")
	state := t.TempDir()
	stopAgent := startDockerAgent(t, c, state)
	defer func() { stopAgent() }()
	waitFor(t, time.Minute, "the docker provider's offer", func() bool {
		out, err := c.run("query", "compute", "offers", "CPU-DEV", "--output", "json")
		return err == nil && strings.Contains(string(out), provider)
	})

	c.newAccount("docker-tenant", "100000000uthal")
	// At 3,600,000uthal per GPU-hour (1,000 a block) the minimum deposit pays for the
	// localnet's min_lease_blocks, 60 blocks: then the lease pauses.
	manifest := `{"image": "thalamus-demo-workload:dev", "ports": [8080], "gpus": 1, "cpus": 1, "memory_mb": 256}`
	w := runLease(t, c, "docker-tenant", provider, "127.0.0.1:8082", manifest, "60000uthal")
	name := "thalamus-lease-" + w.id

	inspected := inspectContainer(t, name)
	t.Logf("docker inspect %s: %s", name, inspected.summary())
	if inspected.HostConfig.NanoCpus != 1e9 || inspected.HostConfig.Memory != 256<<20 || inspected.HostConfig.MemorySwap != 256<<20 ||
		inspected.HostConfig.PidsLimit != 4096 || inspected.HostConfig.Privileged || inspected.HostConfig.NetworkMode != "thalamus-lease-"+w.id ||
		strings.Join(inspected.HostConfig.CapDrop, ",") != "ALL" || !slices.Contains(inspected.HostConfig.SecurityOpt, "no-new-privileges=true") ||
		inspected.Config.Labels["thalamus.lease"] != w.id {
		t.Fatalf("the lease's container is not confined as the manifest and the agent's limits say: %s", inspected.summary())
	}
	gateway := ""
	for _, n := range inspected.NetworkSettings.Networks {
		gateway = n.Gateway
	}
	for _, target := range []string{"127.0.0.1:26657", gateway + ":26657"} { // the node's RPC
		var probe struct {
			Reachable bool   `json:"reachable"`
			Error     string `json:"error"`
		}
		getJSON(t, "http://"+w.endpoint+"/probe?addr="+target, &probe)
		if probe.Reachable {
			t.Fatalf("the workload reaches the node's RPC at %s", target)
		}
	}

	// The agent restarts (an upgrade, say): the container keeps serving meanwhile, and the new
	// agent adopts it instead of starting another.
	stopAgent()
	if err := fetchJSON("http://"+w.endpoint+"/", &map[string]string{}); err != nil {
		t.Fatalf("the workload stopped with the agent: %v", err)
	}
	stopAgent = startDockerAgent(t, c, state)
	waitFor(t, time.Minute, "the restarted agent to adopt the workload", func() bool {
		st, err := tryWorkloadStatus(c, w)
		return err == nil && st.Workload.State == "running"
	})
	if again := inspectContainer(t, name); again.ID != inspected.ID {
		t.Fatalf("the restarted agent replaced container %s with %s", inspected.ID, again.ID)
	}
	if out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=thalamus.lease="+w.id).Output(); len(strings.Fields(string(out))) != 1 {
		t.Fatalf("want one container for lease %s, got %q", w.id, out)
	}

	// The escrow runs dry: the lease pauses and the agent stops the container.
	waitLeaseState(t, c, w.id, "LEASE_STATE_PAUSED", 2*time.Minute)
	waitClosed(t, w.endpoint, "the lease paused")
	if st := workloadStatus(t, c, w); st.LeaseState != "LEASE_STATE_PAUSED" {
		t.Fatalf("status after the pause: %+v", st)
	}
	// A deposit resumes it: the workload runs again on the same host port.
	c.tx(w.tenant, "compute", "deposit-lease", w.id, "600000uthal")
	waitLeaseState(t, c, w.id, "LEASE_STATE_ACTIVE", time.Minute)
	var served struct {
		Lease string `json:"lease"`
	}
	waitFor(t, time.Minute, "the workload after the deposit", func() bool {
		st := workloadStatus(t, c, w)
		return st.Workload.State == "running" && st.Endpoints["8080"] != ""
	})
	w.endpoint = workloadStatus(t, c, w).Endpoints["8080"]
	waitFor(t, 30*time.Second, "the resumed workload's port", func() bool {
		return fetchJSON("http://"+w.endpoint+"/", &served) == nil && served.Lease == w.id
	})

	c.tx(w.tenant, "compute", "close-lease", w.id, "tenant-done")
	waitClosed(t, w.endpoint, "the lease closed")
	waitFor(t, 30*time.Second, "the closed lease's container to be removed", func() bool {
		out, err := exec.Command("docker", "ps", "-aq", "--filter", "label=thalamus.lease="+w.id).Output()
		return err == nil && strings.TrimSpace(string(out)) == ""
	})
	t.Logf("lease %s ran %s in container %s on %s, paused, resumed and closed", w.id, "thalamus-demo-workload:dev", name, w.endpoint)
}

// startDockerAgent runs the docker-provider key's agent: one simulated GPU offered at
// 3,600,000uthal per GPU-hour, workloads in Docker. The returned function stops it.
// Its state stays in dir; its log is appended to dir/agent.log.
func startDockerAgent(t *testing.T, c *chain, dir string) func() {
	t.Helper()
	return startAgent(t, c, dir, "docker-provider", "--class", "CPU-DEV", "--offer-price", "3600000uthal",
		"--metrics-addr", "127.0.0.1:9466", "--runtime", "docker",
		"--api-listen", "127.0.0.1:8082", "--endpoint", "http://127.0.0.1:8082", "--port-range", "33000-33099")
}

// container is what the test reads of `docker inspect`.
type container struct {
	ID     string `json:"Id"`
	Config struct {
		Labels map[string]string `json:"Labels"`
		User   string            `json:"User"`
	} `json:"Config"`
	HostConfig struct {
		NanoCpus     int64    `json:"NanoCpus"`
		Memory       int64    `json:"Memory"`
		MemorySwap   int64    `json:"MemorySwap"`
		PidsLimit    int64    `json:"PidsLimit"`
		Privileged   bool     `json:"Privileged"`
		CapDrop      []string `json:"CapDrop"`
		CapAdd       []string `json:"CapAdd"`
		SecurityOpt  []string `json:"SecurityOpt"`
		NetworkMode  string   `json:"NetworkMode"`
		PortBindings map[string][]struct {
			HostIP   string `json:"HostIp"`
			HostPort string `json:"HostPort"`
		} `json:"PortBindings"`
	} `json:"HostConfig"`
	NetworkSettings struct {
		Networks map[string]struct {
			Gateway   string `json:"Gateway"`
			IPAddress string `json:"IPAddress"`
		} `json:"Networks"`
	} `json:"NetworkSettings"`
}

func (c container) summary() string {
	h := c.HostConfig
	return fmt.Sprintf("user=%s cpus=%.2f memory=%d swap=%d pids=%d privileged=%v cap_drop=%v cap_add=%v security_opt=%v network=%s ports=%v",
		c.Config.User, float64(h.NanoCpus)/1e9, h.Memory, h.MemorySwap, h.PidsLimit, h.Privileged, h.CapDrop, h.CapAdd, h.SecurityOpt, h.NetworkMode, h.PortBindings)
}

func inspectContainer(t *testing.T, name string) container {
	t.Helper()
	out, err := exec.Command("docker", "inspect", name).Output()
	if err != nil {
		t.Fatalf("docker inspect %s: %v", name, err)
	}
	var list []container
	if err := json.Unmarshal(out, &list); err != nil || len(list) != 1 {
		t.Fatalf("docker inspect %s: %v\n%s", name, err, out)
	}
	return list[0]
}
