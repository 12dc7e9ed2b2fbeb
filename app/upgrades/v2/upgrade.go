// Package v2 is the first software upgrade: from the chain before it (v1) to the version
// that carries upgrade handlers. It runs the module migrations of x/sensors and x/oracle
// (ConsensusVersion 1 to 2): params written before the committee issue get the committee and
// scoring epochs and the bound on overturned dissent, and ZIP-215 batch verification starts at
// the upgrade height (x/sensors and x/oracle keeper/migrations.go).
package v2

import (
	"context"

	upgradetypes "cosmossdk.io/x/upgrade/types"

	"github.com/cosmos/cosmos-sdk/types/module"

	"github.com/thalamus-network/thalamus/app/upgrades"
)

// Name is the plan name a software-upgrade proposal for this version carries.
const Name = "v2"

// Upgrade adds no store; every change is a module migration.
var Upgrade = upgrades.Upgrade{
	Name: Name,
	Handler: func(mm *module.Manager, configurator module.Configurator) upgradetypes.UpgradeHandler {
		return func(ctx context.Context, _ upgradetypes.Plan, fromVM module.VersionMap) (module.VersionMap, error) {
			return mm.RunMigrations(ctx, configurator, fromVM)
		}
	},
}
