// Package upgrades lists the chain's named software upgrades: each one a folder (v2, ...)
// with the plan name governance passes in a software-upgrade proposal, the stores it adds
// or removes, and its handler. The app registers every one of them (app.registerUpgrades).
package upgrades

import (
	upgradetypes "cosmossdk.io/x/upgrade/types"

	storetypes "cosmossdk.io/store/types"

	"github.com/cosmos/cosmos-sdk/types/module"
)

// Upgrade is one named software upgrade.
type Upgrade struct {
	// Name is the plan name of the governance proposal, and cosmovisor's folder name.
	Name string
	// StoreUpgrades are the stores added, renamed or deleted at the upgrade height.
	StoreUpgrades storetypes.StoreUpgrades
	// Handler runs once, in the first block of the new binary.
	Handler func(mm *module.Manager, configurator module.Configurator) upgradetypes.UpgradeHandler
}
