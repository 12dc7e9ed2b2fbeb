package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/events"
)

// CreateOffer opens the provider's offer for one class, backed by its available GPUs.
func (k msgServer) CreateOffer(ctx context.Context, msg *types.MsgCreateOffer) (*types.MsgCreateOfferResponse, error) {
	owner, ownerStr, params, err := k.offerTerms(ctx, msg.Provider, msg.PricePerGpuHour, msg.MinLeaseHours, msg.MaxLeaseHours, msg.Gpus)
	if err != nil {
		return nil, err
	}
	if !params.HasGpuClass(msg.Class) {
		return nil, errorsmod.Wrapf(types.ErrUnknownGPUClass, "%q", msg.Class)
	}
	if _, err := k.activeProvider(ctx, owner, ownerStr); err != nil {
		return nil, err
	}
	if existing, err := k.Offers.Indexes.ProviderClass.MatchExact(ctx, collections.Join(owner, msg.Class)); err == nil {
		return nil, errorsmod.Wrapf(types.ErrOfferExists, "offer %d; use update-offer", existing)
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	if err := k.requireAvailableGPUs(ctx, owner, msg.Class, msg.Gpus); err != nil {
		return nil, err
	}
	id, err := k.NextOfferID.Next(ctx)
	if err != nil {
		return nil, err
	}
	offer := types.Offer{
		Id: id, Provider: ownerStr, Class: msg.Class, PricePerGpuHour: msg.PricePerGpuHour,
		MinLeaseHours: msg.MinLeaseHours, MaxLeaseHours: msg.MaxLeaseHours, Gpus: msg.Gpus,
		CreatedHeight: sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}
	if err := k.setOffer(ctx, nil, offer); err != nil {
		return nil, err
	}
	return &types.MsgCreateOfferResponse{OfferId: id}, events.Emit(ctx, &types.EventOfferCreated{
		OfferId: id, Provider: ownerStr, Class: msg.Class, PricePerGpuHour: msg.PricePerGpuHour, Gpus: msg.Gpus,
	})
}

// UpdateOffer replaces an offer's terms; leases already made keep theirs.
func (k msgServer) UpdateOffer(ctx context.Context, msg *types.MsgUpdateOffer) (*types.MsgUpdateOfferResponse, error) {
	owner, ownerStr, _, err := k.offerTerms(ctx, msg.Provider, msg.PricePerGpuHour, msg.MinLeaseHours, msg.MaxLeaseHours, msg.Gpus)
	if err != nil {
		return nil, err
	}
	offer, err := k.ownOffer(ctx, msg.OfferId, ownerStr)
	if err != nil {
		return nil, err
	}
	if _, err := k.activeProvider(ctx, owner, ownerStr); err != nil {
		return nil, err
	}
	// GPUs already leased through the offer stay counted in it.
	if msg.Gpus < offer.LeasedGpus {
		return nil, errorsmod.Wrapf(types.ErrInvalidOffer, "offer %d has %d GPUs leased; gpus cannot drop below that", offer.Id, offer.LeasedGpus)
	}
	if err := k.requireAvailableGPUs(ctx, owner, offer.Class, msg.Gpus-offer.LeasedGpus); err != nil {
		return nil, err
	}
	old := offer
	offer.PricePerGpuHour, offer.MinLeaseHours, offer.MaxLeaseHours, offer.Gpus = msg.PricePerGpuHour, msg.MinLeaseHours, msg.MaxLeaseHours, msg.Gpus
	if err := k.setOffer(ctx, &old, offer); err != nil {
		return nil, err
	}
	return &types.MsgUpdateOfferResponse{}, events.Emit(ctx, &types.EventOfferUpdated{
		OfferId: offer.Id, PricePerGpuHour: offer.PricePerGpuHour, MinLeaseHours: offer.MinLeaseHours,
		MaxLeaseHours: offer.MaxLeaseHours, Gpus: offer.Gpus,
	})
}

// CloseOffer removes an offer and its place in the price index.
func (k msgServer) CloseOffer(ctx context.Context, msg *types.MsgCloseOffer) (*types.MsgCloseOfferResponse, error) {
	_, ownerStr, err := k.decodeAddress(msg.Provider)
	if err != nil {
		return nil, err
	}
	offer, err := k.ownOffer(ctx, msg.OfferId, ownerStr)
	if err != nil {
		return nil, err
	}
	if err := k.removeOffer(ctx, offer); err != nil {
		return nil, err
	}
	return &types.MsgCloseOfferResponse{}, events.Emit(ctx, &types.EventOfferClosed{OfferId: offer.Id, Provider: ownerStr})
}

// offerTerms decodes the provider address and validates the terms shared by create and update.
func (k Keeper) offerTerms(ctx context.Context, provider string, price sdk.Coin, minHours, maxHours, gpus uint32) (sdk.AccAddress, string, types.Params, error) {
	owner, ownerStr, err := k.decodeAddress(provider)
	if err != nil {
		return nil, "", types.Params{}, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, "", types.Params{}, err
	}
	err = types.ValidateOfferTerms(price, params.MinProviderCollateral.Denom, minHours, maxHours, gpus)
	return owner, ownerStr, params, err
}

// ownOffer loads an offer and checks that provider owns it.
func (k Keeper) ownOffer(ctx context.Context, id uint64, provider string) (types.Offer, error) {
	offer, err := load(ctx, k.Offers, id, types.ErrOfferNotFound)
	if err != nil {
		return offer, err
	}
	if offer.Provider != provider {
		return offer, errorsmod.Wrapf(types.ErrNotOfferOwner, "offer %d belongs to %s", id, offer.Provider)
	}
	return offer, nil
}

// requireAvailableGPUs checks that the provider has at least n available GPUs of class.
func (k Keeper) requireAvailableGPUs(ctx context.Context, owner sdk.AccAddress, class string, n uint32) error {
	gpus, err := k.providerGPUs(ctx, owner)
	if err != nil {
		return err
	}
	var available uint32
	for _, g := range gpus {
		if g.Class == class && g.Status == types.GPU_STATUS_AVAILABLE && !g.Down {
			available++
		}
	}
	if available < n {
		return errorsmod.Wrapf(types.ErrNotEnoughGPUs, "offer of %d %s GPUs, %d available", n, class, available)
	}
	return nil
}

// setOffer writes an offer, moves its price-index entry and market counts from old (if
// any) and, when it can serve more than before, queues its class's waiting orders for
// matching. Only offers with a free GPU are in the price index, so matching never walks over
// full offers.
func (k Keeper) setOffer(ctx context.Context, old *types.Offer, offer types.Offer) error {
	if old != nil && hasFreeGPUs(*old) {
		if err := k.OffersByPrice.Remove(ctx, priceKey(*old)); err != nil {
			return err
		}
	}
	if err := k.Offers.Set(ctx, offer.Id, offer); err != nil {
		return err
	}
	if err := k.countOffer(ctx, old, &offer); err != nil {
		return err
	}
	if !hasFreeGPUs(offer) {
		return nil
	}
	if err := k.OffersByPrice.Set(ctx, priceKey(offer)); err != nil {
		return err
	}
	if old != nil && !servesMore(*old, offer) {
		return nil
	}
	return k.queueMatching(ctx, offer.Class)
}

// servesMore says whether offer can serve a request that old could not: more free GPUs, a
// lower price or wider lease bounds.
func servesMore(old, offer types.Offer) bool {
	return offer.Gpus-offer.LeasedGpus > old.Gpus-min(old.Gpus, old.LeasedGpus) ||
		offer.PricePerGpuHour.Amount.LT(old.PricePerGpuHour.Amount) ||
		offer.MinLeaseHours < old.MinLeaseHours || offer.MaxLeaseHours > old.MaxLeaseHours
}

func (k Keeper) removeOffer(ctx context.Context, offer types.Offer) error {
	if hasFreeGPUs(offer) {
		if err := k.OffersByPrice.Remove(ctx, priceKey(offer)); err != nil {
			return err
		}
	}
	if err := k.Offers.Remove(ctx, offer.Id); err != nil {
		return err
	}
	return k.countOffer(ctx, &offer, nil)
}

func hasFreeGPUs(o types.Offer) bool { return o.Gpus > o.LeasedGpus }

// priceKey places an offer in the (class, price, id) matching order; ids break ties oldest first.
func priceKey(o types.Offer) collections.Pair[string, PriceID] {
	return collections.Join(o.Class, collections.Join(o.PricePerGpuHour.Amount.Uint64(), o.Id))
}
