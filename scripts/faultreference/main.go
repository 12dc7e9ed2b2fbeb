// Command faultreference measures how far `quality faults`' AUCs could go. For the faults
// `quality faults` injects into the real series of a NAB checkout (the same seeded places,
// through qualitycli.EvaluateFaults), it scores the faulty and the clean stretch with simple
// reference statistics that are told what no detector is told, and prints each statistic's
// ROC AUC and the best AUC a flag on it could reach (0.5 + (caught - false share) / 2 at the
// cut chosen on these very faults), next to the model's flagged AUC.
//
// A spike is scored by how far the reading lies from its neighbours, in units of the fault's
// own size unit (quality.FaultUnit: max(a quarter of the series' span, 8 noise deviations
// around it), the span covering the whole file): "causal" against the mean of the two
// readings before it, as a sidecar scoring readings as they arrive could, "two-sided" against
// the median of the two before and the two after it. A drift, a level shift or a noise burst
// is scored over its whole stretch (told where the fault is) against the stretch of the same
// length before it: the change of the mean (drift, level shift) or of the robust spread of
// the steps (noise), "unit" in the fault's size unit, "own" in the series' own spread over
// the stretch before. pkg/quality/README.md, "How far fault detection can go".
//
//	go run ./scripts/faultreference [--seeds 1,2,3] [--sizes 1,0.5] [--kinds spike,drift,noise,level_shift] [NAB_DIR]
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

// reference is a statistic of a faulty or clean series around a fault at start: higher
// means more likely a fault.
type reference struct {
	name  string
	score func(values []float64, start int, unit float64) float64
}

var references = map[string][]reference{
	"spike": {
		{"causal", func(v []float64, s int, unit float64) float64 {
			return math.Abs(v[s]-(v[s-1]+v[s-2])/2) / unit
		}},
		{"two-sided", func(v []float64, s int, unit float64) float64 {
			return math.Abs(v[s]-median4(v[s-2], v[s-1], v[s+1], v[s+2])) / unit
		}},
	},
	"drift":       levelReferences,
	"level_shift": levelReferences,
	"noise": {
		{"unit", func(v []float64, s int, unit float64) float64 {
			return (stepSpread(v[s:s+faultLength]) - stepSpread(v[s-faultLength:s])) / unit
		}},
		{"own", func(v []float64, s int, unit float64) float64 {
			return stepSpread(v[s:s+faultLength]) / (stepSpread(v[s-faultLength:s]) + 1e-9*unit)
		}},
	},
}

var levelReferences = []reference{
	{"unit", func(v []float64, s int, unit float64) float64 {
		return math.Abs(mean(v[s:s+faultLength])-mean(v[s-faultLength:s])) / unit
	}},
	{"own", func(v []float64, s int, unit float64) float64 {
		before := v[s-faultLength : s]
		return math.Abs(mean(v[s:s+faultLength])-mean(before)) / (quality.RobustSpread(before) + 1e-9*unit)
	}},
}

func main() {
	seeds := pflag.Int64Slice("seeds", []int64{1, 2, 3}, "fault placement seeds")
	sizes := pflag.Float64Slice("sizes", []float64{1, 0.5}, "fault sizes against the standard one")
	kinds := pflag.StringSlice("kinds", []string{"spike", "drift", "noise", "level_shift"}, "fault types")
	pflag.Parse()
	dir := "../shared/data/nab"
	if pflag.NArg() > 0 {
		dir = pflag.Arg(0)
	}
	if err := run(dir, *seeds, *sizes, *kinds); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(dir string, seeds []int64, sizes []float64, kinds []string) error {
	for _, size := range sizes {
		if size <= 0 {
			return fmt.Errorf("--sizes: %g is not above 0", size)
		}
	}
	for _, kind := range kinds {
		if references[kind] == nil {
			return fmt.Errorf("--kinds: no reference for %q (want spike, drift, noise or level_shift)", kind)
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
	fmt.Println("seed,size,kind,faults,model_auc,reference,auc,best_flag")
	for _, seed := range seeds {
		for _, size := range sizes {
			fmt.Fprintf(os.Stderr, "seed %d, size %g: scoring every fault type (about a minute)\n", seed, size)
			// scores[kind][r][0] are reference r's scores of the faulty series, [1] of the clean.
			scores := map[string][][2][]float64{}
			segments := func(g qualitycli.FaultSegment) {
				refs := references[g.Kind]
				if !slices.Contains(kinds, g.Kind) {
					return
				}
				clean := byName[g.Series].Values
				// The noise is drawn anew: the same size, another draw than the model was scored on.
				faulty, err := quality.InjectFault(clean, g.Kind, g.Start, faultLength, size, rand.New(rand.NewSource(0)))
				if err != nil {
					panic(err) // EvaluateFaults injected this very fault
				}
				unit := quality.FaultUnit(clean, g.Start, faultLength)
				if scores[g.Kind] == nil {
					scores[g.Kind] = make([][2][]float64, len(refs))
				}
				for r, ref := range refs {
					for i, values := range [][]float64{faulty, clean} {
						scores[g.Kind][r][i] = append(scores[g.Kind][r][i], ref.score(values, g.Start, unit))
					}
				}
			}
			results, err := qualitycli.EvaluateFaults(m, c.Series, faultLength, perSeries, size, seed, segments)
			if err != nil {
				return err
			}
			for _, kind := range kinds {
				modelAUC := math.NaN()
				for _, r := range results {
					if r.Kind == kind && r.Category == "all" {
						modelAUC = r.AUC
					}
				}
				for r, ref := range references[kind] {
					s := scores[kind][r]
					fmt.Printf("%d,%g,%s,%d,%.4f,%s,%.4f,%.4f\n", seed, size, kind, len(s[0]), modelAUC, ref.name,
						quality.AUC(s[0], s[1]), bestFlagAUC(s[0], s[1]))
				}
			}
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

func mean(values []float64) float64 {
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	return sum / float64(len(values))
}

func median4(a, b, c, d float64) float64 {
	v := []float64{a, b, c, d}
	slices.Sort(v)
	return (v[1] + v[2]) / 2
}

// stepSpread is the robust spread of the steps between successive values.
func stepSpread(values []float64) float64 {
	steps := make([]float64, len(values)-1)
	for i := range steps {
		steps[i] = values[i+1] - values[i]
	}
	return quality.RobustSpread(steps)
}
