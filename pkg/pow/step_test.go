package pow

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// The SIMD step equals the reference step on random and extreme inputs at every width it
// takes, and falls back to it at widths it does not.
func TestStepFastMatchesStep(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, n := range []int{8, 16, 24, 32, 48, 256, 2048} {
		for trial := range 4 {
			x, w := make([]int8, n), make([]int8, n*n)
			for i := range x {
				x[i] = int8(r.Intn(256) - 128)
			}
			for i := range w {
				w[i] = int8(r.Intn(256) - 128)
			}
			if trial == 3 { // the largest products and sums: -128 * -128 everywhere
				for i := range x {
					x[i] = -128
				}
				for i := range w {
					w[i] = -128
				}
			}
			want, got := make([]int8, n), make([]int8, n)
			step(x, w, make([]int32, n), want)
			stepFast(x, w, make([]int32, n), got)
			require.Equal(t, want, got, "n %d trial %d", n, trial)
		}
	}
}

// Validators recompute winners with digestFast: it agrees with the reference Digest at every
// preset (the golden vectors pin the reference itself).
func TestFastDigestMatchesReference(t *testing.T) {
	for _, c := range []struct {
		preset string
		nonces uint64
	}{{"test", 300}, {"devnet", 100}, {"h100", 2}} {
		p, err := Preset(c.preset)
		require.NoError(t, err)
		tk := Task{Params: p, Seed: hashSeed("fast digest"), TableSeed: hashSeed("fast digest table")}
		for nonce := uint64(0); nonce < c.nonces; nonce++ {
			n := nonce * 7_919
			require.Equal(t, tk.Digest(n), tk.digestFast(n), "%s nonce %d", c.preset, n)
		}
	}
}
