// Package pow is Thalamus's GPU proof of work: an exact int8 lottery. Each nonce runs a chain
// of int8 x int8 -> int32 vector-matrix products with a fixed requantisation through layers
// drawn from a seed-derived table; a nonce wins when the digest of its final vector falls
// below a threshold. Integer arithmetic makes the result bit-identical on GPUs and CPUs, so
// one wrong winner is a proof of fraud and validators verify on plain CPUs. See README.md.
package pow

import (
	"fmt"
	"slices"
	"sort"
)

// Params fix the shape of the work. Every prover and verifier of a challenge must use the
// same Params; they are selected by preset name.
type Params struct {
	// Name is the preset name.
	Name string `json:"name"`
	// Dim is the vector width n; layers are n x n int8 matrices. A multiple of 8.
	Dim int `json:"dim"`
	// Steps is the number of layers a nonce's chain passes through (L).
	Steps int `json:"steps"`
	// BatchRows is how many consecutive nonces share their layers (M): one int8 GEMM per
	// step on a GPU. Nonce v belongs to batch v / BatchRows.
	BatchRows int `json:"batch_rows"`
	// LotteryBits sets the win probability to 2^-LotteryBits.
	LotteryBits int `json:"lottery_bits"`
	// Layers is the size of the layer table (Λ); Layers x Dim^2 bytes must stay resident
	// for full speed.
	Layers int `json:"layers"`
}

// Validate checks that the params are usable and keep the int32 products exact.
func (p Params) Validate() error {
	switch {
	case p.Dim < 8 || p.Dim%8 != 0 || p.Dim > 1<<14:
		return fmt.Errorf("pow params %q: dim %d must be a multiple of 8 in [8, 16384]", p.Name, p.Dim)
	case p.Steps < 1 || p.Steps > 1024:
		return fmt.Errorf("pow params %q: steps %d must be in [1, 1024]", p.Name, p.Steps)
	case p.BatchRows < 1 || p.BatchRows > 1<<16:
		return fmt.Errorf("pow params %q: batch rows %d must be in [1, 65536]", p.Name, p.BatchRows)
	case p.LotteryBits < 0 || p.LotteryBits > 31:
		return fmt.Errorf("pow params %q: lottery bits %d must be in [0, 31]", p.Name, p.LotteryBits)
	case p.Layers < 1 || p.Layers > 1<<20:
		return fmt.Errorf("pow params %q: layers %d must be in [1, 1048576]", p.Name, p.Layers)
	}
	return nil
}

// TableBytes is the memory the full layer table takes.
func (p Params) TableBytes() int64 { return int64(p.Layers) * int64(p.Dim) * int64(p.Dim) }

// OpsPerNonce counts the int8 multiply-adds (x2 for ops) one nonce costs.
func (p Params) OpsPerNonce() int64 { return 2 * int64(p.Steps) * int64(p.Dim) * int64(p.Dim) }

// presets are the named parameter sets. test is for golden vectors, devnet for CPU-only
// devnets and CI; the GPU presets size the layer table to ~80 % of the card's memory.
var presets = map[string]Params{
	"test":        {Name: "test", Dim: 64, Steps: 4, BatchRows: 64, LotteryBits: 4, Layers: 8},
	"devnet":      {Name: "devnet", Dim: 128, Steps: 8, BatchRows: 128, LotteryBits: 10, Layers: 16},
	"h100":        {Name: "h100", Dim: 2048, Steps: 32, BatchRows: 2048, LotteryBits: 20, Layers: 16_384},
	"h200":        {Name: "h200", Dim: 2048, Steps: 32, BatchRows: 2048, LotteryBits: 20, Layers: 28_672},
	"a100-80g":    {Name: "a100-80g", Dim: 2048, Steps: 32, BatchRows: 2048, LotteryBits: 20, Layers: 16_384},
	"l40s-48g":    {Name: "l40s-48g", Dim: 2048, Steps: 32, BatchRows: 2048, LotteryBits: 20, Layers: 9_600},
	"rtx4090-24g": {Name: "rtx4090-24g", Dim: 2048, Steps: 32, BatchRows: 2048, LotteryBits: 20, Layers: 4_800},
}

// Preset returns the named parameter set.
func Preset(name string) (Params, error) {
	p, ok := presets[name]
	if !ok {
		return Params{}, fmt.Errorf("unknown pow preset %q (have %v)", name, PresetNames())
	}
	return p, nil
}

// PresetNames lists the preset names in order.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return slices.Clip(names)
}
