package types

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"slices"
)

// committeeDomain separates committee seeds from every other hash the chain takes.
const committeeDomain = "thalamus/oracle/committee/v1"

// CommitteeSeed is the randomness a task's committee is drawn from: the chain id, the app
// hash the block opening the task starts from (the state after the previous block), and the
// task id. The block's own hash is left out on purpose: its proposer can regrind it for the
// cost of a hash (transaction order, commit signatures), while changing the app hash takes
// executing and committing the previous block again. x/oracle's README bounds what such
// grinding gains.
func CommitteeSeed(chainID string, appHash []byte, taskID uint64) []byte {
	h := sha256.New()
	for _, field := range [][]byte{[]byte(committeeDomain), []byte(chainID), appHash} {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(field)))) // length-prefixed: no two inputs collide
		h.Write(field)
	}
	h.Write(binary.BigEndian.AppendUint64(nil, taskID))
	return h.Sum(nil)
}

// DrawCommittee draws size members of set by stake without replacement: each draw picks one
// of the members not yet drawn with probability power / their total power (successive
// sampling). It uses integer arithmetic only, on a SHA-256 stream of seed, so every
// validator on every architecture draws the same committee. Members without power are never
// drawn; when size reaches the members with power, all of them are returned, in draw order.
func DrawCommittee(seed []byte, set []Member, size int) []Member {
	remaining := slices.DeleteFunc(slices.Clone(set), func(m Member) bool { return m.Power <= 0 })
	var total uint64
	for _, m := range remaining {
		total += uint64(m.Power)
	}
	rng := &hashStream{seed: seed}
	var drawn []Member
	for len(drawn) < size && len(remaining) > 0 {
		r := rng.below(total)
		i := 0
		for r >= uint64(remaining[i].Power) {
			r -= uint64(remaining[i].Power)
			i++
		}
		drawn = append(drawn, remaining[i])
		total -= uint64(remaining[i].Power)
		remaining = slices.Delete(remaining, i, i+1)
	}
	return drawn
}

// hashStream is a deterministic stream of uint64s: SHA-256(seed || counter), 4 words a block.
type hashStream struct {
	seed    []byte
	counter uint64
	block   [sha256.Size]byte
	used    int
}

func (s *hashStream) next() uint64 {
	if s.used == 0 || s.used == len(s.block) {
		h := sha256.New()
		h.Write(s.seed)
		h.Write(binary.BigEndian.AppendUint64(nil, s.counter))
		h.Sum(s.block[:0])
		s.counter++
		s.used = 0
	}
	v := binary.BigEndian.Uint64(s.block[s.used:])
	s.used += 8
	return v
}

// below returns a uniform value in [0, n), n > 0, without modulo bias (Lemire's
// multiply-and-reject: the high word of x*n, redrawn while the low word falls in the
// 2^64 mod n values that would favour small results).
func (s *hashStream) below(n uint64) uint64 {
	hi, lo := bits.Mul64(s.next(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(s.next(), n)
		}
	}
	return hi
}
