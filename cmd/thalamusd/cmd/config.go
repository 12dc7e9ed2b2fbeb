package cmd

import (
	cmtcfg "github.com/cometbft/cometbft/config"

	serverconfig "github.com/cosmos/cosmos-sdk/server/config"

	"github.com/thalamus-network/thalamus/app"
)

// initCometBFTConfig returns CometBFT's defaults: 1 s commit timeout, so blocks come about every second.
func initCometBFTConfig() *cmtcfg.Config {
	return cmtcfg.DefaultConfig()
}

// initAppConfig returns the app.toml template and defaults. A node refuses to start with
// no minimum gas price, so it defaults to a small non-zero price in uthal.
func initAppConfig() (string, any) {
	srvCfg := serverconfig.DefaultConfig()
	srvCfg.MinGasPrices = "0.0025" + app.BondDenom
	return serverconfig.DefaultConfigTemplate, srvCfg
}
