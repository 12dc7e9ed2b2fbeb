package sidecar_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/internal/sidecar"
	"github.com/thalamus-network/thalamus/pkg/egress"
	"github.com/thalamus-network/thalamus/pkg/pow"
	"github.com/thalamus-network/thalamus/pkg/quality"
	"github.com/thalamus-network/thalamus/pkg/reading"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

// solvedChallenge is a challenge of the given preset answered honestly over batches batches.
func solvedChallenge(t testing.TB, preset string, batches uint64) computetypes.Challenge {
	t.Helper()
	params, err := pow.Preset(preset)
	require.NoError(t, err)
	seed := pow.ChallengeSeed("chain", []byte("block"), "provider", "GPU-1", 1)
	table := pow.TableSeed("chain", []byte("epoch"), "provider", "GPU-1")
	task := pow.Task{Params: params, Seed: seed, TableSeed: table}
	winners, err := (&pow.CPU{Workers: 2}).SearchBatches(context.Background(), task, 0, batches)
	require.NoError(t, err)
	c := computetypes.Challenge{
		Id: 1, Preset: preset, Seed: seed[:], TableSeed: table[:], NoncesTried: batches * uint64(params.BatchRows),
		ExpectedWinners: uint64(len(winners)),
	}
	for _, w := range winners {
		c.Winners = append(c.Winners, computetypes.PowWinner{Nonce: w.Nonce, Digest: w.Digest})
	}
	require.NotEmpty(t, c.Winners)
	return c
}

func TestVerifyChallenge(t *testing.T) {
	c := solvedChallenge(t, "test", 40)
	v, err := sidecar.VerifyChallenge(c, 0, "validator-a")
	require.NoError(t, err)
	require.Equal(t, oracletypes.VERDICT_PASS, v)

	forged := c
	forged.Winners = append([]computetypes.PowWinner(nil), c.Winners...)
	forged.Winners[len(forged.Winners)/2].Digest ^= 1
	v, err = sidecar.VerifyChallenge(forged, 0, "validator-a")
	require.ErrorIs(t, err, pow.ErrBadWinner)
	require.Equal(t, oracletypes.VERDICT_FRAUD, v)

	few := c
	few.ExpectedWinners = 3 * uint64(len(c.Winners))
	v, err = sidecar.VerifyChallenge(few, 0, "validator-a")
	require.NoError(t, err)
	require.Equal(t, oracletypes.VERDICT_UNDERPERFORM, v, "genuine winners but a third of the expected count")

	unknown := c
	unknown.Preset = "h900"
	v, err = sidecar.VerifyChallenge(unknown, 0, "validator-a")
	require.Error(t, err)
	require.Equal(t, oracletypes.VERDICT_UNSPECIFIED, v, "an unknown preset is no verdict: the sidecar needs an upgrade")
}

func TestSampleSeedDiffersPerValidator(t *testing.T) {
	seed := []byte("challenge seed")
	require.NotEqual(t, sidecar.SampleSeed(seed, "validator-a"), sidecar.SampleSeed(seed, "validator-b"))
	require.Equal(t, sidecar.SampleSeed(seed, "validator-a"), sidecar.SampleSeed(seed, "validator-a"))
}

// device is a simulated device with a key, and a gateway serving its batches.
type device struct {
	key       ed25519.PrivateKey
	record    sensorstypes.Device
	served    map[uint64][]reading.Reading  // by batch uri path
	committed map[uint64]sensorstypes.Batch // the chain's batch records, by seq
	epoch     uint32                        // scoring_epoch_batches
	srv       *httptest.Server
	down      atomic.Bool
}

func newDevice(t testing.TB) *device {
	_, key, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	d := &device{key: key, served: map[uint64][]reading.Reading{}, committed: map[uint64]sensorstypes.Batch{},
		epoch: sensorstypes.DefaultParams().ScoringEpochBatches}
	d.record = sensorstypes.Device{
		Id: 7, PubKey: key.Public().(ed25519.PublicKey), Kind: sensorstypes.KindWeather,
		Channels:         []sensorstypes.Channel{{Name: "temperature_c", Unit: "C", Min: "-40", Max: "60"}},
		SamplingInterval: time.Second,
	}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		seq, _ := strconv.ParseUint(strings.TrimPrefix(r.URL.Path, "/b/"), 10, 64)
		bz, err := (&reading.ReadingList{Readings: d.served[seq]}).Marshal()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(bz)
	}))
	t.Cleanup(d.srv.Close)
	return d
}

// batch signs n readings of value(i) from reading first on and commits them as batch seq.
func (d *device) batch(seq uint64, first, n int, value func(i int) float64) sensorstypes.Batch {
	readings := make([]reading.Reading, n)
	for i := range readings {
		readings[i] = reading.Reading{
			DeviceId: d.record.Id, Sequence: uint64(first + i + 1), TimestampMs: int64(1_700_000_000_000 + (first+i)*1000),
			Values: []float64{value(first + i)},
		}
		reading.Sign(d.key, &readings[i])
	}
	d.served[seq] = readings
	b := reading.NewBatch(readings)
	d.committed[seq] = sensorstypes.Batch{
		DeviceId: d.record.Id, Seq: seq, Root: b.Root[:], Count: uint32(n), SizeBytes: b.SizeBytes, FirstReadingMs: b.FirstMs, LastReadingMs: b.LastMs,
		Uri: fmt.Sprintf("%s/b/%d", d.srv.URL, seq), CommittedHeight: 1,
	}
	return d.committed[seq]
}

// job asks for batch b's score under the signature rules given, with the device's committed
// batches as the chain's history.
func (d *device) job(b sensorstypes.Batch, rules reading.SignatureRules) sidecar.BatchJob {
	params := sensorstypes.DefaultParams()
	params.ScoringEpochBatches = d.epoch
	params.Zip215Height = 0
	if rules == reading.ZIP215Rules {
		params.Zip215Height = 1
	}
	return sidecar.BatchJob{Device: d.record, Batch: b, Params: params, History: func(_ context.Context, seq uint64) (sensorstypes.Batch, error) {
		b, ok := d.committed[seq]
		if !ok {
			return b, sidecar.ErrNoHistory
		}
		return b, nil
	}}
}

// policy lets the scorer fetch from the device's loopback gateway, as a devnet's
// --allow-fetch does.
func (d *device) policy() egress.Policy {
	return egress.Policy{Allow: []string{strings.TrimPrefix(d.srv.URL, "http://")}}
}

func daily(i int) float64 {
	return 15 + 8*math.Sin(2*math.Pi*float64(i)/300) + 0.3*math.Sin(float64(i)*1.7)
}

func TestDeviceScorerScoresChecksAndResumes(t *testing.T) {
	d := newDevice(t)
	dir := t.TempDir()
	scorer, err := sidecar.NewDeviceScorer(quality.Embedded(), dir, d.policy(), 10*time.Second)
	require.NoError(t, err)
	ctx := context.Background()
	// Enough healthy batches to pass the model's warm-up, then a stuck batch.
	var healthy []sidecar.Result
	for seq := uint64(1); seq <= 5; seq++ {
		res, err := scorer.ScoreBatch(ctx, d.job(d.batch(seq, int(seq-1)*100, 100, daily), reading.ZIP215Rules))
		require.NoError(t, err)
		healthy = append(healthy, res)
	}
	require.GreaterOrEqual(t, healthy[4].Score, uint32(9000), "a healthy batch scores high: %+v", healthy[4])
	stuck, err := scorer.ScoreBatch(ctx, d.job(d.batch(6, 500, 100, func(int) float64 { return 21.5 }), reading.ZIP215Rules))
	require.NoError(t, err)
	require.Less(t, stuck.Score, uint32(5000))
	require.Contains(t, stuck.Flags, uint32(sensorstypes.BATCH_FLAG_STUCK))

	// A restarted scorer (same state dir) reports old batches from disk and scores on exactly
	// as the uninterrupted one does.
	again, err := sidecar.NewDeviceScorer(quality.Embedded(), dir, d.policy(), 10*time.Second)
	require.NoError(t, err)
	old, err := again.ScoreBatch(ctx, d.job(sensorstypes.Batch{DeviceId: d.record.Id, Seq: 6}, reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, stuck, old)
	next := d.batch(7, 600, 100, daily)
	a, err := scorer.ScoreBatch(ctx, d.job(next, reading.ZIP215Rules))
	require.NoError(t, err)
	b, err := again.ScoreBatch(ctx, d.job(next, reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, a, b)

	// Served data that does not match the root, or is not signed by the device, scores 0.
	tampered := d.batch(8, 700, 50, daily)
	d.served[8][3].Values[0] += 1
	res, err := scorer.ScoreBatch(ctx, d.job(tampered, reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, sidecar.Result{Score: 0, Flags: []uint32{uint32(sensorstypes.BATCH_FLAG_BAD_SIGNATURE)}}, res)
	wrongRoot := d.batch(9, 750, 50, daily)
	wrongRoot.Root[0] ^= 0xff
	res, err = scorer.ScoreBatch(ctx, d.job(wrongRoot, reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, []uint32{uint32(sensorstypes.BATCH_FLAG_ROOT_MISMATCH)}, res.Flags)
	// A healthy batch committed again (its root, a later sequence and, as the chain requires,
	// later time bounds) earns nothing: its readings are stamped before the bounds.
	replayed := d.committed[7]
	replayed.Seq = 10
	replayed.FirstReadingMs, replayed.LastReadingMs = replayed.LastReadingMs+1, replayed.LastReadingMs+100_000
	d.served[10] = d.served[7]
	replayed.Uri = fmt.Sprintf("%s/b/10", d.srv.URL)
	res, err = scorer.ScoreBatch(ctx, d.job(replayed, reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, sidecar.Result{Score: 0, Flags: []uint32{uint32(sensorstypes.BATCH_FLAG_ROOT_MISMATCH)}}, res)
	d.down.Store(true)
	res, err = scorer.ScoreBatch(ctx, d.job(d.batch(11, 800, 50, daily), reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, sidecar.Result{Score: 0, Flags: []uint32{uint32(sensorstypes.BATCH_FLAG_UNAVAILABLE)}}, res)

	// The restarted scorer still answers for the earlier batches it keeps.
	early, err := again.ScoreBatch(ctx, d.job(sensorstypes.Batch{DeviceId: d.record.Id, Seq: 2}, reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, healthy[1], early)

	// Restarted on another model (an upgraded sidecar, here one that tolerates long runs),
	// it drops the old model's state and results: the stuck batch 6 is scored again, from
	// the anchor, under the new model, as a sidecar new to the device scores it.
	other := quality.Embedded()
	other.Hash = "another model"
	other.Params.Checks.StuckRun = 1000
	upgraded, err := sidecar.NewDeviceScorer(other, dir, d.policy(), 10*time.Second)
	require.NoError(t, err)
	d.down.Store(false)
	rescored, err := upgraded.ScoreBatch(ctx, d.job(d.committed[6], reading.ZIP215Rules))
	require.NoError(t, err)
	require.NotContains(t, rescored.Flags, uint32(sensorstypes.BATCH_FLAG_STUCK))
	fresh, err := sidecar.NewDeviceScorer(other, t.TempDir(), d.policy(), 10*time.Second)
	require.NoError(t, err)
	want, err := fresh.ScoreBatch(ctx, d.job(d.committed[6], reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, want, rescored)
}

// A batch scores the same whatever part of the device's history its scorer followed: one
// that followed every batch, one new to the device (a committee seat of a later epoch, or
// an escalation) and one that skipped an epoch all score on the window anchored at the
// batch's scoring anchor. Epochs of 3 batches here.
func TestScoringIsTheSameWhateverHistoryAScorerFollowed(t *testing.T) {
	d := newDevice(t)
	d.epoch = 3
	ctx := context.Background()
	newScorer := func() *sidecar.DeviceScorer {
		s, err := sidecar.NewDeviceScorer(quality.Embedded(), t.TempDir(), d.policy(), 10*time.Second)
		require.NoError(t, err)
		return s
	}
	// A series with bursts of noise and spikes: scores depend on how much history the model has seen.
	value := func(i int) float64 {
		v := daily(i) + float64(i%97)/10
		if i%53 == 0 || i%71 == 0 {
			v += 12
		}
		return v
	}
	follower := newScorer()
	var followed []sidecar.Result
	for seq := uint64(1); seq <= 12; seq++ {
		value := value
		if seq == 8 {
			value = func(int) float64 { return 21.5 } // stuck: flags carried into later windows
		}
		res, err := follower.ScoreBatch(ctx, d.job(d.batch(seq, int(seq-1)*100, 100, value), reading.ZIP215Rules))
		require.NoError(t, err)
		followed = append(followed, res)
	}
	// `quality batches` scores a file's batches as the follower did.
	series := make([][]reading.Reading, 12)
	for i := range series {
		series[i] = d.served[uint64(i)+1]
	}
	offline, err := sidecar.ScoreSeries(quality.Embedded(), d.record, d.job(sensorstypes.Batch{}, reading.ZIP215Rules).Params, series)
	require.NoError(t, err)
	require.Equal(t, followed, offline)
	for _, seq := range []uint64{1, 3, 4, 6, 7, 8, 9, 10, 12} {
		res, err := newScorer().ScoreBatch(ctx, d.job(d.committed[seq], reading.ZIP215Rules))
		require.NoError(t, err)
		require.Equal(t, followed[seq-1], res, "batch %d scored by a scorer new to the device", seq)
	}
	skipper := newScorer()
	for _, seq := range []uint64{1, 2, 3, 10, 11, 12} {
		res, err := skipper.ScoreBatch(ctx, d.job(d.committed[seq], reading.ZIP215Rules))
		require.NoError(t, err)
		require.Equal(t, followed[seq-1], res, "batch %d after skipping batches 4-9", seq)
	}
	// A scorer that has moved on still scores an older batch it never saw (an escalation)
	// and carries on where it was.
	res, err := skipper.ScoreBatch(ctx, d.job(d.committed[5], reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, followed[4], res)
	next := d.batch(13, 12*100, 100, value)
	a, err := follower.ScoreBatch(ctx, d.job(next, reading.ZIP215Rules))
	require.NoError(t, err)
	b, err := skipper.ScoreBatch(ctx, d.job(next, reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, a, b)

	// A batch its scorers could not fetch, and the chain scored unavailable, is left out of a
	// replay even when its gateway serves it later.
	d.down.Store(true)
	missing, err := follower.ScoreBatch(ctx, d.job(d.batch(14, 13*100, 100, value), reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, []uint32{uint32(sensorstypes.BATCH_FLAG_UNAVAILABLE)}, missing.Flags)
	d.down.Store(false)
	scored := d.committed[14]
	scored.Status, scored.Flags = sensorstypes.BATCH_STATUS_SCORED, []sensorstypes.BatchFlag{sensorstypes.BATCH_FLAG_UNAVAILABLE}
	d.committed[14] = scored
	after := d.batch(15, 14*100, 100, value)
	a, err = follower.ScoreBatch(ctx, d.job(after, reading.ZIP215Rules))
	require.NoError(t, err)
	b, err = newScorer().ScoreBatch(ctx, d.job(after, reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, a, b, "the late scorer skipped batch 14 as the follower did")

	// History the chain has pruned is skipped; the batch is still scored.
	delete(d.committed, 11)
	_, err = newScorer().ScoreBatch(ctx, d.job(d.committed[12], reading.ZIP215Rules))
	require.NoError(t, err)
}

// A batch URI aimed at the validator's own machine scores 0 with forbidden_uri and is never
// fetched, even where the devnet allows another loopback port; a gateway that accepts and
// never answers costs one fetch timeout and scores unavailable.
func TestDeviceScorerRefusesForbiddenURIs(t *testing.T) {
	d := newDevice(t)
	var hits atomic.Int32
	victim := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer victim.Close()
	hang := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang }))
	defer hanging.Close()
	defer close(hang)

	policy := d.policy()
	policy.Allow = append(policy.Allow, strings.TrimPrefix(hanging.URL, "http://"))
	scorer, err := sidecar.NewDeviceScorer(quality.Embedded(), t.TempDir(), policy, 300*time.Millisecond)
	require.NoError(t, err)
	forbidden := sidecar.Result{Score: 0, Flags: []uint32{uint32(sensorstypes.BATCH_FLAG_FORBIDDEN_URI)}}
	victimPort := strings.TrimPrefix(victim.URL, "http://127.0.0.1:")
	for seq, uri := range []string{
		victim.URL + "/net_info",
		"http://localhost:" + victimPort + "/metrics",
		"http://[::ffff:127.0.0.1]:" + victimPort + "/",
		"http://169.254.169.254/latest/meta-data/",
		"http://user:pass@" + strings.TrimPrefix(d.srv.URL, "http://") + "/b/1",
		"ftp://" + strings.TrimPrefix(d.srv.URL, "http://") + "/b/1",
	} {
		b := d.batch(uint64(seq+1), seq*10, 10, daily)
		b.Uri = uri
		res, err := scorer.ScoreBatch(context.Background(), d.job(b, reading.ZIP215Rules))
		require.NoError(t, err, uri)
		require.Equal(t, forbidden, res, uri)
	}
	require.Zero(t, hits.Load(), "the validator's own services were never fetched")

	b := d.batch(7, 70, 10, daily)
	b.Uri = hanging.URL + "/b/7"
	res, err := scorer.ScoreBatch(context.Background(), d.job(b, reading.ZIP215Rules))
	require.NoError(t, err)
	require.Equal(t, sidecar.Result{Score: 0, Flags: []uint32{uint32(sensorstypes.BATCH_FLAG_UNAVAILABLE)}}, res)
}
