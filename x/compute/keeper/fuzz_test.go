package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// FuzzMsgUpdateParams decodes arbitrary bytes as MsgUpdateParams and runs the handler:
// it must never panic, and a rejected message must leave the params unchanged.
func FuzzMsgUpdateParams(f *testing.F) {
	fx := newFixture(f)
	valid, err := (&types.MsgUpdateParams{Authority: fx.Authority, Params: types.DefaultParams()}).Marshal()
	require.NoError(f, err)
	f.Add(valid)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x03, 'a', 'b', 'c'})

	f.Fuzz(func(t *testing.T, bz []byte) {
		var msg types.MsgUpdateParams
		if err := msg.Unmarshal(bz); err != nil {
			return
		}
		fx := newFixture(t)
		before, err := fx.keeper.Params.Get(fx.Ctx)
		require.NoError(t, err)
		if _, err := keeper.NewMsgServerImpl(fx.keeper).UpdateParams(fx.Ctx, &msg); err != nil {
			after, getErr := fx.keeper.Params.Get(fx.Ctx)
			require.NoError(t, getErr)
			require.Equal(t, before, after)
			return
		}
		require.NoError(t, msg.Params.Validate(), "accepted params must be valid")
	})
}
