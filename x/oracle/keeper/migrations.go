package keeper

import (
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// Migrator runs x/oracle's store migrations (module.Configurator.RegisterMigration).
type Migrator struct{ k Keeper }

// NewMigrator returns the migrator of k's store.
func NewMigrator(k Keeper) Migrator { return Migrator{k: k} }

// Migrate1to2 brings params stored before the committee issue to version 2: the bound on
// overturned dissent, unset then (and invalid), takes its default. committee_size stays as
// stored: 0, every bonded validator verifies every task as before the upgrade, until
// governance sets a committee size for a grown validator set.
func (m Migrator) Migrate1to2(ctx sdk.Context) error {
	params, err := m.k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if params.MaxOverturnedFraction.IsNil() {
		params.MaxOverturnedFraction = types.DefaultParams().MaxOverturnedFraction
	}
	if err := params.Validate(); err != nil {
		return err
	}
	return m.k.Params.Set(ctx, params)
}
