package cuda

import (
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
		key, d, first, count := uint64(42), uint32(dim), uint64(0), uint32(layers)
		if err := timed("regenerate_us", layers, func() error {
			return b.dev.launch("pow_gen_table", [3]uint32{dim / 64, dim / 64, count}, [3]uint32{256, 1, 1},
				unsafe.Pointer(&table), unsafe.Pointer(&key), unsafe.Pointer(&d), unsafe.Pointer(&first), unsafe.Pointer(&count))
		}); err != nil {
			return err
		}
		bytes := uint64(layers) * size
		if err := timed("read_us", layers, func() error {
			return b.dev.launch("pow_read_layer", [3]uint32{4 * uint32(b.dev.info.Multiprocessors), 1, 1}, [3]uint32{256, 1, 1},
				unsafe.Pointer(&table), unsafe.Pointer(&bytes), unsafe.Pointer(&sum))
		}); err != nil {
			return err
		}
		next, rows := x+size, uint32(dim)
		return timed("step_us", 1, func() error {
			return b.dev.launch("pow_step_mma", [3]uint32{dim / 128, dim / 128, 1}, [3]uint32{256, 1, 1},
				unsafe.Pointer(&x), unsafe.Pointer(&table), unsafe.Pointer(&next), unsafe.Pointer(&rows), unsafe.Pointer(&d), unsafe.Pointer(&d))
		})
	})
	return out, err
}
