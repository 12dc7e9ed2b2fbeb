package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/events"
	"github.com/thalamus-network/thalamus/x/internal/queue"
)

// EndBlocker handles due lease events (run dry, grace over, expiry) and then due provider
// unbondings, at most max_settlements_per_block in all, then closes missed proof-of-work
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
	return k.challengeEndBlock(ctx, params)
}

// completeUnbonding returns the collateral, deletes the provider and its retired GPUs
// (freeing their UUIDs); jailed GPUs stay so their UUIDs remain blocked.
func (k Keeper) completeUnbonding(ctx context.Context, owner sdk.AccAddress) error {
	provider, err := k.Providers.Get(ctx, owner)
	if err != nil {
		return err
	}
	if provider.Status != types.PROVIDER_STATUS_UNBONDING {
		return fmt.Errorf("provider %s is %s, not unbonding", provider.Address, provider.Status)
	}
	gpus, err := k.providerGPUs(ctx, owner)
	if err != nil {
		return err
	}
	for _, g := range gpus {
		if g.Status == types.GPU_STATUS_RETIRED {
			// Its place in the challenge schedule goes with it, so no stale entry outlives the
			// record (an exported and re-imported chain would not have it).
			if g.NextChallengeHeight != 0 {
				if err := k.ChallengeSchedule.Remove(ctx, collections.Join(g.NextChallengeHeight, g.Id)); err != nil {
					return err
				}
			}
			if err := k.GPUs.Remove(ctx, g.Id); err != nil {
				return err
			}
		}
	}
	if provider.Collateral.IsPositive() {
		if err := k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.ModuleName, owner, sdk.NewCoins(provider.Collateral)); err != nil {
			return err
		}
	}
	if err := k.Providers.Remove(ctx, owner); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventProviderUnbonded{Provider: provider.Address, CollateralReturned: provider.Collateral})
}

// EscrowInvariant checks that the module account holds exactly the providers' collateral
// (unbonding included) plus the escrow of every open lease.
func (k Keeper) EscrowInvariant(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	denom := params.MinProviderCollateral.Denom
	collateral, escrow := math.ZeroInt(), math.ZeroInt()
	if err := k.Providers.Walk(ctx, nil, func(_ sdk.AccAddress, p types.Provider) (bool, error) {
		if p.Collateral.Denom != denom {
			return true, fmt.Errorf("provider %s holds collateral in %s", p.Address, p.Collateral.Denom)
		}
		collateral = collateral.Add(p.Collateral.Amount)
		return false, nil
	}); err != nil {
		return err
	}
	if err := k.Leases.Walk(ctx, nil, func(id uint64, l types.Lease) (bool, error) {
		switch {
		case l.Escrow.Denom != denom || l.Escrow.IsNegative():
			return true, fmt.Errorf("lease %d holds escrow %s", id, l.Escrow)
		case l.State == types.LEASE_STATE_CLOSED && !l.Escrow.IsZero():
			return true, fmt.Errorf("closed lease %d still holds escrow %s", id, l.Escrow)
		case l.Due().IsNegative():
			return true, fmt.Errorf("lease %d paid %s, more than its %d billed blocks cost", id, l.Paid, l.BilledBlocks)
		}
		escrow = escrow.Add(l.Escrow.Amount)
		return false, nil
	}); err != nil {
		return err
	}
	held := k.bankKeeper.GetBalance(ctx, authtypes.NewModuleAddress(types.ModuleName), denom)
	if !held.Amount.Equal(collateral.Add(escrow)) {
		return fmt.Errorf("x/compute module account holds %s but providers bonded %s%s and leases escrow %s%s",
			held, collateral, denom, escrow, denom)
	}
	return nil
}
