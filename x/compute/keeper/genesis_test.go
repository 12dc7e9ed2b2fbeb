package keeper_test

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/compute"
	"github.com/thalamus-network/thalamus/x/compute/simulation"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

func TestGenesisRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		gs := &types.GenesisState{Params: simulation.GenParams(r), NextGpuId: 1, NextOfferId: 1, NextLeaseId: 1, NextChallengeId: 1, NextOrderId: 1}
		f := newFixture(t)
		require.NoError(t, f.keeper.InitGenesis(f.Ctx, gs))
		exported, err := f.keeper.ExportGenesis(f.Ctx)
		require.NoError(t, err)
		require.Equal(t, gs, exported)
	}
}

func TestInitGenesisRejectsInvalidState(t *testing.T) {
	f := keepertest.NewFixture(t, types.StoreKey, compute.AppModule{})
	k, _, _, _ := newKeeper(f)
	gs := &types.GenesisState{Params: invalidParams(), NextGpuId: 1, NextOfferId: 1, NextLeaseId: 1, NextChallengeId: 1}
	require.ErrorIs(t, k.InitGenesis(f.Ctx, gs), types.ErrInvalidParams)
	has, err := k.Params.Has(f.Ctx)
	require.NoError(t, err)
	require.False(t, has, "rejected genesis must not be written")
}

// The matching queue survives export and import exactly: a class queued mid-book resumes
// where it stopped, and a class with waiting orders but no new supply stays unqueued.
func TestGenesisKeepsTheMatchingQueue(t *testing.T) {
	gs := &types.GenesisState{Params: types.DefaultParams(), NextGpuId: 1, NextOfferId: 1, NextLeaseId: 1, NextChallengeId: 1, NextOrderId: 1,
		MatchCursors: []types.MatchCursor{{Class: "A100-80G", InvertedBid: 1 << 40, OrderId: 7}, {Class: "H100-SXM-80G"}}}
	f := newFixture(t)
	require.NoError(t, f.keeper.InitGenesis(f.Ctx, gs))
	exported, err := f.keeper.ExportGenesis(f.Ctx)
	require.NoError(t, err)
	require.Equal(t, gs.MatchCursors, exported.MatchCursors)

	gs.MatchCursors = append(gs.MatchCursors, types.MatchCursor{Class: "A100-80G"})
	require.ErrorIs(t, gs.Validate(), types.ErrInvalidGenesis, "a class queued twice")
}
