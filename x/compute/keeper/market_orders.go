package keeper

import (
	"context"
	"errors"
	stdmath "math"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/events"
	"github.com/thalamus-network/thalamus/x/internal/queue"
)

// Standing orders: a create-lease by class with order_ttl that no offer serves escrows its
// deposit in an open order. EndBlock matches open orders of a class when its supply grows
// (an offer with free GPUs, a GPU that becomes leasable), at most max_order_matches_per_block
// tries per block, and expires them, refunded in full, at their TTL.

// openOrder escrows the request's deposit in a new standing order; why says why nothing
// matched it now.
func (k Keeper) openOrder(ctx context.Context, params types.Params, tenant sdk.AccAddress, tenantStr string,
	msg *types.MsgCreateLease, why string,
) (uint64, error) {
	if err := k.bankKeeper.SendCoinsFromAccountToModule(ctx, tenant, types.ModuleName, sdk.NewCoins(msg.Deposit)); err != nil {
		return 0, errorsmod.Wrap(err, "escrow deposit")
	}
	id, err := k.NextOrderID.Next(ctx)
	if err != nil {
		return 0, err
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	order := types.Order{
		Id: id, Tenant: tenantStr, Class: msg.Class, Gpus: msg.Gpus, Hours: msg.Hours,
		MaxPricePerGpuHour: msg.MaxPricePerGpuHour, MinGpuScore: msg.MinGpuScore, Deposit: msg.Deposit,
		ManifestHash: msg.ManifestHash, State: types.ORDER_STATE_OPEN, CreatedHeight: height,
		ExpireHeight: height + int64(msg.OrderTtl),
		BidPrice:     types.BidPrice(params, msg.Gpus, msg.Hours, msg.MaxPricePerGpuHour, msg.Deposit),
	}
	if err := k.setOrder(ctx, nil, order); err != nil {
		return 0, err
	}
	return id, events.Emit(ctx, &types.EventOrderOpened{
		OrderId: id, Tenant: tenantStr, Class: order.Class, Gpus: order.Gpus, MaxPricePerGpuHour: order.MaxPricePerGpuHour,
		Deposit: order.Deposit, ExpireHeight: order.ExpireHeight, UnmatchedReason: why,
	})
}

// CancelOrder withdraws one of the tenant's open orders and refunds its deposit.
func (k msgServer) CancelOrder(ctx context.Context, msg *types.MsgCancelOrder) (*types.MsgCancelOrderResponse, error) {
	_, tenant, err := k.decodeAddress(msg.Tenant)
	if err != nil {
		return nil, err
	}
	order, err := load(ctx, k.Orders, msg.OrderId, types.ErrOrderNotFound)
	if err != nil {
		return nil, err
	}
	if order.Tenant != tenant {
		return nil, errorsmod.Wrapf(types.ErrNotOrderTenant, "order %d belongs to %s", order.Id, order.Tenant)
	}
	if order.State != types.ORDER_STATE_OPEN {
		return nil, errorsmod.Wrapf(types.ErrOrderClosed, "order %d is %s since height %d", order.Id, order.State, order.ClosedHeight)
	}
	if err := k.closeOrder(ctx, order, types.ORDER_STATE_CANCELLED, 0, ""); err != nil {
		return nil, err
	}
	return &types.MsgCancelOrderResponse{Refunded: order.Deposit}, events.Emit(ctx, &types.EventOrderCancelled{
		OrderId: order.Id, Tenant: tenant, Refunded: order.Deposit,
	})
}

// closeOrder ends an open order: matched into leaseID, or expired or cancelled with its
// deposit refunded.
func (k Keeper) closeOrder(ctx context.Context, order types.Order, state types.OrderState, leaseID uint64, why string) error {
	if state != types.ORDER_STATE_MATCHED {
		tenant, err := k.addressCodec.StringToBytes(order.Tenant)
		if err != nil {
			return err
		}
		if err := k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.ModuleName, tenant, sdk.NewCoins(order.Deposit)); err != nil {
			return errorsmod.Wrap(err, "refund order deposit")
		}
	}
	old := order
	order.State, order.LeaseId, order.UnmatchedReason = state, leaseID, why
	order.ClosedHeight = sdk.UnwrapSDKContext(ctx).BlockHeight()
	return k.setOrder(ctx, &old, order)
}

// setOrder writes an order, keeps its indexes in step with old (nil for a new order) and
// counts it in its class's market data. Only open orders are in the book and the expiry queue.
func (k Keeper) setOrder(ctx context.Context, old *types.Order, order types.Order) error {
	if old != nil && old.State != order.State {
		if err := k.unindexOrder(ctx, *old); err != nil {
			return err
		}
	}
	if old == nil || old.State != order.State {
		if err := k.indexOrder(ctx, order); err != nil {
			return err
		}
		if err := k.countOrder(ctx, old, order); err != nil {
			return err
		}
	}
	return k.Orders.Set(ctx, order.Id, order)
}

func (k Keeper) indexOrder(ctx context.Context, order types.Order) error {
	if err := k.OrdersByState.Set(ctx, collections.Join(int32(order.State), order.Id)); err != nil {
		return err
	}
	if order.State != types.ORDER_STATE_OPEN {
		return nil
	}
	if err := k.OrderBook.Set(ctx, bookKey(order)); err != nil {
		return err
	}
	return k.OrderExpiry.Set(ctx, collections.Join(order.ExpireHeight, order.Id))
}

func (k Keeper) unindexOrder(ctx context.Context, order types.Order) error {
	if err := k.OrdersByState.Remove(ctx, collections.Join(int32(order.State), order.Id)); err != nil {
		return err
	}
	if order.State != types.ORDER_STATE_OPEN {
		return nil
	}
	if err := k.OrderBook.Remove(ctx, bookKey(order)); err != nil {
		return err
	}
	return k.OrderExpiry.Remove(ctx, collections.Join(order.ExpireHeight, order.Id))
}

// countOrder moves the class's open-order counts from old to order, and counts an expiry.
func (k Keeper) countOrder(ctx context.Context, old *types.Order, order types.Order) error {
	return k.updateMarket(ctx, order.Class, func(m *types.ClassMarket) {
		if old != nil && old.State == types.ORDER_STATE_OPEN {
			m.OpenOrders--
			m.OpenOrderGpus -= uint64(old.Gpus)
		}
		switch order.State {
		case types.ORDER_STATE_OPEN:
			m.OpenOrders++
			m.OpenOrderGpus += uint64(order.Gpus)
		case types.ORDER_STATE_EXPIRED:
			m.OrdersExpired++
		}
	})
}

// bookKey places an open order in its class's book: highest bid first, then oldest.
func bookKey(o types.Order) collections.Pair[string, BidID] {
	return collections.Join(o.Class, collections.Join(stdmath.MaxUint64-o.BidPrice, o.Id))
}

// orderEndBlock tries the waiting orders of classes whose supply grew, then expires the
// orders whose TTL has run out (after this block's matching, so an order can still match in
// its last block).
func (k Keeper) orderEndBlock(ctx context.Context, params types.Params) error {
	if err := k.matchWaitingOrders(ctx, params); err != nil {
		return err
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	due, err := queue.Due(ctx, k.OrderExpiry, height, int(params.MaxSettlementsPerBlock))
	if err != nil {
		return err
	}
	for _, key := range due {
		k.inCache(ctx, "order expiry", key.K2(), func(ctx context.Context) error {
			return k.expireOrder(ctx, params, key.K2())
		})
	}
	return nil
}

// matchWaitingOrders spends at most max_order_matches_per_block match attempts on the queued
// classes, best bid first; a class whose book is not finished keeps its place for next block.
func (k Keeper) matchWaitingOrders(ctx context.Context, params types.Params) error {
	budget := int(params.MaxOrderMatchesPerBlock)
	type cursor struct {
		class string
		from  BidID
	}
	var queued []cursor
	err := k.MatchCursors.Walk(ctx, nil, func(class string, from BidID) (bool, error) {
		queued = append(queued, cursor{class, from})
		return len(queued) >= budget, nil
	})
	if err != nil {
		return err
	}
	for _, c := range queued {
		if budget == 0 {
			break
		}
		keys, err := k.bookKeys(ctx, c.class, c.from, budget+1)
		if err != nil {
			return err
		}
		tried := min(len(keys), budget)
		for _, key := range keys[:tried] {
			id := key.K2().K2()
			k.inCache(ctx, "order match", id, func(ctx context.Context) error { return k.matchOrder(ctx, params, id) })
		}
		budget -= tried
		if len(keys) > tried {
			err = k.MatchCursors.Set(ctx, c.class, keys[tried].K2())
		} else {
			err = k.MatchCursors.Remove(ctx, c.class)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// bookKeys reads up to n keys of a class's book from from on; reading first keeps the walk
// clear of the writes that matching makes.
func (k Keeper) bookKeys(ctx context.Context, class string, from BidID, n int) (keys []collections.Pair[string, BidID], err error) {
	iter, err := k.OrderBook.Iterate(ctx, collections.NewPrefixedPairRange[string, BidID](class).StartInclusive(from))
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, iter.Close()) }()
	for ; iter.Valid() && len(keys) < n; iter.Next() {
		key, err := iter.Key()
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// matchOrder turns an open order into a lease when an offer serves it now.
func (k Keeper) matchOrder(ctx context.Context, params types.Params, id uint64) error {
	order, err := k.Orders.Get(ctx, id)
	if err != nil {
		return err
	}
	if order.State != types.ORDER_STATE_OPEN {
		return nil
	}
	req := order.LeaseRequest()
	offer, gpus, err := k.MatchOffer(ctx, order.Tenant, req)
	if errors.Is(err, types.ErrNoMatchingOffer) {
		return nil
	} else if err != nil {
		return err
	}
	// The bid already bounds the price by what the deposit covers; this keeps the rule in one place.
	if err := requireDeposit(params, offer.PricePerGpuHour, len(gpus), order.Hours, order.Deposit); err != nil {
		return nil
	}
	lease, err := k.startLease(ctx, params, order.Tenant, req, offer, gpus)
	if err != nil {
		return err
	}
	if err := k.closeOrder(ctx, order, types.ORDER_STATE_MATCHED, lease.Id, ""); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventOrderMatched{
		OrderId: order.Id, LeaseId: lease.Id, OfferId: offer.Id, WaitedBlocks: lease.CreatedHeight - order.CreatedHeight,
	})
}

// expireOrder refunds an order whose TTL ran out unmatched and records why nothing served it.
func (k Keeper) expireOrder(ctx context.Context, params types.Params, id uint64) error {
	order, err := k.Orders.Get(ctx, id)
	if err != nil {
		return err
	}
	why, err := k.explainNoMatch(ctx, params, order.Tenant, order.LeaseRequest())
	if err != nil {
		return err
	}
	if err := k.closeOrder(ctx, order, types.ORDER_STATE_EXPIRED, 0, why); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventOrderExpired{
		OrderId: order.Id, Tenant: order.Tenant, Refunded: order.Deposit, UnmatchedReason: why,
	})
}
