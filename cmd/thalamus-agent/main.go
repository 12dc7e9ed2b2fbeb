// Command thalamus-agent runs on GPU providers' and sensor operators' machines: it answers
// the chain's proof-of-work challenges, offers offline tools to test a GPU, and runs the
// sensor gateway that commits batches of signed readings.
package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/version"

	"github.com/thalamus-network/thalamus/internal/powcli"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	root := &cobra.Command{
		Use:   "thalamus-agent",
		Short: "Thalamus provider agent: proof-of-work for registered GPUs, and the sensor gateway",
	}
	root.AddCommand(version.NewVersionCommand(), gpuCmd(logger), sensorsCmd(logger), deviceKeyCmd(), demoWorkloadCmd(logger), powcli.Command(powcli.SolveCmd(logger)))
	os.Exit(powcli.Run(root))
}
