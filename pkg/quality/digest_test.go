package quality_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/nab"
	"github.com/thalamus-network/thalamus/pkg/quality"
)

// scoresDigests are the SHA-256 of every score a model gives the corpus, in NAB and in
// causal mode: the 1.5.0 file's detector alone (1.1.0 to 1.5.0 left the detector as it was)
// and the embedded model's anomaly score (Scorer: 1.6.0 adds the level's evidence, a spatial
// margin in typical steps and a quiet warm-up). They pin the behaviour: speedups must not
// change a single bit (the first implementation gave the detector's digest too); a deliberate
// change of the model updates the embedded one.
const (
	detectorDigest = "6ee87d4afcedc722158311ecf168fbdd3b596ee6b795b73c25ed4b742d9254cf"
	scorerDigest   = "878233e8125df2328c06b136887fca1f79c739b752d5147504caa1d4827cd118"
)

func TestScoresAreUnchanged(t *testing.T) {
	c := loadCorpus(t)
	old := testModel(t, "testdata/model-1.5.0.json", model150Hash)
	detector, scorer := sha256.New(), sha256.New()
	for _, s := range c.Series {
		a, b := quality.NewNABDetector(old, s.Values), quality.NewCausalDetector(old, 0, 0)
		interval := s.MedianSpacing().Milliseconds()
		x, y := quality.NewNABScorer(quality.Embedded(), s.Values, interval), quality.NewCausalScorer(quality.Embedded(), 0, 0, interval)
		for _, v := range s.Values {
			_ = binary.Write(detector, binary.BigEndian, math.Float64bits(a.Score(v)))
			_ = binary.Write(detector, binary.BigEndian, math.Float64bits(b.Score(v)))
			_ = binary.Write(scorer, binary.BigEndian, math.Float64bits(x.Score(v)))
			_ = binary.Write(scorer, binary.BigEndian, math.Float64bits(y.Score(v)))
		}
	}
	require.Equal(t, detectorDigest, hex.EncodeToString(detector.Sum(nil)), "the detector of 1.1.0 to 1.5.0")
	require.Equal(t, scorerDigest, hex.EncodeToString(scorer.Sum(nil)), "the embedded model's anomaly score")
}

// streamDigests are the SHA-256 of the production stream's verdicts (every reading's flags and
// score, every batch's score) over the corpus as sent, then with each fault kind injected into
// every series, for the embedded model and for the 1.2.0 to 1.5.0 files (validators may run
// them during a rollout): the checks' speedups must not change one, and neither must a new
// model change an old model's verdicts. A deliberate change of the embedded model updates its
// digest.
var streamDigests = []struct{ file, hash, digest string }{
	{"", "", "d5b93fae4a4eb7a1140aff1dea947e2907ecbec3a07efc52ba5471a72df017ea"}, // the embedded model, 1.6.0
	{"testdata/model-1.5.0.json", model150Hash, "1887112e1f2980a2caf5c885f19679286676c72fbda1917de2314d95f28c00f3"},
	{"testdata/model-1.4.0.json", model140Hash, "99b473d49ae87ea30dbd9775270ad2facb8a5a536099ea6af0ce86f203e88f15"},
	{"testdata/model-1.3.0.json", model130Hash, "498ab7c988955724cc16bb3a71075152662106f222aac20652cf11976363ce80"},
	{"testdata/model-1.2.0.json", model120Hash, "237877e2789a7acd414e79f571dfd2d5df4c20c7bb442f6018da998064f68d8b"},
}

func TestStreamVerdictsAreUnchanged(t *testing.T) {
	c := loadCorpus(t)
	for _, d := range streamDigests {
		m := quality.Embedded()
		if d.file != "" {
			m = testModel(t, d.file, d.hash)
		}
		require.Equal(t, d.digest, streamVerdictsDigest(t, m, c), "model %s", m.Params.Version)
	}
}

func streamVerdictsDigest(t *testing.T, m quality.Model, c *nab.Corpus) string {
	h := sha256.New()
	for _, s := range c.Series {
		runs := [][]float64{s.Values}
		for i, kind := range quality.FaultKinds {
			rng := rand.New(rand.NewSource(int64(i)))
			start := len(s.Values) / 2
			faulty, err := quality.InjectFault(s.Values, kind, start, quality.FaultSpan(kind, 50), 1, rng)
			require.NoError(t, err)
			runs = append(runs, faulty)
		}
		interval := s.Timestamps[1].Sub(s.Timestamps[0]).Milliseconds()
		for _, values := range runs {
			st := quality.NewStream(m, 0, 0, interval)
			for from := 0; from < len(values); from += 100 {
				batch := make([]quality.Reading, 0, 100)
				for i := from; i < min(from+100, len(values)); i++ {
					batch = append(batch, quality.Reading{TimestampMs: s.Timestamps[i].UnixMilli(), Value: values[i]})
				}
				res := st.ScoreBatch(batch)
				for _, r := range res.Readings {
					_ = binary.Write(h, binary.BigEndian, r.Flags)
					_ = binary.Write(h, binary.BigEndian, math.Float64bits(r.Anomaly))
				}
				_ = binary.Write(h, binary.BigEndian, res.Score)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
