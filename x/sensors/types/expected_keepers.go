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

// OracleKeeper opens the scoring tasks whose results come back through the hooks.
type OracleKeeper interface {
	OpenTask(ctx context.Context, kind oracletypes.TaskKind, module string, subjectID, subjectSeq uint64, payloadHash []byte) (uint64, error)
}
