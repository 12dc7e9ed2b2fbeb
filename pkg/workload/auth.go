package workload

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Signer signs with an account key; the SDK keyring is one (keyring.Signer adapts it).
type Signer func(msg []byte) (sig []byte, pubKey []byte, err error)

// Delivery is a manifest sent to the provider, signed by the lease's tenant.
type Delivery struct {
	ChainID   string `json:"chain_id"`
	LeaseID   uint64 `json:"lease_id"`
	Manifest  []byte `json:"manifest"`
	PubKey    []byte `json:"pub_key"` // compressed secp256k1
	Signature []byte `json:"signature"`
}

// DeliverySignBytes is what the tenant signs: the chain, the lease and the manifest hash.
func DeliverySignBytes(chainID string, leaseID uint64, manifestHash []byte) []byte {
	return fmt.Appendf(nil, "thalamus/manifest/v1\n%s\n%d\n%s", chainID, leaseID, hex.EncodeToString(manifestHash))
}

// NewDelivery signs manifest for the lease.
func NewDelivery(chainID string, leaseID uint64, manifest []byte, sign Signer) (Delivery, error) {
	sig, pub, err := sign(DeliverySignBytes(chainID, leaseID, Hash(manifest)))
	if err != nil {
		return Delivery{}, err
	}
	return Delivery{ChainID: chainID, LeaseID: leaseID, Manifest: manifest, PubKey: pub, Signature: sig}, nil
}

// Verify checks a delivery against the lease as the chain has it: same chain and lease, the
// manifest hash of the lease, a valid manifest for its GPU count, and a signature by the
// lease's tenant. It returns the parsed manifest.
func (d Delivery) Verify(chainID string, leaseID uint64, tenant sdk.AccAddress, leaseHash []byte, leaseGPUs int) (Manifest, error) {
	if d.ChainID != chainID || d.LeaseID != leaseID {
		return Manifest{}, fmt.Errorf("delivery is for lease %d on %s, not lease %d on %s", d.LeaseID, d.ChainID, leaseID, chainID)
	}
	if !bytes.Equal(Hash(d.Manifest), leaseHash) {
		return Manifest{}, fmt.Errorf("manifest hash %X does not match the lease's %X", Hash(d.Manifest), leaseHash)
	}
	if err := verifySignature(d.PubKey, d.Signature, DeliverySignBytes(chainID, leaseID, leaseHash), tenant); err != nil {
		return Manifest{}, err
	}
	m, err := Parse(d.Manifest)
	if err != nil {
		return m, err
	}
	if m.GPUs != leaseGPUs {
		return m, fmt.Errorf("manifest asks for %d GPUs, the lease holds %d", m.GPUs, leaseGPUs)
	}
	return m, nil
}

// Request authentication headers: the tenant's public key, the unix time, a nonce used
// once and a signature over all of them.
const (
	HeaderPubKey    = "X-Thalamus-Pubkey"
	HeaderTimestamp = "X-Thalamus-Timestamp"
	HeaderNonce     = "X-Thalamus-Nonce"
	HeaderSignature = "X-Thalamus-Signature"
	// MaxClockSkew bounds how old (or early) a signed request may be; within it, a nonce is
	// accepted once (ReplayGuard), so a captured request cannot be replayed.
	MaxClockSkew = time.Minute
)

// RequestSignBytes is what a signed request commits to. Its prefix differs from every
// transaction's sign bytes, so a request signature is never a transaction signature.
func RequestSignBytes(chainID, method, uri string, unix int64, nonce string) []byte {
	return fmt.Appendf(nil, "thalamus/request/v2\n%s\n%s\n%s\n%d\n%s", chainID, method, uri, unix, nonce)
}

// SignRequest adds the authentication headers to r (its URL must be final).
func SignRequest(r *http.Request, chainID string, now time.Time, sign Signer) error {
	ts := now.Unix()
	var n [16]byte
	if _, err := rand.Read(n[:]); err != nil {
		return err
	}
	nonce := hex.EncodeToString(n[:])
	sig, pub, err := sign(RequestSignBytes(chainID, r.Method, r.URL.RequestURI(), ts, nonce))
	if err != nil {
		return err
	}
	r.Header.Set(HeaderPubKey, base64.StdEncoding.EncodeToString(pub))
	r.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	return nil
}

// VerifyRequest checks that r is signed, recently, by the key of account want, and that its
// nonce was not seen before (seen remembers it; nil: no replay check).
func VerifyRequest(r *http.Request, chainID string, now time.Time, want sdk.AccAddress, seen *ReplayGuard) error {
	pub, err := base64.StdEncoding.DecodeString(r.Header.Get(HeaderPubKey))
	if err != nil || len(pub) == 0 {
		return fmt.Errorf("missing or malformed %s", HeaderPubKey)
	}
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get(HeaderSignature))
	if err != nil || len(sig) == 0 {
		return fmt.Errorf("missing or malformed %s", HeaderSignature)
	}
	ts, err := strconv.ParseInt(r.Header.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("missing or malformed %s", HeaderTimestamp)
	}
	nonce := r.Header.Get(HeaderNonce)
	if len(nonce) < 16 || len(nonce) > 64 {
		return fmt.Errorf("missing or malformed %s", HeaderNonce)
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > MaxClockSkew || skew < -MaxClockSkew {
		return fmt.Errorf("request signed %s from now; at most %s is accepted", skew.Round(time.Second), MaxClockSkew)
	}
	if err := verifySignature(pub, sig, RequestSignBytes(chainID, r.Method, r.URL.RequestURI(), ts, nonce), want); err != nil {
		return err
	}
	if seen != nil {
		return seen.Use(string(pub)+"/"+nonce, now)
	}
	return nil
}

// ErrReplayed is a signed request whose nonce was already used.
var ErrReplayed = errors.New("request replayed")

// ReplayGuard remembers the nonces of accepted requests for twice MaxClockSkew, long enough
// that a request it forgot is too old to pass anyway. It holds at most capacity nonces and refuses
// new requests when full rather than forget one early (which would reopen a replay).
type ReplayGuard struct {
	mu       sync.Mutex
	capacity int
	seen     map[string]time.Time // nonce key -> when it may be forgotten
}

// NewReplayGuard remembers at most capacity nonces.
func NewReplayGuard(capacity int) *ReplayGuard {
	return &ReplayGuard{capacity: capacity, seen: map[string]time.Time{}}
}

// Use records key, or fails if it was used within the window or the guard is full.
func (g *ReplayGuard) Use(key string, now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if until, ok := g.seen[key]; ok && now.Before(until) {
		return ErrReplayed
	}
	if len(g.seen) >= g.capacity {
		for k, until := range g.seen {
			if !now.Before(until) {
				delete(g.seen, k)
			}
		}
		if len(g.seen) >= g.capacity {
			return fmt.Errorf("too many signed requests in the last %s; retry shortly", 2*MaxClockSkew)
		}
	}
	g.seen[key] = now.Add(2 * MaxClockSkew)
	return nil
}

// verifySignature checks a secp256k1 signature and that the key is account want's.
func verifySignature(pubKey, sig, msg []byte, want sdk.AccAddress) error {
	if len(pubKey) != secp256k1.PubKeySize {
		return fmt.Errorf("public key must be a %d-byte compressed secp256k1 key", secp256k1.PubKeySize)
	}
	pk := &secp256k1.PubKey{Key: pubKey}
	if !sdk.AccAddress(pk.Address()).Equals(want) {
		return fmt.Errorf("signed by %s, not by the lease's tenant %s", sdk.AccAddress(pk.Address()), want)
	}
	if !pk.VerifySignature(msg, sig) {
		return fmt.Errorf("bad signature")
	}
	return nil
}
