package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/events"
)

// The methods below are what proof-of-work verification and the oracle call when the
// validators' verdicts come in; no message reaches them.

// SlashCollateral moves up to amount of a provider's collateral to the community pool and
// returns what was slashed.
func (k Keeper) SlashCollateral(ctx context.Context, provider sdk.AccAddress, amount math.Int, reason string) (sdk.Coin, error) {
	p, err := load(ctx, k.Providers, provider, types.ErrProviderNotFound)
	if err != nil {
		return sdk.Coin{}, err
	}
	slashed := sdk.NewCoin(p.Collateral.Denom, math.MinInt(amount, p.Collateral.Amount))
	if !slashed.IsPositive() {
		return slashed, nil
	}
	if err := k.distrKeeper.FundCommunityPool(ctx, sdk.NewCoins(slashed), authtypes.NewModuleAddress(types.ModuleName)); err != nil {
		return slashed, errorsmod.Wrap(err, "slash to community pool")
	}
	p.Collateral = p.Collateral.Sub(slashed)
	if err := k.Providers.Set(ctx, provider, p); err != nil {
		return slashed, err
	}
	return slashed, events.Emit(ctx, &types.EventProviderSlashed{Provider: p.Address, Amount: slashed, Reason: reason})
}

// RefundTenant pays a lease's tenant up to amount out of its provider's collateral and
// returns what was paid; a provider that has already left pays nothing.
func (k Keeper) RefundTenant(ctx context.Context, leaseID uint64, amount math.Int) (sdk.Coin, error) {
	lease, err := load(ctx, k.Leases, leaseID, types.ErrLeaseNotFound)
	if err != nil {
		return sdk.Coin{}, err
	}
	provider, err := k.addressCodec.StringToBytes(lease.Provider)
	if err != nil {
		return sdk.Coin{}, err
	}
	p, err := load(ctx, k.Providers, provider, types.ErrProviderNotFound)
	if errorsmod.IsOf(err, types.ErrProviderNotFound) {
		return sdk.NewCoin(lease.PricePerGpuHour.Denom, math.ZeroInt()), nil
	} else if err != nil {
		return sdk.Coin{}, err
	}
	refund := sdk.NewCoin(p.Collateral.Denom, math.MinInt(amount, p.Collateral.Amount))
	if !refund.IsPositive() {
		return refund, nil
	}
	tenant, err := k.addressCodec.StringToBytes(lease.Tenant)
	if err != nil {
		return refund, err
	}
	if err := k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.ModuleName, tenant, sdk.NewCoins(refund)); err != nil {
		return refund, errorsmod.Wrap(err, "refund tenant")
	}
	p.Collateral = p.Collateral.Sub(refund)
	if err := k.Providers.Set(ctx, provider, p); err != nil {
		return refund, err
	}
	return refund, events.Emit(ctx, &types.EventTenantRefunded{LeaseId: leaseID, Tenant: lease.Tenant, Amount: refund})
}

// JailGPU takes a GPU out of the market; the lease holding it, if any, closes as a provider fault.
func (k Keeper) JailGPU(ctx context.Context, gpuID uint64, reason string) error {
	gpu, err := load(ctx, k.GPUs, gpuID, types.ErrGPUNotFound)
	if err != nil {
		return err
	}
	if gpu.Status == types.GPU_STATUS_JAILED {
		return nil
	}
	leaseID := gpu.LeaseId
	gpu.Status = types.GPU_STATUS_JAILED
	if err := k.GPUs.Set(ctx, gpuID, gpu); err != nil {
		return err
	}
	if err := events.Emit(ctx, &types.EventGPUJailed{GpuId: gpuID, Provider: gpu.Provider, Reason: reason}); err != nil {
		return err
	}
	if leaseID == 0 {
		return nil
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	lease, err := k.openLease(ctx, leaseID)
	if err != nil {
		return err
	}
	_, _, err = k.closeLease(ctx, params, lease, sdk.UnwrapSDKContext(ctx).BlockHeight(), types.LEASE_CLOSE_REASON_PROVIDER_FAULT, "")
	return err
}

// SetGPUScore records a GPU's verified score (0-10000).
func (k Keeper) SetGPUScore(ctx context.Context, gpuID uint64, score uint32) error {
	if score > appconsts.MaxScore {
		return errorsmod.Wrapf(types.ErrInvalidGPU, "score %d above %d", score, appconsts.MaxScore)
	}
	gpu, err := load(ctx, k.GPUs, gpuID, types.ErrGPUNotFound)
	if err != nil {
		return err
	}
	gpu.Score = score
	if err := k.GPUs.Set(ctx, gpuID, gpu); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventGPUScoreUpdated{GpuId: gpuID, Score: score})
}
