// Package batchverify lets any data consumer check sensor data against the chain: fetch a
// batch from the URI its commitment names and verify it against the on-chain Merkle root
// (and every device signature), or verify a single reading with its inclusion proof.
package batchverify

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/thalamus-network/thalamus/pkg/egress"
	"github.com/thalamus-network/thalamus/pkg/merkle"
	"github.com/thalamus-network/thalamus/pkg/reading"
)

// Commitment is what the chain holds of a batch: x/sensors' Batch satisfies it (pass a
// pointer), and a consumer that read a commitment over REST can wrap its fields the same way.
type Commitment interface {
	GetDeviceId() uint64
	GetCount() uint32
	GetRoot() []byte
	GetUri() string
	// GetFirstReadingMs and GetLastReadingMs bound the readings' timestamps. The chain makes
	// a device's batches follow each other in time, so a batch's readings served again under
	// a later commitment fall outside its bounds: checking them is the replay protection.
	GetFirstReadingMs() int64
	GetLastReadingMs() int64
	// GetSizeBytes is the committed size of the readings' leaves; a served batch may exceed
	// it only by its protobuf framing (see MaxServedBytes).
	GetSizeBytes() uint64
}

// MaxServedBytes is the most a served batch of the commitment may weigh: the committed leaf
// bytes plus, per reading, what protobuf varints and the list framing can add (at most 10
// bytes of varints over the leaf's fixed fields and 4 of framing), plus slack.
func MaxServedBytes(c Commitment) int64 {
	return int64(min(c.GetSizeBytes()+16*uint64(c.GetCount())+64, maxBatchBody))
}

var (
	// ErrUnavailable means the batch or proof could not be fetched or decoded.
	ErrUnavailable = errors.New("batch unavailable")
	// ErrRootMismatch means the served data does not match the committed root or count.
	ErrRootMismatch = errors.New("served data does not match the committed batch")
	// ErrBadSignature means a served reading is not signed by the device key.
	ErrBadSignature = errors.New("reading not signed by the device key")
)

// maxBatchBody caps any fetched batch, maxProofBody a proof (a leaf and 64 hashes in hex).
const (
	maxBatchBody = 64 << 20
	maxProofBody = 64 << 10
)

// FetchBatch downloads the batch at its committed URI and verifies it with VerifyBatch. The
// URI is the committer's choice: client must vet where it connects, as egress.NewClient does
// (nil: an egress client that allows public addresses only).
func FetchBatch(ctx context.Context, client *http.Client, batch Commitment, devicePub ed25519.PublicKey, rules reading.SignatureRules) ([]reading.Reading, error) {
	client = vetted(client)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, batch.GetUri(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	req.Header.Set("Accept", "application/x-protobuf")
	body, err := get(client, req, MaxServedBytes(batch))
	if err != nil {
		return nil, err
	}
	return DecodeBatch(body, batch, devicePub, rules)
}

// DecodeBatch decodes a served batch (a protobuf ReadingList) and verifies it with VerifyBatch.
func DecodeBatch(body []byte, batch Commitment, devicePub ed25519.PublicKey, rules reading.SignatureRules) ([]reading.Reading, error) {
	var list reading.ReadingList
	if err := list.Unmarshal(body); err != nil {
		return nil, fmt.Errorf("%w: %s is not a protobuf ReadingList: %w", ErrUnavailable, batch.GetUri(), err)
	}
	return list.Readings, VerifyBatch(list.Readings, batch, devicePub, rules)
}

// VerifyBatch checks that readings are exactly the committed batch: same count, all of the
// batch's device and stamped within its committed time bounds, the same Merkle root, and
// (when devicePub is given) each signed by the device under rules (x/sensors'
// Params.SignatureRules for the batch's commit height).
func VerifyBatch(readings []reading.Reading, batch Commitment, devicePub ed25519.PublicKey, rules reading.SignatureRules) error {
	if len(readings) != int(batch.GetCount()) {
		return fmt.Errorf("%w: %d readings served, %d committed", ErrRootMismatch, len(readings), batch.GetCount())
	}
	for i := range readings {
		if err := belongs(&readings[i], batch); err != nil {
			return fmt.Errorf("%w: reading %d %w", ErrRootMismatch, i, err)
		}
	}
	if devicePub != nil {
		if i, err := reading.VerifyAll(devicePub, readings, rules); err != nil {
			return fmt.Errorf("%w: reading %d (sequence %d): %w", ErrBadSignature, i, readings[i].Sequence, err)
		}
	}
	root := reading.NewBatch(readings).Root
	if string(root[:]) != string(batch.GetRoot()) {
		return fmt.Errorf("%w: root of the served readings is %X, committed root is %X", ErrRootMismatch, root, batch.GetRoot())
	}
	return nil
}

// Proof is a reading's inclusion proof as a gateway serves it.
type Proof struct {
	Index uint64   `json:"index"`
	Count uint64   `json:"count"`
	Leaf  []byte   `json:"leaf"`
	Proof []string `json:"proof"`
}

// FetchProof downloads the inclusion proof of reading index from the batch's gateway and
// verifies it with VerifyReading. client is as for FetchBatch.
func FetchProof(ctx context.Context, client *http.Client, batch Commitment, index uint64, devicePub ed25519.PublicKey) (reading.Reading, error) {
	client = vetted(client)
	url := fmt.Sprintf("%s/proof/%d", batch.GetUri(), index)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return reading.Reading{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	body, err := get(client, req, maxProofBody)
	if err != nil {
		return reading.Reading{}, err
	}
	return DecodeProof(body, batch, index, devicePub)
}

// DecodeProof decodes a served inclusion proof (JSON) of reading index and verifies it with
// VerifyReading.
func DecodeProof(body []byte, batch Commitment, index uint64, devicePub ed25519.PublicKey) (reading.Reading, error) {
	var p Proof
	if err := json.Unmarshal(body, &p); err != nil {
		return reading.Reading{}, fmt.Errorf("%w: %s/proof/%d is not a proof: %w", ErrUnavailable, batch.GetUri(), index, err)
	}
	if p.Index != index {
		return reading.Reading{}, fmt.Errorf("%w: asked for reading %d, got the proof of %d", ErrRootMismatch, index, p.Index)
	}
	return VerifyReading(p, batch, devicePub)
}

// VerifyReading checks that a proof shows its leaf at its index in the committed batch, and
// returns the decoded reading (signature checked when devicePub is given).
func VerifyReading(p Proof, batch Commitment, devicePub ed25519.PublicKey) (reading.Reading, error) {
	if p.Count != uint64(batch.GetCount()) || len(batch.GetRoot()) != len(merkle.Hash{}) {
		return reading.Reading{}, fmt.Errorf("%w: proof for a batch of %d readings, committed %d", ErrRootMismatch, p.Count, batch.GetCount())
	}
	path := make([]merkle.Hash, len(p.Proof))
	for i, h := range p.Proof {
		bz, err := hex.DecodeString(h)
		if err != nil || len(bz) != len(merkle.Hash{}) {
			return reading.Reading{}, fmt.Errorf("%w: proof hash %d is not 32 bytes of hex", ErrRootMismatch, i)
		}
		copy(path[i][:], bz)
	}
	var root merkle.Hash
	copy(root[:], batch.GetRoot())
	if err := merkle.Verify(root, p.Leaf, p.Index, p.Count, path); err != nil {
		return reading.Reading{}, fmt.Errorf("%w: %w", ErrRootMismatch, err)
	}
	r, err := reading.DecodeLeaf(p.Leaf)
	if err != nil {
		return r, fmt.Errorf("%w: %w", ErrRootMismatch, err)
	}
	if err := belongs(&r, batch); err != nil {
		return r, fmt.Errorf("%w: reading %d %w", ErrRootMismatch, p.Index, err)
	}
	if devicePub != nil {
		if _, err := reading.Verify(devicePub, &r, nil); err != nil {
			return r, fmt.Errorf("%w: %w", ErrBadSignature, err)
		}
	}
	return r, nil
}

// belongs checks that a reading is of the batch's device and stamped within its bounds.
func belongs(r *reading.Reading, batch Commitment) error {
	if r.DeviceId != batch.GetDeviceId() {
		return fmt.Errorf("belongs to device %d, not %d", r.DeviceId, batch.GetDeviceId())
	}
	if r.TimestampMs < batch.GetFirstReadingMs() || r.TimestampMs > batch.GetLastReadingMs() {
		return fmt.Errorf("is stamped %d ms, outside the committed %d..%d ms", r.TimestampMs, batch.GetFirstReadingMs(), batch.GetLastReadingMs())
	}
	return nil
}

// vetted is client, or without one a client that connects only to public addresses that
// are not this machine's own.
func vetted(client *http.Client) *http.Client {
	if client != nil {
		return client
	}
	local, _ := egress.LocalAddrs() // unlisted, the machine's loopback and private addresses are still refused
	return egress.NewClient(egress.Policy{Local: local}, 30*time.Second)
}

// get reads a 200 answer of at most limit bytes; a longer body does not match what was
// committed, and is not read past the limit.
func get(client *http.Client, req *http.Request, limit int64) ([]byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("%w: %s answered %s: %s", ErrUnavailable, req.URL, resp.Status, snippet)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, req.URL, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: %s serves more than %d bytes", ErrRootMismatch, req.URL, limit)
	}
	return body, nil
}
