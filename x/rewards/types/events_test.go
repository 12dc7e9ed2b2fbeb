package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// FuzzEventWorkRecordedAttributes: the attributes EventWorkRecorded writes itself are exactly
// those the SDK derives for a typed event, so indexers and ParseTypedEvent read it as any other.
func FuzzEventWorkRecordedAttributes(f *testing.F) {
	f.Add("thalamus1xyz", uint64(3), int32(2), "device/7", int64(600), int64(5400), uint8(9))
	f.Add("", uint64(0), int32(0), "\u2028\x00é\"<>&", int64(0), int64(-1), uint8(0))
	f.Add("a", uint64(1<<63), int32(99), "validator/x", int64(1), int64(1<<62), uint8(18))
	f.Add("b", uint64(1), int32(1), "device/1", int64(5), int64(5), uint8(255))
	f.Add("c", uint64(1), int32(1), "device/1", int64(0), int64(0), uint8(0)) // nil decimals
	f.Fuzz(func(t *testing.T, address string, epoch uint64, pool int32, source string, quantity, units int64, prec uint8) {
		if nilDecs := quantity == 0 && units == 0 && prec == 0; nilDecs { // a zero-value event: nil decimals
			e := &types.EventWorkRecorded{Address: address, Epoch: epoch, Pool: types.Pool(pool), Source: source}
			want, err := sdk.TypedEventToEvent(e)
			require.NoError(t, err)
			require.Equal(t, want.Attributes, e.EventAttributes())
			return
		}
		e := &types.EventWorkRecorded{Address: address, Epoch: epoch, Pool: types.Pool(pool), Source: source,
			Quantity: math.LegacyNewDecWithPrec(quantity, int64(prec%19)), Units: math.LegacyNewDecWithPrec(units, int64((prec+3)%19))}
		want, err := sdk.TypedEventToEvent(e)
		require.NoError(t, err)
		require.Equal(t, want.Attributes, e.EventAttributes())
	})
}
