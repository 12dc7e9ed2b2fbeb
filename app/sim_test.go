//go:build sims

package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log"
	"cosmossdk.io/x/feegrant"

	"github.com/cosmos/cosmos-sdk/baseapp"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	"github.com/cosmos/cosmos-sdk/testutil/simsx"
	"github.com/cosmos/cosmos-sdk/types/kv"
	simtypes "github.com/cosmos/cosmos-sdk/types/simulation"
	authzkeeper "github.com/cosmos/cosmos-sdk/x/authz/keeper"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	simcli "github.com/cosmos/cosmos-sdk/x/simulation/client/cli"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/thalamus-network/thalamus/app"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	rewardstypes "github.com/thalamus-network/thalamus/x/rewards/types"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

func init() { simcli.GetSimulatorFlags() }

// simSeeds are the seeds CI runs (make test-sim-short).
var simSeeds = []int64{1, 7, 42}

func simApp(logger log.Logger, db dbm.DB, traceStore io.Writer, loadLatest bool, appOpts servertypes.AppOptions,
	opts ...func(*baseapp.BaseApp),
) *app.App {
	a, err := app.New(logger, db, traceStore, loadLatest, appOpts, opts...)
	if err != nil {
		panic(err)
	}
	return a
}

func simState(a *app.App) simsx.SimStateFactory {
	return simsx.SimStateFactory{
		Codec:         a.AppCodec(),
		AppStateFn:    simtestutil.AppStateFn(a.AppCodec(), a.SimulationManager(), a.DefaultGenesis()),
		BlockedAddr:   app.BlockedAddresses(),
		AccountSource: a.AccountKeeper,
		BalanceSource: a.BankKeeper,
	}
}

// TestFullAppSimulation runs every module's simulation operations over random genesis
// states for the seeds and checks the app's invariants at the end.
func TestFullAppSimulation(t *testing.T) {
	simsx.RunWithSeeds(t, simApp, simState, simSeeds, nil, func(tb testing.TB, ti simsx.TestInstance[*app.App], _ []simtypes.Account) {
		require.NoError(tb, ti.App.CheckInvariants(ti.App.NewContext(true)))
		requireStoresDecode(tb, ti.App)
	})
}

// thalamusStores are the stores of the Thalamus modules.
var thalamusStores = []string{computetypes.StoreKey, sensorstypes.StoreKey, oracletypes.StoreKey, rewardstypes.StoreKey}

// requireStoresDecode runs each Thalamus module's store decoder on every entry its store
// holds: a key the decoder does not know would panic and fail here.
func requireStoresDecode(tb testing.TB, a *app.App) {
	tb.Helper()
	ctx := a.NewContext(true)
	for _, name := range thalamusStores {
		decode, ok := a.SimulationManager().StoreDecoders[name]
		require.True(tb, ok, "store %s has no decoder", name)
		it := ctx.KVStore(a.GetKey(name)).Iterator(nil, nil)
		entries := 0
		for ; it.Valid(); it.Next() {
			pair := kv.Pair{Key: it.Key(), Value: it.Value()}
			var out string
			require.NotPanics(tb, func() { out = decode(pair, pair) }, "store %s key %X", name, pair.Key)
			require.NotEmpty(tb, out, "store %s key %X", name, pair.Key)
			entries++
		}
		require.NoError(tb, it.Close())
		require.Positive(tb, entries, "store %s is empty", name)
	}
}

// TestAppSimulationAfterImport exports each seed's final state for a zero-height restart, as
// a hard fork does, and runs a whole new simulation from that genesis with the same accounts.
// The SDK's cancel-unbonding operation is left out of the second run: it sends the entry's
// creation height, which a zero-height export resets to 0, and the staking msg server refuses
// height 0.
func TestAppSimulationAfterImport(t *testing.T) {
	simsx.RunWithSeeds(t, simApp, simState, simSeeds, nil, func(tb testing.TB, ti simsx.TestInstance[*app.App], accs []simtypes.Account) {
		exported, err := ti.App.ExportAppStateAndValidators(true, nil, nil)
		require.NoError(tb, err)
		genesisTime := ti.App.GetContextForCheckTx(nil).BlockTime().Add(time.Second) // the check state holds the last header
		imported := func(a *app.App) simsx.SimStateFactory {
			f := simState(a)
			f.AppStateFn = func(*rand.Rand, []simtypes.Account, simtypes.Config) (json.RawMessage, []simtypes.Account, string, time.Time) {
				return exported.AppState, accs, simsx.SimAppChainID, genesisTime
			}
			return f
		}
		cfg := ti.Cfg
		cfg.Seed++ // other operations than the first run's
		cfg.ParamsFile = filepath.Join(tb.TempDir(), "weights.json")
		require.NoError(tb, os.WriteFile(cfg.ParamsFile, []byte(`{"op_weight_msg_cancel_unbonding_delegation": 0}`), 0o600))
		simsx.RunWithSeed(tb, cfg, simApp, imported, cfg.Seed, nil, func(tb testing.TB, after simsx.TestInstance[*app.App], _ []simtypes.Account) {
			require.NoError(tb, after.App.CheckInvariants(after.App.NewContext(true)))
		})
	})
}

// TestAppStateDeterminism runs each seed three times: every run must end on the same app hash.
func TestAppStateDeterminism(t *testing.T) {
	var (
		mu     sync.Mutex
		hashes = map[int64][]string{}
	)
	t.Cleanup(func() { // after the parallel runs
		for seed, hs := range hashes {
			for _, h := range hs[1:] {
				require.Equal(t, hs[0], h, "seed %d: app hashes differ between runs", seed)
			}
			require.Len(t, hs, 3, "seed %d", seed)
		}
	})
	seeds := []int64{}
	for _, s := range simSeeds {
		seeds = append(seeds, s, s, s)
	}
	simsx.RunWithSeeds(t, simApp, simState, seeds, nil, func(_ testing.TB, ti simsx.TestInstance[*app.App], _ []simtypes.Account) {
		mu.Lock()
		defer mu.Unlock()
		hashes[ti.Cfg.Seed] = append(hashes[ti.Cfg.Seed], fmt.Sprintf("%X", ti.App.LastCommitID().Hash))
	})
}

// TestAppImportExport exports the state after a simulation, imports it into a fresh app and
// requires every store to be equal, but for the SDK's queues and caches that are rebuilt.
func TestAppImportExport(t *testing.T) {
	simsx.RunWithSeeds(t, simApp, simState, simSeeds, nil, func(tb testing.TB, ti simsx.TestInstance[*app.App], _ []simtypes.Account) {
		a := ti.App
		exported, err := a.ExportAppStateAndValidators(false, nil, nil)
		require.NoError(tb, err)
		b := simApp(log.NewNopLogger(), dbm.NewMemDB(), nil, true, simtestutil.NewAppOptionsWithFlagHome(tb.TempDir()), baseapp.SetChainID(simsx.SimAppChainID))
		var genesis map[string]json.RawMessage
		require.NoError(tb, json.Unmarshal(exported.AppState, &genesis))
		ctxA := a.NewContextLegacy(true, cmtproto.Header{Height: a.LastBlockHeight(), ChainID: simsx.SimAppChainID})
		ctxB := b.NewContextLegacy(true, cmtproto.Header{Height: a.LastBlockHeight(), ChainID: simsx.SimAppChainID})
		_, err = b.ModuleManager.InitGenesis(ctxB, b.AppCodec(), genesis)
		if err != nil && strings.Contains(err.Error(), "validator set is empty after InitGenesis") {
			tb.Skip("skipping: the simulation ended with no bonded validator")
		}
		require.NoError(tb, err)
		require.NoError(tb, b.StoreConsensusParams(ctxB, exported.ConsensusParams))

		skip := map[string][][]byte{
			stakingtypes.StoreKey: {
				stakingtypes.UnbondingQueueKey, stakingtypes.RedelegationQueueKey, stakingtypes.ValidatorQueueKey,
				stakingtypes.HistoricalInfoKey, stakingtypes.UnbondingIDKey, stakingtypes.UnbondingIndexKey,
				stakingtypes.UnbondingTypeKey, stakingtypes.ValidatorUpdatesKey,
			},
			authzkeeper.StoreKey:   {authzkeeper.GrantQueuePrefix},
			feegrant.StoreKey:      {feegrant.FeeAllowanceQueueKeyPrefix},
			slashingtypes.StoreKey: {slashingtypes.ValidatorMissedBlockBitmapKeyPrefix},
			// Batches enter the retention queue at EndBlock; the simulator delivers its
			// transactions after FinalizeBlock, so those it commits are never queued, while
			// InitGenesis queues every batch.
			sensorstypes.StoreKey: {sensorstypes.BatchPruneQueueKey},
		}
		for _, name := range []string{"acc", banktypes.StoreKey, stakingtypes.StoreKey, slashingtypes.StoreKey, distrtypes.StoreKey,
			govtypes.StoreKey, authzkeeper.StoreKey, feegrant.StoreKey, computetypes.StoreKey, sensorstypes.StoreKey,
			oracletypes.StoreKey, rewardstypes.StoreKey} {
			storeA, storeB := ctxA.KVStore(a.GetKey(name)), ctxB.KVStore(b.GetKey(name))
			onlyA, onlyB := simtestutil.DiffKVStores(storeA, storeB, skip[name])
			require.Equal(tb, len(onlyA), len(onlyB), "store %s: %d entries differ", name, len(onlyA))
			require.Empty(tb, onlyA, simtestutil.GetSimulationLog(name, a.SimulationManager().StoreDecoders, onlyA, onlyB))
		}
	})
}
