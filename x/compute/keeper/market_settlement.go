package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/events"
)

// setLease writes a lease, reschedules it in the lease queue and keeps its indexes in step
// with old (nil for a new lease).
func (k Keeper) setLease(ctx context.Context, params types.Params, old *types.Lease, lease types.Lease) error {
	tenant, err := k.addressCodec.StringToBytes(lease.Tenant)
	if err != nil {
		return err
	}
	provider, err := k.addressCodec.StringToBytes(lease.Provider)
	if err != nil {
		return err
	}
	lease.NextEventHeight = lease.NextEvent(params.GraceBlocks)
	// Only index entries that change are written: IAVL stores a rewrite of an unchanged entry
	// as a new version.
	stateChanged, eventMoved := old == nil || old.State != lease.State, old == nil || old.NextEventHeight != lease.NextEventHeight
	if old == nil {
		if err := k.LeasesByTenant.Set(ctx, collections.Join(sdk.AccAddress(tenant), lease.Id)); err != nil {
			return err
		}
		if err := k.LeasesByProvider.Set(ctx, collections.Join(sdk.AccAddress(provider), lease.Id)); err != nil {
			return err
		}
	} else {
		if stateChanged {
			if err := k.LeasesByState.Remove(ctx, collections.Join(int32(old.State), lease.Id)); err != nil {
				return err
			}
		}
		if eventMoved && old.NextEventHeight != 0 {
			if err := k.LeaseQueue.Remove(ctx, collections.Join(old.NextEventHeight, lease.Id)); err != nil {
				return err
			}
		}
	}
	if stateChanged {
		if err := k.LeasesByState.Set(ctx, collections.Join(int32(lease.State), lease.Id)); err != nil {
			return err
		}
		openKey := collections.Join(sdk.AccAddress(provider), lease.Id)
		if lease.State == types.LEASE_STATE_CLOSED {
			err = k.OpenLeases.Remove(ctx, openKey)
		} else {
			err = k.OpenLeases.Set(ctx, openKey)
		}
		if err != nil {
			return err
		}
	}
	if eventMoved && lease.NextEventHeight != 0 {
		if err := k.LeaseQueue.Set(ctx, collections.Join(lease.NextEventHeight, lease.Id)); err != nil {
			return err
		}
	}
	return k.Leases.Set(ctx, lease.Id, lease)
}

// settle pays the lease's due amount out of escrow: the take rate to the community pool,
// the rest to the provider.
func (k Keeper) settle(ctx context.Context, params types.Params, lease *types.Lease) (toProvider sdk.Coin, err error) {
	denom := lease.PricePerGpuHour.Denom
	due := lease.Due()
	take := params.TakeRate.MulInt(due).TruncateInt()
	toProvider = sdk.NewCoin(denom, due.Sub(take))
	if toProvider.IsPositive() {
		provider, err := k.addressCodec.StringToBytes(lease.Provider)
		if err != nil {
			return toProvider, err
		}
		if err := k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.ModuleName, provider, sdk.NewCoins(toProvider)); err != nil {
			return toProvider, errorsmod.Wrap(err, "pay provider")
		}
	}
	if take.IsPositive() {
		if err := k.distrKeeper.FundCommunityPool(ctx, sdk.NewCoins(sdk.NewCoin(denom, take)), authtypes.NewModuleAddress(types.ModuleName)); err != nil {
			return toProvider, errorsmod.Wrap(err, "fund community pool")
		}
	}
	lease.Escrow.Amount = lease.Escrow.Amount.Sub(due)
	lease.Paid.Amount = lease.Paid.Amount.Add(due)
	return toProvider, events.Emit(ctx, &types.EventLeaseSettled{
		LeaseId: lease.Id, Provider: lease.Provider, BilledBlocks: lease.BilledBlocks,
		ProviderAmount: toProvider, Take: sdk.NewCoin(denom, take), Escrow: lease.Escrow,
	})
}

// withdraw accrues a lease up to the current height and settles it.
func (k Keeper) withdraw(ctx context.Context, params types.Params, lease types.Lease) (sdk.Coin, error) {
	old := lease
	lease.AccrueTo(sdk.UnwrapSDKContext(ctx).BlockHeight())
	paid, err := k.settle(ctx, params, &lease)
	if err != nil {
		return paid, err
	}
	return paid, k.setLease(ctx, params, &old, lease)
}

// closeLease accrues the lease up to height, settles it, refunds the rest of the escrow to
// the tenant and frees its GPUs. closedBy is empty when the chain closes the lease.
func (k Keeper) closeLease(ctx context.Context, params types.Params, lease types.Lease, height int64,
	reason types.LeaseCloseReason, closedBy string,
) (paid, refunded sdk.Coin, err error) {
	old := lease
	lease.AccrueTo(height)
	if paid, err = k.settle(ctx, params, &lease); err != nil {
		return paid, refunded, err
	}
	refunded = lease.Escrow
	if refunded.IsPositive() {
		tenant, err := k.addressCodec.StringToBytes(lease.Tenant)
		if err != nil {
			return paid, refunded, err
		}
		if err := k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.ModuleName, tenant, sdk.NewCoins(refunded)); err != nil {
			return paid, refunded, errorsmod.Wrap(err, "refund tenant")
		}
	}
	if err := k.releaseGPUs(ctx, lease); err != nil {
		return paid, refunded, err
	}
	lease.Escrow.Amount = math.ZeroInt()
	lease.State = types.LEASE_STATE_CLOSED
	lease.CloseReason = reason
	lease.ClosedHeight = sdk.UnwrapSDKContext(ctx).BlockHeight()
	if err := k.setLease(ctx, params, &old, lease); err != nil {
		return paid, refunded, err
	}
	return paid, refunded, events.Emit(ctx, &types.EventLeaseClosed{
		LeaseId: lease.Id, Reason: reason, ClosedBy: closedBy, Refunded: refunded,
	})
}

// releaseGPUs makes a closing lease's GPUs available again (jailed ones stay jailed) and
// returns their capacity to the offer they came from, if it is still open.
func (k Keeper) releaseGPUs(ctx context.Context, lease types.Lease) error {
	for _, id := range lease.GpuIds {
		gpu, err := k.GPUs.Get(ctx, id)
		if err != nil {
			return err
		}
		if gpu.LeaseId != lease.Id {
			continue
		}
		gpu.LeaseId = 0
		if gpu.Status == types.GPU_STATUS_LEASED {
			gpu.Status = types.GPU_STATUS_AVAILABLE
		}
		if err := k.saveGPU(ctx, gpu); err != nil {
			return err
		}
	}
	offer, err := k.Offers.Get(ctx, lease.OfferId)
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	old := offer
	offer.LeasedGpus -= min(offer.LeasedGpus, uint32(len(lease.GpuIds)))
	return k.setOffer(ctx, &old, offer)
}

// pause settles a lease whose escrow ran dry at height and holds its GPUs for grace_blocks.
func (k Keeper) pause(ctx context.Context, params types.Params, lease types.Lease, height int64) error {
	old := lease
	lease.AccrueTo(height)
	if _, err := k.settle(ctx, params, &lease); err != nil {
		return err
	}
	lease.State = types.LEASE_STATE_PAUSED
	lease.PausedHeight = height
	if err := k.setLease(ctx, params, &old, lease); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventLeasePaused{
		LeaseId: lease.Id, PausedHeight: height, GraceEndHeight: lease.NextEvent(params.GraceBlocks),
	})
}

// leaseEvent handles a lease whose queue height has come: it expires, pauses or closes it.
func (k Keeper) leaseEvent(ctx context.Context, params types.Params, at int64, id uint64) error {
	lease, err := k.Leases.Get(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case lease.State == types.LEASE_STATE_PENDING:
		_, _, err = k.closeLease(ctx, params, lease, at, types.LEASE_CLOSE_REASON_NOT_STARTED, "")
	case at >= lease.EndHeight:
		_, _, err = k.closeLease(ctx, params, lease, lease.EndHeight, types.LEASE_CLOSE_REASON_EXPIRED, "")
	case lease.State == types.LEASE_STATE_PAUSED:
		_, _, err = k.closeLease(ctx, params, lease, at, types.LEASE_CLOSE_REASON_INSUFFICIENT_FUNDS, "")
	case lease.State == types.LEASE_STATE_ACTIVE:
		err = k.pause(ctx, params, lease, at)
	default:
		err = errorsmod.Wrapf(types.ErrLeaseClosed, "lease %d is queued at %d but %s", id, at, lease.State)
	}
	return err
}
