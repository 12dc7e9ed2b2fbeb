// Command honestbatches measures what honest operators are paid on real series: it scores
// every file of a NAB checkout batch by batch as validators do (`thalamus-sidecar quality
// batches`, the same sidecar.ScoreSeries) and prints, per category and overall, the median
// and the 10th percentile of the scores of the batches that touch no labelled anomaly
// window (pkg/quality/README.md, "Honest data keeps its reward"; x/rewards pays readings x
// score / 10000).
//
//	go run ./scripts/honestbatches [-batch 100] [NAB_DIR]
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"

	"github.com/thalamus-network/thalamus/internal/qualitycli"
	"github.com/thalamus-network/thalamus/pkg/nab"
	"github.com/thalamus-network/thalamus/pkg/quality"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

func main() {
	size := flag.Int("batch", 100, "readings per batch")
	flag.Parse()
	dir := "../shared/data/nab"
	if flag.NArg() > 0 {
		dir = flag.Arg(0)
	}
	c, err := nab.Load(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	m := quality.Embedded()
	byCategory := map[string][]float64{}
	var all []float64
	for _, s := range c.Series {
		scores, err := honestScores(m, s, *size)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		byCategory[s.Category] = append(byCategory[s.Category], scores...)
		all = append(all, scores...)
	}
	fmt.Printf("# model %s sha256:%s, batches of %d readings outside labelled windows\n", m.Params.Version, m.Hash, *size)
	fmt.Println("category,batches,median,p10")
	for _, cat := range c.Categories() {
		printRow(cat, byCategory[cat])
	}
	printRow("all", all)
}

// honestScores scores s in batches of size, as a device whose interval is the series'
// median spacing, and returns the scores of the batches that touch no labelled window.
func honestScores(m quality.Model, s nab.Series, size int) ([]float64, error) {
	results, err := qualitycli.ScoreBatches(m, s, sensorstypes.Channel{Name: "value"}, 0, size, sensorstypes.DefaultParams())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	var out []float64
	for i, r := range results {
		first, last := qualitycli.BatchRows(i, size, len(s.Values))
		if !s.TouchesWindow(first, last) {
			out = append(out, float64(r.Score))
		}
	}
	return out, nil
}

func printRow(name string, scores []float64) {
	slices.Sort(scores)
	if len(scores) == 0 {
		fmt.Printf("%s,0,,\n", name)
		return
	}
	fmt.Printf("%s,%d,%.0f,%.0f\n", name, len(scores), scores[len(scores)/2], scores[len(scores)/10])
}
