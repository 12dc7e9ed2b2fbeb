// Package powcli holds the offline proof-of-work commands that operators use to test a GPU
// (`thalamus-agent pow solve`) and a verifier (`thalamus-sidecar pow verify`).
package powcli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/thalamus-network/thalamus/pkg/pow"
)

// taskFlags are the flags both commands share.
type taskFlags struct {
	preset, seed, tableSeed string
}

func (f *taskFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.preset, "preset", "devnet", fmt.Sprintf("work parameters, one of %v", pow.PresetNames()))
	cmd.Flags().StringVar(&f.seed, "seed", "", "challenge seed, 64 hex digits (required)")
	cmd.Flags().StringVar(&f.tableSeed, "table-seed", "", "layer-table seed, 64 hex digits (default: derived from --seed)")
	_ = cmd.MarkFlagRequired("seed")
}

func (f *taskFlags) task() (pow.Task, error) {
	params, err := pow.Preset(f.preset)
	if err != nil {
		return pow.Task{}, err
	}
	seed, err := pow.ParseSeed(f.seed)
	if err != nil {
		return pow.Task{}, err
	}
	table := pow.StandaloneTableSeed(seed)
	if f.tableSeed != "" {
		if table, err = pow.ParseSeed(f.tableSeed); err != nil {
			return pow.Task{}, err
		}
	}
	return pow.Task{Params: params, Seed: seed, TableSeed: table}, nil
}

// SolveCmd is `pow solve`: search for winners for a while and write them as JSON.
func SolveCmd(logger *slog.Logger) *cobra.Command {
	var (
		flags   taskFlags
		seconds float64
		out     string
		workers int
		backend string
	)
	cmd := &cobra.Command{
		Use:   "solve",
		Short: "Search a proof-of-work seed for winners on this machine and write them as JSON",
		Long: `solve runs the exact int8 lottery for --seconds with --backend (cuda: the first GPU, through
the CUDA driver; cpu: every core; auto: cuda when a GPU is found) and writes
{"preset","seed","nonces_tried","seconds","winners"} to --out. Ctrl-C stops early and still
writes what the finished batches found.`,
		Example: "thalamus-agent pow solve --preset devnet --seed $(openssl rand -hex 32) --seconds 10 --out winners.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := flags.task()
			if err != nil {
				return err
			}
			if seconds <= 0 {
				return fmt.Errorf("--seconds must be positive")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			backends, err := NewBackends(backend, workers, logger)
			if err != nil {
				return err
			}
			defer backends.Close()
			backend, err := backends.For("")
			if err != nil {
				return err
			}
			logger.Info("solving", "preset", t.Params.Name, "backend", backend.Name(), "seconds", seconds,
				"ops_per_nonce", t.Params.OpsPerNonce(), "win_probability", fmt.Sprintf("2^-%d", t.Params.LotteryBits))
			lastLog := time.Now()
			res, err := pow.Solve(ctx, backend, t, time.Duration(seconds*float64(time.Second)), func(n uint64, winners int, elapsed time.Duration) {
				if time.Since(lastLog) >= 2*time.Second {
					logger.Info("progress", "nonces", n, "winners", winners, "nonces_per_s", int(float64(n)/elapsed.Seconds()))
					lastLog = time.Now()
				}
			})
			if err != nil {
				return err
			}
			bz, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, append(bz, '\n'), 0o600); err != nil {
				return err
			}
			logger.Info("done", "nonces_tried", res.NoncesTried, "winners", len(res.Winners), "seconds", fmt.Sprintf("%.2f", res.Seconds),
				"nonces_per_s", int(float64(res.NoncesTried)/res.Seconds), "out", out)
			return nil
		},
	}
	flags.register(cmd)
	cmd.Flags().Float64Var(&seconds, "seconds", 10, "how long to search")
	cmd.Flags().StringVar(&out, "out", "winners.json", "where to write the JSON result")
	cmd.Flags().IntVar(&workers, "workers", 0, "CPU worker goroutines (default: all cores)")
	cmd.Flags().StringVar(&backend, "backend", BackendAuto, "proof-of-work backend: auto (CUDA when a GPU is found, else CPU), cuda or cpu")
	return cmd
}

// VerifyCmd is `pow verify`: check a solve result as a validator would.
func VerifyCmd(logger *slog.Logger) *cobra.Command {
	var (
		flags      taskFlags
		samples    int
		sampleSeed uint64
	)
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Check a proof-of-work result: unique nonces, and sampled winners recomputed on the CPU",
		Long: `verify reads the JSON that pow solve wrote, checks that it is for --preset and --seed, that
no nonce repeats or lies beyond nonces_tried, and recomputes --samples winners (all with 0) with
the reference. It exits 0 when all check out and 1 naming the first bad nonce otherwise.`,
		Example: "thalamus-sidecar pow verify --preset devnet --seed <hex> winners.json --samples 8",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := flags.task()
			if err != nil {
				return err
			}
			bz, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var res pow.Result
			if err := json.Unmarshal(bz, &res); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			start := time.Now()
			err = pow.VerifyResult(t, res, samples, sampleSeed)
			checked := len(pow.SampleIndexes(len(res.Winners), samples, sampleSeed))
			elapsed := time.Since(start)
			if err != nil {
				return fmt.Errorf("%w (checked in %.3f s)", err, elapsed.Seconds())
			}
			logger.Info("verified", "winners", len(res.Winners), "recomputed", checked, "seconds", fmt.Sprintf("%.3f", elapsed.Seconds()),
				"prover_seconds", fmt.Sprintf("%.2f", res.Seconds))
			return nil
		},
	}
	flags.register(cmd)
	cmd.Flags().IntVar(&samples, "samples", 8, "winners to recompute (0: all)")
	cmd.Flags().Uint64Var(&sampleSeed, "sample-seed", uint64(time.Now().UnixNano()), "seed for picking the samples")
	return cmd
}

// Command wraps subcommands under `pow`.
func Command(sub ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: "pow", Short: "Offline proof-of-work tools"}
	cmd.AddCommand(sub...)
	return cmd
}

// Run executes root with a signal-aware context and returns the process exit code.
func Run(root *cobra.Command) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root.SilenceUsage = true
	if err := root.ExecuteContext(ctx); err != nil {
		return 1
	}
	return 0
}
