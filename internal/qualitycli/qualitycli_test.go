package qualitycli

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/quality"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := Command()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func writeSeries(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%s,%.3f\n", t0.Add(time.Duration(i)*5*time.Minute).Format("2006-01-02 15:04:05"), 20+5*math.Sin(float64(i)/20))
	}
	path := filepath.Join(t.TempDir(), "series.csv")
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
		"header":   "time,val\n2026-01-01 00:00:00,1\n",
		"value":    "timestamp,value\n2026-01-01 00:00:00,1\n2026-01-01 00:05:00,warm\n",
		"time":     "timestamp,value\n2026-01-01 00:00:00,1\n01/01/2026,2\n",
		"unsorted": "timestamp,value\n2026-01-01 00:05:00,1\n2026-01-01 00:00:00,2\n",
	} {
		path := filepath.Join(dir, name+".csv")
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		_, err := run(t, "score", path)
		require.ErrorContains(t, err, "line ", name)
	}
}

func TestFaultsAndEvalCommands(t *testing.T) {
	dir := filepath.Dir(writeSeries(t, 2000))
	out, err := run(t, "faults", dir, "--per-series", "2")
	require.NoError(t, err)
	require.Contains(t, out, "spike,")
	require.Contains(t, out, "replay,")
	_, err = run(t, "eval", dir)
	require.Error(t, err, "not a NAB layout")
}

// The target: every fault type detected with ROC AUC >= 0.98 in causal mode on the
// corpus's clean series, for several fault placements (seeds), not only the default one.
func TestFaultAUCOnTheCorpus(t *testing.T) {
	dir := "../../../shared/data/nab/data/artificialNoAnomaly"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("NAB corpus not available: %v", err)
	}
	series, err := readDir(dir)
	require.NoError(t, err)
	for seed := int64(1); seed <= 3; seed++ {
		results, err := EvaluateFaults(quality.Embedded(), series, 50, 10, seed)
		require.NoError(t, err)
		require.Len(t, results, len(quality.FaultKinds))
		for _, r := range results {
			require.GreaterOrEqual(t, r.AUC, 0.98, "seed %d %s", seed, r.Kind)
			require.Equal(t, 30, r.Positives+r.Skipped, "seed %d %s", seed, r.Kind)
		}
	}
}
