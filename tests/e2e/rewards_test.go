//go:build e2e

package e2e_test

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"
)

type receipt struct {
	Epoch         string `json:"epoch"`
	Closed        bool   `json:"closed"`
	ClaimedHeight string `json:"claimed_height"`
	Amount        string `json:"amount"`
	Items         []struct {
		Source     string `json:"source"`
		Quantity   string `json:"quantity"`
		Units      string `json:"units"`
		Multiplier string `json:"multiplier"`
		Forfeited  string `json:"forfeited"`
	} `json:"items"`
}

// receipts lists an address's receipts over REST, newest first.
func receipts(t *testing.T, addr string) []receipt {
	t.Helper()
	var resp struct {
		Receipts []receipt `json:"receipts"`
	}
	getJSON(t, fmt.Sprintf("%s/thalamus/rewards/v1/rewards/%s/receipts?pagination.limit=100", rest, addr), &resp)
	return resp.Receipts
}

func decimal(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a decimal: %q", s)
	}
	return f
}

// TestRewardsPayVerifiedWorkWithReceipts: on the localnet (60-block epochs) after two epochs
// the honest provider, the sensor operator and the validator have receipts that explain their
// pay and can claim it; the cheating provider's GPU is forfeited and earns nothing; the faulty
// stations earn less than the healthy ones; and the minted supply adds up.
func TestRewardsPayVerifiedWorkWithReceipts(t *testing.T) {
	c := startChain(t)
	addr := func(name string) string {
		return strings.TrimSpace(string(c.must("keys", "show", name, "--address", "--keyring-backend", "test")))
	}
	provider, cheater, operator, alice := addr("provider"), addr("cheater"), addr("operator"), addr("alice")

	// Two closed epochs: the current one is 2 or later.
	var cur struct {
		Epoch struct {
			Number string `json:"number"`
		} `json:"epoch"`
	}
	deadline := time.Now().Add(4 * time.Minute)
	for {
		getJSON(t, rest+"/thalamus/rewards/v1/epochs/current", &cur)
		if parseInt(t, cur.Epoch.Number) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("epoch %s after 4 minutes, want 2", cur.Epoch.Number)
		}
		time.Sleep(3 * time.Second)
	}

	closedPaid := func(name, addr, source string) []receipt {
		var out []receipt
		for _, r := range receipts(t, addr) {
			if r.Closed && bigInt(t, r.Amount).Sign() > 0 {
				out = append(out, r)
			}
		}
		if len(out) == 0 {
			t.Fatalf("%s has no paid receipt for a closed epoch", name)
		}
		earned := false
		for _, it := range out[0].Items {
			if !strings.HasPrefix(it.Source, source) {
				t.Fatalf("%s's receipt has item %+v, want %s*", name, it, source)
			}
			earned = earned || decimal(t, it.Units) > 0
		}
		if !earned {
			t.Fatalf("%s's receipt %+v has no item with units", name, out[0])
		}
		return out
	}
	closedPaid("provider", provider, "gpu/")
	sensorReceipts := closedPaid("operator", operator, "device/")
	closedPaid("alice", alice, "validator/")

	// The cheater's GPU was caught in its first challenge: its work is forfeited, it earns nothing.
	forfeited := false
	for _, r := range receipts(t, cheater) {
		if bigInt(t, r.Amount).Sign() != 0 {
			t.Fatalf("the cheater was paid: %+v", r)
		}
		for _, it := range r.Items {
			forfeited = forfeited || strings.Contains(it.Forfeited, "proof-of-work fraud")
		}
	}
	if !forfeited {
		t.Fatalf("the cheater's receipts show no forfeit: %+v", receipts(t, cheater))
	}

	// In an epoch after the faults began (reading 450, ~45 s in), stations 3 (drift), 4 (stuck)
	// and 5 (spike) earn a lower multiplier than the healthy stations 1 and 2.
	var faultEpoch *receipt
	for i := range sensorReceipts {
		if parseInt(t, sensorReceipts[i].Epoch) >= 1 {
			faultEpoch = &sensorReceipts[i]
			break
		}
	}
	if faultEpoch == nil {
		t.Fatalf("no closed sensor receipt after the faults began: %+v", sensorReceipts)
	}
	mult := map[string]float64{}
	for _, it := range faultEpoch.Items {
		mult[it.Source] = decimal(t, it.Multiplier)
	}
	healthy := min(mult["device/1"], mult["device/2"])
	for _, d := range []string{"device/3", "device/4", "device/5"} {
		if mult[d] >= healthy {
			t.Fatalf("epoch %s: faulty %s multiplier %.4f is not below the healthy %.4f (%v)", faultEpoch.Epoch, d, mult[d], healthy, mult)
		}
	}
	t.Logf("epoch %s sensor multipliers: %v", faultEpoch.Epoch, mult)

	// The provider claims what is pending, and its receipts are marked claimed.
	var pending struct {
		Claimable struct {
			Amount string `json:"amount"`
		} `json:"claimable"`
		UnclaimedEpochs int `json:"unclaimed_epochs"`
	}
	c.query(&pending, "rewards", "pending", provider)
	want := bigInt(t, pending.Claimable.Amount)
	if want.Sign() <= 0 || pending.UnclaimedEpochs < 2 {
		t.Fatalf("provider pending %+v, want rewards from two epochs", pending)
	}
	before := c.balance(provider)
	height := c.tx("provider", "rewards", "claim-rewards")
	got := new(big.Int).Sub(c.balance(provider), before) // the localnet charges no fees
	if got.Cmp(want) < 0 {
		t.Fatalf("claim paid %s, pending was %s", got, want)
	}
	for _, r := range receipts(t, provider) {
		if r.Closed && parseInt(t, r.ClaimedHeight) == 0 && parseInt(t, r.Epoch) < parseInt(t, cur.Epoch.Number) {
			t.Fatalf("epoch %s still unclaimed after the claim at %d", r.Epoch, height)
		}
	}
	if !strings.Contains(blockEvents(t, height), "thalamus.rewards.v1.EventRewardsClaimed") {
		t.Fatalf("block %d has no EventRewardsClaimed", height)
	}

	// Accounting: the supply is the genesis supply plus what the module minted, and the module
	// holds at least what recipients may still claim.
	var pools struct {
		Outstanding   string `json:"outstanding"`
		TotalMinted   string `json:"total_minted"`
		ModuleBalance struct {
			Amount string `json:"amount"`
		} `json:"module_balance"`
	}
	var supply struct {
		Amount struct {
			Amount string `json:"amount"`
		} `json:"amount"`
	}
	for i := 0; ; i++ { // an epoch may close between the two reads; read again
		getJSON(t, rest+"/thalamus/rewards/v1/pools", &pools)
		getJSON(t, rest+"/cosmos/bank/v1beta1/supply/by_denom?denom=uthal", &supply)
		genesis := big.NewInt(300_000_000_000_000) // config.yml's accounts
		if new(big.Int).Add(genesis, bigInt(t, pools.TotalMinted)).Cmp(bigInt(t, supply.Amount.Amount)) == 0 {
			break
		}
		if i == 3 {
			t.Fatalf("supply %s is not genesis + minted %s", supply.Amount.Amount, pools.TotalMinted)
		}
		time.Sleep(time.Second)
	}
	if bigInt(t, pools.ModuleBalance.Amount).Cmp(bigInt(t, pools.Outstanding)) < 0 {
		t.Fatalf("module holds %s but owes %s", pools.ModuleBalance.Amount, pools.Outstanding)
	}

	var schedule struct {
		Emissions []struct {
			Emission string `json:"emission"`
		} `json:"emissions"`
	}
	c.query(&schedule, "rewards", "schedule", "5")
	if len(schedule.Emissions) != 5 || bigInt(t, schedule.Emissions[4].Emission).Cmp(bigInt(t, schedule.Emissions[0].Emission)) >= 0 {
		t.Fatalf("schedule %+v, want 5 decaying epochs", schedule.Emissions)
	}
	t.Logf("provider claimed %s uthal over %d epochs; total minted %s, outstanding %s", got, pending.UnclaimedEpochs, pools.TotalMinted, pools.Outstanding)
}
