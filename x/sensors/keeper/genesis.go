package keeper

import (
	"context"
	"slices"

	"cosmossdk.io/collections"

	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// InitGenesis validates and writes the module's genesis state, rebuilding every index and
// the prune queue (retention counts from each batch's committed height).
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	next := max(gs.NextDeviceId, 1)
	if err := k.NextDeviceID.Set(ctx, next); err != nil {
		return err
	}
	for _, d := range gs.Devices {
		if err := k.setDevice(ctx, nil, d); err != nil {
			return err
		}
		if d.Status == types.DEVICE_STATUS_ACTIVE {
			owner, err := k.addressCodec.StringToBytes(d.Owner)
			if err != nil {
				return err
			}
			if err := k.addOwnerDevices(ctx, owner, 1); err != nil {
				return err
			}
		}
	}
	for _, e := range gs.DeviceStats {
		if err := k.Stats.Set(ctx, e.DeviceId, e.Stats); err != nil {
			return err
		}
	}
	// The retention queue is rebuilt as the chain builds it: a committer's batches of one
	// block in entries of at most oracletypes.MaxTaskItems, in genesis order.
	type block struct {
		height    int64
		committer string
	}
	queued := map[block][]types.BatchRef{}
	var blocks []block
	for _, b := range gs.Batches {
		if err := k.Batches.Set(ctx, collections.Join(b.DeviceId, b.Seq), b); err != nil {
			return err
		}
		at := block{b.CommittedHeight + gs.Params.BatchRetentionBlocks, b.Committer}
		if _, ok := queued[at]; !ok {
			blocks = append(blocks, at)
		}
		queued[at] = append(queued[at], types.BatchRef{DeviceId: b.DeviceId, Seq: b.Seq})
	}
	for _, at := range blocks {
		for part, refs := range slices.Collect(slices.Chunk(queued[at], oracletypes.MaxTaskItems)) {
			if err := k.PruneQueue.Set(ctx, collections.Join3(at.height, at.committer, uint64(part)), types.BatchRefs{Batches: refs}); err != nil {
				return err
			}
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
	next, err := k.NextDeviceID.Peek(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params, NextDeviceId: next}
	if err := k.Devices.Walk(ctx, nil, func(_ uint64, d types.Device) (bool, error) {
		gs.Devices = append(gs.Devices, d)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Stats.Walk(ctx, nil, func(id uint64, s types.DeviceStats) (bool, error) {
		gs.DeviceStats = append(gs.DeviceStats, types.DeviceStatsEntry{DeviceId: id, Stats: s})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Batches.Walk(ctx, nil, func(_ BatchKey, b types.Batch) (bool, error) {
		gs.Batches = append(gs.Batches, b)
		return false, nil
	}); err != nil {
		return nil, err
	}
	return gs, nil
}
