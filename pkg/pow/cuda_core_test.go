package pow

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The CUDA kernels' integer core (cuda/kernels/powcore.h), compiled for the CPU with the
// system C compiler, equals this package's reference bit for bit: stream words, requantised
// values, digests and the lottery over random inputs, and whole batches computed the way the
// kernels compute them (the transposed table, mma.sync tiles and fragments as the PTX ISA
// documents them, and the dp4a variant). CI has no GPU; this is how it checks the kernels'
// arithmetic.
func TestCUDACoreMatchesReference(t *testing.T) {
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		t.Fatalf("a C compiler (%s) is needed to check the CUDA kernels' core on the CPU: %v", cc, err)
	}
	// Read the sources here too: go test caches a pass by the files the test opens, and the
	// compiler opens them in another process.
	for _, src := range []string{"cuda/kernels/powcore.h", "cuda/kernels/core_check.c"} {
		_, err := os.ReadFile(src) //nolint:gosec // the test's own sources
		require.NoError(t, err)
	}
	bin := filepath.Join(t.TempDir(), "core_check")
	out, err := exec.Command(cc, "-std=c11", "-O2", "-Wall", "-Werror", "-o", bin, "cuda/kernels/core_check.c").CombinedOutput() //nolint:gosec // the test's own C source
	require.NoError(t, err, "%s", out)

	rng := rand.New(rand.NewPCG(7, 11))
	var cmds []string
	var want []string
	for range 2000 {
		key, i := rng.Uint64(), rng.Uint64()>>rng.IntN(64)
		cmds = append(cmds, fmt.Sprintf("word %d %d", key, i))
		want = append(want, strconv.FormatUint(word(key, i), 10))
	}
	for range 2000 {
		y := int32(rng.Uint32())
		if rng.IntN(2) == 0 {
			y >>= rng.IntN(31) // small magnitudes too
		}
		cmds = append(cmds, fmt.Sprintf("requant %d", y))
		want = append(want, strconv.Itoa(int(requant(y))))
	}
	for range 300 {
		n := 8 * (1 + rng.IntN(256))
		x, v := make([]int8, n), make([]int8, n)
		for j := range x {
			x[j], v[j] = int8(rng.Uint32()), int8(rng.Uint32())
		}
		if rng.IntN(4) == 0 { // extreme vectors
			for j := range x {
				x[j], v[j] = -128, int8(127*(1-2*(j%2)))
			}
		}
		cmds = append(cmds, fmt.Sprintf("digest %s %s", hex.EncodeToString(bytesOf(x)), hex.EncodeToString(bytesOf(v))))
		want = append(want, strconv.FormatUint(uint64(digestOf(x, v)), 10))
	}
	for range 2000 {
		d, bits := rng.Uint32()>>rng.IntN(32), rng.IntN(32)
		cmds = append(cmds, fmt.Sprintf("wins %d %d", d, bits))
		want = append(want, map[bool]string{true: "1", false: "0"}[Params{LotteryBits: bits}.Wins(d)])
	}
	// Whole batches: the test preset, a 128-wide shape that fills one mma block, and a
	// 256-wide one whose K spans four tiles and whose outputs span 2 x 2 blocks.
	shapes := []Params{
		{Name: "test", Dim: 64, Steps: 4, BatchRows: 64, LotteryBits: 4, Layers: 8},
		{Name: "mma-128", Dim: 128, Steps: 3, BatchRows: 128, LotteryBits: 3, Layers: 5},
		{Name: "mma-256", Dim: 256, Steps: 2, BatchRows: 256, LotteryBits: 5, Layers: 3},
	}
	for si, p := range shapes {
		task := Task{Params: p, Seed: Seed{byte(si), 1}, TableSeed: Seed{byte(si), 2}}
		k := task.keys()
		kernels := []string{"dp4a"}
		if p.Dim%128 == 0 && p.BatchRows%128 == 0 {
			kernels = append(kernels, "mma")
		}
		for _, kernel := range kernels {
			for _, b := range []uint64{0, 3} {
				cmds = append(cmds, fmt.Sprintf("batch %d %d %d %d %d %d %d %d %d %d %s",
					p.Dim, p.Steps, p.BatchRows, p.LotteryBits, p.Layers, k.start, k.layerChoice, k.digest, k.table, b, kernel))
				for nonce := b * uint64(p.BatchRows); nonce < (b+1)*uint64(p.BatchRows); nonce++ {
					d := task.Digest(nonce)
					want = append(want, fmt.Sprintf("%d %d", d, map[bool]int{true: 1, false: 0}[p.Wins(d)]))
				}
				want = append(want, "end")
			}
		}
	}

	run := exec.Command(bin)
	run.Stdin = strings.NewReader(strings.Join(cmds, "\n") + "\n")
	stdout, err := run.Output()
	require.NoError(t, err)
	got := strings.Split(strings.TrimSpace(string(stdout)), "\n")
	require.Len(t, got, len(want))
	mismatches := 0
	for i := range want {
		if got[i] != want[i] {
			mismatches++
			if mismatches <= 5 {
				t.Errorf("answer %d: C core %q, Go reference %q", i, got[i], want[i])
			}
		}
	}
	require.Zero(t, mismatches, "of %d answers", len(want))
}

func bytesOf(v []int8) []byte {
	out := make([]byte, len(v))
	for i, x := range v {
		out[i] = byte(x)
	}
	return out
}
