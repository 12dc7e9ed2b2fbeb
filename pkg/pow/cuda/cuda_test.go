package cuda

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/pow"
)

// Without a GPU the backend fails with an error that says what is missing, never a crash:
// no driver library at all (CI), or a driver that sees no device (this repository's
// machines after make cuda installed Debian's libcuda).
func TestWithoutAGPU(t *testing.T) {
	_, err := loadLibrary("libthalamus-no-such-driver.so.1")
	require.ErrorIs(t, err, ErrNoDriver)
	require.ErrorContains(t, err, "install the NVIDIA driver")

	infos, err := Probe()
	if err == nil && len(infos) > 0 {
		t.Skipf("a GPU is present (%s): TestGPUMatchesReference covers it", infos[0].Name)
	}
	require.True(t, errors.Is(err, ErrNoDriver) || errors.Is(err, ErrNoDevice), "got %v", err)
	_, err = New(Options{})
	require.True(t, errors.Is(err, ErrNoDriver) || errors.Is(err, ErrNoDevice), "got %v", err)
}

func TestFormatUUID(t *testing.T) {
	u := [16]byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	require.Equal(t, "GPU-deadbeef-0102-0304-0506-0708090a0b0c", formatUUID(u))
}

// gpu opens the GPU for the tests that need one: THALAMUS_CUDA=1 makes its absence a
// failure (scripts/gpu-check.sh sets it), else those tests skip.
func gpu(t testing.TB, kernel string) *Backend {
	t.Helper()
	b, err := New(Options{Kernel: kernel})
	if err != nil {
		if os.Getenv("THALAMUS_CUDA") == "1" {
			t.Fatalf("THALAMUS_CUDA=1 but the CUDA backend does not start: %v", err)
		}
		t.Skipf("no usable GPU: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// The GPU finds exactly the reference's digests: every winner of many batches, and a random
// sample of all nonces' digests (the same shape with every nonce winning), for the test,
// devnet and h200 presets and both kernels.
func TestGPUMatchesReference(t *testing.T) {
	for _, kernel := range []string{KernelAuto, KernelDP4A} {
		b := gpu(t, kernel)
		for _, preset := range []string{"test", "devnet", "h200"} {
			p, err := pow.Preset(preset)
			require.NoError(t, err)
			if kernel == KernelDP4A && preset == "h200" {
				continue // the dp4a kernel is checked on the small presets; h200 runs on tensor cores
			}
			task := pow.Task{Params: p, Seed: pow.Seed{1, 2, 3}, TableSeed: pow.Seed{4, 5, 6}}
			batches := uint64(64)
			if preset == "h200" {
				batches = 2048 // about 4 winners at 2^-20
			}
			start := time.Now()
			winners, err := b.SearchBatches(context.Background(), task, 0, batches)
			require.NoError(t, err)
			t.Logf("%s %s: %d batches, %d winners, %s", preset, b.stepKernel(p), batches, len(winners), time.Since(start))
			checkAll(t, task, winners)

			all := task
			all.Params.LotteryBits = 0 // same work, every nonce reported
			digests, err := b.SearchBatches(context.Background(), all, batches/2, 1)
			require.NoError(t, err)
			require.Len(t, digests, p.BatchRows)
			rng := rand.New(rand.NewPCG(uint64(len(preset)), 9))
			var sample []pow.Winner
			for range min(64, len(digests)) {
				sample = append(sample, digests[rng.IntN(len(digests))])
			}
			checkAll(t, task, sample)
		}
	}
}

// checkAll recomputes each winner's digest with the reference, on every CPU core.
func checkAll(t *testing.T, task pow.Task, winners []pow.Winner) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(winners))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, w := range winners {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if want := task.Digest(w.Nonce); want != w.Digest {
				errs[i] = errors.New("mismatch")
				t.Errorf("%s nonce %d: GPU digest %08x, reference %08x", task.Params.Name, w.Nonce, w.Digest, want)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...), "zero mismatches, ever")
}
