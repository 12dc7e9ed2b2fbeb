package qualitycli

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/quality"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, _, err := runWithStderr(t, args...)
	return out, err
}

func runWithStderr(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := Command()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

// csvRows parses a command's CSV output, header first.
func csvRows(t *testing.T, out string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	return rows
}

func writeSeries(t *testing.T, n int) string {
	t.Helper()
	return writeSeriesWith(t, t.TempDir(), n, func(i int, ts time.Time, v float64) (time.Time, float64) { return ts, v })
}

// writeSeriesWith writes dir/series.csv: n readings of a smooth cycle five minutes apart,
// each passed through edit first.
func writeSeriesWith(t *testing.T, dir string, n int, edit func(i int, ts time.Time, v float64) (time.Time, float64)) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		ts, v := edit(i, t0.Add(time.Duration(i)*5*time.Minute), 20+5*math.Sin(float64(i)/20))
		fmt.Fprintf(&b, "%s,%.3f\n", ts.Format("2006-01-02 15:04:05"), v)
	}
	path := filepath.Join(dir, "series.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

func TestScoreOneRowPerInput(t *testing.T) {
	path := writeSeries(t, 1000)
	for _, args := range [][]string{{"score", path}, {"score", "--nab", path}, {"score", "--kind", "weather", path}} {
		out, err := run(t, args...)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Equal(t, "timestamp,value,anomaly_score", lines[0])
		require.Len(t, lines, 1001)
	}
	_, err := run(t, "score", "--kind", "lava", path)
	require.ErrorContains(t, err, "unknown kind")
}

func TestScoreNamesTheBadLine(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"header": "time,val\n2026-01-01 00:00:00,1\n",
		"value":  "timestamp,value\n2026-01-01 00:00:00,1\n2026-01-01 00:05:00,warm\n",
		"time":   "timestamp,value\n2026-01-01 00:00:00,1\n01/01/2026,2\n",
	} {
		path := filepath.Join(dir, name+".csv")
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		_, err := run(t, "score", path)
		require.ErrorContains(t, err, "line ", name)
	}
}

// Rows whose timestamps go back (NAB's machine_temperature_system_failure.csv has 12) are
// scored where they stand by every command; the production path flags them out of order.
func TestRowsGoingBackAreScoredInFileOrder(t *testing.T) {
	const back = 700 // row 700 (file line 702) goes back an hour
	path := writeSeriesWith(t, t.TempDir(), 1000, func(i int, ts time.Time, v float64) (time.Time, float64) {
		if i == back {
			ts = ts.Add(-time.Hour)
		}
		return ts, v
	})
	for _, args := range [][]string{{"score", path}, {"score", "--nab", path}, {"score", "--full", path}, {"batches", path}} {
		out, stderr, err := runWithStderr(t, args...)
		require.NoError(t, err, args)
		require.Contains(t, stderr, "1 rows go back in time (first at lines 702)", args)
		rows := csvRows(t, out)
		if args[0] == "batches" {
			require.Len(t, rows, 11)
			require.Equal(t, "out_of_order", rows[8][4], "the batch holding row 700")
			continue
		}
		require.Len(t, rows, 1001, args)
		if args[1] == "--full" {
			require.Equal(t, "1", rows[back+1][2], "a reading out of order is rejected")
		}
	}
	_, err := run(t, "score", "--full", "--nab", path)
	require.ErrorContains(t, err, "--nab")
}

// `quality batches` prints one row per batch; a stuck stretch costs its batch the score the
// healthy batches keep.
func TestBatchesScoreAsValidatorsDo(t *testing.T) {
	path := writeSeriesWith(t, t.TempDir(), 1050, func(i int, ts time.Time, v float64) (time.Time, float64) {
		if i >= 800 && i < 900 {
			v = 21.5
		}
		return ts, v
	})
	out, err := run(t, "batches", "--kind", "weather", path)
	require.NoError(t, err)
	rows := csvRows(t, out)
	require.Equal(t, []string{"first_timestamp", "last_timestamp", "readings", "score", "flags"}, rows[0])
	require.Len(t, rows, 12)
	require.Equal(t, []string{"2026-01-01 00:00:00", "2026-01-01 08:15:00", "100", "10000", ""}, rows[1])
	require.Equal(t, "50", rows[11][2], "the last batch holds what is left")
	scores := make([]int, len(rows)-1)
	for i, r := range rows[1:] {
		scores[i], err = strconv.Atoi(r[3])
		require.NoError(t, err)
	}
	require.Contains(t, rows[9][4], "stuck")
	for i, score := range scores {
		if i != 8 {
			require.Greater(t, score, 2*scores[8], "healthy batch %d against the stuck one", i+1)
		}
	}

	// A device that declared a reading every 10 s but sent one every 5 minutes is scored
	// for the readings it did not send.
	out, err = run(t, "batches", "--batch", "500", "--interval", "10s", path)
	require.NoError(t, err)
	rows = csvRows(t, out)
	require.Len(t, rows, 4)
	require.Equal(t, []string{"500", "gap"}, []string{rows[1][2], rows[1][4]})
	first, err := strconv.Atoi(rows[1][3])
	require.NoError(t, err)
	require.LessOrEqual(t, first, 334, "availability: 500 readings of the 14,971 a 10 s device owes over 41.6 hours")
	_, err = run(t, "batches", "--batch", "0", path)
	require.ErrorContains(t, err, "--batch")
	_, err = run(t, "batches", "--epoch-batches", "0", path)
	require.ErrorContains(t, err, "--epoch-batches")
}

// On a NAB layout, faults land outside the labelled windows and every category gets a row.
func TestFaultsOnLabelledSeries(t *testing.T) {
	root := t.TempDir()
	for _, cat := range []string{"realA", "realB"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, "data", cat), 0o700))
		writeSeriesWith(t, filepath.Join(root, "data", cat), 2000, func(i int, ts time.Time, v float64) (time.Time, float64) { return ts, v })
	}
	require.NoError(t, os.MkdirAll(filepath.Join(root, "labels"), 0o700))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "config"), 0o700))
	window := `[["2026-01-04 11:20:00.000000", "2026-01-06 00:00:00.000000"]]` // rows 1000-1440
	require.NoError(t, os.WriteFile(filepath.Join(root, "labels", "combined_windows.json"),
		[]byte(`{"realA/series.csv": `+window+`, "realB/series.csv": []}`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(root, "config", "profiles.json"),
		[]byte(`{"standard": {"CostMatrix": {"tpWeight": 1.0, "fpWeight": 0.11, "fnWeight": 1.0}},
			"reward_low_FP_rate": {"CostMatrix": {"tpWeight": 1.0, "fpWeight": 0.22, "fnWeight": 1.0}},
			"reward_low_FN_rate": {"CostMatrix": {"tpWeight": 1.0, "fpWeight": 0.11, "fnWeight": 2.0}}}`), 0o600))
	series, err := readFaultSeries(root)
	require.NoError(t, err)
	require.Equal(t, [][2]int{{1000, 1440}}, series[0].Windows)
	rng := rand.New(rand.NewSource(1))
	for range 200 {
		start, ok := faultStart(series[0], 50, rng)
		require.True(t, ok)
		require.True(t, start+99 < 1000 || start-50 > 1440, "fault at %d touches the window", start)
	}
	out, err := run(t, "faults", root, "--per-series", "2")
	require.NoError(t, err)
	rows := csvRows(t, strings.SplitN(out, "\n", 2)[1]) // after the model line
	require.Equal(t, []string{"fault", "category", "auc", "positives", "negatives", "skipped", "batch_auc", "quality_auc", "lowered"}, rows[0])
	require.Len(t, rows, 1+3*len(quality.FaultKinds))
	for _, row := range rows[1:] {
		for _, col := range row[6:9] { // batch_auc, quality_auc, lowered
			v, err := strconv.ParseFloat(col, 64)
			require.NoError(t, err)
			require.True(t, v >= 0 && v <= 1, "%v", row)
			if row[0] == "stuck" {
				require.Greater(t, v, 0.9, "a stuck stretch costs its batch: %v", row)
			}
		}
	}
	require.Equal(t, []string{"spike", "all"}, rows[1][:2])
	require.Equal(t, []string{"spike", "realA"}, rows[2][:2])
	require.Equal(t, []string{"spike", "realB"}, rows[3][:2])

	// --segments lists every fault the "all" rows count, with the same placement and results.
	file := filepath.Join(t.TempDir(), "segments.csv")
	again, err := run(t, "faults", root, "--per-series", "2", "--segments", file)
	require.NoError(t, err)
	require.Equal(t, out, again)
	bz, err := os.ReadFile(file) //nolint:gosec // the test's own file
	require.NoError(t, err)
	segments := csvRows(t, string(bz))
	require.Equal(t, []string{"fault", "series", "start", "faulty_flagged", "clean_flagged", "faulty_flags", "clean_flags"}, segments[0])
	counted := 0
	for _, row := range rows[1:] {
		if row[1] == "all" {
			n, err := strconv.Atoi(row[3])
			require.NoError(t, err)
			counted += n
		}
	}
	require.Len(t, segments, 1+counted)
	for _, row := range segments[1:] {
		for _, share := range row[3:5] {
			v, err := strconv.ParseFloat(share, 64)
			require.NoError(t, err)
			require.True(t, v >= 0 && v <= 1, "%v", row)
		}
		if row[0] == "stuck" {
			require.Contains(t, row[5], "stuck", "a stuck stretch is flagged stuck: %v", row)
		}
	}
}

func TestFaultsAndEvalCommands(t *testing.T) {
	dir := filepath.Dir(writeSeries(t, 2000))
	out, err := run(t, "faults", dir, "--per-series", "2")
	require.NoError(t, err)
	require.Contains(t, out, "spike,")
	require.Contains(t, out, "replay,")
	half, err := run(t, "faults", dir, "--per-series", "2", "--size", "0.5")
	require.NoError(t, err)
	require.Contains(t, half, "level_shift,")
	_, err = run(t, "faults", dir, "--size", "0")
	require.ErrorContains(t, err, "--size")
	_, err = run(t, "eval", dir)
	require.Error(t, err, "not a NAB layout")
}

// nabCorpus is the shared NAB checkout's directory sub (or the checkout itself); the test is
// skipped where there is none.
func nabCorpus(t *testing.T, sub string) string {
	dir := filepath.Join("../../../shared/data/nab", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("NAB corpus not available: %v", err)
	}
	return dir
}

// The target: every fault type detected with ROC AUC >= 0.98 in causal mode on the
// corpus's clean series, for several fault placements (seeds), not only the default one.
func TestFaultAUCOnTheCorpus(t *testing.T) {
	dir := nabCorpus(t, "data/artificialNoAnomaly")
	series, err := readDir(dir)
	require.NoError(t, err)
	for seed := int64(1); seed <= 3; seed++ {
		results, err := EvaluateFaults(quality.Embedded(), series, 50, 10, 1, seed, nil)
		require.NoError(t, err)
		require.Len(t, results, len(quality.FaultKinds))
		for _, r := range results {
			require.GreaterOrEqual(t, r.AUC, 0.98, "seed %d %s", seed, r.Kind)
			require.Equal(t, 30, r.Positives+r.Skipped, "seed %d %s", seed, r.Kind)
		}
	}
}

// On the real series (the corpus' labelled windows left out), seed 1: what models 1.5.0 and 1.6.0
// reaches and pkg/quality/README.md reports, so a model change that loses it fails here
// (~1 min on 2 cores). Drift's flagged readings (0.958) and the batch scores with
// availability (realTraffic's gaps) are below the 0.97 target and not asserted.
func TestFaultsOnRealSeries(t *testing.T) {
	dir := nabCorpus(t, "")
	if testing.Short() {
		t.Skip("injects 1,860 faults into the corpus")
	}
	series, err := readFaultSeries(dir)
	require.NoError(t, err)
	results, err := EvaluateFaults(quality.Embedded(), series, 50, 10, 1, 1, nil)
	require.NoError(t, err)
	for _, r := range results {
		if r.Category != allCategories {
			continue
		}
		if r.Kind != "drift" {
			require.GreaterOrEqual(t, r.AUC, 0.97, r.Kind)
		}
		if r.Kind != "spike" && r.Kind != "replay" {
			require.GreaterOrEqual(t, r.QualityAUC, 0.97, r.Kind)
		}
		require.GreaterOrEqual(t, r.Lowered, 0.9, r.Kind)
	}
}

// A fault's batch scoring below every honest batch of its series is an AUC of 1; ties count
// half; scoring above them all, 0.
func TestBatchPairs(t *testing.T) {
	var b batchPairs
	require.True(t, math.IsNaN(b.auc()))
	b.add(5000, []float64{9000, 10_000})
	require.Equal(t, 1.0, b.auc())
	b.add(9000, []float64{9000, 8000})
	require.Equal(t, 0.625, b.auc()) // (2 + 0.5 + 0) / 4
}

// eval --held-out scores each category with the grid setting and threshold chosen on the other
// categories (NAB mode: 27 settings, ~30 s on 2 cores), and 1.6.0 meets the NAB target held out.
func TestEvalHeldOut(t *testing.T) {
	dir := nabCorpus(t, "")
	if testing.Short() {
		t.Skip("scores the corpus 10 times")
	}
	out, err := run(t, "eval", dir, "--nab", "--profile", "standard", "--held-out")
	require.NoError(t, err)
	require.Contains(t, out, "# leave one category out, 27 settings")
	require.Contains(t, out, "standard,realKnownCause,")
	all := regexp.MustCompile(`(?m)^standard,all,(\d+\.\d\d),,$`).FindStringSubmatch(out)
	require.Len(t, all, 2, out)
	score, err := strconv.ParseFloat(all[1], 64)
	require.NoError(t, err)
	require.GreaterOrEqual(t, score, 76.0, "issue 21: NAB standard >= 76 held out too (model 1.6.0: 76.65)")
}
