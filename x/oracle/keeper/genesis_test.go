package keeper_test

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/oracle"
	"github.com/thalamus-network/thalamus/x/oracle/simulation"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

func TestGenesisRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20; i++ {
		gs := &types.GenesisState{Params: simulation.GenParams(r), NextTaskId: 1}
		f := newFixture(t)
		require.NoError(t, f.keeper.InitGenesis(f.Ctx, gs))
		exported, err := f.keeper.ExportGenesis(f.Ctx)
		require.NoError(t, err)
		require.Equal(t, gs, exported)
	}
}

// A state with open, finalised and expired tasks and performance records survives export and
// import, and the open-task indexes are rebuilt: the open task expires on schedule afterwards.
func TestGenesisRoundTripWithTasks(t *testing.T) {
	f := newFixture(t)
	hooks := &recordingHooks{}
	f.keeper.SetHooks(types.TASK_KIND_SENSOR_BATCH, hooks)
	f.keeper.SetHooks(types.TASK_KIND_GPU_CHALLENGE, hooks)
	open, err := f.keeper.OpenSeriesTask(f.Ctx, types.TASK_KIND_SENSOR_BATCH, "sensors", "gateway", 0, []types.TaskItem{{SubjectId: 7, SubjectSeq: 3, PayloadHash: []byte("root")}})
	require.NoError(t, err)
	done, err := f.keeper.OpenTask(f.Ctx, types.TASK_KIND_GPU_CHALLENGE, "compute", 9, 0, []byte("work"))
	require.NoError(t, err)
	vals := validators(f, 3)
	require.NoError(t, f.keeper.ProcessVotes(f.Ctx, votesFor(vals, func(int) []*types.TaskReport {
		return []*types.TaskReport{{TaskId: done, Verdict: types.VERDICT_PASS}}
	}), 30))
	exported, err := f.keeper.ExportGenesis(f.Ctx)
	require.NoError(t, err)
	require.Len(t, exported.Tasks, 2)
	require.Len(t, exported.Performances, 3)

	g := newFixture(t)
	g.keeper.SetHooks(types.TASK_KIND_SENSOR_BATCH, hooks)
	require.NoError(t, g.keeper.InitGenesis(g.Ctx, exported))
	again, err := g.keeper.ExportGenesis(g.Ctx)
	require.NoError(t, err)
	require.Equal(t, exported, again)
	isOpen, err := g.keeper.IsOpen(g.Ctx, open)
	require.NoError(t, err)
	require.True(t, isOpen)
	next, err := g.keeper.OpenSeriesTask(g.Ctx, types.TASK_KIND_SENSOR_BATCH, "sensors", "gateway", 0, []types.TaskItem{{SubjectId: 7, SubjectSeq: 4, PayloadHash: nil}})
	require.NoError(t, err)
	require.Equal(t, exported.NextTaskId, next, "task ids continue")
	past := g.Ctx.WithBlockHeight(g.Ctx.BlockHeight() + int64(types.DefaultParams().TaskDeadlineBlocks) + 1)
	require.NoError(t, g.keeper.ProcessVotes(past, nil, 0))
	task, err := g.keeper.Tasks.Get(g.Ctx, open)
	require.NoError(t, err)
	require.Equal(t, types.TASK_STATUS_EXPIRED, task.Status)
}

func TestInitGenesisRejectsInvalidState(t *testing.T) {
	f := keepertest.NewFixture(t, types.StoreKey, oracle.AppModule{})
	k, _, _, _ := newKeeper(f)
	gs := &types.GenesisState{Params: invalidParams()}
	require.ErrorIs(t, k.InitGenesis(f.Ctx, gs), types.ErrInvalidParams)
	has, err := k.Params.Has(f.Ctx)
	require.NoError(t, err)
	require.False(t, has, "rejected genesis must not be written")
}
