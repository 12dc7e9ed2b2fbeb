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

// OracleKeeper opens the scoring tasks whose results come back through the hooks: a device's
// batches are a series, scored by the device's committee of the batch's scoring epoch.
type OracleKeeper interface {
	OpenSeriesTask(ctx context.Context, kind oracletypes.TaskKind, module string, subjectID, subjectSeq, epoch uint64, payloadHash []byte) (uint64, error)
}
