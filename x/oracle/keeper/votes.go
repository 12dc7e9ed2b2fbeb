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

// ProcessVotes is the oracle's PreBlocker work for one block: it judges the open tasks the
// last commit's votes report on (at most max_tasks_finalized_per_block finalised or
// escalated, in task id order), counts each voting validator's valid, deviating and missing
// reports on the tasks it finalises and must verify, holds the committee reports the wider
// set overturned against their reporters, escalates or expires tasks past their deadline, prunes closed tasks past their
// retention (each bounded the same way), and closes the miss window when it ends.
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
		for _, r := range v.Extension.Reports {
			byTask[r.TaskId] = append(byTask[r.TaskId], WeightedReport{ConsAddress: v.ConsAddress, Power: v.Power, Report: *r, voter: i, address: voters[i]})
		}
	}
	ids := make([]uint64, 0, len(byTask))
	for id := range byTask {
		ids = append(ids, id)
	}
	slices.Sort(ids) // map order must not reach state

	tallies := make([]tally, len(votes))
	overturnedBy := map[string]uint64{}
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
			if t.Verifies(r.address) && fitsKind(t.Kind, r.Report) &&
				(t.Kind != types.TASK_KIND_SENSOR_BATCH || accepted(votes[r.voter].Extension.ModelHash)) {
				counted = append(counted, r)
				reportBy[r.voter] = &r.Report
			}
		}
		var result types.TaskResult
		if t.HasCommittee() {
			j := judgeCommittee(t, counted, power, params)
			switch j.decision {
			case wait:
				continue
			case escalate:
				if err := k.escalateTask(ctx, t, params, j.reason, counted, j.dissenters); err != nil {
					return err
				}
				handled++
				continue
			}
			result = j.result
		} else {
			res, ok := Aggregate(t.Kind, counted, totalPower, params.Quorum)
			if !ok {
				continue
			}
			result = res
		}
		result.FinalizedHeight = height
		if err := k.finalize(ctx, t, result); err != nil {
			return err
		}
		handled++
		for i, r := range reportBy {
			switch {
			case !t.Verifies(voters[i]):
			case r == nil:
				tallies[i].missed++
			case Agrees(t.Kind, *r, result, params.ScoreDeviationBand):
				tallies[i].valid++
			default:
				tallies[i].deviated++
			}
		}
		for _, addr := range overturned(t, result, params.ScoreDeviationBand) {
			overturnedBy[addr]++
		}
	}
	for i, v := range votes {
		if tallies[i] != (tally{}) {
			if err := k.addTally(ctx, v.ConsAddress, height, tallies[i]); err != nil {
				return err
			}
			if err := k.creditReports(ctx, v, tallies[i].valid); err != nil {
				return err
			}
		}
	}
	dissenters := slices.Sorted(maps.Keys(overturnedBy)) // map order must not reach state
	for _, addr := range dissenters {
		consAddr, err := k.consCodec.StringToBytes(addr)
		if err != nil {
			return err
		}
		if err := k.addTally(ctx, consAddr, height, tally{overturned: overturnedBy[addr]}); err != nil {
			return err
		}
	}
	if err := k.expireDue(ctx, params, height, int(params.MaxTasksFinalizedPerBlock)); err != nil {
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
