package compute

import (
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/appmodule"
	"cosmossdk.io/core/store"
	"cosmossdk.io/depinject"
	"cosmossdk.io/depinject/appconfig"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/compute/types/modulev1"
	"github.com/thalamus-network/thalamus/x/internal/authority"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
)

func init() {
	appconfig.RegisterModule(&modulev1.Module{}, appconfig.Provide(ProvideModule))
}

// ModuleInputs are the dependencies x/compute takes from the app.
type ModuleInputs struct {
	depinject.In

	Config       *modulev1.Module
	Codec        codec.Codec
	StoreService store.KVStoreService
	AddressCodec address.Codec
	BankKeeper   types.BankKeeper
	DistrKeeper  types.DistributionKeeper
	// OracleKeeper verifies submitted work; RewardsKeeper pays for it.
	OracleKeeper  types.OracleKeeper
	RewardsKeeper types.RewardsKeeper
}

// ModuleOutputs are what x/compute provides to the app.
type ModuleOutputs struct {
	depinject.Out

	Keeper keeper.Keeper
	Module appmodule.AppModule
	// TaskHooks receive x/oracle's verdicts on GPU challenges.
	TaskHooks oracletypes.TaskHooksWrapper
}

// ProvideModule builds the keeper and module; the authority defaults to the gov module account.
func ProvideModule(in ModuleInputs) ModuleOutputs {
	k := keeper.NewKeeper(in.Codec, in.AddressCodec, in.StoreService, in.BankKeeper, in.DistrKeeper,
		in.OracleKeeper, in.RewardsKeeper, authority.Resolve(in.Config.Authority, in.AddressCodec))
	return ModuleOutputs{
		Keeper:    k,
		Module:    NewAppModule(k),
		TaskHooks: oracletypes.TaskHooksWrapper{Kind: oracletypes.TASK_KIND_GPU_CHALLENGE, Hooks: k.TaskHooks()},
	}
}
