package keeper

import (
	"context"

	rewardstypes "github.com/thalamus-network/thalamus/x/rewards/types"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// ScoreBatch scores one batch as OnTaskFinalized scores each item of a task, but returns the
// error the hook logs: on chain it is reached only through x/oracle's hooks.
func (k Keeper) ScoreBatch(ctx context.Context, deviceID, seq uint64, score uint32, flags []types.BatchFlag) error {
	batch, err := k.scorableBatch(ctx, deviceID, seq, score, flags)
	if err != nil {
		return err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	work, err := k.recordScore(ctx, params, batch, score, flags)
	if err != nil {
		return err
	}
	return k.rewards.AddSensorWorks(ctx, []rewardstypes.SensorWork{work})
}
