package keeper_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/oracle"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// BenchmarkStateGrowth aggregates one block's votes (4 validators reporting one open sensor
// batch task, which finalises) against 1k, 10k, 100k and 1M stored tasks, 64 of them open and
// the rest finalised and kept for their retention (keepertest.GrowthSizes), each block in a
// discarded cache context over the committed state, on one of the open tasks. x/oracle has no
// transaction of its own but its parameters: this per-block step is what grows with its
// state. make bench-growth runs it.
func BenchmarkStateGrowth(b *testing.B) {
	for _, n := range keepertest.GrowthSizes(b) {
		f := fixtureOn(b, keepertest.NewFixtureOnDisk(b, types.StoreKey, oracle.AppModule{}))
		f.Ctx = f.Ctx.WithBlockHeight(100)
		vals := validators(f, 4)
		f.keeper.SetHooks(types.TASK_KIND_SENSOR_BATCH, &recordingHooks{})
		gs := types.DefaultGenesisState()
		gs.NextTaskId = uint64(n) + 1
		open := map[uint64]bool{}
		for i := range 64 {
			open[keepertest.Touched(i, 64, n)] = true
		}
		for id := uint64(1); id <= uint64(n); id++ {
			if len(gs.Tasks) == keepertest.SeedChunk {
				require.NoError(b, f.keeper.InitGenesis(f.Ctx, gs))
				f.Store.Commit()
				gs.Tasks = nil
			}
			t := types.Task{Id: id, Kind: types.TASK_KIND_SENSOR_BATCH, Module: "sensors", SubjectId: id, SubjectSeq: 1,
				PayloadHash: make([]byte, 32), OpenedHeight: 90, DeadlineHeight: 200, Status: types.TASK_STATUS_FINALIZED,
				Result: types.TaskResult{Items: one(9000), FinalizedHeight: 95, Reporters: 4}}
			if open[id] {
				t.Status, t.Result = types.TASK_STATUS_OPEN, types.TaskResult{}
			}
			gs.Tasks = append(gs.Tasks, t)
		}
		require.NoError(b, f.keeper.InitGenesis(f.Ctx, gs))
		f.Store.Commit()
		b.Run(fmt.Sprintf("ProcessVotes/records=%d", n), func(b *testing.B) {
			keepertest.MeasureEach(b, f.Ctx, func(ctx sdk.Context, i int) error {
				id := keepertest.Touched(i, 64, n)
				votes := votesFor(vals, func(int) []*types.TaskReport { return []*types.TaskReport{{TaskId: id, Items: one(9000)}} })
				if err := f.keeper.ProcessVotes(ctx, votes, 40); err != nil {
					return err
				}
				t, err := f.keeper.Tasks.Get(ctx, id)
				if err != nil {
					return err
				}
				if t.Status != types.TASK_STATUS_FINALIZED {
					return fmt.Errorf("task %d is %s, not finalised", id, t.Status)
				}
				return nil
			})
		})
	}
}
