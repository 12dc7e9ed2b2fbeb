package app_test

import (
	"testing"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/stretchr/testify/require"

	upgradetypes "cosmossdk.io/x/upgrade/types"

	"github.com/thalamus-network/thalamus/app"
	v2 "github.com/thalamus-network/thalamus/app/upgrades/v2"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

// TestUpgradeV2 takes a chain in v1 state (x/sensors and x/oracle at version 1, x/sensors
// params as stored before the committee issue) through a v2 plan for height 2: the upgrade
// module's PreBlocker runs the handler in block 2, which migrates both modules. (This binary
// carries the handler, so it must not run a block below the plan's height: x/upgrade stops it.)
func TestUpgradeV2(t *testing.T) {
	a := newApp(t)
	initChain(t, a, genesisWithValidator(t, a))
	finalizeAndCommit(t, a, 1)

	ctx := a.NewUncachedContext(false, cmtproto.Header{Height: 1, ChainID: chainID})
	vm, err := a.UpgradeKeeper.GetModuleVersionMap(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(2), vm[sensorstypes.ModuleName], "a new chain starts at the current version")
	vm[sensorstypes.ModuleName], vm[oracletypes.ModuleName] = 1, 1
	require.NoError(t, a.UpgradeKeeper.SetModuleVersionMap(ctx, vm))
	v1, err := a.SensorsKeeper.Params.Get(ctx)
	require.NoError(t, err)
	v1.ScoringEpochBatches, v1.CommitteeEpochBlocks, v1.Zip215Height = 0, 0, 0
	require.NoError(t, a.SensorsKeeper.Params.Set(ctx, v1))
	require.NoError(t, a.UpgradeKeeper.ScheduleUpgrade(ctx, upgradetypes.Plan{Name: v2.Name, Height: 2}))

	finalizeAndCommit(t, a, 2)

	ctx = a.NewContextLegacy(true, cmtproto.Header{Height: 2, ChainID: chainID})
	done, err := a.UpgradeKeeper.GetDoneHeight(ctx, v2.Name)
	require.NoError(t, err)
	require.Equal(t, int64(2), done)
	vm, err = a.UpgradeKeeper.GetModuleVersionMap(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(2), vm[sensorstypes.ModuleName])
	require.Equal(t, uint64(2), vm[oracletypes.ModuleName])
	got, err := a.SensorsKeeper.Params.Get(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Zip215Height, "ZIP-215 from the upgrade block on")
	require.Equal(t, sensorstypes.DefaultParams().ScoringEpochBatches, got.ScoringEpochBatches)
	require.Equal(t, sensorstypes.DefaultParams().CommitteeEpochBlocks, got.CommitteeEpochBlocks)
	require.NoError(t, a.CheckInvariants(ctx))
}

// Every upgrade has a distinct plan name and a handler.
func TestUpgradesAreNamed(t *testing.T) {
	seen := map[string]bool{}
	for _, u := range app.Upgrades {
		require.NotEmpty(t, u.Name)
		require.NotNil(t, u.Handler, u.Name)
		require.False(t, seen[u.Name], "upgrade %s twice", u.Name)
		seen[u.Name] = true
	}
}
