package reading_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/merkle"
	"github.com/thalamus-network/thalamus/pkg/reading"
)

func testKey() ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("device"))
	return ed25519.NewKeyFromSeed(seed[:])
}

func signed(seq uint64, values ...float64) reading.Reading {
	r := reading.Reading{DeviceId: 7, Sequence: seq, TimestampMs: 1_764_000_000_000 + int64(seq)*1000, Values: values}
	reading.Sign(testKey(), &r)
	return r
}

func TestSignBytesAreFixed(t *testing.T) {
	// The encoding is a protocol: devices in other languages produce these exact bytes.
	r := reading.Reading{DeviceId: 1, Sequence: 2, TimestampMs: 3, Values: []float64{1.5}}
	want := []byte("THR1\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x03\x00\x01\x3f\xf8\x00\x00\x00\x00\x00\x00")
	require.Equal(t, want, reading.SignBytes(&r))
}

func TestVerify(t *testing.T) {
	pub := testKey().Public().(ed25519.PublicKey)
	r := signed(1, 21.5, 40)
	_, err := reading.Verify(pub, &r, nil)
	require.NoError(t, err)

	tampered := r
	tampered.Values = []float64{21.6, 40}
	_, err = reading.Verify(pub, &tampered, nil)
	require.ErrorIs(t, err, reading.ErrBadSignature)

	replayedAsNext := r
	replayedAsNext.Sequence = 2
	_, err = reading.Verify(pub, &replayedAsNext, nil)
	require.ErrorIs(t, err, reading.ErrBadSignature, "the sequence is signed")

	for _, bad := range []reading.Reading{
		{DeviceId: 7, Sequence: 1, Signature: r.Signature},
		{DeviceId: 7, Sequence: 1, Values: []float64{math.NaN()}, Signature: r.Signature},
		{DeviceId: 7, Sequence: 1, Values: []float64{math.Inf(1)}, Signature: r.Signature},
		{DeviceId: 7, Sequence: 1, Values: []float64{1}, Signature: r.Signature[:10]},
	} {
		_, err = reading.Verify(pub, &bad, nil)
		require.ErrorIs(t, err, reading.ErrMalformed)
	}
}

func TestLeafRoundTrip(t *testing.T) {
	r := signed(3, -12.25, 0, 1e9)
	back, err := reading.DecodeLeaf(reading.Leaf(&r))
	require.NoError(t, err)
	require.Equal(t, r, back)
}

func TestBatchProofs(t *testing.T) {
	readings := make([]reading.Reading, 13)
	for i := range readings {
		readings[i] = signed(uint64(i+1), float64(i))
	}
	b := reading.NewBatch(readings)
	require.Equal(t, uint32(13), b.Count)
	require.Equal(t, readings[0].TimestampMs, b.FirstMs)
	require.Equal(t, readings[12].TimestampMs, b.LastMs)
	// Out of order, the bounds are still the earliest and latest stamps.
	readings[0].TimestampMs, readings[5].TimestampMs = readings[5].TimestampMs+100_000, readings[0].TimestampMs-100_000
	b = reading.NewBatch(readings)
	require.Equal(t, readings[5].TimestampMs, b.FirstMs)
	require.Equal(t, readings[0].TimestampMs, b.LastMs)
	for i := range readings {
		leaf, proof, err := b.Proof(i)
		require.NoError(t, err)
		require.NoError(t, merkle.Verify(b.Root, leaf, uint64(i), 13, proof))
		// Any flipped byte of the leaf fails.
		for j := range leaf {
			flipped := bytes.Clone(leaf)
			flipped[j] ^= 0x01
			require.Error(t, merkle.Verify(b.Root, flipped, uint64(i), 13, proof))
		}
	}
	// Order matters: swapping two readings changes the root.
	readings[3], readings[4] = readings[4], readings[3]
	require.NotEqual(t, b.Root, reading.NewBatch(readings).Root)
}

// FuzzDecodeLeaf feeds arbitrary bytes to the leaf decoder: it never panics, errors are
// ErrMalformed, and whatever decodes re-encodes to the same bytes.
func FuzzDecodeLeaf(f *testing.F) {
	r := signed(1, 21.5, 40)
	f.Add(reading.Leaf(&r))
	f.Add([]byte("THR1"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, leaf []byte) {
		got, err := reading.DecodeLeaf(leaf)
		if err != nil {
			require.True(t, errors.Is(err, reading.ErrMalformed), err.Error())
			return
		}
		require.Equal(t, leaf, reading.Leaf(&got))
	})
}

func BenchmarkVerify(b *testing.B) {
	pub := testKey().Public().(ed25519.PublicKey)
	r := signed(1, 21.5, 40)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = reading.Verify(pub, &r, buf); err != nil {
			b.Fatal(err)
		}
	}
}
