package keeper

import (
	"context"
	"slices"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// tally is what one block's aggregation adds to a validator's counts.
type tally struct{ valid, deviated, missed uint64 }

// ProcessVotes is the oracle's PreBlocker work for one block: it aggregates the reports of
// the last commit's votes (at most max_tasks_finalized_per_block tasks, in task id order),
// counts each voting validator's valid, deviating and missing reports on the tasks it
// finalises, expires tasks past their deadline, prunes closed tasks past their retention
// (each bounded the same way), and closes the miss window when it ends.
// totalPower is the power of the validator set that voted, absent validators included; votes
// is nil when the proposal carried no extended commit.
func (k Keeper) ProcessVotes(ctx context.Context, votes []Vote, totalPower int64) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	accepted := func(hash string) bool {
		return len(params.AcceptedModelHashes) == 0 || slices.Contains(params.AcceptedModelHashes, hash)
	}

	// Reports by task, validators in commit order.
	byTask := map[uint64][]WeightedReport{}
	for i, v := range votes {
		for _, r := range v.Extension.Reports {
			byTask[r.TaskId] = append(byTask[r.TaskId], WeightedReport{ConsAddress: v.ConsAddress, Power: v.Power, Report: *r, voter: i})
		}
	}
	ids := make([]uint64, 0, len(byTask))
	for id := range byTask {
		ids = append(ids, id)
	}
	slices.Sort(ids) // map order must not reach state

	tallies := make([]tally, len(votes))
	finalized := 0
	for _, id := range ids {
		if finalized == int(params.MaxTasksFinalizedPerBlock) {
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
			if fitsKind(t.Kind, r.Report) && (t.Kind != types.TASK_KIND_SENSOR_BATCH || accepted(votes[r.voter].Extension.ModelHash)) {
				counted = append(counted, r)
				reportBy[r.voter] = &r.Report
			}
		}
		result, ok := Aggregate(t.Kind, counted, totalPower, params.Quorum)
		if !ok {
			continue
		}
		result.FinalizedHeight = height
		if err := k.finalize(ctx, t, result); err != nil {
			return err
		}
		finalized++
		for i, r := range reportBy {
			switch {
			case r == nil:
				tallies[i].missed++
			case Agrees(t.Kind, *r, result, params.ScoreDeviationBand):
				tallies[i].valid++
			default:
				tallies[i].deviated++
			}
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
	if err := k.expireDue(ctx, height, int(params.MaxTasksFinalizedPerBlock)); err != nil {
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
