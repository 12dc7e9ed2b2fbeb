package sidecar

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/gob"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/thalamus-network/thalamus/internal/atomicfile"
	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/pkg/batchverify"
	"github.com/thalamus-network/thalamus/pkg/egress"
	"github.com/thalamus-network/thalamus/pkg/quality"
	"github.com/thalamus-network/thalamus/pkg/reading"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

// keptResults is how many recent batch results a device's state remembers, so a restarted
// sidecar can report a batch it scored before the restart without scoring it twice.
const keptResults = 32

// deviceState is what the sidecar keeps per device on disk: the quality model's windows fed
// through LastSeq and the last results, so scoring continues exactly where it stopped. Model
// is the hash of the model that made them: a sidecar upgraded to another model drops them and
// replays from the anchor, as a validator new to the device would, so it scores as its
// committee's sidecars on the same model do.
type deviceState struct {
	Model   string
	LastSeq uint64
	Windows []window
	Results map[uint64]Result
}

// window is the quality model (a stream per channel) started fresh at batch Anchor and fed
// every batch since. A batch is scored on the window anchored at x/sensors' ScoringAnchor,
// so every validator scores it alike whatever part of the device's history it followed;
// at most two windows are live: the one scoring this epoch and the one the next epoch's
// batches will be scored on.
type window struct {
	Anchor  uint64
	Streams [][]byte
}

// Result is a sensor batch's score and flags (x/sensors BatchFlag values, increasing).
type Result struct {
	Score uint32
	Flags []uint32
}

// BatchJob is a batch to score with what scoring it needs from the chain.
type BatchJob struct {
	Device sensorstypes.Device
	Batch  sensorstypes.Batch
	// Params are x/sensors' params: the scoring epoch and each batch's signature rules.
	Params sensorstypes.Params
	// History returns the device's committed batch seq, for replaying the batches before this
	// one that the scorer did not follow (a validator new to the device's committee, or one
	// the batch was escalated to); an error wrapping ErrNoHistory skips that batch.
	History func(ctx context.Context, seq uint64) (sensorstypes.Batch, error)
}

// ErrNoHistory is what a History returns for a batch the chain no longer holds.
var ErrNoHistory = errors.New("batch record not found")

// DeviceScorer scores a device's batches with the embedded quality model, persisting each
// device's state in dir. It fetches only where its egress policy allows.
type DeviceScorer struct {
	model   quality.Model
	dir     string
	policy  egress.Policy
	client  *http.Client
	timeout time.Duration

	mu     sync.Mutex // guards the maps
	states map[uint64]*deviceState
	locks  map[uint64]*sync.Mutex // one per device: its batches are scored one at a time
}

// fetchAttempts and retryDelay: a gateway that is briefly unreachable is retried (within
// the fetch timeout) before its batch is scored unavailable.
const (
	fetchAttempts = 3
	retryDelay    = time.Second
)

// NewDeviceScorer keeps device state under dir and fetches batches under policy, each
// fetch (retries included) within timeout.
func NewDeviceScorer(model quality.Model, dir string, policy egress.Policy, timeout time.Duration) (*DeviceScorer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &DeviceScorer{
		model: model, dir: dir, policy: policy, client: egress.NewClient(policy, timeout), timeout: timeout,
		states: map[uint64]*deviceState{}, locks: map[uint64]*sync.Mutex{},
	}, nil
}

// ScoreBatch fetches a committed batch, checks its readings against the root and the device
// key (under the signature rules of its commit height), and scores every channel on the
// window anchored at the batch's scoring anchor; the batch scores as its worst channel. A
// batch that cannot be fetched or does not match scores 0 with the matching flag. Following
// a device batch by batch costs one fetch a batch; a batch whose predecessors this scorer did
// not follow first replays them from the anchor (at most two scoring epochs). A batch scored
// before (also before a restart) returns its stored result.
func (s *DeviceScorer) ScoreBatch(ctx context.Context, job BatchJob) (Result, error) {
	unlock := s.lock(job.Device.Id)
	defer unlock()
	st, err := s.load(job.Device.Id)
	if err != nil {
		return Result{}, err
	}
	seq := job.Batch.Seq
	if r, ok := st.Results[seq]; ok {
		return r, nil
	}
	anchor, nextAnchor := job.Params.ScoringAnchor(seq), job.Params.EpochStart(seq)
	windows := st.Windows
	if st.LastSeq+1 != seq || windowIndex(windows, anchor) < 0 {
		if windows, err = s.replay(ctx, job, anchor, nextAnchor); err != nil {
			return Result{}, err
		}
	}
	readings, res, err := s.fetchChecked(ctx, job.Device, job.Batch, job.Params)
	if err != nil {
		return Result{}, err
	}
	if readings != nil {
		if windows, res, err = s.feed(job.Device, windows, anchor, nextAnchor, readings); err != nil {
			return Result{}, err
		}
	}
	if seq > st.LastSeq { // an older batch (escalated after this scorer moved on) leaves the state as it is
		st.LastSeq, st.Windows = seq, liveWindows(windows, job.Params, seq)
	}
	st.Results[seq] = res
	for old := range st.Results {
		if old+keptResults <= st.LastSeq {
			delete(st.Results, old)
		}
	}
	return res, s.save(job.Device.Id, st)
}

// ScoreSeries scores a device's batches 1..n, given their readings, as a validator that
// followed the device from its first batch scores them (ScoreBatch without the fetch): each
// on the window anchored at its scoring anchor. `quality batches` scores a file with it.
func ScoreSeries(model quality.Model, device sensorstypes.Device, params sensorstypes.Params, batches [][]reading.Reading) ([]Result, error) {
	s := &DeviceScorer{model: model}
	var windows []window
	out := make([]Result, len(batches))
	for i, readings := range batches {
		seq := uint64(i) + 1
		var err error
		if windows, out[i], err = s.feed(device, windows, params.ScoringAnchor(seq), params.EpochStart(seq), readings); err != nil {
			return nil, err
		}
		windows = liveWindows(windows, params, seq)
	}
	return out, nil
}

// liveWindows drops the windows no batch after seq is scored on.
func liveWindows(windows []window, params sensorstypes.Params, seq uint64) []window {
	keep := params.ScoringAnchor(seq + 1)
	return slices.DeleteFunc(windows, func(w window) bool { return w.Anchor < keep })
}

// windowIndex is the index of the window anchored at anchor, or -1.
func windowIndex(windows []window, anchor uint64) int {
	return slices.IndexFunc(windows, func(w window) bool { return w.Anchor == anchor })
}

// replay builds the windows for scoring job's batch from scratch: the batches from anchor to
// the one before job's, fetched and fed in order. A batch the chain no longer holds, scored
// as unusable, or whose data cannot be fetched or fails its checks, is skipped, as it was
// when it was scored: a gateway that serves a batch only after its committee gave up on it
// cannot make late scorers see a history the committee did not.
func (s *DeviceScorer) replay(ctx context.Context, job BatchJob, anchor, nextAnchor uint64) ([]window, error) {
	var windows []window
	for seq := anchor; seq < job.Batch.Seq; seq++ {
		b, err := job.History(ctx, seq)
		if errors.Is(err, ErrNoHistory) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("device %d: history batch %d: %w", job.Device.Id, seq, err)
		}
		if unusable(b) { // its committee could not use it either: skipped without a fetch
			continue
		}
		readings, _, err := s.fetchChecked(ctx, job.Device, b, job.Params)
		if err != nil {
			return nil, err
		}
		if readings == nil {
			continue
		}
		next := nextAnchor
		if seq < nextAnchor { // the epoch before: only the scoring window has started
			next = anchor
		}
		if windows, _, err = s.feed(job.Device, windows, anchor, next, readings); err != nil {
			return nil, err
		}
	}
	return windows, nil
}

// unusable reports whether the chain scored a batch as data nobody could use: unfetchable,
// forbidden, or not matching its root or the device key. Its scorers fed nothing from it.
func unusable(b sensorstypes.Batch) bool {
	return b.Status == sensorstypes.BATCH_STATUS_SCORED && slices.ContainsFunc(b.Flags, func(f sensorstypes.BatchFlag) bool {
		switch f {
		case sensorstypes.BATCH_FLAG_UNAVAILABLE, sensorstypes.BATCH_FLAG_FORBIDDEN_URI, sensorstypes.BATCH_FLAG_ROOT_MISMATCH, sensorstypes.BATCH_FLAG_BAD_SIGNATURE:
			return true
		}
		return false
	})
}

// fetchChecked fetches and checks a batch: its readings, or nil and the result a batch
// that cannot be fetched or fails its checks scores. An error is the scorer's, not the batch's.
func (s *DeviceScorer) fetchChecked(ctx context.Context, device sensorstypes.Device, batch sensorstypes.Batch, params sensorstypes.Params) ([]reading.Reading, Result, error) {
	readings, err := s.fetch(ctx, batch, ed25519.PublicKey(device.PubKey), params.SignatureRules(batch.CommittedHeight))
	if ctx.Err() != nil { // shutting down: the fetch was cut short, not the gateway's fault
		return nil, Result{}, ctx.Err()
	}
	var flag sensorstypes.BatchFlag
	switch {
	case errors.Is(err, egress.ErrForbidden):
		flag = sensorstypes.BATCH_FLAG_FORBIDDEN_URI
	case errors.Is(err, batchverify.ErrBadSignature):
		flag = sensorstypes.BATCH_FLAG_BAD_SIGNATURE
	case errors.Is(err, batchverify.ErrRootMismatch):
		flag = sensorstypes.BATCH_FLAG_ROOT_MISMATCH
	case errors.Is(err, batchverify.ErrUnavailable):
		flag = sensorstypes.BATCH_FLAG_UNAVAILABLE
	case err != nil:
		return nil, Result{}, err
	default:
		return readings, Result{}, nil
	}
	return nil, Result{Flags: []uint32{uint32(flag)}}, nil
}

// fetch downloads and verifies a batch from its committed URI, if the egress policy allows
// the URI at all; a gateway that is briefly unreachable is retried within the fetch timeout.
func (s *DeviceScorer) fetch(ctx context.Context, batch sensorstypes.Batch, pub ed25519.PublicKey, rules reading.SignatureRules) ([]reading.Reading, error) {
	if err := s.policy.Check(batch.Uri); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		readings, err := batchverify.FetchBatch(ctx, s.client, &batch, pub, rules)
		if !errors.Is(err, batchverify.ErrUnavailable) || errors.Is(err, egress.ErrForbidden) || attempt == fetchAttempts {
			return readings, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(retryDelay):
		}
	}
}

// feed runs a batch's readings through the window anchored at anchor (started fresh if
// missing), returning its result, and through the one anchored at nextAnchor, if that is
// another, for the next epoch's batches. The windows come back updated in a copy: the
// caller's stay as they were until the state is saved.
func (s *DeviceScorer) feed(device sensorstypes.Device, windows []window, anchor, nextAnchor uint64, readings []reading.Reading) ([]window, Result, error) {
	windows = slices.Clone(windows)
	anchors := []uint64{anchor}
	if nextAnchor != anchor {
		anchors = append(anchors, nextAnchor)
	}
	var res Result
	for _, a := range anchors {
		i := windowIndex(windows, a)
		if i < 0 {
			windows = append(windows, window{Anchor: a})
			i = len(windows) - 1
		}
		out, streams, err := s.scoreReadings(device, windows[i].Streams, readings)
		if err != nil {
			return nil, Result{}, err
		}
		windows[i].Streams = streams
		if a == anchor {
			res = out
		}
	}
	return windows, res, nil
}

// scoreReadings runs each channel's stream (restored from streams, or new) over the readings
// and returns the result with the advanced streams.
func (s *DeviceScorer) scoreReadings(device sensorstypes.Device, streams [][]byte, readings []reading.Reading) (Result, [][]byte, error) {
	interval := device.SamplingInterval.Milliseconds()
	res := Result{Score: appconsts.MaxScore}
	var flags []uint32
	next := make([][]byte, len(device.Channels))
	for ch, c := range device.Channels {
		var stream *quality.Stream
		if ch < len(streams) && streams[ch] != nil {
			var err error
			if stream, err = quality.RestoreStream(s.model, streams[ch]); err != nil {
				return Result{}, nil, fmt.Errorf("device %d channel %s: restore state: %w", device.Id, c.Name, err)
			}
		} else {
			lo, hi := channelRange(c)
			stream = quality.NewStream(s.model, lo, hi, interval)
		}
		values := make([]quality.Reading, 0, len(readings))
		for _, r := range readings {
			if ch < len(r.Values) {
				values = append(values, quality.Reading{TimestampMs: r.TimestampMs, Value: r.Values[ch]})
			}
		}
		out := stream.ScoreBatch(values)
		if len(values) < len(readings) { // readings without this channel's value
			out.Score = out.Score * uint32(len(values)) / uint32(len(readings))
		}
		res.Score = min(res.Score, out.Score)
		flags = append(flags, batchFlags(out.Flags)...)
		bz, err := stream.MarshalBinary()
		if err != nil {
			return Result{}, nil, err
		}
		next[ch] = bz
	}
	slices.Sort(flags)
	res.Flags = slices.Compact(flags)
	return res, next, nil
}

// batchFlagOf names each reading flag of the quality model as a batch flag on chain.
var batchFlagOf = []struct {
	bit  uint16
	flag sensorstypes.BatchFlag
}{
	{quality.FlagOutOfRange, sensorstypes.BATCH_FLAG_OUT_OF_RANGE}, {quality.FlagStuck, sensorstypes.BATCH_FLAG_STUCK},
	{quality.FlagJump, sensorstypes.BATCH_FLAG_JUMP}, {quality.FlagGap, sensorstypes.BATCH_FLAG_GAP},
	{quality.FlagOutOfOrder, sensorstypes.BATCH_FLAG_OUT_OF_ORDER}, {quality.FlagDuplicate, sensorstypes.BATCH_FLAG_DUPLICATE},
	{quality.FlagAnomaly, sensorstypes.BATCH_FLAG_ANOMALY}, {quality.FlagPattern, sensorstypes.BATCH_FLAG_ANOMALY}, {quality.FlagBaseline, sensorstypes.BATCH_FLAG_ANOMALY},
}

// batchFlags lists the batch flags of a union of reading flags.
func batchFlags(bits uint16) []uint32 {
	var out []uint32
	for _, f := range batchFlagOf {
		if bits&f.bit != 0 {
			out = append(out, uint32(f.flag))
		}
	}
	return out
}

// channelRange is the declared physical range, or none (lo >= hi) when it does not parse.
func channelRange(c sensorstypes.Channel) (float64, float64) {
	lo, err1 := strconv.ParseFloat(c.Min, 64)
	hi, err2 := strconv.ParseFloat(c.Max, 64)
	if err1 != nil || err2 != nil {
		return 0, 0
	}
	return lo, hi
}

func (s *DeviceScorer) path(id uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("device-%d.state", id))
}

// lock takes a device's lock and returns its release.
func (s *DeviceScorer) lock(id uint64) func() {
	s.mu.Lock()
	l, ok := s.locks[id]
	if !ok {
		l = &sync.Mutex{}
		s.locks[id] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// load returns a device's state (cached, else from disk, else new); the caller holds its lock.
func (s *DeviceScorer) load(id uint64) (*deviceState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.states[id]; ok {
		return st, nil
	}
	st := &deviceState{Model: s.model.Hash, Results: map[uint64]Result{}}
	bz, err := os.ReadFile(s.path(id))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		saved := &deviceState{}
		if err := gob.NewDecoder(bytes.NewReader(bz)).Decode(saved); err != nil {
			return nil, fmt.Errorf("device %d state %s is corrupt: %w", id, s.path(id), err)
		}
		if saved.Model == s.model.Hash { // else another model's: start over
			st = saved
		}
		if st.Results == nil {
			st.Results = map[uint64]Result{}
		}
	}
	s.states[id] = st
	return st, nil
}

// save writes a device's state atomically (temporary file, fsync, rename).
func (s *DeviceScorer) save(id uint64, st *deviceState) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(st); err != nil {
		return err
	}
	return atomicfile.Write(s.path(id), buf.Bytes(), 0o600)
}

// Item turns a result into its item of a vote-extension report.
func (r Result) Item() oracletypes.ItemScore {
	return oracletypes.ItemScore{Score: r.Score, Flags: slices.Clone(r.Flags)}
}
