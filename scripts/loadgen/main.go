// Command loadgen sends a bounded, fixed-rate load of Thalamus transactions to a devnet node
// and accounts for every one of them. scripts/chaos.sh runs it while it kills, stops and
// restarts validators, sidecars and agents.
//
// The load:
//   - sensor batches: a sensor gateway in this process, as a fresh key funded by --fund-from,
//     with --devices simulated stations posting a reading every --reading-interval; each
//     device's batch is sealed every --batch-interval and committed with commit-batch;
//   - leases: every --lease-interval the --tenant key either creates a one-GPU lease of
//     --class or closes the lease it holds.
//
// With --flood it instead measures throughput: --flood-accounts fresh accounts each broadcast
// --flood-txs pre-signed send, commit-batch, gateway-batches, create-lease or submit-work transactions at once,
// and it prints the committed transactions per second and the block time under that load.
// create-lease and submit-work need GPUs with offers and open challenges, which
// --bench-genesis GENESIS adds to a genesis file before the chain starts (devnet testnet
// --genesis-hook), for --flood-rounds rounds.
//
// Every transaction ends in one bucket: committed, failed in its block (the chain's reason is
// reported), refused by CheckTx (reason reported), not broadcast (the node was unreachable),
// or lost: accepted by CheckTx and never found in a block. At the end loadgen looks up every
// accepted but unconfirmed hash again, prints the table, writes it to --report as JSON, and
// exits 1 if any transaction was lost.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/thalamus-network/thalamus/app"
	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/internal/gateway"
	"github.com/thalamus-network/thalamus/internal/sensorsim"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

type config struct {
	node, home, fundFrom, tenant, class, listen, stateDir, report string
	devices                                                       int
	readingInterval, batchInterval, leaseInterval, duration       time.Duration
}

func main() {
	var cfg config
	home, _ := os.UserHomeDir()
	flag.StringVar(&cfg.node, "node", "tcp://127.0.0.1:26657", "CometBFT RPC of the node to load")
	flag.StringVar(&cfg.home, "home", filepath.Join(home, ".thalamus-testnet", "node0"), "directory holding the test keyring with --fund-from and --tenant")
	flag.StringVar(&cfg.fundFrom, "fund-from", "alice", "key that funds the load generator's own key")
	flag.StringVar(&cfg.tenant, "tenant", "tenant", "key that creates and closes leases")
	flag.StringVar(&cfg.class, "class", "CPU-DEV", "GPU class to lease")
	flag.StringVar(&cfg.listen, "listen", "127.0.0.1:8190", "address of the load generator's sensor gateway (batch URIs point here)")
	flag.StringVar(&cfg.stateDir, "state-dir", filepath.Join(home, ".thalamus-testnet", "loadgen"), "gateway state and device keys")
	flag.StringVar(&cfg.report, "report", "", "write the final accounting here as JSON")
	flag.IntVar(&cfg.devices, "devices", 6, "simulated sensor devices")
	flag.DurationVar(&cfg.readingInterval, "reading-interval", 200*time.Millisecond, "time between a device's readings")
	flag.DurationVar(&cfg.batchInterval, "batch-interval", 5*time.Second, "seal each device's batch this often")
	flag.DurationVar(&cfg.leaseInterval, "lease-interval", 3*time.Second, "create or close a lease this often")
	flag.DurationVar(&cfg.duration, "duration", 0, "stop after this long (0: on SIGINT or SIGTERM)")
	var fc floodConfig
	flag.StringVar(&fc.kind, "flood", "", "instead: a throughput run of send, commit-batch, gateway-batches (20 batches a transaction), create-lease or submit-work transactions (scripts/bench.sh)")
	benchGenesis := flag.String("bench-genesis", "", "instead: add to this genesis file the GPUs, offers and challenges the create-lease and submit-work floods need")
	rounds := flag.Int("flood-rounds", 3, "bench-genesis: how many rounds of each flood to prepare for")
	flag.IntVar(&fc.accounts, "flood-accounts", 100, "flood: sending accounts")
	flag.IntVar(&fc.txs, "flood-txs", 20, "flood: transactions each account sends")
	flag.IntVar(&fc.round, "flood-round", 1, "flood: repeat runs on one chain with different round numbers (fresh accounts each)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "loadgen: fixed-rate commit-batch and lease load, with every transaction accounted for\n\nUsage: loadgen [flags]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *benchGenesis != "" {
		if err := writeBenchGenesis(*benchGenesis, cfg.class, fc, *rounds); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		return
	}

	os.Exit(loadgen(cfg, fc))
}

// loadgen runs and returns the exit code: 1 when it failed or lost a transaction.
func loadgen(cfg config, fc floodConfig) int {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	if fc.kind != "" {
		if err := flood(ctx, cfg, fc, logger); err != nil {
			logger.Error("flood failed", "err", err)
			return 1
		}
		return 0
	}
	t := newTracker()
	runErr := run(ctx, cfg, t, logger)
	lost, err := t.finish(context.Background(), cfg, logger)
	if err == nil && cfg.report != "" {
		err = t.writeReport(cfg.report)
	}
	if err = errors.Join(runErr, err); err != nil {
		logger.Error("loadgen failed", "err", err)
		return 1
	}
	if lost > 0 {
		logger.Error("transactions lost", "lost", lost)
		return 1
	}
	return 0
}

const loadKey = "loadgen"

// run funds the load key and drives both loads until ctx ends.
func run(ctx context.Context, cfg config, t *tracker, logger *slog.Logger) error {
	addr, err := ensureKey(cfg.node, cfg.home, loadKey)
	if err != nil {
		return err
	}
	dial := func(from string) (*chainclient.Chain, error) {
		c, err := chainclient.Dial(ctx, chainclient.ChainConfig{Node: cfg.node, KeyringDir: cfg.home, KeyringBackend: keyring.BackendTest, From: from})
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", from, err)
		}
		c.Observe(t.record)
		return c, nil
	}
	funder, err := dial(cfg.fundFrom)
	if err != nil {
		return err
	}
	funds := sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 1_000_000_000_000))
	if _, _, err := funder.Send(ctx, banktypes.NewMsgSend(sdk.MustAccAddressFromBech32(funder.Address), addr, funds)); err != nil {
		return fmt.Errorf("fund %s: %w", loadKey, err)
	}
	sensors, err := dial(loadKey)
	if err != nil {
		return err
	}
	tenant, err := dial(cfg.tenant)
	if err != nil {
		return err
	}
	logger.Info("load started", "devices", cfg.devices, "batch_interval", cfg.batchInterval, "lease_interval", cfg.leaseInterval)

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		leaseLoad(ctx, tenant, cfg, logger)
	}()
	go func() {
		defer wg.Done()
		t.progress(ctx, logger)
	}()
	gw := gateway.DefaultConfig()
	gw.StateDir, gw.BatchInterval, gw.MaxMsgsPerTx = cfg.stateDir, cfg.batchInterval, cfg.devices
	specs := make([]sensorsim.Spec, cfg.devices)
	for i := range specs {
		specs[i] = sensorsim.Spec{Name: fmt.Sprintf("load-%d", i+1), Kind: sensorstypes.KindWeather,
			Source: sensorsim.NewDailyCycle(15, 8, 0.3, 600, uint64(i+1)), Interval: cfg.readingInterval}
	}
	err = gateway.Run(ctx, sensors, gw, cfg.listen, gateway.SimDevices{Specs: specs, Interval: cfg.readingInterval},
		logger.With("load", "sensors"))
	wg.Wait()
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = nil
	}
	return err
}

// ensureKey returns the address of key name in home's test keyring, creating the key first.
func ensureKey(node, home, name string) (sdk.AccAddress, error) {
	qctx, err := chainclient.QueryContext(node)
	if err != nil {
		return nil, err
	}
	kr, err := keyring.New(sdk.KeyringServiceName(), keyring.BackendTest, home, nil, qctx.Codec)
	if err != nil {
		return nil, err
	}
	rec, err := kr.Key(name)
	if err != nil {
		if rec, _, err = kr.NewMnemonic(name, keyring.English, sdk.FullFundraiserPath, keyring.DefaultBIP39Passphrase, hd.Secp256k1); err != nil {
			return nil, err
		}
	}
	return rec.GetAddress()
}

// leaseLoad alternates, every interval, between leasing one GPU and closing the lease held.
func leaseLoad(ctx context.Context, tenant *chainclient.Chain, cfg config, logger *slog.Logger) {
	q := computetypes.NewQueryClient(tenant.Conn())
	tick := time.NewTicker(cfg.leaseInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		resp, err := q.LeasesByTenant(ctx, &computetypes.QueryLeasesByTenantRequest{Tenant: tenant.Address, State: computetypes.LEASE_STATE_ACTIVE})
		if err != nil {
			logger.Warn("query leases", "err", err)
			continue
		}
		var msg sdk.Msg
		if len(resp.Leases) > 0 {
			msg = &computetypes.MsgCloseLease{Sender: tenant.Address, LeaseId: resp.Leases[0].Id, Reason: computetypes.LEASE_CLOSE_REASON_TENANT_DONE}
		} else {
			msg = &computetypes.MsgCreateLease{Tenant: tenant.Address, Class: cfg.class, Gpus: 1, Hours: 1,
				Deposit: sdk.NewInt64Coin(app.BondDenom, 1_000_000)}
		}
		sendCtx, cancel := context.WithTimeout(ctx, time.Minute)
		_, _, _ = tenant.Send(sendCtx, msg) // the tracker records the outcome
		cancel()
	}
}

// outcome buckets.
const (
	committed    = "committed"
	failed       = "failed in block"
	refused      = "refused by CheckTx"
	notSent      = "not broadcast"
	lostTx       = "lost"
	maxReasons   = 5
	reasonLength = 160
)

// tracker accounts for every transaction by message type and outcome.
type tracker struct {
	mu          sync.Mutex
	counts      map[string]map[string]int // msg type -> bucket -> count
	reasons     map[string]map[string]int // bucket: reason -> count
	unconfirmed map[string]string         // hash -> msg type
}

func newTracker() *tracker {
	return &tracker{counts: map[string]map[string]int{}, reasons: map[string]map[string]int{}, unconfirmed: map[string]string{}}
}

func msgType(msgs []sdk.Msg) string {
	if len(msgs) == 0 {
		return "empty"
	}
	name := sdk.MsgTypeURL(msgs[0])
	return name[strings.LastIndexByte(name, '.')+1:]
}

func (t *tracker) record(o chainclient.TxOutcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	kind := msgType(o.Msgs)
	var txErr *chainclient.TxError
	switch {
	case o.Err == nil:
		t.add(kind, committed, "")
	case errors.As(o.Err, &txErr) && txErr.Height > 0:
		t.add(kind, failed, txErr.Log)
	case errors.As(o.Err, &txErr):
		t.add(kind, refused, txErr.Log)
	case o.Hash == "":
		t.add(kind, notSent, o.Err.Error())
	default: // accepted by CheckTx, not seen in a block before Send gave up
		t.unconfirmed[o.Hash] = kind
	}
}

func (t *tracker) add(kind, bucket, reason string) {
	if t.counts[kind] == nil {
		t.counts[kind] = map[string]int{}
	}
	t.counts[kind][bucket]++
	if reason == "" {
		return
	}
	if len(reason) > reasonLength {
		reason = reason[:reasonLength] + "…"
	}
	if t.reasons[bucket] == nil {
		t.reasons[bucket] = map[string]int{}
	}
	t.reasons[bucket][reason]++
}

// progress logs the totals every 10 s.
func (t *tracker) progress(ctx context.Context, logger *slog.Logger) {
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		t.mu.Lock()
		args := []any{"pending", len(t.unconfirmed)}
		for _, kind := range slices.Sorted(maps.Keys(t.counts)) {
			args = append(args, kind, fmt.Sprintf("%d ok/%d failed/%d refused", t.counts[kind][committed], t.counts[kind][failed], t.counts[kind][refused]))
		}
		t.mu.Unlock()
		logger.Info("load", args...)
	}
}

// finish looks every unconfirmed hash up again for up to a minute, then counts the rest as
// lost, prints the table and returns the number lost.
func (t *tracker) finish(ctx context.Context, cfg config, logger *slog.Logger) (int, error) {
	qctx, err := chainclient.QueryContext(cfg.node)
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(time.Minute)
	for len(t.unconfirmed) > 0 && time.Now().Before(deadline) {
		for hash, kind := range t.unconfirmed {
			bz, err := hex.DecodeString(hash)
			if err != nil {
				return 0, err
			}
			r, err := qctx.Client.Tx(ctx, bz, false)
			if err != nil {
				continue
			}
			if r.TxResult.Code == 0 {
				t.add(kind, committed, "")
			} else {
				t.add(kind, failed, r.TxResult.Log)
			}
			delete(t.unconfirmed, hash)
		}
		if len(t.unconfirmed) > 0 {
			time.Sleep(2 * time.Second)
		}
	}
	for hash, kind := range t.unconfirmed {
		t.add(kind, lostTx, "tx "+hash)
	}
	lost := len(t.unconfirmed)
	t.print()
	if lost > 0 {
		logger.Error("accepted by CheckTx but never committed", "count", lost)
	}
	return lost, nil
}

func (t *tracker) print() {
	buckets := []string{committed, failed, refused, notSent, lostTx}
	fmt.Printf("\n%-16s", "message")
	for _, b := range buckets {
		fmt.Printf(" %18s", b)
	}
	fmt.Println()
	total := map[string]int{}
	for _, kind := range slices.Sorted(maps.Keys(t.counts)) {
		fmt.Printf("%-16s", kind)
		for _, b := range buckets {
			fmt.Printf(" %18d", t.counts[kind][b])
			total[b] += t.counts[kind][b]
		}
		fmt.Println()
	}
	fmt.Printf("%-16s", "total")
	for _, b := range buckets {
		fmt.Printf(" %18d", total[b])
	}
	fmt.Println()
	for _, b := range buckets {
		reasons := t.reasons[b]
		if len(reasons) == 0 {
			continue
		}
		keys := slices.Sorted(maps.Keys(reasons))
		sort.SliceStable(keys, func(i, j int) bool { return reasons[keys[i]] > reasons[keys[j]] })
		fmt.Printf("%s, by reason:\n", b)
		for i, r := range keys {
			if i == maxReasons {
				fmt.Printf("  … %d more reasons\n", len(keys)-maxReasons)
				break
			}
			fmt.Printf("  %5d  %s\n", reasons[r], r)
		}
	}
}

func (t *tracker) writeReport(path string) error {
	bz, err := json.MarshalIndent(map[string]any{"counts": t.counts, "reasons": t.reasons}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, bz, 0o644)
}
