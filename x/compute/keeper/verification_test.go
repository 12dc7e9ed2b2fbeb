package keeper_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/pkg/pow"
	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// powMarket is a market of one provider with two CPU-DEV GPUs (devnet preset), challenged
// every 10 blocks with a 3-block window; two misses mark a GPU down.
func powMarket(t *testing.T) *market {
	t.Helper()
	f := newFixture(t)
	p := leaseParams()
	p.ChallengeInterval, p.ChallengeWindow, p.MissedChallengesToDown, p.ScoreWindow = 10, 3, 2, 2
	require.NoError(t, f.keeper.Params.Set(f.Ctx, p))
	m := &market{fixture: f, ms: keeper.NewMsgServerImpl(f.keeper)}
	m.providerAd, m.provider = f.registeredProvider(t, "provider")
	for _, uuid := range []string{testUUID, testUUID2} {
		msg := gpuMsg(m.provider, uuid)
		msg.Class = "CPU-DEV"
		_, err := m.ms.RegisterGPU(f.Ctx, msg)
		require.NoError(t, err)
	}
	m.tenantAd, m.tenant = f.fund(t, "tenant", sdk.NewCoins(uthal(1_000_000)))
	offer := offerMsg(m.provider, 10, 2) // 1 uthal per GPU-block
	offer.Class = "CPU-DEV"
	resp, err := m.ms.CreateOffer(f.Ctx, offer)
	require.NoError(t, err)
	m.offerID = resp.OfferId
	return m
}

// nextChallenge runs EndBlock at the GPU's scheduled height and returns the challenge issued.
func (m *market) nextChallenge(t *testing.T, gpuID uint64) types.Challenge {
	t.Helper()
	m.at(m.gpu(t, gpuID).NextChallengeHeight)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	id, err := m.keeper.NextChallengeID.Peek(m.Ctx)
	require.NoError(t, err)
	for id--; id > 0; id-- {
		c, err := m.keeper.Challenges.Get(m.Ctx, id)
		require.NoError(t, err)
		if c.GpuId == gpuID {
			require.Equal(t, types.CHALLENGE_STATE_OPEN, c.State)
			return c
		}
	}
	t.Fatalf("no challenge for gpu %d", gpuID)
	return types.Challenge{}
}

// solve answers a challenge honestly with the CPU backend over a few batches.
func solve(t *testing.T, c types.Challenge) *types.MsgSubmitWork {
	t.Helper()
	params, err := pow.Preset(c.Preset)
	require.NoError(t, err)
	task := pow.Task{Params: params, Seed: pow.Seed(c.Seed), TableSeed: pow.Seed(c.TableSeed)}
	const batches = 24
	found, err := (&pow.CPU{}).SearchBatches(context.Background(), task, 0, batches)
	require.NoError(t, err)
	msg := &types.MsgSubmitWork{
		Provider: c.Provider, ChallengeId: c.Id, NoncesTried: batches * uint64(params.BatchRows),
		Telemetry: types.Telemetry{GpuUtilizationPct: 99, PowerMw: 300_000, Simulated: true},
	}
	for _, w := range found {
		msg.Winners = append(msg.Winners, types.PowWinner{Nonce: w.Nonce, Digest: w.Digest})
	}
	require.NotEmpty(t, msg.Winners)
	return msg
}

func TestChallengeIssueSubmitAndVerdicts(t *testing.T) {
	m := powMarket(t)
	c := m.nextChallenge(t, 1)
	require.Equal(t, "devnet", c.Preset)
	require.Equal(t, c.IssuedHeight+3, c.DeadlineHeight)
	require.Len(t, c.Seed, 32)
	require.Contains(t, eventTypes(m.Ctx), "thalamus.compute.v1.EventChallengeIssued")
	require.Equal(t, c.IssuedHeight+10, m.gpu(t, 1).NextChallengeHeight, "the next challenge is scheduled")

	work := solve(t, c)
	_, stranger := m.fund(t, "stranger", sdk.NewCoins(uthal(1)))
	mutate := func(change func(*types.MsgSubmitWork)) *types.MsgSubmitWork {
		cp := *work
		cp.Winners = append([]types.PowWinner{}, work.Winners...)
		change(&cp)
		return &cp
	}
	tests := []struct {
		name    string
		msg     *types.MsgSubmitWork
		wantErr error
	}{
		{"bad address", mutate(func(w *types.MsgSubmitWork) { w.Provider = "x" }), types.ErrInvalidAddress},
		{"unknown challenge", mutate(func(w *types.MsgSubmitWork) { w.ChallengeId = 99 }), types.ErrChallengeNotFound},
		{"another provider", mutate(func(w *types.MsgSubmitWork) { w.Provider = stranger }), types.ErrNotGPUOwner},
		{"unsorted winners", mutate(func(w *types.MsgSubmitWork) { w.Winners[0], w.Winners[1] = w.Winners[1], w.Winners[0] }), types.ErrInvalidWork},
		{"duplicate winner", mutate(func(w *types.MsgSubmitWork) { w.Winners = append(w.Winners, w.Winners[len(w.Winners)-1]) }), types.ErrInvalidWork},
		{"losing digest", mutate(func(w *types.MsgSubmitWork) { w.Winners[0].Digest = 0xFFFFFFFF }), types.ErrInvalidWork},
		{"nonce beyond those tried", mutate(func(w *types.MsgSubmitWork) { w.NoncesTried = w.Winners[len(w.Winners)-1].Nonce }), types.ErrInvalidWork},
		{"too many winners", mutate(func(w *types.MsgSubmitWork) {
			for i := uint64(0); i < 600; i++ {
				w.Winners = append(w.Winners, types.PowWinner{Nonce: w.NoncesTried + i})
			}
			w.NoncesTried += 600
		}), types.ErrInvalidWork},
		{"utilization above 100", mutate(func(w *types.MsgSubmitWork) { w.Telemetry.GpuUtilizationPct = 101 }), types.ErrInvalidWork},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, m.fixture, tc.wantErr, func() error { _, err := m.ms.SubmitWork(m.Ctx, tc.msg); return err })
		})
	}

	_, err := m.ms.SubmitWork(m.Ctx, work)
	require.NoError(t, err)
	got, err := m.keeper.Challenges.Get(m.Ctx, c.Id)
	require.NoError(t, err)
	require.Equal(t, types.CHALLENGE_STATE_SUBMITTED, got.State)
	require.Len(t, got.Winners, len(work.Winners))
	requireRejected(t, m.fixture, types.ErrChallengeClosed, func() error { _, err := m.ms.SubmitWork(m.Ctx, work); return err })

	// The verdict moves the score half-way (score_window 2) to winners / expected.
	score := m.gpu(t, 1).Score
	rewards := m.rewards
	rewards.credits = nil
	require.NoError(t, m.keeper.SettleChallenge(m.Ctx, c.Id, types.CHALLENGE_STATE_PASSED))
	sample := min(int64(len(work.Winners))*10_000/int64(c.ExpectedWinners), 10_000)
	require.Equal(t, uint32(int64(score)+(sample-int64(score))/2), m.gpu(t, 1).Score)
	require.Equal(t, types.ATTESTATION_TIER_WORK_VERIFIED, m.gpu(t, 1).AttestationTier)
	require.ErrorIs(t, m.keeper.SettleChallenge(m.Ctx, c.Id, types.CHALLENGE_STATE_PASSED), types.ErrChallengeClosed)
	// The pass pays the provider for challenge_interval blocks of GPU time at the new score.
	params, err := m.keeper.Params.Get(m.Ctx)
	require.NoError(t, err)
	hours := math.LegacyNewDec(int64(params.ChallengeInterval)).QuoInt64(int64(params.BlocksPerHour))
	require.Equal(t, []string{fmt.Sprintf("%s:1:%s:%d:false", m.provider, hours, m.gpu(t, 1).Score)}, rewards.credits)

	// Work after the deadline is refused.
	late := m.nextChallenge(t, 1)
	m.at(late.DeadlineHeight + 1)
	requireRejected(t, m.fixture, types.ErrChallengeClosed, func() error { _, err := m.ms.SubmitWork(m.Ctx, solve(t, late)); return err })
}

// Missing challenges marks a leased GPU down and stops billing its lease; answering again
// brings it back and billing resumes. A fraud verdict then jails the GPU, closes the lease
// and slashes collateral.
func TestChallengeDowntimeAndFraud(t *testing.T) {
	m := powMarket(t)
	lease, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 1, 100, 5_000))
	require.NoError(t, err)
	gpuID := lease.GpuIds[0]

	first := m.nextChallenge(t, gpuID)
	m.at(first.DeadlineHeight + 1)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	missed, err := m.keeper.Challenges.Get(m.Ctx, first.Id)
	require.NoError(t, err)
	require.Equal(t, types.CHALLENGE_STATE_MISSED, missed.State)
	require.False(t, m.gpu(t, gpuID).Down, "one miss is not yet downtime")

	second := m.nextChallenge(t, gpuID)
	m.at(second.DeadlineHeight + 1)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	require.True(t, m.gpu(t, gpuID).Down)
	suspendedAt := m.Ctx.BlockHeight()
	l := m.lease(t, lease.LeaseId)
	require.True(t, l.BillingSuspended)
	billed := l.BilledBlocks
	require.Equal(t, uint64(suspendedAt-l.CreatedHeight), billed, "billed up to the moment the GPU went down")
	require.Contains(t, eventTypes(m.Ctx), "thalamus.compute.v1.EventLeaseBillingSuspended")

	// Down GPUs are not matched.
	requireRejected(t, m.fixture, types.ErrNotEnoughGPUs, func() error {
		msg := leaseMsg(m.tenant, m.offerID, 2, 1, 5_000)
		_, err := m.ms.CreateLease(m.Ctx, msg)
		return err
	})

	third := m.nextChallenge(t, gpuID)
	_, err = m.ms.SubmitWork(m.Ctx, solve(t, third))
	require.NoError(t, err)
	require.False(t, m.gpu(t, gpuID).Down)
	l = m.lease(t, lease.LeaseId)
	require.False(t, l.BillingSuspended)
	require.Equal(t, billed, l.BilledBlocks, "the down time was not billed")
	m.at(m.Ctx.BlockHeight() + 4)
	resp, err := m.ms.WithdrawLease(m.Ctx, &types.MsgWithdrawLease{Provider: m.provider, LeaseId: lease.LeaseId})
	require.NoError(t, err)
	require.Equal(t, billed+4, m.lease(t, lease.LeaseId).BilledBlocks, "billing resumed")
	require.True(t, resp.Paid.IsPositive())
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))

	collateral, err := m.keeper.Providers.Get(m.Ctx, m.providerAd)
	require.NoError(t, err)
	tenantBefore := m.balance(m.tenantAd)
	escrowLeft := m.lease(t, lease.LeaseId).Escrow.Amount.Int64()
	m.at(m.Ctx.BlockHeight() + 2) // two more billed blocks before the verdict
	rewards := m.rewards
	rewards.credits = nil
	require.NoError(t, m.keeper.SettleChallenge(m.Ctx, third.Id, types.CHALLENGE_STATE_FRAUD))
	require.Equal(t, []string{fmt.Sprintf("forfeit %s:%d:proof-of-work fraud in challenge %d", m.provider, gpuID, third.Id)}, rewards.credits,
		"fraud earns nothing and voids the GPU's epoch")
	require.Equal(t, types.GPU_STATUS_JAILED, m.gpu(t, gpuID).Status)
	closed := m.lease(t, lease.LeaseId)
	require.Equal(t, types.LEASE_CLOSE_REASON_PROVIDER_FAULT, closed.CloseReason)
	// Billed since the fraudulent challenge was issued: 1 uthal per block, refunded from collateral.
	refund := closed.AccruedHeight - third.IssuedHeight
	require.Positive(t, refund)
	require.Equal(t, tenantBefore+escrowLeft-2+refund, m.balance(m.tenantAd), "unspent escrow plus the fraudulent blocks")
	after, err := m.keeper.Providers.Get(m.Ctx, m.providerAd)
	require.NoError(t, err)
	left := collateral.Collateral.Amount.SubRaw(refund)
	require.Equal(t, left.Sub(math.LegacyNewDecWithPrec(5, 2).MulInt(left).TruncateInt()), after.Collateral.Amount)
	require.NoError(t, m.keeper.EscrowInvariant(m.Ctx))

	// A jailed GPU leaves the schedule.
	m.at(m.gpu(t, gpuID).NextChallengeHeight)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	require.Zero(t, m.gpu(t, gpuID).NextChallengeHeight)

	exported, err := m.keeper.ExportGenesis(m.Ctx)
	require.NoError(t, err)
	require.NoError(t, exported.Validate())
	fresh := newFixture(t)
	require.NoError(t, fresh.keeper.InitGenesis(fresh.Ctx, exported))
	again, err := fresh.keeper.ExportGenesis(fresh.Ctx)
	require.NoError(t, err)
	require.Equal(t, exported, again)
}

func TestChallengeIssuanceIsBounded(t *testing.T) {
	m := powMarket(t)
	p, err := m.keeper.Params.Get(m.Ctx)
	require.NoError(t, err)
	p.MaxChallengesPerBlock = 1
	require.NoError(t, m.keeper.Params.Set(m.Ctx, p))
	m.at(100) // both GPUs are due
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	next, err := m.keeper.NextChallengeID.Peek(m.Ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(2), next, "one challenge in the first block")
	m.at(101)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	next, err = m.keeper.NextChallengeID.Peek(m.Ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(3), next, "the other in the next")
	epoch, err := m.keeper.PowEpoch.Get(m.Ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), epoch.Number)
}

// A GPU whose class's preset x/oracle does not accept is not challenged (only rescheduled);
// once it is accepted, challenges resume, and submitted work opens a verification task.
func TestChallengesNeedAnAcceptedPreset(t *testing.T) {
	m := powMarket(t)
	oracle := m.oracle
	oracle.acceptAll = false
	gpu := m.gpu(t, 1)
	m.at(gpu.NextChallengeHeight)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	next, err := m.keeper.NextChallengeID.Peek(m.Ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), next, "no challenge issued for an unaccepted preset")
	require.Equal(t, gpu.NextChallengeHeight+10, m.gpu(t, 1).NextChallengeHeight, "rescheduled one interval later")

	oracle.presets = []string{"devnet"}
	c := m.nextChallenge(t, 1)
	_, err = m.ms.SubmitWork(m.Ctx, solve(t, c))
	require.NoError(t, err)
	require.Equal(t, []uint64{c.Id}, oracle.opened, "submitted work is handed to the oracle")
}

// Agents poll their open challenges through an index of open ones; other states filter the
// provider's whole list.
func TestQueryChallengesByState(t *testing.T) {
	m := powMarket(t)
	q := keeper.NewQueryServerImpl(m.keeper)
	first := m.nextChallenge(t, 1)
	_, err := m.ms.SubmitWork(m.Ctx, solve(t, first))
	require.NoError(t, err)
	second := m.nextChallenge(t, 2)
	ids := func(state types.ChallengeState) []uint64 {
		resp, err := q.ChallengesByProvider(m.Ctx, &types.QueryChallengesByProviderRequest{Provider: m.provider, State: state})
		require.NoError(t, err)
		var out []uint64
		for _, c := range resp.Challenges {
			out = append(out, c.Id)
		}
		return out
	}
	open := ids(types.CHALLENGE_STATE_OPEN)
	require.Contains(t, open, second.Id)
	require.NotContains(t, open, first.Id)
	for _, id := range open {
		c, err := m.keeper.Challenges.Get(m.Ctx, id)
		require.NoError(t, err)
		require.Equal(t, types.CHALLENGE_STATE_OPEN, c.State)
	}
	require.Equal(t, []uint64{first.Id}, ids(types.CHALLENGE_STATE_SUBMITTED))
	require.Subset(t, ids(types.CHALLENGE_STATE_UNSPECIFIED), append(open, first.Id))
	// Past every window, with the schedule paused, nothing is open any more.
	p, err := m.keeper.Params.Get(m.Ctx)
	require.NoError(t, err)
	p.MaxChallengesPerBlock = 100
	require.NoError(t, m.keeper.Params.Set(m.Ctx, p))
	require.NoError(t, m.keeper.ChallengeSchedule.Clear(m.Ctx, nil))
	m.at(m.Ctx.BlockHeight() + 20)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx))
	require.Empty(t, ids(types.CHALLENGE_STATE_OPEN), "missed challenges leave the open index")
	one, err := q.Challenge(m.Ctx, &types.QueryChallengeRequest{Id: second.Id})
	require.NoError(t, err)
	require.Equal(t, types.CHALLENGE_STATE_MISSED, one.Challenge.State)
	epoch, err := q.PowEpoch(m.Ctx, &types.QueryPowEpochRequest{})
	require.NoError(t, err)
	require.Equal(t, uint64(1), epoch.Epoch.Number)
}
