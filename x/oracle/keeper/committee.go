package keeper

import (
	"context"
	"errors"
	"slices"
	"strings"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/internal/events"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// Reasons a committee task is escalated (EventTaskEscalated.reason).
const (
	EscalatedDissent   = "dissent"    // a member's report disagreed
	EscalatedDeadline  = "deadline"   // the committee did not report completely in time
	EscalatedNoMembers = "no_members" // no member is in the validator set any more
)

// RecordValidatorSet stores the validator set of the commit being processed (members in any
// order, powers as CometBFT counts them), writing only when it changed.
func (k Keeper) RecordValidatorSet(ctx context.Context, members []types.Member) error {
	set := types.ValidatorSet{Members: slices.Clone(members)}
	slices.SortFunc(set.Members, func(a, b types.Member) int { return strings.Compare(a.ConsensusAddress, b.ConsensusAddress) })
	set.Members = slices.DeleteFunc(set.Members, func(m types.Member) bool { return m.Power <= 0 })
	old, err := k.validatorSet(ctx)
	if err != nil {
		return err
	}
	if slices.Equal(old.Members, set.Members) {
		return nil
	}
	return k.ValidatorSet.Set(ctx, set)
}

// validatorSet returns the stored validator set, empty before the first commit with votes.
func (k Keeper) validatorSet(ctx context.Context) (types.ValidatorSet, error) {
	set, err := k.ValidatorSet.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return types.ValidatorSet{}, nil
	}
	return set, err
}

// drawCommittee seats committee_size validators of the stored set, seeded by the task that
// asks for the draw, or none (every validator verifies) when the size is 0 or the set is no
// larger than it.
func (k Keeper) drawCommittee(ctx context.Context, size uint32, taskID uint64) ([]string, error) {
	if size == 0 {
		return nil, nil
	}
	set, err := k.validatorSet(ctx)
	if err != nil || len(set.Members) <= int(size) {
		return nil, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	seed := types.CommitteeSeed(sdkCtx.ChainID(), sdkCtx.HeaderInfo().AppHash, taskID)
	drawn := types.DrawCommittee(seed, set.Members, int(size))
	committee := make([]string, len(drawn))
	for i, m := range drawn {
		committee[i] = m.ConsensusAddress
	}
	return committee, nil
}

// judgement is what a committee's reports decide.
type judgement struct {
	decision   decision
	result     types.TaskResult // when finalised
	reason     string           // when escalated
	dissenters []string         // members whose reports disagreed, when escalated for dissent
}

type decision int

const (
	wait     decision = iota // not every member reported yet, and none dissents
	finalise                 // every seated member reported and they agree
	escalate                 // a member dissents, or no member holds power any more
)

// mergeCommitteeReports records this block's reports of a committee's members on its task
// (each member's latest report replaces its earlier one) and reports whether any changed.
func mergeCommitteeReports(t *types.Task, reports []WeightedReport) bool {
	changed := false
	for _, r := range reports {
		latest := types.CommitteeReport{ConsensusAddress: r.address, Verdict: r.Report.Verdict, Items: r.Report.Items}
		i := slices.IndexFunc(t.CommitteeReports, func(c types.CommitteeReport) bool { return c.ConsensusAddress == r.address })
		switch {
		case i < 0:
			t.CommitteeReports = append(t.CommitteeReports, latest)
		case !sameReport(latest, t.CommitteeReports[i]):
			t.CommitteeReports[i] = latest
		default:
			continue
		}
		changed = true
	}
	return changed
}

func sameReport(a, b types.CommitteeReport) bool {
	return a.Verdict == b.Verdict && slices.EqualFunc(a.Items, b.Items, func(x, y types.ItemScore) bool {
		return x.Score == y.Score && slices.Equal(x.Flags, y.Flags)
	})
}

// judgeCommittee decides a committee task from its members' latest reports, weighed by their
// power in the current validator set (a member that left it no longer counts). It finalises
// only when every seated member reported and they agree: on a GPU challenge every one
// reported PASS (any other verdict is a dissent, since fraud and underperformance lead to
// slashing and refunds that a committee alone must not decide); on a sensor batch every
// score lies within the deviation band of their weighted median, judged once the reports
// hold quorum of the seated power. Requiring every seat means a committee's result cannot be
// captured without every seat.
func judgeCommittee(t types.Task, power map[string]int64, params types.Params) judgement {
	var seated, reported int64
	members := 0
	for _, m := range t.Committee {
		if p := power[m]; p > 0 {
			seated += p
			members++
		}
	}
	if seated == 0 {
		return judgement{decision: escalate, reason: EscalatedNoMembers}
	}
	var reports []WeightedReport
	var dissenters []string
	for _, c := range t.CommitteeReports {
		if p := power[c.ConsensusAddress]; p > 0 {
			reports = append(reports, WeightedReport{ConsAddress: []byte(c.ConsensusAddress), Power: p, address: c.ConsensusAddress,
				Report: types.TaskReport{TaskId: t.Id, Verdict: c.Verdict, Items: c.Items}})
			reported += p
		}
	}
	switch t.Kind {
	case types.TASK_KIND_GPU_CHALLENGE:
		for _, r := range reports {
			if r.Report.Verdict != types.VERDICT_PASS {
				dissenters = append(dissenters, r.address)
			}
		}
	case types.TASK_KIND_SENSOR_BATCH:
		if reaches(reported, seated, params.Quorum) {
			median := types.TaskResult{Items: medianScores(reports, len(t.Items))}
			for _, r := range reports {
				if !Agrees(t.Kind, r.Report, median, params.ScoreDeviationBand) {
					dissenters = append(dissenters, r.address)
				}
			}
		}
	}
	if len(dissenters) > 0 {
		return judgement{decision: escalate, reason: EscalatedDissent, dissenters: dissenters}
	}
	if len(reports) < members {
		return judgement{decision: wait}
	}
	result, ok := Aggregate(t.Kind, len(t.Items), reports, seated, params.Quorum)
	if !ok {
		return judgement{decision: wait}
	}
	return judgement{decision: finalise, result: result}
}

// escalateTask reopens a committee task to every validator with a fresh deadline. The
// members' reports stay with it so the final result can hold those it overturns against
// their reporters: whichever side of a split was wrong pays, not only the side that spoke last.
func (k Keeper) escalateTask(ctx context.Context, t types.Task, params types.Params, reason string, dissenters []string) error {
	if err := k.TaskDeadlines.Remove(ctx, collections.Join(t.DeadlineHeight, t.Id)); err != nil {
		return err
	}
	t.Escalated = true
	t.DeadlineHeight = sdk.UnwrapSDKContext(ctx).BlockHeight() + int64(params.TaskDeadlineBlocks)
	if err := k.Tasks.Set(ctx, t.Id, t); err != nil {
		return err
	}
	if err := k.TaskDeadlines.Set(ctx, collections.Join(t.DeadlineHeight, t.Id)); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventTaskEscalated{
		TaskId: t.Id, Kind: t.Kind, Reason: reason, Dissenters: dissenters, DeadlineHeight: t.DeadlineHeight,
	})
}

// silentMembers lists the seated members of a committee task that never reported on it.
func silentMembers(t types.Task, power map[string]int64) []string {
	var out []string
	for _, m := range t.Committee {
		reported := slices.ContainsFunc(t.CommitteeReports, func(c types.CommitteeReport) bool { return c.ConsensusAddress == m })
		if power[m] > 0 && !reported {
			out = append(out, m)
		}
	}
	return out
}

// overturned returns the addresses of the committee reports a task's final result disagrees with.
func overturned(t types.Task, result types.TaskResult, band math.LegacyDec) []string {
	var out []string
	for _, d := range t.CommitteeReports {
		if !Agrees(t.Kind, types.TaskReport{Verdict: d.Verdict, Items: d.Items}, result, band) {
			out = append(out, d.ConsensusAddress)
		}
	}
	return out
}
