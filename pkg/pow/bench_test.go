package pow_test

import (
	"context"
	"testing"

	"github.com/thalamus-network/thalamus/pkg/pow"
)

// BenchmarkCPUSearch measures the CPU backend's nonces per second at the devnet preset.
func BenchmarkCPUSearch(b *testing.B) {
	tk := task(b, "devnet", 2)
	cpu := &pow.CPU{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := cpu.SearchBatches(context.Background(), tk, uint64(i)*8, 8); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*8*float64(tk.Params.BatchRows)/b.Elapsed().Seconds(), "nonces/s")
}

// BenchmarkVerifyWinner measures what a validator pays to recompute one sampled winner, the
// dominant verification cost, at each preset (with the AVX2 step where the CPU has it; run
// with -tags purego for the portable path).
func BenchmarkVerifyWinner(b *testing.B) {
	for _, preset := range []string{"devnet", "h100"} {
		b.Run(preset, func(b *testing.B) {
			tk := task(b, preset, 4)
			for i := 0; i < b.N; i++ {
				// Verification cost does not depend on whether the claimed digest is right.
				_ = tk.Verify(pow.Winner{Nonce: uint64(i)})
			}
		})
	}
}

// BenchmarkVerifyChallenge measures a validator's whole check of one h100 challenge with the
// default 8 samples, recomputed in parallel on all cores. Compare with the prover's 30 s window.
func BenchmarkVerifyChallenge(b *testing.B) {
	tk := task(b, "h100", 4)
	res := pow.Result{Preset: tk.Params.Name, Seed: tk.Seed.String(), NoncesTried: 1 << 30}
	for n := uint64(0); n < 8; n++ {
		// Verification cost does not depend on whether the digest wins; use real digests.
		res.Winners = append(res.Winners, pow.Winner{Nonce: n * 1_000_003, Digest: tk.Digest(n * 1_000_003)})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// The winners do not win at 2^-20, so verification fails at the win check after the full
		// recomputation of every sample: exactly the honest cost.
		_ = pow.VerifyResult(tk, res, 8, uint64(i))
	}
}
