package keeper

import (
	"context"
	"maps"
	"slices"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// tally is what one block's aggregation adds to a validator's counts.
type tally struct{ valid, deviated, missed, overturned uint64 }

// tallies are one block's counts by consensus address (bech32).
type tallies map[string]*tally

func (ts tallies) of(addr string) *tally {
	if ts[addr] == nil {
		ts[addr] = &tally{}
	}
	return ts[addr]
}

// count adds a report that agreed with its task's result (valid) or did not (deviated).
func (ts tallies) count(addr string, agreed bool) {
	if agreed {
		ts.of(addr).valid++
	} else {
		ts.of(addr).deviated++
	}
}

// ProcessVotes is the oracle's PreBlocker work for one block: it judges the open tasks the
// last commit's votes report on (at most max_tasks_finalized_per_block finalised or
// escalated, in task id order), counts the valid, deviating and missing reports of the
// validators that had to verify each task it finalises, holds the committee reports the
// wider set overturned against their reporters, escalates or expires tasks past their
// deadline, prunes closed tasks past their retention (each bounded the same way), and
// closes the miss window when it ends.
// totalPower is the power of the validator set that voted, absent validators included; votes
// is nil when the proposal carried no extended commit. Committee power is measured against
// the validator set RecordValidatorSet stored for this commit.
func (k Keeper) ProcessVotes(ctx context.Context, votes []Vote, totalPower int64) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	accepted := func(hash string) bool {
		return len(params.AcceptedModelHashes) == 0 || slices.Contains(params.AcceptedModelHashes, hash)
	}
	set, err := k.validatorSet(ctx)
	if err != nil {
		return err
	}
	power := make(map[string]int64, len(set.Members))
	for _, m := range set.Members {
		power[m.ConsensusAddress] = m.Power
	}

	// Reports by task, validators in commit order.
	voters := make([]string, len(votes))
	byTask := map[uint64][]WeightedReport{}
	for i, v := range votes {
		if voters[i], err = k.consCodec.BytesToString(v.ConsAddress); err != nil {
			return err
		}
		power[voters[i]] = v.Power // the same commit's power; a set not yet recorded still pays voters
		for _, r := range v.Extension.Reports {
			byTask[r.TaskId] = append(byTask[r.TaskId], WeightedReport{ConsAddress: v.ConsAddress, Power: v.Power, Report: *r, voter: i, address: voters[i]})
		}
	}
	ids := make([]uint64, 0, len(byTask))
	for id := range byTask {
		ids = append(ids, id)
	}
	slices.Sort(ids) // map order must not reach state

	counts := tallies{}
	handled := 0
	for _, id := range ids {
		if handled == int(params.MaxTasksFinalizedPerBlock) {
			break
		}
		t, open, err := k.openTask(ctx, id)
		if err != nil {
			return err
		}
		if !open {
			continue
		}
		var counted []WeightedReport
		reportBy := make([]*types.TaskReport, len(votes))
		for _, r := range byTask[id] {
			if t.Verifies(r.address) && fitsKind(t, r.Report) &&
				(t.Kind != types.TASK_KIND_SENSOR_BATCH || accepted(votes[r.voter].Extension.ModelHash)) {
				counted = append(counted, r)
				reportBy[r.voter] = &r.Report
			}
		}
		if t.HasCommittee() {
			changed := mergeCommitteeReports(&t, counted)
			j := judgeCommittee(t, power, params)
			switch j.decision {
			case wait:
				if changed {
					if err := k.Tasks.Set(ctx, t.Id, t); err != nil {
						return err
					}
				}
				continue
			case escalate:
				if err := k.escalateTask(ctx, t, params, j.reason, j.dissenters); err != nil {
					return err
				}
				handled++
				continue
			}
			if err := k.finalizeAt(ctx, t, j.result, height); err != nil {
				return err
			}
			handled++
			// Every seated member reported: each is valid or deviated against the result.
			for _, c := range t.CommitteeReports {
				if power[c.ConsensusAddress] > 0 {
					counts.count(c.ConsensusAddress, Agrees(t.Kind, types.TaskReport{Verdict: c.Verdict, Items: c.Items}, j.result, params.ScoreDeviationBand))
				}
			}
			continue
		}
		result, ok := Aggregate(t.Kind, len(t.Items), counted, totalPower, params.Quorum)
		if !ok {
			continue
		}
		if err := k.finalizeAt(ctx, t, result, height); err != nil {
			return err
		}
		handled++
		for i, r := range reportBy {
			if r == nil {
				counts.of(voters[i]).missed++
			} else {
				counts.count(voters[i], Agrees(t.Kind, *r, result, params.ScoreDeviationBand))
			}
		}
		for _, addr := range overturned(t, result, params.ScoreDeviationBand) {
			counts.of(addr).overturned++
		}
	}
	if err := k.applyTallies(ctx, counts, power, height); err != nil {
		return err
	}
	if err := k.expireDue(ctx, params, power, height, int(params.MaxTasksFinalizedPerBlock)); err != nil {
		return err
	}
	if err := k.pruneDue(ctx, height, int(params.MaxTasksFinalizedPerBlock)); err != nil {
		return err
	}
	if height > 0 && uint64(height)%params.MissWindowBlocks == 0 {
		return k.closeWindow(ctx, params, height)
	}
	return nil
}

// applyTallies adds a block's counts to the validators' records, in address order, and
// credits each validator's valid reports in x/rewards by its power.
func (k Keeper) applyTallies(ctx context.Context, ts tallies, power map[string]int64, height int64) error {
	for _, addr := range slices.Sorted(maps.Keys(ts)) { // map order must not reach state
		consAddr, err := k.consCodec.StringToBytes(addr)
		if err != nil {
			return err
		}
		if err := k.addTally(ctx, consAddr, height, *ts[addr]); err != nil {
			return err
		}
		if ts[addr].valid > 0 {
			if err := k.rewards.AddValidatorWork(ctx, consAddr, power[addr], ts[addr].valid); err != nil {
				return err
			}
		}
	}
	return nil
}

// addTally adds one block's counts to a validator's performance record.
func (k Keeper) addTally(ctx context.Context, consAddr []byte, height int64, t tally) error {
	p, err := k.performance(ctx, consAddr, height)
	if err != nil {
		return err
	}
	p.WindowValid += t.valid
	p.WindowDeviated += t.deviated
	p.WindowMissed += t.missed
	p.TotalValid += t.valid
	p.TotalDeviated += t.deviated
	p.TotalMissed += t.missed
	p.WindowOverturned += t.overturned
	p.TotalOverturned += t.overturned
	return k.Performance.Set(ctx, consAddr, p)
}

// performance loads a validator's record, or starts one whose window begins at height.
func (k Keeper) performance(ctx context.Context, consAddr []byte, height int64) (types.ValidatorPerformance, error) {
	p, err := k.Performance.Get(ctx, consAddr)
	if err == nil {
		return p, nil
	}
	if has, herr := k.Performance.Has(ctx, consAddr); herr != nil || has {
		return p, err
	}
	addr, err := k.consCodec.BytesToString(consAddr)
	if err != nil {
		return p, err
	}
	return types.ValidatorPerformance{ConsensusAddress: addr, WindowStart: height}, nil
}
