package types

import (
	"context"

	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	rewardstypes "github.com/thalamus-network/thalamus/x/rewards/types"
)

// RewardsKeeper credits scored readings in the current reward epoch (x/rewards).
type RewardsKeeper interface {
	// AddSensorWorks credits a task's scored batches at once.
	AddSensorWorks(ctx context.Context, works []rewardstypes.SensorWork) error
}

// OracleKeeper opens the scoring tasks whose results come back through the hooks: the batches
// a committer commits in one block are one task, and a committer's tasks are a series scored
// by its committee of the committee epoch.
type OracleKeeper interface {
	OpenSeriesTask(ctx context.Context, kind oracletypes.TaskKind, module, series string, epoch uint64, items []oracletypes.TaskItem) (uint64, error)
}
