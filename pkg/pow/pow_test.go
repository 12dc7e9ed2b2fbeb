package pow_test

import (
	"context"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/pow"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json from the reference")

func task(t testing.TB, preset string, seedByte byte) pow.Task {
	t.Helper()
	p, err := pow.Preset(preset)
	require.NoError(t, err)
	var seed pow.Seed
	for i := range seed {
		seed[i] = seedByte + byte(i)
	}
	return pow.Task{Params: p, Seed: seed, TableSeed: pow.StandaloneTableSeed(seed)}
}

// golden pins the protocol: digests of the first nonces and the winners of the first
// batches for fixed seeds. A change here is a consensus-breaking change of the proof of work.
type golden struct {
	Preset  string   `json:"preset"`
	Seed    string   `json:"seed"`
	Digests []uint32 `json:"digests_of_nonces_0_to_7"`
	// Winners are all winners of the first Batches batches.
	Batches uint64       `json:"batches"`
	Winners []pow.Winner `json:"winners"`
}

func goldenCases(t *testing.T) []golden {
	var out []golden
	for _, c := range []struct {
		preset  string
		seed    byte
		batches uint64
	}{{"test", 0, 4}, {"test", 7, 4}, {"devnet", 1, 40}} {
		tk := task(t, c.preset, c.seed)
		g := golden{Preset: c.preset, Seed: tk.Seed.String(), Batches: c.batches}
		for n := uint64(0); n < 8; n++ {
			g.Digests = append(g.Digests, tk.Digest(n))
		}
		for n := uint64(0); n < c.batches*uint64(tk.Params.BatchRows); n++ {
			if d := tk.Digest(n); tk.Params.Wins(d) {
				g.Winners = append(g.Winners, pow.Winner{Nonce: n, Digest: d})
			}
		}
		out = append(out, g)
	}
	return out
}

func TestGoldenVectors(t *testing.T) {
	path := filepath.Join("testdata", "golden.json")
	got := goldenCases(t)
	if *update {
		bz, err := json.MarshalIndent(got, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, append(bz, '\n'), 0o600))
	}
	bz, err := os.ReadFile(path) //nolint:gosec // a test file under t.TempDir() or testdata
	require.NoError(t, err)
	var want []golden
	require.NoError(t, json.Unmarshal(bz, &want))
	require.Equal(t, want, got, "the reference changed: this breaks every prover and verifier")
	for _, g := range want {
		require.NotEmpty(t, g.Winners, "%s: the golden batches should hold winners", g.Preset)
	}
}

// The parallel CPU backend must find exactly the reference's winners.
func TestCPUBackendEqualsReference(t *testing.T) {
	for _, preset := range []string{"test", "devnet"} {
		tk := task(t, preset, 3)
		var want []pow.Winner
		batches := uint64(6)
		for n := uint64(0); n < batches*uint64(tk.Params.BatchRows); n++ {
			if d := tk.Digest(n); tk.Params.Wins(d) {
				want = append(want, pow.Winner{Nonce: n, Digest: d})
			}
		}
		for _, workers := range []int{1, 3} {
			got, err := (&pow.CPU{Workers: workers}).SearchBatches(context.Background(), tk, 0, batches)
			require.NoError(t, err)
			require.Equal(t, want, got, "%s with %d workers", preset, workers)
		}
		// Batches searched out of order or later give the same winners.
		tail, err := (&pow.CPU{}).SearchBatches(context.Background(), tk, 4, 2)
		require.NoError(t, err)
		var wantTail []pow.Winner
		for _, w := range want {
			if w.Nonce >= 4*uint64(tk.Params.BatchRows) {
				wantTail = append(wantTail, w)
			}
		}
		require.Equal(t, wantTail, tail)
	}
}

// Flipping any bit of a winner's nonce or digest must fail verification.
func TestVerifyRejectsAnyFlippedBit(t *testing.T) {
	tk := task(t, "test", 0)
	winners, err := (&pow.CPU{}).SearchBatches(context.Background(), tk, 0, 8)
	require.NoError(t, err)
	require.NotEmpty(t, winners)
	for _, w := range winners[:min(len(winners), 5)] {
		require.NoError(t, tk.Verify(w))
		for bit := 0; bit < 32; bit++ {
			bad := w
			bad.Digest ^= 1 << bit
			require.ErrorIs(t, tk.Verify(bad), pow.ErrBadWinner, "digest bit %d", bit)
		}
		for bit := 0; bit < 64; bit++ {
			bad := w
			bad.Nonce ^= 1 << bit
			if tk.Verify(bad) == nil {
				// Another winning nonce can only pass with its own digest: flipping to a nonce that
				// also wins with the same 32-bit digest would need a collision.
				t.Fatalf("nonce %d with bit %d flipped verified", w.Nonce, bit)
			}
		}
	}
	other := tk
	other.Seed[0] ^= 1
	require.ErrorIs(t, other.Verify(winners[0]), pow.ErrBadWinner, "a winner does not verify under another seed")
}

func TestVerifyResult(t *testing.T) {
	tk := task(t, "test", 5)
	res, err := pow.Solve(context.Background(), &pow.CPU{}, tk, 50*time.Millisecond, nil)
	require.NoError(t, err)
	require.NotEmpty(t, res.Winners)
	require.NoError(t, pow.VerifyResult(tk, res, 0, 1))
	require.NoError(t, pow.VerifyResult(tk, res, 3, 1))

	dup := res
	dup.Winners = append(append([]pow.Winner{}, res.Winners...), res.Winners[0])
	require.ErrorContains(t, pow.VerifyResult(tk, dup, 0, 1), "listed twice")
	beyond := res
	beyond.Winners = append([]pow.Winner{}, res.Winners...)
	beyond.Winners[0].Nonce = res.NoncesTried
	require.ErrorContains(t, pow.VerifyResult(tk, beyond, 0, 1), "beyond")
	wrongSeed := res
	wrongSeed.Seed = task(t, "test", 6).Seed.String()
	require.ErrorContains(t, pow.VerifyResult(tk, wrongSeed, 0, 1), "seed")
	changed := res
	changed.Winners = append([]pow.Winner{}, res.Winners...)
	changed.Winners[len(changed.Winners)-1].Digest++
	require.ErrorIs(t, pow.VerifyResult(tk, changed, 0, 1), pow.ErrBadWinner)
}

// A prover that fakes a fraction f of its winners is caught by k samples with probability
// 1-(1-f)^k; over many simulated rounds the measured rate must match.
func TestCheatDetectionRate(t *testing.T) {
	tk := task(t, "test", 9)
	honest, err := (&pow.CPU{}).SearchBatches(context.Background(), tk, 0, 64)
	require.NoError(t, err)
	n := len(honest)
	require.Greater(t, n, 100)
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		f float64
		k int
	}{{0.05, 8}, {0.10, 8}, {0.25, 4}} {
		const rounds = 2_000
		caught := 0
		for round := 0; round < rounds; round++ {
			claimed := append([]pow.Winner{}, honest...)
			fakes := int(c.f * float64(n))
			for _, i := range r.Perm(n)[:fakes] {
				claimed[i].Digest = r.Uint32() >> tk.Params.LotteryBits // looks like a winner, is not computed
			}
			res := pow.Result{Preset: tk.Params.Name, Seed: tk.Seed.String(), NoncesTried: 64 * uint64(tk.Params.BatchRows), Winners: claimed}
			if pow.VerifyResult(tk, res, c.k, r.Uint64()) != nil {
				caught++
			}
		}
		fake := float64(int(c.f*float64(n))) / float64(n)
		want := 1 - pow1(1-fake, c.k)
		got := float64(caught) / rounds
		require.InDelta(t, want, got, 0.04, "f=%.2f k=%d: caught %.3f, expected %.3f", c.f, c.k, got, want)
		t.Logf("f=%.2f k=%d: caught %.3f of %d rounds, 1-(1-f)^k = %.3f", fake, c.k, got, rounds, want)
	}
}

// pow1 is x^k for small k; sampling without replacement makes the true rate slightly higher.
func pow1(x float64, k int) float64 {
	out := 1.0
	for range k {
		out *= x
	}
	return out
}

func TestPresets(t *testing.T) {
	for _, name := range pow.PresetNames() {
		p, err := pow.Preset(name)
		require.NoError(t, err)
		require.NoError(t, p.Validate())
		// Exactness: |y| <= Dim * 128 * 128 must fit in int32.
		require.Less(t, int64(p.Dim)*128*128, int64(1)<<31, name)
	}
	_, err := pow.Preset("nope")
	require.ErrorContains(t, err, "unknown pow preset")
	h100, err := pow.Preset("h100")
	require.NoError(t, err)
	require.Equal(t, int64(64)<<30, h100.TableBytes(), "the h100 table fills 64 GiB of the 80 GB")
}

func TestSeedDerivation(t *testing.T) {
	a := pow.ChallengeSeed("thalamus-1", []byte{1, 2}, "thalamus1x", "GPU-a", 7)
	require.Equal(t, a, pow.ChallengeSeed("thalamus-1", []byte{1, 2}, "thalamus1x", "GPU-a", 7))
	for _, other := range []pow.Seed{
		pow.ChallengeSeed("thalamus-2", []byte{1, 2}, "thalamus1x", "GPU-a", 7),
		pow.ChallengeSeed("thalamus-1", []byte{1, 3}, "thalamus1x", "GPU-a", 7),
		pow.ChallengeSeed("thalamus-1", []byte{1, 2}, "thalamus1y", "GPU-a", 7),
		pow.ChallengeSeed("thalamus-1", []byte{1, 2}, "thalamus1x", "GPU-b", 7),
		pow.ChallengeSeed("thalamus-1", []byte{1, 2}, "thalamus1x", "GPU-a", 8),
		// Length prefixes keep shifted boundaries apart.
		pow.ChallengeSeed("thalamus-1", []byte{1, 2}, "thalamus1xGPU-", "a", 7),
	} {
		require.NotEqual(t, a, other)
	}
	parsed, err := pow.ParseSeed(a.String())
	require.NoError(t, err)
	require.Equal(t, a, parsed)
	_, err = pow.ParseSeed("abc")
	require.Error(t, err)
}
