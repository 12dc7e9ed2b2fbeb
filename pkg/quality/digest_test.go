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

// scoresDigest is the SHA-256 of every score the embedded model gives the corpus, in NAB
// and in causal mode. It pins the detector's behaviour: speedups must not change a single
// bit (the first implementation gave this digest too); a deliberate change of the model
// updates it.
const scoresDigest = "6ee87d4afcedc722158311ecf168fbdd3b596ee6b795b73c25ed4b742d9254cf"

func TestScoresAreUnchanged(t *testing.T) {
	c := loadCorpus(t)
	h := sha256.New()
	for _, s := range c.Series {
		a := quality.NewNABDetector(quality.Embedded(), s.Values)
		b := quality.NewCausalDetector(quality.Embedded(), 0, 0)
		for _, v := range s.Values {
			_ = binary.Write(h, binary.BigEndian, math.Float64bits(a.Score(v)))
			_ = binary.Write(h, binary.BigEndian, math.Float64bits(b.Score(v)))
		}
	}
	require.Equal(t, scoresDigest, hex.EncodeToString(h.Sum(nil)))
}

// streamDigests are the SHA-256 of the production stream's verdicts (every reading's flags and
// score, every batch's score) over the corpus as sent, then with each fault kind injected into
// every series, for the embedded model and for the 1.2.0, 1.3.0 and 1.4.0 files (validators may run
// them during a rollout): the checks' speedups must not change one, and neither must a new
// model change an old model's verdicts. A deliberate change of the embedded model updates its
// digest.
var streamDigests = []struct{ file, hash, digest string }{
	{"", "", "1887112e1f2980a2caf5c885f19679286676c72fbda1917de2314d95f28c00f3"}, // the embedded model, 1.5.0
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
