package keeper_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	storetypes "cosmossdk.io/store/types"

	"github.com/cosmos/cosmos-sdk/codec/address"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	rewardstypes "github.com/thalamus-network/thalamus/x/rewards/types"
	"github.com/thalamus-network/thalamus/x/sensors/keeper"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// batchMsg is a valid commitment of batch seq by the device's gateway, stamped in the minute
// before the block time.
func (f deviceFixture) batchMsg(id, seq uint64) *types.MsgCommitBatch {
	root := sha256.Sum256(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, id), seq))
	blockMs := f.Ctx.BlockTime().UnixMilli()
	return &types.MsgCommitBatch{
		Committer: f.gateway, DeviceId: id, Seq: seq, Root: root[:], Count: 60,
		FirstReadingMs: blockMs - 60_000, LastReadingMs: blockMs - 1_000, SizeBytes: 60 * 120,
		Uri: "https://gateway.example.org/v1/batches/1/1",
	}
}

// A devnet's genesis turns allow_private_uris on for its loopback gateway; only then does a
// loopback URI pass, and never another scheme.
func TestPrivateURIsOnlyWhereAllowed(t *testing.T) {
	f := newDeviceFixture(t)
	id := f.register(t)
	msg := f.batchMsg(id, 1)
	msg.Uri = "http://127.0.0.1:8090/v1/batches/1/1"
	_, err := f.msgs.CommitBatch(f.Ctx, msg)
	require.ErrorIs(t, err, types.ErrForbiddenURI)
	params := types.DefaultParams()
	params.AllowPrivateUris = true
	require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
	_, err = f.msgs.CommitBatch(f.Ctx, msg)
	require.NoError(t, err)
	next := f.batchMsg(id, 2)
	next.Uri = "ftp://127.0.0.1/x"
	_, err = f.msgs.CommitBatch(f.Ctx, next)
	require.ErrorIs(t, err, types.ErrForbiddenURI)
}

func TestCommitBatch(t *testing.T) {
	f := newDeviceFixture(t)
	id := f.register(t)
	ctx := f.Ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	_, err := f.msgs.CommitBatch(ctx, f.batchMsg(id, 1))
	require.NoError(t, err)
	require.GreaterOrEqual(t, ctx.GasMeter().GasConsumed(), 60*types.DefaultParams().GasPerReading,
		"every committed reading costs gas_per_reading")

	b, err := f.keeper.GetBatch(f.Ctx, id, 1)
	require.NoError(t, err)
	require.Equal(t, types.BATCH_STATUS_PENDING, b.Status)
	require.Equal(t, f.gateway, b.Committer)
	require.Equal(t, int64(10), b.CommittedHeight)
	progress, err := f.keeper.Stats.Get(f.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, types.DeviceStats{Batches: 1, Readings: 60, LastReadingMs: f.batchMsg(id, 1).LastReadingMs}, progress)

	// The owner may commit too; batches come back newest first.
	f.Ctx = f.Ctx.WithBlockTime(testBlockTime.Add(time.Minute))
	next := f.batchMsg(id, 2)
	next.Committer = f.owner
	_, err = f.msgs.CommitBatch(f.Ctx, next)
	require.NoError(t, err)
	q := keeper.NewQueryServerImpl(f.keeper)
	list, err := q.Batches(f.Ctx, &types.QueryBatchesRequest{DeviceId: id})
	require.NoError(t, err)
	require.Equal(t, []uint64{2, 1}, []uint64{list.Batches[0].Seq, list.Batches[1].Seq})
	oldest, err := q.Batches(f.Ctx, &types.QueryBatchesRequest{DeviceId: id, Pagination: &query.PageRequest{Limit: 1, Reverse: true}})
	require.NoError(t, err)
	require.Equal(t, uint64(1), oldest.Batches[0].Seq)
	one, err := q.Batch(f.Ctx, &types.QueryBatchRequest{DeviceId: id, Seq: 2})
	require.NoError(t, err)
	require.Equal(t, next.Root, one.Batch.Root)
	stats, err := q.DeviceStats(f.Ctx, &types.QueryDeviceStatsRequest{DeviceId: id})
	require.NoError(t, err)
	require.Equal(t, types.DeviceStats{Batches: 2, Readings: 120, LastReadingMs: next.LastReadingMs}, stats.Stats)
	// At the end of the block each committer's batches go to the oracle as one task of its
	// series, in the block's committee epoch.
	require.Empty(t, f.oracle.opened)
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	require.ElementsMatch(t, []string{
		fmt.Sprintf("TASK_KIND_SENSOR_BATCH %s@0 %d/1", f.gateway, id), fmt.Sprintf("TASK_KIND_SENSOR_BATCH %s@0 %d/2", f.owner, id),
	}, f.oracle.opened)
	f.oracle.opened = nil
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	require.Empty(t, f.oracle.opened, "the queue lives in the transient store and is emptied as the tasks open")
}

func TestCommitBatchRejections(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(f deviceFixture, m *types.MsgCommitBatch)
		want   error
	}{
		{"replayed sequence", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Seq = 1 }, types.ErrBadBatchSequence},
		{"skipped sequence", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Seq = 3 }, types.ErrBadBatchSequence},
		{"wrong committer", func(f deviceFixture, m *types.MsgCommitBatch) { m.Committer = f.other }, types.ErrUnauthorizedCommit},
		{"oversize batch", func(_ deviceFixture, m *types.MsgCommitBatch) {
			m.Count = types.DefaultParams().MaxBatchReadings + 1
			m.SizeBytes = 1 << 20
		}, types.ErrBatchTooLarge},
		{"oversize bytes", func(_ deviceFixture, m *types.MsgCommitBatch) { m.SizeBytes = types.DefaultParams().MaxBatchBytes + 1 }, types.ErrBatchTooLarge},
		{"future timestamps", func(f deviceFixture, m *types.MsgCommitBatch) {
			m.LastReadingMs = f.Ctx.BlockTime().Add(3 * time.Minute).UnixMilli()
		}, types.ErrBatchTime},
		{"stale timestamps", func(f deviceFixture, m *types.MsgCommitBatch) {
			m.FirstReadingMs = f.Ctx.BlockTime().Add(-8 * 24 * time.Hour).UnixMilli()
		}, types.ErrBatchTime},
		{"overlaps the previous batch", func(f deviceFixture, m *types.MsgCommitBatch) {
			m.FirstReadingMs = f.Ctx.BlockTime().Add(-5 * time.Minute).UnixMilli()
		}, types.ErrBatchTime},
		{"first after last", func(_ deviceFixture, m *types.MsgCommitBatch) { m.FirstReadingMs = m.LastReadingMs + 1 }, types.ErrBatchTime},
		{"starts at the previous batch's last reading", func(f deviceFixture, m *types.MsgCommitBatch) {
			m.FirstReadingMs = f.batchMsg(m.DeviceId, 1).LastReadingMs - 4*60_000
		}, types.ErrBatchTime},
		{"short root", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Root = m.Root[:31] }, types.ErrInvalidBatch},
		{"empty batch", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Count = 0 }, types.ErrInvalidBatch},
		{"size below count", func(_ deviceFixture, m *types.MsgCommitBatch) { m.SizeBytes = 10 }, types.ErrInvalidBatch},
		{"relative uri", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Uri = "/v1/batches/1/2" }, types.ErrInvalidBatch},
		{"loopback uri", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Uri = "http://127.0.0.1:26657/net_info" }, types.ErrForbiddenURI},
		{"metadata uri", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Uri = "http://169.254.169.254/latest/meta-data/" }, types.ErrForbiddenURI},
		{"private uri", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Uri = "http://10.0.0.7/v1/batches/1/2" }, types.ErrForbiddenURI},
		{"localhost uri", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Uri = "http://localhost:8090/v1/batches/1/2" }, types.ErrForbiddenURI},
		{"ipv4-mapped uri", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Uri = "http://[::ffff:127.0.0.1]/x" }, types.ErrForbiddenURI},
		{"uri with user info", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Uri = "https://u:p@gateway.example.org/x" }, types.ErrForbiddenURI},
		{"ftp uri", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Uri = "ftp://gateway.example.org/x" }, types.ErrForbiddenURI},
		{"unknown device", func(_ deviceFixture, m *types.MsgCommitBatch) { m.DeviceId = 42 }, types.ErrDeviceNotFound},
		{"bad committer address", func(_ deviceFixture, m *types.MsgCommitBatch) { m.Committer = "x" }, types.ErrInvalidAddress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newDeviceFixture(t)
			id := f.register(t)
			// Batch 1 ends four minutes before the block; batch 2 is the candidate.
			first := f.batchMsg(id, 1)
			first.FirstReadingMs -= 4 * 60_000
			first.LastReadingMs -= 4 * 60_000
			_, err := f.msgs.CommitBatch(f.Ctx, first)
			require.NoError(t, err)
			msg := f.batchMsg(id, 2)
			tc.mutate(f, msg)
			requireRejected(t, f.fixture, tc.want, func(ctx sdk.Context) error {
				_, err := f.msgs.CommitBatch(ctx, msg)
				return err
			})
		})
	}
}

func TestScoreBatch(t *testing.T) {
	f := newDeviceFixture(t)
	id := f.register(t)
	for seq := uint64(1); seq <= 3; seq++ {
		f.Ctx = f.Ctx.WithBlockTime(testBlockTime.Add(time.Duration(seq) * time.Minute))
		_, err := f.msgs.CommitBatch(f.Ctx, f.batchMsg(id, seq))
		require.NoError(t, err)
	}
	rewards := f.rewards
	require.NoError(t, f.keeper.ScoreBatch(f.Ctx, id, 1, 9000, nil))
	// window 20: 9000 + (1000 - 9000) / 20 = 8600
	require.NoError(t, f.keeper.ScoreBatch(f.Ctx, id, 2, 1000, []types.BatchFlag{types.BATCH_FLAG_STUCK, types.BATCH_FLAG_JUMP, types.BATCH_FLAG_STUCK}))
	b, err := f.keeper.GetBatch(f.Ctx, id, 2)
	require.NoError(t, err)
	require.Equal(t, types.BATCH_STATUS_SCORED, b.Status)
	require.Equal(t, []types.BatchFlag{types.BATCH_FLAG_STUCK, types.BATCH_FLAG_JUMP}, b.Flags, "flags sorted and deduplicated")
	stats, err := f.keeper.Stats.Get(f.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, types.DeviceStats{Batches: 3, Readings: 180, ScoredBatches: 2, QualityScore: 8600, LastScore: 1000, LastScoredSeq: 2,
		LastReadingMs: f.batchMsg(id, 3).LastReadingMs}, stats)

	// Each scored batch pays the device's owner for its readings at the batch score.
	require.Equal(t, []string{fmt.Sprintf("%s:%d:60:9000", f.owner, id), fmt.Sprintf("%s:%d:60:1000", f.owner, id)}, rewards.credits)

	require.ErrorIs(t, f.keeper.ScoreBatch(f.Ctx, id, 2, 5000, nil), types.ErrBatchAlreadyScored)
	require.ErrorIs(t, f.keeper.ScoreBatch(f.Ctx, id, 9, 5000, nil), types.ErrBatchNotFound)
	require.ErrorIs(t, f.keeper.ScoreBatch(f.Ctx, id, 3, 10_001, nil), types.ErrInvalidScore)
	require.ErrorIs(t, f.keeper.ScoreBatch(f.Ctx, id, 3, 10, []types.BatchFlag{99}), types.ErrInvalidScore)
}

// A committer's batches of one block go to the oracle in tasks of at most
// oracletypes.MaxTaskItems, in the order they were committed.
func TestBlockBatchesAreSplitIntoTasks(t *testing.T) {
	f := newDeviceFixture(t)
	id := f.register(t)
	blockMs := f.Ctx.BlockTime().UnixMilli()
	n := oracletypes.MaxTaskItems + 1
	for seq := 1; seq <= n; seq++ {
		msg := f.batchMsg(id, uint64(seq))
		msg.FirstReadingMs, msg.LastReadingMs = blockMs-int64(n-seq+1)*1000, blockMs-int64(n-seq+1)*1000+500
		_, err := f.msgs.CommitBatch(f.Ctx, msg)
		require.NoError(t, err)
	}
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	require.Len(t, f.oracle.opened, 2)
	require.True(t, strings.HasSuffix(f.oracle.opened[0], fmt.Sprintf(",%d/99,%d/100", id, id)), f.oracle.opened[0])
	require.Equal(t, fmt.Sprintf("TASK_KIND_SENSOR_BATCH %s@0 %d/101", f.gateway, id), f.oracle.opened[1])
}

// The oracle's result of a task scores each of its batches; a batch that cannot take its
// score does not keep the others from theirs.
func TestTaskResultScoresEachBatch(t *testing.T) {
	f := newDeviceFixture(t)
	id := f.register(t)
	for seq := uint64(1); seq <= 2; seq++ {
		f.Ctx = f.Ctx.WithBlockTime(testBlockTime.Add(time.Duration(seq) * time.Minute))
		_, err := f.msgs.CommitBatch(f.Ctx, f.batchMsg(id, seq))
		require.NoError(t, err)
	}
	task := oracletypes.Task{
		Id: 7, Kind: oracletypes.TASK_KIND_SENSOR_BATCH,
		Items: []oracletypes.TaskItem{{SubjectId: id, SubjectSeq: 1}, {SubjectId: id, SubjectSeq: 9}, {SubjectId: id, SubjectSeq: 2}},
		Result: oracletypes.TaskResult{Items: []oracletypes.ItemScore{
			{Score: 9000}, {Score: 5000}, {Score: 0, Flags: []uint32{uint32(types.BATCH_FLAG_ROOT_MISMATCH)}},
		}},
	}
	require.NoError(t, f.keeper.TaskHooks().OnTaskFinalized(f.Ctx, task))
	first, err := f.keeper.GetBatch(f.Ctx, id, 1)
	require.NoError(t, err)
	require.Equal(t, uint32(9000), first.Score)
	second, err := f.keeper.GetBatch(f.Ctx, id, 2)
	require.NoError(t, err)
	require.Equal(t, types.BATCH_STATUS_SCORED, second.Status)
	require.Equal(t, []types.BatchFlag{types.BATCH_FLAG_ROOT_MISMATCH}, second.Flags)

	task.Result.Items = task.Result.Items[:2]
	require.ErrorIs(t, f.keeper.TaskHooks().OnTaskFinalized(f.Ctx, task), types.ErrInvalidScore, "a score for each batch")
}

// Batch records are deleted when their retention ends, a committer's batches of a block
// together, whole queue entries up to max_prunes_per_block batches and at least one a block.
func TestPruneBatches(t *testing.T) {
	f := newDeviceFixture(t)
	params := types.DefaultParams()
	params.BatchRetentionBlocks, params.MaxPrunesPerBlock = 5, 1
	require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
	id := f.register(t)
	blockMs := f.Ctx.BlockTime().UnixMilli()
	commit := func(seq uint64, committer string) {
		msg := f.batchMsg(id, seq)
		msg.FirstReadingMs, msg.LastReadingMs = blockMs-int64(5-seq)*10_000, blockMs-int64(5-seq)*10_000+5_000
		if committer != "" {
			msg.Committer = committer
		}
		_, err := f.msgs.CommitBatch(f.Ctx, msg)
		require.NoError(t, err)
	}
	// Block 10: the gateway commits batches 1 and 2, the owner batch 3.
	commit(1, "")
	commit(2, "")
	commit(3, f.owner)
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	queued := func() int {
		n := 0
		require.NoError(t, f.keeper.PruneQueue.Walk(f.Ctx, nil, func(collections.Triple[int64, string, uint64], types.BatchRefs) (bool, error) {
			n++
			return false, nil
		}))
		return n
	}
	remaining := func() int {
		n := 0
		for seq := uint64(1); seq <= 4; seq++ {
			if _, err := f.keeper.GetBatch(f.Ctx, id, seq); err == nil {
				n++
			}
		}
		return n
	}
	require.Equal(t, 2, queued(), "one entry per committer of the block")

	// Block 11: governance shortened the retention to 4 blocks, so the gateway's batch 4 is
	// due at height 15 too: queued beside batches 1 and 2, not over them.
	params.BatchRetentionBlocks = 4
	require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
	f.Ctx = f.Ctx.WithBlockHeight(11)
	commit(4, "")
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	require.Equal(t, 3, queued())

	f.Ctx = f.Ctx.WithBlockHeight(14)
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	require.Equal(t, 4, remaining(), "retention not over yet")

	f.Ctx = f.Ctx.WithBlockHeight(15)
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	require.Equal(t, 2, queued(), "one whole entry per block when max_prunes_per_block is below it")
	require.Contains(t, []int{2, 3}, remaining())
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	require.Zero(t, queued())
	require.Zero(t, remaining())
	stats, _ := f.keeper.Stats.Get(f.Ctx, id)
	require.Equal(t, uint64(4), stats.Batches, "totals outlive the records")
}

func TestSensorsGenesisRoundTrip(t *testing.T) {
	f := newDeviceFixture(t)
	id := f.register(t)
	_, err := f.msgs.CommitBatch(f.Ctx, f.batchMsg(id, 1))
	require.NoError(t, err)
	require.NoError(t, f.keeper.ScoreBatch(f.Ctx, id, 1, 7000, []types.BatchFlag{types.BATCH_FLAG_GAP}))
	_, err = f.msgs.TransferDevice(f.Ctx, &types.MsgTransferDevice{Owner: f.owner, DeviceId: id, NewOwner: f.other})
	require.NoError(t, err)
	exported := f.exported(t)
	require.NoError(t, exported.Validate())

	g := newDeviceFixture(t)
	require.NoError(t, g.keeper.InitGenesis(g.Ctx, exported))
	require.Equal(t, exported, g.exported(t))
	// Indexes were rebuilt: the key stays taken, the next id continues, the batch is queued for pruning.
	_, err = g.msgs.RegisterDevice(g.Ctx, g.registerMsg(g.key, g.owner))
	require.ErrorIs(t, err, types.ErrDuplicateDeviceKey)
	resp, err := g.msgs.RegisterDevice(g.Ctx, g.registerMsg(deviceKey("new"), g.owner))
	require.NoError(t, err)
	require.Equal(t, uint64(2), resp.DeviceId)
	queued, err := g.keeper.PruneQueue.Has(g.Ctx, collections.Join3(exported.Batches[0].CommittedHeight+exported.Params.BatchRetentionBlocks, exported.Batches[0].Committer, uint64(0)))
	require.NoError(t, err)
	require.True(t, queued)
}

// recordingRewards records the sensor work it is credited, owners in bech32.
type recordingRewards struct{ credits []string }

func (r *recordingRewards) AddSensorWorks(_ context.Context, works []rewardstypes.SensorWork) error {
	for _, w := range works {
		addr, err := address.NewBech32Codec("thalamus").BytesToString(w.Owner)
		if err != nil {
			return err
		}
		r.credits = append(r.credits, fmt.Sprintf("%s:%d:%d:%d", addr, w.DeviceID, w.Readings, w.Score))
	}
	return nil
}
