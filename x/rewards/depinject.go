package rewards

import (
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/appmodule"
	"cosmossdk.io/core/store"
	"cosmossdk.io/depinject"
	"cosmossdk.io/depinject/appconfig"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/runtime"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

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
	authority := authtypes.NewModuleAddress(govtypes.ModuleName)
	if in.Config.Authority != "" {
		authority = authtypes.NewModuleAddressOrBech32Address(in.Config.Authority)
	}
	authorityAddr, err := in.AddressCodec.BytesToString(authority)
	if err != nil {
		panic(err)
	}
	k := keeper.NewKeeper(in.Codec, in.AddressCodec, in.ValCodec, in.StoreService, authorityAddr,
		in.BankKeeper, in.DistrKeeper, in.StakingKeeper)
	return ModuleOutputs{Keeper: k, Module: NewAppModule(k)}
}
