// Package agent is the GPU provider's daemon: it keeps the provider's GPUs registered and
// answering proof-of-work challenges, and fulfils their workload leases (manifests from
// tenants, workloads run by a runtime, confirmation and status on chain).
package agent

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/pkg/gpu"
	"github.com/thalamus-network/thalamus/pkg/pow"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// GPUConfig is what `thalamus-agent gpu` runs with.
type GPUConfig struct {
	// StateDir keeps the agent's identity across restarts (simulated GPU UUIDs).
	StateDir string
	// SimulateGPUs > 0 registers that many simulated GPUs of Class, worked by the CPU backend.
	SimulateGPUs int
	Class        string
	// ClassOverride sets the class of real GPUs instead of deriving it from the PCI device id.
	ClassOverride string
	// Provider registration, used when the key is not a provider yet (empty Collateral: don't).
	Moniker, Endpoint, Region, Collateral string
	// OfferPrice opens an offer for all GPUs of Class at this price per GPU-hour when the
	// provider has none (empty: don't).
	OfferPrice    string
	OfferMaxHours uint32
	// Pricing, when set, opens the offer at the market's price within its bounds and reprices
	// it once per reward epoch (OfferPrice is then ignored).
	Pricing *Pricing
	// WorkSeconds caps the time spent on one challenge.
	WorkSeconds float64
	// Backends gives each GPU's proof-of-work backend (by NVML UUID); nil: one CPU core per
	// GPU, as simulated GPUs are worked.
	Backends interface {
		For(gpuUUID string) (pow.Backend, error)
	}
	// Tamper, when set, rewrites the winners of every answer (tried nonces, challenge id given).
	// Only devnet builds set it, to run a cheating provider the validators must catch
	// (cmd/thalamus-agent/faults_devnet.go).
	Tamper func(winners []pow.Winner, tried, challenge uint64) []pow.Winner
	// BlockTime is the expected block time, to turn a deadline height into a time budget
	// (0: the chain's measured median, refreshed every minute).
	BlockTime time.Duration
	Poll      time.Duration
}

// GPUAgent keeps a provider's GPUs registered and answers their challenges.
type GPUAgent struct {
	chain   *chainclient.Chain
	cfg     GPUConfig
	log     *slog.Logger
	metrics *Metrics
	uuids   map[string]bool // the GPUs this agent works
	source  gpu.Source      // NVML when real GPUs are worked, nil when simulated
	index   map[string]int  // NVML index by UUID
	params  types.Params
	pricing pricingState
	meter   Meter // the market sampled during this reward epoch

	blockTime  time.Duration // measured (BlockTime 0), with when
	measuredAt time.Time

	// The latest height and when this agent first saw it (the block came at most a poll
	// earlier): a challenge's time left counts from its block, not from the poll that finds it.
	height   int64
	heightAt time.Time

	mu       sync.Mutex
	xids     map[string]uint32      // XID critical errors seen per GPU
	working  map[uint64]int64       // deadline heights of the challenges being solved
	done     []*types.MsgSubmitWork // solved, waiting to be sent
	answered chan struct{}          // a solver finished: send now rather than at the next poll
}

// NewGPUAgent prepares an agent; Run does the work.
func NewGPUAgent(chain *chainclient.Chain, cfg GPUConfig, log *slog.Logger, metrics *Metrics) *GPUAgent {
	return &GPUAgent{chain: chain, cfg: cfg, log: log, metrics: metrics, uuids: map[string]bool{}, index: map[string]int{}, xids: map[string]uint32{}, working: map[uint64]int64{}, answered: make(chan struct{}, 1)}
}

// Run registers what is missing and then answers challenges until ctx ends.
func (a *GPUAgent) Run(ctx context.Context) error {
	q := types.NewQueryClient(a.chain.Conn())
	params, err := q.Params(ctx, &types.QueryParamsRequest{})
	if err != nil {
		return fmt.Errorf("query x/compute params: %w", err)
	}
	a.params = params.Params
	found, err := a.discover() // first, so a machine without GPUs changes nothing on chain
	if err != nil {
		return err
	}
	if err := a.ensureProvider(ctx, q); err != nil {
		return err
	}
	if err := a.ensureGPUs(ctx, q, found); err != nil {
		return err
	}
	if a.source != nil {
		defer func() { _ = a.source.Close() }()
		if err := a.watchXIDs(ctx); err != nil {
			return err
		}
	}
	if err := a.loadPricingState(); err != nil {
		return fmt.Errorf("read the pricing state: %w", err)
	}
	if err := a.ensureOffer(ctx, q); err != nil {
		return err
	}
	a.metrics.GPUs.Set(float64(len(a.uuids)))
	a.log.Info("answering proof-of-work challenges", "provider", a.chain.Address, "gpus", len(a.uuids), "class", a.cfg.Class,
		"challenge_interval", a.params.ChallengeInterval, "window", a.params.ChallengeWindow)
	var solvers sync.WaitGroup
	defer solvers.Wait()
	ticker := time.NewTicker(a.cfg.Poll)
	defer ticker.Stop()
	for {
		if err := a.round(ctx, q, &solvers); err != nil && ctx.Err() == nil {
			a.log.Warn("round failed; retrying", "err", err)
		}
		if err := a.reprice(ctx, q); err != nil && ctx.Err() == nil {
			a.log.Warn("repricing failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			a.log.Info("stopping")
			return nil
		case <-ticker.C:
		case <-a.answered:
		}
	}
}

// round starts solvers for new open challenges and sends the finished answers in one tx.
func (a *GPUAgent) round(ctx context.Context, q types.QueryClient, solvers *sync.WaitGroup) error {
	height, err := a.chain.Height(ctx)
	if err != nil {
		return err
	}
	a.metrics.Height.Set(float64(height))
	if height != a.height {
		at := time.Now()
		if a.height == 0 { // the first height seen may have come a block before
			at = at.Add(-a.blockDuration(ctx))
		}
		a.height, a.heightAt = height, at
	}
	open, err := q.ChallengesByProvider(ctx, &types.QueryChallengesByProviderRequest{
		Provider: a.chain.Address, State: types.CHALLENGE_STATE_OPEN, Pagination: &query.PageRequest{Limit: 1000},
	})
	if err != nil {
		return err
	}
	for _, c := range open.Challenges {
		a.mu.Lock()
		_, busy := a.working[c.Id]
		a.mu.Unlock()
		if busy || !a.uuids[c.GpuUuid] || c.DeadlineHeight < height {
			continue
		}
		budget := solveBudget(time.Duration(a.cfg.WorkSeconds*float64(time.Second)), a.blockDuration(ctx), a.cfg.Poll,
			c.DeadlineHeight-height, time.Since(a.heightAt))
		if budget <= 0 {
			continue
		}
		a.mu.Lock()
		a.working[c.Id] = c.DeadlineHeight
		a.mu.Unlock()
		solvers.Add(1)
		go func(c types.Challenge) {
			defer solvers.Done()
			a.solve(ctx, c, budget)
		}(c)
	}
	// One late answer would fail the whole transaction, so answers past their window stay home.
	a.mu.Lock()
	var batch []*types.MsgSubmitWork
	for _, m := range a.done {
		if a.working[m.ChallengeId] > height {
			batch = append(batch, m)
			continue
		}
		a.log.Warn("answer finished too late for its window; dropped", "challenge", m.ChallengeId, "deadline", a.working[m.ChallengeId], "height", height)
		delete(a.working, m.ChallengeId)
		a.metrics.Failed.Inc()
	}
	a.done = nil
	a.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	msgs := make([]sdk.Msg, len(batch))
	for i, m := range batch {
		msgs[i] = m
	}
	h, hash, err := a.chain.Send(ctx, msgs...)
	for _, m := range batch {
		a.mu.Lock()
		delete(a.working, m.ChallengeId)
		a.mu.Unlock()
	}
	if err != nil {
		a.metrics.Failed.Add(float64(len(batch)))
		return err
	}
	a.metrics.Answered.Add(float64(len(batch)))
	for _, m := range batch {
		a.log.Info("work submitted", "challenge", m.ChallengeId, "winners", len(m.Winners), "nonces", m.NoncesTried, "height", h, "tx", hash)
	}
	return nil
}

// blockDuration is what a block is worth in time: GPUConfig.BlockTime when set, else the
// chain's median block interval, measured at most once a minute. Until it can be measured,
// one second: on a slower chain that budgets less work than the window allows, never a late
// answer.
func (a *GPUAgent) blockDuration(ctx context.Context) time.Duration {
	if a.cfg.BlockTime > 0 {
		return a.cfg.BlockTime
	}
	if a.blockTime > 0 && time.Since(a.measuredAt) < time.Minute {
		return a.blockTime
	}
	d, err := a.chain.BlockTime(ctx)
	switch {
	case err != nil && a.blockTime > 0:
		return a.blockTime
	case err != nil:
		a.log.Warn("cannot measure the block time yet; budgeting 1 s a block", "err", err)
		return time.Second
	}
	if a.blockTime == 0 {
		a.log.Info("block time measured", "median", d)
	}
	a.blockTime, a.measuredAt = d, time.Now()
	return d
}

// solve searches one challenge for up to budget and queues the answer.
func (a *GPUAgent) solve(ctx context.Context, c types.Challenge, budget time.Duration) {
	params, err := pow.Preset(c.Preset)
	if err != nil {
		a.log.Error("challenge names an unknown preset; upgrade the agent", "challenge", c.Id, "preset", c.Preset)
		return
	}
	task := pow.Task{Params: params, Seed: pow.Seed(c.Seed), TableSeed: pow.Seed(c.TableSeed)}
	sampling := a.sampleTelemetry(ctx, c.GpuUuid)
	backend, err := a.backend(c.GpuUuid)
	if err != nil {
		a.log.Error("no proof-of-work backend for the GPU", "challenge", c.Id, "gpu", c.GpuUuid, "err", err)
		return
	}
	// A submission lists at most max_winners: once found, searching on earns nothing.
	solveCtx, enough := context.WithCancel(ctx)
	defer enough()
	res, err := pow.Solve(solveCtx, backend, task, budget, func(_ uint64, winners int, _ time.Duration) {
		if a.params.MaxWinners > 0 && winners >= int(a.params.MaxWinners) {
			enough()
		}
	})
	telemetry := sampling()
	if err != nil {
		a.log.Error("solve failed", "challenge", c.Id, "err", err)
		return
	}
	// A wrong winner is a fraud verdict against this provider: recompute one on the CPU
	// before answering with a GPU's work (a missed challenge only costs downtime).
	if _, onCPU := backend.(*pow.CPU); !onCPU && len(res.Winners) > 0 {
		w := res.Winners[int(c.Id%uint64(len(res.Winners)))]
		if err := task.Verify(w); err != nil {
			a.log.Error("the GPU's answer differs from the reference; not submitting it (check the driver and the GPU)",
				"challenge", c.Id, "gpu", c.GpuUuid, "backend", backend.Name(), "err", err)
			return
		}
	}
	msg := &types.MsgSubmitWork{
		Provider: a.chain.Address, ChallengeId: c.Id, NoncesTried: res.NoncesTried, Telemetry: telemetry,
	}
	if a.cfg.Tamper != nil {
		res.Winners = a.cfg.Tamper(res.Winners, res.NoncesTried, c.Id)
		a.log.Warn("cheating: the answer's winners were tampered with (devnet build)", "challenge", c.Id)
	}
	for _, w := range res.Winners {
		if len(msg.Winners) == int(a.params.MaxWinners) {
			msg.NoncesTried = w.Nonce // claim only the nonces the listed winners cover
			break
		}
		msg.Winners = append(msg.Winners, types.PowWinner{Nonce: w.Nonce, Digest: w.Digest})
	}
	a.metrics.Nonces.Add(float64(msg.NoncesTried))
	a.metrics.Winners.Add(float64(len(msg.Winners)))
	a.metrics.SolveSeconds.Observe(res.Seconds)
	a.log.Info("challenge solved", "challenge", c.Id, "gpu", c.GpuId, "preset", c.Preset, "winners", len(msg.Winners),
		"expected", c.ExpectedWinners, "nonces_per_s", int(float64(res.NoncesTried)/res.Seconds))
	a.mu.Lock()
	a.done = append(a.done, msg)
	a.mu.Unlock()
	select {
	case a.answered <- struct{}{}:
	default: // a send is already due
	}
}

// broadcastTime is what an answer needs from the end of its search to the node's mempool:
// simulating, signing and broadcasting its transaction.
const broadcastTime = time.Second

// solveBudget is how long a challenge may be searched: at most work, and no later than the
// answer can still be broadcast before the deadline's own block, which includes it.
// blocksLeft is the deadline height less the latest height, first seen sinceSeen ago; that
// block may have come a poll before it was seen.
func solveBudget(work, block, poll time.Duration, blocksLeft int64, sinceSeen time.Duration) time.Duration {
	left := time.Duration(blocksLeft-1)*block - sinceSeen - poll - broadcastTime
	return min(work, left)
}

func (a *GPUAgent) ensureProvider(ctx context.Context, q types.QueryClient) error {
	_, err := q.Provider(ctx, &types.QueryProviderRequest{Address: a.chain.Address})
	if err == nil {
		return nil
	}
	if a.cfg.Collateral == "" {
		return fmt.Errorf("%s is not a registered provider (%w): register it or pass --collateral", a.chain.Address, err)
	}
	collateral, err := sdk.ParseCoinNormalized(a.cfg.Collateral)
	if err != nil {
		return err
	}
	h, _, err := a.chain.Send(ctx, &types.MsgRegisterProvider{
		Owner: a.chain.Address, Moniker: a.cfg.Moniker, Endpoint: a.cfg.Endpoint, Region: a.cfg.Region, Collateral: collateral,
	})
	if err != nil {
		return fmt.Errorf("register provider: %w", err)
	}
	a.log.Info("registered provider", "address", a.chain.Address, "collateral", collateral, "height", h)
	return nil
}

// discover lists the GPUs to work: simulated ones (UUIDs kept in the state dir so a restarted
// agent keeps working the same GPUs), or the machine's GPUs through NVML.
func (a *GPUAgent) discover() ([]*types.MsgRegisterGPU, error) {
	if a.cfg.SimulateGPUs > 0 {
		uuids, err := loadOrCreateUUIDs(filepath.Join(a.cfg.StateDir, "simulated-gpus.json"), a.cfg.SimulateGPUs)
		if err != nil {
			return nil, err
		}
		out := make([]*types.MsgRegisterGPU, len(uuids))
		for i, u := range uuids {
			out[i] = &types.MsgRegisterGPU{
				Provider: a.chain.Address, Uuid: u, Model: "Simulated GPU (CPU backend)", Class: a.cfg.Class,
				MemoryMib: 1024, DriverVersion: "0.0", CudaVersion: "0.0",
			}
		}
		return out, nil
	}
	src, err := gpu.Open()
	if errors.Is(err, gpu.ErrNoDriver) {
		return nil, fmt.Errorf("%w; on a machine without GPUs run with --backend cpu --simulate-gpus N", err)
	} else if err != nil {
		return nil, err
	}
	devices, err := src.Devices()
	if err != nil {
		return nil, errors.Join(err, src.Close())
	}
	a.source = src
	out := make([]*types.MsgRegisterGPU, len(devices))
	for i, d := range devices {
		class := a.cfg.ClassOverride
		if class == "" {
			if class, err = gpu.ClassOf(d); err != nil {
				return nil, err
			}
		}
		a.index[strings.ToLower(d.UUID)] = d.Index
		out[i] = &types.MsgRegisterGPU{
			Provider: a.chain.Address, Uuid: strings.ToLower(d.UUID), Model: d.Name, Class: class, MemoryMib: d.MemoryMiB,
			PciDeviceId: d.PCIDeviceID, DriverVersion: d.DriverVersion, CudaVersion: d.CUDAVersion,
		}
	}
	a.log.Warn("this build has no CUDA proof-of-work backend: real GPUs answer challenges with the CPU backend and will score low",
		"gpus", len(devices))
	return out, nil
}

// ensureGPUs registers the GPUs that are not on chain yet.
func (a *GPUAgent) ensureGPUs(ctx context.Context, q types.QueryClient, found []*types.MsgRegisterGPU) error {
	registered := map[string]bool{}
	resp, err := q.GPUs(ctx, &types.QueryGPUsRequest{Provider: a.chain.Address, Pagination: &query.PageRequest{Limit: 10_000}})
	if err != nil {
		return err
	}
	for _, g := range resp.Gpus {
		registered[g.Uuid] = true
	}
	var msgs []sdk.Msg
	for _, m := range found {
		a.uuids[m.Uuid] = true
		if !registered[m.Uuid] {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	h, _, err := a.chain.Send(ctx, msgs...)
	if err != nil {
		return fmt.Errorf("register GPUs: %w", err)
	}
	a.log.Info("registered GPUs", "count", len(msgs), "simulated", a.source == nil, "height", h)
	return nil
}

func (a *GPUAgent) ensureOffer(ctx context.Context, q types.QueryClient) error {
	if a.cfg.OfferPrice == "" && a.cfg.Pricing == nil {
		return nil
	}
	offers, err := q.OffersByClass(ctx, &types.QueryOffersByClassRequest{Class: a.cfg.Class, Pagination: &query.PageRequest{Limit: 10_000}})
	if err != nil {
		return err
	}
	for _, o := range offers.Offers {
		if o.Provider == a.chain.Address {
			return nil
		}
	}
	price, err := a.offerPrice(ctx, q)
	if err != nil {
		return err
	}
	h, _, err := a.chain.Send(ctx, &types.MsgCreateOffer{
		Provider: a.chain.Address, Class: a.cfg.Class, PricePerGpuHour: price, MinLeaseHours: 1,
		MaxLeaseHours: a.cfg.OfferMaxHours, Gpus: uint32(len(a.uuids)),
	})
	if errors.Is(err, types.ErrOfferExists) { // all its GPUs leased: the class index omits it
		a.log.Info("the provider's offer is open, its GPUs all leased", "class", a.cfg.Class)
		return nil
	}
	if err != nil {
		return fmt.Errorf("create offer: %w", err)
	}
	a.log.Info("opened offer", "class", a.cfg.Class, "price_per_gpu_hour", price, "gpus", len(a.uuids), "height", h)
	return nil
}

// offerPrice is the price a new offer opens at: --offer-price, or the market's under auto-pricing.
func (a *GPUAgent) offerPrice(ctx context.Context, q types.QueryClient) (sdk.Coin, error) {
	if a.cfg.Pricing == nil {
		return sdk.ParseCoinNormalized(a.cfg.OfferPrice)
	}
	p, err := a.initialPrice(ctx, q)
	return sdk.NewCoin(a.params.MinProviderCollateral.Denom, math.NewIntFromUint64(p)), err
}

// loadOrCreateUUIDs reads the simulated GPUs' UUIDs, adding fresh random ones up to n.
func loadOrCreateUUIDs(path string, n int) ([]string, error) {
	var uuids []string
	if bz, err := os.ReadFile(path); err == nil { //nolint:gosec // the agent's own state file
		if err := json.Unmarshal(bz, &uuids); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if len(uuids) >= n {
		return uuids[:n], nil
	}
	for len(uuids) < n {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		uuids = append(uuids, types.FormatGPUUUID(b))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	bz, err := json.MarshalIndent(uuids, "", "  ")
	if err != nil {
		return nil, err
	}
	return uuids, os.WriteFile(path, bz, 0o600)
}

// sampleTelemetry samples a real GPU once a second until the returned function is called,
// which returns the window's summary; simulated GPUs report themselves as such.
func (a *GPUAgent) sampleTelemetry(ctx context.Context, uuid string) func() types.Telemetry {
	idx, ok := a.index[uuid]
	if a.source == nil || !ok {
		return func() types.Telemetry { return types.Telemetry{GpuUtilizationPct: 100, Simulated: true} }
	}
	a.mu.Lock()
	xidsBefore := a.xids[uuid]
	a.mu.Unlock()
	stop := make(chan struct{})
	done := make(chan gpu.Summary)
	go func() {
		var samples []gpu.Sample
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			if s, err := a.source.Sample(idx); err == nil {
				samples = append(samples, s)
			}
			select {
			case <-stop:
				done <- gpu.Summarize(samples)
				return
			case <-ctx.Done():
				done <- gpu.Summarize(samples)
				return
			case <-tick.C:
			}
		}
	}()
	return func() types.Telemetry {
		close(stop)
		s := <-done
		a.mu.Lock()
		xids := a.xids[uuid] - xidsBefore
		a.mu.Unlock()
		return types.Telemetry{
			XidEvents:         xids,
			GpuUtilizationPct: min(s.MeanUtilizationPct, 100), PowerMw: s.MeanPowerMW, SmClockMhz: s.MeanSMClockMHz,
			EnergyMj: s.EnergyMJ, MaxTemperatureC: min(s.MaxTemperatureC, 200),
		}
	}
}

// watchXIDs counts the GPUs' XID critical errors, reported with each challenge's telemetry.
func (a *GPUAgent) watchXIDs(ctx context.Context) error {
	events, err := a.source.WatchXIDs(ctx)
	if err != nil {
		return err
	}
	go func() {
		for e := range events {
			uuid := strings.ToLower(e.UUID)
			a.log.Warn("GPU reported an XID error", "gpu", uuid, "xid", e.Code)
			a.mu.Lock()
			a.xids[uuid]++
			a.mu.Unlock()
		}
	}()
	return nil
}

// backend is the GPU's proof-of-work backend. A simulated GPU is one CPU core, so several
// simulated GPUs share the machine fairly.
func (a *GPUAgent) backend(gpuUUID string) (pow.Backend, error) {
	if a.cfg.Backends == nil || a.cfg.SimulateGPUs > 0 {
		return &pow.CPU{Workers: 1}, nil
	}
	return a.cfg.Backends.For(gpuUUID)
}
