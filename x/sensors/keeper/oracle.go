package keeper

import (
	"context"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/x/internal/events"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	rewardstypes "github.com/thalamus-network/thalamus/x/rewards/types"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// sensorWork is what a scored batch earns its device's owner: its readings at the batch score.
func (k Keeper) sensorWork(ctx context.Context, b types.Batch) (rewardstypes.SensorWork, error) {
	device, err := k.Devices.Get(ctx, b.DeviceId)
	if err != nil {
		return rewardstypes.SensorWork{}, err
	}
	owner, err := k.addressCodec.StringToBytes(device.Owner)
	if err != nil {
		return rewardstypes.SensorWork{}, err
	}
	return rewardstypes.SensorWork{Owner: owner, DeviceID: b.DeviceId, Readings: uint64(b.Count), Score: b.Score}, nil
}

// queueScoring holds a committed batch until EndBlock hands the block's batches of its
// committer to the oracle as one task; numbered in order of commitment, a device's batches
// stay in sequence within the task.
func (k Keeper) queueScoring(ctx context.Context, b types.Batch) error {
	order, err := k.unscoredOrder.Next(ctx)
	if err != nil {
		return err
	}
	return k.Unscored.Set(ctx, collections.Join(b.Committer, order), oracletypes.TaskItem{SubjectId: b.DeviceId, SubjectSeq: b.Seq, PayloadHash: b.Root})
}

// openScoring asks each committer's committee of the block's committee epoch to fetch, check
// and score the batches it committed in this block: one oracle task per committer and up to
// oracletypes.MaxTaskItems batches, queued for pruning together. Its work is the block's
// commitments, each paid for.
func (k Keeper) openScoring(ctx context.Context, params types.Params) error {
	epoch := params.CommitteeEpoch(sdk.UnwrapSDKContext(ctx).BlockHeight())
	iter, err := k.Unscored.Iterate(ctx, nil)
	if err != nil {
		return err
	}
	var (
		committer string
		items     []oracletypes.TaskItem
	)
	// open hands the items to the oracle and queues their records for pruning, one entry for all.
	open := func() error {
		if len(items) == 0 {
			return nil
		}
		if _, err := k.oracle.OpenSeriesTask(ctx, oracletypes.TASK_KIND_SENSOR_BATCH, types.ModuleName, committer, epoch, items); err != nil {
			return err
		}
		refs := make([]types.BatchRef, len(items))
		for i, item := range items {
			refs[i] = types.BatchRef{DeviceId: item.SubjectId, Seq: item.SubjectSeq}
		}
		items = nil
		return k.queuePrune(ctx, params, committer, refs)
	}
	for ; iter.Valid(); iter.Next() {
		kv, err := iter.KeyValue()
		if err != nil {
			_ = iter.Close()
			return err
		}
		if kv.Key.K1() != committer || len(items) == oracletypes.MaxTaskItems {
			if err := open(); err != nil {
				_ = iter.Close()
				return err
			}
			committer = kv.Key.K1()
		}
		items = append(items, kv.Value)
	}
	if err := iter.Close(); err != nil {
		return err
	}
	if err := open(); err != nil {
		return err
	}
	// The commit empties the transient store; emptied here too, a second call opens nothing.
	return k.Unscored.Clear(ctx, nil)
}

// TaskHooks receive the validators' scores of committed batches; x/oracle collects them
// through depinject.
func (k Keeper) TaskHooks() oracletypes.TaskHooks { return oracleHooks{k} }

type oracleHooks struct{ k Keeper }

// OnTaskFinalized records each item's aggregated score and flags on its batch and credits
// the owners, all batches at once. A batch that cannot take its score (pruned, or scored
// already) is logged and left as it is; the others are scored all the same. Items are
// checked before anything is written, so no cache context per item is needed: a write that
// fails fails the task, whose changes x/oracle then discards.
func (h oracleHooks) OnTaskFinalized(ctx context.Context, t oracletypes.Task) error {
	if len(t.Result.Items) != len(t.Items) {
		return errorsmod.Wrapf(types.ErrInvalidScore, "%d scores for %d batches", len(t.Result.Items), len(t.Items))
	}
	params, err := h.k.Params.Get(ctx)
	if err != nil {
		return err
	}
	works := make([]rewardstypes.SensorWork, 0, len(t.Items))
	for i, item := range t.Items {
		score := t.Result.Items[i].Score
		flags := make([]types.BatchFlag, len(t.Result.Items[i].Flags))
		for j, f := range t.Result.Items[i].Flags {
			flags[j] = types.BatchFlag(f)
		}
		batch, err := h.k.scorableBatch(ctx, item.SubjectId, item.SubjectSeq, score, flags)
		if err != nil {
			sdk.UnwrapSDKContext(ctx).Logger().Error("batch score not recorded", "task", t.Id, "device", item.SubjectId, "seq", item.SubjectSeq, "err", err)
			continue
		}
		work, err := h.k.recordScore(ctx, params, batch, score, flags)
		if err != nil {
			return err
		}
		works = append(works, work)
	}
	return h.k.rewards.AddSensorWorks(ctx, works)
}

// OnTaskExpired leaves the batch pending: unscored data earns nothing.
func (oracleHooks) OnTaskExpired(context.Context, oracletypes.Task) error { return nil }

// scorableBatch checks, writing nothing, that a score and flags are valid and that the batch
// exists and awaits its score, and returns the batch.
func (k Keeper) scorableBatch(ctx context.Context, deviceID, seq uint64, score uint32, flags []types.BatchFlag) (types.Batch, error) {
	if score > appconsts.MaxScore {
		return types.Batch{}, errorsmod.Wrapf(types.ErrInvalidScore, "%d is above %d", score, appconsts.MaxScore)
	}
	for _, f := range flags {
		if _, known := types.BatchFlag_name[int32(f)]; !known || f == types.BATCH_FLAG_UNSPECIFIED {
			return types.Batch{}, errorsmod.Wrapf(types.ErrInvalidScore, "unknown flag %d", f)
		}
	}
	batch, err := k.GetBatch(ctx, deviceID, seq)
	if err != nil {
		return types.Batch{}, err
	}
	if batch.Status == types.BATCH_STATUS_SCORED {
		return types.Batch{}, errorsmod.Wrapf(types.ErrBatchAlreadyScored, "batch %d of device %d", seq, deviceID)
	}
	return batch, nil
}

// recordScore marks a batch scorableBatch accepted as scored and folds the score into its
// device's quality average; it returns what the batch earns its owner.
func (k Keeper) recordScore(ctx context.Context, params types.Params, batch types.Batch, score uint32, flags []types.BatchFlag) (rewardstypes.SensorWork, error) {
	flags = slices.Clone(flags)
	slices.Sort(flags)
	batch.Status, batch.Score, batch.Flags = types.BATCH_STATUS_SCORED, score, slices.Compact(flags)
	if err := k.Batches.Set(ctx, collections.Join(batch.DeviceId, batch.Seq), batch); err != nil {
		return rewardstypes.SensorWork{}, err
	}
	stats, err := k.stats(ctx, batch.DeviceId)
	if err != nil {
		return rewardstypes.SensorWork{}, err
	}
	stats.UpdateQuality(batch.Seq, score, params.QualityWindow)
	if err := k.Stats.Set(ctx, batch.DeviceId, stats); err != nil {
		return rewardstypes.SensorWork{}, err
	}
	work, err := k.sensorWork(ctx, batch)
	if err != nil {
		return rewardstypes.SensorWork{}, err
	}
	return work, events.Emit(ctx, &types.EventBatchScored{
		DeviceId: batch.DeviceId, Seq: batch.Seq, Score: score, Flags: batch.Flags, QualityScore: stats.QualityScore,
	})
}
