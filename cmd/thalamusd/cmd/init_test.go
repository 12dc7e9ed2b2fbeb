package cmd_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/spf13/viper"
	"github.com/stretchr/testify/require"

	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/thalamus-network/thalamus/app"
	"github.com/thalamus-network/thalamus/cmd/thalamusd/cmd"
)

// TestMain also runs thalamusd itself when a test starts this binary with THALAMUSD_TEST_MAIN=1:
// app.DefaultNodeHome comes from HOME when the process starts, so a test of the default home
// needs a process of its own.
func TestMain(m *testing.M) {
	if os.Getenv("THALAMUSD_TEST_MAIN") == "1" {
		if err := svrcmd.Execute(cmd.NewRootCmd(), "THALAMUSD", app.DefaultNodeHome); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// On a new machine `thalamusd init --chain-id` (no --home) names the chain in client.toml, so
// the runbook's transactions need no --chain-id (found by make test-runbook).
func TestInitOnDefaultHomeWritesClientChainID(t *testing.T) {
	home := t.TempDir()
	c := exec.Command(os.Args[0], "init", "val0", "--chain-id", "thalamus-cli-1") //nolint:gosec // this test binary
	c.Env = append(os.Environ(), "THALAMUSD_TEST_MAIN=1", "HOME="+home)
	out, err := c.CombinedOutput()
	require.NoError(t, err, string(out))
	bz, err := os.ReadFile(filepath.Join(home, ".thalamus", "config", "client.toml")) //nolint:gosec // the test's home
	require.NoError(t, err)
	require.Contains(t, string(bz), `chain-id = "thalamus-cli-1"`)
}

func runCLI(t *testing.T, args ...string) error {
	t.Helper()
	root := cmd.NewRootCmd()
	root.SetArgs(args)
	return svrcmd.Execute(root, "THALAMUSD", t.TempDir())
}

func TestInitEnablesVoteExtensionsAndBondDenom(t *testing.T) {
	home := t.TempDir()
	require.NoError(t, runCLI(t, "init", "val0", "--chain-id", "thalamus-cli-1", "--home", home))

	genesis, err := genutiltypes.AppGenesisFromFile(filepath.Join(home, "config", "genesis.json"))
	require.NoError(t, err)
	require.Equal(t, int64(1), genesis.Consensus.Params.ABCI.VoteExtensionsEnableHeight)

	var appState map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(genesis.AppState, &appState))
	var staking struct {
		Params struct {
			BondDenom string `json:"bond_denom"`
		} `json:"params"`
	}
	require.NoError(t, json.Unmarshal(appState["staking"], &staking))
	require.Equal(t, "uthal", staking.Params.BondDenom)
	require.NotContains(t, appState, "mint", "x/rewards, not x/mint, owns emission")
	for _, m := range []string{"compute", "sensors", "oracle", "rewards"} {
		require.Contains(t, string(appState[m]), `"params"`, m)
	}
}

func TestInitRejectsNegativeVoteExtensionsHeight(t *testing.T) {
	err := runCLI(t, "init", "val0", "--chain-id", "thalamus-cli-1", "--home", t.TempDir(), "--vote-extensions-enable-height", "-1")
	require.ErrorContains(t, err, "must not be negative")
}

// A node from thalamus init runs on the store the benchmarks measure and serves state-sync
// snapshots, so new nodes can join it without replaying the chain.
func TestInitWritesNodeStoreAndSnapshots(t *testing.T) {
	home := t.TempDir()
	require.NoError(t, runCLI(t, "init", "val0", "--chain-id", "thalamus-cli-1", "--home", home))

	v := viper.New()
	v.SetConfigFile(filepath.Join(home, "config", "app.toml"))
	require.NoError(t, v.ReadInConfig())
	require.Equal(t, app.DefaultAppDBBackend, v.GetString("app-db-backend"))
	require.True(t, v.GetBool("iavl-disable-fastnode"))
	require.Equal(t, uint64(app.DefaultSnapshotInterval), v.GetUint64("state-sync.snapshot-interval"))
	require.Equal(t, uint32(app.DefaultSnapshotKeepRecent), v.GetUint32("state-sync.snapshot-keep-recent"))
}
