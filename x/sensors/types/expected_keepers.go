package types

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
)

// RewardsKeeper credits scored readings in the current reward epoch (x/rewards).
type RewardsKeeper interface {
	AddSensorWork(ctx context.Context, owner sdk.AccAddress, deviceID, readings uint64, score uint32) error
}

// OracleKeeper opens the scoring tasks whose results come back through the hooks: the batches
// a committer commits in one block are one task, and a committer's tasks are a series scored
// by its committee of the committee epoch.
type OracleKeeper interface {
	OpenSeriesTask(ctx context.Context, kind oracletypes.TaskKind, module, series string, epoch uint64, items []oracletypes.TaskItem) (uint64, error)
}
