package batchverify_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/batchverify"
	"github.com/thalamus-network/thalamus/pkg/egress"
	"github.com/thalamus-network/thalamus/pkg/reading"
)

var deviceKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

// commitment is a batch as the chain holds it (x/sensors' Batch has the same getters).
type commitment struct {
	deviceID uint64
	root     []byte
	count    uint32
	uri      string
	size     uint64
	firstMs  int64
	lastMs   int64
}

func (c commitment) GetDeviceId() uint64      { return c.deviceID }
func (c commitment) GetRoot() []byte          { return c.root }
func (c commitment) GetCount() uint32         { return c.count }
func (c commitment) GetUri() string           { return c.uri }
func (c commitment) GetSizeBytes() uint64     { return c.size }
func (c commitment) GetFirstReadingMs() int64 { return c.firstMs }
func (c commitment) GetLastReadingMs() int64  { return c.lastMs }

// committed returns three signed readings of device 7 and their batch as the chain holds it.
func committed(t testing.TB) ([]reading.Reading, batchverify.Commitment) {
	t.Helper()
	readings := make([]reading.Reading, 3)
	for i := range readings {
		readings[i] = reading.Reading{DeviceId: 7, Sequence: uint64(i + 1), TimestampMs: 1_764_000_000_000 + int64(i)*1000, Values: []float64{20 + float64(i)}}
		reading.Sign(deviceKey, &readings[i])
	}
	b := reading.NewBatch(readings)
	return readings, commitment{deviceID: 7, root: b.Root[:], count: 3, uri: "http://gateway.example/v1/batches/7/1", size: b.SizeBytes,
		firstMs: b.FirstMs, lastMs: b.LastMs}
}

func body(t testing.TB, readings []reading.Reading) []byte {
	t.Helper()
	bz, err := (&reading.ReadingList{Readings: readings}).Marshal()
	require.NoError(t, err)
	return bz
}

func proofBody(t testing.TB, readings []reading.Reading, index int) []byte {
	t.Helper()
	leaf, path, err := reading.NewBatch(readings).Proof(index)
	require.NoError(t, err)
	hexes := make([]string, len(path))
	for i, h := range path {
		hexes[i] = hex.EncodeToString(h[:])
	}
	bz, err := json.Marshal(batchverify.Proof{Index: uint64(index), Count: uint64(len(readings)), Leaf: leaf, Proof: hexes})
	require.NoError(t, err)
	return bz
}

func TestDecodeBatch(t *testing.T) {
	readings, batch := committed(t)
	got, err := batchverify.DecodeBatch(body(t, readings), batch, deviceKey.Public().(ed25519.PublicKey), reading.ZIP215Rules)
	require.NoError(t, err)
	require.Equal(t, readings, got)

	_, err = batchverify.DecodeBatch([]byte("not protobuf \xff"), batch, nil, reading.ZIP215Rules)
	require.ErrorIs(t, err, batchverify.ErrUnavailable)
	_, err = batchverify.DecodeBatch(body(t, readings[:2]), batch, nil, reading.ZIP215Rules)
	require.ErrorIs(t, err, batchverify.ErrRootMismatch, "a missing reading")
	forged := append([]reading.Reading(nil), readings...)
	forged[1].Values = []float64{99}
	_, err = batchverify.DecodeBatch(body(t, forged), batch, nil, reading.ZIP215Rules)
	require.ErrorIs(t, err, batchverify.ErrRootMismatch, "a changed value moves the root")
	other := ed25519.NewKeyFromSeed(append(make([]byte, ed25519.SeedSize-1), 1))
	_, err = batchverify.DecodeBatch(body(t, readings), batch, other.Public().(ed25519.PublicKey), reading.ZIP215Rules)
	require.ErrorIs(t, err, batchverify.ErrBadSignature)
}

// A batch committed again later (the same root, the next sequence, later time bounds, as the
// chain requires) is refused: its readings are stamped before the new bounds.
func TestReplayedBatchIsRefused(t *testing.T) {
	readings, batch := committed(t)
	replayed := batch.(commitment)
	replayed.firstMs, replayed.lastMs = replayed.lastMs+1, replayed.lastMs+60_000
	pub := deviceKey.Public().(ed25519.PublicKey)
	_, err := batchverify.DecodeBatch(body(t, readings), replayed, pub, reading.ZIP215Rules)
	require.ErrorIs(t, err, batchverify.ErrRootMismatch)
	require.ErrorContains(t, err, "outside the committed")
	_, err = batchverify.DecodeProof(proofBody(t, readings, 2), replayed, 2, pub)
	require.ErrorIs(t, err, batchverify.ErrRootMismatch, "a replayed reading's proof")

	narrow := batch.(commitment)
	narrow.lastMs--
	_, err = batchverify.DecodeBatch(body(t, readings), narrow, pub, reading.ZIP215Rules)
	require.ErrorIs(t, err, batchverify.ErrRootMismatch, "bounds that leave out the last reading")
}

func TestDecodeProof(t *testing.T) {
	readings, batch := committed(t)
	pub := deviceKey.Public().(ed25519.PublicKey)
	for i := range readings {
		got, err := batchverify.DecodeProof(proofBody(t, readings, i), batch, uint64(i), pub)
		require.NoError(t, err)
		require.Equal(t, readings[i], got)
	}
	_, err := batchverify.DecodeProof(proofBody(t, readings, 1), batch, 2, pub)
	require.ErrorIs(t, err, batchverify.ErrRootMismatch, "the proof of another reading")
	_, err = batchverify.DecodeProof([]byte(`{"index":`), batch, 0, pub)
	require.ErrorIs(t, err, batchverify.ErrUnavailable)
}

// FuzzDecodeBatch: whatever a gateway serves, decoding never panics, and a body that is
// accepted holds exactly the committed, signed readings.
func FuzzDecodeBatch(f *testing.F) {
	readings, batch := committed(f)
	pub := deviceKey.Public().(ed25519.PublicKey)
	f.Add(body(f, readings))
	f.Add(body(f, readings[:2]))
	f.Add([]byte{0x0a, 0x00})
	f.Fuzz(func(t *testing.T, served []byte) {
		got, err := batchverify.DecodeBatch(served, batch, pub, reading.ZIP215Rules)
		if err != nil {
			require.True(t, errors.Is(err, batchverify.ErrUnavailable) || errors.Is(err, batchverify.ErrRootMismatch) ||
				errors.Is(err, batchverify.ErrBadSignature), "unclassified error: %v", err)
			return
		}
		require.Equal(t, body(t, readings), body(t, got))
	})
}

// FuzzDecodeProof: a served proof never panics the verifier, and an accepted one proves a
// committed reading at the asked index.
func FuzzDecodeProof(f *testing.F) {
	readings, batch := committed(f)
	pub := deviceKey.Public().(ed25519.PublicKey)
	for i := range readings {
		f.Add(proofBody(f, readings, i), uint64(i))
	}
	f.Add([]byte(`{"index":0,"count":3,"leaf":"","proof":["zz"]}`), uint64(0))
	f.Fuzz(func(t *testing.T, served []byte, index uint64) {
		got, err := batchverify.DecodeProof(served, batch, index, pub)
		if err != nil {
			return
		}
		require.Less(t, index, uint64(len(readings)))
		require.Equal(t, readings[index], got)
	})
}

// A served batch is read up to the size its commitment allows, never further.
func TestFetchBatchCapsTheBody(t *testing.T) {
	readings, batch := committed(t)
	served := body(t, readings)
	require.LessOrEqual(t, int64(len(served)), batchverify.MaxServedBytes(batch), "an honest batch fits")
	var pad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(served)
		if r.URL.Path == "/huge" {
			for range 1 << 10 { // 64 MiB of padding, written until the client hangs up
				n, err := w.Write(make([]byte, 64<<10))
				pad.Add(int64(n))
				if err != nil {
					return
				}
			}
		}
	}))
	defer srv.Close()
	c := batch.(commitment)
	c.uri = srv.URL + "/batch"
	got, err := batchverify.FetchBatch(context.Background(), srv.Client(), c, deviceKey.Public().(ed25519.PublicKey), reading.ZIP215Rules)
	require.NoError(t, err)
	require.Equal(t, readings, got)
	c.uri = srv.URL + "/huge"
	_, err = batchverify.FetchBatch(context.Background(), srv.Client(), c, nil, reading.ZIP215Rules)
	require.ErrorIs(t, err, batchverify.ErrRootMismatch)
	require.Less(t, pad.Load(), int64(8<<20), "the client stopped reading long before the padding ended")
}

// Without a client of its own a consumer gets one that vets addresses: a URI a committer
// aimed at loopback is never fetched.
func TestFetchWithoutAClientIsVetted(t *testing.T) {
	_, batch := committed(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := batch.(commitment)
	c.uri = srv.URL + "/batch"
	_, err := batchverify.FetchBatch(context.Background(), nil, c, nil, reading.ZIP215Rules)
	require.ErrorIs(t, err, egress.ErrForbidden)
	_, err = batchverify.FetchProof(context.Background(), nil, c, 0, nil)
	require.ErrorIs(t, err, egress.ErrForbidden)
	require.Zero(t, hits.Load())
}
