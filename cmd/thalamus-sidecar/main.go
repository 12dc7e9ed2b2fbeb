// Command thalamus-sidecar runs next to every validator and verifies GPU proofs of work
// (and, with the oracle, sensor data) on plain CPUs.
package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/version"

	"github.com/thalamus-network/thalamus/internal/powcli"
	"github.com/thalamus-network/thalamus/internal/qualitycli"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	root := &cobra.Command{
		Use:   "thalamus-sidecar",
		Short: "Thalamus validator sidecar: verifies GPU proofs of work and scores sensor data quality",
	}
	root.AddCommand(version.NewVersionCommand(), startCmd(logger), powcli.Command(powcli.VerifyCmd(logger)), qualitycli.Command())
	os.Exit(powcli.Run(root))
}
