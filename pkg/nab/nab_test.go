package nab_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/nab"
)

const corpusDir = "../../../shared/data/nab"

func loadCorpus(t *testing.T) *nab.Corpus {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("NAB corpus not available at %s: %v", corpusDir, err)
	}
	c, err := nab.Load(corpusDir)
	require.NoError(t, err)
	return c
}

func constant(c *nab.Corpus, v float64) [][]float64 {
	out := make([][]float64, len(c.Series))
	for i, s := range c.Series {
		out[i] = make([]float64, len(s.Values))
		for j := range out[i] {
			out[i][j] = v
		}
	}
	return out
}

func TestNullAndPerfectDetectors(t *testing.T) {
	c := loadCorpus(t)
	for _, r := range c.Score(constant(c, 0.5)) {
		require.InDelta(t, 0, r.Score, 1e-9, r.Profile)
	}
	// A perfect detector fires on the first row of each window and nowhere else.
	perfect := constant(c, 0)
	for i, s := range c.Series {
		for _, w := range s.Windows {
			perfect[i][w[0]] = 1
		}
	}
	for _, r := range c.Score(perfect) {
		require.InDelta(t, 100, r.Score, 1e-9, r.Profile)
		require.Zero(t, r.FP)
		require.Zero(t, r.FN)
	}
}

func TestRelativeEntropyBaseline(t *testing.T) {
	c := loadCorpus(t)
	scores := make([][]float64, len(c.Series))
	for i, s := range c.Series {
		scores[i] = nab.RelativeEntropy(s.Values)
	}
	results := c.Score(scores)
	require.Equal(t, "standard", results[0].Profile)
	// The published relativeEntropy outputs score 56.25 (standard) on this copy of the corpus.
	require.InDelta(t, 56.25, results[0].Score, 0.005)
	t.Logf("relative entropy: %+v", results)
}

// Rows whose timestamp goes back stay in file order and are listed by line; rows that do not
// parse still fail with their line.
func TestReadSeriesKeepsRowsGoingBack(t *testing.T) {
	s, err := nab.ReadSeries(strings.NewReader("timestamp,value\n"+
		"2014-01-01 00:05:00,1\n2014-01-01 00:00:00,2\n2014-01-01 00:10:00,3\n2014-01-01 00:10:00,4\n2014-01-01 00:01:00,5\n"), "x.csv")
	require.NoError(t, err)
	require.Equal(t, []float64{1, 2, 3, 4, 5}, s.Values)
	require.Equal(t, []int{3, 6}, s.Backwards, "equal timestamps are not going back")
	s.Windows = [][2]int{{2, 3}}
	require.True(t, s.TouchesWindow(0, 2))
	require.True(t, s.TouchesWindow(3, 4))
	require.False(t, s.TouchesWindow(0, 1))
	require.False(t, s.TouchesWindow(4, 4))
	_, err = nab.ReadSeries(strings.NewReader("timestamp,value\n2014-01-01 00:05:00,1\n2014-01-01 00:00:00,x\n"), "x.csv")
	require.ErrorContains(t, err, "x.csv line 3")
}
