package reading_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/reading"
)

var bothRules = []reading.SignatureRules{reading.StdLibRules, reading.ZIP215Rules}

func signedBatch(n int) []reading.Reading {
	out := make([]reading.Reading, n)
	for i := range out {
		out[i] = signed(uint64(i+1), float64(i), 40)
	}
	return out
}

// Honest signatures pass under both rules; a forged or malformed reading fails both, and the
// first failing reading is named.
func TestVerifyAll(t *testing.T) {
	pub := testKey().Public().(ed25519.PublicKey)
	for _, rules := range bothRules {
		batch := signedBatch(100)
		bad, err := reading.VerifyAll(pub, batch, rules)
		require.NoError(t, err, rules)
		require.Equal(t, -1, bad)

		batch[41].Values[0]++ // signed over another value
		batch[70].Signature[3] ^= 1
		bad, err = reading.VerifyAll(pub, batch, rules)
		require.ErrorIs(t, err, reading.ErrBadSignature, rules)
		require.Equal(t, 41, bad, rules)

		batch = signedBatch(3)
		batch[2].Values = nil
		bad, err = reading.VerifyAll(pub, batch, rules)
		require.ErrorIs(t, err, reading.ErrMalformed, rules)
		require.Equal(t, 2, bad)

		_, err = reading.VerifyAll(testKey().Public().(ed25519.PublicKey), signedBatch(0), rules)
		require.NoError(t, err, "an empty batch has nothing to verify")
	}
}

// The two rules differ on crafted signatures, which is why the switch is a governance
// height: a device key at the identity point with R a point of order 8 and S = 0 passes the
// cofactored ZIP-215 check ([8]R = 0) and fails Go's cofactorless one (R != [S]B - [k]A).
func TestSignatureRulesDifferOnCraftedSignatures(t *testing.T) {
	identity, _ := hex.DecodeString("0100000000000000000000000000000000000000000000000000000000000000")
	order8, _ := hex.DecodeString("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
	batch := signedBatch(3)
	for i := range batch {
		batch[i].Signature = append(append([]byte(nil), order8...), make([]byte, 32)...)
	}
	bad, err := reading.VerifyAll(identity, batch, reading.StdLibRules)
	require.ErrorIs(t, err, reading.ErrBadSignature)
	require.Equal(t, 0, bad)
	bad, err = reading.VerifyAll(identity, batch, reading.ZIP215Rules)
	require.NoError(t, err)
	require.Equal(t, -1, bad)
}

// BenchmarkVerifyAll: a 1,000-reading batch of one device under each rule set, per reading.
func BenchmarkVerifyAll(b *testing.B) {
	pub := testKey().Public().(ed25519.PublicKey)
	batch := signedBatch(1000)
	for _, rules := range bothRules {
		b.Run(fmt.Sprint(rules), func(b *testing.B) {
			for b.Loop() {
				if _, err := reading.VerifyAll(pub, batch, rules); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(batch)), "µs/reading")
		})
	}
}
