package main

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// rewardsEpoch is the part of a closed x/rewards epoch the localnet prints (REST JSON).
type rewardsEpoch struct {
	Number      string `json:"number"`
	StartHeight string `json:"start_height"`
	EndHeight   string `json:"end_height"`
	Emission    string `json:"emission"`
	Community   string `json:"community"`
	Utilization string `json:"utilization"`
	Pools       []struct {
		Pool   string `json:"pool"`
		Share  string `json:"share"`
		Amount string `json:"amount"`
	} `json:"pools"`
}

// rewardsReceipt is the part of a receipt the localnet prints.
type rewardsReceipt struct {
	Epoch  string `json:"epoch"`
	Amount string `json:"amount"`
	Items  []struct {
		Source     string `json:"source"`
		Quantity   string `json:"quantity"`
		Multiplier string `json:"multiplier"`
		Forfeited  string `json:"forfeited"`
	} `json:"items"`
}

// watchRewards prints, whenever a reward epoch closes, what it minted and how it was split,
// then what each of the named dev accounts earned in it and why, from its receipt.
func watchRewards(ctx context.Context, accounts []string, addresses map[string]string) error {
	next := uint64(0) // the first epoch not printed yet
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Second):
		}
		var cur struct {
			Epoch rewardsEpoch `json:"epoch"`
		}
		if err := rpcGet(ctx, localREST+"/thalamus/rewards/v1/epochs/current", &cur); err != nil {
			continue
		}
		current, _ := strconv.ParseUint(cur.Epoch.Number, 10, 64)
		for ; next < current; next++ {
			printEpoch(ctx, next, accounts, addresses)
		}
	}
}

func printEpoch(ctx context.Context, n uint64, accounts []string, addresses map[string]string) {
	var res struct {
		Epoch rewardsEpoch `json:"epoch"`
	}
	if err := rpcGet(ctx, fmt.Sprintf("%s/thalamus/rewards/v1/epochs/%d", localREST, n), &res); err != nil {
		step("rewards: epoch %d: %v", n, err)
		return
	}
	e := res.Epoch
	var split []string
	for _, p := range e.Pools {
		split = append(split, fmt.Sprintf("%s %s (share %.3f)", strings.ToLower(strings.TrimPrefix(p.Pool, "POOL_")), thal(p.Amount), num(p.Share)))
	}
	step("rewards: epoch %d (blocks %s-%s) minted %s: %s, community %s; GPU utilization %.2f",
		n, e.StartHeight, e.EndHeight, thal(e.Emission), strings.Join(split, ", "), thal(e.Community), num(e.Utilization))
	for _, name := range accounts {
		var rs struct {
			Receipts []rewardsReceipt `json:"receipts"`
		}
		if err := rpcGet(ctx, fmt.Sprintf("%s/thalamus/rewards/v1/rewards/%s/receipts?pagination.limit=5", localREST, addresses[name]), &rs); err != nil {
			step("rewards:   %-8s %v", name, err)
			continue
		}
		line := "no receipt: no verified work this epoch"
		for _, r := range rs.Receipts {
			if r.Epoch == fmt.Sprint(n) {
				line = thal(r.Amount) + "  " + describeItems(r)
			}
		}
		step("rewards:   %-8s %s", name, line)
	}
}

// describeItems summarises a receipt's work: source, quantity and multiplier, or why it was forfeited.
func describeItems(r rewardsReceipt) string {
	var parts []string
	for _, it := range r.Items {
		switch {
		case it.Forfeited != "":
			parts = append(parts, fmt.Sprintf("%s forfeited (%s)", it.Source, it.Forfeited))
		case strings.HasPrefix(it.Source, "gpu/"):
			parts = append(parts, fmt.Sprintf("%s %.4f GPU-h x%.2f", it.Source, num(it.Quantity), num(it.Multiplier)))
		case strings.HasPrefix(it.Source, "device/"):
			parts = append(parts, fmt.Sprintf("%s %.0f readings x%.2f", it.Source, num(it.Quantity), num(it.Multiplier)))
		default:
			parts = append(parts, fmt.Sprintf("%.0f valid reports at power %.0f", num(it.Quantity), num(it.Multiplier)))
		}
	}
	return strings.Join(parts, ", ")
}

// num parses a decimal for display.
func num(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// thal formats a uthal amount as THAL with two decimals.
func thal(uthal string) string {
	v, ok := new(big.Rat).SetString(uthal)
	if !ok {
		return uthal + "uthal"
	}
	return v.Quo(v, big.NewRat(1_000_000, 1)).FloatString(2) + " THAL"
}
