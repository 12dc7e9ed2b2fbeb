package pow

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"unsafe"
)

// Seed is a 32-byte seed.
type Seed [32]byte

// ParseSeed reads a seed from 64 hex digits.
func ParseSeed(s string) (Seed, error) {
	var seed Seed
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(seed) {
		return seed, fmt.Errorf("seed must be 64 hex digits, got %q", s)
	}
	copy(seed[:], b)
	return seed, nil
}

// String returns the seed in hex.
func (s Seed) String() string { return hex.EncodeToString(s[:]) }

// hashSeed hashes a domain label and length-prefixed parts into a seed.
func hashSeed(label string, parts ...[]byte) Seed {
	h := sha256.New()
	h.Write([]byte(label))
	for _, p := range parts {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	var s Seed
	copy(s[:], h.Sum(nil))
	return s
}

// ChallengeSeed derives a challenge's seed. The block hash is unknown before the block, so
// no work can start early.
func ChallengeSeed(chainID string, blockHash []byte, provider, gpuUUID string, challengeID uint64) Seed {
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], challengeID)
	return hashSeed("thalamus/pow/v1/challenge", []byte(chainID), blockHash, []byte(provider), []byte(gpuUUID), id[:])
}

// TableSeed derives the layer table of a GPU for an epoch, so the table can be built once and
// stay resident in GPU memory while it serves many challenges.
func TableSeed(chainID string, epochBlockHash []byte, provider, gpuUUID string) Seed {
	return hashSeed("thalamus/pow/v1/table", []byte(chainID), epochBlockHash, []byte(provider), []byte(gpuUUID))
}

// StandaloneTableSeed is the table seed of offline runs (pow solve / pow verify), which know
// only one seed.
func StandaloneTableSeed(seed Seed) Seed {
	return hashSeed("thalamus/pow/v1/standalone-table", seed[:])
}

// Task is one challenge's work.
type Task struct {
	Params Params
	// Seed drives the starting vectors, the layer choice and the digest vector.
	Seed Seed
	// TableSeed drives the layer table.
	TableSeed Seed
}

// Winner is a nonce whose digest won the lottery.
type Winner struct {
	Nonce  uint64 `json:"nonce"`
	Digest uint32 `json:"digest"`
}

// SortByNonce orders winners by nonce, as every backend reports them.
func SortByNonce(winners []Winner) {
	slices.SortFunc(winners, func(a, b Winner) int { return cmp.Compare(a.Nonce, b.Nonce) })
}

// keys are the 64-bit stream keys of a task; every int8 the work uses is a counter-addressed
// word of one of these splitmix64 streams, so a GPU can compute any of them independently.
type keys struct {
	start, layerChoice, digest, table uint64
}

func subKey(seed Seed, label string) uint64 {
	s := hashSeed(label, seed[:])
	return binary.LittleEndian.Uint64(s[:8])
}

func (t Task) keys() keys {
	return keys{
		start:       subKey(t.Seed, "thalamus/pow/v1/start"),
		layerChoice: subKey(t.Seed, "thalamus/pow/v1/layer-choice"),
		digest:      subKey(t.Seed, "thalamus/pow/v1/digest"),
		table:       subKey(t.TableSeed, "thalamus/pow/v1/layers"),
	}
}

const golden = 0x9E3779B97F4A7C15

// word is element i of the stream with key: the splitmix64 finaliser of key + (i+1)*golden.
func word(key, i uint64) uint64 {
	z := key + (i+1)*golden
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// fill writes len(dst) int8s (a multiple of 8) from the stream, starting at word offset:
// word w's bytes, least significant first, are dst[8w..8w+7].
func fill(dst []int8, key, offset uint64) {
	bytes := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(dst))), len(dst)) //nolint:gosec // int8 and byte share a layout; the view ends with the call
	for w := 0; w < len(bytes)/8; w++ {
		binary.LittleEndian.PutUint64(bytes[8*w:], word(key, offset+uint64(w)))
	}
}

// layerIndex is the table layer batch b uses at step t.
func (p Params) layerIndex(k keys, batch uint64, step int) int {
	return int(word(k.layerChoice, batch*uint64(p.Steps)+uint64(step)) % uint64(p.Layers))
}

// fillLayer writes table layer l (Dim x Dim, row-major: row k holds the weights of input k).
func (p Params) fillLayer(k keys, l int, dst []int8) {
	fill(dst, k.table, uint64(l)*uint64(p.Dim*p.Dim/8))
}

// fillStart writes nonce's starting vector.
func (p Params) fillStart(k keys, nonce uint64, dst []int8) {
	fill(dst, k.start, nonce*uint64(p.Dim/8))
}

// step computes x' = requant(x . W): exact int32 products, then ((y >> 7) & 0xFF) - 128.
func step(x []int8, w []int8, y []int32, out []int8) {
	n := len(x)
	clear(y)
	for k, xk := range x {
		if xk == 0 {
			continue
		}
		a := int32(xk)
		row := w[k*n : (k+1)*n : (k+1)*n]
		for j, wkj := range row {
			y[j] += a * int32(wkj)
		}
	}
	for j, v := range y {
		out[j] = requant(v)
	}
}

// requant maps an exact int32 product to the next int8.
func requant(y int32) int8 { return int8(((y >> 7) & 0xFF) - 128) }

// digestOf mixes the final vector with the digest vector v: uint32(x . v) * 0x9E3779B1.
func digestOf(x, v []int8) uint32 {
	var s int32
	for j := range x {
		s += int32(x[j]) * int32(v[j])
	}
	return uint32(s) * 0x9E3779B1
}

// Wins reports whether a digest wins the lottery: digest < 2^32 * 2^-LotteryBits.
func (p Params) Wins(digest uint32) bool {
	return p.LotteryBits == 0 || digest>>(32-p.LotteryBits) == 0
}

// Digest computes one nonce's digest the slow, obvious way, generating each layer it needs.
// It defines the protocol; every backend must agree with it bit for bit.
func (t Task) Digest(nonce uint64) uint32 { return t.digest(nonce, step) }

// digestFast is Digest with the SIMD step where the CPU has one: what validators run to
// recompute a winner.
func (t Task) digestFast(nonce uint64) uint32 { return t.digest(nonce, stepFast) }

func (t Task) digest(nonce uint64, stepFn func(x, w []int8, y []int32, out []int8)) uint32 {
	p, k := t.Params, t.keys()
	x, next := make([]int8, p.Dim), make([]int8, p.Dim)
	y := make([]int32, p.Dim)
	w := make([]int8, p.Dim*p.Dim)
	p.fillStart(k, nonce, x)
	batch := nonce / uint64(p.BatchRows)
	for s := 0; s < p.Steps; s++ {
		p.fillLayer(k, p.layerIndex(k, batch, s), w)
		stepFn(x, w, y, next)
		x, next = next, x
	}
	v := make([]int8, p.Dim)
	fill(v, k.digest, 0)
	return digestOf(x, v)
}

// ErrBadWinner is wrapped by every verification failure.
var ErrBadWinner = errors.New("bad winner")

// Verify recomputes a winner and checks its digest and that it wins.
func (t Task) Verify(w Winner) error {
	d := t.digestFast(w.Nonce)
	if d != w.Digest {
		return fmt.Errorf("%w: nonce %d has digest %08x, claimed %08x", ErrBadWinner, w.Nonce, d, w.Digest)
	}
	if !t.Params.Wins(d) {
		return fmt.Errorf("%w: nonce %d digest %08x does not win at 2^-%d", ErrBadWinner, w.Nonce, d, t.Params.LotteryBits)
	}
	return nil
}

// Streams are a task's stream keys, for backends that generate the work themselves (the
// CUDA kernels): every int8 of the work is a byte of one of these splitmix64 streams.
type Streams struct {
	Start, LayerChoice, Digest, Table uint64
}

// Streams returns the task's stream keys.
func (t Task) Streams() Streams {
	k := t.keys()
	return Streams{Start: k.start, LayerChoice: k.layerChoice, Digest: k.digest, Table: k.table}
}

// LayerIndex is the table layer batch uses at step.
func (t Task) LayerIndex(batch uint64, step int) int {
	return t.Params.layerIndex(t.keys(), batch, step)
}

// DigestVector is the vector every final vector is dotted with.
func (t Task) DigestVector() []int8 {
	v := make([]int8, t.Params.Dim)
	fill(v, t.keys().digest, 0)
	return v
}
