package quality_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/nab"
	"github.com/thalamus-network/thalamus/pkg/quality"
)

const corpusDir = "../../../shared/data/nab"

// loadCorpus reads the team's NAB corpus, skipping the test where it is absent.
func loadCorpus(t *testing.T) *nab.Corpus {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("NAB corpus not available: %v", err)
	}
	c, err := nab.Load(corpusDir)
	require.NoError(t, err)
	return c
}

func TestNABScore(t *testing.T) {
	c := loadCorpus(t)
	scores := make([][]float64, len(c.Series))
	for i, s := range c.Series {
		d := quality.NewNABDetector(quality.Embedded(), s.Values)
		scores[i] = make([]float64, len(s.Values))
		for j, v := range s.Values {
			scores[i][j] = d.Score(v)
		}
	}
	results := c.Score(scores)
	require.GreaterOrEqual(t, results[0].Score, 74.05, "NAB standard in NAB mode must beat CAD-OSE's 74.05 on this corpus")
	for _, r := range results {
		t.Logf("%s: %.2f (threshold %.4f, TP %d FP %d FN %d) %v", r.Profile, r.Score, r.Threshold, r.TP, r.FP, r.FN, r.Categories)
	}
}
