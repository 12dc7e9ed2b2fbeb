package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// orderMsg asks for gpus H100s for one hour within maxPrice, waiting ttl blocks for a match.
func orderMsg(tenant string, gpus uint32, maxPrice, deposit int64, ttl uint64) *types.MsgCreateLease {
	msg := classLeaseMsg(tenant, gpus, maxPrice, deposit)
	msg.OrderTtl = ttl
	return msg
}

func (m *market) order(t *testing.T, id uint64) types.Order {
	t.Helper()
	o, err := m.keeper.Orders.Get(m.Ctx, id)
	require.NoError(t, err)
	return o
}

// openOrder places a standing order that nothing matches now and returns its id.
func (m *market) openOrder(t *testing.T, tenant string, msg *types.MsgCreateLease) uint64 {
	t.Helper()
	resp, err := m.ms.CreateLease(m.Ctx, msg)
	require.NoError(t, err)
	require.Zero(t, resp.LeaseId, "the request became an order")
	require.NotZero(t, resp.OrderId)
	return resp.OrderId
}

func (m *market) classMarket(t *testing.T) types.MarketSummary {
	t.Helper()
	resp, err := keeper.NewQueryServerImpl(m.keeper).Market(m.Ctx, &types.QueryMarketRequest{Class: "H100-SXM-80G"})
	require.NoError(t, err)
	require.Len(t, resp.Markets, 1)
	return resp.Markets[0]
}

func (m *market) endBlock(t *testing.T, height int64) {
	t.Helper()
	m.at(height)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))
}

func TestOrderMatchesALaterCheaperOffer(t *testing.T) {
	m := newMarket(t, 2, 7)
	m.at(10)
	before := m.balance(m.tenantAd)
	id := m.openOrder(t, m.tenant, orderMsg(m.tenant, 2, 5, 100, 50))

	o := m.order(t, id)
	require.Equal(t, types.ORDER_STATE_OPEN, o.State)
	require.Equal(t, int64(60), o.ExpireHeight)
	require.Equal(t, uint64(5), o.BidPrice, "the max price; the deposit covers more")
	require.Equal(t, before-100, m.balance(m.tenantAd), "the deposit is escrowed")
	require.Contains(t, eventTypes(m.Ctx), "thalamus.compute.v1.EventOrderOpened")
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))
	require.Equal(t, uint32(1), m.classMarket(t).Market.OpenOrders)

	m.endBlock(t, 11) // nothing changed: the order waits
	require.Equal(t, types.ORDER_STATE_OPEN, m.order(t, id).State)
	queued := func() bool {
		has, err := m.keeper.MatchCursors.Has(m.Ctx, "H100-SXM-80G")
		require.NoError(t, err)
		return has
	}
	require.False(t, queued(), "nothing to retry until the supply changes")

	m.at(12)
	_, err := m.ms.UpdateOffer(m.Ctx, &types.MsgUpdateOffer{
		Provider: m.provider, OfferId: m.offerID, PricePerGpuHour: uthal(8), MinLeaseHours: 1, MaxLeaseHours: 720, Gpus: 2,
	})
	require.NoError(t, err)
	require.False(t, queued(), "a dearer offer serves no waiting order")
	_, err = m.ms.UpdateOffer(m.Ctx, &types.MsgUpdateOffer{
		Provider: m.provider, OfferId: m.offerID, PricePerGpuHour: uthal(5), MinLeaseHours: 1, MaxLeaseHours: 720, Gpus: 2,
	})
	require.NoError(t, err)
	require.True(t, queued())
	m.endBlock(t, 12)
	require.False(t, queued())

	o = m.order(t, id)
	require.Equal(t, types.ORDER_STATE_MATCHED, o.State)
	require.Equal(t, int64(12), o.ClosedHeight)
	l := m.lease(t, o.LeaseId)
	require.Equal(t, m.tenant, l.Tenant)
	require.Equal(t, uthal(5), l.PricePerGpuHour)
	require.Equal(t, uthal(100), l.Escrow, "the order's deposit is the lease's escrow")
	require.Len(t, l.GpuIds, 2)
	require.Equal(t, before-100, m.balance(m.tenantAd), "no coin moved at the match")
	require.Contains(t, eventTypes(m.Ctx), "thalamus.compute.v1.EventOrderMatched")
	s := m.classMarket(t)
	require.Zero(t, s.Market.OpenOrders)
	require.Equal(t, uint32(2), s.Market.GpusLeased)
	require.Equal(t, uint32(10_000), s.UtilizationBps)
}

func TestOrderMatchesAGPUFreedByAClosingLease(t *testing.T) {
	m := newMarket(t, 2, 7)
	m.at(10)
	first, err := m.ms.CreateLease(m.Ctx, classLeaseMsg(m.tenant, 2, 0, 100))
	require.NoError(t, err)
	_, other := m.fund(t, "other", sdk.NewCoins(uthal(1_000)))
	id := m.openOrder(t, other, orderMsg(other, 1, 0, 50, 100))
	require.Equal(t, uint64(101), m.order(t, id).BidPrice, "no max price: what 50 uthal pay for 5 blocks of one GPU")

	m.at(15)
	_, err = m.ms.CloseLease(m.Ctx, &types.MsgCloseLease{Sender: m.tenant, LeaseId: first.LeaseId, Reason: types.LEASE_CLOSE_REASON_TENANT_DONE})
	require.NoError(t, err)
	m.endBlock(t, 15)

	o := m.order(t, id)
	require.Equal(t, types.ORDER_STATE_MATCHED, o.State)
	require.Equal(t, other, m.lease(t, o.LeaseId).Tenant)
}

func TestOrderExpiresWithAFullRefundAndItsReason(t *testing.T) {
	m := newMarket(t, 2, 7)
	m.at(10)
	before := m.balance(m.tenantAd)
	id := m.openOrder(t, m.tenant, orderMsg(m.tenant, 1, 5, 100, 5))

	m.endBlock(t, 14)
	require.Equal(t, types.ORDER_STATE_OPEN, m.order(t, id).State)
	m.endBlock(t, 15)
	o := m.order(t, id)
	require.Equal(t, types.ORDER_STATE_EXPIRED, o.State)
	require.Equal(t, before, m.balance(m.tenantAd), "refunded in full")
	require.Contains(t, o.UnmatchedReason, "offer 1 at 7uthal per GPU-hour, 2 free GPUs")
	require.Contains(t, o.UnmatchedReason, "a max price of at least 7uthal")
	require.Contains(t, eventTypes(m.Ctx), "thalamus.compute.v1.EventOrderExpired")
	s := m.classMarket(t)
	require.Zero(t, s.Market.OpenOrders)
	require.Equal(t, uint32(1), s.Market.OrdersExpired, "unmet demand this epoch")

	// The next reward epoch keeps the count as last epoch's.
	m.rewards.epoch = 1
	s = m.classMarket(t)
	require.Zero(t, s.Market.OrdersExpired)
	require.Equal(t, uint32(1), s.Market.LastEpochOrdersExpired)
}

func TestCancelOrder(t *testing.T) {
	m := newMarket(t, 2, 7)
	m.at(10)
	before := m.balance(m.tenantAd)
	id := m.openOrder(t, m.tenant, orderMsg(m.tenant, 1, 5, 100, 50))
	_, other := m.fund(t, "other", sdk.NewCoins(uthal(1_000)))

	for _, tc := range []struct {
		name    string
		msg     *types.MsgCancelOrder
		wantErr error
	}{
		{"bad address", &types.MsgCancelOrder{Tenant: "nope", OrderId: id}, types.ErrInvalidAddress},
		{"unknown order", &types.MsgCancelOrder{Tenant: m.tenant, OrderId: 99}, types.ErrOrderNotFound},
		{"another tenant", &types.MsgCancelOrder{Tenant: other, OrderId: id}, types.ErrNotOrderTenant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, m.fixture, tc.wantErr, func() error { _, err := m.ms.CancelOrder(m.Ctx, tc.msg); return err })
		})
	}

	resp, err := m.ms.CancelOrder(m.Ctx, &types.MsgCancelOrder{Tenant: m.tenant, OrderId: id})
	require.NoError(t, err)
	require.Equal(t, uthal(100), resp.Refunded)
	require.Equal(t, before, m.balance(m.tenantAd))
	require.Equal(t, types.ORDER_STATE_CANCELLED, m.order(t, id).State)
	require.Contains(t, eventTypes(m.Ctx), "thalamus.compute.v1.EventOrderCancelled")
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))
	requireRejected(t, m.fixture, types.ErrOrderClosed, func() error {
		_, err := m.ms.CancelOrder(m.Ctx, &types.MsgCancelOrder{Tenant: m.tenant, OrderId: id})
		return err
	})
}

func TestOrderRequestRejections(t *testing.T) {
	m := newMarket(t, 2, 7)
	withOffer := orderMsg(m.tenant, 1, 0, 100, 10)
	withOffer.OfferId = m.offerID
	for _, tc := range []struct {
		name string
		msg  *types.MsgCreateLease
	}{
		{"order with an offer id", withOffer},
		{"ttl above the maximum", orderMsg(m.tenant, 1, 0, 100, types.DefaultParams().MaxOrderTtlBlocks+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, m.fixture, types.ErrInvalidOrder, func() error { _, err := m.ms.CreateLease(m.Ctx, tc.msg); return err })
		})
	}
}

func TestOrdersMatchBestBidFirstWithinTheBlockBudget(t *testing.T) {
	m := newMarket(t, 1, 50)
	p := leaseParams()
	p.MaxOrderMatchesPerBlock = 2
	require.NoError(t, m.keeper.Params.Set(m.Ctx, p))
	m.at(10)
	// Bids 10, 20, 20, 30: the 30 first, then the two 20s oldest first, then the 10.
	var ids []uint64
	for _, bid := range []int64{10, 20, 20, 30} {
		ids = append(ids, m.openOrder(t, m.tenant, orderMsg(m.tenant, 1, bid, 1_000, 100)))
	}
	seller := m.providerWithGPUs(t, "seller", 4)
	_, err := m.ms.CreateOffer(m.Ctx, offerMsg(seller, 10, 4))
	require.NoError(t, err)

	matched := func() (got []uint64) {
		for _, id := range ids {
			if m.order(t, id).State == types.ORDER_STATE_MATCHED {
				got = append(got, id)
			}
		}
		return got
	}
	m.endBlock(t, 11)
	require.ElementsMatch(t, []uint64{ids[3], ids[1]}, matched(), "two tries: the best bid, then the older 20")
	m.endBlock(t, 12)
	require.ElementsMatch(t, ids, matched())
}

func TestCreateLeaseExplainsWhyNothingMatches(t *testing.T) {
	m := newMarket(t, 2, 7)
	_, err := m.ms.CreateLease(m.Ctx, classLeaseMsg(m.tenant, 3, 5, 100))
	require.ErrorIs(t, err, types.ErrNoMatchingOffer)
	require.ErrorContains(t, err, "no offer of H100-SXM-80G serves 3 GPUs for 1 hours at score >= 0 within 5uthal per GPU-hour")
	require.ErrorContains(t, err, "offer 1 at 7uthal per GPU-hour, 2 free GPUs (best score 5000): needs a max price of at least 7uthal, at most 2 GPUs")
	require.ErrorContains(t, err, "--order-ttl")

	msg := classLeaseMsg(m.tenant, 1, 0, 1)
	msg.MinGpuScore = 6_000
	_, err = m.ms.CreateLease(m.Ctx, msg)
	require.ErrorContains(t, err, "needs a min GPU score of at most 5000, a deposit of at least 3uthal")

	msg = classLeaseMsg(m.tenant, 1, 0, 100)
	msg.Class = "A100-80G"
	_, err = m.ms.CreateLease(m.Ctx, msg)
	require.ErrorContains(t, err, "no offer of A100-80G serves 1 GPUs for 1 hours at score >= 0: none has a free GPU (0 registered, 0 leased)")
}

func TestMarketDataFollowsEveryEvent(t *testing.T) {
	m := newMarket(t, 3, 7)
	requireCounts := func(registered, verified, available, leased uint32, offered uint64) {
		t.Helper()
		s := m.classMarket(t).Market
		require.Equal(t, []any{registered, verified, available, leased, offered},
			[]any{s.GpusRegistered, s.GpusVerified, s.GpusAvailable, s.GpusLeased, s.OfferedGpus})
		require.NoError(t, m.keeper.MarketInvariant(m.Ctx))
	}
	requireCounts(3, 0, 3, 0, 3)

	lease, err := m.ms.CreateLease(m.Ctx, classLeaseMsg(m.tenant, 2, 0, 100))
	require.NoError(t, err)
	requireCounts(3, 0, 1, 2, 1)
	s := m.classMarket(t)
	require.Equal(t, "7.000000000000000000", s.Market.ClearingPrice.String())
	require.Equal(t, []uint64{7}, s.Market.RecentPrices)
	require.Equal(t, uint32(1), s.Market.LeasesCreated)
	require.Equal(t, uint64(7), s.CheapestOfferPrice)
	require.Equal(t, uint32(6_666), s.UtilizationBps)

	// A second lease at 15 moves the clearing price by 1/8 of the difference.
	_, err = m.ms.UpdateOffer(m.Ctx, &types.MsgUpdateOffer{
		Provider: m.provider, OfferId: m.offerID, PricePerGpuHour: uthal(15), MinLeaseHours: 1, MaxLeaseHours: 720, Gpus: 3,
	})
	require.NoError(t, err)
	_, err = m.ms.CreateLease(m.Ctx, classLeaseMsg(m.tenant, 1, 0, 100))
	require.NoError(t, err)
	s = m.classMarket(t)
	require.Equal(t, "8.000000000000000000", s.Market.ClearingPrice.String())
	require.Equal(t, []uint64{7, 15, 7}, []uint64{s.PriceQ1, s.PriceQ3, s.PriceMedian})
	requireCounts(3, 0, 0, 3, 0)

	_, err = m.ms.CloseLease(m.Ctx, &types.MsgCloseLease{Sender: m.tenant, LeaseId: lease.LeaseId, Reason: types.LEASE_CLOSE_REASON_TENANT_DONE})
	require.NoError(t, err)
	requireCounts(3, 0, 2, 1, 2)

	free := lease.GpuIds[0]
	require.NoError(t, m.keeper.JailGPU(m.Ctx, free, "test"))
	requireCounts(3, 0, 1, 1, 2)

	g := m.gpu(t, lease.GpuIds[1])
	g.AttestationTier = types.ATTESTATION_TIER_WORK_VERIFIED
	require.NoError(t, m.keeper.SaveGPU(m.Ctx, g))
	requireCounts(3, 1, 1, 1, 2)

	_, err = m.ms.CloseOffer(m.Ctx, &types.MsgCloseOffer{Provider: m.provider, OfferId: m.offerID})
	require.NoError(t, err)
	_, err = m.ms.RetireGPU(m.Ctx, &types.MsgRetireGPU{Provider: m.provider, GpuId: g.Id})
	require.NoError(t, err)
	requireCounts(2, 0, 0, 1, 0)
}

func TestGenesisRoundTripWithOpenOrders(t *testing.T) {
	m := newMarket(t, 2, 7)
	m.at(10)
	_, err := m.ms.CreateLease(m.Ctx, classLeaseMsg(m.tenant, 1, 0, 100))
	require.NoError(t, err)
	open := m.openOrder(t, m.tenant, orderMsg(m.tenant, 2, 0, 100, 50))
	cancelled := m.openOrder(t, m.tenant, orderMsg(m.tenant, 1, 5, 100, 50))
	_, err = m.ms.CancelOrder(m.Ctx, &types.MsgCancelOrder{Tenant: m.tenant, OrderId: cancelled})
	require.NoError(t, err)

	exported, err := m.keeper.ExportGenesis(m.Ctx)
	require.NoError(t, err)
	require.Len(t, exported.Orders, 2)
	require.Equal(t, uint64(3), exported.NextOrderId)
	require.NoError(t, exported.Validate())

	f := newFixture(t)
	f.bank.Balances = m.bank.Balances
	require.NoError(t, f.keeper.InitGenesis(f.Ctx, exported))
	again, err := f.keeper.ExportGenesis(f.Ctx)
	require.NoError(t, err)
	require.Equal(t, exported, again)
	require.NoError(t, f.keeper.EscrowInvariant(f.Ctx))
	book, err := f.keeper.OrderBook.Iterate(f.Ctx, nil)
	require.NoError(t, err)
	keys, err := book.Keys()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	require.Equal(t, open, keys[0].K2().K2())

	// A changed deposit breaks the escrow invariant.
	o, err := f.keeper.Orders.Get(f.Ctx, open)
	require.NoError(t, err)
	o.Deposit = uthal(101)
	require.NoError(t, f.keeper.Orders.Set(f.Ctx, open, o))
	require.ErrorContains(t, f.keeper.EscrowInvariant(f.Ctx), "open orders 101uthal")
}
