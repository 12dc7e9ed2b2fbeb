package quality_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"os"
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
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("NAB corpus not available: %v", err)
	}
	c, err := nab.Load(corpusDir)
	require.NoError(t, err)
	h := sha256.New()
	for _, s := range c.Series {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range s.Values {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		a := quality.NewNABDetector(quality.Embedded(), lo, hi, len(s.Values))
		b := quality.NewCausalDetector(quality.Embedded(), 0, 0)
		for _, v := range s.Values {
			_ = binary.Write(h, binary.BigEndian, math.Float64bits(a.Score(v)))
			_ = binary.Write(h, binary.BigEndian, math.Float64bits(b.Score(v)))
		}
	}
	require.Equal(t, scoresDigest, hex.EncodeToString(h.Sum(nil)))
}
