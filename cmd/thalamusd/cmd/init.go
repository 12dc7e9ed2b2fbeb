package cmd

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/types/module"
	genutilcli "github.com/cosmos/cosmos-sdk/x/genutil/client/cli"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/thalamus-network/thalamus/app"
)

const flagVoteExtensionsHeight = "vote-extensions-enable-height"

// initCmd is the SDK's `init`, plus the consensus settings Thalamus needs from genesis on:
// vote extensions, which carry the validators' oracle verdicts, are enabled at the given height.
func initCmd(moduleBasics module.BasicManager) *cobra.Command {
	cmd := genutilcli.InitCmd(moduleBasics, app.DefaultNodeHome)
	sdkRunE := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := sdkRunE(cmd, args); err != nil {
			return err
		}
		height, err := cmd.Flags().GetInt64(flagVoteExtensionsHeight)
		if err != nil {
			return err
		}
		clientCtx := client.GetClientContextFromCmd(cmd)
		return enableVoteExtensions(filepath.Join(clientCtx.HomeDir, "config", "genesis.json"), height)
	}
	cmd.Flags().Int64(flagVoteExtensionsHeight, 1, "first height at which validators must attach vote extensions (0 disables them)")
	return cmd
}

// enableVoteExtensions sets consensus.params.abci.vote_extensions_enable_height in a genesis file.
func enableVoteExtensions(genFile string, height int64) error {
	if height < 0 {
		return fmt.Errorf("--%s must not be negative, got %d", flagVoteExtensionsHeight, height)
	}
	appGenesis, err := genutiltypes.AppGenesisFromFile(genFile)
	if err != nil {
		return fmt.Errorf("read %s: %w", genFile, err)
	}
	appGenesis.Consensus.Params.ABCI.VoteExtensionsEnableHeight = height
	if err := appGenesis.ValidateAndComplete(); err != nil {
		return err
	}
	return appGenesis.SaveAs(genFile)
}
