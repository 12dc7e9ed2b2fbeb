package keeper

import (
	"context"

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

// openScoring asks the validators to fetch, check and score a committed batch.
func (k Keeper) openScoring(ctx context.Context, b types.Batch) error {
	_, err := k.oracle.OpenTask(ctx, oracletypes.TASK_KIND_SENSOR_BATCH, types.ModuleName, b.DeviceId, b.Seq, b.Root)
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
	return h.k.ScoreBatch(ctx, t.SubjectId, t.SubjectSeq, t.Result.Score, flags)
}

// OnTaskExpired leaves the batch pending: unscored data earns nothing.
func (oracleHooks) OnTaskExpired(context.Context, oracletypes.Task) error { return nil }
