package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// FuzzEventBatchCommittedAttributes: the attributes EventBatchCommitted writes itself are
// exactly those the SDK derives for a typed event, whatever a committer puts in its strings,
// so indexers and ParseTypedEvent read it as any other typed event.
func FuzzEventBatchCommittedAttributes(f *testing.F) {
	f.Add(uint64(1), uint64(7), "abcd", uint32(600), "https://gw.example/v1/batches/1/7?a=<b>&c=\"d\"", "thalamus1xyz")
	f.Add(uint64(1<<63), uint64(0), "", uint32(0), "\u2028\x00é", "")
	f.Fuzz(func(t *testing.T, device, seq uint64, root string, count uint32, uri, committer string) {
		e := &types.EventBatchCommitted{DeviceId: device, Seq: seq, Root: root, Count: count, Uri: uri, Committer: committer}
		want, err := sdk.TypedEventToEvent(e)
		require.NoError(t, err)
		require.Equal(t, want.Attributes, e.EventAttributes())
	})
}

// FuzzEventBatchScoredAttributes: the same for EventBatchScored, whatever its flags.
func FuzzEventBatchScoredAttributes(f *testing.F) {
	f.Add(uint64(1), uint64(7), uint32(9000), uint32(8800), []byte{1, 3})
	f.Add(uint64(1<<63), uint64(0), uint32(0), uint32(0), []byte{})
	f.Add(uint64(2), uint64(2), uint32(10000), uint32(1), []byte{0, 200})
	f.Fuzz(func(t *testing.T, device, seq uint64, score, quality uint32, flags []byte) {
		e := &types.EventBatchScored{DeviceId: device, Seq: seq, Score: score, QualityScore: quality}
		for _, b := range flags {
			e.Flags = append(e.Flags, types.BatchFlag(b))
		}
		want, err := sdk.TypedEventToEvent(e)
		require.NoError(t, err)
		require.Equal(t, want.Attributes, e.EventAttributes())
	})
}
