package sidecar_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/internal/sidecar"
	"github.com/thalamus-network/thalamus/pkg/quality"
)

// BenchmarkVerifyChallenge: one devnet challenge (the localnet's CPU-DEV class) checked with
// the default 8 samples. Run with -cpu 2 for the project machine's figure.
func BenchmarkVerifyChallenge(b *testing.B) {
	c := solvedChallenge(b, "devnet", 40)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := sidecar.VerifyChallenge(c, 8, fmt.Sprint("validator-", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "challenges/s")
}

// BenchmarkScoreBatch: one 1,000-reading batch fetched over HTTP, its signatures and root
// checked and its readings scored, the device state saved: what the sidecar does per batch.
func BenchmarkScoreBatch(b *testing.B) {
	d := newDevice(b)
	scorer, err := sidecar.NewDeviceScorer(quality.Embedded(), b.TempDir(), d.policy(), 10*time.Second)
	require.NoError(b, err)
	ctx := context.Background()
	const n = 1000
	for seq := uint64(1); seq <= 4; seq++ { // past the model's warm-up
		_, err := scorer.ScoreBatch(ctx, d.record, d.batch(seq, int(seq-1)*n, n, daily))
		require.NoError(b, err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		seq := uint64(5 + i%4) // the fake gateway serves 9 batches; state moves on regardless
		batch := d.batch(seq, (4+i)*n, n, daily)
		batch.Seq = uint64(5 + i)
		b.StartTimer()
		if _, err := scorer.ScoreBatch(ctx, d.record, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "readings/s")
}
