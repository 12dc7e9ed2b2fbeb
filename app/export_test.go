package app_test

import (
	"encoding/json"
	"math/rand"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log"
	"cosmossdk.io/math"
	storetypes "cosmossdk.io/store/types"

	"github.com/cosmos/cosmos-sdk/baseapp"
	cryptocodec "github.com/cosmos/cosmos-sdk/crypto/codec"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	"github.com/cosmos/cosmos-sdk/testutil/mock"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	simtypes "github.com/cosmos/cosmos-sdk/types/simulation"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/thalamus-network/thalamus/app"
	computekeeper "github.com/thalamus-network/thalamus/x/compute/keeper"
	computesim "github.com/thalamus-network/thalamus/x/compute/simulation"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
	oraclesim "github.com/thalamus-network/thalamus/x/oracle/simulation"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	rewardssim "github.com/thalamus-network/thalamus/x/rewards/simulation"
	rewardstypes "github.com/thalamus-network/thalamus/x/rewards/types"
	sensorssim "github.com/thalamus-network/thalamus/x/sensors/simulation"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

const chainID = "thalamus-export-1"

// TestExportImportRoundTrip starts a chain from a genesis with non-default params in every
// Thalamus module, runs blocks, exports, imports the export into a fresh app, and requires
// the second export to equal the first and every Thalamus store to match byte for byte.
func TestExportImportRoundTrip(t *testing.T) {
	first := newApp(t)
	initChain(t, first, genesisWithValidator(t, first))
	for h := int64(1); h <= 3; h++ {
		finalizeAndCommit(t, first, h)
	}
	exported, err := first.ExportAppStateAndValidators(false, nil, nil)
	require.NoError(t, err)

	second := newApp(t)
	_, err = second.InitChain(&abci.RequestInitChain{
		ChainId:         chainID,
		InitialHeight:   exported.Height,
		AppStateBytes:   exported.AppState,
		ConsensusParams: simtestutil.DefaultConsensusParams,
		Validators:      validatorUpdates(t, exported.Validators),
	})
	require.NoError(t, err)
	finalizeAndCommit(t, second, exported.Height)

	reexported, err := second.ExportAppStateAndValidators(false, nil, nil)
	require.NoError(t, err)
	requireSameModuleStates(t, exported.AppState, reexported.AppState)

	require.NoError(t, second.ComputeKeeper.EscrowInvariant(second.NewContext(true)))
	for _, key := range []string{computetypes.StoreKey, sensorstypes.StoreKey, oracletypes.StoreKey, rewardstypes.StoreKey} {
		a := first.CommitMultiStore().GetKVStore(first.GetKey(key))
		b := second.CommitMultiStore().GetKVStore(second.GetKey(key))
		require.Equal(t, storeEntries(t, a), storeEntries(t, b), "store %s differs after import", key)
	}
}

// TestExportForZeroHeight exports a chain with an open lease for a restart at height 0:
// the lease is settled at the export height, its deadlines keep their distance from the
// new start, and the export imports into a fresh chain that goes on billing it.
func TestExportForZeroHeight(t *testing.T) {
	a := newApp(t)
	initChain(t, a, genesisWithValidator(t, a))
	finalizeAndCommit(t, a, 1)

	// In block 2 the genesis provider offers its GPU and a new tenant leases it.
	ctx := a.NewUncachedContext(false, cmtproto.Header{Height: 2, ChainID: chainID})
	k := a.ComputeKeeper
	params, err := k.Params.Get(ctx)
	require.NoError(t, err)
	gpu, err := k.GPUs.Get(ctx, 1)
	require.NoError(t, err)
	provider := sdk.MustAccAddressFromBech32(gpu.Provider)
	tenant := sdk.AccAddress(secp256k1.GenPrivKey().PubKey().Address())
	require.NoError(t, a.BankKeeper.SendCoins(ctx, provider, tenant, sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 1_000_000_000_000))))
	ms := computekeeper.NewMsgServerImpl(k)
	price := sdk.NewCoin(app.BondDenom, math.NewIntFromUint64(params.BlocksPerHour)) // 1 uthal per block
	_, err = ms.CreateOffer(ctx, &computetypes.MsgCreateOffer{
		Provider: gpu.Provider, Class: gpu.Class, PricePerGpuHour: price, MinLeaseHours: 1, MaxLeaseHours: 10, Gpus: 1,
	})
	require.NoError(t, err)
	lease, err := ms.CreateLease(ctx, &computetypes.MsgCreateLease{
		Tenant: tenant.String(), OfferId: 1, Gpus: 1, Hours: 10, Deposit: sdk.NewInt64Coin(app.BondDenom, 1_000_000_000),
	})
	require.NoError(t, err)
	for h := int64(2); h <= 5; h++ {
		finalizeAndCommit(t, a, h)
	}
	before, err := k.Leases.Get(a.NewContext(true), lease.LeaseId)
	require.NoError(t, err)

	exported, err := a.ExportAppStateAndValidators(true, nil, nil)
	require.NoError(t, err)
	require.Zero(t, exported.Height)
	require.NotEmpty(t, exported.Validators)
	var state map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(exported.AppState, &state))
	var compute computetypes.GenesisState
	a.AppCodec().MustUnmarshalJSON(state[computetypes.ModuleName], &compute)
	require.Len(t, compute.Leases, 1)
	got := compute.Leases[0]
	require.Equal(t, uint64(3), got.BilledBlocks, "settled up to the export height 5, created at 2")
	require.Equal(t, int64(3), got.Paid.Amount.Int64())
	require.Zero(t, got.AccruedHeight)
	require.Equal(t, before.EndHeight-5, got.EndHeight, "the lease end keeps its distance from now")
	require.Zero(t, got.CreatedHeight)
	var rewards rewardstypes.GenesisState
	a.AppCodec().MustUnmarshalJSON(state[rewardstypes.ModuleName], &rewards)
	require.Equal(t, int64(1-5), rewards.CurrentEpoch.StartHeight, "the reward epoch keeps its remaining blocks")

	second := newApp(t)
	_, err = second.InitChain(&abci.RequestInitChain{
		ChainId: chainID, InitialHeight: 1, AppStateBytes: exported.AppState,
		ConsensusParams: simtestutil.DefaultConsensusParams, Validators: validatorUpdates(t, exported.Validators),
	})
	require.NoError(t, err)
	finalizeAndCommit(t, second, 1)
	finalizeAndCommit(t, second, 2)
	ctx = second.NewContext(true).WithBlockHeight(2)
	require.NoError(t, second.ComputeKeeper.EscrowInvariant(ctx))
	require.NoError(t, second.RewardsKeeper.Invariants(ctx))
	resp, err := computekeeper.NewQueryServerImpl(second.ComputeKeeper).Lease(ctx, &computetypes.QueryLeaseRequest{Id: lease.LeaseId})
	require.NoError(t, err)
	require.Equal(t, int64(2), resp.Accrued.Amount.Int64(), "billing goes on from the new chain's start")
}

func newApp(t *testing.T) *app.App {
	t.Helper()
	a, err := app.New(log.NewNopLogger(), dbm.NewMemDB(), nil, true, simtestutil.NewAppOptionsWithFlagHome(t.TempDir()), baseapp.SetChainID(chainID))
	require.NoError(t, err)
	return a
}

// genesisWithValidator returns the default genesis with one bonded validator, a funded
// account and random valid params in the Thalamus modules.
func genesisWithValidator(t *testing.T, a *app.App) map[string]json.RawMessage {
	t.Helper()
	pubKey, err := mock.NewPV().GetPubKey()
	require.NoError(t, err)
	valSet := cmttypes.NewValidatorSet([]*cmttypes.Validator{cmttypes.NewValidator(pubKey, 1)})

	acc := authtypes.NewBaseAccount(secp256k1.GenPrivKey().PubKey().Address().Bytes(), nil, 0, 0)
	balance := banktypes.Balance{
		Address: acc.GetAddress().String(),
		Coins:   sdk.NewCoins(sdk.NewCoin(app.BondDenom, math.NewInt(100_000_000_000_000))),
	}
	// The account is also a GPU provider whose collateral sits in the x/compute module account.
	r := rand.New(rand.NewSource(7))
	computeGenesis := computetypes.GenesisState{Params: computesim.GenParams(r), NextGpuId: 2, NextOfferId: 1, NextLeaseId: 1, NextChallengeId: 1}
	collateral := computeGenesis.Params.MinProviderCollateral
	computeGenesis.Providers = []computetypes.Provider{{
		Address: acc.GetAddress().String(), Moniker: "Acme", Endpoint: "https://acme.example", Region: "eu-west",
		Collateral: collateral, Status: computetypes.PROVIDER_STATUS_ACTIVE, GpuCount: 1,
	}}
	computeGenesis.Gpus = []computetypes.GPU{{
		Id: 1, Uuid: "GPU-5c2b7f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", Provider: acc.GetAddress().String(),
		Model: "NVIDIA H100 80GB HBM3", Class: computeGenesis.Params.GpuClasses[0], MemoryMib: 81559,
		DriverVersion: "550.54.15", CudaVersion: "12.4", Status: computetypes.GPU_STATUS_AVAILABLE, Score: 5000,
	}}
	collateralBalance := banktypes.Balance{
		Address: authtypes.NewModuleAddress(computetypes.ModuleName).String(),
		Coins:   sdk.NewCoins(collateral),
	}
	genesis, err := simtestutil.GenesisStateWithValSet(a.AppCodec(), a.DefaultGenesis(), valSet,
		[]authtypes.GenesisAccount{acc}, balance, collateralBalance)
	require.NoError(t, err)

	cdc := a.AppCodec()
	genesis[computetypes.ModuleName] = cdc.MustMarshalJSON(&computeGenesis)
	genesis[sensorstypes.ModuleName] = cdc.MustMarshalJSON(&sensorstypes.GenesisState{Params: sensorssim.GenParams(r)})
	genesis[oracletypes.ModuleName] = cdc.MustMarshalJSON(&oracletypes.GenesisState{Params: oraclesim.GenParams(r), NextTaskId: 1})
	rewardsParams := rewardssim.GenParams(r)
	rewardsParams.EpochBlocks = 1_000 // the export falls inside the first epoch, whatever the draw
	genesis[rewardstypes.ModuleName] = cdc.MustMarshalJSON(&rewardstypes.GenesisState{Params: rewardsParams})
	return genesis
}

// genesisWithAccounts is the default genesis with one bonded validator and accounts, each
// holding 10^15 uthal.
func genesisWithAccounts(t testing.TB, a *app.App, accounts []simtypes.Account) map[string]json.RawMessage {
	t.Helper()
	pubKey, err := mock.NewPV().GetPubKey()
	require.NoError(t, err)
	valSet := cmttypes.NewValidatorSet([]*cmttypes.Validator{cmttypes.NewValidator(pubKey, 1)})
	genAccs := make([]authtypes.GenesisAccount, len(accounts))
	balances := make([]banktypes.Balance, len(accounts))
	for i, acc := range accounts {
		genAccs[i] = authtypes.NewBaseAccount(acc.Address, acc.PubKey, uint64(i), 0)
		balances[i] = banktypes.Balance{
			Address: acc.Address.String(),
			Coins:   sdk.NewCoins(sdk.NewCoin(app.BondDenom, math.NewInt(1_000_000_000_000_000))),
		}
	}
	genesis, err := simtestutil.GenesisStateWithValSet(a.AppCodec(), a.DefaultGenesis(), valSet, genAccs, balances...)
	require.NoError(t, err)
	return genesis
}

func initChain(t testing.TB, a *app.App, genesis map[string]json.RawMessage) {
	t.Helper()
	stateBytes, err := json.Marshal(genesis)
	require.NoError(t, err)
	_, err = a.InitChain(&abci.RequestInitChain{
		ChainId:         chainID,
		AppStateBytes:   stateBytes,
		ConsensusParams: simtestutil.DefaultConsensusParams,
	})
	require.NoError(t, err)
}

func finalizeAndCommit(t *testing.T, a *app.App, height int64) {
	t.Helper()
	_, err := a.FinalizeBlock(&abci.RequestFinalizeBlock{Height: height})
	require.NoError(t, err)
	_, err = a.Commit()
	require.NoError(t, err)
}

func validatorUpdates(t *testing.T, vals []cmttypes.GenesisValidator) []abci.ValidatorUpdate {
	t.Helper()
	updates := make([]abci.ValidatorUpdate, 0, len(vals))
	for _, v := range vals {
		pk, err := cryptocodec.FromCmtPubKeyInterface(v.PubKey)
		require.NoError(t, err)
		protoPk, err := cryptocodec.ToCmtProtoPublicKey(pk)
		require.NoError(t, err)
		updates = append(updates, abci.ValidatorUpdate{PubKey: protoPk, Power: v.Power})
	}
	return updates
}

// requireSameModuleStates compares two exported app states module by module, as canonical JSON.
func requireSameModuleStates(t *testing.T, want, got json.RawMessage) {
	t.Helper()
	var a, b map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(want, &a))
	require.NoError(t, json.Unmarshal(got, &b))
	require.ElementsMatch(t, keys(a), keys(b))
	for module := range a {
		var x, y any
		require.NoError(t, json.Unmarshal(a[module], &x))
		require.NoError(t, json.Unmarshal(b[module], &y))
		require.Equal(t, x, y, "module %s exports differently after import", module)
	}
}

func keys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// storeEntries reads every key/value of a store.
func storeEntries(t *testing.T, store storetypes.KVStore) map[string][]byte {
	t.Helper()
	it := store.Iterator(nil, nil)
	defer func() { require.NoError(t, it.Close()) }()
	entries := make(map[string][]byte)
	for ; it.Valid(); it.Next() {
		entries[string(it.Key())] = it.Value()
	}
	require.NotEmpty(t, entries, "a Thalamus store must hold at least its params")
	return entries
}

// A node closes its app twice on shutdown (the SDK's start command); on PebbleDB, the node's
// default store, the second close must not panic.
func TestCloseTwiceOnNodeStore(t *testing.T) {
	db, err := dbm.NewDB("application", dbm.BackendType(app.DefaultAppDBBackend), t.TempDir())
	require.NoError(t, err)
	a, err := app.New(log.NewNopLogger(), db, nil, true, simtestutil.NewAppOptionsWithFlagHome(t.TempDir()), baseapp.SetChainID(chainID))
	require.NoError(t, err)
	require.NoError(t, a.Close())
	require.NotPanics(t, func() { _ = a.Close() })
}
