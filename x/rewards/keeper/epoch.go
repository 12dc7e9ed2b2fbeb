package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/x/internal/events"
	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// EndBlock closes the current epoch on its last block: it mints the epoch's emission, splits
// it, and opens the next epoch. The work is constant per block (no loop over recipients). It
// runs in a cache context: if minting or funding the community pool fails, the epoch stays
// open and closes on a later block, and the chain goes on.
func (k Keeper) EndBlock(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	epoch, err := k.CurrentEpoch.Get(ctx)
	if err != nil {
		return err
	}
	height := sdkCtx.BlockHeight()
	if height < k.lastHeight(params, epoch) {
		return nil
	}
	cacheCtx, write := sdkCtx.CacheContext()
	if err := k.closeEpoch(cacheCtx, params, epoch, height); err != nil {
		sdkCtx.Logger().Error("x/rewards: epoch not closed, retrying next block", "epoch", epoch.Number, "err", err)
		return nil
	}
	write()
	return nil
}

// lastHeight is the epoch's last block.
func (Keeper) lastHeight(params types.Params, epoch types.Epoch) int64 {
	return epoch.StartHeight + int64(params.EpochBlocks) - 1
}

// project fills in what the epoch would mint and pay if it closed now.
func (k Keeper) project(ctx context.Context, params types.Params, epoch types.Epoch) (types.Epoch, string, error) {
	denom, err := k.stakingKeeper.BondDenom(ctx)
	if err != nil {
		return epoch, "", err
	}
	supply := k.bankKeeper.GetSupply(ctx, denom).Amount
	units := make([]math.LegacyDec, len(epoch.Pools))
	for i, p := range epoch.Pools {
		units[i] = p.Units
	}
	epoch.Utilization = types.Utilization(epoch.GpuHours, epoch.LeasedGpuHours)
	epoch.Emission = params.EpochEmission(epoch.Number, supply)
	epoch.Pools, epoch.Community = params.Split(epoch.Emission, epoch.Utilization, units)
	epoch.SupplyAfter = supply.Add(epoch.Emission)
	return epoch, denom, nil
}

// closeEpoch mints and splits the epoch's emission, records the epoch with its rewards per
// unit, and opens the next one.
func (k Keeper) closeEpoch(ctx context.Context, params types.Params, epoch types.Epoch, height int64) error {
	epoch, denom, err := k.project(ctx, params, epoch)
	if err != nil {
		return err
	}
	epoch.EndHeight = height
	if epoch.Emission.IsPositive() {
		if err := k.bankKeeper.MintCoins(ctx, types.ModuleName, sdk.NewCoins(sdk.NewCoin(denom, epoch.Emission))); err != nil {
			return err
		}
	}
	if epoch.Community.IsPositive() {
		if err := k.distrKeeper.FundCommunityPool(ctx, sdk.NewCoins(sdk.NewCoin(denom, epoch.Community)),
			authtypes.NewModuleAddress(types.ModuleName)); err != nil {
			return err
		}
	}
	allocated := epoch.Emission.Sub(epoch.Community)
	if err := addInt(ctx, k.Outstanding.Get, k.Outstanding.Set, allocated); err != nil {
		return err
	}
	if err := addInt(ctx, k.TotalMinted.Get, k.TotalMinted.Set, epoch.Emission); err != nil {
		return err
	}
	if err := k.Epochs.Set(ctx, epoch.Number, epoch); err != nil {
		return err
	}
	if err := k.CurrentEpoch.Set(ctx, types.NewEpoch(epoch.Number+1, height+1)); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventEpochClosed{Epoch: epoch})
}

// addInt adds delta to an Int item.
func addInt(ctx context.Context, get func(context.Context) (math.Int, error), set func(context.Context, math.Int) error, delta math.Int) error {
	v, err := get(ctx)
	if err != nil {
		return err
	}
	return set(ctx, v.Add(delta))
}

// EpochNumber is the open epoch's number; 0 before the first block opens epoch 0.
func (k Keeper) EpochNumber(ctx context.Context) (uint64, error) {
	epoch, err := k.CurrentEpoch.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return 0, nil
	}
	return epoch.Number, err
}
