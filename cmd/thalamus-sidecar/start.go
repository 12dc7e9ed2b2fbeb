package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/thalamus-network/thalamus/internal/agent"
	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/internal/sidecar"
)

func startCmd(logger *slog.Logger) *cobra.Command {
	home, _ := os.UserHomeDir()
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Verify the chain's open oracle tasks and serve the results to this validator's node",
		Long: `start runs the validator's verifier. It lists x/oracle's open tasks every --poll, recomputes
--samples proof-of-work winners of each submitted GPU challenge (which winners is drawn from
the challenge seed and this validator's address, so validators check different ones), and
fetches every committed sensor batch from its gateway, checks the Merkle root and each
reading's device signature, and scores it with the embedded quality model, keeping each
device's model state under --home so scoring resumes where it stopped after a restart.
The node's ExtendVote asks it for results over gRPC on --listen: set app.toml
[oracle] sidecar_address to the same address.

Batch URIs are written by accounts, so they are hostile: the sidecar fetches only http(s)
URIs that resolve to public addresses (never loopback, private, link-local such as cloud
metadata, or this machine's own), connects to the address it vetted, follows no redirect,
reads no more than the committed size and gives up after --fetch-timeout. A refused URI
scores 0 with forbidden_uri. Devnets whose gateways listen on loopback list them with
--allow-fetch HOST:PORT. Fetches are scheduled round-robin across the accounts that
committed the batches, at most --per-committer each.

Every flag can also be set in a TOML config file (--config, default HOME/sidecar.toml) under
the flag's name, e.g. samples = 8; flags given on the command line win.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := viper.New()
			if err := v.BindPFlags(cmd.Flags()); err != nil {
				return err
			}
			cfgFile := v.GetString("config")
			if cfgFile == "" {
				cfgFile = filepath.Join(v.GetString("home"), "sidecar.toml")
			}
			v.SetConfigFile(cfgFile)
			v.SetConfigType("toml")
			err := v.ReadInConfig()
			if errors.Is(err, fs.ErrNotExist) && !cmd.Flags().Changed("config") {
				err = nil // no default config file: flags only; a missing --config file is an error
			}
			if err != nil {
				return fmt.Errorf("config %s: %w", cfgFile, err)
			}
			cfg := sidecar.Config{
				Listen: v.GetString("listen"), StateDir: v.GetString("home"), ModelFile: v.GetString("quality-model"),
				Validator: v.GetString("validator"), Samples: v.GetInt("samples"), Workers: v.GetInt("workers"),
				Poll: v.GetDuration("poll"), FetchTimeout: v.GetDuration("fetch-timeout"),
				FetchWorkers: v.GetInt("fetch-workers"), PerCommitter: v.GetInt("per-committer"), AllowFetch: v.GetStringSlice("allow-fetch"),
			}
			devnetFaults(v, &cfg, logger)
			chain, err := chainclient.QueryContext(v.GetString("node"))
			if err != nil {
				return err
			}
			metrics := sidecar.NewMetrics()
			svc, err := sidecar.New(cfg, chain, logger, metrics)
			if err != nil {
				return err
			}
			agent.ServeMetrics(cmd.Context(), v.GetString("metrics-addr"), metrics.Registry, logger)
			return svc.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.String("config", "", "TOML config file (default HOME/sidecar.toml when it exists)")
	f.String("home", filepath.Join(home, ".thalamus-sidecar"), "directory for the per-device model state")
	f.String("node", "tcp://127.0.0.1:26657", "CometBFT RPC of this validator's node, for queries")
	f.String("listen", "127.0.0.1:9095", "gRPC address the node calls (app.toml [oracle] sidecar_address)")
	f.String("metrics-addr", "127.0.0.1:9466", "Prometheus /metrics address; empty: none")
	f.String("validator", "", "identity used to draw the sampled winners (default: the node's consensus address)")
	f.String("quality-model", "", "quality model file to score with instead of the embedded one; its hash must be in x/oracle accepted_model_hashes (e.g. the previous model while governance rolls a new one out)")
	f.Int("samples", 8, "proof-of-work winners recomputed per challenge (0: all)")
	f.Int("workers", 2, "GPU challenges verified in parallel")
	f.Int("fetch-workers", 16, "sensor batches fetched and scored in parallel")
	f.Int("per-committer", 2, "batches of one committer in flight at most, so a hanging gateway delays no one else")
	f.StringSlice("allow-fetch", nil, "HOST:PORT that batch URIs may name although it is private or loopback (repeatable, exact match; devnets list their own gateways). Every other URI must be a public http(s) address")
	f.Duration("poll", 0, "how often open tasks are listed (default 1s)")
	f.Duration("fetch-timeout", 0, "limit on one batch fetch, retries included (default 10s)")
	addDevnetFlags(f)
	return cmd
}
