package app

import (
	"fmt"

	upgradetypes "cosmossdk.io/x/upgrade/types"

	"github.com/thalamus-network/thalamus/app/upgrades"
	v2 "github.com/thalamus-network/thalamus/app/upgrades/v2"
)

// Upgrades are every named software upgrade this binary can carry a chain through, oldest
// first. A new one goes here with a folder of its own in app/upgrades.
var Upgrades = []upgrades.Upgrade{v2.Upgrade}

// registerUpgrades installs each upgrade's handler, and, when the node halted for one of them
// (x/upgrade wrote upgrade-info.json at the plan height), its store changes for that height.
// It must run before the stores are loaded.
func (app *App) registerUpgrades() error {
	for _, u := range Upgrades {
		app.UpgradeKeeper.SetUpgradeHandler(u.Name, u.Handler(app.ModuleManager, app.Configurator()))
	}
	info, err := app.UpgradeKeeper.ReadUpgradeInfoFromDisk()
	if err != nil {
		return fmt.Errorf("read upgrade-info.json: %w", err)
	}
	if info.Name == "" || app.UpgradeKeeper.IsSkipHeight(info.Height) {
		return nil
	}
	for _, u := range Upgrades {
		if u.Name == info.Name {
			app.SetStoreLoader(upgradetypes.UpgradeStoreLoader(info.Height, &u.StoreUpgrades))
		}
	}
	return nil
}
