package types

import (
	"context"

	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
)

// OracleKeeper opens the scoring tasks whose results come back through the hooks.
type OracleKeeper interface {
	OpenTask(ctx context.Context, kind oracletypes.TaskKind, module string, subjectID, subjectSeq uint64, payloadHash []byte) (uint64, error)
}
