package quality_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

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
