package app

import (
	runtimev1alpha1 "cosmossdk.io/api/cosmos/app/runtime/v1alpha1"
	appv1alpha1 "cosmossdk.io/api/cosmos/app/v1alpha1"
	authmodulev1 "cosmossdk.io/api/cosmos/auth/module/v1"
	authzmodulev1 "cosmossdk.io/api/cosmos/authz/module/v1"
	bankmodulev1 "cosmossdk.io/api/cosmos/bank/module/v1"
	consensusmodulev1 "cosmossdk.io/api/cosmos/consensus/module/v1"
	distrmodulev1 "cosmossdk.io/api/cosmos/distribution/module/v1"
	evidencemodulev1 "cosmossdk.io/api/cosmos/evidence/module/v1"
	feegrantmodulev1 "cosmossdk.io/api/cosmos/feegrant/module/v1"
	genutilmodulev1 "cosmossdk.io/api/cosmos/genutil/module/v1"
	govmodulev1 "cosmossdk.io/api/cosmos/gov/module/v1"
	slashingmodulev1 "cosmossdk.io/api/cosmos/slashing/module/v1"
	stakingmodulev1 "cosmossdk.io/api/cosmos/staking/module/v1"
	txconfigv1 "cosmossdk.io/api/cosmos/tx/config/v1"
	upgrademodulev1 "cosmossdk.io/api/cosmos/upgrade/module/v1"
	vestingmodulev1 "cosmossdk.io/api/cosmos/vesting/module/v1"
	"cosmossdk.io/depinject"
	"cosmossdk.io/depinject/appconfig"
	_ "cosmossdk.io/x/evidence" // import for side-effects (module registration)
	evidencetypes "cosmossdk.io/x/evidence/types"
	"cosmossdk.io/x/feegrant"
	_ "cosmossdk.io/x/feegrant/module" // import for side-effects
	_ "cosmossdk.io/x/upgrade"         // import for side-effects
	upgradetypes "cosmossdk.io/x/upgrade/types"

	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/types/module"
	_ "github.com/cosmos/cosmos-sdk/x/auth"           // import for side-effects
	_ "github.com/cosmos/cosmos-sdk/x/auth/tx/config" // import for side-effects
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	_ "github.com/cosmos/cosmos-sdk/x/auth/vesting" // import for side-effects
	vestingtypes "github.com/cosmos/cosmos-sdk/x/auth/vesting/types"
	"github.com/cosmos/cosmos-sdk/x/authz"
	_ "github.com/cosmos/cosmos-sdk/x/authz/module" // import for side-effects
	_ "github.com/cosmos/cosmos-sdk/x/bank"         // import for side-effects
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	_ "github.com/cosmos/cosmos-sdk/x/consensus" // import for side-effects
	consensustypes "github.com/cosmos/cosmos-sdk/x/consensus/types"
	_ "github.com/cosmos/cosmos-sdk/x/distribution" // import for side-effects
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	"github.com/cosmos/cosmos-sdk/x/gov"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	_ "github.com/cosmos/cosmos-sdk/x/slashing" // import for side-effects
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	_ "github.com/cosmos/cosmos-sdk/x/staking" // import for side-effects
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	_ "github.com/thalamus-network/thalamus/x/compute" // import for side-effects
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
	computemodulev1 "github.com/thalamus-network/thalamus/x/compute/types/modulev1"
	_ "github.com/thalamus-network/thalamus/x/oracle" // import for side-effects
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	oraclemodulev1 "github.com/thalamus-network/thalamus/x/oracle/types/modulev1"
	_ "github.com/thalamus-network/thalamus/x/rewards" // import for side-effects
	rewardstypes "github.com/thalamus-network/thalamus/x/rewards/types"
	rewardsmodulev1 "github.com/thalamus-network/thalamus/x/rewards/types/modulev1"
	_ "github.com/thalamus-network/thalamus/x/sensors" // import for side-effects
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
	sensorsmodulev1 "github.com/thalamus-network/thalamus/x/sensors/types/modulev1"
)

var (
	// moduleAccPerms are the module accounts and what they may do with coins.
	moduleAccPerms = []*authmodulev1.ModuleAccountPermission{
		{Account: authtypes.FeeCollectorName},
		{Account: distrtypes.ModuleName},
		{Account: stakingtypes.BondedPoolName, Permissions: []string{authtypes.Burner, stakingtypes.ModuleName}},
		{Account: stakingtypes.NotBondedPoolName, Permissions: []string{authtypes.Burner, stakingtypes.ModuleName}},
		{Account: govtypes.ModuleName, Permissions: []string{authtypes.Burner}},
		{Account: computetypes.ModuleName},                                          // provider collateral
		{Account: rewardstypes.ModuleName, Permissions: []string{authtypes.Minter}}, // epoch emission, unclaimed rewards
	}

	// blockAccAddrs are module accounts that may not receive funds by a plain send.
	// The gov account is left out so deposits can be returned to it.
	blockAccAddrs = []string{
		authtypes.FeeCollectorName,
		distrtypes.ModuleName,
		stakingtypes.BondedPoolName,
		stakingtypes.NotBondedPoolName,
		computetypes.ModuleName,
		rewardstypes.ModuleName,
	}

	// thalamusModules run after the SDK modules in genesis, so they can read bank and staking state.
	thalamusModules = []string{
		computetypes.ModuleName,
		sensorstypes.ModuleName,
		oracletypes.ModuleName,
		rewardstypes.ModuleName,
	}

	appConfig = &appv1alpha1.Config{
		Modules: []*appv1alpha1.ModuleConfig{
			{
				Name: runtime.ModuleName,
				Config: appconfig.WrapAny(&runtimev1alpha1.Module{
					AppName: Name,
					// upgrade must run first so a scheduled upgrade halts before any state change.
					PreBlockers: []string{upgradetypes.ModuleName, authtypes.ModuleName},
					BeginBlockers: []string{
						distrtypes.ModuleName,
						slashingtypes.ModuleName,
						evidencetypes.ModuleName,
						stakingtypes.ModuleName,
						authz.ModuleName,
					},
					EndBlockers: []string{
						govtypes.ModuleName,
						stakingtypes.ModuleName,
						feegrant.ModuleName,
						computetypes.ModuleName,
						sensorstypes.ModuleName,
						// rewards closes the epoch after the block's work has been recorded.
						rewardstypes.ModuleName,
					},
					OverrideStoreKeys: []*runtimev1alpha1.StoreKeyConfig{
						{ModuleName: authtypes.ModuleName, KvStoreKey: "acc"},
					},
					// genutil must follow staking and auth, which it delivers gentxs to.
					InitGenesis: append([]string{
						authtypes.ModuleName,
						banktypes.ModuleName,
						distrtypes.ModuleName,
						stakingtypes.ModuleName,
						slashingtypes.ModuleName,
						govtypes.ModuleName,
						genutiltypes.ModuleName,
						evidencetypes.ModuleName,
						authz.ModuleName,
						feegrant.ModuleName,
						upgradetypes.ModuleName,
						vestingtypes.ModuleName,
						consensustypes.ModuleName,
					}, thalamusModules...),
				}),
			},
			{
				Name: authtypes.ModuleName,
				Config: appconfig.WrapAny(&authmodulev1.Module{
					Bech32Prefix:             AccountAddressPrefix,
					ModuleAccountPermissions: moduleAccPerms,
				}),
			},
			{
				Name:   banktypes.ModuleName,
				Config: appconfig.WrapAny(&bankmodulev1.Module{BlockedModuleAccountsOverride: blockAccAddrs}),
			},
			{
				Name: stakingtypes.ModuleName,
				Config: appconfig.WrapAny(&stakingmodulev1.Module{
					Bech32PrefixValidator: AccountAddressPrefix + "valoper",
					Bech32PrefixConsensus: AccountAddressPrefix + "valcons",
				}),
			},
			{Name: slashingtypes.ModuleName, Config: appconfig.WrapAny(&slashingmodulev1.Module{})},
			{Name: distrtypes.ModuleName, Config: appconfig.WrapAny(&distrmodulev1.Module{})},
			{Name: govtypes.ModuleName, Config: appconfig.WrapAny(&govmodulev1.Module{})},
			{Name: consensustypes.ModuleName, Config: appconfig.WrapAny(&consensusmodulev1.Module{})},
			{Name: upgradetypes.ModuleName, Config: appconfig.WrapAny(&upgrademodulev1.Module{})},
			{Name: evidencetypes.ModuleName, Config: appconfig.WrapAny(&evidencemodulev1.Module{})},
			{Name: feegrant.ModuleName, Config: appconfig.WrapAny(&feegrantmodulev1.Module{})},
			{Name: authz.ModuleName, Config: appconfig.WrapAny(&authzmodulev1.Module{})},
			// vesting accounts for locked allocations (create-vesting-account and friends).
			{Name: vestingtypes.ModuleName, Config: appconfig.WrapAny(&vestingmodulev1.Module{})},
			{Name: genutiltypes.ModuleName, Config: appconfig.WrapAny(&genutilmodulev1.Module{})},
			{Name: "tx", Config: appconfig.WrapAny(&txconfigv1.Config{})},
			{Name: computetypes.ModuleName, Config: appconfig.WrapAny(&computemodulev1.Module{})},
			{Name: sensorstypes.ModuleName, Config: appconfig.WrapAny(&sensorsmodulev1.Module{})},
			{Name: oracletypes.ModuleName, Config: appconfig.WrapAny(&oraclemodulev1.Module{})},
			{Name: rewardstypes.ModuleName, Config: appconfig.WrapAny(&rewardsmodulev1.Module{})},
		},
	}

	// AppConfig is the depinject configuration of the Thalamus app. genutil and gov
	// take client-side module basics that app wiring cannot build on its own.
	AppConfig = depinject.Configs(
		appconfig.Compose(appConfig),
		depinject.Supply(map[string]module.AppModuleBasic{
			genutiltypes.ModuleName: genutil.NewAppModuleBasic(genutiltypes.DefaultMessageValidator),
			govtypes.ModuleName:     gov.NewAppModuleBasic(nil),
		}),
	)
)

// BlockedAddresses are the module accounts a plain send may not pay (by bech32 address), as
// the bank module is configured; simulations must not send to them either.
func BlockedAddresses() map[string]bool {
	blocked := make(map[string]bool, len(blockAccAddrs))
	for _, name := range blockAccAddrs {
		blocked[authtypes.NewModuleAddress(name).String()] = true
	}
	return blocked
}
