package quality_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/quality"
)

// TestStateStaysSmall runs a production stream (checks, baseline and detector) over every
// corpus file at its median spacing and checks each stream's saved state against the 64 KiB
// budget: the baseline's day and week of levels are the largest part at 5-minute readings.
func TestStateStaysSmall(t *testing.T) {
	c := loadCorpus(t)
	largest, name := 0, ""
	for _, s := range c.Series {
		steps := make([]int64, 0, len(s.Timestamps))
		readings := make([]quality.Reading, len(s.Values))
		for i, v := range s.Values {
			readings[i] = quality.Reading{TimestampMs: s.Timestamps[i].UnixMilli(), Value: v}
			if i > 0 {
				steps = append(steps, readings[i].TimestampMs-readings[i-1].TimestampMs)
			}
		}
		slices.Sort(steps)
		stream := quality.NewStream(quality.Embedded(), 0, 0, steps[len(steps)/2])
		stream.ScoreBatch(readings)
		bz, err := stream.MarshalBinary()
		require.NoError(t, err)
		if len(bz) > largest {
			largest, name = len(bz), s.Name
		}
	}
	t.Logf("largest stream state: %d bytes (%s)", largest, name)
	require.LessOrEqual(t, largest, 64<<10)
}
