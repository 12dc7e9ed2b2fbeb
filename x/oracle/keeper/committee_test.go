package keeper_test

import (
	"fmt"
	"slices"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/header"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/oracle/keeper"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// committeeFixture has four validators of power 10 in the stored validator set and
// committee_size 2, with hooks for both task kinds.
type committeeFixture struct {
	fixture
	vals  []validator
	addrs []string // bech32, as committees hold them
	hooks *recordingHooks
}

func newCommitteeFixture(t *testing.T) committeeFixture {
	f := newFixture(t)
	f.Ctx = f.Ctx.WithBlockHeight(10).WithHeaderInfo(header.Info{Height: 10, Hash: []byte("block ten"), AppHash: []byte("app")})
	params := types.DefaultParams()
	params.CommitteeSize = 2
	require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
	c := committeeFixture{fixture: f, vals: validators(f, 4), hooks: &recordingHooks{}}
	var set []types.Member
	for _, v := range c.vals {
		addr, err := consCodec.BytesToString(v.addr)
		require.NoError(t, err)
		c.addrs = append(c.addrs, addr)
		set = append(set, types.Member{ConsensusAddress: addr, Power: v.power})
	}
	require.NoError(t, f.keeper.RecordValidatorSet(f.Ctx, set))
	f.keeper.SetHooks(types.TASK_KIND_GPU_CHALLENGE, c.hooks)
	f.keeper.SetHooks(types.TASK_KIND_SENSOR_BATCH, c.hooks)
	return c
}

// open opens a task (a sensor task of device 1's batch seq, series "gw" in epoch seq) and returns it
// with the indexes of its committee members and of the other validators.
func (c committeeFixture) open(t *testing.T, kind types.TaskKind, seq uint64) (types.Task, []int, []int) {
	t.Helper()
	var id uint64
	var err error
	if kind == types.TASK_KIND_SENSOR_BATCH {
		id, err = c.keeper.OpenSeriesTask(c.Ctx, kind, "m", "gw", seq, []types.TaskItem{{SubjectId: 1, SubjectSeq: seq}})
	} else {
		id, err = c.keeper.OpenTask(c.Ctx, kind, "m", 1, seq, nil)
	}
	require.NoError(t, err)
	task := c.task(t, id)
	require.Len(t, task.Committee, 2)
	var members, others []int
	for i, addr := range c.addrs {
		if slices.Contains(task.Committee, addr) {
			members = append(members, i)
		} else {
			others = append(others, i)
		}
	}
	require.Len(t, members, 2, "the committee is drawn from the validator set")
	return task, members, others
}

func (c committeeFixture) task(t *testing.T, id uint64) types.Task {
	t.Helper()
	task, err := c.keeper.Tasks.Get(c.Ctx, id)
	require.NoError(t, err)
	return task
}

// process runs one block's aggregation at height with the given reports by validator index:
// every validator of the stored set votes, as in a commit of that set.
func (c committeeFixture) process(t *testing.T, height int64, reports map[int]*types.TaskReport) {
	t.Helper()
	set, err := c.keeper.ValidatorSet.Get(c.Ctx)
	require.NoError(t, err)
	var votes []keeper.Vote
	var total int64
	for i, v := range c.vals {
		if !slices.ContainsFunc(set.Members, func(m types.Member) bool { return m.ConsensusAddress == c.addrs[i] }) {
			continue
		}
		vote := keeper.Vote{ConsAddress: v.addr, Power: v.power}
		if r, ok := reports[i]; ok {
			vote.Extension.Reports = []*types.TaskReport{r}
		}
		votes = append(votes, vote)
		total += v.power
	}
	require.NoError(t, c.keeper.ProcessVotes(c.Ctx.WithBlockHeight(height), votes, total))
}

func (c committeeFixture) perf(t *testing.T, i int) (types.ValidatorPerformance, bool) {
	t.Helper()
	p, err := c.keeper.Performance.Get(c.Ctx, c.vals[i].addr)
	return p, err == nil
}

func pass(id uint64) *types.TaskReport {
	return &types.TaskReport{TaskId: id, Verdict: types.VERDICT_PASS}
}

func TestOpenTaskDrawsACommitteeOnlyWhenTheSetIsLarger(t *testing.T) {
	c := newCommitteeFixture(t)
	a, _, _ := c.open(t, types.TASK_KIND_GPU_CHALLENGE, 1)
	b, _, _ := c.open(t, types.TASK_KIND_GPU_CHALLENGE, 2)
	require.NotEqual(t, a.Id, b.Id)

	params, err := c.keeper.Params.Get(c.Ctx)
	require.NoError(t, err)
	params.CommitteeSize = 4
	require.NoError(t, c.keeper.Params.Set(c.Ctx, params))
	id, err := c.keeper.OpenTask(c.Ctx, types.TASK_KIND_GPU_CHALLENGE, "m", 1, 3, nil)
	require.NoError(t, err)
	require.Empty(t, c.task(t, id).Committee, "a committee as large as the set is every validator")
	require.True(t, c.task(t, id).Verifies(c.addrs[0]))
}

// A committee task is decided by its members alone: reports of other validators are ignored
// and their silence is no miss; it finalises once every member reported PASS.
func TestCommitteeFinalisesOnItsMembersAlone(t *testing.T) {
	c := newCommitteeFixture(t)
	task, members, others := c.open(t, types.TASK_KIND_GPU_CHALLENGE, 1)
	fraud := &types.TaskReport{TaskId: task.Id, Verdict: types.VERDICT_FRAUD}

	c.process(t, 11, map[int]*types.TaskReport{members[0]: pass(task.Id), others[0]: fraud})
	require.Equal(t, types.TASK_STATUS_OPEN, c.task(t, task.Id).Status, "one member of two has reported")
	require.False(t, c.task(t, task.Id).Escalated, "a non-member's report does not count")

	c.process(t, 12, map[int]*types.TaskReport{members[0]: pass(task.Id), members[1]: pass(task.Id), others[0]: fraud})
	got := c.task(t, task.Id)
	require.Equal(t, types.TASK_STATUS_FINALIZED, got.Status)
	require.Equal(t, types.VERDICT_PASS, got.Result.Verdict)
	require.Equal(t, uint32(2), got.Result.Reporters)
	require.Equal(t, int64(20), got.Result.TotalPower, "measured against the committee's power")
	for _, i := range members {
		p, ok := c.perf(t, i)
		require.True(t, ok)
		require.Equal(t, uint64(1), p.WindowValid)
	}
	for _, i := range others {
		_, ok := c.perf(t, i)
		require.False(t, ok, "validators off the committee are neither valid, deviating nor missing")
	}
}

// A fraud report by one member escalates the task to every validator; when they find it
// passes, the dissent is overturned and counts against its reporter.
func TestCommitteeDissentEscalatesAndAnOverturnedDissentCosts(t *testing.T) {
	c := newCommitteeFixture(t)
	task, members, others := c.open(t, types.TASK_KIND_GPU_CHALLENGE, 1)
	liar := members[0]
	c.process(t, 11, map[int]*types.TaskReport{liar: {TaskId: task.Id, Verdict: types.VERDICT_FRAUD}, members[1]: pass(task.Id)})
	got := c.task(t, task.Id)
	require.Equal(t, types.TASK_STATUS_OPEN, got.Status)
	require.True(t, got.Escalated)
	require.ElementsMatch(t, []types.CommitteeReport{
		{ConsensusAddress: c.addrs[liar], Verdict: types.VERDICT_FRAUD}, {ConsensusAddress: c.addrs[members[1]], Verdict: types.VERDICT_PASS},
	}, got.CommitteeReports, "both members' reports are kept")
	require.Equal(t, int64(11+20), got.DeadlineHeight, "a fresh deadline")
	require.True(t, got.Verifies(c.addrs[others[0]]), "every validator verifies it now")
	require.Contains(t, eventTypes(c.Ctx), "thalamus.oracle.v1.EventTaskEscalated")
	require.Empty(t, c.hooks.finalized, "nothing is decided before the wider set reports")

	all := map[int]*types.TaskReport{}
	for i := range c.vals {
		all[i] = pass(task.Id)
	}
	c.process(t, 12, all)
	got = c.task(t, task.Id)
	require.Equal(t, types.TASK_STATUS_FINALIZED, got.Status)
	require.Equal(t, types.VERDICT_PASS, got.Result.Verdict)
	require.Equal(t, uint32(4), got.Result.Reporters)
	p, _ := c.perf(t, liar)
	require.Equal(t, uint64(1), p.WindowOverturned, "the dissent was overturned")
	require.Equal(t, uint64(1), p.WindowValid, "its final report agreed")
	p, _ = c.perf(t, members[1])
	require.Zero(t, p.WindowOverturned)
}

// Fraud is decided only by the wider set: a unanimous committee still escalates. When the
// wider set confirms it, the member that reported it is not held to account and the one
// that vouched for the fraudulent work is.
func TestCommitteeFraudIsConfirmedByEveryValidator(t *testing.T) {
	c := newCommitteeFixture(t)
	task, members, _ := c.open(t, types.TASK_KIND_GPU_CHALLENGE, 1)
	fraud := &types.TaskReport{TaskId: task.Id, Verdict: types.VERDICT_FRAUD}
	unanimous, m, _ := c.open(t, types.TASK_KIND_GPU_CHALLENGE, 2)
	c.process(t, 11, map[int]*types.TaskReport{m[0]: {TaskId: unanimous.Id, Verdict: types.VERDICT_FRAUD}, m[1]: {TaskId: unanimous.Id, Verdict: types.VERDICT_FRAUD}})
	require.True(t, c.task(t, unanimous.Id).Escalated, "a unanimous fraud verdict still goes to every validator")

	c.process(t, 12, map[int]*types.TaskReport{members[0]: fraud, members[1]: pass(task.Id)})
	require.True(t, c.task(t, task.Id).Escalated)
	others := map[int]*types.TaskReport{}
	for i := range c.vals {
		others[i] = fraud
	}
	others[members[1]] = pass(task.Id)
	c.process(t, 13, others)
	got := c.task(t, task.Id)
	require.Equal(t, types.TASK_STATUS_FINALIZED, got.Status)
	require.Equal(t, types.VERDICT_FRAUD, got.Result.Verdict)
	p, _ := c.perf(t, members[0])
	require.Zero(t, p.WindowOverturned, "its fraud report was right")
	p, _ = c.perf(t, members[1])
	require.Equal(t, uint64(1), p.WindowOverturned, "it vouched for fraudulent work")
	require.Equal(t, uint64(1), p.WindowDeviated)
}

// Members may report in different blocks: the committee decides once it has every
// member's report.
func TestCommitteeReportsAddUpAcrossBlocks(t *testing.T) {
	c := newCommitteeFixture(t)
	task, members, _ := c.open(t, types.TASK_KIND_GPU_CHALLENGE, 1)
	c.process(t, 11, map[int]*types.TaskReport{members[0]: pass(task.Id)})
	require.Len(t, c.task(t, task.Id).CommitteeReports, 1, "the first member's report is kept")
	require.Equal(t, types.TASK_STATUS_OPEN, c.task(t, task.Id).Status)
	c.process(t, 12, map[int]*types.TaskReport{members[1]: pass(task.Id)})
	got := c.task(t, task.Id)
	require.Equal(t, types.TASK_STATUS_FINALIZED, got.Status)
	require.Equal(t, uint32(2), got.Result.Reporters)
	for _, i := range members {
		p, _ := c.perf(t, i)
		require.Equal(t, uint64(1), p.WindowValid, "a member is valid whichever block its report came in")
	}
}

// A committer's sensor tasks in one committee epoch share the committee drawn with the
// epoch's first task, so its members follow the committer's devices; the next epoch draws
// afresh, and every committer has its own.
func TestSeriesCommitteeIsDrawnOncePerEpoch(t *testing.T) {
	c := newCommitteeFixture(t)
	openBatch := func(committer, seq, epoch uint64) types.Task {
		id, err := c.keeper.OpenSeriesTask(c.Ctx, types.TASK_KIND_SENSOR_BATCH, "sensors", fmt.Sprint("gateway", committer), epoch,
			[]types.TaskItem{{SubjectId: 7, SubjectSeq: seq}, {SubjectId: 8, SubjectSeq: seq}})
		require.NoError(t, err)
		return c.task(t, id)
	}
	first := openBatch(1, 1, 0)
	require.Len(t, first.Committee, 2)
	for seq := uint64(2); seq <= 4; seq++ {
		require.Equal(t, first.Committee, openBatch(1, seq, 0).Committee, "batch %d is in the same epoch", seq)
	}
	stored, err := c.keeper.SeriesCommittees.Get(c.Ctx, collections.Join(int32(types.TASK_KIND_SENSOR_BATCH), "gateway1"))
	require.NoError(t, err)
	require.Equal(t, types.SeriesCommittee{Kind: types.TASK_KIND_SENSOR_BATCH, Series: "gateway1", Epoch: 0, Members: first.Committee}, stored)

	// Each new epoch is drawn from its first task's seed: over a few epochs the seats move.
	moved := false
	for epoch := uint64(1); epoch <= 8; epoch++ {
		next := openBatch(1, 4+epoch, epoch)
		require.Len(t, next.Committee, 2)
		seed := types.CommitteeSeed(c.Ctx.ChainID(), c.Ctx.HeaderInfo().AppHash, next.Id)
		set, err := c.keeper.ValidatorSet.Get(c.Ctx)
		require.NoError(t, err)
		drawn := types.DrawCommittee(seed, set.Members, 2)
		require.Equal(t, []string{drawn[0].ConsensusAddress, drawn[1].ConsensusAddress}, next.Committee)
		moved = moved || !slices.Equal(next.Committee, first.Committee)
	}
	require.True(t, moved, "eight epochs of 2 seats among 4 validators all drew the first committee")
	other := openBatch(2, 1, 0)
	require.Len(t, other.Committee, 2, "another committer gets its own committee")
}

// A sensor batch's committee finalises scores within the band of their median and
// escalates a spread beyond it; the member the wider set overturns pays.
func TestCommitteeSensorBatches(t *testing.T) {
	c := newCommitteeFixture(t)
	agree, m1, _ := c.open(t, types.TASK_KIND_SENSOR_BATCH, 1)
	c.process(t, 11, map[int]*types.TaskReport{m1[0]: {TaskId: agree.Id, Items: one(9000)}, m1[1]: {TaskId: agree.Id, Items: one(9100)}})
	require.Equal(t, types.TASK_STATUS_FINALIZED, c.task(t, agree.Id).Status)
	require.Equal(t, uint32(9000), c.task(t, agree.Id).Result.Items[0].Score)

	split, m2, _ := c.open(t, types.TASK_KIND_SENSOR_BATCH, 2)
	c.process(t, 12, map[int]*types.TaskReport{m2[0]: {TaskId: split.Id, Items: one(9000)}})
	require.False(t, c.task(t, split.Id).Escalated, "one report of two is below quorum: no median to dissent from yet")
	c.process(t, 13, map[int]*types.TaskReport{m2[0]: {TaskId: split.Id, Items: one(9000)}, m2[1]: {TaskId: split.Id, Items: one(2000)}})
	got := c.task(t, split.Id)
	require.True(t, got.Escalated, "9000 is beyond the band of their (lower) median, 2000")
	require.Len(t, got.CommitteeReports, 2)

	// The wider set finds 9000: the member that reported 2000 is overturned.
	all := map[int]*types.TaskReport{}
	for i := range c.vals {
		all[i] = &types.TaskReport{TaskId: split.Id, Items: one(9000)}
	}
	all[m2[1]] = &types.TaskReport{TaskId: split.Id, Items: one(2000)}
	c.process(t, 14, all)
	require.Equal(t, uint32(9000), c.task(t, split.Id).Result.Items[0].Score)
	p, _ := c.perf(t, m2[1])
	require.Equal(t, uint64(1), p.WindowOverturned)
	p, _ = c.perf(t, m2[0])
	require.Zero(t, p.WindowOverturned)
}

// A committee that does not report completely before the deadline escalates, and its
// members that never reported are counted as missing the task; an escalated task that
// still gets no quorum expires at its second deadline.
func TestCommitteeDeadlineEscalatesThenExpires(t *testing.T) {
	c := newCommitteeFixture(t)
	task, members, _ := c.open(t, types.TASK_KIND_GPU_CHALLENGE, 1)
	c.process(t, 20, map[int]*types.TaskReport{members[0]: pass(task.Id)})
	c.process(t, 31, nil) // deadline 30
	got := c.task(t, task.Id)
	require.True(t, got.Escalated)
	require.Len(t, got.CommitteeReports, 1)
	require.Equal(t, int64(51), got.DeadlineHeight)
	silent, _ := c.perf(t, members[1])
	require.Equal(t, uint64(1), silent.WindowMissed, "a member that withholds its report is counted missing")
	reported, _ := c.perf(t, members[0])
	require.Zero(t, reported.WindowMissed)
	require.Empty(t, c.hooks.expired)
	c.process(t, 52, nil)
	require.Equal(t, types.TASK_STATUS_EXPIRED, c.task(t, task.Id).Status)
	require.Len(t, c.hooks.expired, 1)
}

// A member that leaves the validator set no longer holds its seat's weight: the members
// still in the set decide; when none is left the task escalates.
func TestCommitteeMembersLeavingTheSet(t *testing.T) {
	c := newCommitteeFixture(t)
	task, members, _ := c.open(t, types.TASK_KIND_GPU_CHALLENGE, 1)
	keep := func(idx ...int) {
		var set []types.Member
		for _, i := range idx {
			set = append(set, types.Member{ConsensusAddress: c.addrs[i], Power: 10})
		}
		require.NoError(t, c.keeper.RecordValidatorSet(c.Ctx, set))
	}
	var rest []int
	for i := range c.vals {
		if i != members[0] {
			rest = append(rest, i)
		}
	}
	keep(rest...)
	c.process(t, 11, map[int]*types.TaskReport{members[1]: pass(task.Id)})
	got := c.task(t, task.Id)
	require.Equal(t, types.TASK_STATUS_FINALIZED, got.Status, "the remaining member decides")
	require.Equal(t, int64(10), got.Result.TotalPower)

	other, members, others := c.open(t, types.TASK_KIND_GPU_CHALLENGE, 2)
	keep(others...)
	c.process(t, 12, map[int]*types.TaskReport{others[0]: pass(other.Id)})
	require.True(t, c.task(t, other.Id).Escalated, "no member of %v is left", members)
}

// The stored set is ordered by address, without powerless members, whatever order it came in.
func TestRecordValidatorSet(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.keeper.RecordValidatorSet(f.Ctx, []types.Member{{ConsensusAddress: "b", Power: 2}, {ConsensusAddress: "c"}, {ConsensusAddress: "a", Power: 1}}))
	set, err := f.keeper.ValidatorSet.Get(f.Ctx)
	require.NoError(t, err)
	require.Equal(t, []types.Member{{ConsensusAddress: "a", Power: 1}, {ConsensusAddress: "b", Power: 2}}, set.Members)
	require.NoError(t, set.Validate())
}

// Committees, committee reports and the validator set survive export and import.
func TestGenesisRoundTripWithCommittees(t *testing.T) {
	c := newCommitteeFixture(t)
	task, members, _ := c.open(t, types.TASK_KIND_GPU_CHALLENGE, 1)
	c.process(t, 11, map[int]*types.TaskReport{members[0]: {TaskId: task.Id, Verdict: types.VERDICT_FRAUD}})
	c.open(t, types.TASK_KIND_SENSOR_BATCH, 1)
	exported, err := c.keeper.ExportGenesis(c.Ctx)
	require.NoError(t, err)
	require.Len(t, exported.ValidatorSet.Members, 4)
	require.Len(t, exported.SeriesCommittees, 1)
	require.Len(t, exported.Tasks[0].CommitteeReports, 1)

	g := newFixture(t)
	require.NoError(t, g.keeper.InitGenesis(g.Ctx, exported))
	again, err := g.keeper.ExportGenesis(g.Ctx)
	require.NoError(t, err)
	require.Equal(t, exported, again)

	bad := *exported
	bad.ValidatorSet = types.ValidatorSet{Members: []types.Member{{ConsensusAddress: "b", Power: 1}, {ConsensusAddress: "a", Power: 1}}}
	require.ErrorIs(t, bad.Validate(), types.ErrInvalidGenesis, "members out of order")
	bad = *exported
	bad.Tasks = append([]types.Task(nil), exported.Tasks...)
	bad.Tasks[0].Committee = []string{"x", "x"}
	require.ErrorIs(t, bad.Validate(), types.ErrInvalidGenesis, "a member seated twice")
	bad = *exported
	bad.SeriesCommittees = append(slices.Clone(exported.SeriesCommittees), exported.SeriesCommittees[0])
	require.ErrorIs(t, bad.Validate(), types.ErrInvalidGenesis, "a committer with two committees")
	bad.SeriesCommittees = []types.SeriesCommittee{{Kind: types.TASK_KIND_SENSOR_BATCH, Series: "gw", Members: []string{"x", "x"}}}
	require.ErrorIs(t, bad.Validate(), types.ErrInvalidGenesis, "a member seated twice in a series committee")
}

// network is an in-process validator set with committee_size k, whose sidecars report on
// exactly the tasks their validator sits on.
type network struct {
	committeeFixture
	byAddr map[string]int
}

func newNetwork(tb testing.TB, validators int, k uint32) network {
	f := newFixture(tb)
	f.Ctx = f.Ctx.WithBlockHeight(10).WithHeaderInfo(header.Info{Height: 10, AppHash: []byte("app")})
	params := types.DefaultParams()
	params.CommitteeSize = k
	params.MaxTasksFinalizedPerBlock = 10_000
	params.MaxTasksPerVoteExtension = 4096
	require.NoError(tb, f.keeper.Params.Set(f.Ctx, params))
	c := committeeFixture{fixture: f, hooks: &recordingHooks{}}
	n := network{byAddr: map[string]int{}}
	var set []types.Member
	for i := range validators {
		v := validator{addr: []byte(fmt.Sprintf("validator-address-%04d", i)), power: int64(10 + i%7)} // unequal stakes
		addr, err := consCodec.BytesToString(v.addr)
		require.NoError(tb, err)
		c.vals, c.addrs = append(c.vals, v), append(c.addrs, addr)
		n.byAddr[addr] = i
		set = append(set, types.Member{ConsensusAddress: addr, Power: v.power})
	}
	require.NoError(tb, f.keeper.RecordValidatorSet(f.Ctx, set))
	f.keeper.SetHooks(types.TASK_KIND_GPU_CHALLENGE, c.hooks)
	f.keeper.SetHooks(types.TASK_KIND_SENSOR_BATCH, c.hooks)
	n.committeeFixture = c
	return n
}

// round opens `tasks` GPU challenge tasks, lets every validator report PASS on its seats in
// one block's votes, aggregates it, and returns how many tasks each validator verified.
func (n network) round(tb testing.TB, first uint64, tasks int) []int {
	perValidator := make([][]*types.TaskReport, len(n.vals))
	load := make([]int, len(n.vals))
	for i := range tasks {
		id, err := n.keeper.OpenTask(n.Ctx, types.TASK_KIND_GPU_CHALLENGE, "compute", first+uint64(i), 0, nil)
		require.NoError(tb, err)
		task, err := n.keeper.Tasks.Get(n.Ctx, id)
		require.NoError(tb, err)
		for _, m := range task.Committee {
			v := n.byAddr[m]
			perValidator[v] = append(perValidator[v], pass(id))
			load[v]++
		}
	}
	var votes []keeper.Vote
	var total int64
	for i, v := range n.vals {
		votes = append(votes, keeper.Vote{ConsAddress: v.addr, Power: v.power, Extension: types.OracleVoteExtension{Reports: perValidator[i]}})
		total += v.power
	}
	require.NoError(tb, n.keeper.ProcessVotes(n.Ctx.WithBlockHeight(11), votes, total))
	return load
}

// An in-process network of 16 and 64 validators with 8-seat committees: every task is
// finalised in the block its members report in, by exactly 8 reporters, and each validator
// verifies about 8/N of the tasks (its share grows with its stake), so the network verifies
// N/8 times what one validator can.
func TestCommitteeNetwork(t *testing.T) {
	for _, validators := range []int{16, 64} {
		const k, tasks = 8, 2_000
		n := newNetwork(t, validators, k)
		load := n.round(t, 1, tasks)
		finalised := 0
		for _, task := range n.hooks.finalized {
			require.Equal(t, uint32(k), task.Result.Reporters)
			finalised++
		}
		require.Equal(t, tasks, finalised, "%d validators", validators)
		mean := float64(tasks*k) / float64(validators)
		for i, l := range load {
			require.InDelta(t, mean, float64(l), mean*0.5, "validator %d of %d verified %d tasks", i, validators, l)
		}
		t.Logf("%d validators, committees of %d: %d tasks finalised; each validator verified %.0f on average (%.1f%% of all tasks)",
			validators, k, finalised, mean, 100*mean/float64(tasks))
	}
}

// BenchmarkCommitteeAggregation: what the PreBlocker pays per task for opening it with a
// committee draw and aggregating its committee's reports, at 16 and 64 validators.
func BenchmarkCommitteeAggregation(b *testing.B) {
	for _, validators := range []int{16, 64} {
		b.Run(fmt.Sprintf("validators=%d", validators), func(b *testing.B) {
			const tasks = 500
			n := newNetwork(b, validators, 8)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				n.round(b, uint64(i*tasks+1), tasks)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*tasks), "µs/task")
		})
	}
}

// Dissent the wider set keeps overturning is spam: a member whose committee reports are
// overturned on more than max_overturned_fraction of its tasks in a miss window is slashed
// and jailed, even though its reports on the escalated tasks agree (its valid fraction stays
// at one half, far above min_valid_fraction); the members it forced to re-verify are not.
func TestDissentSpamIsPenalized(t *testing.T) {
	c := newCommitteeFixture(t)
	params, err := c.keeper.Params.Get(c.Ctx)
	require.NoError(t, err)
	params.MissWindowBlocks = 100
	require.NoError(t, c.keeper.Params.Set(c.Ctx, params))
	spammer, spams, height := -1, 0, int64(11)
	for seq := uint64(1); spams < 4; seq++ {
		task, members, _ := c.open(t, types.TASK_KIND_GPU_CHALLENGE, seq)
		if spammer < 0 {
			spammer = members[0]
		}
		reports := map[int]*types.TaskReport{}
		for _, m := range members {
			reports[m] = pass(task.Id)
		}
		if slices.Contains(members, spammer) {
			reports[spammer] = &types.TaskReport{TaskId: task.Id, Verdict: types.VERDICT_FRAUD}
			spams++
		}
		c.process(t, height, reports)
		height++
		if c.task(t, task.Id).Escalated {
			all := map[int]*types.TaskReport{}
			for i := range c.vals {
				all[i] = pass(task.Id)
			}
			c.process(t, height, all)
			height++
		}
		require.Equal(t, types.TASK_STATUS_FINALIZED, c.task(t, task.Id).Status)
	}
	p, _ := c.perf(t, spammer)
	require.Equal(t, uint64(spams), p.WindowOverturned)
	require.Equal(t, p.WindowValid, p.WindowOverturned, "its reports on the escalated tasks were valid")

	c.process(t, 100, nil) // the window closes
	require.Equal(t, []string{string(c.vals[spammer].addr)}, c.slashing.slashed)
	var penalized *types.EventValidatorPenalized
	for _, e := range c.Ctx.EventManager().Events() {
		if e.Type == "thalamus.oracle.v1.EventValidatorPenalized" {
			msg, err := sdk.ParseTypedEvent(abci.Event(e))
			require.NoError(t, err)
			penalized = msg.(*types.EventValidatorPenalized)
		}
	}
	require.NotNil(t, penalized)
	require.Equal(t, keeper.PenaltyOverturned, penalized.Reason)
	require.Equal(t, "0.500000000000000000", penalized.OverturnedFraction.String())
	require.Equal(t, "0.500000000000000000", penalized.ValidFraction.String())
}
