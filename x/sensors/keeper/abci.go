package keeper

import (
	"context"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/internal/events"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// EndBlocker opens the oracle tasks scoring the block's batches and deletes batch records
// whose retention has ended, at most max_prunes_per_block; the rest wait for later blocks.
// Device totals are kept.
func (k Keeper) EndBlocker(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if err := k.openScoring(ctx, params); err != nil {
		return err
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	iter, err := k.PruneQueue.Iterate(ctx, collections.NewPrefixUntilTripleRange[int64, uint64, uint64](height))
	if err != nil {
		return err
	}
	var keys []collections.Triple[int64, uint64, uint64]
	for ; iter.Valid() && len(keys) < int(params.MaxPrunesPerBlock); iter.Next() {
		key, err := iter.Key()
		if err != nil {
			_ = iter.Close()
			return err
		}
		keys = append(keys, key)
	}
	if err := iter.Close(); err != nil {
		return err
	}
	for _, key := range keys {
		if err := k.pruneBatch(ctx, key.K2(), key.K3()); err != nil {
			return err
		}
		if err := k.PruneQueue.Remove(ctx, key); err != nil {
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
