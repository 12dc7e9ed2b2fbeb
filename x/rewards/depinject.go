package rewards

import (
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/appmodule"
	"cosmossdk.io/core/store"
	"cosmossdk.io/depinject"
	"cosmossdk.io/depinject/appconfig"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/runtime"

	"github.com/thalamus-network/thalamus/x/internal/authority"
	"github.com/thalamus-network/thalamus/x/rewards/keeper"
	"github.com/thalamus-network/thalamus/x/rewards/types"
	"github.com/thalamus-network/thalamus/x/rewards/types/modulev1"
)

func init() {
	appconfig.RegisterModule(&modulev1.Module{}, appconfig.Provide(ProvideModule))
}

// ModuleInputs are the dependencies x/rewards takes from the app.
type ModuleInputs struct {
	depinject.In

	Config       *modulev1.Module
	Codec        codec.Codec
	StoreService store.KVStoreService
	AddressCodec address.Codec
	ValCodec     runtime.ValidatorAddressCodec

	BankKeeper    types.BankKeeper
	DistrKeeper   types.DistributionKeeper
	StakingKeeper types.StakingKeeper
}

// ModuleOutputs are what x/rewards provides to the app.
type ModuleOutputs struct {
	depinject.Out

	Keeper keeper.Keeper
	Module appmodule.AppModule
}

// ProvideModule builds the keeper and module; the authority defaults to the gov module account.
func ProvideModule(in ModuleInputs) ModuleOutputs {
	k := keeper.NewKeeper(in.Codec, in.AddressCodec, in.ValCodec, in.StoreService, authority.Resolve(in.Config.Authority, in.AddressCodec),
		in.BankKeeper, in.DistrKeeper, in.StakingKeeper)
	return ModuleOutputs{Keeper: k, Module: NewAppModule(k)}
}
