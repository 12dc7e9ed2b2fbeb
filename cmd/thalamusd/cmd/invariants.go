package cmd

import (
	"fmt"
	"path/filepath"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/spf13/cobra"

	"cosmossdk.io/log"

	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/server"

	"github.com/thalamus-network/thalamus/app"
)

// checkInvariantsCmd checks a stopped node's latest state offline, like `export` reads it.
func checkInvariantsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check-invariants",
		Short: "Check that the node's latest state created or lost no funds (the node must be stopped)",
		Long: `check-invariants opens the application database of --home (the node must not be running:
the database is locked while it is) and checks, at the latest committed height:
  - bank: the supply of every denom equals the sum of all balances;
  - staking: the bonded and not-bonded pools hold exactly their validators' tokens and the
    unbonding delegations;
  - compute: the module account holds exactly the providers' collateral and the leases' escrow;
  - rewards: every epoch split exactly its emission, emissions sum to total_minted, the
    supply cap held, and the module account covers every unclaimed reward.
It prints the height, the supply and OK, or each violation and exits with an error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			serverCtx := server.GetServerContextFromCmd(cmd)
			home, _ := cmd.Flags().GetString(flags.FlagHome)
			db, err := dbm.NewDB("application", server.GetAppDBBackend(serverCtx.Viper), filepath.Join(home, "data"))
			if err != nil {
				return fmt.Errorf("open the application database (is the node still running?): %w", err)
			}
			defer func() { _ = db.Close() }()
			a, err := app.New(log.NewNopLogger(), db, nil, true, serverCtx.Viper)
			if err != nil {
				return err
			}
			height := a.LastBlockHeight()
			if height == 0 {
				return fmt.Errorf("no committed block in %s", home)
			}
			ctx := a.NewContextLegacy(true, cmtproto.Header{Height: height, ChainID: a.ChainID()})
			if err := a.CheckInvariants(ctx); err != nil {
				return fmt.Errorf("invariants broken at height %d:\n%w", height, err)
			}
			supply := a.BankKeeper.GetSupply(ctx, app.BondDenom)
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "height %d: supply %s: invariants OK\n", height, supply)
			return err
		},
	}
}
