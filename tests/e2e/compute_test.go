//go:build e2e

package e2e_test

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"testing"
	"time"
)

type coin struct {
	Denom  string `json:"denom"`
	Amount string `json:"amount"`
}

type lease struct {
	ID              string   `json:"id"`
	Tenant          string   `json:"tenant"`
	Provider        string   `json:"provider"`
	OfferID         string   `json:"offer_id"`
	Class           string   `json:"class"`
	GPUIDs          []string `json:"gpu_ids"`
	State           string   `json:"state"`
	Paid            coin     `json:"paid"`
	Escrow          coin     `json:"escrow"`
	CreatedHeight   string   `json:"created_height"`
	CloseReason     string   `json:"close_reason"`
	PricePerGPUHour coin     `json:"price_per_gpu_hour"`
}

// TestComputeMarketThroughCLI is the GPU marketplace end to end: a provider registers,
// adds 4 GPUs and offers them; a tenant leases 2 by class; blocks pass; the provider
// withdraws and receives exactly price x blocks less the take rate; the tenant closes and
// gets the rest of its deposit back. Localnet gas is free, so balances move by exactly
// the lease payments.
func TestComputeMarketThroughCLI(t *testing.T) {
	c := startChain(t)
	run := time.Now().UnixNano() % 1_000_000_000
	providerKey, tenantKey := fmt.Sprintf("e2e-provider-%d", run), fmt.Sprintf("e2e-tenant-%d", run)
	provider := c.newAccount(providerKey, "2000000000uthal")
	tenant := c.newAccount(tenantKey, "100000000uthal")

	var params struct {
		Params struct {
			TakeRate      string `json:"take_rate"`
			BlocksPerHour string `json:"blocks_per_hour"`
		} `json:"params"`
	}
	c.query(&params, "compute", "params")
	takeRate, ok := new(big.Rat).SetString(params.Params.TakeRate)
	if !ok {
		t.Fatalf("take_rate %q", params.Params.TakeRate)
	}
	blocksPerHour := bigInt(t, params.Params.BlocksPerHour)

	// Provider: register, 4 GPUs, one offer for all of them.
	c.tx(providerKey, "compute", "register-provider", "E2E GPUs", "https://gpu.e2e.example", "eu-west", "1000000000uthal")
	for i := 0; i < 4; i++ {
		uuid := fmt.Sprintf("GPU-%08x-0000-4000-8000-%012x", run, i)
		c.tx(providerKey, "compute", "register-gpu", uuid, "NVIDIA H100 80GB HBM3", "H100-SXM-80G", "81559",
			"--pci-device-id", "9008", "--driver-version", "550.54.15", "--cuda-version", "12.4")
	}
	const price = 360_000 // uthal per GPU-hour: 100 uthal per GPU-block at 3600 blocks per hour
	c.tx(providerKey, "compute", "create-offer", "H100-SXM-80G", fmt.Sprintf("%duthal", price), "1", "24", "4")

	// Tenant: 2 GPUs of the class for 1 hour, matched by the chain.
	const deposit = 1_000_000
	tenantBefore := c.balance(tenant)
	created := c.tx(tenantKey, "compute", "create-lease", "2", "1", fmt.Sprintf("%duthal", deposit),
		"--class", "H100-SXM-80G", "--max-price-per-gpu-hour", fmt.Sprintf("%duthal", price))
	var leases struct {
		Leases []lease `json:"leases"`
	}
	c.query(&leases, "compute", "leases-by-tenant", tenant)
	if len(leases.Leases) != 1 {
		t.Fatalf("tenant has %d leases, want 1", len(leases.Leases))
	}
	l := leases.Leases[0]
	if l.Provider != provider || len(l.GPUIDs) != 2 || l.State != "LEASE_STATE_ACTIVE" || parseInt(t, l.CreatedHeight) != created {
		t.Fatalf("unexpected lease %+v (provider %s, created at %d)", l, provider, created)
	}
	if got := new(big.Int).Sub(tenantBefore, c.balance(tenant)); got.Int64() != deposit {
		t.Fatalf("tenant paid %s into escrow, want %d", got, deposit)
	}
	owed := func(blocks int64) *big.Int { // floor(price * gpus * blocks / blocks_per_hour)
		n := big.NewInt(price * 2 * blocks)
		return n.Quo(n, blocksPerHour)
	}
	take := func(due *big.Int) *big.Int {
		r := new(big.Rat).Mul(new(big.Rat).SetInt(due), takeRate)
		return new(big.Int).Quo(r.Num(), r.Denom())
	}

	// Blocks pass; the REST lease view shows the accrued payment.
	c.waitHeight(created + 5)
	var view struct {
		Height  string `json:"height"`
		Accrued coin   `json:"accrued"`
	}
	getJSON(t, "http://127.0.0.1:1317/thalamus/compute/v1/leases/"+l.ID, &view)
	if want := owed(parseInt(t, view.Height) - created); bigInt(t, view.Accrued.Amount).Cmp(want) != 0 {
		t.Fatalf("REST accrued %s at height %s, want %s", view.Accrued.Amount, view.Height, want)
	}

	// Provider withdraws: exactly price x blocks less the take rate.
	providerBefore := c.balance(provider)
	withdrawn := c.tx(providerKey, "compute", "withdraw-lease", l.ID)
	due := owed(withdrawn - created)
	want := new(big.Int).Sub(due, take(due))
	if got := new(big.Int).Sub(c.balance(provider), providerBefore); got.Cmp(want) != 0 {
		t.Fatalf("provider received %s for %d blocks, want %s (due %s less take)", got, withdrawn-created, want, due)
	}
	t.Logf("withdraw after %d blocks: due %s, provider got %s, community pool %s", withdrawn-created, due, want, take(due))

	// Tenant closes: the rest of the deposit comes back.
	c.waitHeight(withdrawn + 2)
	tenantBefore = c.balance(tenant)
	closed := c.tx(tenantKey, "compute", "close-lease", l.ID, "tenant-done")
	refund := new(big.Int).Sub(big.NewInt(deposit), owed(closed-created))
	if got := new(big.Int).Sub(c.balance(tenant), tenantBefore); got.Cmp(refund) != 0 {
		t.Fatalf("tenant got %s back after %d blocks, want %s", got, closed-created, refund)
	}
	var one struct {
		Lease lease `json:"lease"`
	}
	c.query(&one, "compute", "lease", l.ID)
	if one.Lease.State != "LEASE_STATE_CLOSED" || one.Lease.CloseReason != "LEASE_CLOSE_REASON_TENANT_DONE" ||
		bigInt(t, one.Lease.Paid.Amount).Cmp(owed(closed-created)) != 0 {
		t.Fatalf("closed lease %+v", one.Lease)
	}
	var gpus struct {
		GPUs []struct {
			Status string `json:"status"`
		} `json:"gpus"`
	}
	c.query(&gpus, "compute", "gpus", "--provider", provider)
	for _, g := range gpus.GPUs {
		if g.Status != "GPU_STATUS_AVAILABLE" {
			t.Fatalf("after the close a GPU is %s", g.Status)
		}
	}
	if len(gpus.GPUs) != 4 {
		t.Fatalf("provider has %d GPUs, want 4", len(gpus.GPUs))
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	if err := fetchJSON(url, v); err != nil {
		t.Fatal(err)
	}
}

// fetchJSON decodes the JSON that url answers with 200 into v.
func fetchJSON(url string, v any) error {
	resp, err := http.Get(url) //nolint:gosec,noctx // a localnet URL
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}
