// Package gateway is the sensor gateway: it accepts signed readings from registered devices,
// keeps them on disk, seals them into batches whose Merkle roots it commits on chain, and
// serves every batch and a proof for every reading so anyone can check them against the root.
package gateway

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/thalamus-network/thalamus/internal/ratelimit"
	"github.com/thalamus-network/thalamus/pkg/reading"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// Registry answers what the chain knows about a device.
type Registry interface {
	// Device returns the device and its stats (batch progress: last sequence and reading time).
	Device(ctx context.Context, id uint64) (types.Device, types.DeviceStats, error)
	// Batch returns the committed batch (device, seq), or an error if there is none.
	Batch(ctx context.Context, id, seq uint64) (types.Batch, error)
}

// Committer sends batch commitments to the chain, in order, in one transaction.
type Committer interface {
	Commit(ctx context.Context, msgs []*types.MsgCommitBatch) error
}

// Permanent is implemented by commit errors that no retry can cure (the chain refuses the
// batch itself, e.g. readings older than max_batch_age after a long outage).
type Permanent interface {
	Permanent() bool
}

func isPermanent(err error) bool {
	var p Permanent
	return errors.As(err, &p) && p.Permanent()
}

// Config tunes a gateway.
type Config struct {
	StateDir string
	// PublicURL is how verifiers reach this gateway, e.g. http://127.0.0.1:8090.
	PublicURL string
	// Address is the gateway's account; it commits for devices it owns or is the gateway of.
	Address string
	// BatchReadings seals a device's batch at this many readings; BatchInterval seals it
	// this long after its first reading arrived, whichever comes first.
	BatchReadings int
	BatchInterval time.Duration
	// MaxFuture and MaxPast bound reading timestamps against the gateway clock.
	MaxFuture, MaxPast time.Duration
	// MaxMsgsPerTx bounds the commitments sent in one transaction.
	MaxMsgsPerTx int
	// MaxRequestsPerClient bounds the POSTs per second of one client address (burst: twice
	// that); 0: no bound.
	MaxRequestsPerClient float64
	// RateSlack lets a device send at most this many times its registered sampling rate,
	// with a burst of RateBurst worth of readings (an outage's backlog); 0: no limit.
	RateSlack float64
	RateBurst time.Duration
	// MaxDiskBytes bounds the sealed batches kept on disk (0: no bound); over it, batches
	// sealed more than Retention ago are deleted oldest first, and readings are refused
	// when none is that old.
	MaxDiskBytes int64
	Retention    time.Duration
	// TLSCertFile and TLSKeyFile, when set, make Run serve HTTPS (reloaded when they change).
	TLSCertFile, TLSKeyFile string
}

// DefaultConfig returns the defaults of the CLI flags.
func DefaultConfig() Config {
	return Config{
		BatchReadings: 1000, BatchInterval: 30 * time.Second,
		MaxFuture: 30 * time.Second, MaxPast: time.Hour, MaxMsgsPerTx: 20,
		MaxRequestsPerClient: 1000, RateSlack: 2, RateBurst: 5 * time.Minute,
		MaxDiskBytes: 50 << 30, Retention: 14 * 24 * time.Hour,
	}
}

// Gateway is safe for concurrent use; readings of different devices never wait on each other.
type Gateway struct {
	cfg      Config
	registry Registry
	commit   Committer
	log      *slog.Logger
	metrics  *Metrics
	now      func() time.Time

	mu      sync.RWMutex
	devices map[uint64]*device
	// unknown remembers devices the chain refused, so a flood of bad ids costs no queries.
	unknown   map[uint64]time.Time
	quota     *diskQuota
	perClient *ratelimit.Keyed // nil: no bound
}

// device is the gateway's state of one device.
type device struct {
	mu           sync.Mutex
	info         types.Device
	limit        *rate.Limiter // readings at (a multiple of) the registered sampling rate; nil: none
	lastSeq      uint64        // highest accepted reading sequence
	sealedLastMs int64         // newest timestamp of any sealed batch: later readings must be stamped after it
	pending      []reading.Reading
	pendingSince time.Time
	log          *os.File
	logBuf       *bufio.Writer
	nextBatch    uint64
	unsent       []sealed // sealed batches not yet committed, in order
}

// sealed is a batch on disk awaiting its commitment.
type sealed struct {
	seq   uint64
	batch reading.Batch
}

// New opens the gateway's state directory; Resume then loads devices seen before.
func New(cfg Config, registry Registry, commit Committer, log *slog.Logger, metrics *Metrics) (*Gateway, error) {
	if cfg.BatchReadings <= 0 || cfg.BatchInterval <= 0 || cfg.MaxMsgsPerTx <= 0 {
		return nil, errors.New("batch readings, batch interval and messages per tx must be positive")
	}
	if err := os.MkdirAll(filepath.Join(cfg.StateDir, "devices"), 0o750); err != nil {
		return nil, err
	}
	g := &Gateway{
		cfg: cfg, registry: registry, commit: commit, log: log, metrics: metrics, now: time.Now,
		devices: map[uint64]*device{}, unknown: map[uint64]time.Time{},
		quota: &diskQuota{max: cfg.MaxDiskBytes, retention: cfg.Retention},
	}
	if cfg.MaxRequestsPerClient > 0 {
		g.perClient = ratelimit.New(cfg.MaxRequestsPerClient, int(2*cfg.MaxRequestsPerClient)+1, 100_000, time.Minute)
	}
	return g, nil
}

// Resume loads every device with state on disk, so pending readings and uncommitted
// batches from before a restart are batched and committed.
func (g *Gateway) Resume(ctx context.Context) error {
	ids, err := storedDevices(g.cfg.StateDir)
	if err != nil {
		return err
	}
	defer g.quota.sort()
	for _, id := range ids {
		if _, err := g.device(ctx, id); err != nil {
			g.log.Warn("device on disk not served", "device", id, "err", err)
		}
	}
	return nil
}

// httpError is a rejection with the HTTP status that names it.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func reject(status int, format string, args ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// statusOf maps an error to its HTTP status.
func statusOf(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.status
	}
	return http.StatusInternalServerError
}

// device returns the state of a device this gateway may serve, loading it on first use.
func (g *Gateway) device(ctx context.Context, id uint64) (*device, error) {
	g.mu.RLock()
	d, ok := g.devices[id]
	refusedAt, refused := g.unknown[id]
	g.mu.RUnlock()
	if ok {
		return d, nil
	}
	if refused && g.now().Sub(refusedAt) < 10*time.Second {
		return nil, reject(http.StatusNotFound, "device %d is not registered for this gateway", id)
	}
	info, progress, err := g.registry.Device(ctx, id)
	if err != nil || info.Status != types.DEVICE_STATUS_ACTIVE || !info.CanCommit(g.cfg.Address) {
		g.mu.Lock()
		g.unknown[id] = g.now()
		g.mu.Unlock()
		if err == nil {
			err = fmt.Errorf("status %s, owner %s, gateway %q", info.Status, info.Owner, info.Gateway)
		}
		return nil, reject(http.StatusNotFound, "device %d is not registered for this gateway: %v", id, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if d, ok := g.devices[id]; ok {
		return d, nil
	}
	d, err = g.load(info, progress)
	if err != nil {
		return nil, err
	}
	g.devices[id] = d
	delete(g.unknown, id)
	return d, nil
}

// load rebuilds a device's state from disk and the chain: batches on disk above the chain's
// last sequence are still to be committed; pending readings already sealed (a crash between
// sealing and truncating the log) are dropped.
func (g *Gateway) load(info types.Device, progress types.DeviceStats) (*device, error) {
	d := &device{info: info, nextBatch: progress.Batches + 1, sealedLastMs: progress.LastReadingMs}
	seqs, err := storedBatchSeqs(g.cfg.StateDir, info.Id)
	if err != nil {
		return nil, err
	}
	if g.cfg.RateSlack > 0 {
		interval := max(info.SamplingInterval, time.Millisecond)
		d.limit = rate.NewLimiter(rate.Every(time.Duration(float64(interval)/g.cfg.RateSlack)), max(20, int(g.cfg.RateBurst/interval)))
	}
	for _, seq := range seqs {
		path := batchPath(g.cfg.StateDir, info.Id, seq)
		readings, err := readLeaves(path)
		if err != nil {
			return nil, err
		}
		if st, err := os.Stat(path); err == nil {
			g.quota.add(path, st.ModTime())
		}
		if len(readings) == 0 {
			continue
		}
		d.lastSeq = max(d.lastSeq, readings[len(readings)-1].Sequence)
		b := reading.NewBatch(readings)
		d.sealedLastMs = max(d.sealedLastMs, b.LastMs)
		if seq > progress.Batches {
			d.unsent = append(d.unsent, sealed{seq: seq, batch: b})
			d.nextBatch = seq + 1
		}
	}
	logPath := filepath.Join(deviceDir(g.cfg.StateDir, info.Id), "pending.log")
	pending, err := readLeaves(logPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, r := range pending {
		if r.Sequence > d.lastSeq {
			d.pending = append(d.pending, r)
			d.lastSeq = r.Sequence
		}
	}
	if len(d.pending) > 0 {
		d.pendingSince = g.now()
	}
	if err := d.rewriteLog(logPath); err != nil {
		return nil, err
	}
	g.metrics.Devices.Inc()
	g.metrics.Pending.Add(float64(len(d.pending)))
	return d, nil
}

// rewriteLog replaces the pending log with the pending readings and reopens it for appends.
func (d *device) rewriteLog(path string) error {
	if d.log != nil {
		if err := d.log.Close(); err != nil {
			return err
		}
	}
	if err := writeLeavesFile(path, d.pending); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600) //nolint:gosec // a path under the gateway's state dir
	if err != nil {
		return err
	}
	d.log, d.logBuf = f, bufio.NewWriterSize(f, 64<<10)
	return nil
}

// Ingest verifies and stores readings; it returns one error (nil when accepted) per reading.
func (g *Gateway) Ingest(ctx context.Context, readings []reading.Reading) []error {
	errs := make([]error, len(readings))
	now := g.now()
	touched := map[*device]bool{}
	var buf []byte
	for i := range readings {
		r := &readings[i]
		d, err := g.device(ctx, r.DeviceId)
		if err == nil {
			buf, err = g.check(d, r, now, buf)
		}
		if err == nil {
			err = g.accept(d, r, now)
			touched[d] = true
		}
		errs[i] = err
		if err != nil {
			g.metrics.Rejected.WithLabelValues(fmt.Sprint(statusOf(err))).Inc()
		} else {
			g.metrics.Accepted.Inc()
		}
	}
	for d := range touched {
		d.mu.Lock()
		if err := d.logBuf.Flush(); err != nil {
			g.log.Error("pending log write failed", "device", d.info.Id, "err", err)
		}
		d.mu.Unlock()
	}
	return errs
}

// check does what needs no lock: shape, channels, signature, the clock window, then the
// device's rate and the disk budget.
func (g *Gateway) check(d *device, r *reading.Reading, now time.Time, buf []byte) ([]byte, error) {
	if len(r.Values) != len(d.info.Channels) {
		return buf, reject(http.StatusBadRequest, "device %d declares %d channels, reading %d has %d values",
			r.DeviceId, len(d.info.Channels), r.Sequence, len(r.Values))
	}
	buf, err := reading.Verify(ed25519.PublicKey(d.info.PubKey), r, buf)
	switch {
	case errors.Is(err, reading.ErrBadSignature):
		return buf, reject(http.StatusUnauthorized, "reading %d of device %d: %v", r.Sequence, r.DeviceId, err)
	case err != nil:
		return buf, reject(http.StatusBadRequest, "reading %d of device %d: %v", r.Sequence, r.DeviceId, err)
	}
	ts := time.UnixMilli(r.TimestampMs)
	if ts.After(now.Add(g.cfg.MaxFuture)) {
		return buf, reject(http.StatusUnprocessableEntity, "reading %d of device %d is stamped %s, more than %s ahead of the gateway clock",
			r.Sequence, r.DeviceId, ts.UTC().Format(time.RFC3339Nano), g.cfg.MaxFuture)
	}
	if ts.Before(now.Add(-g.cfg.MaxPast)) {
		return buf, reject(http.StatusUnprocessableEntity, "reading %d of device %d is stamped %s, more than %s behind the gateway clock",
			r.Sequence, r.DeviceId, ts.UTC().Format(time.RFC3339Nano), g.cfg.MaxPast)
	}
	// Only a correctly signed reading spends the device's budget: forged ones cannot starve it.
	if d.limit != nil && !d.limit.AllowN(now, 1) {
		return buf, reject(http.StatusTooManyRequests, "device %d sends faster than %v times its registered interval of %s",
			r.DeviceId, g.cfg.RateSlack, d.info.SamplingInterval)
	}
	if g.quota.full() {
		return buf, reject(http.StatusInsufficientStorage, "the gateway's batch storage is full (%d bytes, none older than %s to delete)",
			g.quota.used(), g.cfg.Retention)
	}
	return buf, nil
}

// accept appends a verified reading if its sequence is new, sealing the batch when it is full.
func (g *Gateway) accept(d *device, r *reading.Reading, now time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r.Sequence <= d.lastSeq {
		return reject(http.StatusConflict, "reading %d of device %d: sequence must increase, last accepted is %d",
			r.Sequence, r.DeviceId, d.lastSeq)
	}
	if r.TimestampMs <= d.sealedLastMs {
		return reject(http.StatusConflict, "reading %d of device %d is not stamped after the device's last batch (%d ms)",
			r.Sequence, r.DeviceId, d.sealedLastMs)
	}
	if err := appendLeaf(d.logBuf, reading.Leaf(r)); err != nil {
		return fmt.Errorf("store reading: %w", err)
	}
	d.lastSeq = r.Sequence
	if len(d.pending) == 0 {
		d.pendingSince = now
	}
	d.pending = append(d.pending, *r)
	g.metrics.Pending.Inc()
	if len(d.pending) >= g.cfg.BatchReadings {
		return g.seal(d)
	}
	return nil
}

// seal writes the pending readings as the next batch and empties the pending log. Called with d.mu held.
func (g *Gateway) seal(d *device) error {
	if len(d.pending) == 0 {
		return nil
	}
	if err := d.logBuf.Flush(); err != nil {
		return err
	}
	seq := d.nextBatch
	path := batchPath(g.cfg.StateDir, d.info.Id, seq)
	if err := writeLeavesFile(path, d.pending); err != nil {
		return fmt.Errorf("seal batch %d of device %d: %w", seq, d.info.Id, err)
	}
	g.quota.add(path, g.now())
	b := reading.NewBatch(d.pending)
	d.unsent = append(d.unsent, sealed{seq: seq, batch: b})
	d.nextBatch++
	d.sealedLastMs = max(d.sealedLastMs, b.LastMs)
	g.metrics.Pending.Sub(float64(len(d.pending)))
	g.metrics.Sealed.Inc()
	d.pending = d.pending[:0]
	return d.rewriteLog(filepath.Join(deviceDir(g.cfg.StateDir, d.info.Id), "pending.log"))
}

// Run seals batches whose interval has passed and commits sealed batches, every tick, until
// ctx ends. Stop the HTTP server, then call Close, so no accepted reading is lost.
func (g *Gateway) Run(ctx context.Context, tick time.Duration) error {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		g.sealDue()
		if err := g.commitSealed(ctx); err != nil && ctx.Err() == nil {
			g.log.Warn("commit failed; retrying", "err", err)
		}
		n, err := g.quota.evict(g.now())
		if err != nil {
			g.log.Error("deleting old batches failed", "err", err)
		}
		if n > 0 {
			g.metrics.Evicted.Add(float64(n))
			g.log.Info("deleted the oldest batches past retention to stay within the disk budget", "batches", n, "bytes_kept", g.quota.used())
		}
		g.metrics.DiskBytes.Set(float64(g.quota.used()))
	}
}

func (g *Gateway) snapshot() []*device {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]*device, 0, len(g.devices))
	for _, d := range g.devices {
		out = append(out, d)
	}
	return out
}

// sealDue seals every batch that has waited BatchInterval.
func (g *Gateway) sealDue() {
	now := g.now()
	for _, d := range g.snapshot() {
		d.mu.Lock()
		if len(d.pending) > 0 && now.Sub(d.pendingSince) >= g.cfg.BatchInterval {
			if err := g.seal(d); err != nil {
				g.log.Error("seal failed", "device", d.info.Id, "err", err)
			}
		}
		d.mu.Unlock()
	}
}

// commitSealed sends the oldest uncommitted batches (in sequence order per device) in one
// transaction. After a failure it asks the chain what landed, drops those, and tries the
// rest one message per transaction, so one bad batch cannot hold back the others.
func (g *Gateway) commitSealed(ctx context.Context) error {
	var msgs []*types.MsgCommitBatch
	for _, d := range g.snapshot() {
		d.mu.Lock()
		for _, s := range d.unsent {
			if len(msgs) == g.cfg.MaxMsgsPerTx {
				break
			}
			msgs = append(msgs, g.commitMsg(d.info.Id, s))
		}
		d.mu.Unlock()
	}
	if len(msgs) == 0 {
		return nil
	}
	err := g.commit.Commit(ctx, msgs)
	if err == nil {
		g.committed(msgs)
		return nil
	}
	g.metrics.CommitErrors.Inc()
	g.reconcile(ctx, msgs)
	if len(msgs) == 1 {
		g.dropIfRefused(msgs[0], err)
		return err
	}
	for _, m := range msgs {
		if !g.isUnsent(m) {
			continue
		}
		if err := g.commit.Commit(ctx, []*types.MsgCommitBatch{m}); err != nil {
			g.log.Warn("batch commit rejected", "device", m.DeviceId, "seq", m.Seq, "err", err)
			g.reconcile(ctx, []*types.MsgCommitBatch{m})
			g.dropIfRefused(m, err)
			continue
		}
		g.committed([]*types.MsgCommitBatch{m})
	}
	return err
}

// dropIfRefused sets a batch the chain refuses for good aside (to rejected/ in the device's
// directory, for the operator), so it does not hold back the device's later batches, which
// move down one sequence number.
func (g *Gateway) dropIfRefused(m *types.MsgCommitBatch, err error) {
	if !isPermanent(err) || !g.isUnsent(m) {
		return
	}
	g.mu.RLock()
	d := g.devices[m.DeviceId]
	g.mu.RUnlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	dir := filepath.Join(deviceDir(g.cfg.StateDir, m.DeviceId), "rejected")
	kept := filepath.Join(dir, fmt.Sprintf("%d-%d.leaves", m.Seq, g.now().Unix()))
	if mkErr := os.MkdirAll(dir, 0o750); mkErr != nil {
		g.log.Error("cannot set a refused batch aside", "device", m.DeviceId, "seq", m.Seq, "err", mkErr)
		return
	}
	if mvErr := os.Rename(batchPath(g.cfg.StateDir, m.DeviceId, m.Seq), kept); mvErr != nil {
		g.log.Error("cannot set a refused batch aside", "device", m.DeviceId, "seq", m.Seq, "err", mvErr)
		return
	}
	d.unsent = d.unsent[1:]
	for i := range d.unsent {
		from := batchPath(g.cfg.StateDir, m.DeviceId, d.unsent[i].seq)
		d.unsent[i].seq--
		if mvErr := os.Rename(from, batchPath(g.cfg.StateDir, m.DeviceId, d.unsent[i].seq)); mvErr != nil {
			g.log.Error("cannot renumber a batch", "device", m.DeviceId, "file", from, "err", mvErr)
		}
	}
	d.nextBatch--
	g.metrics.Refused.Inc()
	g.log.Error("the chain refuses this batch for good; set aside, later batches renumbered",
		"device", m.DeviceId, "seq", m.Seq, "readings", m.Count, "kept", kept, "err", err)
}

func (g *Gateway) commitMsg(id uint64, s sealed) *types.MsgCommitBatch {
	return &types.MsgCommitBatch{
		Committer: g.cfg.Address, DeviceId: id, Seq: s.seq, Root: s.batch.Root[:], Count: s.batch.Count,
		FirstReadingMs: s.batch.FirstMs, LastReadingMs: s.batch.LastMs, SizeBytes: s.batch.SizeBytes,
		Uri: fmt.Sprintf("%s/v1/batches/%d/%d", g.cfg.PublicURL, id, s.seq),
	}
}

// committed drops batches the chain now holds from the unsent lists.
func (g *Gateway) committed(msgs []*types.MsgCommitBatch) {
	for _, m := range msgs {
		g.mu.RLock()
		d := g.devices[m.DeviceId]
		g.mu.RUnlock()
		d.mu.Lock()
		if len(d.unsent) > 0 && d.unsent[0].seq == m.Seq {
			d.unsent = d.unsent[1:]
			g.metrics.Committed.Inc()
			g.log.Info("batch committed", "device", m.DeviceId, "seq", m.Seq, "readings", m.Count, "root", fmt.Sprintf("%X", m.Root))
		}
		d.mu.Unlock()
	}
}

func (g *Gateway) isUnsent(m *types.MsgCommitBatch) bool {
	g.mu.RLock()
	d := g.devices[m.DeviceId]
	g.mu.RUnlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.unsent) > 0 && d.unsent[0].seq == m.Seq
}

// reconcile asks the chain which of msgs landed anyway (a lost broadcast reply): those with
// our root count as committed; a different root under our sequence means someone else
// committed for the device, which only an operator can sort out.
func (g *Gateway) reconcile(ctx context.Context, msgs []*types.MsgCommitBatch) {
	var landed []*types.MsgCommitBatch
	for _, m := range msgs {
		b, err := g.registry.Batch(ctx, m.DeviceId, m.Seq)
		if err != nil {
			continue
		}
		if string(b.Root) == string(m.Root) {
			landed = append(landed, m)
			continue
		}
		g.log.Error("another committer holds this batch sequence; this gateway's batch cannot be committed",
			"device", m.DeviceId, "seq", m.Seq, "chain_root", fmt.Sprintf("%X", b.Root), "our_root", fmt.Sprintf("%X", m.Root))
	}
	g.committed(landed)
}

// Close seals nothing but makes sure every accepted reading is on disk; call it once no
// more readings can arrive.
func (g *Gateway) Close() {
	for _, d := range g.snapshot() {
		d.mu.Lock()
		if d.logBuf != nil {
			_ = d.logBuf.Flush()
			_ = d.log.Sync()
			_ = d.log.Close()
		}
		d.mu.Unlock()
	}
}

// LoadBatch reads a sealed batch from disk.
func (g *Gateway) LoadBatch(id, seq uint64) ([]reading.Reading, error) {
	readings, err := readLeaves(batchPath(g.cfg.StateDir, id, seq))
	if errors.Is(err, os.ErrNotExist) {
		return nil, reject(http.StatusNotFound, "no batch %d of device %d here", seq, id)
	}
	return readings, err
}

// DeviceStatus is what a device (or the simulator after a restart) needs to resume.
type DeviceStatus struct {
	DeviceID        uint64 `json:"device_id"`
	LastSequence    uint64 `json:"last_sequence"`
	Pending         int    `json:"pending"`
	NextBatch       uint64 `json:"next_batch"`
	UncommittedSeqs int    `json:"uncommitted_batches"`
}

// Status returns a device's state, loading it if needed.
func (g *Gateway) Status(ctx context.Context, id uint64) (DeviceStatus, error) {
	d, err := g.device(ctx, id)
	if err != nil {
		return DeviceStatus{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return DeviceStatus{DeviceID: id, LastSequence: d.lastSeq, Pending: len(d.pending), NextBatch: d.nextBatch, UncommittedSeqs: len(d.unsent)}, nil
}

// Totals summarises the gateway for /v1/health.
func (g *Gateway) Totals() (devices, pending, uncommitted int) {
	for _, d := range g.snapshot() {
		d.mu.Lock()
		pending += len(d.pending)
		uncommitted += len(d.unsent)
		d.mu.Unlock()
		devices++
	}
	return devices, pending, uncommitted
}
