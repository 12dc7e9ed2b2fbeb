package keeper

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/internal/queue"
)

// EndBlocker handles due lease events (run dry, grace over, expiry) and then due provider
// unbondings, at most max_settlements_per_block in all, then matches waiting standing orders
// (max_order_matches_per_block) and expires due ones, then closes missed proof-of-work
// windows and issues due challenges (max_challenges_per_block each). Each runs in a cache context: a
// failure is logged and retried next block, never halting the chain.
func (k Keeper) EndBlocker(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	limit := int(params.MaxSettlementsPerBlock)
	leases, err := queue.Due(ctx, k.LeaseQueue, sdkCtx.BlockHeight(), limit)
	if err != nil {
		return err
	}
	for _, key := range leases {
		// leaseEvent moves or removes the lease's queue entry itself.
		k.inCache(ctx, "lease event", key.K2(), func(ctx context.Context) error {
			return k.leaseEvent(ctx, params, key.K1(), key.K2())
		})
	}
	unbondings, err := queue.Due(ctx, k.UnbondingQueue, sdkCtx.BlockHeight(), limit-len(leases))
	if err != nil {
		return err
	}
	for _, key := range unbondings {
		k.inCache(ctx, "provider unbonding "+key.K2().String(), uint64(key.K1()), func(ctx context.Context) error {
			if err := k.completeUnbonding(ctx, key.K2()); err != nil {
				return err
			}
			return k.UnbondingQueue.Remove(ctx, key)
		})
	}
	if err := k.orderEndBlock(ctx, params); err != nil {
		return err
	}
	return k.challengeEndBlock(ctx, params)
}
