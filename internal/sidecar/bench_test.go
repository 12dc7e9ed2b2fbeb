package sidecar_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/internal/sidecar"
	"github.com/thalamus-network/thalamus/pkg/quality"
	"github.com/thalamus-network/thalamus/pkg/reading"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
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

// BenchmarkScoreBatch: one 1,000-reading batch fetched over HTTP, its signatures (under each
// rule set) and root checked and its readings scored, the device state saved: what the
// sidecar does per batch.
func BenchmarkScoreBatch(b *testing.B) {
	for _, rules := range []reading.SignatureRules{reading.StdLibRules, reading.ZIP215Rules} {
		b.Run(rules.String(), func(b *testing.B) { benchmarkScoreBatch(b, rules) })
	}
}

func benchmarkScoreBatch(b *testing.B, rules reading.SignatureRules) {
	d := newDevice(b)
	scorer, err := sidecar.NewDeviceScorer(quality.Embedded(), b.TempDir(), d.policy(), 10*time.Second)
	require.NoError(b, err)
	ctx := context.Background()
	const n = 1000
	for seq := uint64(1); seq <= 4; seq++ { // past the model's warm-up
		_, err := scorer.ScoreBatch(ctx, d.job(d.batch(seq, int(seq-1)*n, n, daily), rules))
		require.NoError(b, err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		seq := uint64(5 + i%4) // the fake gateway serves 9 batches; state moves on regardless
		batch := d.batch(seq, (4+i)*n, n, daily)
		batch.Seq = uint64(5 + i)
		b.StartTimer()
		if _, err := scorer.ScoreBatch(ctx, d.job(batch, rules)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "readings/s")
}

// BenchmarkScoreBatchesInParallel: what one sidecar verifies on all its cores, scoring the
// batches of as many devices at once as there are cores (GOMAXPROCS), as its fetch workers
// do, for batches of 1,000 readings and of 10 (a device reading once a minute that commits
// every 10 minutes, where the fetch and the state save weigh most). Each device is first
// scored past its first scoring epoch, so the timed batches feed two windows as in steady
// state. Run with -cpu 2 for a 2-core sidecar.
func BenchmarkScoreBatchesInParallel(b *testing.B) {
	for _, rules := range []reading.SignatureRules{reading.StdLibRules, reading.ZIP215Rules} {
		for _, n := range []int{1000, 10} {
			b.Run(fmt.Sprintf("%s/readings=%d", rules, n), func(b *testing.B) { benchmarkScoreInParallel(b, rules, n) })
		}
	}
}

func benchmarkScoreInParallel(b *testing.B, rules reading.SignatureRules, n int) {
	workers := runtime.GOMAXPROCS(0)
	type job struct {
		d       *device
		scorer  *sidecar.DeviceScorer
		batches []sensorstypes.Batch
	}
	jobs := make([]job, workers)
	for w := range jobs {
		d := newDevice(b)
		scorer, err := sidecar.NewDeviceScorer(quality.Embedded(), b.TempDir(), d.policy(), 10*time.Second)
		require.NoError(b, err)
		for seq := uint64(1); seq <= 8; seq++ { // the fake gateway serves 9 batches
			jobs[w].batches = append(jobs[w].batches, d.batch(seq, int(seq-1)*n, n, daily))
		}
		jobs[w].d, jobs[w].scorer = d, scorer
	}
	score := func(j job, from, count int) {
		for i := from; i < from+count; i++ {
			batch := j.batches[i%len(j.batches)]
			batch.Seq = uint64(1 + i) // state moves on regardless of the data served
			if _, err := j.scorer.ScoreBatch(context.Background(), j.d.job(batch, rules)); err != nil {
				b.Error(err)
				return
			}
		}
	}
	warm := int(jobs[0].d.epoch) + 1
	inParallel := func(from, count int) {
		var wg sync.WaitGroup
		for _, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				score(j, from, count)
			}()
		}
		wg.Wait()
	}
	inParallel(0, warm)
	b.ResetTimer()
	inParallel(warm, b.N)
	b.ReportMetric(float64(b.N*workers)/b.Elapsed().Seconds(), "batches/s")
	b.ReportMetric(float64(b.N*n*workers)/b.Elapsed().Seconds(), "readings/s")
}
