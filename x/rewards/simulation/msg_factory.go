package simulation

import (
	"context"

	"github.com/cosmos/cosmos-sdk/testutil/simsx"

	"github.com/thalamus-network/thalamus/x/rewards/keeper"
	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// MsgUpdateParamsFactory proposes random valid params through governance.
func MsgUpdateParamsFactory() simsx.SimMsgFactoryFn[*types.MsgUpdateParams] {
	return func(_ context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgUpdateParams) {
		return nil, &types.MsgUpdateParams{
			Authority: testData.ModuleAccountAddress(reporter, "gov"),
			Params:    GenParams(testData.Rand().Rand),
		}
	}
}

// MsgClaimRewardsFactory claims for an account that has rewards waiting in a closed epoch.
func MsgClaimRewardsFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgClaimRewards] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgClaimRewards) {
		q := keeper.NewQueryServerImpl(k)
		claimant := testData.AnyAccount(reporter, simsx.SimAccountFilterFn(func(a simsx.SimAccount) bool {
			res, err := q.PendingRewards(ctx, &types.QueryPendingRewardsRequest{Address: a.AddressBech32})
			return err == nil && res.UnclaimedEpochs > 0
		}))
		if reporter.IsSkipped() {
			return nil, nil
		}
		return []simsx.SimAccount{claimant}, &types.MsgClaimRewards{Claimant: claimant.AddressBech32}
	}
}
