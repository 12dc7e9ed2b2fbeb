package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/internal/gateway"
	"github.com/thalamus-network/thalamus/internal/sensorsim"
	"github.com/thalamus-network/thalamus/pkg/devicekey"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// simConfig says which simulated devices to run next to the gateway.
type simConfig struct {
	count     int
	faults    string
	csvFiles  []string
	interval  time.Duration
	dayLength int
	onset     int
}

func sensorsCmd(logger *slog.Logger) *cobra.Command {
	var (
		chainCfg chainclient.ChainConfig
		gwCfg    = gateway.DefaultConfig()
		listen   string
		sim      simConfig
	)
	home, _ := os.UserHomeDir()
	cmd := &cobra.Command{
		Use:   "sensors",
		Short: "Run the sensor gateway: accept signed readings, commit batch roots, serve batches and proofs",
		Long: `sensors runs the HTTP sensor gateway for the devices whose owner or gateway is the --from key.
Devices POST signed readings to /v1/readings (protobuf ReadingList or JSON); the gateway checks
each signature against the device key on chain, the sequence (strictly increasing) and the
timestamp (--max-future, --max-past) and the device's rate (--rate-slack times its registered
interval), stores accepted readings under --state-dir within --max-disk-bytes, seals a
batch per device every --batch-readings readings or --batch-interval, and commits each
batch's Merkle root with commit-batch. It serves GET /v1/batches/{device}/{seq}, its
/proof/{index}, /v1/devices/{device}, /v1/health and Prometheus /metrics, over HTTPS with
--tls-cert and --tls-key.

--simulate N also registers N simulated devices owned by the key (keys kept in --state-dir)
and feeds them: a synthetic daily cycle, or the NAB-style CSV files of --simulate-csv, with
faults injected per device by --simulate-faults (stuck, spike, drift, noise, replay, offline).
Restarts resume where they stopped; Ctrl-C stops it cleanly.`,
		Example: `thalamus-agent sensors --home ~/.thalamus-localnet --from operator --simulate 5 \
  --simulate-faults 4=stuck,5=spike --batch-interval 10s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if chainCfg.KeyringDir == "" {
				chainCfg.KeyringDir = gwCfg.StateDir
			}
			ctx := cmd.Context()
			chain, err := dialWhenUp(ctx, chainCfg, logger)
			if err != nil {
				return err
			}
			var devices gateway.SimDevices
			if sim.count > 0 {
				if devices.Specs, err = simSpecs(sim); err != nil {
					return err
				}
				devices.Interval = sim.interval
			}
			return gateway.Run(ctx, chain, gwCfg, listen, devices, logger)
		},
	}
	f := cmd.Flags()
	addChainFlags(f, &chainCfg, "operator", "key name that owns the devices or is their gateway")
	f.StringVar(&gwCfg.StateDir, "state-dir", filepath.Join(home, ".thalamus-gateway"), "where readings, batches and device keys are kept")
	f.StringVar(&listen, "listen", "127.0.0.1:8090", "HTTP address of the gateway API and /metrics")
	f.StringVar(&gwCfg.PublicURL, "public-url", "", "URL verifiers reach the gateway at (default: http(s)://<listen>); validators fetch only public addresses")
	f.StringVar(&gwCfg.TLSCertFile, "tls-cert", "", "serve HTTPS with this PEM certificate (with --tls-key; reloaded when the file changes)")
	f.StringVar(&gwCfg.TLSKeyFile, "tls-key", "", "PEM private key of --tls-cert")
	f.Float64Var(&gwCfg.MaxRequestsPerClient, "max-requests-per-client", gwCfg.MaxRequestsPerClient, "POSTs per second one client address may send (0: no limit)")
	f.Float64Var(&gwCfg.RateSlack, "rate-slack", gwCfg.RateSlack, "a device may send this many times its registered sampling rate (0: no limit)")
	f.DurationVar(&gwCfg.RateBurst, "rate-burst", gwCfg.RateBurst, "a device may send this much time's worth of readings at once (a backlog after an outage)")
	f.Int64Var(&gwCfg.MaxDiskBytes, "max-disk-bytes", gwCfg.MaxDiskBytes, "bytes of sealed batches kept; over it the oldest past --retention are deleted, and readings are refused when none is that old (0: no bound)")
	f.DurationVar(&gwCfg.Retention, "retention", gwCfg.Retention, "how long a sealed batch is kept at least, for verifiers and data consumers")
	f.IntVar(&gwCfg.BatchReadings, "batch-readings", gwCfg.BatchReadings, "seal a device's batch at this many readings")
	f.DurationVar(&gwCfg.BatchInterval, "batch-interval", gwCfg.BatchInterval, "seal a device's batch this long after its first reading")
	f.DurationVar(&gwCfg.MaxFuture, "max-future", gwCfg.MaxFuture, "refuse readings stamped further ahead of the gateway clock")
	f.DurationVar(&gwCfg.MaxPast, "max-past", gwCfg.MaxPast, "refuse readings stamped further behind the gateway clock")
	f.IntVar(&gwCfg.MaxMsgsPerTx, "max-commits-per-tx", gwCfg.MaxMsgsPerTx, "batch commitments sent in one transaction")
	f.IntVar(&sim.count, "simulate", 0, "register and feed this many simulated devices")
	f.StringVar(&sim.faults, "simulate-faults", "", "faults of simulated devices by number, e.g. 4=stuck,5=spike")
	f.StringSliceVar(&sim.csvFiles, "simulate-csv", nil, "timestamp,value CSV files replayed by simulated devices 1, 2, ... (others follow a daily cycle)")
	f.DurationVar(&sim.interval, "simulate-interval", time.Second, "time between a simulated device's readings")
	f.IntVar(&sim.dayLength, "simulate-day", 600, "readings per simulated day of the synthetic cycle")
	f.IntVar(&sim.onset, "simulate-fault-onset", 450, "reading from which a faulty simulated device misbehaves (after the quality model's 400-reading warm-up, which learns each stream's healthy behaviour)")
	return cmd
}

// simSpecs builds the simulated devices' sources and faults from the flags.
func simSpecs(sim simConfig) ([]sensorsim.Spec, error) {
	faults := map[int]sensorsim.Fault{}
	if sim.faults != "" {
		for _, part := range strings.Split(sim.faults, ",") {
			num, name, ok := strings.Cut(strings.TrimSpace(part), "=")
			n, err := strconv.Atoi(num)
			if !ok || err != nil || n < 1 || n > sim.count {
				return nil, fmt.Errorf("--simulate-faults %q: want device=fault with device in 1..%d", part, sim.count)
			}
			fault, err := sensorsim.ParseFault(name)
			if err != nil {
				return nil, err
			}
			faults[n] = fault
		}
	}
	specs := make([]sensorsim.Spec, sim.count)
	for i := range specs {
		spec := sensorsim.Spec{Name: fmt.Sprintf("sim-%d", i+1), Fault: faults[i+1], Onset: sim.onset, Interval: sim.interval}
		if i < len(sim.csvFiles) {
			source, err := sensorsim.LoadCSV(sim.csvFiles[i])
			if err != nil {
				return nil, err
			}
			spec.Kind, spec.Source = "nab-replay", source
		} else {
			spec.Kind, spec.Source = types.KindWeather, sensorsim.NewDailyCycle(15, 8, 0.3, sim.dayLength, uint64(i+1))
		}
		specs[i] = spec
	}
	return specs, nil
}

func deviceKeyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "device-key [file]",
		Short: "Create a sensor device key file (or show the public key of an existing one)",
		Long: `device-key writes a new ed25519 device key to FILE (mode 0600) unless it exists, and prints its
public key. Register the device with: thalamusd tx sensors register-device KIND --device-key FILE ...`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := devicekey.LoadOrGenerate(args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(key.Public().(ed25519.PublicKey)))
			return err
		},
	}
}
