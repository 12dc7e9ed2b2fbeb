//go:build e2e

package e2e_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type order struct {
	ID              string `json:"id"`
	Tenant          string `json:"tenant"`
	Class           string `json:"class"`
	State           string `json:"state"`
	LeaseID         string `json:"lease_id"`
	UnmatchedReason string `json:"unmatched_reason"`
}

type marketSummary struct {
	Market struct {
		Class          string `json:"class"`
		GPUsRegistered int64  `json:"gpus_registered"`
		GPUsAvailable  int64  `json:"gpus_available"`
		GPUsLeased     int64  `json:"gpus_leased"`
		OpenOrders     int64  `json:"open_orders"`
		ClearingPrice  string `json:"clearing_price"`
		LeasesCreated  int64  `json:"leases_created"`
	} `json:"market"`
	UtilizationBps int64  `json:"utilization_bps"`
	PriceMedian    string `json:"price_median"`
}

// TestStandingOrderBecomesALease is the market's standing order end to end: a tenant asks for
// a class nobody offers and is told why; with --order-ttl the request waits as an order; a
// provider then registers a GPU of the class and offers it, and within a few blocks the order
// is a lease; the market query (CLI and REST) shows the class's supply, utilization and
// clearing price. A second order is cancelled and refunded in full.
func TestStandingOrderBecomesALease(t *testing.T) {
	c := startChain(t)
	const class, price = "L40S-48G", 90_000
	run := time.Now().UnixNano() % 1_000_000_000
	providerKey, tenantKey := fmt.Sprintf("e2e-orders-provider-%d", run), fmt.Sprintf("e2e-orders-tenant-%d", run)
	provider := c.newAccount(providerKey, "2000000000uthal")
	tenant := c.newAccount(tenantKey, "100000000uthal")

	// Nothing serves the class: a plain create-lease fails and says why.
	_, err := c.run("tx", "compute", "create-lease", "1", "1", "1000000uthal", "--class", class,
		"--from", tenantKey, "--yes", "--gas", "auto", "--gas-adjustment", "1.5")
	if err == nil || !strings.Contains(err.Error(), "none has a free GPU") || !strings.Contains(err.Error(), "--order-ttl") {
		t.Fatalf("create-lease of an unserved class: %v", err)
	}

	// With --order-ttl the request waits as a standing order, its deposit escrowed.
	before := c.balance(tenant)
	c.tx(tenantKey, "compute", "create-lease", "1", "1", "1000000uthal", "--class", class, "--order-ttl", "300")
	var open struct {
		Orders []order `json:"orders"`
	}
	c.query(&open, "compute", "orders", "--class", class, "--state", "open")
	var mine *order
	for i, o := range open.Orders {
		if o.Tenant == tenant {
			mine = &open.Orders[i]
		}
	}
	if mine == nil {
		t.Fatalf("no open order of %s for the tenant: %+v", class, open.Orders)
	}
	if paid := before.Int64() - c.balance(tenant).Int64(); paid != 1_000_000 {
		t.Fatalf("tenant paid %d into the order, want 1000000", paid)
	}

	// A provider registers a GPU of the class and offers it: the order becomes a lease.
	c.tx(providerKey, "compute", "register-provider", "E2E L40S", "https://l40s.e2e.example", "eu-west", "1000000000uthal")
	c.tx(providerKey, "compute", "register-gpu", fmt.Sprintf("GPU-%08x-0000-4000-8000-0000000000aa", run), "NVIDIA L40S", class, "46068",
		"--pci-device-id", "10037", "--driver-version", "550.54.15", "--cuda-version", "12.4")
	offered := c.tx(providerKey, "compute", "create-offer", class, fmt.Sprintf("%duthal", price), "1", "24", "1")
	var matched order
	waitFor(t, time.Minute, "the order to become a lease", func() bool {
		var one struct {
			Order order `json:"order"`
		}
		c.query(&one, "compute", "order", mine.ID)
		matched = one.Order
		return matched.State == "ORDER_STATE_MATCHED"
	})
	var leased struct {
		Lease lease `json:"lease"`
	}
	c.query(&leased, "compute", "lease", matched.LeaseID)
	if leased.Lease.Tenant != tenant || leased.Lease.Provider != provider || leased.Lease.PricePerGPUHour.Amount != fmt.Sprint(price) {
		t.Fatalf("order %s became lease %+v", mine.ID, leased.Lease)
	}
	t.Logf("order %s became lease %s at height %s, %d blocks after the offer", mine.ID, matched.LeaseID,
		leased.Lease.CreatedHeight, parseInt(t, leased.Lease.CreatedHeight)-offered)

	// The market shows the class's supply, utilization and clearing price, on the CLI and REST.
	var cli struct {
		Markets []marketSummary `json:"markets"`
	}
	c.query(&cli, "compute", "market", class)
	var rest struct {
		Markets []marketSummary `json:"markets"`
	}
	getJSON(t, "http://127.0.0.1:1317/thalamus/compute/v1/market/"+class, &rest)
	for _, got := range [][]marketSummary{cli.Markets, rest.Markets} {
		if len(got) != 1 {
			t.Fatalf("market of %s: %+v", class, got)
		}
		m := got[0]
		if m.Market.GPUsRegistered != 1 || m.Market.GPUsLeased != 1 || m.UtilizationBps != 10_000 ||
			m.Market.ClearingPrice != fmt.Sprintf("%d.000000000000000000", price) || m.PriceMedian != fmt.Sprint(price) {
			t.Fatalf("market of %s after the match: %+v", class, m)
		}
	}
	t.Logf("market %s: %+v", class, rest.Markets[0])

	// Another order for the class waits (its only GPU is leased) and is cancelled, refunded in full.
	before = c.balance(tenant)
	c.tx(tenantKey, "compute", "create-lease", "1", "1", "500000uthal", "--class", class, "--order-ttl", "300")
	c.query(&open, "compute", "orders", "--class", class, "--state", "open")
	if len(open.Orders) != 1 || open.Orders[0].Tenant != tenant {
		t.Fatalf("open orders of %s: %+v", class, open.Orders)
	}
	c.tx(tenantKey, "compute", "cancel-order", open.Orders[0].ID)
	if got := c.balance(tenant); got.Cmp(before) != 0 {
		t.Fatalf("tenant has %s after cancelling, had %s", got, before)
	}
	var cancelled order
	getJSON(t, "http://127.0.0.1:1317/thalamus/compute/v1/orders/"+open.Orders[0].ID, &struct {
		Order *order `json:"order"`
	}{&cancelled})
	if cancelled.State != "ORDER_STATE_CANCELLED" {
		t.Fatalf("cancelled order over REST: %+v", cancelled)
	}

	// --class any leases the best price per verified throughput among the classes on offer.
	c.tx(tenantKey, "compute", "create-lease", "1", "1", "2000000uthal", "--class", "any")
	var leases struct {
		Leases []lease `json:"leases"`
	}
	c.query(&leases, "compute", "leases-by-tenant", tenant)
	picked := leases.Leases[len(leases.Leases)-1]
	if picked.ID == leased.Lease.ID || picked.State != "LEASE_STATE_ACTIVE" || picked.Class == "" {
		t.Fatalf("create-lease --class any made no new lease: %+v", leases.Leases)
	}
	t.Logf("--class any picked lease %s: %s offer %s at %s%s per GPU-hour", picked.ID, picked.Class, picked.OfferID,
		picked.PricePerGPUHour.Amount, picked.PricePerGPUHour.Denom)
}

// TestAgentPricesItsOfferFromTheMarket runs a provider agent with --offer-price auto on a
// class of its own: its offer opens at the minimum (the class has no market yet) and, once a
// tenant leases its only GPU, the next reward epoch raises the price by one 5 % step, with
// the decision and its inputs in the agent's log.
func TestAgentPricesItsOfferFromTheMarket(t *testing.T) {
	c := startChain(t)
	const class = "RTX4090-24G"
	run := time.Now().UnixNano() % 1_000_000_000
	providerKey, tenantKey := fmt.Sprintf("e2e-pricing-provider-%d", run), fmt.Sprintf("e2e-pricing-tenant-%d", run)
	provider := c.newAccount(providerKey, "2000000000uthal")
	c.newAccount(tenantKey, "100000000uthal")
	dir := t.TempDir()
	defer startAgent(t, c, dir, providerKey, "--class", class, "--offer-price", "auto", "--min-price", "100000uthal",
		"--max-price", "200000uthal", "--target-utilization", "0.8", "--runtime", "none",
		"--metrics-addr", "127.0.0.1:9467", "--api-listen", "127.0.0.1:8083", "--endpoint", "http://127.0.0.1:8083")()

	var offerID string
	waitFor(t, time.Minute, "the auto-priced offer", func() bool {
		var offers struct {
			Offers []struct {
				ID       string `json:"id"`
				Provider string `json:"provider"`
				Price    coin   `json:"price_per_gpu_hour"`
			} `json:"offers"`
		}
		c.query(&offers, "compute", "offers", class)
		for _, o := range offers.Offers {
			if o.Provider == provider {
				if o.Price.Amount != "100000" {
					t.Fatalf("the offer opened at %s, want the minimum 100000uthal", o.Price.Amount)
				}
				offerID = o.ID
			}
		}
		return offerID != ""
	})
	leased := c.tx(tenantKey, "compute", "create-lease", "1", "2", "1000000uthal", "--class", class)
	t.Logf("offer %s leased at height %d", offerID, leased)

	price := func() string {
		var one struct {
			Offer struct {
				Price coin `json:"price_per_gpu_hour"`
			} `json:"offer"`
		}
		c.query(&one, "compute", "offer", offerID)
		return one.Offer.Price.Amount
	}
	waitFor(t, 200*time.Second, "the next epoch's repricing", func() bool { return price() != "100000" })
	if got := price(); got != "105000" {
		t.Fatalf("after an epoch fully leased the price is %s, want one 5 %% step: 105000", got)
	}
	out, err := os.ReadFile(filepath.Join(dir, "agent.log")) //nolint:gosec // our own log
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `msg="offer priced"`) || !strings.Contains(string(out), "from=100000 to=105000") {
		t.Fatalf("the agent log has no pricing decision to 105000:\n%s", tail(string(out), 20))
	}
}
