//go:build e2e

package e2e_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLeaseRunsTheTenantsWorkload: on the localnet (exec runtime) a tenant leases one of the
// provider's GPUs with a manifest that runs a small HTTP server. The agent starts it pinned to
// the leased GPU and confirms the lease; the tenant's signed status request shows it running
// and the endpoint answers with the GPU's UUID; a request signed by another key is refused;
// closing the lease stops the process.
func TestLeaseRunsTheTenantsWorkload(t *testing.T) {
	c := startChain(t)
	provider := strings.TrimSpace(string(c.must("keys", "show", "provider", "--address", "--keyring-backend", "test")))
	tenant := c.newAccount("workload-tenant", "100000000uthal")

	manifest := filepath.Join(t.TempDir(), "app.json")
	agentBinary := filepath.Join(filepath.Dir(c.binary), "thalamus-agent")
	body := fmt.Sprintf(`{"command": [%q, "demo-workload"], "ports": [8080], "gpus": 1, "tenant_pub_key": "ssh-ed25519 AAAAtest"}`, agentBinary)
	if err := os.WriteFile(manifest, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	hash := strings.TrimSpace(string(c.must("workload", "manifest-hash", manifest)))

	var offers struct {
		Offers []struct {
			ID       string `json:"id"`
			Provider string `json:"provider"`
		} `json:"offers"`
	}
	c.query(&offers, "compute", "offers", "CPU-DEV")
	offerID := ""
	for _, o := range offers.Offers {
		if o.Provider == provider {
			offerID = o.ID
		}
	}
	if offerID == "" {
		t.Fatalf("the provider has no CPU-DEV offer: %+v", offers.Offers)
	}
	c.tx("workload-tenant", "compute", "create-lease", "1", "1", "20000000uthal", "--offer-id", offerID, "--manifest-hash", hash)
	var leases struct {
		Leases []struct {
			ID     string   `json:"id"`
			State  string   `json:"state"`
			GPUIDs []string `json:"gpu_ids"`
		} `json:"leases"`
	}
	c.query(&leases, "compute", "leases-by-tenant", tenant)
	if len(leases.Leases) != 1 || leases.Leases[0].State != "LEASE_STATE_PENDING" {
		t.Fatalf("want one pending lease, got %+v", leases.Leases)
	}
	id := leases.Leases[0].ID
	var gpu struct {
		GPU struct {
			UUID string `json:"uuid"`
		} `json:"gpu"`
	}
	c.query(&gpu, "compute", "gpu", leases.Leases[0].GPUIDs[0])

	out := c.must("workload", "send", id, manifest, "--from", "workload-tenant", "--keyring-backend", "test")
	if !strings.Contains(string(out), "manifest accepted") {
		t.Fatalf("workload send: %s", out)
	}

	// The agent starts the workload and confirms the lease once its port answers.
	var l struct {
		Lease struct {
			State           string `json:"state"`
			ConfirmedHeight string `json:"confirmed_height"`
		} `json:"lease"`
	}
	deadline := time.Now().Add(time.Minute)
	for c.query(&l, "compute", "lease", id); l.Lease.State != "LEASE_STATE_ACTIVE"; c.query(&l, "compute", "lease", id) {
		if time.Now().After(deadline) {
			t.Fatalf("lease %s not confirmed within a minute: %+v", id, l.Lease)
		}
		time.Sleep(time.Second)
	}

	var status struct {
		LeaseState string `json:"lease_state"`
		Workload   struct {
			State    string `json:"state"`
			Restarts int    `json:"restarts"`
		} `json:"workload"`
		GPUs      []string          `json:"gpus"`
		Endpoints map[string]string `json:"endpoints"`
	}
	out = c.must("workload", "status", id, "--from", "workload-tenant", "--keyring-backend", "test")
	if err := json.Unmarshal(out, &status); err != nil {
		t.Fatalf("workload status: %v\n%s", err, out)
	}
	if status.Workload.State != "running" || len(status.GPUs) != 1 || status.GPUs[0] != gpu.GPU.UUID || status.Endpoints["8080"] == "" {
		t.Fatalf("status %+v, want running on %s with an endpoint for port 8080", status, gpu.GPU.UUID)
	}
	endpoint := status.Endpoints["8080"]
	var served struct {
		Lease string `json:"lease"`
		GPUs  string `json:"cuda_visible_devices"`
	}
	getJSON(t, "http://"+endpoint+"/", &served)
	if served.Lease != id || served.GPUs != gpu.GPU.UUID {
		t.Fatalf("the workload serves %+v, want lease %s on CUDA_VISIBLE_DEVICES=%s", served, id, gpu.GPU.UUID)
	}
	logs := c.must("workload", "logs", id, "--tail", "10", "--from", "workload-tenant", "--keyring-backend", "test")
	if !strings.Contains(string(logs), "demo workload up on port") {
		t.Fatalf("workload logs: %q", logs)
	}

	// Nobody but the tenant gets the status or the logs.
	for _, cmd := range []string{"status", "logs"} {
		if out, err := c.run("workload", cmd, id, "--from", "alice", "--keyring-backend", "test"); err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("%s signed by alice: want 403, got %s %v", cmd, out, err)
		}
	}

	// Closing the lease stops the workload.
	c.tx("workload-tenant", "compute", "close-lease", id, "tenant-done")
	deadline = time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", endpoint, time.Second)
		if err != nil {
			break
		}
		_ = conn.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the workload still answers on %s 30 s after the lease closed", endpoint)
		}
		time.Sleep(time.Second)
	}
	if _, err := http.Get("http://" + endpoint + "/"); err == nil {
		t.Fatal("the workload answered after its lease closed")
	}
	t.Logf("lease %s ran on %s at %s and stopped when it closed", id, gpu.GPU.UUID, endpoint)
}
