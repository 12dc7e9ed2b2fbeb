// Package reading defines the canonical byte encoding of a signed sensor reading, which the
// device signs, the gateway stores and serves, and the Merkle root of a batch commits to.
//
//	"THR1" | device id (u64) | sequence (u64) | timestamp ms (i64) | n (u16) | n x value (IEEE 754 f64)
//
// all big-endian. A leaf of the batch tree is that encoding followed by the 64-byte ed25519
// signature, so a verifier can check every reading's signature from the served data alone.
package reading

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/thalamus-network/thalamus/pkg/merkle"
)

const (
	magic      = "THR1"
	headerSize = len(magic) + 8 + 8 + 8 + 2
	// MaxValues caps the channel values of one reading (the chain caps channels at 256).
	MaxValues = 256
)

var (
	// ErrMalformed is wrapped by every decoding failure.
	ErrMalformed = errors.New("malformed reading")
	// ErrBadSignature means the reading was not signed by the device key.
	ErrBadSignature = errors.New("reading signature does not verify against the device key")
)

// AppendSignBytes appends the canonical encoding of r (without its signature) to dst.
func AppendSignBytes(dst []byte, r *Reading) []byte {
	dst = append(dst, magic...)
	dst = binary.BigEndian.AppendUint64(dst, r.DeviceId)
	dst = binary.BigEndian.AppendUint64(dst, r.Sequence)
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.TimestampMs))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(r.Values)))
	for _, v := range r.Values {
		dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(v))
	}
	return dst
}

// SignBytes returns the canonical encoding of r that the device key signs.
func SignBytes(r *Reading) []byte {
	return AppendSignBytes(make([]byte, 0, headerSize+8*len(r.Values)), r)
}

// Sign sets r.Signature with the device key.
func Sign(key ed25519.PrivateKey, r *Reading) {
	r.Signature = ed25519.Sign(key, SignBytes(r))
}

// CheckShape rejects readings no device could have sent: no values, too many, or values
// that are not finite numbers.
func CheckShape(r *Reading) error {
	if len(r.Values) == 0 || len(r.Values) > MaxValues {
		return fmt.Errorf("%w: %d values, want 1 to %d", ErrMalformed, len(r.Values), MaxValues)
	}
	for i, v := range r.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: value %d is %v", ErrMalformed, i, v)
		}
	}
	if len(r.Signature) != ed25519.SignatureSize {
		return fmt.Errorf("%w: signature must be %d bytes, got %d", ErrMalformed, ed25519.SignatureSize, len(r.Signature))
	}
	return nil
}

// Verify checks r's shape and its signature by pub. buf is scratch space that may be nil;
// passing the returned slice back in avoids an allocation per reading.
func Verify(pub ed25519.PublicKey, r *Reading, buf []byte) ([]byte, error) {
	if err := CheckShape(r); err != nil {
		return buf, err
	}
	buf = AppendSignBytes(buf[:0], r)
	if !ed25519.Verify(pub, buf, r.Signature) {
		return buf, ErrBadSignature
	}
	return buf, nil
}

// Leaf returns the Merkle leaf of a signed reading: its canonical encoding and signature.
func Leaf(r *Reading) []byte {
	return append(AppendSignBytes(make([]byte, 0, headerSize+8*len(r.Values)+ed25519.SignatureSize), r), r.Signature...)
}

// DecodeLeaf parses a leaf back into a reading.
func DecodeLeaf(leaf []byte) (Reading, error) {
	var r Reading
	if len(leaf) < headerSize+ed25519.SignatureSize || string(leaf[:len(magic)]) != magic {
		return r, fmt.Errorf("%w: %d bytes without the THR1 header and signature", ErrMalformed, len(leaf))
	}
	b := leaf[len(magic):]
	r.DeviceId = binary.BigEndian.Uint64(b)
	r.Sequence = binary.BigEndian.Uint64(b[8:])
	r.TimestampMs = int64(binary.BigEndian.Uint64(b[16:]))
	n := int(binary.BigEndian.Uint16(b[24:]))
	b = b[26:]
	if len(b) != 8*n+ed25519.SignatureSize {
		return r, fmt.Errorf("%w: %d values need %d more bytes, got %d", ErrMalformed, n, 8*n+ed25519.SignatureSize, len(b))
	}
	r.Values = make([]float64, n)
	for i := range r.Values {
		r.Values[i] = math.Float64frombits(binary.BigEndian.Uint64(b[8*i:]))
	}
	r.Signature = append([]byte(nil), b[8*n:]...)
	return r, CheckShape(&r)
}

// Batch is the commitment to an ordered list of signed readings of one device.
type Batch struct {
	Root  merkle.Hash
	Count uint32
	// FirstMs and LastMs bound the readings' timestamps (the earliest and the latest, which
	// need not be the first and last readings): validators refuse a batch holding a reading
	// stamped outside them, which is what makes a replayed batch worthless.
	FirstMs   int64
	LastMs    int64
	SizeBytes uint64
	leaves    [][]byte
}

// NewBatch builds the leaves and root of readings in order.
func NewBatch(readings []Reading) Batch {
	b := Batch{Count: uint32(len(readings)), leaves: make([][]byte, len(readings))}
	for i := range readings {
		b.leaves[i] = Leaf(&readings[i])
		b.SizeBytes += uint64(len(b.leaves[i]))
	}
	for i := range readings {
		if i == 0 || readings[i].TimestampMs < b.FirstMs {
			b.FirstMs = readings[i].TimestampMs
		}
		b.LastMs = max(b.LastMs, readings[i].TimestampMs)
	}
	b.Root = merkle.Root(b.leaves)
	return b
}

// Proof returns the inclusion proof of reading index and its leaf.
func (b Batch) Proof(index int) (leaf []byte, proof []merkle.Hash, err error) {
	p, err := merkle.Proof(b.leaves, index)
	if err != nil {
		return nil, nil, err
	}
	return b.leaves[index], p, nil
}
