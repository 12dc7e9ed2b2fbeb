// Command gpucheck carries to a GPU machine the offline proof-of-work commands of the real
// binaries (the same code: internal/powcli), without the chain they link: `pow solve` as
// thalamus-agent runs it, `pow verify` as thalamus-sidecar runs it, and `gpu inspect`.
// scripts/gpu-check.sh builds it small enough to copy, and runs it there.
package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/thalamus-network/thalamus/internal/gpuinspect"
	"github.com/thalamus-network/thalamus/internal/powcli"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	root := &cobra.Command{Use: "gpucheck", Short: "thalamus-agent's and thalamus-sidecar's offline proof-of-work and GPU commands, for a GPU check"}
	gpu := &cobra.Command{Use: "gpu", Short: "GPU commands"}
	gpu.AddCommand(gpuinspect.Command())
	root.AddCommand(powcli.Command(powcli.SolveCmd(logger), powcli.VerifyCmd(logger)), gpu)
	os.Exit(powcli.Run(root))
}
