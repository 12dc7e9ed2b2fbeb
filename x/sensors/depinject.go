package sensors

import (
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/appmodule"
	"cosmossdk.io/core/store"
	"cosmossdk.io/depinject"
	"cosmossdk.io/depinject/appconfig"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/thalamus-network/thalamus/x/internal/authority"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	"github.com/thalamus-network/thalamus/x/sensors/keeper"
	"github.com/thalamus-network/thalamus/x/sensors/types"
	"github.com/thalamus-network/thalamus/x/sensors/types/modulev1"
)

func init() {
	appconfig.RegisterModule(&modulev1.Module{}, appconfig.Provide(ProvideModule))
}

// ModuleInputs are the dependencies x/sensors takes from the app.
type ModuleInputs struct {
	depinject.In

	Config       *modulev1.Module
	Codec        codec.Codec
	StoreService store.KVStoreService
	// TransientService holds the block's batches until EndBlock opens their oracle tasks.
	TransientService store.TransientStoreService
	AddressCodec     address.Codec
	// OracleKeeper scores committed batches; RewardsKeeper pays for scored readings.
	OracleKeeper  types.OracleKeeper
	RewardsKeeper types.RewardsKeeper
}

// ModuleOutputs are what x/sensors provides to the app.
type ModuleOutputs struct {
	depinject.Out

	Keeper keeper.Keeper
	Module appmodule.AppModule
	// TaskHooks receive x/oracle's scores of committed batches.
	TaskHooks oracletypes.TaskHooksWrapper
}

// ProvideModule builds the keeper and module; the authority defaults to the gov module account.
func ProvideModule(in ModuleInputs) ModuleOutputs {
	k := keeper.NewKeeper(in.Codec, in.AddressCodec, in.StoreService, in.TransientService, in.OracleKeeper, in.RewardsKeeper,
		authority.Resolve(in.Config.Authority, in.AddressCodec))
	return ModuleOutputs{
		Keeper:    k,
		Module:    NewAppModule(k),
		TaskHooks: oracletypes.TaskHooksWrapper{Kind: oracletypes.TASK_KIND_SENSOR_BATCH, Hooks: k.TaskHooks()},
	}
}
