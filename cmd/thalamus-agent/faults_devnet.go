//go:build devnet

package main

// Fault injection for devnets. It is compiled only with -tags devnet (make build-devnet, which
// make localnet and scripts/testnet.sh use), never into the binaries make build and make
// install produce.

import (
	mrand "math/rand/v2"

	"github.com/spf13/pflag"

	"github.com/thalamus-network/thalamus/internal/agent"
	"github.com/thalamus-network/thalamus/pkg/pow"
)

// cheatFraction is the share of each answer's winners the agent forges.
var cheatFraction float64

func addDevnetFlags(f *pflag.FlagSet) {
	f.Float64Var(&cheatFraction, "cheat-fraction", 0, "devnet builds only: forge this share of the winners, to watch the validators catch the fraud and slash the collateral")
}

func devnetFaults(cfg *agent.GPUConfig) {
	if cheatFraction > 0 {
		cfg.Tamper = func(winners []pow.Winner, tried, challenge uint64) []pow.Winner {
			return forgeWinners(winners, tried, cheatFraction, challenge)
		}
	}
}

// forgeWinners moves a share of the winners to neighbouring nonces that were never found to
// win (keeping their digests, so the answer still looks like a lottery win on chain), sorted
// and unique as an honest answer is.
func forgeWinners(winners []pow.Winner, tried uint64, fraction float64, challenge uint64) []pow.Winner {
	r := mrand.New(mrand.NewPCG(challenge, 0x7e57)) //nolint:gosec // devnet fault injection
	taken := make(map[uint64]bool, len(winners))
	for _, w := range winners {
		taken[w.Nonce] = true
	}
	out := make([]pow.Winner, 0, len(winners))
	for _, w := range winners {
		if r.Float64() < fraction {
			for n := w.Nonce + 1; n < tried; n++ {
				if !taken[n] {
					delete(taken, w.Nonce)
					taken[n] = true
					w.Nonce = n
					break
				}
			}
		}
		out = append(out, w)
	}
	pow.SortByNonce(out)
	return out
}
