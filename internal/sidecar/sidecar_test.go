package sidecar_test

import (
	"context"
	"crypto/ed25519"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/internal/sidecar"
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
	key    ed25519.PrivateKey
	record sensorstypes.Device
	served map[uint64][]reading.Reading // by batch uri path
	srv    *httptest.Server
	down   atomic.Bool
}

func newDevice(t testing.TB) *device {
	_, key, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	d := &device{key: key, served: map[uint64][]reading.Reading{}}
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
		var seq uint64
		for s := range d.served {
			if r.URL.Path == "/b/"+string(rune('0'+s)) {
				seq = s
			}
		}
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
	root := reading.NewBatch(readings).Root
	return sensorstypes.Batch{
		DeviceId: d.record.Id, Seq: seq, Root: root[:], Count: uint32(n),
		Uri: d.srv.URL + "/b/" + string(rune('0'+seq)),
	}
}

func daily(i int) float64 {
	return 15 + 8*math.Sin(2*math.Pi*float64(i)/300) + 0.3*math.Sin(float64(i)*1.7)
}

func TestDeviceScorerScoresChecksAndResumes(t *testing.T) {
	d := newDevice(t)
	dir := t.TempDir()
	scorer, err := sidecar.NewDeviceScorer(quality.Embedded(), dir, d.srv.Client())
	require.NoError(t, err)
	ctx := context.Background()
	// Enough healthy batches to pass the model's warm-up, then a stuck batch.
	var healthy []sidecar.Result
	for seq := uint64(1); seq <= 5; seq++ {
		res, err := scorer.ScoreBatch(ctx, d.record, d.batch(seq, int(seq-1)*100, 100, daily))
		require.NoError(t, err)
		healthy = append(healthy, res)
	}
	require.GreaterOrEqual(t, healthy[4].Score, uint32(9000), "a healthy batch scores high: %+v", healthy[4])
	stuck, err := scorer.ScoreBatch(ctx, d.record, d.batch(6, 500, 100, func(int) float64 { return 21.5 }))
	require.NoError(t, err)
	require.Less(t, stuck.Score, uint32(5000))
	require.Contains(t, stuck.Flags, uint32(sensorstypes.BATCH_FLAG_STUCK))

	// A restarted scorer (same state dir) reports old batches from disk and scores on exactly
	// as the uninterrupted one does.
	again, err := sidecar.NewDeviceScorer(quality.Embedded(), dir, d.srv.Client())
	require.NoError(t, err)
	old, err := again.ScoreBatch(ctx, d.record, sensorstypes.Batch{DeviceId: d.record.Id, Seq: 6})
	require.NoError(t, err)
	require.Equal(t, stuck, old)
	next := d.batch(7, 600, 100, daily)
	a, err := scorer.ScoreBatch(ctx, d.record, next)
	require.NoError(t, err)
	b, err := again.ScoreBatch(ctx, d.record, next)
	require.NoError(t, err)
	require.Equal(t, a, b)

	// Served data that does not match the root, or is not signed by the device, scores 0.
	tampered := d.batch(8, 700, 50, daily)
	d.served[8][3].Values[0] += 1
	res, err := scorer.ScoreBatch(ctx, d.record, tampered)
	require.NoError(t, err)
	require.Equal(t, sidecar.Result{Score: 0, Flags: []uint32{uint32(sensorstypes.BATCH_FLAG_BAD_SIGNATURE)}}, res)
	wrongRoot := d.batch(9, 750, 50, daily)
	wrongRoot.Root[0] ^= 0xff
	res, err = scorer.ScoreBatch(ctx, d.record, wrongRoot)
	require.NoError(t, err)
	require.Equal(t, []uint32{uint32(sensorstypes.BATCH_FLAG_ROOT_MISMATCH)}, res.Flags)
	d.down.Store(true)
	res, err = scorer.ScoreBatch(ctx, d.record, d.batch(10, 800, 50, daily))
	require.NoError(t, err)
	require.Equal(t, sidecar.Result{Score: 0, Flags: []uint32{uint32(sensorstypes.BATCH_FLAG_UNAVAILABLE)}}, res)

	// The restarted scorer still answers for the earlier batches it keeps.
	early, err := again.ScoreBatch(ctx, d.record, sensorstypes.Batch{DeviceId: d.record.Id, Seq: 2})
	require.NoError(t, err)
	require.Equal(t, healthy[1], early)
}
