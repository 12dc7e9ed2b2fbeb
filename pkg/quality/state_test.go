package quality_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/quality"
)

// TestStateStaysSmall runs the detector over every corpus file (causal mode) and checks the
// saved state of each stream against the 64 KiB budget.
func TestStateStaysSmall(t *testing.T) {
	c := loadCorpus(t)
	largest, name := 0, ""
	for _, s := range c.Series {
		d := quality.NewCausalDetector(quality.Embedded(), 0, 0)
		for _, v := range s.Values {
			d.Score(v)
		}
		bz, err := d.MarshalBinary()
		require.NoError(t, err)
		if len(bz) > largest {
			largest, name = len(bz), s.Name
		}
	}
	t.Logf("largest detector state: %d bytes (%s)", largest, name)
	require.LessOrEqual(t, largest, 64<<10)
}
