package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	"github.com/thalamus-network/thalamus/x/rewards/keeper"
	"github.com/thalamus-network/thalamus/x/rewards/types"
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

// FuzzMsgClaimRewards decodes arbitrary bytes as MsgClaimRewards and runs the handler against
// a state where one operator has rewards waiting: it must never panic, a rejected claim must
// change nothing, and an accepted one must pay exactly what was pending.
func FuzzMsgClaimRewards(f *testing.F) {
	fx := newFixture(f)
	op := testAddress("op")
	valid, err := (&types.MsgClaimRewards{Claimant: fx.bech32(f, op)}).Marshal()
	require.NoError(f, err)
	f.Add(valid)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x03, 'a', 'b', 'c'})

	f.Fuzz(func(t *testing.T, bz []byte) {
		var msg types.MsgClaimRewards
		if err := msg.Unmarshal(bz); err != nil {
			return
		}
		fx := newFixture(t)
		require.NoError(t, fx.keeper.AddSensorWork(fx.Ctx, op, 1, 100, 10000))
		fx.endEpoch(t)
		before, err := fx.keeper.ExportGenesis(fx.Ctx)
		require.NoError(t, err)
		pending := math.ZeroInt()
		if res, err := keeper.NewQueryServerImpl(fx.keeper).PendingRewards(fx.Ctx, &types.QueryPendingRewardsRequest{Address: msg.Claimant}); err == nil {
			pending = res.Claimable.Amount
		}
		res, err := keeper.NewMsgServerImpl(fx.keeper).ClaimRewards(fx.Ctx, &msg)
		if err != nil {
			after, exportErr := fx.keeper.ExportGenesis(fx.Ctx)
			require.NoError(t, exportErr)
			require.Equal(t, before, after)
			return
		}
		require.Equal(t, pending, res.Amount.Amount)
		require.NoError(t, fx.keeper.Invariants(fx.Ctx))
	})
}
