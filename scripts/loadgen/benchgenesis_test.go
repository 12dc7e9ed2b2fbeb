package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log"

	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"

	"github.com/thalamus-network/thalamus/app"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
)

// The bench genesis must pass every module's genesis validation and make each submit-work
// flood account a provider with one open challenge per transaction.
func TestWriteBenchGenesis(t *testing.T) {
	a, err := app.New(log.NewNopLogger(), dbm.NewMemDB(), nil, true, simtestutil.NewAppOptionsWithFlagHome(t.TempDir()))
	require.NoError(t, err)
	appState, err := json.Marshal(a.DefaultGenesis())
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "genesis.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"chain_id":"bench-1","app_state":`+string(appState)+`}`), 0o600))

	class := computetypes.DefaultParams().GpuClasses[0]
	fc := floodConfig{accounts: 3, txs: 4}
	require.NoError(t, writeBenchGenesis(path, class, fc, 2))
	require.Error(t, writeBenchGenesis(path, "NO-SUCH-CLASS", fc, 2))

	bz, err := os.ReadFile(path)
	require.NoError(t, err)
	var genesis struct {
		AppState map[string]json.RawMessage `json:"app_state"`
	}
	require.NoError(t, json.Unmarshal(bz, &genesis))
	basics := module.NewBasicManagerFromManager(a.ModuleManager, nil)
	require.NoError(t, basics.ValidateGenesis(a.AppCodec(), a.TxConfig(), genesis.AppState))

	var compute computetypes.GenesisState
	a.AppCodec().MustUnmarshalJSON(genesis.AppState[computetypes.ModuleName], &compute)
	require.Len(t, compute.Offers, createLeaseProviders)
	require.Len(t, compute.Challenges, 2*fc.accounts*fc.txs)
	signer := sdk.AccAddress(floodKey("submit-work", 2, 1).PubKey().Address()).String()
	open := 0
	for _, c := range compute.Challenges {
		if c.Provider == signer && c.State == computetypes.CHALLENGE_STATE_OPEN {
			open++
		}
	}
	require.Equal(t, fc.txs, open)
}
