package keeper_test

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/rewards"
	"github.com/thalamus-network/thalamus/x/rewards/keeper"
	"github.com/thalamus-network/thalamus/x/rewards/simulation"
	"github.com/thalamus-network/thalamus/x/rewards/types"
)

func TestGenesisRoundTripOfParams(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		gs := types.DefaultGenesisState()
		gs.Params = simulation.GenParams(r)
		f := newFixture(t)
		require.NoError(t, f.keeper.InitGenesis(f.Ctx, gs))
		exported, err := f.keeper.ExportGenesis(f.Ctx)
		require.NoError(t, err)
		require.Equal(t, gs.Params, exported.Params)
		require.Equal(t, types.NewEpoch(0, 1), *exported.CurrentEpoch)
	}
}

// A chain exported in the middle of an epoch, with claimed and unclaimed rewards, restarts
// with every accumulator exact: the same export, and the same payouts afterwards.
func TestGenesisRoundTripMidEpoch(t *testing.T) {
	f := newFixture(t)
	alice, bob, op := testAddress("alice"), testAddress("bob"), testAddress("op")
	cons, operator := f.addValidator(t, "v")
	require.NoError(t, f.keeper.AddComputeWork(f.Ctx, alice, 1, dec("0.5"), 9000, true))
	require.NoError(t, f.keeper.AddComputeWork(f.Ctx, bob, 2, dec("0.5"), 7000, false))
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, op, 3, 999, 8765))
	require.NoError(t, f.keeper.AddValidatorWork(f.Ctx, cons, 10, 3))
	f.endEpoch(t)
	_, _, err := f.keeper.Claim(f.Ctx, alice)
	require.NoError(t, err)
	require.NoError(t, f.keeper.AddComputeWork(f.Ctx, alice, 1, dec("0.5"), 9100, true))
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, op, 3, 500, 4000))
	f.Ctx = f.Ctx.WithBlockHeight(f.Ctx.BlockHeight() + 3)

	exported, err := f.keeper.ExportGenesis(f.Ctx)
	require.NoError(t, err)
	require.NoError(t, exported.Validate())
	require.Len(t, exported.Epochs, 1)
	require.Len(t, exported.Accruals, 6)

	g := newFixture(t)
	g.Ctx = g.Ctx.WithBlockHeight(f.Ctx.BlockHeight())
	g.bank.supply, g.bank.balances = f.bank.supply, map[string]sdk.Coins{}
	for k, v := range f.bank.balances {
		g.bank.balances[k] = v
	}
	g.staking = f.staking
	g.keeper = keeper.NewKeeper(g.Codec, g.AddressCodec, valCodec, g.StoreService, g.Authority, g.bank, g.bank, f.staking)
	require.NoError(t, g.keeper.InitGenesis(g.Ctx, exported))
	again, err := g.keeper.ExportGenesis(g.Ctx)
	require.NoError(t, err)
	require.Equal(t, exported, again)

	for _, fx := range []*fixture{&f, &g} {
		fx.endEpoch(t)
		require.NoError(t, fx.keeper.Invariants(fx.Ctx))
	}
	for _, addr := range [][]byte{alice, bob, op, operator} {
		a, _, errA := f.keeper.Claim(f.Ctx, addr)
		b, _, errB := g.keeper.Claim(g.Ctx, addr)
		require.NoError(t, errA)
		require.NoError(t, errB)
		require.Equal(t, a, b)
		require.True(t, a.Amount.IsPositive())
	}
}

func TestInitGenesisRejectsInvalidState(t *testing.T) {
	valid := func() *types.GenesisState {
		f := newFixture(t)
		require.NoError(t, f.keeper.AddSensorWork(f.Ctx, testAddress("op"), 1, 10, 10000))
		f.endEpoch(t)
		require.NoError(t, f.keeper.AddSensorWork(f.Ctx, testAddress("op"), 1, 10, 10000))
		gs, err := f.keeper.ExportGenesis(f.Ctx)
		require.NoError(t, err)
		return gs
	}
	cases := map[string]func(gs *types.GenesisState){
		"params":                  func(gs *types.GenesisState) { gs.Params = invalidParams() },
		"accrual without items":   func(gs *types.GenesisState) { gs.WorkItems = gs.WorkItems[1:] },
		"units differ from items": func(gs *types.GenesisState) { gs.Accruals[0].Units[1] = dec("1") },
		"future accrual":          func(gs *types.GenesisState) { gs.Accruals[0].Epoch, gs.WorkItems[0].Epoch = 9, 9 },
		"epoch gap":               func(gs *types.GenesisState) { gs.CurrentEpoch.Number = 5 },
		"open epoch ended":        func(gs *types.GenesisState) { gs.CurrentEpoch.EndHeight = 3 },
		"negative outstanding":    func(gs *types.GenesisState) { gs.Outstanding = math.NewInt(-1) },
		"bad address": func(gs *types.GenesisState) {
			gs.Accruals[0].Address, gs.WorkItems[0].Address = "cosmos1bad", "cosmos1bad"
		},
		"no current epoch": func(gs *types.GenesisState) { gs.CurrentEpoch = nil },
	}
	for name, corrupt := range cases {
		t.Run(name, func(t *testing.T) {
			gs := valid()
			corrupt(gs)
			f := keepertest.NewFixture(t, types.StoreKey, rewards.AppModule{})
			k := keeper.NewKeeper(f.Codec, f.AddressCodec, valCodec, f.StoreService, f.Authority, &fakeBank{}, &fakeBank{}, &fakeStaking{})
			require.Error(t, k.InitGenesis(f.Ctx, gs))
		})
	}
}
