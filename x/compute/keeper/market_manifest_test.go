package keeper_test

import (
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

var testManifestHash = sha256.Sum256([]byte(`{"command":["serve"]}`))

// pendingLease creates a 1-GPU, 2-hour (20-block) lease with a manifest; start timeout 5 blocks.
func pendingLease(t *testing.T, m *market) uint64 {
	t.Helper()
	p := leaseParams()
	p.StartTimeoutBlocks = 5
	require.NoError(t, m.keeper.Params.Set(m.Ctx, p))
	msg := leaseMsg(m.tenant, m.offerID, 1, 2, 100)
	msg.ManifestHash = testManifestHash[:]
	resp, err := m.ms.CreateLease(m.Ctx, msg)
	require.NoError(t, err)
	return resp.LeaseId
}

// A lease with a manifest waits unbilled for the provider's confirmation; billing and its
// hours start at the confirmation.
func TestConfirmLease(t *testing.T) {
	m := newMarket(t, 2, 10) // 1 uthal per block
	start := m.Ctx.BlockHeight()
	id := pendingLease(t, m)
	l := m.lease(t, id)
	require.Equal(t, types.LEASE_STATE_PENDING, l.State)
	require.Equal(t, testManifestHash[:], l.ManifestHash)
	require.Equal(t, start+5, l.StartDeadlineHeight)
	require.Equal(t, types.GPU_STATUS_LEASED, m.gpu(t, l.GpuIds[0]).Status, "the GPU is held for the workload")

	m.at(start + 3)
	_, err := m.ms.WithdrawLease(m.Ctx, &types.MsgWithdrawLease{Provider: m.provider, LeaseId: id})
	require.NoError(t, err)
	require.Zero(t, m.lease(t, id).BilledBlocks, "nothing is billed before the workload runs")

	_, stranger := m.fund(t, "stranger", sdk.NewCoins(uthal(1)))
	other := sha256.Sum256([]byte("other"))
	confirm := func(provider string, id uint64, hash []byte) *types.MsgConfirmLease {
		return &types.MsgConfirmLease{Provider: provider, LeaseId: id, ManifestHash: hash}
	}
	tests := []struct {
		name    string
		msg     *types.MsgConfirmLease
		wantErr error
	}{
		{"bad address", confirm("x", id, testManifestHash[:]), types.ErrInvalidAddress},
		{"unknown lease", confirm(m.provider, 99, testManifestHash[:]), types.ErrLeaseNotFound},
		{"not the provider", confirm(stranger, id, testManifestHash[:]), types.ErrNotLeaseParty},
		{"the tenant", confirm(m.tenant, id, testManifestHash[:]), types.ErrNotLeaseParty},
		{"no hash", confirm(m.provider, id, nil), types.ErrInvalidManifest},
		{"short hash", confirm(m.provider, id, testManifestHash[:8]), types.ErrInvalidManifest},
		{"other manifest", confirm(m.provider, id, other[:]), types.ErrManifestMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, m.fixture, tc.wantErr, func() error { _, err := m.ms.ConfirmLease(m.Ctx, tc.msg); return err })
		})
	}

	resp, err := m.ms.ConfirmLease(m.Ctx, confirm(m.provider, id, testManifestHash[:]))
	require.NoError(t, err)
	require.Equal(t, start+3+20, resp.EndHeight, "the 2 leased hours count from the confirmation")
	l = m.lease(t, id)
	require.Equal(t, types.LEASE_STATE_ACTIVE, l.State)
	require.Equal(t, start+3, l.ConfirmedHeight)
	require.Contains(t, eventTypes(m.Ctx), "thalamus.compute.v1.EventLeaseConfirmed")

	m.at(start + 7)
	_, err = m.ms.WithdrawLease(m.Ctx, &types.MsgWithdrawLease{Provider: m.provider, LeaseId: id})
	require.NoError(t, err)
	require.Equal(t, uint64(4), m.lease(t, id).BilledBlocks, "billed from the confirmation")
	// Past its start deadline a confirmed lease stays open.
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	require.Equal(t, types.LEASE_STATE_ACTIVE, m.lease(t, id).State)
	requireRejected(t, m.fixture, types.ErrLeaseNotPending, func() error {
		_, err := m.ms.ConfirmLease(m.Ctx, confirm(m.provider, id, testManifestHash[:]))
		return err
	})
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))
}

// A lease whose workload is not confirmed by its start deadline closes as not_started and
// refunds the tenant in full.
func TestPendingLeaseTimesOut(t *testing.T) {
	m := newMarket(t, 2, 10)
	start := m.Ctx.BlockHeight()
	before := m.balance(m.tenantAd)
	id := pendingLease(t, m)
	for h := start + 1; h <= start+5; h++ {
		m.at(h)
		require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	}
	require.Equal(t, types.LEASE_STATE_PENDING, m.lease(t, id).State, "the deadline block itself may still confirm")
	m.at(start + 6)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	l := m.lease(t, id)
	require.Equal(t, types.LEASE_STATE_CLOSED, l.State)
	require.Equal(t, types.LEASE_CLOSE_REASON_NOT_STARTED, l.CloseReason)
	require.Equal(t, before, m.balance(m.tenantAd), "refunded in full")
	require.Equal(t, types.GPU_STATUS_AVAILABLE, m.gpu(t, l.GpuIds[0]).Status)
	requireRejected(t, m.fixture, types.ErrLeaseClosed, func() error {
		_, err := m.ms.ConfirmLease(m.Ctx, &types.MsgConfirmLease{Provider: m.provider, LeaseId: id, ManifestHash: testManifestHash[:]})
		return err
	})
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))
}

func TestCreateLeaseRejectsBadManifestHash(t *testing.T) {
	m := newMarket(t, 1, 10)
	msg := leaseMsg(m.tenant, m.offerID, 1, 2, 100)
	msg.ManifestHash = []byte("short")
	requireRejected(t, m.fixture, types.ErrInvalidManifest, func() error { _, err := m.ms.CreateLease(m.Ctx, msg); return err })
}

// The tenant may give up on a pending lease: nothing was billed, all comes back.
func TestClosePendingLeaseRefundsAll(t *testing.T) {
	m := newMarket(t, 1, 10)
	before := m.balance(m.tenantAd)
	id := pendingLease(t, m)
	m.at(m.Ctx.BlockHeight() + 2)
	out, err := m.ms.CloseLease(m.Ctx, &types.MsgCloseLease{Sender: m.tenant, LeaseId: id, Reason: types.LEASE_CLOSE_REASON_UNSATISFACTORY_SERVICE})
	require.NoError(t, err)
	require.True(t, out.Paid.IsZero())
	require.Equal(t, before, m.balance(m.tenantAd))
}
