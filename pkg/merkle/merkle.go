// Package merkle commits to an ordered list of byte strings (sensor readings in their
// canonical encoding) with a SHA-256 Merkle tree in the RFC 6962 / RFC 9162 shape: leaves
// are hashed as SHA-256(0x00 || leaf) and inner nodes as SHA-256(0x01 || left || right), so
// a leaf can never pass for a node; a tree of n leaves splits at the largest power of two
// below n. The chain stores only the root; gateways serve the leaves and inclusion proofs;
// any data consumer verifies either with this package.
package merkle

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"
)

// Hash is a SHA-256 digest.
type Hash = [sha256.Size]byte

// ErrInvalidProof is wrapped by every failed verification.
var ErrInvalidProof = errors.New("invalid merkle proof")

// LeafHash hashes one leaf.
func LeafHash(leaf []byte) Hash {
	return sha256.Sum256(append([]byte{0x00}, leaf...))
}

func nodeHash(left, right Hash) Hash {
	var buf [1 + 2*sha256.Size]byte
	buf[0] = 0x01
	copy(buf[1:], left[:])
	copy(buf[1+sha256.Size:], right[:])
	return sha256.Sum256(buf[:])
}

// Root returns the root of the leaves in order; the root of no leaves is SHA-256 of nothing.
func Root(leaves [][]byte) Hash {
	if len(leaves) == 0 {
		return sha256.Sum256(nil)
	}
	hashes := make([]Hash, len(leaves))
	for i, l := range leaves {
		hashes[i] = LeafHash(l)
	}
	return rootOf(hashes)
}

// rootOf is MTH over leaf hashes.
func rootOf(hashes []Hash) Hash {
	if len(hashes) == 1 {
		return hashes[0]
	}
	k := split(len(hashes))
	return nodeHash(rootOf(hashes[:k]), rootOf(hashes[k:]))
}

// split is the largest power of two smaller than n (n >= 2).
func split(n int) int { return 1 << (bits.Len(uint(n-1)) - 1) }

// Proof returns the inclusion proof (audit path, leaf side first) of leaves[index].
func Proof(leaves [][]byte, index int) ([]Hash, error) {
	if index < 0 || index >= len(leaves) {
		return nil, fmt.Errorf("leaf %d out of range: the tree has %d leaves", index, len(leaves))
	}
	hashes := make([]Hash, len(leaves))
	for i, l := range leaves {
		hashes[i] = LeafHash(l)
	}
	return path(hashes, index), nil
}

func path(hashes []Hash, m int) []Hash {
	if len(hashes) == 1 {
		return nil
	}
	k := split(len(hashes))
	if m < k {
		return append(path(hashes[:k], m), rootOf(hashes[k:]))
	}
	return append(path(hashes[k:], m-k), rootOf(hashes[:k]))
}

// Verify checks that leaf is at index in a tree of size leaves with the given root
// (RFC 9162 section 2.1.3.2).
func Verify(root Hash, leaf []byte, index, size uint64, proof []Hash) error {
	if index >= size {
		return fmt.Errorf("%w: index %d not below size %d", ErrInvalidProof, index, size)
	}
	fn, sn := index, size-1
	r := LeafHash(leaf)
	for _, p := range proof {
		if sn == 0 {
			return fmt.Errorf("%w: proof longer than the tree is deep", ErrInvalidProof)
		}
		if fn&1 == 1 || fn == sn {
			r = nodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = nodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return fmt.Errorf("%w: proof too short", ErrInvalidProof)
	}
	if !bytes.Equal(r[:], root[:]) {
		return fmt.Errorf("%w: computed root %x, expected %x", ErrInvalidProof, r, root)
	}
	return nil
}
