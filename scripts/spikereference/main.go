// Command spikereference measures how far `quality faults`' spike AUC could go: for the
// spikes `quality faults` injects into the real series of a NAB checkout (the same seeded
// places, through qualitycli.EvaluateFaults), it scores each spiked reading and the same
// clean reading by how far the reading lies from its neighbours, in units of the fault's own
// size unit (max(a quarter of the series' span, 8 noise deviations around it): what the
// injector sized the spike by, which no detector is told), and prints the ROC AUC of that
// score and the best AUC a flag on it could reach (0.5 + (caught - false share) / 2 at the
// cut chosen on these very spikes), next to the model's flagged AUC. "causal" compares a
// reading with the mean of the two before it, as a sidecar scoring readings as they arrive
// could; "two-sided" with the median of the two before and the two after it.
// pkg/quality/README.md, "How far spike detection can go".
//
//	go run ./scripts/spikereference [--seeds 1,2,3] [--sizes 1,0.5] [NAB_DIR]
package main

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"slices"

	"github.com/spf13/pflag"

	"github.com/thalamus-network/thalamus/internal/qualitycli"
	"github.com/thalamus-network/thalamus/pkg/nab"
	"github.com/thalamus-network/thalamus/pkg/quality"
)

// The defaults of `quality faults`.
const (
	faultLength = 50
	perSeries   = 10
)

func main() {
	seeds := pflag.Int64Slice("seeds", []int64{1, 2, 3}, "fault placement seeds")
	sizes := pflag.Float64Slice("sizes", []float64{1, 0.5}, "fault sizes against the standard one")
	pflag.Parse()
	dir := "../shared/data/nab"
	if pflag.NArg() > 0 {
		dir = pflag.Arg(0)
	}
	if err := run(dir, *seeds, *sizes); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(dir string, seeds []int64, sizes []float64) error {
	for _, size := range sizes {
		if size <= 0 {
			return fmt.Errorf("--sizes: %g is not above 0", size)
		}
	}
	c, err := nab.Load(dir)
	if err != nil {
		return err
	}
	byName := map[string]nab.Series{}
	for _, s := range c.Series {
		byName[s.Name] = s
	}
	m := quality.Embedded()
	fmt.Printf("# model %s sha256:%s\n", m.Params.Version, m.Hash)
	fmt.Println("seed,size,spikes,model_auc,causal_auc,causal_best_flag,two_sided_auc,two_sided_best_flag")
	for _, seed := range seeds {
		for _, size := range sizes {
			fmt.Fprintf(os.Stderr, "seed %d, size %g: scoring every fault type (about a minute)\n", seed, size)
			var causal, twoSided [2][]float64 // [0] the spiked readings, [1] the same clean ones
			segments := func(g qualitycli.FaultSegment) {
				if g.Kind != "spike" {
					return
				}
				clean := byName[g.Series].Values
				faulty, err := quality.InjectFault(clean, "spike", g.Start, faultLength, size, rand.New(rand.NewSource(0)))
				if err != nil {
					panic(err) // EvaluateFaults injected this very fault
				}
				unit := (faulty[g.Start] - clean[g.Start]) / size
				for i, values := range [][]float64{faulty, clean} {
					causal[i] = append(causal[i], math.Abs(values[g.Start]-(values[g.Start-1]+values[g.Start-2])/2)/unit)
					twoSided[i] = append(twoSided[i], math.Abs(values[g.Start]-median4(values[g.Start-2], values[g.Start-1], values[g.Start+1], values[g.Start+2]))/unit)
				}
			}
			results, err := qualitycli.EvaluateFaults(m, c.Series, faultLength, perSeries, size, seed, segments)
			if err != nil {
				return err
			}
			modelAUC := math.NaN()
			for _, r := range results {
				if r.Kind == "spike" && r.Category == "all" {
					modelAUC = r.AUC
				}
			}
			fmt.Printf("%d,%g,%d,%.4f,%.4f,%.4f,%.4f,%.4f\n", seed, size, len(causal[0]), modelAUC,
				quality.AUC(causal[0], causal[1]), bestFlagAUC(causal[0], causal[1]),
				quality.AUC(twoSided[0], twoSided[1]), bestFlagAUC(twoSided[0], twoSided[1]))
		}
	}
	return nil
}

// bestFlagAUC is the highest AUC a flag (score >= cut) reaches over every cut: 0.5 + (share
// of positives flagged - share of negatives flagged) / 2, the AUC of 0/1 scores.
func bestFlagAUC(pos, neg []float64) float64 {
	best := 0.0
	for _, cut := range append(slices.Clone(pos), neg...) {
		best = math.Max(best, shareAtLeast(pos, cut)-shareAtLeast(neg, cut))
	}
	return 0.5 + best/2
}

func shareAtLeast(values []float64, cut float64) float64 {
	n := 0
	for _, v := range values {
		if v >= cut {
			n++
		}
	}
	return float64(n) / float64(len(values))
}

func median4(a, b, c, d float64) float64 {
	v := []float64{a, b, c, d}
	slices.Sort(v)
	return (v[1] + v[2]) / 2
}
