// Package qualitycli is `thalamus-sidecar quality`: score a series, evaluate the model on a
// NAB corpus, and measure how well it detects injected faults.
package qualitycli

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/thalamus-network/thalamus/pkg/nab"
	"github.com/thalamus-network/thalamus/pkg/quality"
)

// Command returns `quality` with its subcommands.
func Command() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "quality",
		Short: "The embedded data-quality model: score series, evaluate on NAB, measure fault detection",
	}
	cmd.AddCommand(scoreCmd(), evalCmd(), faultsCmd())
	return cmd
}

func modelLine(w io.Writer, m quality.Model) {
	_, _ = fmt.Fprintf(w, "# model %s sha256:%s\n", m.Params.Version, m.Hash)
}

func scoreCmd() *cobra.Command {
	var (
		nabMode bool
		kind    string
	)
	cmd := &cobra.Command{
		Use:   "score FILE.csv",
		Short: "Score a timestamp,value series; prints timestamp,value,anomaly_score per row",
		Long: `score reads a series in NAB format (header timestamp,value; timestamps YYYY-MM-DD HH:MM:SS)
and prints CSV timestamp,value,anomaly_score, one row per input row, scores in [0, 1].
By default scoring is causal, as in production: each score uses only the rows up to it
(and the range of --kind, if it declares one). --nab gives the detector what NAB's harness
gives every detector: the file's min, max and length up front. A model line starting with #
goes to stderr.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m := quality.Embedded()
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer func() { _ = f.Close() }()
			s, err := nab.ReadSeries(bufio.NewReader(f), filepath.Base(args[0]))
			if err != nil {
				return err
			}
			lo, hi, err := kindRange(m, kind)
			if err != nil {
				return err
			}
			scores := scoreSeries(m, s, nabMode, lo, hi)
			modelLine(cmd.ErrOrStderr(), m)
			w := csv.NewWriter(cmd.OutOrStdout())
			_ = w.Write([]string{"timestamp", "value", "anomaly_score"})
			for i := range s.Values {
				_ = w.Write([]string{s.Timestamps[i].Format(nab.TimeLayout), strconv.FormatFloat(s.Values[i], 'g', -1, 64),
					strconv.FormatFloat(scores[i], 'g', 12, 64)})
			}
			w.Flush()
			return w.Error()
		},
	}
	cmd.Flags().BoolVar(&nabMode, "nab", false, "NAB mode: use the file's min, max and length up front")
	cmd.Flags().StringVar(&kind, "kind", "", "sensor kind whose declared range applies in causal mode (weather, air, energy, traffic, gpu-telemetry)")
	return cmd
}

func kindRange(m quality.Model, kind string) (float64, float64, error) {
	if kind == "" {
		return 0, 0, nil
	}
	p, ok := m.Params.Kinds[kind]
	if !ok {
		kinds := make([]string, 0, len(m.Params.Kinds))
		for k := range m.Params.Kinds {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		return 0, 0, fmt.Errorf("unknown kind %q (the model knows %v)", kind, kinds)
	}
	return p.Lo, p.Hi, nil
}

// scoreSeries runs the detector over a series in NAB or causal mode.
func scoreSeries(m quality.Model, s nab.Series, nabMode bool, lo, hi float64) []float64 {
	var d *quality.Detector
	if nabMode {
		d = quality.NewNABDetector(m, s.Values)
	} else {
		d = quality.NewCausalDetector(m, lo, hi)
	}
	out := make([]float64, len(s.Values))
	for i, v := range s.Values {
		out[i] = d.Score(v)
	}
	return out
}

func evalCmd() *cobra.Command {
	var (
		nabMode bool
		profile string
	)
	cmd := &cobra.Command{
		Use:   "eval DIR",
		Short: "Score the model on a corpus in NAB layout and print NAB scores per profile and category",
		Long: `eval runs the model over every data/<category>/*.csv of DIR (the NAB layout: data/<category>/*.csv and labels/combined_windows.json),
scores the result with NAB's rules (labels/combined_windows.json, config/profiles.json, one
threshold per profile swept over the whole corpus) and prints the normalised score (null
detector 0, perfect 100) per profile and per category. Causal by default; --nab for the
harness's look-ahead inputs.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m := quality.Embedded()
			c, err := nab.Load(args[0])
			if err != nil {
				return err
			}
			start := time.Now()
			scores := make([][]float64, len(c.Series))
			points := 0
			for i, s := range c.Series {
				scores[i] = scoreSeries(m, s, nabMode, 0, 0)
				points += len(s.Values)
			}
			elapsed := time.Since(start)
			out := cmd.OutOrStdout()
			mode := "causal"
			if nabMode {
				mode = "nab"
			}
			modelLine(out, m)
			_, _ = fmt.Fprintf(out, "# %d files, %d points, %s mode, scored in %s (%.0f points/s)\n", len(c.Series), points, mode,
				elapsed.Round(time.Millisecond), float64(points)/elapsed.Seconds())
			_, _ = fmt.Fprintln(out, "profile,category,score,threshold,tp,fp,fn")
			found := false
			for _, r := range c.Score(scores) {
				if profile != "" && !profileMatches(profile, r.Profile) {
					continue
				}
				found = true
				_, _ = fmt.Fprintf(out, "%s,all,%.2f,%.6g,%d,%d,%d\n", r.Profile, r.Score, r.Threshold, r.TP, r.FP, r.FN)
				for _, cat := range c.Categories() {
					_, _ = fmt.Fprintf(out, "%s,%s,%.2f,,,,\n", r.Profile, cat, r.Categories[cat])
				}
			}
			if !found {
				return fmt.Errorf("unknown profile %q (want standard, low_fp or low_fn)", profile)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&nabMode, "nab", false, "NAB mode: each detector gets its file's min, max and length up front")
	cmd.Flags().StringVar(&profile, "profile", "", "only this profile: standard, low_fp or low_fn (default: all three)")
	return cmd
}

func profileMatches(flag, name string) bool {
	switch flag {
	case "standard":
		return name == "standard"
	case "low_fp":
		return name == "reward_low_FP_rate"
	case "low_fn":
		return name == "reward_low_FN_rate"
	}
	return false
}

func faultsCmd() *cobra.Command {
	var (
		length, perSeries int
		seed              int64
	)
	cmd := &cobra.Command{
		Use:   "faults DIR",
		Short: "Inject faults into the clean series under DIR and print each fault type's detection ROC AUC",
		Long: `faults reads every *.csv under DIR (timestamp,value; use series without anomalies, e.g. a NAB
checkout's data/artificialNoAnomaly), injects each fault type (spike, stuck, drift,
noise, level_shift, replay) --per-series times at seeded random places in the second half,
scores the clean and the faulty series causally through the full model (hard checks and
detector), and prints the ROC AUC of each fault type: positives are the faulty segments
(the one reading a spike changes; otherwise --length readings from the fault's start),
negatives the same segments of the clean series; a segment scores the share of its
readings that are flagged. A fault's size is max(a quarter of the series' span, 8 robust
noise deviations of the readings around it). An injection that changes no value (a stuck value on a stretch
that is flat anyway, a replay of an identical stretch) is skipped and counted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m := quality.Embedded()
			series, err := readDir(args[0])
			if err != nil {
				return err
			}
			results, err := EvaluateFaults(m, series, length, perSeries, seed)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			modelLine(out, m)
			_, _ = fmt.Fprintln(out, "fault,auc,positives,negatives,skipped")
			for _, r := range results {
				_, _ = fmt.Fprintf(out, "%s,%.4f,%d,%d,%d\n", r.Kind, r.AUC, r.Positives, r.Negatives, r.Skipped)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&length, "length", 50, "readings per injected fault")
	cmd.Flags().IntVar(&perSeries, "per-series", 10, "faults of each type injected per series")
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the fault placement and noise")
	return cmd
}

// FaultResult is one fault type's detection over a corpus.
type FaultResult struct {
	Kind                          string
	AUC                           float64
	Positives, Negatives, Skipped int
}

// EvaluateFaults injects each fault type perSeries times into each series of at least 4 x
// length values, at seeded places in its second half, scores the clean and the faulty series
// causally, and returns each type's ROC AUC: a positive is the share of flagged readings in
// the fault's span (quality.FaultSpan) of the faulty series, its negative the same span of
// the clean one.
func EvaluateFaults(m quality.Model, series []nab.Series, length, perSeries int, seed int64) ([]FaultResult, error) {
	rng := rand.New(rand.NewSource(seed)) //nolint:gosec // reproducible fault placement
	var results []FaultResult
	for _, kind := range quality.FaultKinds {
		r := FaultResult{Kind: kind}
		var pos, neg []float64
		for _, s := range series {
			if len(s.Values) < 4*length {
				continue
			}
			clean := flaggedReadings(m, s, s.Values)
			for k := 0; k < perSeries; k++ {
				start := len(s.Values)/2 + rng.Intn(len(s.Values)/2-2*length)
				faulty, err := quality.InjectFault(s.Values, kind, start, length, rng)
				if err != nil {
					return nil, err
				}
				if slices.Equal(faulty, s.Values) {
					r.Skipped++ // e.g. a stuck value on a stretch that is flat anyway: no fault at all
					continue
				}
				bad := flaggedReadings(m, s, faulty)
				end := start + quality.FaultSpan(kind, length)
				pos = append(pos, mean(bad[start:end]))
				neg = append(neg, mean(clean[start:end]))
			}
		}
		r.AUC, r.Positives, r.Negatives = quality.AUC(pos, neg), len(pos), len(neg)
		results = append(results, r)
	}
	return results, nil
}

// flaggedReadings scores values causally through a Stream with the series' timestamps and
// median interval, and returns 1 for each flagged reading, else 0.
func flaggedReadings(m quality.Model, s nab.Series, values []float64) []float64 {
	intervals := make([]int64, 0, len(s.Timestamps))
	for i := 1; i < len(s.Timestamps); i++ {
		intervals = append(intervals, s.Timestamps[i].Sub(s.Timestamps[i-1]).Milliseconds())
	}
	sort.Slice(intervals, func(a, b int) bool { return intervals[a] < intervals[b] })
	interval := int64(0)
	if len(intervals) > 0 {
		interval = intervals[len(intervals)/2]
	}
	stream := quality.NewStream(m, 0, 0, interval)
	readings := make([]quality.Reading, len(values))
	for i, v := range values {
		readings[i] = quality.Reading{TimestampMs: s.Timestamps[i].UnixMilli(), Value: v}
	}
	res := stream.ScoreBatch(readings)
	out := make([]float64, len(values))
	for i, r := range res.Readings {
		if quality.Flagged(r) {
			out[i] = 1
		}
	}
	return out
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

func readDir(dir string) ([]nab.Series, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() && filepath.Ext(path) == ".csv" {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no .csv files", dir)
	}
	sort.Strings(files)
	var out []nab.Series
	for _, path := range files {
		f, err := os.Open(path) //nolint:gosec // files under the directory the operator named
		if err != nil {
			return nil, err
		}
		s, err := nab.ReadSeries(bufio.NewReader(f), path)
		_ = f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
