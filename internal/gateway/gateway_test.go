package gateway_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/internal/gateway"
	"github.com/thalamus-network/thalamus/pkg/batchverify"
	"github.com/thalamus-network/thalamus/pkg/reading"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

const gatewayAddr = "thalamus1gateway"

// fakeChain is the chain as the gateway sees it: a device registry and committed batches.
type fakeChain struct {
	mu      sync.Mutex
	devices map[uint64]types.Device
	stats   map[uint64]types.DeviceStats // batch progress
	batches map[[2]uint64]types.Batch
	fail    bool
	// refuse makes the chain refuse for good any batch whose first reading is older than this (ms).
	refuseBefore int64
}

type refused struct{}

func (refused) Error() string   { return "batch timestamps out of bounds" }
func (refused) Permanent() bool { return true }

func (c *fakeChain) Device(_ context.Context, id uint64) (types.Device, types.DeviceStats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.devices[id]
	if !ok {
		return d, types.DeviceStats{}, errors.New("not found")
	}
	return d, c.stats[id], nil
}

func (c *fakeChain) Batch(_ context.Context, id, seq uint64) (types.Batch, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.batches[[2]uint64{id, seq}]
	if !ok {
		return b, errors.New("not found")
	}
	return b, nil
}

// Commit applies the chain's sequence rule, like x/sensors does.
func (c *fakeChain) Commit(_ context.Context, msgs []*types.MsgCommitBatch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return errors.New("node down")
	}
	for _, m := range msgs {
		if m.FirstReadingMs < c.refuseBefore {
			return refused{}
		}
	}
	for _, m := range msgs {
		s := c.stats[m.DeviceId]
		if m.Seq != s.Batches+1 {
			return fmt.Errorf("device %d expects batch %d, got %d", m.DeviceId, s.Batches+1, m.Seq)
		}
		s.Batches, s.LastReadingMs = m.Seq, m.LastReadingMs
		c.stats[m.DeviceId] = s
		c.batches[[2]uint64{m.DeviceId, m.Seq}] = types.Batch{
			DeviceId: m.DeviceId, Seq: m.Seq, Root: m.Root, Count: m.Count, Uri: m.Uri,
			FirstReadingMs: m.FirstReadingMs, LastReadingMs: m.LastReadingMs, SizeBytes: m.SizeBytes,
		}
	}
	return nil
}

func key(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func newChain(devices ...uint64) *fakeChain {
	c := &fakeChain{devices: map[uint64]types.Device{}, stats: map[uint64]types.DeviceStats{}, batches: map[[2]uint64]types.Batch{}}
	for _, id := range devices {
		c.devices[id] = types.Device{
			Id: id, Owner: "thalamus1owner", Gateway: gatewayAddr, Status: types.DEVICE_STATUS_ACTIVE,
			PubKey:   key(fmt.Sprint("device", id)).Public().(ed25519.PublicKey),
			Channels: []types.Channel{{Name: "temperature_c", Unit: "C", Min: "-40", Max: "60"}},
		}
	}
	return c
}

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func signedReading(id, seq uint64, ts time.Time, v float64) reading.Reading {
	r := reading.Reading{DeviceId: id, Sequence: seq, TimestampMs: ts.UnixMilli(), Values: []float64{v}}
	reading.Sign(key(fmt.Sprint("device", id)), &r)
	return r
}

type harness struct {
	gw     *gateway.Gateway
	chain  *fakeChain
	server *httptest.Server
	dir    string
}

func newHarness(t testing.TB, chain *fakeChain, dir string) harness {
	return newHarnessBatching(t, chain, dir, 10)
}

// newHarnessBatching starts a gateway sealing batches of batchReadings, with its HTTP API on a test server.
func newHarnessBatching(t testing.TB, chain *fakeChain, dir string, batchReadings int) harness {
	return newHarnessWith(t, chain, dir, func(cfg *gateway.Config) { cfg.BatchReadings = batchReadings })
}

// newHarnessWith starts a gateway with the test defaults changed by edit.
func newHarnessWith(t testing.TB, chain *fakeChain, dir string, edit func(*gateway.Config)) harness {
	t.Helper()
	cfg := gateway.DefaultConfig()
	cfg.StateDir, cfg.Address, cfg.BatchReadings, cfg.BatchInterval = dir, gatewayAddr, 10, time.Hour
	edit(&cfg)
	var h harness
	h.server = httptest.NewUnstartedServer(nil)
	cfg.PublicURL = "http://" + h.server.Listener.Addr().String()
	gw, err := gateway.New(cfg, chain, chain, slog.New(slog.NewTextHandler(io.Discard, nil)), gateway.NewMetrics(prometheus.NewRegistry()))
	require.NoError(t, err)
	gateway.SetClock(gw, func() time.Time { return t0 })
	require.NoError(t, gw.Resume(context.Background()))
	h.server.Config.Handler = gw.Handler()
	h.server.Start()
	t.Cleanup(h.server.Close)
	h.gw, h.chain, h.dir = gw, chain, dir
	return h
}

func (h harness) post(t testing.TB, contentType string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(h.server.URL+"/v1/readings", contentType, bytes.NewReader(body))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func jsonBody(t testing.TB, readings ...reading.Reading) []byte {
	t.Helper()
	out := make([]gateway.JSONReading, len(readings))
	for i, r := range readings {
		out[i] = gateway.JSONReading{DeviceID: r.DeviceId, Sequence: r.Sequence, TimestampMs: r.TimestampMs, Values: r.Values, Signature: r.Signature}
	}
	bz, err := json.Marshal(out)
	require.NoError(t, err)
	return bz
}

func protoBody(t testing.TB, readings ...reading.Reading) []byte {
	bz, err := (&reading.ReadingList{Readings: readings}).Marshal()
	require.NoError(t, err)
	return bz
}

func TestIngestRejections(t *testing.T) {
	h := newHarness(t, newChain(1), t.TempDir())
	good := signedReading(1, 1, t0, 20)
	status, body := h.post(t, "application/json", jsonBody(t, good))
	require.Equal(t, http.StatusOK, status, body)

	tampered := signedReading(1, 2, t0, 20)
	tampered.Values[0] = 25
	badShape := signedReading(1, 3, t0, 20)
	badShape.Values = append(badShape.Values, 1)
	for name, tc := range map[string]struct {
		reading reading.Reading
		status  int
	}{
		"bad signature":           {tampered, http.StatusUnauthorized},
		"unknown device":          {signedReading(9, 1, t0, 20), http.StatusNotFound},
		"replayed sequence":       {good, http.StatusConflict},
		"older sequence":          {signedReading(1, 1, t0.Add(time.Second), 21), http.StatusConflict},
		"far future":              {signedReading(1, 5, t0.Add(time.Hour), 20), http.StatusUnprocessableEntity},
		"far past":                {signedReading(1, 6, t0.Add(-2*time.Hour), 20), http.StatusUnprocessableEntity},
		"values against channels": {badShape, http.StatusBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := h.post(t, "application/json", jsonBody(t, tc.reading))
			require.Equal(t, tc.status, status, body)
			require.Contains(t, body, "error")
		})
	}
	for name, tc := range map[string]struct {
		contentType string
		body        string
		status      int
	}{
		"not json":      {"application/json", "{", http.StatusBadRequest},
		"unknown field": {"application/json", `{"device_id":1,"colour":"red"}`, http.StatusBadRequest},
		"not protobuf":  {gateway.ContentTypeProtobuf, "\xff\xff\xff", http.StatusBadRequest},
		"empty list":    {"application/json", "[]", http.StatusBadRequest},
		"wrong type":    {"text/plain", "hello", http.StatusUnsupportedMediaType},
		"nan value":     {"application/json", `{"device_id":1,"sequence":9,"timestamp_ms":1,"values":["NaN"]}`, http.StatusBadRequest},
		"no signature":  {"application/json", fmt.Sprintf(`{"device_id":1,"sequence":9,"timestamp_ms":%d,"values":[1]}`, t0.UnixMilli()), http.StatusBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := h.post(t, tc.contentType, []byte(tc.body))
			require.Equal(t, tc.status, status, body)
		})
	}

	// A mixed request accepts what it can and names the rest.
	status, body = h.post(t, gateway.ContentTypeProtobuf, protoBody(t, signedReading(1, 10, t0, 20), good))
	require.Equal(t, http.StatusMultiStatus, status, body)
	require.Contains(t, body, `"accepted":1`)
}

func TestBatchesAreCommittedAndServedVerifiably(t *testing.T) {
	chain := newChain(1, 2)
	h := newHarness(t, chain, t.TempDir())
	for seq := uint64(1); seq <= 25; seq++ {
		body := protoBody(t, signedReading(1, seq, t0.Add(time.Duration(seq)*time.Second), float64(seq)), signedReading(2, seq, t0.Add(time.Duration(seq)*time.Millisecond), float64(seq)))
		status, resp := h.post(t, gateway.ContentTypeProtobuf, body)
		require.Equal(t, http.StatusOK, status, resp)
	}
	// 25 readings per device: two full batches of 10 sealed; the interval seals the rest.
	require.NoError(t, gateway.CommitNow(h.gw, context.Background()))
	require.Len(t, chain.batches, 4)
	gateway.SetClock(h.gw, func() time.Time { return t0.Add(2 * time.Hour) })
	gateway.SealDue(h.gw)
	require.NoError(t, gateway.CommitNow(h.gw, context.Background()))
	require.Len(t, chain.batches, 6)

	ctx := context.Background()
	for k, b := range chain.batches {
		pub := chain.devices[k[0]].PubKey
		readings, err := batchverify.FetchBatch(ctx, http.DefaultClient, &b, pub, reading.ZIP215Rules)
		require.NoError(t, err, "batch %v", k)
		require.Len(t, readings, int(b.Count))
		for i := range readings {
			r, err := batchverify.FetchProof(ctx, http.DefaultClient, &b, uint64(i), pub)
			require.NoError(t, err)
			require.Equal(t, readings[i], r)
		}
	}

	// A tampered batch fails against the committed root; so does a proof for another batch.
	b := chain.batches[[2]uint64{1, 1}]
	readings, err := batchverify.FetchBatch(ctx, http.DefaultClient, &b, nil, reading.ZIP215Rules)
	require.NoError(t, err)
	readings[3].Values[0]++
	require.ErrorIs(t, batchverify.VerifyBatch(readings, &b, nil, reading.ZIP215Rules), batchverify.ErrRootMismatch)
	other := chain.batches[[2]uint64{1, 2}]
	other.Uri = b.Uri
	_, err = batchverify.FetchBatch(ctx, http.DefaultClient, &other, nil, reading.ZIP215Rules)
	require.ErrorIs(t, err, batchverify.ErrRootMismatch)
	resigned := readings[3]
	reading.Sign(key("device1"), &resigned)
	readings[3] = resigned
	require.ErrorIs(t, batchverify.VerifyBatch(readings, &b, chain.devices[1].PubKey, reading.ZIP215Rules), batchverify.ErrRootMismatch,
		"even a correctly signed substitute does not match the root")
	// Web pages of any origin may read batches and proofs (the console verifies them in the
	// browser).
	for _, url := range []string{b.Uri, b.Uri + "/proof/0"} {
		resp, err := http.Get(url) //nolint:gosec // the test's own httptest server
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"), url)
	}
	missing := b
	missing.Uri = h.server.URL + "/v1/batches/1/99"
	_, err = batchverify.FetchBatch(ctx, http.DefaultClient, &missing, nil, reading.ZIP215Rules)
	require.ErrorIs(t, err, batchverify.ErrUnavailable)
}

func TestRestartResumesPendingAndUncommitted(t *testing.T) {
	chain := newChain(1)
	dir := t.TempDir()
	h := newHarness(t, chain, dir)
	chain.fail = true
	for seq := uint64(1); seq <= 14; seq++ {
		status, body := h.post(t, "application/json", jsonBody(t, signedReading(1, seq, t0.Add(time.Duration(seq)*time.Second), 1)))
		require.Equal(t, http.StatusOK, status, body)
	}
	require.Error(t, gateway.CommitNow(h.gw, context.Background()))
	h.gw.Close()
	h.server.Close()

	chain.fail = false
	h2 := newHarness(t, chain, dir)
	status, _ := h2.post(t, "application/json", jsonBody(t, signedReading(1, 14, t0.Add(14*time.Second), 1)))
	require.Equal(t, http.StatusConflict, status, "sequences survive the restart")
	require.NoError(t, gateway.CommitNow(h2.gw, context.Background()))
	require.Len(t, chain.batches, 1, "the batch sealed before the restart is committed after it")
	st, err := h2.gw.Status(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, gateway.DeviceStatus{DeviceID: 1, LastSequence: 14, Pending: 4, NextBatch: 2}, st)
}

func TestRefusedBatchIsSetAsideAndLaterOnesRenumbered(t *testing.T) {
	chain := newChain(1, 2)
	dir := t.TempDir()
	h := newHarness(t, chain, dir)
	// Device 1 seals batches 1-3; the chain refuses batch 1 for good (too old).
	for seq := uint64(1); seq <= 30; seq++ {
		status, body := h.post(t, gateway.ContentTypeProtobuf, protoBody(t,
			signedReading(1, seq, t0.Add(time.Duration(seq)*time.Second), 1), signedReading(2, seq, t0.Add(20*time.Second+time.Duration(seq)*time.Millisecond), 1)))
		require.Equal(t, http.StatusOK, status, body)
	}
	chain.refuseBefore = t0.Add(5 * time.Second).UnixMilli()
	require.Error(t, gateway.CommitNow(h.gw, context.Background()))
	require.NoError(t, gateway.CommitNow(h.gw, context.Background()))
	require.Equal(t, uint64(2), chain.stats[1].Batches, "batches 2 and 3 went in as 1 and 2")
	require.Equal(t, uint64(3), chain.stats[2].Batches, "the other device was not held back")
	// What the chain holds is what the gateway serves under the new numbers.
	for seq := uint64(1); seq <= 2; seq++ {
		b := chain.batches[[2]uint64{1, seq}]
		_, err := batchverify.FetchBatch(context.Background(), http.DefaultClient, &b, chain.devices[1].PubKey, reading.ZIP215Rules)
		require.NoError(t, err)
	}
	kept, err := filepath.Glob(filepath.Join(dir, "devices", "1", "rejected", "1-*.leaves"))
	require.NoError(t, err)
	require.Len(t, kept, 1, "the refused batch is kept for the operator")
}

// FuzzPostReadings throws arbitrary bodies at the ingest handler: it never panics and never
// answers 5xx, and whatever it accepts verifies against the device key.
func FuzzPostReadings(f *testing.F) {
	chain := newChain(1)
	h := newHarness(f, chain, f.TempDir())
	f.Add("application/json", jsonBody(f, signedReading(1, 1, t0, 20)))
	f.Add(gateway.ContentTypeProtobuf, protoBody(f, signedReading(1, 2, t0, 20)))
	f.Add("application/json", []byte(`{"readings":[{"device_id":1}]}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/v1/readings", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		h.gw.Handler().ServeHTTP(rec, req)
		require.Less(t, rec.Code, 500, rec.Body.String())
		require.True(t, json.Valid(rec.Body.Bytes()), "answers are JSON")
	})
}

// FuzzGetBatches throws arbitrary paths at the read side (batches, proofs, devices) of a
// gateway holding a committed batch: it never panics or answers 5xx, and a batch it serves
// is the committed one.
func FuzzGetBatches(f *testing.F) {
	chain := newChain(1)
	h := newHarnessBatching(f, chain, f.TempDir(), 5) // the 5 readings seal batch 1
	readings := make([]reading.Reading, 5)
	for i := range readings {
		readings[i] = signedReading(1, uint64(i+1), t0.Add(time.Duration(i)*time.Second), float64(i))
	}
	status, answer := h.post(f, gateway.ContentTypeProtobuf, protoBody(f, readings...))
	require.Equal(f, http.StatusOK, status, answer)
	require.NoError(f, gateway.CommitNow(h.gw, context.Background()))
	for _, seed := range []string{"/v1/batches/1/1", "/v1/batches/1/1/proof/4", "/v1/batches/1/1/proof/5", "/v1/devices/1",
		"/v1/batches/1/2", "/v1/batches/18446744073709551615/1", "/v1/batches/-1/x", "/v1/health"} {
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, path string, protobuf bool) {
		u, err := url.ParseRequestURI(path)
		if err != nil {
			t.Skip()
		}
		req := httptest.NewRequest(http.MethodGet, u.RequestURI(), nil)
		if protobuf {
			req.Header.Set("Accept", gateway.ContentTypeProtobuf)
		}
		rec := httptest.NewRecorder()
		h.gw.Handler().ServeHTTP(rec, req)
		require.Less(t, rec.Code, 500, rec.Body.String())
		if rec.Code == http.StatusOK && protobuf && strings.HasPrefix(u.Path, "/v1/batches/1/1") && !strings.Contains(u.Path, "/proof/") {
			b := chain.batches[[2]uint64{1, 1}]
			_, err := batchverify.DecodeBatch(rec.Body.Bytes(), &b, chain.devices[1].PubKey, reading.ZIP215Rules)
			require.NoError(t, err, "a served batch verifies against the chain")
		}
	})
}

// BenchmarkIngest measures signed readings accepted per second through the HTTP handler:
// 100 readings per protobuf request, one device per client, 4 clients per core, with
// signature checks and disk writes (batches of 1000 readings sealed and fsynced). Requests are signed before the timer starts.
func BenchmarkIngest(b *testing.B) {
	const perRequest = 100
	clients := 4 * runtime.GOMAXPROCS(0)
	ids := make([]uint64, clients)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	h := newHarnessBatching(b, newChain(ids...), b.TempDir(), 1000)
	handler := h.gw.Handler()
	work := make([][][]byte, clients)
	seq := make([]uint64, clients)
	for n := 0; n < b.N; n++ {
		c := n % clients
		readings := make([]reading.Reading, perRequest)
		for j := range readings {
			seq[c]++
			readings[j] = signedReading(ids[c], seq[c], t0.Add(time.Duration(seq[c])*time.Millisecond), float64(j))
		}
		work[c] = append(work[c], protoBody(b, readings...))
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := range work {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, body := range work[c] {
				req := httptest.NewRequest(http.MethodPost, "/v1/readings", bytes.NewReader(body))
				req.Header.Set("Content-Type", gateway.ContentTypeProtobuf)
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Errorf("ingest answered %d: %s", rec.Code, rec.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N*perRequest)/b.Elapsed().Seconds(), "readings/s")
}

// A device may not send much faster than its registered interval; only its own correctly
// signed readings spend its budget.
func TestDeviceRateLimit(t *testing.T) {
	chain := newChain(1)
	d := chain.devices[1]
	d.SamplingInterval = time.Minute
	chain.devices[1] = d
	h := newHarnessWith(t, chain, t.TempDir(), func(cfg *gateway.Config) { cfg.RateBurst = 10 * time.Minute }) // burst 20
	forged := signedReading(1, 1, t0, 20)
	forged.Signature[0] ^= 0xff
	for range 30 {
		status, _ := h.post(t, "application/json", jsonBody(t, forged))
		require.Equal(t, http.StatusUnauthorized, status)
	}
	for seq := uint64(1); seq <= 20; seq++ {
		status, body := h.post(t, "application/json", jsonBody(t, signedReading(1, seq, t0.Add(time.Duration(seq)*time.Second), 20)))
		require.Equal(t, http.StatusOK, status, body)
	}
	status, body := h.post(t, "application/json", jsonBody(t, signedReading(1, 21, t0.Add(21*time.Second), 20)))
	require.Equal(t, http.StatusTooManyRequests, status, body)
	require.Contains(t, body, "faster than 2 times its registered interval")
}

// Within the disk budget nothing is deleted; over it, batches older than the retention go
// first, and while none is that old new readings are refused.
func TestDiskQuota(t *testing.T) {
	dir := t.TempDir()
	h := newHarnessWith(t, newChain(1), dir, func(cfg *gateway.Config) {
		cfg.BatchReadings, cfg.MaxDiskBytes, cfg.Retention = 5, 1500, time.Hour
	})
	send := func(seq uint64) int {
		status, _ := h.post(t, "application/json", jsonBody(t, signedReading(1, seq, t0.Add(time.Duration(seq)*time.Second), 20)))
		return status
	}
	seq := uint64(1)
	for ; send(seq) == http.StatusOK; seq++ {
		require.Less(t, seq, uint64(100), "the budget never filled")
	}
	require.Equal(t, http.StatusInsufficientStorage, send(seq), "full, and nothing older than the retention to delete")
	require.NoError(t, gateway.CommitNow(h.gw, context.Background()))
	n, err := gateway.EvictNow(h.gw)
	require.NoError(t, err)
	require.Zero(t, n, "no batch is past the retention yet")
	batches, err := filepath.Glob(filepath.Join(dir, "devices", "1", "batches", "*.leaves"))
	require.NoError(t, err)

	gateway.SetClock(h.gw, func() time.Time { return t0.Add(2 * time.Hour) })
	n, err = gateway.EvictNow(h.gw)
	require.NoError(t, err)
	require.Positive(t, n)
	left, err := filepath.Glob(filepath.Join(dir, "devices", "1", "batches", "*.leaves"))
	require.NoError(t, err)
	require.Len(t, left, len(batches)-n)
	_, err = os.Stat(filepath.Join(dir, "devices", "1", "batches", "1.leaves"))
	require.ErrorIs(t, err, os.ErrNotExist, "the oldest went first")
	status, _ := h.post(t, "application/json", jsonBody(t, signedReading(1, seq, t0.Add(2*time.Hour), 20)))
	require.Equal(t, http.StatusOK, status, "room again")
}
