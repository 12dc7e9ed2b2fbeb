package keeper_test

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/oracle/keeper"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

type validator struct {
	addr  []byte
	power int64
}

// validators bonds n validators of power 10 each in the fake staking keeper.
func validators(f fixture, n int) []validator {
	out := make([]validator, n)
	for i := range out {
		out[i] = validator{addr: []byte(fmt.Sprintf("validator-address-%02d", i)), power: 10}
		f.staking.bond(out[i].addr, 10)
	}
	return out
}

// votesFor builds one vote per validator with the reports reports(i) returns (nil: an empty extension).
func votesFor(vals []validator, reports func(i int) []*types.TaskReport) []keeper.Vote {
	votes := make([]keeper.Vote, len(vals))
	for i, v := range vals {
		votes[i] = keeper.Vote{ConsAddress: v.addr, Power: v.power, Extension: types.OracleVoteExtension{Reports: reports(i)}}
	}
	return votes
}

func wr(addr string, power int64, score uint32) keeper.WeightedReport {
	return keeper.WeightedReport{ConsAddress: []byte(addr), Power: power, Report: types.TaskReport{TaskId: 1, Items: one(score)}}
}

func TestWeightedMedian(t *testing.T) {
	cases := []struct {
		name    string
		reports []keeper.WeightedReport
		want    uint32
	}{
		{"one", []keeper.WeightedReport{wr("a", 5, 700)}, 700},
		{"odd, equal stake", []keeper.WeightedReport{wr("a", 1, 300), wr("b", 1, 100), wr("c", 1, 200)}, 200},
		{"even, equal stake: the lower middle", []keeper.WeightedReport{wr("a", 1, 100), wr("b", 1, 200)}, 100},
		{"a heavy validator decides", []keeper.WeightedReport{wr("a", 3, 100), wr("b", 1, 9000), wr("c", 1, 9500)}, 100},
		{"a light outlier cannot move it", []keeper.WeightedReport{wr("a", 10, 8000), wr("b", 10, 8100), wr("c", 1, 0)}, 8000},
		{"tied scores", []keeper.WeightedReport{wr("a", 1, 500), wr("b", 1, 500), wr("c", 1, 500), wr("d", 1, 9000)}, 500},
		{"exactly half below", []keeper.WeightedReport{wr("a", 2, 100), wr("b", 1, 200), wr("c", 1, 300)}, 100},
	}
	r := rand.New(rand.NewSource(1))
	for _, c := range cases {
		require.Equal(t, c.want, keeper.WeightedMedian(c.reports, 0), c.name)
		for range 10 { // the input order never matters
			shuffled := append([]keeper.WeightedReport(nil), c.reports...)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			require.Equal(t, c.want, keeper.WeightedMedian(shuffled, 0), c.name)
		}
	}
}

func TestAggregateQuorum(t *testing.T) {
	twoThirds := math.LegacyNewDec(2).QuoInt64(3)
	gpu := func(power int64, v types.Verdict) keeper.WeightedReport {
		return keeper.WeightedReport{ConsAddress: []byte(fmt.Sprint(power, v)), Power: power, Report: types.TaskReport{TaskId: 1, Verdict: v}}
	}
	// Sensor batch: the reports must hold 2/3 of the total power.
	_, ok := keeper.Aggregate(types.TASK_KIND_SENSOR_BATCH, 1, []keeper.WeightedReport{wr("a", 10, 1), wr("b", 9, 1)}, 30, twoThirds)
	require.False(t, ok, "19 of 30 is below quorum")
	res, ok := keeper.Aggregate(types.TASK_KIND_SENSOR_BATCH, 1, []keeper.WeightedReport{wr("a", 10, 1), wr("b", 10, 3)}, 30, twoThirds)
	require.True(t, ok, "20 of 30 is exactly quorum")
	require.Equal(t, types.TaskResult{Items: one(1), ReportedPower: 20, TotalPower: 30, Reporters: 2}, res)
	// GPU challenge: a verdict itself needs quorum of the total.
	res, ok = keeper.Aggregate(types.TASK_KIND_GPU_CHALLENGE, 0, []keeper.WeightedReport{gpu(10, types.VERDICT_FRAUD), gpu(10, types.VERDICT_FRAUD), gpu(10, types.VERDICT_PASS)}, 30, twoThirds)
	require.True(t, ok)
	require.Equal(t, types.VERDICT_FRAUD, res.Verdict)
	_, ok = keeper.Aggregate(types.TASK_KIND_GPU_CHALLENGE, 0, []keeper.WeightedReport{gpu(10, types.VERDICT_FRAUD), gpu(10, types.VERDICT_PASS), gpu(10, types.VERDICT_UNDERPERFORM)}, 30, twoThirds)
	require.False(t, ok, "three-way split: no verdict has quorum")
	_, ok = keeper.Aggregate(types.TASK_KIND_SENSOR_BATCH, 1, nil, 0, twoThirds)
	require.False(t, ok, "no validator set")
}

func TestMajorityFlags(t *testing.T) {
	reports := []keeper.WeightedReport{
		{ConsAddress: []byte("a"), Power: 10, Report: types.TaskReport{Items: one(0, 2, 7)}},
		{ConsAddress: []byte("b"), Power: 10, Report: types.TaskReport{Items: one(0, 2)}},
		{ConsAddress: []byte("c"), Power: 10, Report: types.TaskReport{Items: one(0, 2, 3)}},
	}
	res, ok := keeper.Aggregate(types.TASK_KIND_SENSOR_BATCH, 1, reports, 30, math.LegacyNewDec(2).QuoInt64(3))
	require.True(t, ok)
	require.Equal(t, []uint32{2}, res.Items[0].Flags, "only flags with more than half of the reporting power")
}

// A sensor batch reported by three of four validators (one absent) finalises with the median;
// the one far from it deviates, the one with an empty extension misses, the absent one is not
// counted at all, and the owning module receives the result.
func TestProcessVotesCountsDeviationsAndMisses(t *testing.T) {
	f := newFixture(t)
	hooks := &recordingHooks{}
	f.keeper.SetHooks(types.TASK_KIND_SENSOR_BATCH, hooks)
	rewards := f.rewards
	id, err := f.keeper.OpenSeriesTask(f.Ctx, types.TASK_KIND_SENSOR_BATCH, "sensors", "gateway", 0, []types.TaskItem{{SubjectId: 4, SubjectSeq: 1, PayloadHash: []byte("root")}})
	require.NoError(t, err)
	vals := validators(f, 5)
	scores := []uint32{9000, 9100, 2000, 9050}
	votes := votesFor(vals[:4], func(i int) []*types.TaskReport {
		if i == 3 {
			return nil // voted, but its sidecar had no result
		}
		return []*types.TaskReport{{TaskId: id, Items: one(scores[i])}}
	})
	// Three reports of 10 each out of 50 (the fifth validator is absent): below 2/3.
	require.NoError(t, f.keeper.ProcessVotes(f.Ctx, votes, 50))
	task, err := f.keeper.Tasks.Get(f.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, types.TASK_STATUS_OPEN, task.Status)

	votes[3].Extension.Reports = []*types.TaskReport{{TaskId: id, Items: one(scores[3])}}
	require.NoError(t, f.keeper.ProcessVotes(f.Ctx, votes[:3], 40)) // 30 of 40: quorum
	task, err = f.keeper.Tasks.Get(f.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, types.TASK_STATUS_FINALIZED, task.Status)
	require.Equal(t, uint32(2000+7000), task.Result.Items[0].Score, "lower median of 2000, 9000, 9100")
	require.Len(t, hooks.finalized, 1)
	require.Equal(t, task, hooks.finalized[0])

	perf := func(v validator) types.ValidatorPerformance {
		p, err := f.keeper.Performance.Get(f.Ctx, v.addr)
		require.NoError(t, err)
		return p
	}
	require.Equal(t, uint64(1), perf(vals[0]).WindowValid)
	require.Equal(t, uint64(1), perf(vals[1]).WindowValid)
	require.Equal(t, uint64(1), perf(vals[2]).WindowDeviated, "2000 is 70 points from 9000, outside the 10 %% band")
	has, err := f.keeper.Performance.Has(f.Ctx, vals[3].addr)
	require.NoError(t, err)
	require.False(t, has, "an absent validator is not counted")
	// Only the validators whose reports agreed are paid, by their power.
	require.ElementsMatch(t, []string{fmt.Sprintf("%x:10:1", vals[0].addr), fmt.Sprintf("%x:10:1", vals[1].addr)}, rewards.credits)

	// A report on a task that is no longer open changes nothing.
	require.NoError(t, f.keeper.ProcessVotes(f.Ctx, votes, 40))
	require.Equal(t, uint64(1), perf(vals[0]).WindowValid)
}

func TestProcessVotesMissedReport(t *testing.T) {
	f := newFixture(t)
	f.keeper.SetHooks(types.TASK_KIND_GPU_CHALLENGE, &recordingHooks{})
	id, err := f.keeper.OpenTask(f.Ctx, types.TASK_KIND_GPU_CHALLENGE, "compute", 1, 0, nil)
	require.NoError(t, err)
	vals := validators(f, 4)
	votes := votesFor(vals, func(i int) []*types.TaskReport {
		if i == 3 {
			return nil
		}
		return []*types.TaskReport{{TaskId: id, Verdict: types.VERDICT_PASS}}
	})
	require.NoError(t, f.keeper.ProcessVotes(f.Ctx, votes, 40))
	p, err := f.keeper.Performance.Get(f.Ctx, vals[3].addr)
	require.NoError(t, err)
	require.Equal(t, uint64(1), p.WindowMissed)
	task, err := f.keeper.Tasks.Get(f.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, types.VERDICT_PASS, task.Result.Verdict)
}

func TestProcessVotesIgnoresUnacceptedModel(t *testing.T) {
	f := newFixture(t)
	f.keeper.SetHooks(types.TASK_KIND_SENSOR_BATCH, &recordingHooks{})
	params := types.DefaultParams()
	params.AcceptedModelHashes = []string{fmt.Sprintf("%064x", 1)}
	require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
	id, err := f.keeper.OpenSeriesTask(f.Ctx, types.TASK_KIND_SENSOR_BATCH, "sensors", "gateway", 0, []types.TaskItem{{SubjectId: 1, SubjectSeq: 1}})
	require.NoError(t, err)
	vals := validators(f, 3)
	votes := votesFor(vals, func(int) []*types.TaskReport { return []*types.TaskReport{{TaskId: id, Items: one(5000)}} })
	votes[0].Extension.ModelHash = params.AcceptedModelHashes[0]
	votes[1].Extension.ModelHash = params.AcceptedModelHashes[0]
	votes[2].Extension.ModelHash = fmt.Sprintf("%064x", 2) // an unreviewed model
	require.NoError(t, f.keeper.ProcessVotes(f.Ctx, votes, 30))
	task, err := f.keeper.Tasks.Get(f.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, types.TASK_STATUS_FINALIZED, task.Status)
	require.Equal(t, uint32(2), task.Result.Reporters)
	p, err := f.keeper.Performance.Get(f.Ctx, vals[2].addr)
	require.NoError(t, err)
	require.Equal(t, uint64(1), p.WindowMissed, "a score from an unaccepted model does not count")
}

// A failing hook does not fail the block: the task is final, the event says why, and the
// hook's writes are discarded.
func TestProcessVotesHookFailure(t *testing.T) {
	f := newFixture(t)
	hooks := &recordingHooks{fail: errors.New("batch pruned")}
	f.keeper.SetHooks(types.TASK_KIND_SENSOR_BATCH, hooks)
	id, err := f.keeper.OpenSeriesTask(f.Ctx, types.TASK_KIND_SENSOR_BATCH, "sensors", "gateway", 0, []types.TaskItem{{SubjectId: 1, SubjectSeq: 1}})
	require.NoError(t, err)
	vals := validators(f, 3)
	require.NoError(t, f.keeper.ProcessVotes(f.Ctx, votesFor(vals, func(int) []*types.TaskReport {
		return []*types.TaskReport{{TaskId: id, Items: one(1)}}
	}), 30))
	task, err := f.keeper.Tasks.Get(f.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, types.TASK_STATUS_FINALIZED, task.Status)
	found := false
	for _, e := range f.Ctx.EventManager().Events() {
		if e.Type == "thalamus.oracle.v1.EventTaskFinalized" {
			for _, a := range e.Attributes {
				found = found || (a.Key == "hook_error" && a.Value == `"batch pruned"`)
			}
		}
	}
	require.True(t, found, "the finalised event carries the hook error")
}

func TestProcessVotesBoundsFinalisations(t *testing.T) {
	f := newFixture(t)
	f.keeper.SetHooks(types.TASK_KIND_SENSOR_BATCH, &recordingHooks{})
	params := types.DefaultParams()
	params.MaxTasksFinalizedPerBlock = 2
	require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
	var reports []*types.TaskReport
	for seq := uint64(1); seq <= 5; seq++ {
		id, err := f.keeper.OpenSeriesTask(f.Ctx, types.TASK_KIND_SENSOR_BATCH, "sensors", "gateway", 0, []types.TaskItem{{SubjectId: 1, SubjectSeq: seq}})
		require.NoError(t, err)
		reports = append(reports, &types.TaskReport{TaskId: id, Items: one(10)})
	}
	vals := validators(f, 3)
	votes := votesFor(vals, func(int) []*types.TaskReport { return reports })
	require.NoError(t, f.keeper.ProcessVotes(f.Ctx, votes, 30))
	open, err := f.keeper.OpenTasks.Iterate(f.Ctx, nil)
	require.NoError(t, err)
	keys, err := open.Keys()
	require.NoError(t, err)
	require.Equal(t, []uint64{3, 4, 5}, keys, "the two oldest are finalised first")
}

// At the end of a miss window a validator below min_valid_fraction is slashed and jailed;
// one above it is not; every window restarts.
func TestMissWindowPenalty(t *testing.T) {
	f := newFixture(t)
	f.keeper.SetHooks(types.TASK_KIND_GPU_CHALLENGE, &recordingHooks{})
	params := types.DefaultParams()
	params.MissWindowBlocks = 10
	params.MinValidFraction = math.LegacyNewDecWithPrec(5, 1)
	require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
	vals := validators(f, 4)
	for h := int64(1); h <= 10; h++ {
		ctx := f.Ctx.WithBlockHeight(h)
		id, err := f.keeper.OpenTask(ctx, types.TASK_KIND_GPU_CHALLENGE, "compute", uint64(h), 0, nil)
		require.NoError(t, err)
		votes := votesFor(vals, func(i int) []*types.TaskReport {
			v := types.VERDICT_PASS
			if i == 3 {
				v = types.VERDICT_FRAUD // always outvoted
			}
			return []*types.TaskReport{{TaskId: id, Verdict: v}}
		})
		require.NoError(t, f.keeper.ProcessVotes(ctx, votes, 40))
	}
	require.Equal(t, []string{string(vals[3].addr)}, f.slashing.slashed)
	require.Equal(t, []string{string(vals[3].addr)}, f.slashing.jailed)
	p, err := f.keeper.Performance.Get(f.Ctx, vals[3].addr)
	require.NoError(t, err)
	require.Equal(t, types.ValidatorPerformance{
		ConsensusAddress: p.ConsensusAddress, WindowStart: 11, TotalDeviated: 10, Penalties: 1,
	}, p)
	good, err := f.keeper.Performance.Get(f.Ctx, vals[0].addr)
	require.NoError(t, err)
	require.Equal(t, uint64(10), good.TotalValid)
	require.Zero(t, good.Penalties)
}

func TestOpenTaskRejections(t *testing.T) {
	f := newFixture(t)
	_, err := f.keeper.OpenTask(f.Ctx, types.TASK_KIND_UNSPECIFIED, "compute", 1, 0, nil)
	require.ErrorIs(t, err, types.ErrInvalidTask)
	_, err = f.keeper.OpenTask(f.Ctx, types.TASK_KIND_GPU_CHALLENGE, "", 1, 0, nil)
	require.ErrorIs(t, err, types.ErrInvalidTask)
	_, err = f.keeper.OpenTask(f.Ctx, types.TASK_KIND_GPU_CHALLENGE, "compute", 1, 0, make([]byte, 65))
	require.ErrorIs(t, err, types.ErrInvalidTask)
	id, err := f.keeper.OpenTask(f.Ctx, types.TASK_KIND_GPU_CHALLENGE, "compute", 1, 0, nil)
	require.NoError(t, err)
	require.Equal(t, uint64(1), id)
	task, err := f.keeper.Tasks.Get(f.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, f.Ctx.BlockHeight()+int64(types.DefaultParams().TaskDeadlineBlocks), task.DeadlineHeight)
}

// Finalised and expired tasks are kept task_retention_blocks after they close, then pruned.
func TestClosedTasksArePruned(t *testing.T) {
	f := newFixture(t)
	f.keeper.SetHooks(types.TASK_KIND_SENSOR_BATCH, &recordingHooks{})
	params := types.DefaultParams()
	params.TaskRetentionBlocks, params.TaskDeadlineBlocks = 5, 2
	require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
	at := func(h int64) sdk.Context { return f.Ctx.WithBlockHeight(h) }
	finalised, err := f.keeper.OpenSeriesTask(at(10), types.TASK_KIND_SENSOR_BATCH, "sensors", "gateway", 0, []types.TaskItem{{SubjectId: 1, SubjectSeq: 1}})
	require.NoError(t, err)
	expired, err := f.keeper.OpenSeriesTask(at(10), types.TASK_KIND_SENSOR_BATCH, "sensors", "gateway", 0, []types.TaskItem{{SubjectId: 1, SubjectSeq: 2}})
	require.NoError(t, err)
	vals := validators(f, 3)
	require.NoError(t, f.keeper.ProcessVotes(at(11), votesFor(vals, func(int) []*types.TaskReport {
		return []*types.TaskReport{{TaskId: finalised, Items: one(1)}}
	}), 30))
	require.NoError(t, f.keeper.ProcessVotes(at(13), nil, 0)) // the other expires: deadline 12
	has := func(id uint64) bool {
		ok, err := f.keeper.Tasks.Has(f.Ctx, id)
		require.NoError(t, err)
		return ok
	}
	require.NoError(t, f.keeper.ProcessVotes(at(15), nil, 0))
	require.True(t, has(finalised) && has(expired), "kept through their retention")
	require.NoError(t, f.keeper.ProcessVotes(at(16), nil, 0))
	require.False(t, has(finalised), "finalised at 11, pruned at 16")
	require.True(t, has(expired))
	require.NoError(t, f.keeper.ProcessVotes(at(18), nil, 0))
	require.False(t, has(expired), "closed at 13, pruned at 18")
}

// A sensor task of several batches is aggregated batch by batch: each item gets its own
// median and majority flags, a report without a score for every item is not counted, and a
// report far from the median on any one item deviates.
func TestSensorTaskAggregatesEachItem(t *testing.T) {
	f := newFixture(t)
	f.keeper.SetHooks(types.TASK_KIND_SENSOR_BATCH, &recordingHooks{})
	items := []types.TaskItem{{SubjectId: 4, SubjectSeq: 1}, {SubjectId: 5, SubjectSeq: 9}, {SubjectId: 4, SubjectSeq: 2}}
	id, err := f.keeper.OpenSeriesTask(f.Ctx, types.TASK_KIND_SENSOR_BATCH, "sensors", "gateway", 0, items)
	require.NoError(t, err)
	vals := validators(f, 4)
	reports := [][]types.ItemScore{
		{{Score: 9000}, {Score: 0, Flags: []uint32{8}}, {Score: 8000, Flags: []uint32{3}}},
		{{Score: 9100}, {Score: 0, Flags: []uint32{8}}, {Score: 8100}},
		{{Score: 9050}, {Score: 9000}, {Score: 8050, Flags: []uint32{3}}}, // far off on the second batch only
		{{Score: 9000}, {Score: 0}}, // one batch short: not counted
	}
	votes := votesFor(vals, func(i int) []*types.TaskReport { return []*types.TaskReport{{TaskId: id, Items: reports[i]}} })
	require.NoError(t, f.keeper.ProcessVotes(f.Ctx, votes, 50))
	task, err := f.keeper.Tasks.Get(f.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, types.TASK_STATUS_OPEN, task.Status, "three counted reports of 10 out of 50 are below 2/3")

	require.NoError(t, f.keeper.ProcessVotes(f.Ctx, votes[:3], 40))
	task, err = f.keeper.Tasks.Get(f.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, types.TASK_STATUS_FINALIZED, task.Status)
	require.Equal(t, []types.ItemScore{{Score: 9050}, {Score: 0, Flags: []uint32{8}}, {Score: 8050, Flags: []uint32{3}}}, task.Result.Items)
	for i, want := range []struct{ valid, deviated uint64 }{{1, 0}, {1, 0}, {0, 1}} {
		p, err := f.keeper.Performance.Get(f.Ctx, vals[i].addr)
		require.NoError(t, err)
		require.Equal(t, want.valid, p.WindowValid, "validator %d", i)
		require.Equal(t, want.deviated, p.WindowDeviated, "validator %d", i)
	}
}

// A quality model rollout: governance accepts the new model's hash beside the old one, and
// while validators upgrade their sidecars one by one both models' scores of a batch count and
// the batch is finalised on all of them. The models may disagree by more than the deviation
// band (1.0.0 charged honest noise that 1.1.0 does not): with the default band the side away
// from the median counts as deviated, so the rollout also widens the band until the old hash
// is removed (x/oracle README, "Quality model rollouts").
func TestProcessVotesDuringAModelRollout(t *testing.T) {
	oldModel, newModel := fmt.Sprintf("%064x", 100), fmt.Sprintf("%064x", 110)
	scores := []uint32{8_700, 8_750, 10_000, 10_000} // validators 0-1 on the old model, 2-3 on the new
	for _, tc := range []struct {
		band     math.LegacyDec
		deviated []uint64
	}{
		{math.LegacyNewDecWithPrec(10, 2), []uint64{0, 0, 1, 1}}, // the default 10 %: the median is 8,750
		{math.LegacyNewDecWithPrec(15, 2), []uint64{0, 0, 0, 0}}, // widened for the rollout
	} {
		f := newFixture(t)
		f.keeper.SetHooks(types.TASK_KIND_SENSOR_BATCH, &recordingHooks{})
		params := types.DefaultParams()
		params.AcceptedModelHashes = []string{oldModel, newModel}
		params.ScoreDeviationBand = tc.band
		require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
		id, err := f.keeper.OpenSeriesTask(f.Ctx, types.TASK_KIND_SENSOR_BATCH, "sensors", "gateway", 0, []types.TaskItem{{SubjectId: 1, SubjectSeq: 1}})
		require.NoError(t, err)
		vals := validators(f, 4)
		votes := votesFor(vals, func(i int) []*types.TaskReport { return []*types.TaskReport{{TaskId: id, Items: one(scores[i])}} })
		for i := range votes {
			votes[i].Extension.ModelHash = oldModel
			if i >= 2 {
				votes[i].Extension.ModelHash = newModel
			}
		}
		require.NoError(t, f.keeper.ProcessVotes(f.Ctx, votes, 40))
		task, err := f.keeper.Tasks.Get(f.Ctx, id)
		require.NoError(t, err)
		require.Equal(t, types.TASK_STATUS_FINALIZED, task.Status)
		require.Equal(t, uint32(4), task.Result.Reporters, "both models' reports count")
		for i, v := range vals {
			p, err := f.keeper.Performance.Get(f.Ctx, v.addr)
			require.NoError(t, err)
			require.Zero(t, p.WindowMissed)
			require.Equal(t, tc.deviated[i], p.WindowDeviated, "band %s, validator %d", tc.band, i)
		}
	}
}
