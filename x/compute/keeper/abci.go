package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

// EndBlocker completes due provider unbondings, at most max_settlements_per_block per block.
// Each one runs in a cache context: a failure is logged and retried next block, never halting the chain.
func (k Keeper) EndBlocker(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	due, err := k.dueUnbondings(ctx, sdkCtx.BlockHeight(), int(params.MaxSettlementsPerBlock))
	if err != nil {
		return err
	}
	for _, key := range due {
		cacheCtx, write := sdkCtx.CacheContext()
		if err := k.completeUnbonding(cacheCtx, key.K2()); err != nil {
			sdkCtx.Logger().Error("provider unbonding failed; retrying next block", "provider", key.K2().String(), "err", err)
			continue
		}
		write()
		if err := k.UnbondingQueue.Remove(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// dueUnbondings lists up to limit queue entries whose completion height has passed.
func (k Keeper) dueUnbondings(ctx context.Context, height int64, limit int) (due []collections.Pair[int64, sdk.AccAddress], err error) {
	iter, err := k.UnbondingQueue.Iterate(ctx, collections.NewPrefixUntilPairRange[int64, sdk.AccAddress](height))
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, iter.Close()) }()
	for ; iter.Valid() && len(due) < limit; iter.Next() {
		key, err := iter.Key()
		if err != nil {
			return nil, err
		}
		due = append(due, key)
	}
	return due, nil
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
	return emit(ctx, &types.EventProviderUnbonded{Provider: provider.Address, CollateralReturned: provider.Collateral})
}

// CollateralInvariant checks that the module account holds exactly the providers' collateral.
func (k Keeper) CollateralInvariant(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	denom := params.MinProviderCollateral.Denom
	total := sdk.NewCoin(denom, math.ZeroInt())
	if err := k.Providers.Walk(ctx, nil, func(_ sdk.AccAddress, p types.Provider) (bool, error) {
		if p.Collateral.Denom != denom {
			return true, fmt.Errorf("provider %s holds collateral in %s", p.Address, p.Collateral.Denom)
		}
		total = total.Add(p.Collateral)
		return false, nil
	}); err != nil {
		return err
	}
	held := k.bankKeeper.GetBalance(ctx, authtypes.NewModuleAddress(types.ModuleName), denom)
	if !held.Equal(total) {
		return errors.New("x/compute module account holds " + held.String() + " but providers bonded " + total.String())
	}
	return nil
}
