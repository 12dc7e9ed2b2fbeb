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

// OracleConfig is the [oracle] section of app.toml.
type OracleConfig struct {
	// SidecarAddress is where the validator's thalamus-sidecar serves results over gRPC.
	SidecarAddress string `mapstructure:"sidecar_address"`
}

// AppConfig is app.toml: the SDK's server config plus the [oracle] section.
type AppConfig struct {
	serverconfig.Config `mapstructure:",squash"`

	Oracle OracleConfig `mapstructure:"oracle"`
}

// DefaultSidecarAddress is where thalamus-sidecar start listens unless told otherwise.
const DefaultSidecarAddress = "127.0.0.1:9095"

const oracleConfigTemplate = `
###############################################################################
###                          Thalamus oracle                                ###
###############################################################################

[oracle]

# gRPC address of this validator's thalamus-sidecar, asked for results in every vote
# extension (with the x/oracle sidecar_timeout_ms). Empty: no sidecar, empty extensions.
sidecar_address = "{{ .Oracle.SidecarAddress }}"
`

// initAppConfig returns the app.toml template and defaults. A node refuses to start with
// no minimum gas price, so it defaults to a small non-zero price in uthal; the application
// store is PebbleDB without IAVL's fast-node index (app.DefaultAppDBBackend), and state-sync
// snapshots are on (app.DefaultSnapshotInterval).
func initAppConfig() (string, any) {
	srvCfg := serverconfig.DefaultConfig()
	srvCfg.MinGasPrices = "0.0025" + app.BondDenom
	srvCfg.AppDBBackend = app.DefaultAppDBBackend
	srvCfg.IAVLDisableFastNode = app.DefaultIAVLDisableFastNode
	srvCfg.StateSync.SnapshotInterval = app.DefaultSnapshotInterval
	srvCfg.StateSync.SnapshotKeepRecent = app.DefaultSnapshotKeepRecent
	cfg := AppConfig{Config: *srvCfg, Oracle: OracleConfig{SidecarAddress: DefaultSidecarAddress}}
	return serverconfig.DefaultConfigTemplate + oracleConfigTemplate, cfg
}
