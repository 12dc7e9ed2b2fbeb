package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/internal/atomicfile"
	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/internal/ratelimit"
	"github.com/thalamus-network/thalamus/internal/runtime"
	"github.com/thalamus-network/thalamus/pkg/workload"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// LeaseConfig says how the provider agent fulfils leases that carry a workload manifest.
type LeaseConfig struct {
	// Runtime runs workloads; nil refuses manifests (the agent still answers challenges).
	Runtime runtime.Runtime
	// StateDir keeps the delivered manifests, so a restarted agent starts them again.
	StateDir string
	// PublicHost is the host name tenants reach the published ports at.
	PublicHost string
	// PortLow and PortHigh bound the host ports workloads are published on.
	PortLow, PortHigh int
	Poll              time.Duration
	// StopTimeout is how long a stopping workload has before it is killed.
	StopTimeout time.Duration
	// PerGPU are the most CPUs and memory a workload gets per leased GPU; a manifest asking
	// for more is refused. MaxPids caps a workload's processes.
	PerGPU  runtime.PerGPU
	MaxPids int64
	// SimulatedGPUs: the provider's GPUs are simulated (--simulate-gpus), so workloads get
	// no device from the engine.
	SimulatedGPUs bool
}

// fulfilment is one supervised workload.
type fulfilment struct {
	spec      runtime.Spec
	manifest  []byte // as delivered: its hash is what confirm-lease echoes
	sup       *runtime.Supervisor
	cancel    context.CancelFunc
	done      chan struct{}
	confirmed bool
}

// LeaseManager starts the workload of every lease of the provider that has a delivered
// manifest, confirms it on chain once it runs, and stops it when the lease pauses or closes.
type LeaseManager struct {
	chain   *chainclient.Chain
	q       types.QueryClient
	cfg     LeaseConfig
	log     *slog.Logger
	metrics *Metrics

	mu         sync.Mutex
	deliveries map[uint64]workload.Delivery
	running    map[uint64]*fulfilment
	usedPorts  map[int]bool

	// Tenants' signed requests: each nonce once, and a bounded rate per tenant and per client.
	replays   *workload.ReplayGuard
	perTenant *ratelimit.Keyed
	perClient *ratelimit.Keyed
}

// NewLeaseManager loads the manifests delivered before a restart.
func NewLeaseManager(chain *chainclient.Chain, cfg LeaseConfig, log *slog.Logger, metrics *Metrics) (*LeaseManager, error) {
	m := &LeaseManager{
		chain: chain, q: types.NewQueryClient(chain.Conn()), cfg: cfg, log: log, metrics: metrics,
		deliveries: map[uint64]workload.Delivery{}, running: map[uint64]*fulfilment{}, usedPorts: map[int]bool{},
		replays:   workload.NewReplayGuard(100_000),
		perTenant: ratelimit.New(5, 20, 10_000, time.Minute),
		perClient: ratelimit.New(20, 50, 10_000, time.Minute),
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		var d workload.Delivery
		bz, err := os.ReadFile(filepath.Join(cfg.StateDir, e.Name()))
		if err != nil || json.Unmarshal(bz, &d) != nil {
			log.Warn("ignoring unreadable manifest file", "file", e.Name(), "err", err)
			continue
		}
		m.deliveries[d.LeaseID] = d
	}
	return m, nil
}

// Run reconciles the provider's leases with the running workloads every poll until ctx
// ends, then stops every workload.
func (m *LeaseManager) Run(ctx context.Context) {
	m.log.Info("fulfilling leases", "runtime", m.runtimeName(), "manifests", len(m.deliveries))
	ticker := time.NewTicker(m.cfg.Poll)
	defer ticker.Stop()
	for {
		if err := m.reconcile(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("lease reconcile failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			m.stopAll()
			return
		case <-ticker.C:
		}
	}
}

func (m *LeaseManager) runtimeName() string {
	if m.cfg.Runtime == nil {
		return "none"
	}
	return m.cfg.Runtime.Name()
}

// openLeases lists the provider's pending, active and paused leases.
func (m *LeaseManager) openLeases(ctx context.Context) (map[uint64]types.Lease, error) {
	out := map[uint64]types.Lease{}
	for _, state := range []types.LeaseState{types.LEASE_STATE_PENDING, types.LEASE_STATE_ACTIVE, types.LEASE_STATE_PAUSED} {
		res, err := m.q.LeasesByProvider(ctx, &types.QueryLeasesByProviderRequest{Provider: m.chain.Address, State: state})
		if err != nil {
			return nil, err
		}
		for _, l := range res.Leases {
			out[l.Id] = l
		}
	}
	return out, nil
}

// reconcile starts, confirms and stops workloads to match the leases on chain. Decisions are
// taken under mu; stopping, readiness checks and transactions run outside it, so status
// requests are never held up by them.
func (m *LeaseManager) reconcile(ctx context.Context) error {
	leases, err := m.openLeases(ctx)
	if err != nil {
		return err
	}
	var stopping, confirming []*fulfilment
	m.mu.Lock()
	for id, f := range m.running {
		if l, open := leases[id]; !open || l.State == types.LEASE_STATE_PAUSED {
			m.log.Info("lease no longer runs; stopping its workload", "lease", id, "state", l.State)
			stopping = append(stopping, f)
			delete(m.running, id)
		}
	}
	for id, d := range m.deliveries {
		l, open := leases[id]
		if !open {
			m.forget(id)
			continue
		}
		if _, running := m.running[id]; !running && l.State != types.LEASE_STATE_PAUSED && m.cfg.Runtime != nil {
			if err := m.start(ctx, l, d); err != nil {
				m.log.Warn("cannot start workload", "lease", id, "err", err)
			}
		}
		if f := m.running[id]; f != nil {
			f.confirmed = f.confirmed || l.State == types.LEASE_STATE_ACTIVE
			if l.State == types.LEASE_STATE_PENDING && !f.confirmed {
				confirming = append(confirming, f)
			}
		}
	}
	m.metrics.Workloads.Set(float64(len(m.running)))
	running := make(map[uint64]bool, len(m.running))
	for id := range m.running {
		running[id] = true
	}
	m.mu.Unlock()

	if a, ok := m.cfg.Runtime.(runtime.Adopter); ok {
		if n, err := a.Sweep(ctx, func(lease uint64) bool { return running[lease] }); err != nil {
			m.log.Warn("removing the workloads of ended leases failed; retrying", "err", err)
		} else if n > 0 {
			m.log.Info("removed the workloads of ended leases", "workloads", n)
		}
	}

	for _, f := range stopping {
		f.cancel()
		<-f.done
		m.mu.Lock()
		m.releasePorts(f.spec)
		m.mu.Unlock()
	}
	for _, f := range confirming {
		if !m.ready(f) {
			continue
		}
		if _, _, err := m.chain.Send(ctx, &types.MsgConfirmLease{Provider: m.chain.Address, LeaseId: f.spec.LeaseID, ManifestHash: workload.Hash(f.manifest)}); err != nil {
			m.log.Warn("confirm-lease failed; retrying", "lease", f.spec.LeaseID, "err", err)
			continue
		}
		m.mu.Lock()
		f.confirmed = true
		m.mu.Unlock()
		m.metrics.LeasesConfirmed.Inc()
		m.log.Info("lease confirmed running", "lease", f.spec.LeaseID, "ports", f.spec.Ports)
	}
	return nil
}

// ready reports whether a workload runs and every published port accepts connections.
func (m *LeaseManager) ready(f *fulfilment) bool {
	if f.sup.Status().State != runtime.StateRunning {
		return false
	}
	for _, port := range f.spec.Ports {
		conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 500*time.Millisecond)
		if err != nil {
			return false
		}
		_ = conn.Close()
	}
	return true
}

// start supervises a lease's workload on its GPUs.
func (m *LeaseManager) start(ctx context.Context, l types.Lease, d workload.Delivery) error {
	tenant, err := sdk.AccAddressFromBech32(l.Tenant)
	if err != nil {
		return err
	}
	manifest, err := d.Verify(m.chain.ChainID(), l.Id, tenant, l.ManifestHash, len(l.GpuIds))
	if err != nil {
		return err
	}
	spec, err := m.admit(l, manifest)
	if err != nil {
		return err
	}
	for _, id := range l.GpuIds {
		res, err := m.q.GPU(ctx, &types.QueryGPURequest{Id: id})
		if err != nil {
			return err
		}
		spec.GPUs = append(spec.GPUs, res.Gpu.Uuid)
	}
	kept, running := map[int]int{}, false
	if a, ok := m.cfg.Runtime.(runtime.Adopter); ok {
		kept, running = a.Published(ctx, spec.Name) // still running since before a restart: same ports
	}
	for _, p := range manifest.Ports {
		if host, ok := kept[p]; ok && running && !m.usedPorts[host] {
			m.usedPorts[host] = true
			spec.Ports[p] = host
			continue
		}
		host, err := m.freePort()
		if err != nil {
			m.releasePorts(spec)
			return err
		}
		spec.Ports[p] = host
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &fulfilment{spec: spec, manifest: d.Manifest, sup: runtime.NewSupervisor(m.cfg.Runtime, spec, runtime.NewLogs(2000), runtime.DefaultBackoff, m.log),
		cancel: cancel, done: make(chan struct{})}
	go func() { f.sup.Run(runCtx, m.cfg.StopTimeout); close(f.done) }()
	m.running[l.Id] = f
	m.log.Info("starting workload", "lease", l.Id, "tenant", l.Tenant, "gpus", spec.GPUs, "ports", spec.Ports)
	return nil
}

// admit is the provider's policy on a manifest, applied before anything starts: its limits
// within the per-GPU maxima, and a workload the runtime accepts (the exec runtime runs only
// allowed programs, the Docker runtime only confined containers).
func (m *LeaseManager) admit(l types.Lease, manifest workload.Manifest) (runtime.Spec, error) {
	limits, err := runtime.LimitsFor(manifest, len(l.GpuIds), m.cfg.PerGPU, m.cfg.MaxPids)
	if err != nil {
		return runtime.Spec{}, err
	}
	spec := runtime.Spec{
		Name: fmt.Sprintf("thalamus-lease-%d", l.Id), LeaseID: l.Id, Manifest: manifest, Ports: map[int]int{}, Limits: limits,
		SimulatedGPUs: m.cfg.SimulatedGPUs,
	}
	return spec, m.cfg.Runtime.Admit(spec)
}

// freePort picks an unused host port of the range that nothing else listens on.
func (m *LeaseManager) freePort() (int, error) {
	for p := m.cfg.PortLow; p <= m.cfg.PortHigh; p++ {
		if m.usedPorts[p] {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		_ = ln.Close()
		m.usedPorts[p] = true
		return p, nil
	}
	return 0, fmt.Errorf("no free host port in %d-%d", m.cfg.PortLow, m.cfg.PortHigh)
}

func (m *LeaseManager) releasePorts(spec runtime.Spec) {
	for _, p := range spec.Ports {
		delete(m.usedPorts, p)
	}
}

// stopAll ends the supervision of every workload, for the agent's shutdown: processes stop
// with the agent; containers keep running and the next agent adopts them.
func (m *LeaseManager) stopAll() {
	_, outlive := m.cfg.Runtime.(runtime.Adopter)
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, f := range m.running {
		if outlive {
			f.sup.Detach()
		}
		f.cancel()
		<-f.done
		m.releasePorts(f.spec)
		delete(m.running, id)
	}
	m.metrics.Workloads.Set(0)
}

// forget drops the manifest of a closed lease.
func (m *LeaseManager) forget(id uint64) {
	delete(m.deliveries, id)
	if err := os.Remove(m.deliveryPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		m.log.Warn("cannot remove manifest file", "lease", id, "err", err)
	}
}

func (m *LeaseManager) deliveryPath(id uint64) string {
	return filepath.Join(m.cfg.StateDir, fmt.Sprintf("lease-%d.json", id))
}

// Deliver checks a manifest delivery against the lease on chain and keeps it; the next
// reconcile starts the workload.
func (m *LeaseManager) Deliver(ctx context.Context, d workload.Delivery) error {
	if m.cfg.Runtime == nil {
		return errNoRuntime
	}
	res, err := m.q.Lease(ctx, &types.QueryLeaseRequest{Id: d.LeaseID})
	if err != nil {
		return fmt.Errorf("%w: lease %d: %w", errNotFound, d.LeaseID, err)
	}
	l := res.Lease
	if l.Provider != m.chain.Address {
		return fmt.Errorf("%w: lease %d is provider %s's", errForbidden, l.Id, l.Provider)
	}
	if l.State == types.LEASE_STATE_CLOSED || len(l.ManifestHash) == 0 {
		return fmt.Errorf("%w: lease %d is %s and takes no manifest", errConflict, l.Id, l.State)
	}
	tenant, err := sdk.AccAddressFromBech32(l.Tenant)
	if err != nil {
		return err
	}
	manifest, err := d.Verify(m.chain.ChainID(), l.Id, tenant, l.ManifestHash, len(l.GpuIds))
	if err != nil {
		return fmt.Errorf("%w: %w", errForbidden, err)
	}
	if _, err := m.admit(l, manifest); err != nil {
		return err
	}
	bz, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(m.deliveryPath(l.Id), bz, 0o600); err != nil {
		return err
	}
	m.mu.Lock()
	m.deliveries[l.Id] = d
	m.mu.Unlock()
	m.metrics.ManifestsAccepted.Inc()
	m.log.Info("manifest received", "lease", l.Id, "tenant", l.Tenant)
	return nil
}

// workloadView is what the tenant's status request shows.
type workloadView struct {
	LeaseID      uint64          `json:"lease_id"`
	LeaseState   string          `json:"lease_state"`
	ManifestHash string          `json:"manifest_hash"`
	Workload     *runtime.Status `json:"workload,omitempty"`
	GPUs         []string        `json:"gpus,omitempty"`
	Endpoints    map[int]string  `json:"endpoints,omitempty"`
	Runtime      string          `json:"runtime"`
}

func (m *LeaseManager) view(l types.Lease) workloadView {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := workloadView{LeaseID: l.Id, LeaseState: l.State.String(), ManifestHash: fmt.Sprintf("%X", l.ManifestHash), Runtime: m.runtimeName()}
	if f := m.running[l.Id]; f != nil {
		st := f.sup.Status()
		v.Workload, v.GPUs, v.Endpoints = &st, f.spec.GPUs, map[int]string{}
		for p, host := range f.spec.Ports {
			v.Endpoints[p] = net.JoinHostPort(m.cfg.PublicHost, strconv.Itoa(host))
		}
	}
	return v
}

func (m *LeaseManager) logs(id uint64) *runtime.Logs {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f := m.running[id]; f != nil {
		return f.sup.Logs()
	}
	return nil
}
