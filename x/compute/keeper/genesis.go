package keeper

import (
	"context"
	"errors"
	"maps"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/store"
)

// InitGenesis validates and writes the module's genesis state; the unbonding and lease
// queues and the lease indexes are rebuilt from the records.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, p := range gs.Providers {
		addr, err := k.addressCodec.StringToBytes(p.Address)
		if err != nil {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "provider %s: %s", p.Address, err)
		}
		if err := k.Providers.Set(ctx, addr, p); err != nil {
			return err
		}
		if p.Status == types.PROVIDER_STATUS_UNBONDING {
			if err := k.UnbondingQueue.Set(ctx, collections.Join(p.UnbondingCompleteHeight, sdk.AccAddress(addr))); err != nil {
				return err
			}
		}
	}
	for _, g := range gs.Gpus {
		if g.NextChallengeHeight != 0 {
			if err := k.ChallengeSchedule.Set(ctx, collections.Join(g.NextChallengeHeight, g.Id)); err != nil {
				return err
			}
		}
		if err := k.GPUs.Set(ctx, g.Id, g); err != nil {
			return err
		}
	}
	for _, o := range gs.Offers {
		if err := k.setOffer(ctx, nil, o); err != nil {
			return err
		}
	}
	for _, l := range gs.Leases {
		if err := k.setLease(ctx, gs.Params, nil, l); err != nil {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "lease %d: %s", l.Id, err)
		}
	}
	if err := k.NextLeaseID.Set(ctx, gs.NextLeaseId); err != nil {
		return err
	}
	for _, c := range gs.Challenges {
		provider, err := k.addressCodec.StringToBytes(c.Provider)
		if err != nil {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "challenge %d: %s", c.Id, err)
		}
		if err := k.ChallengesByProvider.Set(ctx, collections.Join(sdk.AccAddress(provider), c.Id)); err != nil {
			return err
		}
		if c.State == types.CHALLENGE_STATE_OPEN {
			if err := k.ChallengeDeadlines.Set(ctx, collections.Join(c.DeadlineHeight, c.Id)); err != nil {
				return err
			}
			if err := k.OpenChallenges.Set(ctx, collections.Join(sdk.AccAddress(provider), c.Id)); err != nil {
				return err
			}
		}
		if err := k.Challenges.Set(ctx, c.Id, c); err != nil {
			return err
		}
	}
	if err := k.NextChallengeID.Set(ctx, gs.NextChallengeId); err != nil {
		return err
	}
	if gs.PowEpoch != nil {
		if err := k.PowEpoch.Set(ctx, *gs.PowEpoch); err != nil {
			return err
		}
	}
	if err := k.NextOfferID.Set(ctx, gs.NextOfferId); err != nil {
		return err
	}
	if err := k.initOrders(ctx, gs); err != nil {
		return err
	}
	return k.NextGPUID.Set(ctx, gs.NextGpuId)
}

// initOrders writes the standing orders, then the market data: the history (prices, epoch
// counts) from genesis, the counts recounted from the records; then the matching queue.
func (k Keeper) initOrders(ctx context.Context, gs *types.GenesisState) error {
	for _, o := range gs.Orders {
		if err := k.indexOrder(ctx, o); err != nil {
			return err
		}
		if err := k.Orders.Set(ctx, o.Id, o); err != nil {
			return err
		}
	}
	if err := k.NextOrderID.Set(ctx, max(gs.NextOrderId, 1)); err != nil {
		return err
	}
	tally, err := k.tallyMarkets(ctx)
	if err != nil {
		return err
	}
	markets := make(map[string]types.ClassMarket, len(tally))
	for class := range tally {
		markets[class] = types.ClassMarket{Class: class, ClearingPrice: math.LegacyZeroDec()}
	}
	for _, m := range gs.Markets {
		markets[m.Class] = m
	}
	for _, class := range slices.Sorted(maps.Keys(markets)) { // sorted: writes in a fixed order
		m := withCounts(markets[class], tally[class])
		if err := k.Markets.Set(ctx, class, m); err != nil {
			return err
		}
	}
	for _, c := range gs.MatchCursors {
		if err := k.MatchCursors.Set(ctx, c.Class, collections.Join(c.InvertedBid, c.OrderId)); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis reads the module's state back into a genesis state.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	if gs.Providers, err = store.AllValues(ctx, k.Providers); err != nil {
		return nil, err
	}
	if gs.Gpus, err = store.AllValues(ctx, k.GPUs); err != nil {
		return nil, err
	}
	if gs.Offers, err = store.AllValues(ctx, k.Offers); err != nil {
		return nil, err
	}
	if gs.Leases, err = store.AllValues(ctx, k.Leases); err != nil {
		return nil, err
	}
	if gs.NextLeaseId, err = k.NextLeaseID.Peek(ctx); err != nil {
		return nil, err
	}
	if gs.Challenges, err = store.AllValues(ctx, k.Challenges); err != nil {
		return nil, err
	}
	if gs.NextChallengeId, err = k.NextChallengeID.Peek(ctx); err != nil {
		return nil, err
	}
	if epoch, err := k.PowEpoch.Get(ctx); err == nil {
		gs.PowEpoch = &epoch
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	if gs.NextOfferId, err = k.NextOfferID.Peek(ctx); err != nil {
		return nil, err
	}
	if gs.Orders, err = store.AllValues(ctx, k.Orders); err != nil {
		return nil, err
	}
	if gs.NextOrderId, err = k.NextOrderID.Peek(ctx); err != nil {
		return nil, err
	}
	if gs.Markets, err = store.AllValues(ctx, k.Markets); err != nil {
		return nil, err
	}
	if err := k.MatchCursors.Walk(ctx, nil, func(class string, from BidID) (bool, error) {
		gs.MatchCursors = append(gs.MatchCursors, types.MatchCursor{Class: class, InvertedBid: from.K1(), OrderId: from.K2()})
		return false, nil
	}); err != nil {
		return nil, err
	}
	gs.NextGpuId, err = k.NextGPUID.Peek(ctx)
	return gs, err
}

// PrepForZeroHeight settles every open lease at the current height and moves all heights
// so the restarted chain, which begins again at height 1, continues where this one stopped:
// deadlines (lease end, pause, unbonding completion) keep their distance from now, and past
// heights (registration, creation, closing) become 0.
func (k Keeper) PrepForZeroHeight(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	now := sdk.UnwrapSDKContext(ctx).BlockHeight()
	leases, err := store.AllValues(ctx, k.Leases)
	if err != nil {
		return err
	}
	for _, l := range leases {
		if l.State == types.LEASE_STATE_CLOSED {
			continue
		}
		if _, err := k.withdraw(ctx, params, l); err != nil {
			return err
		}
	}
	if err := rewriteAll(ctx, k.Leases, func(l types.Lease) types.Lease {
		switch l.State {
		case types.LEASE_STATE_CLOSED:
		case types.LEASE_STATE_PENDING:
			// The hours count from the confirmation: keep their length from the new creation height 0.
			l.EndHeight -= l.CreatedHeight
			l.AccruedHeight = 0
			l.StartDeadlineHeight -= now
		default:
			l.EndHeight -= now
			l.AccruedHeight -= now
			if l.State == types.LEASE_STATE_PAUSED {
				l.PausedHeight -= now
			}
		}
		l.CreatedHeight, l.ClosedHeight = 0, 0
		l.NextEventHeight = l.NextEvent(params.GraceBlocks)
		return l
	}); err != nil {
		return err
	}
	if err := rewriteAll(ctx, k.Providers, func(p types.Provider) types.Provider {
		p.RegisteredHeight = 0
		if p.Status == types.PROVIDER_STATUS_UNBONDING {
			p.UnbondingCompleteHeight = max(p.UnbondingCompleteHeight-now, 1)
		}
		return p
	}); err != nil {
		return err
	}
	if err := rewriteAll(ctx, k.GPUs, func(g types.GPU) types.GPU {
		g.RegisteredHeight = 0
		if g.NextChallengeHeight != 0 {
			g.NextChallengeHeight = max(g.NextChallengeHeight-now, 1)
		}
		return g
	}); err != nil {
		return err
	}
	if err := rewriteAll(ctx, k.Challenges, func(c types.Challenge) types.Challenge {
		if c.State == types.CHALLENGE_STATE_OPEN {
			c.DeadlineHeight = max(c.DeadlineHeight-now, 0)
		}
		c.IssuedHeight, c.SubmittedHeight = 0, 0
		return c
	}); err != nil {
		return err
	}
	if epoch, err := k.PowEpoch.Get(ctx); err == nil {
		epoch.StartHeight -= now
		if err := k.PowEpoch.Set(ctx, epoch); err != nil {
			return err
		}
	} else if !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	if err := rewriteAll(ctx, k.Orders, func(o types.Order) types.Order {
		if o.State == types.ORDER_STATE_OPEN {
			o.ExpireHeight = max(o.ExpireHeight-now, 1)
		}
		o.CreatedHeight, o.ClosedHeight = 0, 0
		return o
	}); err != nil {
		return err
	}
	return rewriteAll(ctx, k.Offers, func(o types.Offer) types.Offer { o.CreatedHeight = 0; return o })
}

// walkSetter is what rewriteAll needs from a collections Map or IndexedMap.
type walkSetter[K, V any] interface {
	store.Walker[K, V]
	Set(ctx context.Context, key K, value V) error
}

// rewriteAll replaces every value of m with update(value); it reads first, then writes, so
// the walk never sees its own writes.
func rewriteAll[K, V any](ctx context.Context, m walkSetter[K, V], update func(V) V) error {
	var keys []K
	var values []V
	if err := m.Walk(ctx, nil, func(k K, v V) (bool, error) {
		keys, values = append(keys, k), append(values, v)
		return false, nil
	}); err != nil {
		return err
	}
	for i, key := range keys {
		if err := m.Set(ctx, key, update(values[i])); err != nil {
			return err
		}
	}
	return nil
}
