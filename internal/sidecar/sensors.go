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

// deviceState is what the sidecar keeps per device on disk: the quality model's streams (one
// per channel) and the last results, so scoring continues exactly where it stopped.
type deviceState struct {
	LastSeq uint64
	Streams [][]byte
	Results map[uint64]Result
}

// Result is a sensor batch's score and flags (x/sensors BatchFlag values, increasing).
type Result struct {
	Score uint32
	Flags []uint32
}

// DeviceScorer scores a device's batches in sequence with the embedded quality model,
// persisting each device's state in dir. It fetches only where its egress policy allows.
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
// key (under rules: x/sensors' Params.SignatureRules for the batch), and scores every channel; the batch scores as its worst channel. A batch that cannot
// be fetched or does not match scores 0 with the matching flag. Batches of one device must
// come in sequence order; one scored before (also before a restart) returns its stored result.
func (s *DeviceScorer) ScoreBatch(ctx context.Context, device sensorstypes.Device, batch sensorstypes.Batch, rules reading.SignatureRules) (Result, error) {
	unlock := s.lock(device.Id)
	defer unlock()
	st, err := s.load(device.Id)
	if err != nil {
		return Result{}, err
	}
	if batch.Seq <= st.LastSeq {
		if r, ok := st.Results[batch.Seq]; ok {
			return r, nil
		}
		return Result{}, fmt.Errorf("device %d batch %d is older than the last scored batch %d", device.Id, batch.Seq, st.LastSeq)
	}
	readings, err := s.fetch(ctx, batch, ed25519.PublicKey(device.PubKey), rules)
	if ctx.Err() != nil { // shutting down: the fetch was cut short, not the gateway's fault
		return Result{}, ctx.Err()
	}
	var res Result
	switch {
	case errors.Is(err, egress.ErrForbidden):
		res.Flags = []uint32{uint32(sensorstypes.BATCH_FLAG_FORBIDDEN_URI)}
	case errors.Is(err, batchverify.ErrBadSignature):
		res.Flags = []uint32{uint32(sensorstypes.BATCH_FLAG_BAD_SIGNATURE)}
	case errors.Is(err, batchverify.ErrRootMismatch):
		res.Flags = []uint32{uint32(sensorstypes.BATCH_FLAG_ROOT_MISMATCH)}
	case errors.Is(err, batchverify.ErrUnavailable):
		res.Flags = []uint32{uint32(sensorstypes.BATCH_FLAG_UNAVAILABLE)}
	case err != nil:
		return Result{}, err
	default:
		if res, err = s.scoreReadings(device, st, readings); err != nil {
			return Result{}, err
		}
	}
	st.LastSeq = batch.Seq
	st.Results[batch.Seq] = res
	for seq := range st.Results {
		if seq+keptResults <= batch.Seq {
			delete(st.Results, seq)
		}
	}
	return res, s.save(device.Id, st)
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

// scoreReadings runs each channel's stream over the readings and advances the state.
func (s *DeviceScorer) scoreReadings(device sensorstypes.Device, st *deviceState, readings []reading.Reading) (Result, error) {
	interval := device.SamplingInterval.Milliseconds()
	res := Result{Score: appconsts.MaxScore}
	var flags []uint32
	for ch, c := range device.Channels {
		var stream *quality.Stream
		if ch < len(st.Streams) && st.Streams[ch] != nil {
			var err error
			if stream, err = quality.RestoreStream(s.model, st.Streams[ch]); err != nil {
				return Result{}, fmt.Errorf("device %d channel %s: restore state: %w", device.Id, c.Name, err)
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
			return Result{}, err
		}
		for len(st.Streams) <= ch {
			st.Streams = append(st.Streams, nil)
		}
		st.Streams[ch] = bz
	}
	slices.Sort(flags)
	res.Flags = slices.Compact(flags)
	return res, nil
}

// batchFlagOf names each reading flag of the quality model as a batch flag on chain.
var batchFlagOf = []struct {
	bit  uint16
	flag sensorstypes.BatchFlag
}{
	{quality.FlagOutOfRange, sensorstypes.BATCH_FLAG_OUT_OF_RANGE}, {quality.FlagStuck, sensorstypes.BATCH_FLAG_STUCK},
	{quality.FlagJump, sensorstypes.BATCH_FLAG_JUMP}, {quality.FlagGap, sensorstypes.BATCH_FLAG_GAP},
	{quality.FlagOutOfOrder, sensorstypes.BATCH_FLAG_OUT_OF_ORDER}, {quality.FlagDuplicate, sensorstypes.BATCH_FLAG_DUPLICATE},
	{quality.FlagAnomaly, sensorstypes.BATCH_FLAG_ANOMALY}, {quality.FlagPattern, sensorstypes.BATCH_FLAG_ANOMALY},
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
	st := &deviceState{Results: map[uint64]Result{}}
	bz, err := os.ReadFile(s.path(id))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := gob.NewDecoder(bytes.NewReader(bz)).Decode(st); err != nil {
			return nil, fmt.Errorf("device %d state %s is corrupt: %w", id, s.path(id), err)
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

// Report turns a result into the vote-extension report for a task.
func (r Result) Report(taskID uint64) *oracletypes.TaskReport {
	return &oracletypes.TaskReport{TaskId: taskID, Score: r.Score, Flags: slices.Clone(r.Flags)}
}
