package keeper_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// leaseParams make payments easy to follow: 10 blocks per hour, a 5-block minimum deposit,
// 3 grace blocks and a 10 % take.
func leaseParams() types.Params {
	p := types.DefaultParams()
	p.BlocksPerHour = 10
	p.MinLeaseBlocks = 5
	p.GraceBlocks = 3
	p.TakeRate = math.LegacyNewDecWithPrec(10, 2)
	return p
}

func leaseMsg(tenant string, offerID uint64, gpus, hours uint32, deposit int64) *types.MsgCreateLease {
	return &types.MsgCreateLease{Tenant: tenant, OfferId: offerID, Gpus: gpus, Hours: hours, Deposit: uthal(deposit)}
}

func classLeaseMsg(tenant string, gpus uint32, maxPrice int64, deposit int64) *types.MsgCreateLease {
	m := leaseMsg(tenant, 0, gpus, 1, deposit)
	m.Class = "H100-SXM-80G"
	if maxPrice > 0 {
		m.MaxPricePerGpuHour = uthal(maxPrice)
	}
	return m
}

// market is a fixture with lease params, a provider with gpus H100s offered at price, and a funded tenant.
type market struct {
	fixture
	ms         types.MsgServer
	provider   string
	providerAd sdk.AccAddress
	tenant     string
	tenantAd   sdk.AccAddress
	offerID    uint64
}

func newMarket(t *testing.T, gpus int, price int64) *market {
	t.Helper()
	f := newFixture(t)
	require.NoError(t, f.keeper.Params.Set(f.Ctx, leaseParams()))
	m := &market{fixture: f, ms: keeper.NewMsgServerImpl(f.keeper)}
	m.provider = f.providerWithGPUs(t, "provider", gpus)
	m.providerAd = testAddress("provider")
	m.tenantAd, m.tenant = f.fund(t, "tenant", sdk.NewCoins(uthal(1_000_000)))
	resp, err := m.ms.CreateOffer(f.Ctx, offerMsg(m.provider, price, uint32(gpus)))
	require.NoError(t, err)
	m.offerID = resp.OfferId
	return m
}

func (m *market) at(height int64) { m.Ctx = m.Ctx.WithBlockHeight(height) }

func (m *market) balance(addr sdk.AccAddress) int64 {
	return m.bank.GetBalance(m.Ctx, addr, "uthal").Amount.Int64()
}

func (m *market) lease(t *testing.T, id uint64) types.Lease {
	t.Helper()
	l, err := m.keeper.Leases.Get(m.Ctx, id)
	require.NoError(t, err)
	return l
}

func (m *market) gpu(t *testing.T, id uint64) types.GPU {
	t.Helper()
	g, err := m.keeper.GPUs.Get(m.Ctx, id)
	require.NoError(t, err)
	return g
}

var poolAddr = authtypes.NewModuleAddress(distrtypes.ModuleName)

func TestCreateLeaseFromOffer(t *testing.T) {
	m := newMarket(t, 4, 7)
	m.at(10)
	tenantBefore := m.balance(m.tenantAd)

	resp, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 2, 10, 20))
	require.NoError(t, err)
	require.Equal(t, m.offerID, resp.OfferId)
	require.Len(t, resp.GpuIds, 2)
	l := m.lease(t, resp.LeaseId)
	require.Equal(t, types.LEASE_STATE_ACTIVE, l.State)
	require.Equal(t, int64(110), l.EndHeight, "10 hours of 10 blocks")
	require.Equal(t, uthal(20), l.Escrow)
	require.Equal(t, int64(24), l.NextEventHeight, "20 uthal pay 14 blocks of 2 GPUs at 7/GPU-hour")
	for _, id := range resp.GpuIds {
		g := m.gpu(t, id)
		require.Equal(t, types.GPU_STATUS_LEASED, g.Status)
		require.Equal(t, resp.LeaseId, g.LeaseId)
	}
	offer, err := m.keeper.Offers.Get(m.Ctx, m.offerID)
	require.NoError(t, err)
	require.Equal(t, uint32(2), offer.LeasedGpus)
	require.Equal(t, tenantBefore-20, m.balance(m.tenantAd))
	require.Contains(t, eventTypes(m.Ctx), "thalamus.compute.v1.EventLeaseCreated")
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))

	_, stranger := m.fund(t, "poor", sdk.NewCoins(uthal(3)))
	withClass := func(class string) *types.MsgCreateLease {
		msg := leaseMsg(m.tenant, m.offerID, 1, 1, 20)
		msg.Class = class
		return msg
	}
	withMaxPrice := func(p sdk.Coin) *types.MsgCreateLease {
		msg := leaseMsg(m.tenant, m.offerID, 1, 1, 20)
		msg.MaxPricePerGpuHour = p
		return msg
	}
	withScore := func(s uint32) *types.MsgCreateLease {
		msg := leaseMsg(m.tenant, m.offerID, 1, 1, 20)
		msg.MinGpuScore = s
		return msg
	}
	tests := []struct {
		name    string
		msg     *types.MsgCreateLease
		wantErr error
	}{
		{"bad tenant address", leaseMsg("x", m.offerID, 1, 1, 20), types.ErrInvalidAddress},
		{"zero gpus", leaseMsg(m.tenant, m.offerID, 0, 1, 20), types.ErrInvalidLease},
		{"zero hours", leaseMsg(m.tenant, m.offerID, 1, 0, 20), types.ErrInvalidLease},
		{"longer than offered", leaseMsg(m.tenant, m.offerID, 1, 721, 20), types.ErrInvalidLease},
		{"unknown offer", leaseMsg(m.tenant, 99, 1, 1, 20), types.ErrOfferNotFound},
		{"class differs from offer", withClass("A100-80G"), types.ErrInvalidLease},
		{"price above max", withMaxPrice(uthal(6)), types.ErrInvalidLease},
		{"max price in another denom", withMaxPrice(sdk.NewInt64Coin("uatom", 10)), types.ErrInvalidLease},
		{"score out of range", withScore(10_001), types.ErrInvalidLease},
		{"no GPU with the score", withScore(5_001), types.ErrNotEnoughGPUs},
		{"over the offer's free GPUs", leaseMsg(m.tenant, m.offerID, 3, 1, 50), types.ErrNotEnoughGPUs},
		{"own offer", leaseMsg(m.provider, m.offerID, 1, 1, 20), types.ErrSelfLease},
		{"deposit below minimum", leaseMsg(m.tenant, m.offerID, 2, 1, 6), types.ErrInsufficientDeposit},
		{"deposit in another denom", func() *types.MsgCreateLease {
			msg := leaseMsg(m.tenant, m.offerID, 1, 1, 20)
			msg.Deposit.Denom = "uatom"
			return msg
		}(), types.ErrInvalidCoin},
		{"tenant cannot pay", leaseMsg(stranger, m.offerID, 1, 1, 20), sdkerrors.ErrInsufficientFunds},
		{"unknown class", func() *types.MsgCreateLease { msg := classLeaseMsg(m.tenant, 1, 0, 20); msg.Class = "TPU"; return msg }(), types.ErrUnknownGPUClass},
		{"no offer of the class", func() *types.MsgCreateLease {
			msg := classLeaseMsg(m.tenant, 1, 0, 20)
			msg.Class = "A100-80G"
			return msg
		}(), types.ErrNoMatchingOffer},
		{"no offer at the price", classLeaseMsg(m.tenant, 1, 6, 20), types.ErrNoMatchingOffer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, m.fixture, tc.wantErr, func() error { _, err := m.ms.CreateLease(m.Ctx, tc.msg); return err })
		})
	}
}

func TestCreateLeaseMatchesBestOffer(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.keeper.Params.Set(f.Ctx, leaseParams()))
	ms := keeper.NewMsgServerImpl(f.keeper)
	offer := func(seed string, gpus int, price int64) uint64 {
		owner := f.providerWithGPUs(t, seed, gpus)
		resp, err := ms.CreateOffer(f.Ctx, offerMsg(owner, price, uint32(gpus)))
		require.NoError(t, err)
		return resp.OfferId
	}
	dear := offer("dear", 2, 100)
	single := offer("single", 1, 50)
	older := offer("older", 2, 50)
	better := offer("better", 2, 50)
	// better's GPUs score higher than older's, so it wins the tie at price 50.
	for _, id := range []uint64{6, 7} {
		require.Equal(t, "H100-SXM-80G", func() string { g, _ := f.keeper.GPUs.Get(f.Ctx, id); return g.Class }())
		require.NoError(t, f.keeper.SetGPUScore(f.Ctx, id, 9_000))
	}
	_, tenant := f.fund(t, "tenant", sdk.NewCoins(uthal(1_000_000)))

	want := []uint64{better, older, dear}
	for i, offerID := range want {
		resp, err := ms.CreateLease(f.Ctx, classLeaseMsg(tenant, 2, 0, 1_000))
		require.NoError(t, err, "lease %d", i)
		require.Equal(t, offerID, resp.OfferId, "lease %d", i)
	}
	// Only single's one GPU is left: two GPUs match nothing, one matches single.
	requireRejected(t, f, types.ErrNoMatchingOffer, func() error {
		_, err := ms.CreateLease(f.Ctx, classLeaseMsg(tenant, 2, 0, 1_000))
		return err
	})
	resp, err := ms.CreateLease(f.Ctx, classLeaseMsg(tenant, 1, 50, 1_000))
	require.NoError(t, err)
	require.Equal(t, single, resp.OfferId)
	require.NoError(t, f.keeper.EscrowInvariant(f.Ctx))
}

// TestLeaseSettlement walks one lease through withdrawals, running dry, a top-up that resumes
// it, a top-up while active and a close after the grace period, checking every balance and the
// escrow invariant after each step. 2 GPUs at 7 uthal per GPU-hour, 10 blocks per hour: the
// provider is owed floor(14 * billed_blocks / 10); 10 % of each settlement goes to the pool.
func TestLeaseSettlement(t *testing.T) {
	m := newMarket(t, 2, 7)
	m.at(10)
	providerStart, tenantStart := m.balance(m.providerAd), m.balance(m.tenantAd)
	resp, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 2, 10, 20))
	require.NoError(t, err)
	id := resp.LeaseId
	withdraw := func() error {
		_, err := m.ms.WithdrawLease(m.Ctx, &types.MsgWithdrawLease{Provider: m.provider, LeaseId: id})
		return err
	}
	deposit := func(n int64) func() error {
		return func() error {
			_, err := m.ms.DepositLease(m.Ctx, &types.MsgDepositLease{Tenant: m.tenant, LeaseId: id, Amount: uthal(n)})
			return err
		}
	}
	endBlock := func() error { return m.keeper.EndBlocker(m.Ctx) }

	steps := []struct {
		name      string
		height    int64
		run       func() error
		state     types.LeaseState
		billed    uint64
		escrow    int64
		provider  int64 // received so far
		pool      int64
		deposited int64
		nextEvent int64
	}{
		{"withdraw after 5 blocks: 7 due, take rounds to 0", 15, withdraw, types.LEASE_STATE_ACTIVE, 5, 13, 7, 0, 20, 24},
		{"withdraw after 10 blocks", 20, withdraw, types.LEASE_STATE_ACTIVE, 10, 6, 14, 0, 20, 24},
		{"funds run dry at 14 blocks: pause", 24, endBlock, types.LEASE_STATE_PAUSED, 14, 1, 19, 0, 20, 27},
		{"paused leases accrue nothing", 25, withdraw, types.LEASE_STATE_PAUSED, 14, 1, 19, 0, 20, 27},
		{"top-up resumes: 50 pay 36 blocks", 26, deposit(30), types.LEASE_STATE_ACTIVE, 14, 31, 19, 0, 50, 48},
		{"old grace end passes without effect", 27, endBlock, types.LEASE_STATE_ACTIVE, 14, 31, 19, 0, 50, 48},
		{"top-up while active moves the dry height", 30, deposit(14), types.LEASE_STATE_ACTIVE, 14, 45, 19, 0, 64, 58},
		{"withdraw 20: take 2", 40, withdraw, types.LEASE_STATE_ACTIVE, 28, 25, 37, 2, 64, 58},
		{"dry again: 25 due, take 2", 58, endBlock, types.LEASE_STATE_PAUSED, 46, 0, 60, 4, 64, 61},
		{"grace over: closed for insufficient funds", 61, endBlock, types.LEASE_STATE_CLOSED, 46, 0, 60, 4, 64, 0},
	}
	for _, s := range steps {
		m.at(s.height)
		require.NoError(t, s.run(), s.name)
		l := m.lease(t, id)
		require.Equal(t, s.state, l.State, s.name)
		require.Equal(t, s.billed, l.BilledBlocks, s.name)
		require.Equal(t, s.escrow, l.Escrow.Amount.Int64(), s.name)
		require.Equal(t, s.provider, m.balance(m.providerAd)-providerStart, s.name)
		require.Equal(t, s.pool, m.balance(poolAddr), s.name)
		require.Equal(t, s.deposited, tenantStart-m.balance(m.tenantAd), s.name)
		require.Equal(t, s.nextEvent, l.NextEventHeight, s.name)
		require.NoError(t, m.keeper.EscrowInvariant(m.Ctx), s.name)
	}
	l := m.lease(t, id)
	require.Equal(t, types.LEASE_CLOSE_REASON_INSUFFICIENT_FUNDS, l.CloseReason)
	for _, gpuID := range l.GpuIds {
		require.Equal(t, types.GPU_STATUS_AVAILABLE, m.gpu(t, gpuID).Status)
	}
	offer, err := m.keeper.Offers.Get(m.Ctx, m.offerID)
	require.NoError(t, err)
	require.Zero(t, offer.LeasedGpus, "the offer's GPUs are free again")

	// A tenant close settles 4 blocks (floor(56/10) = 5) and refunds the rest.
	m.at(100)
	resp, err = m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 2, 1, 100))
	require.NoError(t, err)
	m.at(104)
	closed, err := m.ms.CloseLease(m.Ctx, &types.MsgCloseLease{Sender: m.tenant, LeaseId: resp.LeaseId, Reason: types.LEASE_CLOSE_REASON_TENANT_DONE})
	require.NoError(t, err)
	require.Equal(t, uthal(5), closed.Paid)
	require.Equal(t, uthal(95), closed.Refunded)
	require.Equal(t, int64(65), m.balance(m.providerAd)-providerStart)

	// Expiry settles the whole hour (10 blocks: 14, take 1) and refunds the rest.
	m.at(200)
	resp, err = m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 2, 1, 100))
	require.NoError(t, err)
	m.at(210)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	l = m.lease(t, resp.LeaseId)
	require.Equal(t, types.LEASE_STATE_CLOSED, l.State)
	require.Equal(t, types.LEASE_CLOSE_REASON_EXPIRED, l.CloseReason)
	require.Equal(t, int64(65+13), m.balance(m.providerAd)-providerStart)
	require.Equal(t, int64(5), m.balance(poolAddr))
	require.Equal(t, int64(64+5+14), tenantStart-m.balance(m.tenantAd))
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))
}

// TestLeaseQueueLagNeverOverbills: with one event per block, the second lease that runs dry
// in the same block pauses a block late but is billed only up to its dry height.
func TestLeaseQueueLagNeverOverbills(t *testing.T) {
	m := newMarket(t, 2, 10)
	p := leaseParams()
	p.MaxSettlementsPerBlock = 1
	require.NoError(t, m.keeper.Params.Set(m.Ctx, p))
	m.at(10)
	var ids []uint64
	for range 2 {
		resp, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 1, 10, 5)) // 1 uthal per block: dry at 15
		require.NoError(t, err)
		ids = append(ids, resp.LeaseId)
	}
	m.at(15)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	require.Equal(t, types.LEASE_STATE_PAUSED, m.lease(t, ids[0]).State)
	require.Equal(t, types.LEASE_STATE_ACTIVE, m.lease(t, ids[1]).State, "over the per-block limit")
	m.at(16)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	late := m.lease(t, ids[1])
	require.Equal(t, types.LEASE_STATE_PAUSED, late.State)
	require.Equal(t, uint64(5), late.BilledBlocks)
	require.Equal(t, int64(15), late.PausedHeight, "grace counts from the dry height, not the late block")
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))
}

func TestDepositLeaseRejections(t *testing.T) {
	m := newMarket(t, 2, 7)
	resp, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 1, 1, 100))
	require.NoError(t, err)
	closedResp, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 1, 1, 100))
	require.NoError(t, err)
	_, err = m.ms.CloseLease(m.Ctx, &types.MsgCloseLease{Sender: m.tenant, LeaseId: closedResp.LeaseId, Reason: types.LEASE_CLOSE_REASON_TENANT_DONE})
	require.NoError(t, err)
	_, stranger := m.fund(t, "stranger", sdk.NewCoins(uthal(100)))

	tests := []struct {
		name    string
		msg     *types.MsgDepositLease
		wantErr error
	}{
		{"bad address", &types.MsgDepositLease{Tenant: "x", LeaseId: resp.LeaseId, Amount: uthal(1)}, types.ErrInvalidAddress},
		{"unknown lease", &types.MsgDepositLease{Tenant: m.tenant, LeaseId: 99, Amount: uthal(1)}, types.ErrLeaseNotFound},
		{"closed lease", &types.MsgDepositLease{Tenant: m.tenant, LeaseId: closedResp.LeaseId, Amount: uthal(1)}, types.ErrLeaseClosed},
		{"not the tenant", &types.MsgDepositLease{Tenant: stranger, LeaseId: resp.LeaseId, Amount: uthal(1)}, types.ErrNotLeaseParty},
		{"zero amount", &types.MsgDepositLease{Tenant: m.tenant, LeaseId: resp.LeaseId, Amount: uthal(0)}, types.ErrInvalidCoin},
		{"other denom", &types.MsgDepositLease{Tenant: m.tenant, LeaseId: resp.LeaseId, Amount: sdk.NewInt64Coin("uatom", 1)}, types.ErrInvalidCoin},
		{"more than the tenant has", &types.MsgDepositLease{Tenant: m.tenant, LeaseId: resp.LeaseId, Amount: uthal(10_000_000)}, sdkerrors.ErrInsufficientFunds},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, m.fixture, tc.wantErr, func() error { _, err := m.ms.DepositLease(m.Ctx, tc.msg); return err })
		})
	}
}

func TestCloseLease(t *testing.T) {
	m := newMarket(t, 2, 7)
	resp, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 1, 1, 100))
	require.NoError(t, err)
	_, stranger := m.fund(t, "stranger", sdk.NewCoins(uthal(1)))
	closeMsg := func(sender string, id uint64, r types.LeaseCloseReason) *types.MsgCloseLease {
		return &types.MsgCloseLease{Sender: sender, LeaseId: id, Reason: r}
	}
	tests := []struct {
		name    string
		msg     *types.MsgCloseLease
		wantErr error
	}{
		{"bad address", closeMsg("x", resp.LeaseId, types.LEASE_CLOSE_REASON_TENANT_DONE), types.ErrInvalidAddress},
		{"unknown lease", closeMsg(m.tenant, 99, types.LEASE_CLOSE_REASON_TENANT_DONE), types.ErrLeaseNotFound},
		{"stranger", closeMsg(stranger, resp.LeaseId, types.LEASE_CLOSE_REASON_TENANT_DONE), types.ErrNotLeaseParty},
		{"tenant gives a provider reason", closeMsg(m.tenant, resp.LeaseId, types.LEASE_CLOSE_REASON_PROVIDER_MAINTENANCE), types.ErrInvalidCloseReason},
		{"provider gives a tenant reason", closeMsg(m.provider, resp.LeaseId, types.LEASE_CLOSE_REASON_TENANT_DONE), types.ErrInvalidCloseReason},
		{"no reason", closeMsg(m.tenant, resp.LeaseId, types.LEASE_CLOSE_REASON_UNSPECIFIED), types.ErrInvalidCloseReason},
		{"chain reason", closeMsg(m.provider, resp.LeaseId, types.LEASE_CLOSE_REASON_EXPIRED), types.ErrInvalidCloseReason},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, m.fixture, tc.wantErr, func() error { _, err := m.ms.CloseLease(m.Ctx, tc.msg); return err })
		})
	}

	m.at(m.Ctx.BlockHeight() + 3)
	out, err := m.ms.CloseLease(m.Ctx, closeMsg(m.provider, resp.LeaseId, types.LEASE_CLOSE_REASON_PROVIDER_MAINTENANCE))
	require.NoError(t, err)
	require.Equal(t, uthal(2), out.Paid, "3 blocks at 0.7/block = 2 (floor), no take below 10")
	require.Equal(t, uthal(98), out.Refunded)
	require.Contains(t, eventTypes(m.Ctx), "thalamus.compute.v1.EventLeaseClosed")
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))
	requireRejected(t, m.fixture, types.ErrLeaseClosed, func() error {
		_, err := m.ms.CloseLease(m.Ctx, closeMsg(m.tenant, resp.LeaseId, types.LEASE_CLOSE_REASON_TENANT_DONE))
		return err
	})
}

func TestWithdrawLeases(t *testing.T) {
	m := newMarket(t, 2, 10) // 1 uthal per GPU-block
	m.at(10)
	first, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 1, 10, 100))
	require.NoError(t, err)
	m.at(20)
	second, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 1, 10, 100))
	require.NoError(t, err)
	_, stranger := m.fund(t, "stranger", sdk.NewCoins(uthal(1)))

	tests := []struct {
		name    string
		msg     *types.MsgWithdrawLease
		wantErr error
	}{
		{"bad address", &types.MsgWithdrawLease{Provider: "x", LeaseId: first.LeaseId}, types.ErrInvalidAddress},
		{"unknown lease", &types.MsgWithdrawLease{Provider: m.provider, LeaseId: 99}, types.ErrLeaseNotFound},
		{"tenant cannot withdraw", &types.MsgWithdrawLease{Provider: m.tenant, LeaseId: first.LeaseId}, types.ErrNotLeaseParty},
		{"stranger cannot withdraw", &types.MsgWithdrawLease{Provider: stranger, LeaseId: first.LeaseId}, types.ErrNotLeaseParty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, m.fixture, tc.wantErr, func() error { _, err := m.ms.WithdrawLease(m.Ctx, tc.msg); return err })
		})
	}
	requireRejected(t, m.fixture, types.ErrInvalidAddress, func() error {
		_, err := m.ms.WithdrawAllLeases(m.Ctx, &types.MsgWithdrawAllLeases{Provider: "x"})
		return err
	})

	m.at(30)
	all, err := m.ms.WithdrawAllLeases(m.Ctx, &types.MsgWithdrawAllLeases{Provider: m.provider})
	require.NoError(t, err)
	require.Equal(t, uint32(2), all.Leases)
	require.Equal(t, uthal(20+10-2-1), all.Paid, "20 and 10 blocks, less 10 % take each")
	one, err := m.ms.WithdrawLease(m.Ctx, &types.MsgWithdrawLease{Provider: m.provider, LeaseId: second.LeaseId})
	require.NoError(t, err)
	require.True(t, one.Paid.IsZero(), "nothing accrues twice in a block")
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))

	_, err = m.ms.CloseLease(m.Ctx, &types.MsgCloseLease{Sender: m.tenant, LeaseId: first.LeaseId, Reason: types.LEASE_CLOSE_REASON_TENANT_DONE})
	require.NoError(t, err)
	requireRejected(t, m.fixture, types.ErrLeaseClosed, func() error {
		_, err := m.ms.WithdrawLease(m.Ctx, &types.MsgWithdrawLease{Provider: m.provider, LeaseId: first.LeaseId})
		return err
	})
	all, err = m.ms.WithdrawAllLeases(m.Ctx, &types.MsgWithdrawAllLeases{Provider: m.provider})
	require.NoError(t, err)
	require.Equal(t, uint32(1), all.Leases, "closed leases are not walked")
}

func TestUpdateOfferKeepsLeasedGPUs(t *testing.T) {
	m := newMarket(t, 3, 7)
	_, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 2, 1, 100))
	require.NoError(t, err)
	update := func(gpus uint32) *types.MsgUpdateOffer {
		return &types.MsgUpdateOffer{Provider: m.provider, OfferId: m.offerID, PricePerGpuHour: uthal(8), MinLeaseHours: 1, MaxLeaseHours: 10, Gpus: gpus}
	}
	requireRejected(t, m.fixture, types.ErrInvalidOffer, func() error { _, err := m.ms.UpdateOffer(m.Ctx, update(1)); return err })
	requireRejected(t, m.fixture, types.ErrNotEnoughGPUs, func() error { _, err := m.ms.UpdateOffer(m.Ctx, update(4)); return err })
	_, err = m.ms.UpdateOffer(m.Ctx, update(2))
	require.NoError(t, err)
	has, err := m.keeper.OffersByPrice.Has(m.Ctx, collections.Join("H100-SXM-80G", collections.Join(uint64(8), m.offerID)))
	require.NoError(t, err)
	require.False(t, has, "a fully leased offer leaves the price index")
}

func TestVerificationHooks(t *testing.T) {
	m := newMarket(t, 2, 7)
	resp, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 1, 1, 100))
	require.NoError(t, err)
	tenantBefore := m.balance(m.tenantAd)

	require.NoError(t, m.keeper.JailGPU(m.Ctx, resp.GpuIds[0], "failed proof of work"))
	l := m.lease(t, resp.LeaseId)
	require.Equal(t, types.LEASE_STATE_CLOSED, l.State)
	require.Equal(t, types.LEASE_CLOSE_REASON_PROVIDER_FAULT, l.CloseReason)
	g := m.gpu(t, resp.GpuIds[0])
	require.Equal(t, types.GPU_STATUS_JAILED, g.Status)
	require.Zero(t, g.LeaseId)
	require.Equal(t, tenantBefore+100, m.balance(m.tenantAd), "no block passed: all escrow back")

	refund, err := m.keeper.RefundTenant(m.Ctx, resp.LeaseId, math.NewInt(40))
	require.NoError(t, err)
	require.Equal(t, uthal(40), refund)
	slashed, err := m.keeper.SlashCollateral(m.Ctx, m.providerAd, minCollateral().Amount, "fraud")
	require.NoError(t, err)
	require.Equal(t, minCollateral().Amount.SubRaw(40), slashed.Amount, "slashing stops at the collateral left")
	require.Equal(t, slashed.Amount.Int64(), m.balance(poolAddr))
	require.NoError(t, m.keeper.SetGPUScore(m.Ctx, resp.GpuIds[0], 7_000))
	require.ErrorIs(t, m.keeper.SetGPUScore(m.Ctx, resp.GpuIds[0], 10_001), types.ErrInvalidGPU)
	require.ErrorIs(t, m.keeper.JailGPU(m.Ctx, 99, "x"), types.ErrGPUNotFound)
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))
	exported, err := m.keeper.ExportGenesis(m.Ctx)
	require.NoError(t, err)
	require.NoError(t, exported.Validate())
}

// TestLeaseGenesisRoundTrip exports a market with open, paused and closed leases, imports it
// into a fresh store and checks that indexes and queue come back the same.
func TestLeaseGenesisRoundTrip(t *testing.T) {
	m := newMarket(t, 3, 10)
	m.at(10)
	for _, deposit := range []int64{100, 5, 100} {
		_, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 1, 10, deposit))
		require.NoError(t, err)
	}
	_, err := m.ms.CloseLease(m.Ctx, &types.MsgCloseLease{Sender: m.tenant, LeaseId: 3, Reason: types.LEASE_CLOSE_REASON_TENANT_DONE})
	require.NoError(t, err)
	m.at(15)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx)) // lease 2 pauses
	require.Equal(t, types.LEASE_STATE_PAUSED, m.lease(t, 2).State)

	exported, err := m.keeper.ExportGenesis(m.Ctx)
	require.NoError(t, err)
	require.Len(t, exported.Leases, 3)
	fresh := newFixture(t)
	require.NoError(t, fresh.keeper.InitGenesis(fresh.Ctx, exported))
	again, err := fresh.keeper.ExportGenesis(fresh.Ctx)
	require.NoError(t, err)
	require.Equal(t, exported, again)
	queue := func(k keeper.Keeper, ctx sdk.Context) (out []collections.Pair[int64, uint64]) {
		require.NoError(t, k.LeaseQueue.Walk(ctx, nil, func(key collections.Pair[int64, uint64]) (bool, error) {
			out = append(out, key)
			return false, nil
		}))
		return out
	}
	require.Len(t, queue(m.keeper, m.Ctx), 2, "the open and the paused lease")
	require.Equal(t, queue(m.keeper, m.Ctx), queue(fresh.keeper, fresh.Ctx))
}

// TestCreateLeasePicksTheBestAvailableGPUs: a lease takes the provider's highest-scoring
// available GPUs (ties: lowest id), never a down or leased one, and honours min_gpu_score.
func TestCreateLeasePicksTheBestAvailableGPUs(t *testing.T) {
	m := newMarket(t, 5, 7)
	m.at(10)
	for id, score := range map[uint64]uint32{1: 5000, 2: 9000, 3: 9000, 4: 9500, 5: 7000} {
		g := m.gpu(t, id)
		g.Score, g.Down = score, id == 4
		require.NoError(t, m.keeper.SaveGPU(m.Ctx, g))
	}
	resp, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 2, 1, 20))
	require.NoError(t, err)
	require.Equal(t, []uint64{2, 3}, resp.GpuIds, "the two 9000s; GPU 4 is down")

	picky := func(gpus, minScore uint32) *types.MsgCreateLease {
		msg := leaseMsg(m.tenant, m.offerID, gpus, 1, 20)
		msg.MinGpuScore = minScore
		return msg
	}
	_, err = m.ms.CreateLease(m.Ctx, picky(1, 8000))
	require.ErrorIs(t, err, types.ErrNotEnoughGPUs, "9000s are leased, 9500 is down")
	_, err = m.ms.CreateLease(m.Ctx, picky(2, 6000))
	require.ErrorContains(t, err, "1 available")
	resp, err = m.ms.CreateLease(m.Ctx, picky(1, 6000))
	require.NoError(t, err)
	require.Equal(t, []uint64{5}, resp.GpuIds)
	_, err = m.ms.CreateLease(m.Ctx, picky(1, 10_001))
	require.ErrorIs(t, err, types.ErrInvalidLease, "scores stop at 10000")
}

func TestCreateLeaseOfAnyClassPicksTheBestValue(t *testing.T) {
	m := newMarket(t, 2, 100) // H100s: 1979 reference TOPS
	_, a100 := m.registeredProvider(t, "a100s")
	for i := 0; i < 2; i++ {
		msg := gpuMsg(a100, fmt.Sprintf("GPU-a100a100-0000-0000-0000-%012x", i))
		msg.Class, msg.Model = "A100-80G", "NVIDIA A100-SXM4-80GB"
		_, err := m.ms.RegisterGPU(m.Ctx, msg)
		require.NoError(t, err)
	}
	offer := offerMsg(a100, 40, 2)
	offer.Class = "A100-80G"
	a100Offer, err := m.ms.CreateOffer(m.Ctx, offer)
	require.NoError(t, err)

	anyClass := func(gpus uint32) *types.MsgCreateLease {
		msg := classLeaseMsg(m.tenant, gpus, 0, 1_000)
		msg.Class = types.AnyClass
		return msg
	}
	// Same scores: 100 per 1979 TOPS beats 40 per 624.
	resp, err := m.ms.CreateLease(m.Ctx, anyClass(1))
	require.NoError(t, err)
	require.Equal(t, "H100-SXM-80G", resp.Class)
	require.Equal(t, m.offerID, resp.OfferId)

	// A deposit of 30 pays 5 blocks of the A100 at 40 (20) but not of the H100 at 100 (50).
	poor := anyClass(1)
	poor.Deposit = uthal(30)
	resp, err = m.ms.CreateLease(m.Ctx, poor)
	require.NoError(t, err)
	require.Equal(t, "A100-80G", resp.Class)
	poor.Deposit = uthal(10)
	requireRejected(t, m.fixture, types.ErrInsufficientDeposit, func() error { _, err := m.ms.CreateLease(m.Ctx, poor); return err })

	// At 30 the A100 is the better buy.
	_, err = m.ms.UpdateOffer(m.Ctx, &types.MsgUpdateOffer{
		Provider: a100, OfferId: a100Offer.OfferId, PricePerGpuHour: uthal(30), MinLeaseHours: 1, MaxLeaseHours: 720, Gpus: 2,
	})
	require.NoError(t, err)
	resp, err = m.ms.CreateLease(m.Ctx, anyClass(1))
	require.NoError(t, err)
	require.Equal(t, "A100-80G", resp.Class)
	require.Equal(t, "A100-80G", m.lease(t, resp.LeaseId).Class)

	// One H100 is left and no A100: nothing serves two.
	requireRejected(t, m.fixture, types.ErrNoMatchingOffer, func() error { _, err := m.ms.CreateLease(m.Ctx, anyClass(2)); return err })
	ordered := anyClass(1)
	ordered.OrderTtl = 10
	requireRejected(t, m.fixture, types.ErrInvalidOrder, func() error { _, err := m.ms.CreateLease(m.Ctx, ordered); return err })
}
