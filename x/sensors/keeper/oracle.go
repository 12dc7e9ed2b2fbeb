package keeper

import (
	"context"

	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// oracleLink is shared by every copy of the keeper, so the app can connect x/oracle after
// both keepers are built. Without it (keeper tests) committed batches wait unscored.
type oracleLink struct{ keeper types.OracleKeeper }

// SetOracle connects the oracle that scores committed batches; the app calls it once while wiring.
func (k Keeper) SetOracle(o types.OracleKeeper) { k.oracle.keeper = o }

// rewardsLink, like oracleLink, lets the app connect x/rewards after the keepers are built.
type rewardsLink struct{ keeper types.RewardsKeeper }

// SetRewards connects the module that pays for scored readings; the app calls it once while wiring.
func (k Keeper) SetRewards(r types.RewardsKeeper) { k.rewards.keeper = r }

// creditReadings pays the device's owner for a scored batch: its readings at the batch score.
func (k Keeper) creditReadings(ctx context.Context, b types.Batch) error {
	if k.rewards.keeper == nil {
		return nil
	}
	device, err := k.Devices.Get(ctx, b.DeviceId)
	if err != nil {
		return err
	}
	owner, err := k.addressCodec.StringToBytes(device.Owner)
	if err != nil {
		return err
	}
	return k.rewards.keeper.AddSensorWork(ctx, owner, b.DeviceId, uint64(b.Count), b.Score)
}

// openScoring asks the validators to fetch, check and score a committed batch.
func (k Keeper) openScoring(ctx context.Context, b types.Batch) error {
	if k.oracle.keeper == nil {
		return nil
	}
	_, err := k.oracle.keeper.OpenTask(ctx, oracletypes.TASK_KIND_SENSOR_BATCH, types.ModuleName, b.DeviceId, b.Seq, b.Root)
	return err
}

// OracleHooks receives the validators' scores of committed batches.
func (k Keeper) OracleHooks() oracletypes.TaskHooks { return oracleHooks{k} }

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
