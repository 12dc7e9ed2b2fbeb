package keeper

import (
	"context"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/internal/events"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// EndBlocker opens the oracle tasks scoring the block's batches and deletes batch records
// whose retention has ended: whole queue entries (a committer's batches of one block, at
// most oracletypes.MaxTaskItems) until max_prunes_per_block batches are deleted, at least one
// entry a block; the rest wait for later blocks. Device totals are kept.
func (k Keeper) EndBlocker(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if err := k.openScoring(ctx, params); err != nil {
		return err
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	iter, err := k.PruneQueue.Iterate(ctx, collections.NewPrefixUntilTripleRange[int64, string, uint64](height))
	if err != nil {
		return err
	}
	var due []collections.KeyValue[collections.Triple[int64, string, uint64], types.BatchRefs]
	for batches := 0; iter.Valid() && (len(due) == 0 || batches < int(params.MaxPrunesPerBlock)); iter.Next() {
		kv, err := iter.KeyValue()
		if err != nil {
			_ = iter.Close()
			return err
		}
		due = append(due, kv)
		batches += len(kv.Value.Batches)
	}
	if err := iter.Close(); err != nil {
		return err
	}
	for _, kv := range due {
		for _, b := range kv.Value.Batches {
			if err := k.pruneBatch(ctx, b.DeviceId, b.Seq); err != nil {
				return err
			}
		}
		if err := k.PruneQueue.Remove(ctx, kv.Key); err != nil {
			return err
		}
	}
	return nil
}

// pruneBatch deletes one batch record.
func (k Keeper) pruneBatch(ctx context.Context, deviceID, seq uint64) error {
	if err := k.Batches.Remove(ctx, collections.Join(deviceID, seq)); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventBatchPruned{DeviceId: deviceID, Seq: seq})
}

// queuePrune schedules some of a committer's batches of this block for deletion when their
// retention ends, in the first free part of the committer's entries at that height (a
// retention shortened by governance can aim two blocks at one height).
func (k Keeper) queuePrune(ctx context.Context, params types.Params, committer string, batches []types.BatchRef) error {
	at := sdk.UnwrapSDKContext(ctx).BlockHeight() + params.BatchRetentionBlocks
	for part := uint64(0); ; part++ {
		key := collections.Join3(at, committer, part)
		taken, err := k.PruneQueue.Has(ctx, key)
		if err != nil {
			return err
		}
		if !taken {
			return k.PruneQueue.Set(ctx, key, types.BatchRefs{Batches: batches})
		}
	}
}
