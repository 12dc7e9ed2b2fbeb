//go:build e2e

package e2e_test

import (
	"encoding/json"
	"fmt"
	"net"
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
	c.newAccount("workload-tenant", "100000000uthal")
	agentBinary := filepath.Join(filepath.Dir(c.binary), "thalamus-agent")
	manifest := fmt.Sprintf(`{"command": [%q, "demo-workload"], "ports": [8080], "gpus": 1, "tenant_pub_key": "ssh-ed25519 AAAAtest"}`, agentBinary)

	w := runLease(t, c, "workload-tenant", provider, "127.0.0.1:8080", manifest, "20000000uthal")

	// Nobody but the tenant gets the status or the logs.
	for _, cmd := range []string{"status", "logs"} {
		if out, err := c.run("workload", cmd, w.id, "--from", "alice", "--keyring-backend", "test", "--allow-endpoint", w.api); err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("%s signed by alice: want 403, got %s %v", cmd, out, err)
		}
	}
	// The endpoint is the provider's choice: at loopback it is contacted only when listed.
	if out, err := c.run("workload", "status", w.id, "--from", w.tenant, "--keyring-backend", "test"); err == nil || !strings.Contains(err.Error(), "forbidden destination") {
		t.Fatalf("status at an unlisted loopback endpoint: want it refused, got %s %v", out, err)
	}
	c.tx(w.tenant, "compute", "close-lease", w.id, "tenant-done")
	waitClosed(t, w.endpoint, "the lease closed")
	t.Logf("lease %s ran on %s at %s and stopped when it closed", w.id, w.gpu, w.endpoint)
}

// leased is a lease whose workload runs; api is its provider endpoint's HOST:PORT.
type leased struct {
	id, tenant, gpu, endpoint, api string
}

// cli is the arguments of "thalamusd workload CMD LEASE ARGS..." as the tenant, allowing the
// devnet provider's loopback endpoint.
func (w leased) cli(cmd string, args ...string) []string {
	return append(append([]string{"workload", cmd, w.id}, args...), "--from", w.tenant, "--keyring-backend", "test", "--allow-endpoint", w.api)
}

// runLease has tenant lease one GPU of provider's CPU-DEV offer for one hour with manifest
// (JSON) and deposit, sends the manifest to the provider's endpoint at api (HOST:PORT), and checks what the tenant sees: the lease
// confirmed ACTIVE by the agent, the signed status running on the leased GPU with an
// endpoint for port 8080 that serves the lease and GPU, and the workload's start in its logs.
func runLease(t *testing.T, c *chain, tenant, provider, api, manifest, deposit string) leased {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.json")
	if err := os.WriteFile(path, []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	hash := strings.TrimSpace(string(c.must("workload", "manifest-hash", path)))
	offerID := offerOf(t, c, provider)
	tenantAddr := strings.TrimSpace(string(c.must("keys", "show", tenant, "--address", "--keyring-backend", "test")))
	c.tx(tenant, "compute", "create-lease", "1", "1", deposit, "--offer-id", offerID, "--manifest-hash", hash)
	var leases struct {
		Leases []struct {
			ID     string   `json:"id"`
			State  string   `json:"state"`
			GPUIDs []string `json:"gpu_ids"`
		} `json:"leases"`
	}
	c.query(&leases, "compute", "leases-by-tenant", tenantAddr)
	if len(leases.Leases) != 1 || leases.Leases[0].State != "LEASE_STATE_PENDING" {
		t.Fatalf("want one pending lease, got %+v", leases.Leases)
	}
	w := leased{id: leases.Leases[0].ID, tenant: tenant, api: api}
	var gpu struct {
		GPU struct {
			UUID string `json:"uuid"`
		} `json:"gpu"`
	}
	c.query(&gpu, "compute", "gpu", leases.Leases[0].GPUIDs[0])
	w.gpu = gpu.GPU.UUID

	out := c.must(w.cli("send", path)...)
	if !strings.Contains(string(out), "manifest accepted") {
		t.Fatalf("workload send: %s", out)
	}
	// The agent starts the workload and confirms the lease once its port answers.
	waitLeaseState(t, c, w.id, "LEASE_STATE_ACTIVE", 2*time.Minute)
	status := workloadStatus(t, c, w)
	if status.Workload.State != "running" || len(status.GPUs) != 1 || status.GPUs[0] != w.gpu || status.Endpoints["8080"] == "" {
		t.Fatalf("status %+v, want running on %s with an endpoint for port 8080", status, w.gpu)
	}
	w.endpoint = status.Endpoints["8080"]
	var served struct {
		Lease string `json:"lease"`
		GPUs  string `json:"cuda_visible_devices"`
	}
	getJSON(t, "http://"+w.endpoint+"/", &served)
	if served.Lease != w.id || served.GPUs != w.gpu {
		t.Fatalf("the workload serves %+v, want lease %s on CUDA_VISIBLE_DEVICES=%s", served, w.id, w.gpu)
	}
	logs := c.must(w.cli("logs", "--tail", "10")...)
	if !strings.Contains(string(logs), "demo workload up on port") {
		t.Fatalf("workload logs: %q", logs)
	}
	return w
}

// offerOf is provider's CPU-DEV offer.
func offerOf(t *testing.T, c *chain, provider string) string {
	t.Helper()
	var offers struct {
		Offers []struct {
			ID       string `json:"id"`
			Provider string `json:"provider"`
		} `json:"offers"`
	}
	c.query(&offers, "compute", "offers", "CPU-DEV")
	for _, o := range offers.Offers {
		if o.Provider == provider {
			return o.ID
		}
	}
	t.Fatalf("%s has no CPU-DEV offer: %+v", provider, offers.Offers)
	return ""
}

type tenantStatus struct {
	LeaseState string `json:"lease_state"`
	Workload   struct {
		State    string `json:"state"`
		Restarts int    `json:"restarts"`
	} `json:"workload"`
	GPUs      []string          `json:"gpus"`
	Endpoints map[string]string `json:"endpoints"`
}

// workloadStatus is the tenant's signed status request to the provider's endpoint.
func workloadStatus(t *testing.T, c *chain, w leased) tenantStatus {
	t.Helper()
	status, err := tryWorkloadStatus(c, w)
	if err != nil {
		t.Fatal(err)
	}
	return status
}

func tryWorkloadStatus(c *chain, w leased) (tenantStatus, error) {
	var status tenantStatus
	out, err := c.run(w.cli("status")...)
	if err != nil {
		return status, err
	}
	if err := json.Unmarshal(out, &status); err != nil {
		return status, fmt.Errorf("workload status: %w\n%s", err, out)
	}
	return status, nil
}

func waitLeaseState(t *testing.T, c *chain, id, state string, within time.Duration) {
	t.Helper()
	var l struct {
		Lease struct {
			State string `json:"state"`
		} `json:"lease"`
	}
	waitFor(t, within, fmt.Sprintf("lease %s %s", id, state), func() bool {
		c.query(&l, "compute", "lease", id)
		return l.Lease.State == state
	})
}

// waitClosed waits until nothing answers at endpoint any more, because of why.
func waitClosed(t *testing.T, endpoint, why string) {
	t.Helper()
	waitFor(t, 30*time.Second, "the workload at "+endpoint+" to stop after "+why, func() bool {
		conn, err := net.DialTimeout("tcp", endpoint, time.Second)
		if err == nil {
			_ = conn.Close()
		}
		return err != nil
	})
}

// waitFor polls ok every second until it holds, failing the test after within.
func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(time.Second)
	}
}
