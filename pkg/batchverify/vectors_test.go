package batchverify_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/batchverify"
	"github.com/thalamus-network/thalamus/pkg/merkle"
	"github.com/thalamus-network/thalamus/pkg/reading"
)

var updateVectors = flag.Bool("update-vectors", false, "rewrite the TypeScript client's test vectors from this package")

// tsVectors is where the TypeScript client (clients/ts) reads what the Go code computes, so
// its batch verification is checked against this one.
const tsVectors = "../../clients/ts/test/vectors.json"

type vectorBatch struct {
	Name      string   `json:"name"`
	DeviceID  uint64   `json:"device_id"`
	Count     uint32   `json:"count"`
	Root      string   `json:"root"` // hex
	FirstMs   int64    `json:"first_ms"`
	LastMs    int64    `json:"last_ms"`
	Served    []byte   `json:"served"` // the protobuf ReadingList a gateway serves
	Leaves    [][]byte `json:"leaves"`
	Rules     string   `json:"rules"`
	WantError string   `json:"want_error"` // "" when it verifies, else the Go error it fails with
}

type vectors struct {
	DevicePub string              `json:"device_pub"` // hex
	Roots     map[string]string   `json:"roots"`      // leaf count -> root of leaves "0", "1", ...
	Batches   []vectorBatch       `json:"batches"`
	Proofs    []batchverify.Proof `json:"proofs"` // of the first batch, as a gateway serves them
}

func buildVectors(t *testing.T) vectors {
	v := vectors{DevicePub: hex.EncodeToString(deviceKey.Public().(ed25519.PublicKey)), Roots: map[string]string{}}
	for n := 0; n <= 9; n++ {
		leaves := make([][]byte, n)
		for i := range leaves {
			leaves[i] = []byte{byte('0' + i)}
		}
		root := merkle.Root(leaves)
		v.Roots[string(rune('0'+n))] = hex.EncodeToString(root[:])
	}
	signed := func(n int) []reading.Reading {
		rs := make([]reading.Reading, n)
		for i := range rs {
			rs[i] = reading.Reading{DeviceId: 7, Sequence: uint64(100 + i), TimestampMs: 1_764_000_000_000 + int64(i)*60_000,
				Values: []float64{20.5 + float64(i)/4, -3.25, 1e-9 * float64(i)}}
			reading.Sign(deviceKey, &rs[i])
		}
		return rs
	}
	add := func(name string, rs []reading.Reading, commit reading.Batch, rules reading.SignatureRules) {
		list := reading.ReadingList{Readings: rs}
		served, err := list.Marshal()
		require.NoError(t, err)
		b := vectorBatch{Name: name, DeviceID: 7, Count: commit.Count, Root: hex.EncodeToString(commit.Root[:]),
			FirstMs: commit.FirstMs, LastMs: commit.LastMs, Served: served, Rules: rules.String()}
		for i := range rs {
			b.Leaves = append(b.Leaves, reading.Leaf(&rs[i]))
		}
		c := commitment{deviceID: 7, root: commit.Root[:], count: commit.Count, firstMs: commit.FirstMs, lastMs: commit.LastMs}
		if err := batchverify.VerifyBatch(rs, c, deviceKey.Public().(ed25519.PublicKey), rules); err != nil {
			b.WantError = err.Error()
		}
		v.Batches = append(v.Batches, b)
	}
	good := signed(11)
	commit := reading.NewBatch(good)
	add("valid", good, commit, reading.StdLibRules)
	add("valid_zip215", good, commit, reading.ZIP215Rules)
	for i := range good {
		leaf, path, err := commit.Proof(i)
		require.NoError(t, err)
		p := batchverify.Proof{Index: uint64(i), Count: uint64(commit.Count), Leaf: leaf}
		for _, h := range path {
			p.Proof = append(p.Proof, hex.EncodeToString(h[:]))
		}
		v.Proofs = append(v.Proofs, p)
	}
	tampered := signed(11)
	tampered[4].Values[0] += 0.5 // value changed after signing: the signature fails first
	add("tampered_value", tampered, commit, reading.StdLibRules)
	resigned := signed(11)
	resigned[4].Values[0] += 0.5
	reading.Sign(deviceKey, &resigned[4]) // signed, but not the committed reading
	add("other_reading", resigned, commit, reading.StdLibRules)
	add("missing_reading", good[:10], commit, reading.StdLibRules)
	late := reading.NewBatch(good)
	late.LastMs = good[9].TimestampMs // the last reading falls outside the committed bounds
	add("outside_bounds", good, late, reading.StdLibRules)
	return v
}

// TestTypeScriptVectors keeps clients/ts/test/vectors.json equal to what this package
// computes; -update-vectors rewrites it.
func TestTypeScriptVectors(t *testing.T) {
	got, err := json.MarshalIndent(buildVectors(t), "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	if *updateVectors {
		require.NoError(t, os.WriteFile(tsVectors, got, 0o644))
	}
	want, err := os.ReadFile(tsVectors)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "run go test ./pkg/batchverify -run TestTypeScriptVectors -update-vectors")
}
