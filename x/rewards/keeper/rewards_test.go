package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/x/rewards/keeper"
	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// Twice the verified GPU-hours at the same score earn twice the compute reward, and a device
// at half the quality earns half of what an equal healthy device earns.
func TestRewardsSplitInProportionToWorkAndQuality(t *testing.T) {
	f := newFixture(t)
	alice, bob := testAddress("alice"), testAddress("bob")
	healthy, faulty := testAddress("healthy"), testAddress("faulty")
	hour := math.LegacyOneDec()
	require.NoError(t, f.keeper.AddComputeWork(f.Ctx, alice, 1, hour, 8000, true))
	require.NoError(t, f.keeper.AddComputeWork(f.Ctx, alice, 1, hour, 8000, false))
	require.NoError(t, f.keeper.AddComputeWork(f.Ctx, bob, 2, hour, 8000, true))
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, healthy, 1, 1000, 10000))
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, faulty, 2, 1000, 5000))

	epoch := f.endEpoch(t)
	require.Equal(t, dec("2.4"), epoch.Pools[0].Units) // 3 GPU-hours x 0.8
	require.Equal(t, dec("1500"), epoch.Pools[1].Units)
	require.Equal(t, dec("0.666666666666666667"), epoch.Utilization)

	pay := func(addr sdk.AccAddress) math.Int {
		paid, _, err := f.keeper.Claim(f.Ctx, addr)
		require.NoError(t, err)
		return paid.Amount
	}
	a, b := pay(alice), pay(bob)
	require.InDelta(t, 2*b.Int64(), a.Int64(), 2, "alice verified twice bob's hours: %s vs %s", a, b)
	h, q := pay(healthy), pay(faulty)
	require.InDelta(t, 2*q.Int64(), h.Int64(), 2, "half the quality earns half: %s vs %s", h, q)

	// Each pool paid at most its amount, and together what it was given minus rounding dust.
	require.True(t, a.Add(b).LTE(epoch.Pools[0].Amount))
	require.True(t, epoch.Pools[0].Amount.Sub(a.Add(b)).LTE(math.NewInt(2)))
	require.True(t, h.Add(q).LTE(epoch.Pools[1].Amount))
	require.Equal(t, f.bank.balance(alice), a)
	require.NoError(t, f.keeper.Invariants(f.Ctx))
}

// An epoch mints its scheduled emission; the community pool gets its share plus every pool
// nobody worked for.
func TestEpochMintsScheduleAndFundsCommunity(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, testAddress("op"), 1, 100, 9000))

	epoch := f.endEpoch(t)
	require.Equal(t, p.InitialEpochEmission, epoch.Emission)
	require.Equal(t, int64(1), epoch.StartHeight)
	require.Equal(t, int64(10), epoch.EndHeight)
	require.Equal(t, math.NewInt(1_000_000_000).Add(epoch.Emission), f.bank.supply)
	// No GPU work: utilization 0, so the sensor share rises by the full max_share_shift.
	require.Equal(t, p.SensorShare.Add(p.MaxShareShift), epoch.Pools[1].Share)
	sensors := p.SensorShare.Add(p.MaxShareShift).MulInt(epoch.Emission).TruncateInt()
	require.Equal(t, sensors, epoch.Pools[1].Amount)
	require.True(t, epoch.Pools[0].Amount.IsZero() && epoch.Pools[2].Amount.IsZero())
	require.Equal(t, epoch.Emission.Sub(sensors), epoch.Community)
	require.Equal(t, epoch.Community, f.bank.communityPool())
	outstanding, err := f.keeper.Outstanding.Get(f.Ctx)
	require.NoError(t, err)
	require.Equal(t, sensors, outstanding)
	require.Contains(t, eventTypes(f.Ctx), "thalamus.rewards.v1.EventEpochClosed")

	// The next epoch is open and decays.
	cur, err := f.keeper.CurrentEpoch.Get(f.Ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), cur.Number)
	require.Equal(t, int64(11), cur.StartHeight)
	next := f.endEpoch(t)
	require.Equal(t, p.DecayPerEpoch.MulInt(p.InitialEpochEmission).TruncateInt(), next.Emission)
	require.Equal(t, next.Emission, next.Community, "an epoch without work sends everything to the community pool")
	require.NoError(t, f.keeper.Invariants(f.Ctx))
}

func TestEmissionStopsAtSupplyCap(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	f.bank.supply = p.SupplyCap.Sub(math.NewInt(12345))
	require.Equal(t, math.NewInt(12345), f.endEpoch(t).Emission)
	require.Equal(t, p.SupplyCap, f.bank.supply)
	require.True(t, f.endEpoch(t).Emission.IsZero())
	require.Equal(t, p.SupplyCap, f.bank.supply)
	require.NoError(t, f.keeper.Invariants(f.Ctx))
}

// A failing mint leaves the epoch open; it closes on a later block once minting works.
func TestEpochCloseFailureRetries(t *testing.T) {
	f := newFixture(t)
	f.bank.failMint = true
	f.Ctx = f.Ctx.WithBlockHeight(10)
	require.NoError(t, f.keeper.EndBlock(f.Ctx))
	has, err := f.keeper.Epochs.Has(f.Ctx, 0)
	require.NoError(t, err)
	require.False(t, has)
	require.Equal(t, math.NewInt(1_000_000_000), f.bank.supply)
	f.bank.failMint = false
	f.Ctx = f.Ctx.WithBlockHeight(11)
	require.NoError(t, f.keeper.EndBlock(f.Ctx))
	e, err := f.keeper.Epochs.Get(f.Ctx, 0)
	require.NoError(t, err)
	require.Equal(t, int64(11), e.EndHeight)
}

func TestUtilizationMovesTheComputeShare(t *testing.T) {
	p := types.DefaultParams()
	cases := []struct{ u, compute, sensor string }{
		{"0", "0.35", "0.40"},
		{"0.35", "0.40", "0.35"},
		{"0.70", "0.45", "0.30"},
		{"0.85", "0.50", "0.25"},
		{"1", "0.55", "0.20"},
		{"2", "0.55", "0.20"},
	}
	for _, c := range cases {
		compute, sensor := p.AdjustedShares(dec(c.u))
		require.Equal(t, dec(c.compute), compute, "u=%s", c.u)
		require.Equal(t, dec(c.sensor), sensor, "u=%s", c.u)
	}

	f := newFixture(t)
	require.NoError(t, f.keeper.AddComputeWork(f.Ctx, testAddress("p"), 1, dec("1"), 10000, true))
	epoch := f.endEpoch(t)
	require.Equal(t, math.LegacyOneDec(), epoch.Utilization)
	require.Equal(t, dec("0.55"), epoch.Pools[0].Share)
}

func TestValidatorWorkPaysTheOperator(t *testing.T) {
	f := newFixture(t)
	big, bigOp := f.addValidator(t, "big")
	small, smallOp := f.addValidator(t, "small")
	require.NoError(t, f.keeper.AddValidatorWork(f.Ctx, big, 30, 4))
	require.NoError(t, f.keeper.AddValidatorWork(f.Ctx, small, 10, 4))
	// A validator that left the set, or one with no valid report, earns nothing.
	require.NoError(t, f.keeper.AddValidatorWork(f.Ctx, sdk.ConsAddress(testAddress("gone")), 50, 4))
	require.NoError(t, f.keeper.AddValidatorWork(f.Ctx, small, 10, 0))
	f.endEpoch(t)
	b, _, err := f.keeper.Claim(f.Ctx, bigOp)
	require.NoError(t, err)
	s, _, err := f.keeper.Claim(f.Ctx, smallOp)
	require.NoError(t, err)
	require.InDelta(t, 3*s.Amount.Int64(), b.Amount.Int64(), 3, "3x the stake, same reports: %s vs %s", b, s)
	_, _, err = f.keeper.Claim(f.Ctx, testAddress("gone"))
	require.ErrorIs(t, err, types.ErrNothingToClaim)
}

func TestAddWorkRejectsBadScore(t *testing.T) {
	f := newFixture(t)
	before, err := f.keeper.CurrentEpoch.Get(f.Ctx)
	require.NoError(t, err)
	require.ErrorIs(t, f.keeper.AddComputeWork(f.Ctx, testAddress("p"), 1, dec("1"), 10001, false), types.ErrInvalidWork)
	require.ErrorIs(t, f.keeper.AddSensorWork(f.Ctx, testAddress("p"), 1, 10, 10001), types.ErrInvalidWork)
	require.ErrorIs(t, f.keeper.AddComputeWork(f.Ctx, testAddress("p"), 1, dec("-1"), 100, false), types.ErrInvalidWork)
	after, err := f.keeper.CurrentEpoch.Get(f.Ctx)
	require.NoError(t, err)
	require.Equal(t, before, after)
	has, err := f.keeper.Accruals.Has(f.Ctx, collectionsKey(testAddress("p"), 0))
	require.NoError(t, err)
	require.False(t, has)
}

func TestClaimRewards(t *testing.T) {
	f := newFixture(t)
	srv := keeper.NewMsgServerImpl(f.keeper)
	op := testAddress("op")
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, op, 1, 100, 10000))

	// Work in the open epoch is not claimable yet.
	_, err := srv.ClaimRewards(f.Ctx, &types.MsgClaimRewards{Claimant: f.bech32(t, op)})
	require.ErrorIs(t, err, types.ErrNothingToClaim)

	first := f.endEpoch(t)
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, op, 1, 100, 10000))
	second := f.endEpoch(t)
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, op, 1, 100, 10000)) // epoch 2, still open

	res, err := srv.ClaimRewards(f.Ctx, &types.MsgClaimRewards{Claimant: f.bech32(t, op)})
	require.NoError(t, err)
	require.Equal(t, []uint64{0, 1}, res.Epochs)
	// The only worker of a pool gets the whole pool, less at most a unit of rounding.
	want := first.Pools[1].Amount.Add(second.Pools[1].Amount)
	require.True(t, want.Sub(res.Amount.Amount).LTE(math.NewInt(2)), "%s vs %s", want, res.Amount)
	require.Equal(t, res.Amount.Amount, f.bank.balance(op))
	require.Contains(t, eventTypes(f.Ctx), "thalamus.rewards.v1.EventRewardsClaimed")

	// Claimed epochs are not paid twice.
	_, err = srv.ClaimRewards(f.Ctx, &types.MsgClaimRewards{Claimant: f.bech32(t, op)})
	require.ErrorIs(t, err, types.ErrNothingToClaim)
	acc, err := f.keeper.Accruals.Get(f.Ctx, collectionsKey(op, 0))
	require.NoError(t, err)
	require.Equal(t, f.Ctx.BlockHeight(), acc.ClaimedHeight)

	// A malformed claimant is rejected and changes nothing.
	_, err = srv.ClaimRewards(f.Ctx, &types.MsgClaimRewards{Claimant: "cosmos1bad"})
	require.ErrorIs(t, err, types.ErrInvalidAddress)
	require.NoError(t, f.keeper.Invariants(f.Ctx))
}

func TestInvariantsCatchMissingFunds(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, testAddress("op"), 1, 100, 10000))
	f.endEpoch(t)
	require.NoError(t, f.keeper.Invariants(f.Ctx))
	module := authtypes.NewModuleAddress(types.ModuleName)
	f.bank.balances[string(module)] = sdk.NewCoins(sdk.NewInt64Coin(denom, 1))
	require.ErrorContains(t, f.keeper.Invariants(f.Ctx), "owes")

	f = newFixture(t)
	f.endEpoch(t)
	require.NoError(t, f.keeper.TotalMinted.Set(f.Ctx, math.NewInt(1)))
	require.ErrorContains(t, f.keeper.Invariants(f.Ctx), "total_minted")
}

// Proven fraud voids the GPU's units of the epoch: the provider's receipt keeps the GPU's
// verified hours, shows no units and says why, and its other GPUs still earn.
func TestForfeitVoidsTheGPUsEpoch(t *testing.T) {
	f := newFixture(t)
	cheat, honest := testAddress("cheat"), testAddress("honest")
	require.NoError(t, f.keeper.AddComputeWork(f.Ctx, cheat, 5, dec("1"), 9000, true))
	require.NoError(t, f.keeper.AddComputeWork(f.Ctx, cheat, 6, dec("1"), 9000, true))
	require.NoError(t, f.keeper.AddComputeWork(f.Ctx, honest, 1, dec("1"), 9000, true))
	require.ErrorIs(t, f.keeper.ForfeitComputeWork(f.Ctx, cheat, 5, ""), types.ErrInvalidWork)
	require.NoError(t, f.keeper.ForfeitComputeWork(f.Ctx, cheat, 5, "proof-of-work fraud in challenge 7"))
	require.NoError(t, f.keeper.AddComputeWork(f.Ctx, cheat, 5, dec("1"), 9000, true)) // nothing more this epoch
	require.Contains(t, eventTypes(f.Ctx), "thalamus.rewards.v1.EventWorkForfeited")
	// A GPU with no work yet in the epoch still gets a receipt line.
	require.NoError(t, f.keeper.ForfeitComputeWork(f.Ctx, testAddress("new"), 9, "proof-of-work fraud in challenge 8"))
	epoch := f.endEpoch(t)
	require.Equal(t, dec("1.8"), epoch.Pools[0].Units)

	res, err := keeper.NewQueryServerImpl(f.keeper).Receipts(f.Ctx, &types.QueryReceiptsRequest{Address: f.bech32(t, cheat)})
	require.NoError(t, err)
	require.Len(t, res.Receipts, 1)
	items := res.Receipts[0].Items
	require.Equal(t, "gpu/5", items[0].Source)
	require.Equal(t, "proof-of-work fraud in challenge 7", items[0].Forfeited)
	require.True(t, items[0].Units.IsZero())
	require.Equal(t, dec("2"), items[0].Quantity)
	require.Equal(t, dec("0.9"), items[1].Units)
	c, _, err := f.keeper.Claim(f.Ctx, cheat)
	require.NoError(t, err)
	h, _, err := f.keeper.Claim(f.Ctx, honest)
	require.NoError(t, err)
	require.Equal(t, h, c, "the cheat is paid for its honest GPU only")
	require.NoError(t, f.keeper.Invariants(f.Ctx))
}

// A task's batches credited at once leave the state and events that crediting them one by
// one leaves: an owner with several devices, a device credited twice, another owner.
func TestAddSensorWorksEqualsOneByOne(t *testing.T) {
	a, b := testAddress("gateway-a"), testAddress("gateway-b")
	works := []types.SensorWork{
		{Owner: a, DeviceID: 1, Readings: 10, Score: 9000},
		{Owner: b, DeviceID: 7, Readings: 600, Score: 10000},
		{Owner: a, DeviceID: 2, Readings: 10, Score: 0},
		{Owner: a, DeviceID: 1, Readings: 12, Score: 7777},
	}
	together, single := newFixture(t), newFixture(t)
	require.NoError(t, together.keeper.AddSensorWorks(together.Ctx, works))
	for _, w := range works {
		require.NoError(t, single.keeper.AddSensorWork(single.Ctx, w.Owner, w.DeviceID, w.Readings, w.Score))
	}
	want, err := single.keeper.ExportGenesis(single.Ctx)
	require.NoError(t, err)
	got, err := together.keeper.ExportGenesis(together.Ctx)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, single.Ctx.EventManager().Events(), together.Ctx.EventManager().Events())
	require.Len(t, got.WorkItems, 3)
}

// One invalid score refuses the whole task's credits: nothing is written, no event emitted.
func TestAddSensorWorksRejectsABadScoreWritingNothing(t *testing.T) {
	f := newFixture(t)
	before, err := f.keeper.ExportGenesis(f.Ctx)
	require.NoError(t, err)
	err = f.keeper.AddSensorWorks(f.Ctx, []types.SensorWork{
		{Owner: testAddress("op"), DeviceID: 1, Readings: 10, Score: 9000},
		{Owner: testAddress("op"), DeviceID: 2, Readings: 10, Score: 10001},
	})
	require.ErrorIs(t, err, types.ErrInvalidWork)
	after, err := f.keeper.ExportGenesis(f.Ctx)
	require.NoError(t, err)
	require.Equal(t, before, after)
	require.Empty(t, f.Ctx.EventManager().Events())
}
