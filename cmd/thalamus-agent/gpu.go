package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/thalamus-network/thalamus/internal/agent"
)

func gpuCmd(logger *slog.Logger) *cobra.Command {
	var (
		chainCfg    agent.ChainConfig
		gpuCfg      agent.GPUConfig
		backend     string
		metricsAddr string
	)
	home, _ := os.UserHomeDir()
	cmd := &cobra.Command{
		Use:   "gpu",
		Short: "Register this provider's GPUs and answer their proof-of-work challenges",
		Long: `gpu keeps the provider key's GPUs registered on the chain and answers every proof-of-work
challenge within its window: it reads the open challenges, searches each seed for lottery
winners with the backend, and submits the winners with a telemetry summary. On a machine
without a GPU (devnets, CI) --backend cpu --simulate-gpus N registers N simulated GPUs of
--class (CPU-DEV by default) whose UUIDs persist in --state-dir. Without --simulate-gpus it
finds the machine's GPUs through NVML, derives each class from the PCI device id (or takes
--class), and reports NVML telemetry with each answer; this build has only the CPU
proof-of-work backend, so real GPUs score low until the CUDA backend lands. Optionally it registers the
provider (--collateral) and opens an offer for the GPUs (--offer-price). Metrics are served on
--metrics-addr; Ctrl-C stops it cleanly.`,
		Example: `thalamus-agent gpu --home ~/.thalamus-localnet --from provider --backend cpu --simulate-gpus 4 \
  --collateral 1000000000uthal --offer-price 360000uthal`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if backend != "cpu" {
				return fmt.Errorf("backend %q is not in this build: only the cpu backend is (NVML and CUDA come with GPU builds)", backend)
			}
			if gpuCfg.SimulateGPUs == 0 && cmd.Flags().Changed("class") {
				gpuCfg.ClassOverride = gpuCfg.Class
			}
			if chainCfg.KeyringDir == "" {
				chainCfg.KeyringDir = gpuCfg.StateDir
			}
			ctx := cmd.Context()
			chain, err := dialWhenUp(ctx, chainCfg, logger)
			if err != nil {
				return err
			}
			metrics := agent.NewMetrics()
			metrics.Serve(ctx, metricsAddr, logger)
			logger.Info("connected", "node", chainCfg.Node, "chain_id", chain.ChainID(), "provider", chain.Address)
			return agent.NewGPUAgent(chain, gpuCfg, logger, metrics).Run(ctx)
		},
	}
	f := cmd.Flags()
	addChainFlags(f, &chainCfg, "provider", "key name of the provider")
	f.StringVar(&gpuCfg.StateDir, "state-dir", filepath.Join(home, ".thalamus-agent"), "where the agent keeps its state")
	f.StringVar(&backend, "backend", "cpu", "proof-of-work backend: cpu")
	f.IntVar(&gpuCfg.SimulateGPUs, "simulate-gpus", 0, "register and work this many simulated GPUs (needs --backend cpu)")
	f.StringVar(&gpuCfg.Class, "class", "CPU-DEV", "GPU class of simulated GPUs (for real GPUs: overrides the class derived from the PCI id)")
	f.StringVar(&gpuCfg.Collateral, "collateral", "", "register the key as a provider with this collateral if it is not one")
	f.StringVar(&gpuCfg.Moniker, "moniker", "Thalamus agent", "provider moniker (with --collateral)")
	f.StringVar(&gpuCfg.Endpoint, "endpoint", "http://127.0.0.1:8080", "provider endpoint (with --collateral)")
	f.StringVar(&gpuCfg.Region, "region", "local", "provider region (with --collateral)")
	f.StringVar(&gpuCfg.OfferPrice, "offer-price", "", "open an offer for the GPUs at this price per GPU-hour if the provider has none")
	f.Uint32Var(&gpuCfg.OfferMaxHours, "offer-max-hours", 720, "longest lease the offer accepts")
	f.Float64Var(&gpuCfg.WorkSeconds, "work-seconds", 4, "most seconds spent on one challenge")
	f.Float64Var(&gpuCfg.CheatFraction, "cheat-fraction", 0, "devnets only: forge this share of the winners, to watch the validators catch the fraud and slash the collateral")
	f.DurationVar(&gpuCfg.BlockTime, "block-time", time.Second, "expected block time, to budget work before a deadline")
	f.DurationVar(&gpuCfg.Poll, "poll", time.Second, "how often to look for challenges")
	f.StringVar(&metricsAddr, "metrics-addr", "127.0.0.1:9464", "serve Prometheus metrics here (empty: off)")
	return cmd
}

// addChainFlags adds the flags that say how to reach the chain and which key signs.
func addChainFlags(f *pflag.FlagSet, cfg *agent.ChainConfig, from, fromUsage string) {
	f.StringVar(&cfg.Node, "node", "tcp://127.0.0.1:26657", "CometBFT RPC of a node")
	f.StringVar(&cfg.ChainID, "chain-id", "", "chain id (default: asked from the node)")
	f.StringVar(&cfg.KeyringDir, "home", "", "directory holding the keyring (default: --state-dir)")
	f.StringVar(&cfg.KeyringBackend, "keyring-backend", "test", "keyring backend (os|file|test)")
	f.StringVar(&cfg.From, "from", from, fromUsage)
	f.StringVar(&cfg.GasPrices, "gas-prices", "", "gas prices to pay, e.g. 0.0025uthal (empty: zero-fee devnet)")
}

// dialWhenUp connects to the node, waiting for it to come up (a devnet starts both at once).
func dialWhenUp(ctx context.Context, cfg agent.ChainConfig, logger *slog.Logger) (*agent.Chain, error) {
	for attempt := 0; ; attempt++ {
		chain, err := agent.Dial(ctx, cfg)
		if !errors.Is(err, agent.ErrNodeUnreachable) {
			return chain, err
		}
		if attempt == 0 || attempt%10 == 0 {
			logger.Info("waiting for the node", "node", cfg.Node, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}
