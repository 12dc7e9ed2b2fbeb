package oracle

import (
	"fmt"
	"maps"
	"slices"

	"cosmossdk.io/core/address"
	"cosmossdk.io/core/appmodule"
	"cosmossdk.io/core/store"
	"cosmossdk.io/depinject"
	"cosmossdk.io/depinject/appconfig"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/runtime"

	"github.com/thalamus-network/thalamus/x/internal/authority"
	"github.com/thalamus-network/thalamus/x/oracle/keeper"
	"github.com/thalamus-network/thalamus/x/oracle/types"
	"github.com/thalamus-network/thalamus/x/oracle/types/modulev1"
)

func init() {
	appconfig.RegisterModule(&modulev1.Module{},
		appconfig.Provide(ProvideModule),
		appconfig.Invoke(InvokeSetTaskHooks),
	)
}

// ModuleInputs are the dependencies x/oracle takes from the app.
type ModuleInputs struct {
	depinject.In

	Config       *modulev1.Module
	Codec        codec.Codec
	StoreService store.KVStoreService
	AddressCodec address.Codec
	ConsCodec    runtime.ConsensusAddressCodec

	StakingKeeper  types.StakingKeeper
	SlashingKeeper types.SlashingKeeper
	RewardsKeeper  types.RewardsKeeper
}

// ModuleOutputs are what x/oracle provides to the app.
type ModuleOutputs struct {
	depinject.Out

	Keeper keeper.Keeper
	Module appmodule.AppModule
}

// ProvideModule builds the keeper and module; the authority defaults to the gov module account.
func ProvideModule(in ModuleInputs) ModuleOutputs {
	k := keeper.NewKeeper(in.Codec, in.AddressCodec, in.ConsCodec, in.StoreService, in.StakingKeeper, in.SlashingKeeper,
		in.RewardsKeeper, authority.Resolve(in.Config.Authority, in.AddressCodec))
	return ModuleOutputs{Keeper: k, Module: NewAppModule(k)}
}

// InvokeSetTaskHooks hands x/oracle the hooks every module provides for the task kind it
// opens (types.TaskHooksWrapper), once all modules are built. An app in which a kind has no
// module, or two, fails to start with an error naming them.
func InvokeSetTaskHooks(k keeper.Keeper, hooks map[string]types.TaskHooksWrapper) error {
	owner := map[types.TaskKind]string{}
	for _, module := range slices.Sorted(maps.Keys(hooks)) {
		h := hooks[module]
		if !types.ValidKind(h.Kind) || h.Hooks == nil {
			return fmt.Errorf("x/oracle: module %s provides hooks for an invalid task kind %s", module, h.Kind)
		}
		if other, taken := owner[h.Kind]; taken {
			return fmt.Errorf("x/oracle: modules %s and %s both provide hooks for %s", other, module, h.Kind)
		}
		owner[h.Kind] = module
		k.SetHooks(h.Kind, h.Hooks)
	}
	if missing := k.MissingHooks(); len(missing) > 0 {
		return fmt.Errorf("x/oracle: no module provides hooks for task kinds %v: add the module that opens them "+
			"(x/compute opens %s, x/sensors %s) to the app config", missing, types.TASK_KIND_GPU_CHALLENGE, types.TASK_KIND_SENSOR_BATCH)
	}
	return nil
}
