package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// demoWorkloadCmd is a tiny tenant workload for devnets and tests: an HTTP server on $PORT
// that reports the GPUs it was pinned to.
func demoWorkloadCmd(logger *slog.Logger) *cobra.Command {
	return &cobra.Command{
		Use:   "demo-workload",
		Short: "A demo tenant workload: serves, on $PORT, the lease and GPUs it was started with",
		Long: `demo-workload is what a devnet tenant's manifest runs with the exec runtime: an HTTP server
on $PORT answering GET / with {"lease": THALAMUS_LEASE_ID, "cuda_visible_devices": ...}, so
the tenant can check that the workload runs pinned to its leased GPUs.`,
		Example: `{"command": ["thalamus-agent", "demo-workload"], "ports": [8080], "gpus": 1}`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			port := os.Getenv("PORT")
			if port == "" {
				return errors.New("PORT is not set: the provider agent sets it from the manifest's ports")
			}
			info := map[string]string{
				"lease":                os.Getenv("THALAMUS_LEASE_ID"),
				"cuda_visible_devices": os.Getenv("CUDA_VISIBLE_DEVICES"),
			}
			mux := http.NewServeMux()
			mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(info)
			})
			srv := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
			logger.Info("demo workload serving", "port", port, "lease", info["lease"], "gpus", info["cuda_visible_devices"])
			fmt.Println("demo workload up on port", port, "with GPUs", info["cuda_visible_devices"])
			go func() { <-cmd.Context().Done(); _ = srv.Close() }()
			if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
}
