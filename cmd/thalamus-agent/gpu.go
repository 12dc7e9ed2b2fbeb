package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/internal/agent"
	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/internal/gpuinspect"
	"github.com/thalamus-network/thalamus/internal/powcli"
	"github.com/thalamus-network/thalamus/internal/runtime"
	"github.com/thalamus-network/thalamus/pkg/egress"
)

func gpuCmd(logger *slog.Logger) *cobra.Command {
	var (
		chainCfg      chainclient.ChainConfig
		gpuCfg        agent.GPUConfig
		backend       string
		metricsAddr   string
		leaseCfg      agent.LeaseConfig
		runtimeName   string
		apiListen     string
		portRange     string
		execAllow     []string
		registryAllow []string

		minPrice, maxPrice string
		targetUtilization  float64
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
--class), reports NVML telemetry with each answer, and solves each GPU's challenges on that
GPU with the CUDA backend (--backend auto or cuda: int8 tensor-core kernels loaded through the
NVIDIA driver, the epoch's layer table kept in GPU memory, every GPU checked against the CPU
reference at start). Run "thalamus-agent gpu inspect" first to see what it finds. Optionally it registers the
provider (--collateral) and opens an offer for the GPUs (--offer-price). Metrics are served on
--metrics-addr; Ctrl-C stops it cleanly.

With --offer-price auto --min-price P [--max-price Q] [--target-utilization U] the offer opens at
the class's clearing price (within the bounds) and is repriced once per reward epoch from the
chain's market data averaged over the epoch, at most one 5 % step: up when the provider's GPUs
and the class's are leased at or above U (orders waiting on a full class count there), but
never more than a step above the class's clearing price; down when its utilization is more
than 10 points below U (its GPUs sit idle); no step in the epoch after a move, whose effect
shows only then; never outside [P, Q]. Each decision is logged with its inputs, and the last
priced epoch is kept in --state-dir, so a restart does not step twice (docs/market.md).

It also fulfils leases that carry a workload manifest. The provider endpoint on --api-listen
(register it as the provider's --endpoint) takes the tenant-signed manifest
(thalamusd workload send). It checks the signature against the lease's tenant and
the hash against the lease, refuses a manifest asking for more than --max-cpus-per-gpu and
--max-memory-mb-per-gpu, then starts the workload with --runtime:
  - docker: the Docker Engine API, with --gpus device=UUID for exactly the leased GPUs, in a
    confined container (not privileged, minimal capabilities, no-new-privileges, CPU, memory
    and --max-pids limits, bounded logs, a network of its own per lease). The image must be
    in the engine or pullable from a registry at a public address (or --registry-allow).
    Containers outlive the agent: a restarted agent adopts those of
    open leases by their thalamus.lease label and removes those of ended ones (simulated
    GPUs get no --gpus request);
  - exec: a local process with CUDA_VISIBLE_DEVICES, for devnets: it runs only the programs
    listed with --exec-allow, and has no isolation.
The manifest's ports are published on host ports of --port-range. It sends confirm-lease once
the workload runs and its ports answer, which is when billing starts. Any exit restarts it with
back-off, and it is stopped when the lease pauses or closes. The tenant, and only the tenant,
reads its status and logs there with signed requests, each usable once within a minute,
at a bounded rate.`,
		Example: `thalamus-agent gpu --home ~/.thalamus-localnet --from provider --backend cpu --simulate-gpus 4 \
  --collateral 1000000000uthal --offer-price 360000uthal
thalamus-agent gpu --from provider --offer-price auto --min-price 200000uthal --max-price 900000uthal --target-utilization 0.8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pricing, err := autoPricing(gpuCfg.OfferPrice, minPrice, maxPrice, targetUtilization)
			if err != nil {
				return err
			}
			gpuCfg.Pricing = pricing
			if gpuCfg.SimulateGPUs > 0 && backend == powcli.BackendCUDA {
				return fmt.Errorf("simulated GPUs are worked on the CPU: use --backend cpu (or auto) with --simulate-gpus")
			}
			if gpuCfg.SimulateGPUs == 0 {
				backends, err := powcli.NewBackends(backend, 0, logger)
				if err != nil {
					return err
				}
				defer backends.Close()
				gpuCfg.Backends = backends
			}
			if gpuCfg.SimulateGPUs == 0 && cmd.Flags().Changed("class") {
				gpuCfg.ClassOverride = gpuCfg.Class
			}
			if chainCfg.KeyringDir == "" {
				chainCfg.KeyringDir = gpuCfg.StateDir
			}
			devnetFaults(&gpuCfg)
			ctx := cmd.Context()
			chain, err := dialWhenUp(ctx, chainCfg, logger)
			if err != nil {
				return err
			}
			metrics := agent.NewMetrics()
			metrics.Serve(ctx, metricsAddr, logger)
			logger.Info("connected", "node", chainCfg.Node, "chain_id", chain.ChainID(), "provider", chain.Address)
			if err := leaseRuntime(ctx, runtimeName, chain.Address, execAllow, registryAllow, &leaseCfg, logger); err != nil {
				return err
			}
			if _, err := fmt.Sscanf(portRange, "%d-%d", &leaseCfg.PortLow, &leaseCfg.PortHigh); err != nil || leaseCfg.PortLow < 1 || leaseCfg.PortHigh > 65535 || leaseCfg.PortLow > leaseCfg.PortHigh {
				return fmt.Errorf("--port-range must be LOW-HIGH within 1-65535, got %q", portRange)
			}
			leaseCfg.StateDir, leaseCfg.Poll, leaseCfg.StopTimeout = filepath.Join(gpuCfg.StateDir, "leases"), 2*time.Second, 15*time.Second
			leaseCfg.SimulatedGPUs = gpuCfg.SimulateGPUs > 0
			leases, err := agent.NewLeaseManager(chain, leaseCfg, logger, metrics)
			if err != nil {
				return err
			}
			// The first of the three to end ends the others: leases and the endpoint run until
			// ctx is cancelled, so an error of one must cancel it before waiting for them.
			var wg sync.WaitGroup
			defer wg.Wait()
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			apiErr := make(chan error, 1)
			wg.Add(2)
			go func() { defer wg.Done(); leases.Run(ctx) }()
			go func() { defer wg.Done(); apiErr <- leases.ServeAPI(ctx, apiListen, logger) }()
			runErr := make(chan error, 1)
			go func() { runErr <- agent.NewGPUAgent(chain, gpuCfg, logger, metrics).Run(ctx) }()
			select {
			case err := <-apiErr:
				return err
			case err := <-runErr:
				return err
			}
		},
	}
	f := cmd.Flags()
	addChainFlags(f, &chainCfg, "provider", "key name of the provider")
	f.StringVar(&gpuCfg.StateDir, "state-dir", filepath.Join(home, ".thalamus-agent"), "where the agent keeps its state")
	f.StringVar(&backend, "backend", powcli.BackendAuto, "proof-of-work backend: auto (CUDA when a driver and GPU are found, else CPU with a warning), cuda or cpu")
	f.IntVar(&gpuCfg.SimulateGPUs, "simulate-gpus", 0, "register and work this many simulated GPUs, on the CPU")
	f.StringVar(&gpuCfg.Class, "class", "CPU-DEV", "GPU class of simulated GPUs (for real GPUs: overrides the class derived from the PCI id)")
	f.StringVar(&gpuCfg.Collateral, "collateral", "", "register the key as a provider with this collateral if it is not one")
	f.StringVar(&gpuCfg.Moniker, "moniker", "Thalamus agent", "provider moniker (with --collateral)")
	f.StringVar(&gpuCfg.Endpoint, "endpoint", "http://127.0.0.1:8080", "provider endpoint (with --collateral)")
	f.StringVar(&gpuCfg.Region, "region", "local", "provider region (with --collateral)")
	f.StringVar(&gpuCfg.OfferPrice, "offer-price", "", "open an offer for the GPUs at this price per GPU-hour if the provider has none; auto: price it from the market (--min-price, --max-price, --target-utilization)")
	f.StringVar(&minPrice, "min-price", "", "with --offer-price auto: the lowest price per GPU-hour, e.g. 200000uthal")
	f.StringVar(&maxPrice, "max-price", "", "with --offer-price auto: the highest price per GPU-hour (default: 10 x --min-price)")
	f.Float64Var(&targetUtilization, "target-utilization", 0.8, "with --offer-price auto: the share of the offered GPUs to keep leased (0-1]")
	f.Uint32Var(&gpuCfg.OfferMaxHours, "offer-max-hours", 720, "longest lease the offer accepts")
	f.Float64Var(&gpuCfg.WorkSeconds, "work-seconds", 20, "most seconds spent on one challenge (the time left before the challenge window's last block, less a poll and a second to send the answer, bounds it too)")
	addDevnetFlags(f)
	f.DurationVar(&gpuCfg.BlockTime, "block-time", 0, "expected block time, to budget work before a deadline (0: the median of the chain's last 20 blocks)")
	f.DurationVar(&gpuCfg.Poll, "poll", time.Second, "how often to look for challenges")
	f.StringVar(&metricsAddr, "metrics-addr", "127.0.0.1:9464", "serve Prometheus metrics here (empty: off)")
	f.StringVar(&runtimeName, "runtime", "docker", "workload runtime for leases with a manifest: docker, exec (devnets) or none")
	f.StringSliceVar(&execAllow, "exec-allow", nil, "exec runtime: a program (absolute path) or folder of programs manifests may run (repeatable); nothing else runs")
	f.StringSliceVar(&registryAllow, "registry-allow", nil, "docker runtime: HOST:PORT of an image registry at a private address images may be pulled from (repeatable; e.g. your own mirror); others must be public")
	f.Float64Var(&leaseCfg.PerGPU.CPUs, "max-cpus-per-gpu", 8, "most CPUs a workload gets per leased GPU; manifests asking more are refused")
	f.Int64Var(&leaseCfg.PerGPU.MemoryMB, "max-memory-mb-per-gpu", 65536, "most memory (MB) a workload gets per leased GPU; manifests asking more are refused")
	f.Int64Var(&leaseCfg.MaxPids, "max-pids", 4096, "most processes and threads one workload may run")
	f.StringVar(&apiListen, "api-listen", "127.0.0.1:8080", "serve the provider endpoint (manifests, tenant status and logs) here")
	f.StringVar(&leaseCfg.PublicHost, "public-host", "127.0.0.1", "host name tenants reach published workload ports at")
	f.StringVar(&portRange, "port-range", "31000-31999", "host ports workloads are published on")
	cmd.AddCommand(gpuinspect.Command())
	return cmd
}

// leaseRuntime picks the workload runtime; owner (the provider) labels its containers. Without a reachable Docker engine the agent still
// answers challenges, and refuses manifests with a clear error.
func leaseRuntime(ctx context.Context, name, owner string, execAllow, registryAllow []string, cfg *agent.LeaseConfig, logger *slog.Logger) error {
	switch name {
	case "exec":
		if len(execAllow) == 0 {
			logger.Warn("the exec runtime runs only programs listed with --exec-allow, and none is: every manifest will be refused")
		}
		cfg.Runtime = runtime.Exec{Allow: execAllow}
	case "docker":
		d, err := runtime.NewDocker(ctx, owner)
		if err != nil {
			logger.Warn("leases with a manifest will be refused: no Docker engine", "err", err)
			return nil
		}
		local, err := egress.LocalAddrs()
		if err != nil {
			return fmt.Errorf("list this machine's addresses, which image registries must not be: %w", err)
		}
		d.Registries = egress.Policy{Allow: registryAllow, Local: local}
		cfg.Runtime = d
	case "none":
	default:
		return fmt.Errorf("--runtime must be docker, exec or none, got %q", name)
	}
	return nil
}

// addChainFlags adds the flags that say how to reach the chain and which key signs.
func addChainFlags(f *pflag.FlagSet, cfg *chainclient.ChainConfig, from, fromUsage string) {
	f.StringVar(&cfg.Node, "node", "tcp://127.0.0.1:26657", "CometBFT RPC of a node")
	f.StringVar(&cfg.ChainID, "chain-id", "", "chain id (default: asked from the node)")
	f.StringVar(&cfg.KeyringDir, "home", "", "directory holding the keyring (default: --state-dir)")
	f.StringVar(&cfg.KeyringBackend, "keyring-backend", "test", "keyring backend (os|file|test)")
	f.StringVar(&cfg.From, "from", from, fromUsage)
	f.StringVar(&cfg.GasPrices, "gas-prices", "", "gas prices to pay, e.g. 0.0025uthal (empty: zero-fee devnet)")
}

// dialWhenUp connects to the node, waiting for it to come up and commit its first block (a
// devnet starts both at once, and a node answers queries only after that block).
func dialWhenUp(ctx context.Context, cfg chainclient.ChainConfig, logger *slog.Logger) (*chainclient.Chain, error) {
	for attempt := 0; ; attempt++ {
		chain, err := chainclient.Dial(ctx, cfg)
		if err == nil {
			if h, herr := chain.Height(ctx); herr == nil && h >= 1 {
				return chain, nil
			}
			err = chainclient.ErrNodeUnreachable // up, but no block yet
		}
		if !errors.Is(err, chainclient.ErrNodeUnreachable) {
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

// autoPricing builds the price controller for --offer-price auto, and checks that its flags
// come only with it.
func autoPricing(offerPrice, minPrice, maxPrice string, target float64) (*agent.Pricing, error) {
	if offerPrice != "auto" {
		if minPrice != "" || maxPrice != "" {
			return nil, fmt.Errorf("--min-price and --max-price bound --offer-price auto")
		}
		return nil, nil
	}
	if minPrice == "" {
		return nil, fmt.Errorf("--offer-price auto needs --min-price")
	}
	lo, err := sdk.ParseCoinNormalized(minPrice)
	if err != nil {
		return nil, fmt.Errorf("--min-price: %w", err)
	}
	hi := sdk.NewCoin(lo.Denom, lo.Amount.MulRaw(10))
	if maxPrice != "" {
		if hi, err = sdk.ParseCoinNormalized(maxPrice); err != nil {
			return nil, fmt.Errorf("--max-price: %w", err)
		}
	}
	if hi.Denom != lo.Denom || !lo.Amount.IsUint64() || !hi.Amount.IsUint64() {
		return nil, fmt.Errorf("--min-price %s and --max-price %s must be amounts of one denom", lo, hi)
	}
	p := agent.DefaultPricing(lo.Amount.Uint64(), hi.Amount.Uint64(), uint32(target*10_000))
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}
