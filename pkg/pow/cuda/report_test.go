package cuda

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/pow"
)

// denseInt8TOPS is the dense int8 tensor peak of the cards the GPU classes name (NVIDIA
// datasheets: the sparse figure halved).
var denseInt8TOPS = map[string]float64{"H100": 1979, "H200": 1979, "A100": 624, "L40S": 733, "4090": 661}

// TestGPUReport measures what scripts/gpu-check.sh reports (THALAMUS_CUDA=1 only): nonces/s
// and int8 TOPS at the h100 and h200 presets against the card's dense peak, and, for the
// memory question, what regenerating a 4 MiB layer costs against reading it from memory and
// against the step that uses it. It writes JSON to THALAMUS_CUDA_REPORT when set.
func TestGPUReport(t *testing.T) {
	if os.Getenv("THALAMUS_CUDA") != "1" {
		t.Skip("THALAMUS_CUDA=1 runs the GPU measurements")
	}
	b := gpu(t, KernelAuto)
	report := map[string]any{"gpu": b.Info()}
	peak := 0.0
	for name, tops := range denseInt8TOPS {
		if strings.Contains(b.Info().Name, name) {
			peak = tops
		}
	}
	report["dense_int8_peak_tops"] = peak
	for _, preset := range []string{"h100", "h200"} {
		p, err := pow.Preset(preset)
		require.NoError(t, err)
		if uint64(p.TableBytes()) > b.Info().MemoryBytes {
			t.Logf("%s: the table does not fit this card", preset)
			continue
		}
		task := pow.Task{Params: p, Seed: pow.Seed{9}, TableSeed: pow.Seed{preset[1]}}
		start := time.Now()
		_, err = b.SearchBatches(context.Background(), task, 0, 4) // generates the table, warms up
		require.NoError(t, err)
		warm := time.Since(start)
		const batches = 400
		start = time.Now()
		winners, err := b.SearchBatches(context.Background(), task, 4, batches)
		require.NoError(t, err)
		elapsed := time.Since(start)
		nonces := float64(batches * p.BatchRows)
		tops := nonces / elapsed.Seconds() * float64(p.OpsPerNonce()) / 1e12
		r := map[string]any{
			"table_gib": p.TableBytes() >> 30, "table_and_4_batches_s": warm.Seconds(), "batches": batches,
			"seconds": elapsed.Seconds(), "nonces_per_s": nonces / elapsed.Seconds(), "int8_tops": tops, "winners": len(winners),
		}
		if peak > 0 {
			r["share_of_dense_peak"] = tops / peak
		}
		report[preset] = r
		t.Logf("%s: %.0f nonces/s, %.0f int8 TOPS (%.0f %% of %.0f dense), table + 4 batches %.2f s", preset,
			nonces/elapsed.Seconds(), tops, 100*tops/max(peak, 1), peak, warm.Seconds())
	}
	mem, err := b.measureMemory(256)
	require.NoError(t, err)
	report["memory"] = mem
	t.Logf("per 4 MiB layer: regenerate %.2f us, read %.2f us, one step using it %.2f us", mem["regenerate_us"], mem["read_us"], mem["step_us"])
	if path := os.Getenv("THALAMUS_CUDA_REPORT"); path != "" {
		bz, err := json.MarshalIndent(report, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, bz, 0o600)) //nolint:gosec // the report path the check script chose
	}
}

// measureMemory times, per layer of the h100 shape (2048 x 2048), generating layers on the
// GPU, reading them from GPU memory, and one tensor-core step over a 2048-row batch.
func (b *Backend) measureMemory(layers int) (map[string]float64, error) {
	const dim = 2048
	out := map[string]float64{}
	err := b.dev.do(func() error {
		size := uint64(dim * dim)
		table, err := b.dev.alloc(uint64(layers) * size)
		if err != nil {
			return err
		}
		defer b.dev.free(table)
		x, err := b.dev.alloc(2 * size)
		if err != nil {
			return err
		}
		defer b.dev.free(x)
		sum, err := b.dev.alloc(4)
		if err != nil {
			return err
		}
		defer b.dev.free(sum)
		timed := func(name string, per int, launch func() error) error {
			if err := launch(); err != nil { // warm up
				return err
			}
			if err := b.dev.sync(); err != nil {
				return err
			}
			start := time.Now()
			const rounds = 10
			for range rounds {
				if err := launch(); err != nil {
					return err
				}
			}
			if err := b.dev.sync(); err != nil {
				return err
			}
			out[name] = float64(time.Since(start).Microseconds()) / rounds / float64(per)
			return nil
		}
		if err := timed("regenerate_us", layers, func() error { return b.genLayers(table, 42, dim, 0, uint32(layers)) }); err != nil {
			return err
		}
		bytes := uint64(layers) * size
		if err := timed("read_us", layers, func() error {
			return b.dev.launch("pow_read_layer", [3]uint32{4 * uint32(b.dev.info.Multiprocessors), 1, 1}, [3]uint32{256, 1, 1},
				unsafe.Pointer(&table), unsafe.Pointer(&bytes), unsafe.Pointer(&sum))
		}); err != nil {
			return err
		}
		next := x + size
		return timed("step_us", 1, func() error {
			return b.launchStep(b.stepKernel(pow.Params{Dim: dim, BatchRows: dim}), x, table, next, dim, dim)
		})
	})
	return out, err
}

// TestGPUStepKernels checks every tensor-core step kernel against pow_step_dp4a byte for byte on
// fresh inputs of the GPU presets' shape (2048 x 2048) and times each (THALAMUS_CUDA=1 only).
func TestGPUStepKernels(t *testing.T) {
	if os.Getenv("THALAMUS_CUDA") != "1" {
		t.Skip("THALAMUS_CUDA=1 runs the GPU measurements")
	}
	b := gpu(t, KernelAuto)
	const dim, layers = 2048, 8
	size := uint64(dim * dim)
	var kernels []tiledKernel
	for _, k := range stepKernels {
		if _, loaded := b.dev.fn[k.name]; loaded {
			kernels = append(kernels, k)
		}
	}
	err := b.dev.do(func() error {
		table, err := b.dev.alloc(layers * size)
		if err != nil {
			return err
		}
		defer b.dev.free(table)
		x, err := b.dev.alloc(3 * size)
		if err != nil {
			return err
		}
		defer b.dev.free(x)
		ref, out := x+size, x+2*size
		want, got := make([]byte, size), make([]byte, size)
		for round := range 3 {
			key, d := uint64(100+round), uint32(dim)
			if err := b.genLayers(table, key, dim, 0, layers); err != nil {
				return err
			}
			start := uint64(round) * dim
			if err := b.dev.launch("pow_gen_start", [3]uint32{uint32(size / 8 / 256), 1, 1}, [3]uint32{256, 1, 1},
				unsafe.Pointer(&x), unsafe.Pointer(&key), unsafe.Pointer(&start), unsafe.Pointer(&d), unsafe.Pointer(&d)); err != nil {
				return err
			}
			w := table + uint64(round)*size
			if err := b.launchStep(dp4aKernel, x, w, ref, dim, dim); err != nil {
				return err
			}
			if err := b.dev.toHost(want, ref); err != nil {
				return err
			}
			for _, k := range kernels {
				if err := b.dev.zero(out, size); err != nil {
					return err
				}
				if err := b.launchStep(k.name, x, w, out, dim, dim); err != nil {
					return err
				}
				if err := b.dev.toHost(got, out); err != nil {
					return err
				}
				if !bytes.Equal(want, got) {
					i := 0
					for want[i] == got[i] {
						i++
					}
					t.Errorf("%s differs from pow_step_dp4a (round %d) at output %d: %d vs %d", k.name, round, i, int8(got[i]), int8(want[i]))
				}
			}
		}
		for _, k := range kernels {
			const rounds = 64
			run := func() error {
				for r := range rounds {
					src, dst := x, ref
					if r%2 == 1 {
						src, dst = ref, x
					}
					if err := b.launchStep(k.name, src, table+uint64(r%layers)*size, dst, dim, dim); err != nil {
						return err
					}
				}
				return b.dev.sync()
			}
			if err := run(); err != nil { // warm up
				return err
			}
			begin := time.Now()
			if err := run(); err != nil {
				return err
			}
			us := float64(time.Since(begin).Microseconds()) / rounds
			t.Logf("%-22s %7.2f us a step, %5.0f int8 TOPS", k.name, us, 2*float64(dim)*dim*dim/us/1e6)
		}
		return nil
	})
	require.NoError(t, err)
	// The whole search at the h200 preset with each kernel preferred.
	p, err := pow.Preset("h200")
	require.NoError(t, err)
	task := pow.Task{Params: p, Seed: pow.Seed{7}, TableSeed: pow.Seed{8}}
	saved := stepKernels
	defer func() { stepKernels = saved }()
	for _, k := range kernels {
		stepKernels = append([]tiledKernel{k}, saved...)
		_, err := b.SearchBatches(context.Background(), task, 0, 4)
		require.NoError(t, err)
		const batches = 200
		begin := time.Now()
		_, err = b.SearchBatches(context.Background(), task, 4, batches)
		require.NoError(t, err)
		rate := float64(batches*p.BatchRows) / time.Since(begin).Seconds()
		t.Logf("h200 search with %-22s %8.0f nonces/s, %4.0f int8 TOPS", k.name, rate, rate*float64(p.OpsPerNonce())/1e12)
	}
}
