package main

import (
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/thalamus-network/thalamus/internal/demoworkload"
)

// demoWorkloadCmd is a tiny tenant workload for devnets and tests (internal/demoworkload).
func demoWorkloadCmd(logger *slog.Logger) *cobra.Command {
	return &cobra.Command{
		Use:   "demo-workload",
		Short: "A demo tenant workload: serves, on $PORT, the lease and GPUs it was started with",
		Long: `demo-workload is what a devnet tenant's manifest runs: an HTTP server on $PORT answering
GET / with {"lease": THALAMUS_LEASE_ID, "cuda_visible_devices": ...}, so the tenant can check
that the workload runs pinned to its leased GPUs; GET /self with the capabilities and cgroup
limits it runs under, GET /probe?addr=HOST:PORT with whether it can reach an address, and
POST /crash to watch the provider restart it. The Docker runtime's test image holds the same
program as a static binary (make demo-image).`,
		Example: `{"command": ["thalamus-agent", "demo-workload"], "ports": [8080], "gpus": 1}`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return demoworkload.Run(cmd.Context(), logger)
		},
	}
}
