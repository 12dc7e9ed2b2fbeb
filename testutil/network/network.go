// Package network runs the real Thalamus app in the SDK's in-process test network.
package network

import (
	"testing"
	"time"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	pruningtypes "cosmossdk.io/store/pruning/types"

	"github.com/cosmos/cosmos-sdk/baseapp"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	"github.com/cosmos/cosmos-sdk/testutil/network"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"

	"github.com/thalamus-network/thalamus/app"
)

type (
	// Network is the SDK's in-process network.
	Network = network.Network
	// Config is the SDK's in-process network configuration.
	Config = network.Config
)

// DefaultConfig returns a configuration whose validators run app.New, the same constructor as thalamusd.
func DefaultConfig() Config {
	cfg, err := network.DefaultConfigWithAppConfig(app.AppConfig)
	if err != nil {
		panic(err)
	}
	cfg.ChainID = "thalamus-test-1"
	cfg.BondDenom = app.BondDenom
	cfg.MinGasPrices = "0" + app.BondDenom
	cfg.TimeoutCommit = 500 * time.Millisecond
	cfg.AppConstructor = func(val network.ValidatorI) servertypes.Application {
		a, err := app.New(
			val.GetCtx().Logger,
			dbm.NewMemDB(),
			nil,
			true,
			simtestutil.NewAppOptionsWithFlagHome(val.GetCtx().Config.RootDir),
			baseapp.SetPruning(pruningtypes.NewPruningOptionsFromString(val.GetAppConfig().Pruning)),
			baseapp.SetMinGasPrices(val.GetAppConfig().MinGasPrices),
			baseapp.SetChainID(cfg.ChainID),
		)
		if err != nil {
			panic(err)
		}
		return a
	}
	return cfg
}

// WaitTimeout bounds waits for blocks: generous, because a loaded 2-core CI machine
// (tests and compiles in parallel, or -race) can be far slower than the SDK's 10 s default.
const WaitTimeout = 2 * time.Minute

// New starts a network with cfg, waits for its first block and stops it when the test ends.
func New(t *testing.T, cfg Config) *Network {
	t.Helper()
	net, err := network.New(t, t.TempDir(), cfg)
	require.NoError(t, err)
	_, err = net.WaitForHeightWithTimeout(1, WaitTimeout)
	require.NoError(t, err)
	t.Cleanup(net.Cleanup)
	return net
}
