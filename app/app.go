// Package app wires the Thalamus application: the SDK modules and x/compute, x/sensors,
// x/oracle and x/rewards, built through depinject and the SDK runtime.
package app

import (
	"io"
	"os"
	"path/filepath"
	"sync"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cast"

	"cosmossdk.io/depinject"
	"cosmossdk.io/log"
	storetypes "cosmossdk.io/store/types"
	evidencekeeper "cosmossdk.io/x/evidence/keeper"
	feegrantkeeper "cosmossdk.io/x/feegrant/keeper"
	upgradekeeper "cosmossdk.io/x/upgrade/keeper"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/server"
	"github.com/cosmos/cosmos-sdk/server/api"
	"github.com/cosmos/cosmos-sdk/server/config"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	authkeeper "github.com/cosmos/cosmos-sdk/x/auth/keeper"
	authzkeeper "github.com/cosmos/cosmos-sdk/x/authz/keeper"
	bankkeeper "github.com/cosmos/cosmos-sdk/x/bank/keeper"
	consensuskeeper "github.com/cosmos/cosmos-sdk/x/consensus/keeper"
	distrkeeper "github.com/cosmos/cosmos-sdk/x/distribution/keeper"
	govkeeper "github.com/cosmos/cosmos-sdk/x/gov/keeper"
	slashingkeeper "github.com/cosmos/cosmos-sdk/x/slashing/keeper"
	stakingkeeper "github.com/cosmos/cosmos-sdk/x/staking/keeper"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	computekeeper "github.com/thalamus-network/thalamus/x/compute/keeper"
	oracleabci "github.com/thalamus-network/thalamus/x/oracle/abci"
	oraclekeeper "github.com/thalamus-network/thalamus/x/oracle/keeper"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	rewardskeeper "github.com/thalamus-network/thalamus/x/rewards/keeper"
	sensorskeeper "github.com/thalamus-network/thalamus/x/sensors/keeper"
)

const (
	// Name is the application name reported over ABCI.
	Name = "thalamus"
	// AccountAddressPrefix is the bech32 prefix of account addresses.
	AccountAddressPrefix = appconsts.AccountAddressPrefix
	// BondDenom is the staking, fee and payment denom.
	BondDenom = appconsts.BondDenom
)

// The application store a node runs with unless app.toml says otherwise (thalamusd init writes
// these; the block-execution benchmarks measure them). The chain's work is write-heavy: every
// batch commitment and score writes records, so PebbleDB and IAVL without its fast-node index
// (a second write per set, which speeds reads of the latest state) execute batch commitments
// and their scoring 22 % faster than goleveldb with the index (docs/capacity.md).
const (
	DefaultAppDBBackend        = "pebbledb"
	DefaultIAVLDisableFastNode = true
)

// The state-sync snapshots a node takes unless app.toml says otherwise, so that new nodes can
// join from any validator without replaying the chain: one about every 17 minutes at 1 s
// blocks, the last two kept (a joining node picks the newest both ends have). A snapshot of a
// devnet's state takes well under a second; it runs beside block execution, not in it.
const (
	DefaultSnapshotInterval   = 1000
	DefaultSnapshotKeepRecent = 2
)

// OracleSidecarAddressKey is the app.toml key of the local sidecar's gRPC address.
const OracleSidecarAddressKey = "oracle.sidecar_address"

// DefaultNodeHome is where thalamusd keeps its config and data unless --home says otherwise.
var DefaultNodeHome string

func init() {
	userHome, err := os.UserHomeDir()
	if err != nil {
		userHome = "."
	}
	DefaultNodeHome = filepath.Join(userHome, ".thalamus")
	SetSDKConfig()
}

// SetSDKConfig sets the process-wide bech32 prefixes and default bond denom that
// legacy SDK code still reads from globals. It is idempotent until the config is sealed.
func SetSDKConfig() {
	sdk.DefaultBondDenom = BondDenom
	cfg := sdk.GetConfig()
	cfg.SetBech32PrefixForAccount(AccountAddressPrefix, AccountAddressPrefix+"pub")
	cfg.SetBech32PrefixForValidator(AccountAddressPrefix+"valoper", AccountAddressPrefix+"valoperpub")
	cfg.SetBech32PrefixForConsensusNode(AccountAddressPrefix+"valcons", AccountAddressPrefix+"valconspub")
}

var (
	_ runtime.AppI            = (*App)(nil)
	_ servertypes.Application = (*App)(nil)
)

// App is the Thalamus application.
type App struct {
	*runtime.App
	legacyAmino       *codec.LegacyAmino
	appCodec          codec.Codec
	txConfig          client.TxConfig
	interfaceRegistry codectypes.InterfaceRegistry

	AccountKeeper         authkeeper.AccountKeeper
	BankKeeper            bankkeeper.BaseKeeper
	StakingKeeper         *stakingkeeper.Keeper
	SlashingKeeper        slashingkeeper.Keeper
	DistrKeeper           distrkeeper.Keeper
	GovKeeper             *govkeeper.Keeper
	UpgradeKeeper         *upgradekeeper.Keeper
	EvidenceKeeper        evidencekeeper.Keeper
	FeeGrantKeeper        feegrantkeeper.Keeper
	AuthzKeeper           authzkeeper.Keeper
	ConsensusParamsKeeper consensuskeeper.Keeper

	ComputeKeeper computekeeper.Keeper
	SensorsKeeper sensorskeeper.Keeper
	OracleKeeper  oraclekeeper.Keeper
	RewardsKeeper rewardskeeper.Keeper

	sm *module.SimulationManager

	closeOnce sync.Once
	closeErr  error
}

// New builds the app from AppConfig and loads the latest state when loadLatest is set.
func New(
	logger log.Logger,
	db dbm.DB,
	traceStore io.Writer,
	loadLatest bool,
	appOpts servertypes.AppOptions,
	baseAppOptions ...func(*baseapp.BaseApp),
) (*App, error) {
	var (
		app        = &App{}
		appBuilder *runtime.AppBuilder
	)
	if err := depinject.Inject(
		depinject.Configs(AppConfig, depinject.Supply(appOpts, logger)),
		&appBuilder,
		&app.appCodec,
		&app.legacyAmino,
		&app.txConfig,
		&app.interfaceRegistry,
		&app.AccountKeeper,
		&app.BankKeeper,
		&app.StakingKeeper,
		&app.SlashingKeeper,
		&app.DistrKeeper,
		&app.GovKeeper,
		&app.UpgradeKeeper,
		&app.EvidenceKeeper,
		&app.FeeGrantKeeper,
		&app.AuthzKeeper,
		&app.ConsensusParamsKeeper,
		&app.ComputeKeeper,
		&app.SensorsKeeper,
		&app.OracleKeeper,
		&app.RewardsKeeper,
	); err != nil {
		return nil, err
	}

	app.App = appBuilder.Build(db, traceStore, baseAppOptions...)
	app.setOracleHandlers(logger, appOpts)

	if err := app.RegisterStreamingServices(appOpts, app.kvStoreKeys()); err != nil {
		return nil, err
	}

	app.sm = module.NewSimulationManagerFromAppModules(app.ModuleManager.Modules, nil)
	app.sm.RegisterStoreDecoders()

	if err := app.registerUpgrades(); err != nil {
		return nil, err
	}
	if err := app.Load(loadLatest); err != nil {
		return nil, err
	}
	return app, nil
}

// setOracleHandlers installs x/oracle's ABCI++ handlers: vote extensions from the local
// sidecar (app.toml [oracle] sidecar_address; empty: none), the extended commit injected by
// the proposer and checked by every validator, and the aggregation before each block.
func (app *App) setOracleHandlers(logger log.Logger, appOpts servertypes.AppOptions) {
	var sidecar oracleabci.SidecarClient
	if addr := cast.ToString(appOpts.Get(OracleSidecarAddressKey)); addr != "" {
		sidecar = &oracleabci.GRPCSidecar{Address: addr}
	}
	logger = logger.With("module", "x/"+oracletypes.ModuleName)
	metrics := oracleabci.NewMetrics(prometheus.DefaultRegisterer) // CometBFT's :26660/metrics
	app.SetExtendVoteHandler(oracleabci.ExtendVoteHandler(app.OracleKeeper, sidecar, logger, metrics))
	app.SetVerifyVoteExtensionHandler(oracleabci.VerifyVoteExtensionHandler(app.OracleKeeper, logger, metrics))
	defaults := baseapp.NewDefaultProposalHandler(app.Mempool(), app.BaseApp)
	proposals := oracleabci.NewProposalHandler(app.OracleKeeper, logger, defaults.PrepareProposalHandler(), defaults.ProcessProposalHandler())
	app.SetPrepareProposal(proposals.PrepareProposal())
	app.SetProcessProposal(proposals.ProcessProposal())
	app.SetPreBlocker(oracleabci.PreBlocker(app.OracleKeeper, logger, app.PreBlocker))
}

// Close closes the application's databases, once: the SDK's start command calls it twice on
// shutdown (after stopping CometBFT, then tearing the app down), and PebbleDB, the node's
// default store, panics when closed a second time.
func (app *App) Close() error {
	app.closeOnce.Do(func() { app.closeErr = app.App.Close() })
	return app.closeErr
}

// LegacyAmino returns the amino codec (Ledger signing and legacy JSON only).
func (app *App) LegacyAmino() *codec.LegacyAmino { return app.legacyAmino }

// AppCodec returns the app's protobuf codec.
func (app *App) AppCodec() codec.Codec { return app.appCodec }

// InterfaceRegistry returns the app's interface registry.
func (app *App) InterfaceRegistry() codectypes.InterfaceRegistry { return app.interfaceRegistry }

// TxConfig returns the app's transaction config.
func (app *App) TxConfig() client.TxConfig { return app.txConfig }

// SimulationManager implements runtime.AppI for the simulation framework.
func (app *App) SimulationManager() *module.SimulationManager { return app.sm }

// GetKey returns the KV store key of a module, for tests and upgrades.
func (app *App) GetKey(storeKey string) *storetypes.KVStoreKey {
	sk := app.UnsafeFindStoreKey(storeKey)
	kvStoreKey, ok := sk.(*storetypes.KVStoreKey)
	if !ok {
		return nil
	}
	return kvStoreKey
}

func (app *App) kvStoreKeys() map[string]*storetypes.KVStoreKey {
	keys := make(map[string]*storetypes.KVStoreKey)
	for _, k := range app.GetStoreKeys() {
		if kv, ok := k.(*storetypes.KVStoreKey); ok {
			keys[kv.Name()] = kv
		}
	}
	return keys
}

// RegisterAPIRoutes registers the REST (grpc-gateway) routes and, when enabled, Swagger.
func (app *App) RegisterAPIRoutes(apiSvr *api.Server, apiConfig config.APIConfig) {
	app.App.RegisterAPIRoutes(apiSvr, apiConfig)
	if err := server.RegisterSwaggerAPI(apiSvr.ClientCtx, apiSvr.Router, apiConfig.Swagger); err != nil {
		panic(err)
	}
}
