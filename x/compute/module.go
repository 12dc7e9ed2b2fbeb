package compute

import (
	"context"
	"encoding/json"
	"fmt"

	"cosmossdk.io/core/appmodule"
	gwruntime "github.com/grpc-ecosystem/grpc-gateway/runtime"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/testutil/simsx"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	simtypes "github.com/cosmos/cosmos-sdk/types/simulation"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/simulation"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// ConsensusVersion is the x/compute state-machine version; bump it with every migration.
const ConsensusVersion = 1

var (
	_ module.AppModuleBasic      = AppModule{}
	_ module.HasGenesis          = AppModule{}
	_ module.HasServices         = AppModule{}
	_ module.HasConsensusVersion = AppModule{}
	_ module.AppModuleSimulation = AppModule{}
	_ appmodule.AppModule        = AppModule{}
	_ appmodule.HasEndBlocker    = AppModule{}
)

// AppModule implements the x/compute application module.
type AppModule struct {
	keeper keeper.Keeper
}

// NewAppModule creates the x/compute AppModule.
func NewAppModule(k keeper.Keeper) AppModule {
	return AppModule{keeper: k}
}

// IsAppModule implements appmodule.AppModule.
func (AppModule) IsAppModule() {}

// IsOnePerModuleType implements depinject.OnePerModuleType.
func (AppModule) IsOnePerModuleType() {}

// Name returns the module name.
func (AppModule) Name() string { return types.ModuleName }

// ConsensusVersion implements module.HasConsensusVersion.
func (AppModule) ConsensusVersion() uint64 { return ConsensusVersion }

// RegisterLegacyAminoCodec registers amino names for Ledger signing.
func (AppModule) RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	types.RegisterLegacyAminoCodec(cdc)
}

// RegisterInterfaces registers the module's messages.
func (AppModule) RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	types.RegisterInterfaces(registry)
}

// RegisterGRPCGatewayRoutes serves the module's queries over REST.
func (AppModule) RegisterGRPCGatewayRoutes(clientCtx client.Context, mux *gwruntime.ServeMux) {
	if err := types.RegisterQueryHandlerClient(context.Background(), mux, types.NewQueryClient(clientCtx)); err != nil {
		panic(err)
	}
}

// RegisterServices registers the Msg and Query services.
func (am AppModule) RegisterServices(cfg module.Configurator) {
	types.RegisterMsgServer(cfg.MsgServer(), keeper.NewMsgServerImpl(am.keeper))
	types.RegisterQueryServer(cfg.QueryServer(), keeper.NewQueryServerImpl(am.keeper))
}

// EndBlock completes due provider unbondings (bounded by max_settlements_per_block).
func (am AppModule) EndBlock(ctx context.Context) error {
	return am.keeper.EndBlocker(ctx)
}

// DefaultGenesis returns the default genesis state as JSON.
func (AppModule) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	return cdc.MustMarshalJSON(types.DefaultGenesisState())
}

// ValidateGenesis checks a genesis state given as JSON.
func (AppModule) ValidateGenesis(cdc codec.JSONCodec, _ client.TxEncodingConfig, bz json.RawMessage) error {
	var gs types.GenesisState
	if err := cdc.UnmarshalJSON(bz, &gs); err != nil {
		return fmt.Errorf("failed to unmarshal %s genesis state: %w", types.ModuleName, err)
	}
	return gs.Validate()
}

// InitGenesis writes the genesis state; a failure here must stop the chain from starting.
func (am AppModule) InitGenesis(ctx sdk.Context, cdc codec.JSONCodec, bz json.RawMessage) {
	var gs types.GenesisState
	cdc.MustUnmarshalJSON(bz, &gs)
	if err := am.keeper.InitGenesis(ctx, &gs); err != nil {
		panic(fmt.Errorf("failed to init %s genesis: %w", types.ModuleName, err))
	}
}

// ExportGenesis exports the module state as JSON.
func (am AppModule) ExportGenesis(ctx sdk.Context, cdc codec.JSONCodec) json.RawMessage {
	gs, err := am.keeper.ExportGenesis(ctx)
	if err != nil {
		panic(fmt.Errorf("failed to export %s genesis: %w", types.ModuleName, err))
	}
	return cdc.MustMarshalJSON(gs)
}

// GenerateGenesisState creates a randomized genesis state for simulations.
func (AppModule) GenerateGenesisState(simState *module.SimulationState) {
	simulation.RandomizedGenState(simState)
}

// RegisterStoreDecoder decodes the module's store entries in simulation diffs.
func (am AppModule) RegisterStoreDecoder(sdr simtypes.StoreDecoderRegistry) {
	sdr[types.StoreKey] = simtypes.NewStoreDecoderFuncFromCollectionsSchema(am.keeper.Schema)
}

// WeightedOperations is superseded by WeightedOperationsX.
func (AppModule) WeightedOperations(module.SimulationState) []simtypes.WeightedOperation {
	return nil
}

// WeightedOperationsX registers a simulation operation for every x/compute message.
func (am AppModule) WeightedOperationsX(weights simsx.WeightSource, reg simsx.Registry) {
	reg.Add(weights.Get("msg_register_provider", 40), simulation.MsgRegisterProviderFactory(am.keeper))
	reg.Add(weights.Get("msg_update_provider", 10), simulation.MsgUpdateProviderFactory(am.keeper))
	reg.Add(weights.Get("msg_add_collateral", 10), simulation.MsgAddCollateralFactory(am.keeper))
	reg.Add(weights.Get("msg_unbond_provider", 5), simulation.MsgUnbondProviderFactory(am.keeper))
	reg.Add(weights.Get("msg_register_gpu", 60), simulation.MsgRegisterGPUFactory(am.keeper))
	reg.Add(weights.Get("msg_retire_gpu", 10), simulation.MsgRetireGPUFactory(am.keeper))
	reg.Add(weights.Get("msg_create_offer", 30), simulation.MsgCreateOfferFactory(am.keeper))
	reg.Add(weights.Get("msg_update_offer", 15), simulation.MsgUpdateOfferFactory(am.keeper))
	reg.Add(weights.Get("msg_close_offer", 5), simulation.MsgCloseOfferFactory(am.keeper))
	reg.Add(weights.Get("msg_create_lease", 30), simulation.MsgCreateLeaseFactory(am.keeper))
	reg.Add(weights.Get("msg_deposit_lease", 15), simulation.MsgDepositLeaseFactory(am.keeper))
	reg.Add(weights.Get("msg_close_lease", 10), simulation.MsgCloseLeaseFactory(am.keeper))
	reg.Add(weights.Get("msg_withdraw_lease", 15), simulation.MsgWithdrawLeaseFactory(am.keeper))
	reg.Add(weights.Get("msg_withdraw_all_leases", 5), simulation.MsgWithdrawAllLeasesFactory(am.keeper))
	reg.Add(weights.Get("msg_submit_work", 20), simulation.MsgSubmitWorkFactory(am.keeper))
	reg.Add(weights.Get("msg_confirm_lease", 20), simulation.MsgConfirmLeaseFactory(am.keeper))
	reg.Add(weights.Get("msg_cancel_order", 5), simulation.MsgCancelOrderFactory(am.keeper))
}

// ProposalMsgsX registers the governance messages simulations may propose.
func (AppModule) ProposalMsgsX(weights simsx.WeightSource, reg simsx.Registry) {
	reg.Add(weights.Get("msg_update_params", 100), simulation.MsgUpdateParamsFactory())
}
