package keeper

import (
	"context"

	"cosmossdk.io/collections"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// InitGenesis validates and writes the module's genesis state, rebuilding the open-task indexes.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	// The sequence holds the id Next hands out.
	if err := k.NextTaskID.Set(ctx, gs.NextTaskId); err != nil {
		return err
	}
	for _, t := range gs.Tasks {
		var err error
		if t.Status == types.TASK_STATUS_OPEN {
			err = k.setOpen(ctx, t)
		} else if err = k.Tasks.Set(ctx, t.Id, t); err == nil {
			err = k.queuePrune(ctx, t)
		}
		if err != nil {
			return err
		}
	}
	if err := k.ValidatorSet.Set(ctx, gs.ValidatorSet); err != nil {
		return err
	}
	for _, c := range gs.SeriesCommittees {
		if err := k.SeriesCommittees.Set(ctx, collections.Join(int32(c.Kind), c.Series), c); err != nil {
			return err
		}
	}
	for _, p := range gs.Performances {
		addr, err := k.consCodec.StringToBytes(p.ConsensusAddress)
		if err != nil {
			return err
		}
		if err := k.Performance.Set(ctx, addr, p); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis reads the module's state back into a genesis state.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	next, err := k.NextTaskID.Peek(ctx)
	if err != nil {
		return nil, err
	}
	set, err := k.validatorSet(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params, NextTaskId: next, ValidatorSet: set}
	if err := k.Tasks.Walk(ctx, nil, func(_ uint64, t types.Task) (bool, error) {
		gs.Tasks = append(gs.Tasks, t)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Performance.Walk(ctx, nil, func(_ []byte, p types.ValidatorPerformance) (bool, error) {
		gs.Performances = append(gs.Performances, p)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.SeriesCommittees.Walk(ctx, nil, func(_ collections.Pair[int32, string], c types.SeriesCommittee) (bool, error) {
		gs.SeriesCommittees = append(gs.SeriesCommittees, c)
		return false, nil
	}); err != nil {
		return nil, err
	}
	return gs, nil
}
