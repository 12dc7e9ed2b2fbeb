package merkle_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/merkle"
)

func leaves(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(fmt.Sprintf(`{"device":"d1","seq":%d,"t_c":%d}`, i, i*7%40))
	}
	return out
}

// Note: like RFC 9162, an inclusion proof does not authenticate the tree size (a leaf in a
// complete left subtree has the same path in slightly larger trees); the chain records each
// batch's count, which verifiers take from there.

// The RFC 6962 test tree (certificate-transparency's test leaves) has known roots.
func TestRFC6962Vectors(t *testing.T) {
	raw := []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	var ls [][]byte
	for _, h := range raw {
		b, err := hex.DecodeString(h)
		require.NoError(t, err)
		ls = append(ls, b)
	}
	root := merkle.Root(ls)
	require.Equal(t, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", hex.EncodeToString(root[:]))
	empty := merkle.Root(nil)
	require.Equal(t, sha256.Sum256(nil), empty)
}

func TestEveryProofVerifies(t *testing.T) {
	for n := 1; n <= 70; n++ {
		ls := leaves(n)
		root := merkle.Root(ls)
		for i := range ls {
			proof, err := merkle.Proof(ls, i)
			require.NoError(t, err)
			require.NoError(t, merkle.Verify(root, ls[i], uint64(i), uint64(n), proof), "n=%d i=%d", n, i)
			if n > 1 {
				require.ErrorIs(t, merkle.Verify(root, ls[i], uint64((i+1)%n), uint64(n), proof), merkle.ErrInvalidProof, "wrong index n=%d i=%d", n, i)
			}
			require.ErrorIs(t, merkle.Verify(root, ls[i], uint64(i), uint64(2*n), proof), merkle.ErrInvalidProof, "wrong size")
		}
	}
	_, err := merkle.Proof(leaves(3), 3)
	require.Error(t, err)
}

func TestAnyFlippedByteFails(t *testing.T) {
	ls := leaves(13)
	root := merkle.Root(ls)
	proof, err := merkle.Proof(ls, 5)
	require.NoError(t, err)
	for b := range ls[5] {
		bad := append([]byte{}, ls[5]...)
		bad[b] ^= 0x01
		require.ErrorIs(t, merkle.Verify(root, bad, 5, 13, proof), merkle.ErrInvalidProof)
	}
	for i := range proof {
		for b := 0; b < 32; b++ {
			bad := append([]merkle.Hash{}, proof...)
			bad[i][b] ^= 0x80
			require.ErrorIs(t, merkle.Verify(root, ls[5], 5, 13, bad), merkle.ErrInvalidProof)
		}
	}
	require.ErrorIs(t, merkle.Verify(root, ls[5], 5, 13, proof[:len(proof)-1]), merkle.ErrInvalidProof, "short proof")
	require.ErrorIs(t, merkle.Verify(root, ls[5], 5, 13, append(proof, proof[0])), merkle.ErrInvalidProof, "long proof")
}

func TestOrderMatters(t *testing.T) {
	ls := leaves(4)
	swapped := [][]byte{ls[1], ls[0], ls[2], ls[3]}
	require.NotEqual(t, merkle.Root(ls), merkle.Root(swapped))
	// A leaf cannot pose as an inner node (domain separation).
	inner := merkle.Root(ls[:2])
	require.NotEqual(t, merkle.Root(ls), merkle.Root([][]byte{inner[:], ls[2], ls[3]}))
}

func FuzzVerify(f *testing.F) {
	ls := leaves(9)
	proof, _ := merkle.Proof(ls, 4)
	var flat []byte
	for _, p := range proof {
		flat = append(flat, p[:]...)
	}
	f.Add(ls[4], uint64(4), uint64(9), flat)
	root := merkle.Root(ls)
	f.Fuzz(func(t *testing.T, leaf []byte, index, size uint64, proofBytes []byte) {
		var p []merkle.Hash
		for len(proofBytes) >= 32 {
			var h merkle.Hash
			copy(h[:], proofBytes)
			p = append(p, h)
			proofBytes = proofBytes[32:]
		}
		// No proof may show a leaf that is not in the tree.
		if merkle.Verify(root, leaf, index, size, p) == nil {
			for _, l := range ls {
				if string(l) == string(leaf) {
					return
				}
			}
			t.Fatalf("accepted foreign leaf %q at %d of %d", leaf, index, size)
		}
	})
}

func BenchmarkRoot1000(b *testing.B) {
	ls := leaves(1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		merkle.Root(ls)
	}
}
