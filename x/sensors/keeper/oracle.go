package keeper

import (
	"context"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/x/internal/events"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// creditReadings pays the device's owner for a scored batch: its readings at the batch score.
func (k Keeper) creditReadings(ctx context.Context, b types.Batch) error {
	device, err := k.Devices.Get(ctx, b.DeviceId)
	if err != nil {
		return err
	}
	owner, err := k.addressCodec.StringToBytes(device.Owner)
	if err != nil {
		return err
	}
	return k.rewards.AddSensorWork(ctx, owner, b.DeviceId, uint64(b.Count), b.Score)
}

// openScoring asks the device's committee of the batch's scoring epoch to fetch, check and
// score a committed batch.
func (k Keeper) openScoring(ctx context.Context, b types.Batch, params types.Params) error {
	_, err := k.oracle.OpenSeriesTask(ctx, oracletypes.TASK_KIND_SENSOR_BATCH, types.ModuleName, b.DeviceId, b.Seq, params.ScoringEpoch(b.Seq), b.Root)
	return err
}

// TaskHooks receive the validators' scores of committed batches; x/oracle collects them
// through depinject.
func (k Keeper) TaskHooks() oracletypes.TaskHooks { return oracleHooks{k} }

type oracleHooks struct{ k Keeper }

// OnTaskFinalized records the aggregated score and flags on the batch.
func (h oracleHooks) OnTaskFinalized(ctx context.Context, t oracletypes.Task) error {
	flags := make([]types.BatchFlag, len(t.Result.Flags))
	for i, f := range t.Result.Flags {
		flags[i] = types.BatchFlag(f)
	}
	return h.k.scoreBatch(ctx, t.SubjectId, t.SubjectSeq, t.Result.Score, flags)
}

// OnTaskExpired leaves the batch pending: unscored data earns nothing.
func (oracleHooks) OnTaskExpired(context.Context, oracletypes.Task) error { return nil }

// scoreBatch records the oracle's aggregated quality score (0-10000) and flags for a pending
// batch, marks it scored and folds the score into the device's quality average. x/oracle
// calls it once per finalised sensor_batch task.
func (k Keeper) scoreBatch(ctx context.Context, deviceID, seq uint64, score uint32, flags []types.BatchFlag) error {
	if score > appconsts.MaxScore {
		return errorsmod.Wrapf(types.ErrInvalidScore, "%d is above %d", score, appconsts.MaxScore)
	}
	for _, f := range flags {
		if _, known := types.BatchFlag_name[int32(f)]; !known || f == types.BATCH_FLAG_UNSPECIFIED {
			return errorsmod.Wrapf(types.ErrInvalidScore, "unknown flag %d", f)
		}
	}
	batch, err := k.GetBatch(ctx, deviceID, seq)
	if err != nil {
		return err
	}
	if batch.Status == types.BATCH_STATUS_SCORED {
		return errorsmod.Wrapf(types.ErrBatchAlreadyScored, "batch %d of device %d", seq, deviceID)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	flags = slices.Clone(flags)
	slices.Sort(flags)
	batch.Status, batch.Score, batch.Flags = types.BATCH_STATUS_SCORED, score, slices.Compact(flags)
	if err := k.Batches.Set(ctx, collections.Join(deviceID, seq), batch); err != nil {
		return err
	}
	stats, err := k.stats(ctx, deviceID)
	if err != nil {
		return err
	}
	stats.UpdateQuality(seq, score, params.QualityWindow)
	if err := k.Stats.Set(ctx, deviceID, stats); err != nil {
		return err
	}
	if err := k.creditReadings(ctx, batch); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventBatchScored{
		DeviceId: deviceID, Seq: seq, Score: score, Flags: batch.Flags, QualityScore: stats.QualityScore,
	})
}
