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

// The model's anomaly score (model 1.6.0: the detector with the baseline's level as evidence
// and its spatial margin in typical steps) meets the NAB targets on the corpus: >= 76
// standard in NAB mode (CAD-OSE's published outputs: 74.05; the detector alone: 74.93; 1.6.0:
// 79.34) and >= 68 causally (the detector alone: 63.26; 1.6.0: 72.00). Held out (quality eval
// --held-out, too slow for a unit test causally) 1.6.0 scores 76.65 and 69.43.
func TestNABScore(t *testing.T) {
	c := loadCorpus(t)
	for _, mode := range []struct {
		name string
		nab  bool
		want float64
	}{{"NAB", true, 76}, {"causal", false, 68}} {
		scores := make([][]float64, len(c.Series))
		for i, s := range c.Series {
			interval := s.MedianSpacing().Milliseconds()
			var sc *quality.Scorer
			if mode.nab {
				sc = quality.NewNABScorer(quality.Embedded(), s.Values, interval)
			} else {
				sc = quality.NewCausalScorer(quality.Embedded(), 0, 0, interval)
			}
			scores[i] = make([]float64, len(s.Values))
			for j, v := range s.Values {
				scores[i][j] = sc.Score(v)
			}
		}
		results := c.Score(scores)
		for _, r := range results {
			t.Logf("%s mode, %s: %.2f (threshold %.4f, TP %d FP %d FN %d) %v", mode.name, r.Profile, r.Score, r.Threshold, r.TP, r.FP, r.FN, r.Categories)
		}
		require.GreaterOrEqual(t, results[0].Score, mode.want, "NAB standard in %s mode", mode.name)
	}
}
