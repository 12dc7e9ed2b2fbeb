package keeper

import (
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// Migrator runs x/sensors' store migrations (module.Configurator.RegisterMigration).
type Migrator struct{ k Keeper }

// NewMigrator returns the migrator of k's store.
func NewMigrator(k Keeper) Migrator { return Migrator{k: k} }

// Migrate1to2 brings params stored before the committee issue to version 2: scoring and
// committee epochs, unset then (and invalid at 0), take their defaults, and ZIP-215 batch
// verification, off (0), starts at the upgrade's height, so every validator switches rules at
// the same batch. Parameters a chain set already are kept.
func (m Migrator) Migrate1to2(ctx sdk.Context) error {
	params, err := m.k.Params.Get(ctx)
	if err != nil {
		return err
	}
	defaults := types.DefaultParams()
	if params.ScoringEpochBatches == 0 {
		params.ScoringEpochBatches = defaults.ScoringEpochBatches
	}
	if params.CommitteeEpochBlocks == 0 {
		params.CommitteeEpochBlocks = defaults.CommitteeEpochBlocks
	}
	if params.Zip215Height == 0 {
		params.Zip215Height = ctx.BlockHeight()
	}
	if err := params.Validate(); err != nil {
		return err
	}
	return m.k.Params.Set(ctx, params)
}
