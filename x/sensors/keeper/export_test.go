package keeper

import (
	"context"

	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// ScoreBatch is reached on chain only through x/oracle's hooks; the tests drive it directly.
func (k Keeper) ScoreBatch(ctx context.Context, deviceID, seq uint64, score uint32, flags []types.BatchFlag) error {
	return k.scoreBatch(ctx, deviceID, seq, score, flags)
}
