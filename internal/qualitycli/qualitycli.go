// Package qualitycli is `thalamus-sidecar quality`: score a series, evaluate the model on a
// NAB corpus, and measure how well it detects injected faults.
package qualitycli

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
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
	cmd.AddCommand(scoreCmd(), batchesCmd(), evalCmd(), faultsCmd())
	return cmd
}

func modelLine(w io.Writer, m quality.Model) {
	_, _ = fmt.Fprintf(w, "# model %s sha256:%s\n", m.Params.Version, m.Hash)
}

func scoreCmd() *cobra.Command {
	var (
		nabMode, full bool
		kind          string
		interval      time.Duration
	)
	cmd := &cobra.Command{
		Use:   "score FILE.csv",
		Short: "Score a timestamp,value series; prints timestamp,value,anomaly_score per row",
		Long: `score reads a series in NAB format (header timestamp,value; timestamps YYYY-MM-DD HH:MM:SS)
and prints CSV timestamp,value,anomaly_score, one row per input row in file order, scores
in [0, 1]. By default it prints the model's anomaly score (the detector, with the baseline's
level as evidence), causal as in production: each score uses only the rows up to it (and
the range of --kind, if it declares one). --nab gives the detector what NAB's harness gives
every detector: the file's min, max and length up front. --full prints the production score
instead: 1 for a reading a hard check rejects (out of range, stuck, jump, out of order,
duplicate, broken pattern), else the anomaly score. The readings are --interval apart
(default: the file's median spacing), which tells the baseline where a day is. Rows whose
timestamps go back are scored where they stand (--full flags them out of order); stderr
names the first of them. A model line starting with # goes to stderr.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m := quality.Embedded()
			s, err := readSeriesFile(args[0], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			lo, hi, err := kindRange(m, kind)
			if err != nil {
				return err
			}
			var scores []float64
			switch {
			case full && nabMode:
				return fmt.Errorf("--full scores as production does, causally: it does not take --nab")
			case full:
				scores = fullScores(m, s, lo, hi, intervalOr(s, interval))
			default:
				scores = scoreSeries(m, s, nabMode, lo, hi, interval)
			}
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
	cmd.Flags().BoolVar(&full, "full", false, "the production per-reading score: hard checks, then the detector")
	cmd.Flags().StringVar(&kind, "kind", "", "sensor kind whose declared range applies in causal mode (weather, air, energy, traffic, gpu-telemetry)")
	cmd.Flags().DurationVar(&interval, "interval", 0, "nominal sampling interval (default: the file's median spacing)")
	return cmd
}

// readSeriesFile reads a timestamp,value CSV and names on w the first rows whose timestamp
// goes back: they are scored in file order, as a device sent them.
func readSeriesFile(path string, w io.Writer) (nab.Series, error) {
	f, err := os.Open(path) //nolint:gosec // the file the operator named
	if err != nil {
		return nab.Series{}, err
	}
	defer func() { _ = f.Close() }()
	s, err := nab.ReadSeries(bufio.NewReader(f), filepath.Base(path))
	if err != nil {
		return s, err
	}
	if n := len(s.Backwards); n > 0 {
		first := s.Backwards[:min(n, 5)]
		_, _ = fmt.Fprintf(w, "# %s: %d rows go back in time (first at lines %s); scored in file order\n",
			path, n, strings.Trim(fmt.Sprint(first), "[]"))
	}
	return s, nil
}

// intervalOr is d, or the series' median spacing when d is 0.
func intervalOr(s nab.Series, d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return s.MedianSpacing()
}

// seriesReadings are values at the series' timestamps.
func seriesReadings(s nab.Series, values []float64) []quality.Reading {
	readings := make([]quality.Reading, len(values))
	for i, v := range values {
		readings[i] = quality.Reading{TimestampMs: s.Timestamps[i].UnixMilli(), Value: v}
	}
	return readings
}

// streamReadings runs values, at the series' timestamps, through one production Stream.
func streamReadings(m quality.Model, s nab.Series, values []float64, lo, hi float64, interval time.Duration) []quality.ReadingResult {
	return quality.NewStream(m, lo, hi, interval.Milliseconds()).ScoreBatch(seriesReadings(s, values)).Readings
}

// fullScores is the production score of each reading: hard checks, then the detector.
func fullScores(m quality.Model, s nab.Series, lo, hi float64, interval time.Duration) []float64 {
	res := streamReadings(m, s, s.Values, lo, hi, interval)
	out := make([]float64, len(res))
	for i, r := range res {
		out[i] = r.Score()
	}
	return out
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

// scoreSeries runs the model's anomaly score over a series in NAB or causal mode, the
// readings interval apart (0: the series' median spacing).
func scoreSeries(m quality.Model, s nab.Series, nabMode bool, lo, hi float64, interval time.Duration) []float64 {
	intervalMs := intervalOr(s, interval).Milliseconds()
	var d *quality.Scorer
	if nabMode {
		d = quality.NewNABScorer(m, s.Values, intervalMs)
	} else {
		d = quality.NewCausalScorer(m, lo, hi, intervalMs)
	}
	out := make([]float64, len(s.Values))
	for i, v := range s.Values {
		out[i] = d.Score(v)
	}
	return out
}

// scoreCorpus runs the model's anomaly score over every series of the corpus.
func scoreCorpus(m quality.Model, c *nab.Corpus, nabMode bool) [][]float64 {
	scores := make([][]float64, len(c.Series))
	for i, s := range c.Series {
		scores[i] = scoreSeries(m, s, nabMode, 0, 0, 0)
	}
	return scores
}

// heldOutGrid is every combination of the parameters chosen on the NAB corpus (the others
// are CAD-OSE's published settings): the memory bound, the spatial margin (a share of the
// range, or typical steps for models that measure it so), the level's evidence (models that
// have it), and in causal mode the warm-up that sets the range, its margin, and whether the
// warm-up's replay rests (models that have the choice). The model's own values are in each
// list.
func heldOutGrid(m quality.Model, nabMode bool) (models []quality.Model, names []string) {
	models, names = []quality.Model{m}, []string{""}
	models, names = gridAxis(models, names, "max_contexts", []int{2000, 3000, 4000}, func(p *quality.Params, v int) { p.Detector.MaxContexts = v })
	if m.Params.Detector.SpatialSteps > 0 {
		models, names = gridAxis(models, names, "spatial_steps", []float64{0.2, 0.4, 1}, func(p *quality.Params, v float64) { p.Detector.SpatialSteps = v })
	} else {
		models, names = gridAxis(models, names, "spatial_margin", []float64{0.01, 0.02, 0.05}, func(p *quality.Params, v float64) { p.Detector.SpatialMargin = v })
	}
	if m.Params.Baseline.LevelEvidence > 0 {
		models, names = gridAxis(models, names, "level_evidence", []float64{3, 5, 8}, func(p *quality.Params, v float64) { p.Baseline.LevelEvidence = v })
	}
	if !nabMode {
		models, names = gridAxis(models, names, "causal_warmup", []int{150, 400, 600}, func(p *quality.Params, v int) { p.Detector.CausalWarmup = v })
		models, names = gridAxis(models, names, "causal_range_margin", []float64{0.05, 0.1, 0.2}, func(p *quality.Params, v float64) { p.Detector.CausalRangeMargin = v })
		if m.Params.Detector.QuietWarmup {
			models, names = gridAxis(models, names, "quiet_warmup", []bool{false, true}, func(p *quality.Params, v bool) { p.Detector.QuietWarmup = v })
		}
	}
	return models, names
}

// gridAxis crosses every model with every value of one parameter.
func gridAxis[T any](models []quality.Model, names []string, name string, values []T, set func(*quality.Params, T)) ([]quality.Model, []string) {
	var outModels []quality.Model
	var outNames []string
	for k, m := range models {
		for _, v := range values {
			set(&m.Params, v)
			outModels = append(outModels, m)
			outNames = append(outNames, strings.TrimSpace(fmt.Sprintf("%s %s=%v", names[k], name, v)))
		}
	}
	return outModels, outNames
}

func evalCmd() *cobra.Command {
	var (
		nabMode, heldOut bool
		profile          string
	)
	cmd := &cobra.Command{
		Use:   "eval DIR",
		Short: "Score the model on a corpus in NAB layout and print NAB scores per profile and category",
		Long: `eval runs the model over every data/<category>/*.csv of DIR (the NAB layout: data/<category>/*.csv and labels/combined_windows.json),
scores the result with NAB's rules (labels/combined_windows.json, config/profiles.json, one
threshold per profile swept over the whole corpus) and prints the normalised score (null
detector 0, perfect 100) per profile and per category. Causal by default; --nab for the
harness's look-ahead inputs. --held-out also scores each category with the parameters and
threshold that score best on the other categories (a grid over the parameters chosen on this
corpus): how much of the score is fitted to the corpus.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m := quality.Embedded()
			c, err := nab.Load(args[0])
			if err != nil {
				return err
			}
			start := time.Now()
			scores := scoreCorpus(m, c, nabMode)
			points := 0
			for _, s := range c.Series {
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
			if heldOut {
				printHeldOut(cmd, m, c, nabMode, profile)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&heldOut, "held-out", false, "also score each category with the parameters and threshold chosen on the other categories (leave one category out)")
	cmd.Flags().BoolVar(&nabMode, "nab", false, "NAB mode: each detector gets its file's min, max and length up front")
	cmd.Flags().StringVar(&profile, "profile", "", "only this profile: standard, low_fp or low_fn (default: all three)")
	return cmd
}

// printHeldOut scores the corpus under every setting of the grid, one at a time, and prints
// the leave-one-category-out results.
func printHeldOut(cmd *cobra.Command, m quality.Model, c *nab.Corpus, nabMode bool, profile string) {
	models, names := heldOutGrid(m, nabMode)
	only := *c // the sweeps are the slow part: only the profiles asked for
	only.Profiles = nil
	for _, p := range c.Profiles {
		if profile == "" || profileMatches(profile, p.Name) {
			only.Profiles = append(only.Profiles, p)
		}
	}
	results := only.LeaveOneCategoryOut(len(models), func(k int) [][]float64 {
		_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "held out: setting %d of %d\n", k+1, len(models))
		return scoreCorpus(models[k], c, nabMode)
	})
	out := cmd.OutOrStdout()
	_, _ = fmt.Fprintf(out, "# leave one category out, %d settings: each category scored with the setting and threshold that score best on the others\n", len(models))
	_, _ = fmt.Fprintln(out, "profile,held_out,score,threshold,setting")
	for _, r := range results {
		for _, cat := range c.Categories() {
			_, _ = fmt.Fprintf(out, "%s,%s,%.2f,%.6g,%s\n", r.Profile, cat, r.Categories[cat], r.Threshold[cat], names[r.Setting[cat]])
		}
		_, _ = fmt.Fprintf(out, "%s,all,%.2f,,\n", r.Profile, r.Score)
	}
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
		size              float64
		segmentsFile      string
	)
	cmd := &cobra.Command{
		Use:   "faults DIR",
		Short: "Inject faults into the series under DIR and print each fault type's detection ROC AUC, overall and per category",
		Long: `faults reads the series under DIR: a NAB checkout (data/<category>/*.csv with
labels/combined_windows.json), whose real series it uses outside their labelled anomaly
windows, or any directory of *.csv series without anomalies (e.g. a NAB checkout's
data/artificialNoAnomaly). It injects each fault type (spike, stuck, drift, noise,
level_shift, replay) --per-series times at seeded random places in the second half of each
series, never into a stretch that touches a labelled window, scores the clean and the faulty
series causally through the full model (hard checks and detector), and prints the ROC AUC of
each fault type over all series and per category (the directory a file sits in): positives
are the faulty segments (the one reading a spike changes; otherwise --length readings from
the fault's start), negatives the same segments of the clean series; a segment scores the
share of its readings that are flagged. A fault's size is --size x max(a quarter of the
series' span, 8 robust noise deviations of the readings around it). An injection that
changes no value (a stuck value on a stretch that is flat anyway, a replay of an identical
stretch), or that finds no room outside the labelled windows, is skipped and counted.
batch_auc judges what the fault costs: scored in batches of 100 readings, the worst batch
the fault's span touches against each of the same clean series' batches that touch neither
the span nor a labelled window (the share of pairs the honest batch scores higher, ties
half). quality_auc is the same comparison of the batches' reading quality, their score
without availability: the fault changes no timestamp, so an honest batch that lost to a gap
(a gap costs what it costs; realTraffic's irregular series) is not taken for data the model
judged better. lowered is the share of faults whose batch (the worst the span touches)
scores below the same batch of the clean series. --segments FILE writes every injected
fault as a CSV row (its series and start, the share of flagged readings in the faulty and
in the clean segment, and the reading flags each holds): what separates a missed fault
from a clean segment flagged by the series' own behaviour.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if size <= 0 {
				return fmt.Errorf("--size must be above 0, got %g", size)
			}
			m := quality.Embedded()
			series, err := readFaultSeries(args[0])
			if err != nil {
				return err
			}
			var (
				segments func(FaultSegment)
				w        *csv.Writer
			)
			if segmentsFile != "" {
				f, err := os.Create(segmentsFile) //nolint:gosec // the file the operator named
				if err != nil {
					return err
				}
				defer func() { _ = f.Close() }()
				w = csv.NewWriter(f)
				_ = w.Write([]string{"fault", "series", "start", "faulty_flagged", "clean_flagged", "faulty_flags", "clean_flags"})
				segments = func(g FaultSegment) {
					_ = w.Write([]string{g.Kind, g.Series, strconv.Itoa(g.Start), strconv.FormatFloat(g.Faulty, 'f', 4, 64), strconv.FormatFloat(g.Clean, 'f', 4, 64),
						strings.Join(quality.FlagNames(g.FaultyFlags), "|"), strings.Join(quality.FlagNames(g.CleanFlags), "|")})
				}
			}
			results, err := EvaluateFaults(m, series, length, perSeries, size, seed, segments)
			if err != nil {
				return err
			}
			if w != nil {
				w.Flush() // csv.Writer keeps its first write error: checked once here
				if err := w.Error(); err != nil {
					return fmt.Errorf("--segments: %w", err)
				}
			}
			out := cmd.OutOrStdout()
			modelLine(out, m)
			_, _ = fmt.Fprintln(out, "fault,category,auc,positives,negatives,skipped,batch_auc,quality_auc,lowered")
			for _, r := range results {
				_, _ = fmt.Fprintf(out, "%s,%s,%.4f,%d,%d,%d,%.4f,%.4f,%.4f\n", r.Kind, r.Category, r.AUC, r.Positives, r.Negatives, r.Skipped, r.BatchAUC, r.QualityAUC, r.Lowered)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&length, "length", 50, "readings per injected fault")
	cmd.Flags().IntVar(&perSeries, "per-series", 10, "faults of each type injected per series")
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the fault placement and noise")
	cmd.Flags().Float64Var(&size, "size", 1, "fault size against the standard one (0.5: half)")
	cmd.Flags().StringVar(&segmentsFile, "segments", "", "also write every injected fault (series, start, flagged shares and flags of the faulty and the clean segment) to this CSV file")
	return cmd
}

// readFaultSeries reads a NAB checkout with its labelled windows, or any directory of series
// (no windows); a series' category is the directory its file is in.
func readFaultSeries(dir string) ([]nab.Series, error) {
	if _, err := os.Stat(filepath.Join(dir, "labels", "combined_windows.json")); err == nil {
		c, err := nab.Load(dir)
		if err != nil {
			return nil, err
		}
		return c.Series, nil
	}
	return readDir(dir)
}

// allCategories names the row of a fault type over every series.
const allCategories = "all"

// FaultResult is one fault type's detection over a corpus (Category "all") or one category:
// AUC by the share of flagged readings in the fault's span, BatchAUC by batch scores,
// QualityAUC by the batches' reading quality (their scores without availability), Lowered
// the share of faults whose batch scores below the same batch without the fault.
type FaultResult struct {
	Kind, Category                     string
	AUC, BatchAUC, QualityAUC, Lowered float64
	Positives, Negatives, Skipped      int
}

// FaultSegment is one injected fault: the share of flagged readings in its span of the faulty
// and of the clean series, and the union of those readings' flags.
type FaultSegment struct {
	Kind, Series            string
	Start                   int
	Faulty, Clean           float64
	FaultyFlags, CleanFlags uint16
}

// faultBatch is how many readings the batch AUC's batches hold, as honestbatches scores them.
const faultBatch = 100

// batchPairs counts, within a series, how the batch holding a fault scores against the
// series' honest batches: the batch AUC is the share of pairs where the honest batch scores
// higher, ties counting half.
type batchPairs struct{ won, pairs float64 }

func (b *batchPairs) add(fault float64, honest []float64) {
	for _, h := range honest {
		switch {
		case h > fault:
			b.won++
		case h == fault:
			b.won += 0.5
		}
	}
	b.pairs += float64(len(honest))
}

func (b batchPairs) auc() float64 {
	if b.pairs == 0 {
		return math.NaN()
	}
	return b.won / b.pairs
}

// EvaluateFaults injects each fault type (at size times the standard size) perSeries times
// into each series of at least 4 x length values, at seeded places in its second half whose
// stretch (length readings before the start to 2 x length after it: the readings the fault's
// size is measured on) touches no labelled window, scores the clean and the faulty series
// causally, and returns each type's ROC AUC over all series and then per category: a
// positive is the share of flagged readings in the fault's span (quality.FaultSpan) of the
// faulty series, its negative the same span of the clean one. segments, when not nil, is
// given every injected fault.
func EvaluateFaults(m quality.Model, series []nab.Series, length, perSeries int, size float64, seed int64, segments func(FaultSegment)) ([]FaultResult, error) {
	rng := rand.New(rand.NewSource(seed)) //nolint:gosec // reproducible fault placement
	var categories []string
	for _, s := range series {
		if !slices.Contains(categories, s.Category) {
			categories = append(categories, s.Category)
		}
	}
	var results []FaultResult
	for _, kind := range quality.FaultKinds {
		// Every segment counts for its category and for "all".
		tallies := map[string]*FaultResult{}
		pos, neg := map[string][]float64{}, map[string][]float64{}
		scorePairs, qualityPairs, lowered := map[string]*batchPairs{}, map[string]*batchPairs{}, map[string]float64{}
		for _, c := range append([]string{allCategories}, categories...) {
			tallies[c] = &FaultResult{Kind: kind, Category: c}
			scorePairs[c], qualityPairs[c] = &batchPairs{}, &batchPairs{}
		}
		for _, s := range series {
			if len(s.Values) < 4*length {
				continue
			}
			into := []string{allCategories}
			if s.Category != allCategories {
				into = append(into, s.Category)
			}
			skip := func() {
				for _, c := range into {
					tallies[c].Skipped++
				}
			}
			clean, cleanBatches := scoreFaultSeries(m, s, s.Values)
			for k := 0; k < perSeries; k++ {
				start, ok := faultStart(s, length, rng)
				if !ok {
					skip() // the second half is all labelled windows
					continue
				}
				faulty, err := quality.InjectFault(s.Values, kind, start, length, size, rng)
				if err != nil {
					return nil, err
				}
				if slices.Equal(faulty, s.Values) {
					skip() // e.g. a stuck value on a stretch that is flat anyway: no fault at all
					continue
				}
				bad, badBatches := scoreFaultSeries(m, s, faulty)
				end := start + quality.FaultSpan(kind, length)
				// The worst batch the fault's span touches, against the clean series' batches
				// that touch neither the span nor a labelled window.
				first, last := start/faultBatch, (end-1)/faultBatch
				worstScore, worstQuality, cleanScore := math.Inf(1), math.Inf(1), math.Inf(1)
				for i := first; i <= last; i++ {
					worstScore, worstQuality = math.Min(worstScore, float64(badBatches[i].Score)), math.Min(worstQuality, badBatches[i].Quality)
					cleanScore = math.Min(cleanScore, float64(cleanBatches[i].Score))
				}
				var honestScores, honestQualities []float64
				for i, b := range cleanBatches {
					lo, hi := BatchRows(i, faultBatch, len(s.Values))
					if (i < first || i > last) && !s.TouchesWindow(lo, hi) {
						honestScores, honestQualities = append(honestScores, float64(b.Score)), append(honestQualities, b.Quality)
					}
				}
				faultyShare, faultyFlags := flaggedShare(bad[start:end])
				cleanShare, cleanFlags := flaggedShare(clean[start:end])
				for _, c := range into {
					pos[c], neg[c] = append(pos[c], faultyShare), append(neg[c], cleanShare)
					scorePairs[c].add(worstScore, honestScores)
					qualityPairs[c].add(worstQuality, honestQualities)
					if worstScore < cleanScore {
						lowered[c]++
					}
				}
				if segments != nil {
					segments(FaultSegment{Kind: kind, Series: s.Name, Start: start, Faulty: faultyShare, Clean: cleanShare, FaultyFlags: faultyFlags, CleanFlags: cleanFlags})
				}
			}
		}
		rows := []string{allCategories}
		if len(categories) > 1 {
			rows = append(rows, categories...)
		}
		for _, c := range rows {
			r := tallies[c]
			r.AUC, r.Positives, r.Negatives = quality.AUC(pos[c], neg[c]), len(pos[c]), len(neg[c])
			r.BatchAUC, r.QualityAUC = scorePairs[c].auc(), qualityPairs[c].auc()
			r.Lowered = lowered[c] / float64(r.Positives)
			results = append(results, *r)
		}
	}
	return results, nil
}

// faultStart draws a fault's start in the second half of s whose stretch, from length
// readings before it to 2 x length after it, touches no labelled window; false when there is
// none (tries at most 100 places).
func faultStart(s nab.Series, length int, rng *rand.Rand) (int, bool) {
	n := len(s.Values)
	for try := 0; try < 100; try++ {
		start := n/2 + rng.Intn(n/2-2*length)
		if !s.TouchesWindow(start-length, start+2*length-1) {
			return start, true
		}
	}
	return 0, false
}

// scoreFaultSeries scores values causally through a Stream with the series' timestamps and
// median interval, in batches of faultBatch readings, and returns every reading's verdict and
// each batch's verdict.
func scoreFaultSeries(m quality.Model, s nab.Series, values []float64) ([]quality.ReadingResult, []quality.BatchResult) {
	readings := seriesReadings(s, values)
	stream := quality.NewStream(m, 0, 0, s.MedianSpacing().Milliseconds())
	results := make([]quality.ReadingResult, 0, len(values))
	var batches []quality.BatchResult
	for i := 0; i*faultBatch < len(values); i++ {
		first, last := BatchRows(i, faultBatch, len(values))
		res := stream.ScoreBatch(readings[first : last+1])
		results = append(results, res.Readings...)
		batches = append(batches, res)
	}
	return results, batches
}

// flaggedShare is the share of flagged readings (quality.Flagged) and the union of their flags.
func flaggedShare(rs []quality.ReadingResult) (float64, uint16) {
	n, flags := 0, uint16(0)
	for _, r := range rs {
		if quality.Flagged(r) {
			n++
			flags |= r.Flags
		}
	}
	return float64(n) / float64(len(rs)), flags
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
		s.Category = filepath.Base(filepath.Dir(path))
		out = append(out, s)
	}
	return out, nil
}
