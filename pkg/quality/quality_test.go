package quality_test

import (
	"bytes"
	"math"
	"math/rand"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/quality"
)

func TestEmbeddedModel(t *testing.T) {
	m := quality.Embedded()
	require.Equal(t, "thalamus-quality/1.6.0", m.Params.Version)
	require.Len(t, m.Hash, 64)
	require.Equal(t, m.Hash, quality.Embedded().Hash, "the hash is a pure function of the embedded file")
	_, err := quality.Parse([]byte(`{"version": "x", "detector": {}, "unknown": 1}`))
	require.Error(t, err)
	_, err = quality.Parse([]byte(`{"version": "x"}`))
	require.ErrorContains(t, err, "out of range")
	bz, err := os.ReadFile("model.json")
	require.NoError(t, err)
	for _, c := range []struct{ good, bad string }{
		{`"noise_scale_alpha": 0.002`, `"noise_scale_alpha": 1.5`},
		{`"noise_scale_alpha": 0.002`, `"noise_scale_alpha": -0.002`},
		{`"level_evidence": 5`, `"level_evidence": -1`},
		{`"spatial_steps": 0.4`, `"spatial_steps": -1`},
	} {
		_, err = quality.Parse(bytes.Replace(bz, []byte(c.good), []byte(c.bad), 1))
		require.ErrorContains(t, err, "out of range", c.bad)
	}
}

// cycle is a noisy daily cycle of n readings, one a minute.
func cycle(n int, seed int64) []float64 {
	r := rand.New(rand.NewSource(seed))
	out := make([]float64, n)
	for i := range out {
		out[i] = 15 + 8*math.Sin(2*math.Pi*float64(i)/1440) + 0.3*r.NormFloat64()
	}
	return out
}

func TestFlagNames(t *testing.T) {
	require.Equal(t, []string{"stuck", "baseline"}, quality.FlagNames(quality.FlagStuck|quality.FlagBaseline))
	require.Empty(t, quality.FlagNames(0))
}

func TestDetectorIsDeterministicAndResumes(t *testing.T) {
	m := quality.Embedded()
	values := cycle(3000, 1)
	whole := quality.NewCausalDetector(m, 0, 0)
	first := quality.NewCausalDetector(m, 0, 0)
	again := quality.NewCausalDetector(m, 0, 0)
	var resumed *quality.Detector
	for i, v := range values {
		a := whole.Score(v)
		require.Equal(t, a, again.Score(v), "same input, same score")
		if i < 1700 {
			require.Equal(t, a, first.Score(v))
			continue
		}
		if resumed == nil {
			bz, err := first.MarshalBinary()
			require.NoError(t, err)
			resumed = &quality.Detector{}
			require.NoError(t, resumed.UnmarshalBinary(bz))
		}
		require.Equal(t, a, resumed.Score(v), "a restored detector continues exactly (reading %d)", i)
		require.True(t, a >= 0 && a <= 1)
	}
}

func readings(values []float64, intervalMs int64) []quality.Reading {
	out := make([]quality.Reading, len(values))
	for i, v := range values {
		out[i] = quality.Reading{TimestampMs: 1_764_000_000_000 + int64(i)*intervalMs, Value: v}
	}
	return out
}

func TestHardChecks(t *testing.T) {
	m := quality.Embedded()
	base := cycle(600, 2)
	flagsAt := func(rs []quality.Reading, lo, hi float64, i int) uint16 {
		res := quality.NewStream(m, lo, hi, 60_000).ScoreBatch(rs)
		return res.Readings[i].Flags
	}
	rs := readings(base, 60_000)
	rs[500].Value = 75
	require.NotZero(t, flagsAt(rs, -40, 60, 500)&quality.FlagOutOfRange)
	require.NotZero(t, flagsAt(rs, -40, 60, 500)&quality.FlagJump)

	rs = readings(base, 60_000)
	for i := 400; i < 420; i++ {
		rs[i].Value = rs[400].Value
	}
	require.NotZero(t, flagsAt(rs, -40, 60, 415)&quality.FlagStuck)
	require.Zero(t, flagsAt(rs, -40, 60, 405)&quality.FlagStuck, "a short run is not stuck")

	rs = readings(base, 60_000)
	for i := 300; i < len(rs); i++ {
		rs[i].TimestampMs += 10 * 60_000
	}
	require.NotZero(t, flagsAt(rs, -40, 60, 300)&quality.FlagGap)

	rs = readings(base, 60_000)
	rs[200].TimestampMs = rs[150].TimestampMs
	require.NotZero(t, flagsAt(rs, -40, 60, 200)&quality.FlagOutOfOrder)
	rs = readings(base, 60_000)
	rs[201] = rs[200]
	require.NotZero(t, flagsAt(rs, -40, 60, 201)&quality.FlagDuplicate)

	rs = readings(base, 60_000)
	copy(rs[450:480], readings(base[100:130], 60_000))
	for i := 450; i < 480; i++ {
		rs[i].TimestampMs = 1_764_000_000_000 + int64(i)*60_000
	}
	require.NotZero(t, flagsAt(rs, -40, 60, 470)&quality.FlagDuplicate, "a replayed segment is a duplicate")
}

func TestBatchScore(t *testing.T) {
	m := quality.Embedded()
	s := quality.NewStream(m, -40, 60, 60_000)
	clean := readings(cycle(2000, 3), 60_000)
	warm := s.ScoreBatch(clean[:1000])
	good := s.ScoreBatch(clean[1000:1500])
	require.Greater(t, good.Score, uint32(8000), "clean data scores high: %+v", good.Flags)
	require.LessOrEqual(t, good.Score, uint32(10_000))
	require.NotEmpty(t, warm.Readings)

	bad := clean[1500:]
	for i := range bad {
		if i%4 == 0 {
			bad[i].Value = 99 // out of range
		}
	}
	res := s.ScoreBatch(bad)
	require.Less(t, res.Score, uint32(7600))
	require.NotZero(t, res.Flags&quality.FlagOutOfRange)

	// Half the readings missing halves the score.
	s2 := quality.NewStream(m, -40, 60, 60_000)
	s2.ScoreBatch(clean[:1000])
	var sparse []quality.Reading
	for i := 1000; i < 1500; i += 2 {
		sparse = append(sparse, clean[i])
	}
	half := s2.ScoreBatch(sparse)
	require.InDelta(t, float64(good.Score)/2, float64(half.Score), 600)
	// ... and not its quality, which is the score without availability.
	require.InDelta(t, good.Quality, half.Quality, 0.06)
	require.InDelta(t, 10_000*res.Quality, float64(res.Score), 0.5, "every reading arrived")

	// The stream state survives a restart.
	bz, err := s.MarshalBinary()
	require.NoError(t, err)
	restored, err := quality.RestoreStream(m, bz)
	require.NoError(t, err)
	next := readings(cycle(100, 4), 60_000)
	for i := range next {
		next[i].TimestampMs = clean[len(clean)-1].TimestampMs + int64(i+1)*60_000
	}
	require.Equal(t, s.ScoreBatch(next), restored.ScoreBatch(next))
}

func TestInjectFaultsAndAUC(t *testing.T) {
	values := cycle(1000, 5)
	rng := rand.New(rand.NewSource(1))
	for _, kind := range quality.FaultKinds {
		out, err := quality.InjectFault(values, kind, 600, 50, 1, rng)
		require.NoError(t, err)
		require.NotEqual(t, values, out, kind)
		require.Equal(t, values[:600], out[:600], "%s leaves what precedes it alone", kind)
	}
	full, err := quality.InjectFault(values, "level_shift", 600, 50, 1, rng)
	require.NoError(t, err)
	half, err := quality.InjectFault(values, "level_shift", 600, 50, 0.5, rng)
	require.NoError(t, err)
	require.InDelta(t, (full[700]-values[700])/2, half[700]-values[700], 1e-9, "scale 0.5 halves the fault")
	require.InDelta(t, quality.FaultUnit(values, 600, 50), full[700]-values[700], 1e-9, "scale 1 is the fault's unit")
	_, err = quality.InjectFault(values, "melt", 600, 50, 1, rng)
	require.Error(t, err)
	_, err = quality.InjectFault(values, "spike", 990, 50, 1, rng)
	require.Error(t, err)
	require.Equal(t, 1.0, quality.AUC([]float64{2, 3}, []float64{0, 1}))
	require.Equal(t, 0.5, quality.AUC([]float64{1}, []float64{1}))
	require.Equal(t, 0.0, quality.AUC([]float64{0}, []float64{1}))
}

func BenchmarkCausalDetector(b *testing.B) {
	m := quality.Embedded()
	values := cycle(100_000, 6)
	d := quality.NewCausalDetector(m, 0, 0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Score(values[i%len(values)])
	}
	b.StopTimer()
	bz, err := d.MarshalBinary()
	require.NoError(b, err)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "points/s")
	b.ReportMetric(float64(len(bz)), "state-bytes")
}

// An exactly periodic series (a synthetic or digitally generated signal) must keep repeating
// after the warm-up: a stretch that differs from the period before is flagged, even where it
// differs by far less than the series' steps; missing readings keep the phase; a noisy
// periodic series never gets a period.
func TestExactPeriodCheck(t *testing.T) {
	const period = 100
	value := func(i int) float64 { return float64((i % period) / 10) } // a staircase of 10-reading steps
	m := quality.Embedded()
	s := quality.NewStream(m, 0, 0, 1000)
	var readings []quality.Reading
	for i := 0; i < 1000; i++ {
		if i >= 700 && i < 710 {
			continue // ten readings never sent
		}
		v := value(i)
		if i >= 850 && i < 860 {
			v += 0.001 // a tiny departure from the repetition
		}
		readings = append(readings, quality.Reading{TimestampMs: int64(i) * 1000, Value: v})
	}
	res := s.ScoreBatch(readings)
	for j, r := range readings {
		i := int(r.TimestampMs / 1000)
		pattern := res.Readings[j].Flags&quality.FlagPattern != 0
		if want := i >= 850 && i < 860; pattern != want {
			t.Fatalf("reading %d: pattern flag %v, want %v", i, pattern, want)
		}
	}
	require.NotZero(t, res.Flags&(quality.FlagAnomaly|quality.FlagPattern), "flagged as an anomaly on chain")

	noisy := quality.NewStream(m, 0, 0, 1000)
	rng := rand.New(rand.NewSource(3))
	readings = readings[:0]
	for i := 0; i < 1000; i++ {
		readings = append(readings, quality.Reading{TimestampMs: int64(i) * 1000, Value: value(i) + 0.01*rng.NormFloat64()})
	}
	for _, r := range noisy.ScoreBatch(readings).Readings {
		require.Zero(t, r.Flags&quality.FlagPattern, "a noisy series has no exact period")
	}
}

// The hashes models 1.1.0 to 1.5.0's validators reported.
const (
	model110Hash = "d6eae9f8906749d61bb84fbb4b4031b3d43da50ffc4c06ab24cdc5fb5d761386"
	model120Hash = "65bc5fec41bc633b722e7031bc8fa38e2c83c18ac142e8859d5dba65ed6bf7fb"
	model130Hash = "c55d060eaff3b61073d520c1c57198a6793fb8cdee1401b5fefac35f1350f48e"
	model140Hash = "a5824e74dec6bb901520266d751cc48e86665c8323f4cd32513ea30c75415ca2"
	model150Hash = "0c2baf34d734090c356e0eb6b118e3e4accf03dcd0054670dd3e7c509452a4c4"
)

// testModel parses a kept model file and checks the hash its validators reported.
func testModel(t testing.TB, path, hash string) quality.Model {
	t.Helper()
	bz, err := os.ReadFile(path) //nolint:gosec // a model file kept in testdata
	require.NoError(t, err)
	m, err := quality.Parse(bz)
	require.NoError(t, err)
	require.Equal(t, hash, m.Hash, "the hash %s's validators reported", m.Params.Version)
	return m
}

// scoreBatches scores values as a device reading once a minute with a -40..60 range, in
// batches of 100.
func scoreBatches(t testing.TB, m quality.Model, values []float64) []uint32 {
	return batchScores(t, m, -40, 60, values, 0)
}

// rawBatches scores values as scoreBatches does, but with no declared range; restartAt > 0
// saves and restores the stream before that batch.
func rawBatches(t testing.TB, m quality.Model, values []float64, restartAt int) []uint32 {
	return batchScores(t, m, 0, 0, values, restartAt)
}

// batchScores scores values as a device reading once a minute with the range lo..hi, in
// batches of 100, saving and restoring the stream before batch restartAt when it is > 0.
func batchScores(t testing.TB, m quality.Model, lo, hi float64, values []float64, restartAt int) (scores []uint32) {
	s := quality.NewStream(m, lo, hi, 60_000)
	for b := 0; b < len(values)/100; b++ {
		if b == restartAt && b > 0 {
			bz, err := s.MarshalBinary()
			require.NoError(t, err)
			s, err = quality.RestoreStream(m, bz)
			require.NoError(t, err)
		}
		rs := make([]quality.Reading, 100)
		for i := range rs {
			rs[i] = quality.Reading{TimestampMs: int64(b*100+i) * 60_000, Value: values[b*100+i]}
		}
		scores = append(scores, s.ScoreBatch(rs).Score)
	}
	return scores
}

// Model 1.2.0's baseline check charges a level shift, a drift and a noise burst that 1.1.0
// let through as healthy data: each is well inside the daily cycle's range but 10 noise
// deviations from the same time yesterday; a spike as large lowers its batch's score too.
// An honest noisy cycle keeps its reward.
func TestModel120ChargesShiftsDriftsAndNoise(t *testing.T) {
	prev := testModel(t, "testdata/model-1.1.0.json", model110Hash)
	cur := testModel(t, "testdata/model-1.2.0.json", model120Hash)
	values := cycle(5000, 7) // three and a half days: the daily prediction has a day of history from the third
	honest := scoreBatches(t, cur, values)
	for i := 5; i < len(honest); i++ { // after the 400-reading warm-up
		require.GreaterOrEqual(t, honest[i], uint32(9_500), "honest batch %d", i)
	}
	faults := map[string]func([]float64){
		"level shift": func(v []float64) {
			for i := 4500; i < len(v); i++ {
				v[i] += 3 // 10 noise deviations, well inside the cycle's range
			}
		},
		"drift": func(v []float64) {
			for i := 4500; i < len(v); i++ {
				v[i] += 3 * min(1, float64(i-4500)/50)
			}
		},
		"noise": func(v []float64) {
			r := rand.New(rand.NewSource(3))
			for i := 4500; i < 4550; i++ {
				v[i] += 1.5 * r.NormFloat64()
			}
		},
	}
	for name, inject := range faults {
		faulty := slices.Clone(values)
		inject(faulty)
		before, after := scoreBatches(t, prev, faulty)[45], scoreBatches(t, cur, faulty)[45]
		t.Logf("%s: batch 45 scores %d under 1.1.0, %d under 1.2.0 (honest: %d)", name, before, after, honest[45])
		require.GreaterOrEqual(t, before, scoreBatches(t, prev, values)[45]-100, "%s: 1.1.0 hardly sees it", name)
		require.Less(t, after, honest[45]-500, "%s: 1.2.0 charges it", name)
	}
	// A spike of 10 noise deviations inside the cycle's range lowers its batch's score.
	spiked := slices.Clone(values)
	spiked[4550] += 3
	require.Less(t, scoreBatches(t, cur, spiked)[45], honest[45])
}

// Model 1.3.0 flags a reading anomalous only above the detector's neutral score. Once its
// context memory is full the detector gives exactly 0.5 to every reading no learned context
// applies to, (1 - 0 + 0) / 2; 1.2.0 flagged those (anomaly_threshold 0.5) though they cost
// nothing (anomaly_floor 0.5), so a healthy stream that had stopped surprising the detector
// was flagged anomalous reading after reading. 1.3.0 flags and charges from 0.51. It also
// takes a step of 5 typical steps, away from the short-term level too, for a spike (1.2.0:
// 6): spikes 1.2.0 partly missed are caught, and the honest cycle keeps its reward.
func TestModel130(t *testing.T) {
	prev := testModel(t, "testdata/model-1.2.0.json", model120Hash)
	cur := testModel(t, "testdata/model-1.3.0.json", model130Hash)
	values := cycle(30_000, 5) // long enough to fill the context memory
	run := func(m quality.Model, values []float64) (neutral int, flagged []bool, scores []uint32) {
		s := quality.NewStream(m, -40, 60, 60_000)
		for b := 0; b < len(values)/100; b++ {
			rs := make([]quality.Reading, 100)
			for i := range rs {
				rs[i] = quality.Reading{TimestampMs: int64(b*100+i) * 60_000, Value: values[b*100+i]}
			}
			res := s.ScoreBatch(rs)
			for _, r := range res.Readings {
				if r.Flags&quality.FlagAnomaly != 0 && r.Anomaly == 0.5 {
					neutral++
				}
				flagged = append(flagged, quality.Flagged(r))
			}
			scores = append(scores, res.Score)
		}
		return neutral, flagged, scores
	}
	before, _, _ := run(prev, values)
	after, _, honest := run(cur, values)
	t.Logf("readings flagged at the neutral score 0.5: %d under 1.2.0, %d under 1.3.0", before, after)
	require.Greater(t, before, 1000, "1.2.0 flags a healthy stream at the neutral score")
	require.Zero(t, after)
	for i := 5; i < len(honest); i++ { // after the 400-reading warm-up
		require.GreaterOrEqual(t, honest[i], uint32(9_500), "honest batch %d", i)
	}
	// Spikes of under 7 noise deviations (0.3 each), well inside the cycle's range.
	spiked := slices.Clone(values)
	at := []int{25_050, 25_550, 26_050, 26_550, 27_050, 27_550, 28_050, 28_550}
	for _, i := range at {
		spiked[i] += 2
	}
	_, prevFlags, _ := run(prev, spiked)
	_, curFlags, _ := run(cur, spiked)
	var caughtBefore, caught int
	for _, i := range at {
		if prevFlags[i] {
			caughtBefore++
		}
		if curFlags[i] {
			caught++
		}
	}
	t.Logf("spikes of under 7 noise deviations caught: %d of %d under 1.2.0, %d under 1.3.0", caughtBefore, len(at), caught)
	require.Equal(t, len(at), caught)
	require.Less(t, caughtBefore, len(at))
}

// intermittent is n readings of a disk's write rate, one a minute: idle (0) most of the
// time, with bursts of one to six readings of 10^4 to 10^8 bytes about once an hour.
func intermittent(n int, seed int64) []float64 {
	r := rand.New(rand.NewSource(seed))
	out := make([]float64, n)
	for i := 0; i < n; i++ {
		if r.Float64() < 1.0/60 {
			for end := min(i+1+r.Intn(6), n); i < end; i++ {
				out[i] = math.Pow(10, 4+4*r.Float64())
			}
		}
	}
	return out
}

// Model 1.4.0 knows intermittent series: one that held a single value for at least
// rest_share (0.8) of its warm-up rests there, and its bursts away from rest are its signal.
// The baseline, which takes every burst of an idle disk for a spike, a shift and a noise
// burst, does not judge it; it is judged by how long it stays away from rest instead (longer
// than a value may be held, stuck_run, and than twice its longest excursion while warming
// up). An honest intermittent series keeps its reward; a rest that moves (a shift, a drift,
// noise on the idle readings) is charged; a value held too long is still stuck.
func TestModel140(t *testing.T) {
	prev := testModel(t, "testdata/model-1.3.0.json", model130Hash)
	cur := quality.Embedded()
	values := intermittent(10_000, 3)
	before, honest := rawBatches(t, prev, values, 0), rawBatches(t, cur, values, 0)
	lowBefore := 0
	for i := 5; i < len(honest); i++ { // after the 400-reading warm-up
		require.GreaterOrEqual(t, honest[i], uint32(9_500), "honest batch %d", i)
		if before[i] < 9_500 {
			lowBefore++
		}
	}
	t.Logf("honest batches below 9,500: %d of %d under 1.3.0, none under 1.4.0", lowBefore, len(honest)-5)
	require.Positive(t, lowBefore, "1.3.0 charges an idle disk's bursts")

	faults := map[string]func(v []float64){
		"level shift": func(v []float64) {
			for i := 6000; i < len(v); i++ {
				v[i] += 1e4
			}
		},
		"drift": func(v []float64) {
			for i := 6000; i < len(v); i++ {
				v[i] += 1e4 * math.Min(1, float64(i-6000+1)/500) // still growing at the restart
			}
		},
		"noise": func(v []float64) {
			r := rand.New(rand.NewSource(1))
			for i := 6000; i < 6050; i++ {
				v[i] += 1e4 * r.NormFloat64()
			}
		},
		"stuck": func(v []float64) {
			for i := 6000; i < 6050; i++ {
				v[i] = 5e6
			}
		},
	}
	for name, inject := range faults {
		faulty := slices.Clone(values)
		inject(faulty)
		got := rawBatches(t, cur, faulty, 0)[60]
		require.Equal(t, rawBatches(t, cur, faulty, 0), rawBatches(t, cur, faulty, 61), "%s: a restart away from rest keeps the verdicts", name)
		t.Logf("%s: batch 60 scores %d (honest: %d)", name, got, honest[60])
		require.Less(t, got, honest[60]-1_000, name)
	}
}

// Model 1.4.0 measures a level against a yardstick a drift cannot stretch: the level's typical
// deviations learn at level_alpha (0.002, about 500 readings) instead of scale_alpha (0.01), so
// a drift no longer doubles its own yardstick over its course (their plain mean until then, so
// a new stream still learns its noise from its first readings). A drift of under 7 noise
// deviations over 100 readings of a daily cycle, which 1.3.0 charged hardly at all, costs
// its batches; honest cycles keep >= 9,500.
func TestModel140Drift(t *testing.T) {
	prev := testModel(t, "testdata/model-1.3.0.json", model130Hash)
	cur := quality.Embedded()
	for seed := int64(5); seed < 8; seed++ {
		honest := rawBatches(t, cur, cycle(30_000, seed), 0)
		require.GreaterOrEqual(t, slices.Min(honest[5:]), uint32(9_500), "honest cycle %d", seed)
	}
	values := cycle(5000, 7)
	faulty := slices.Clone(values)
	for i := 4000; i < len(faulty); i++ {
		faulty[i] += 2 * math.Min(1, float64(i-4000+1)/100) // 0.3 noise deviation: 6.7 of them
	}
	before, after := slices.Min(rawBatches(t, prev, faulty, 0)[40:42]), slices.Min(rawBatches(t, cur, faulty, 0)[40:42])
	t.Logf("drift over batches 40-41: worst batch %d under 1.3.0, %d under 1.4.0", before, after)
	require.GreaterOrEqual(t, before, uint32(9_000), "1.3.0 hardly charges it")
	require.Less(t, after, uint32(7_000))
}

// Model 1.5.0 judges a noise burst against a typical step the burst cannot stretch: the noise
// check's typical step learns at noise_scale_alpha (0.002, about 500 readings) instead of
// scale_alpha (0.01), as 1.4.0 did for the level. Noise of 3 noise deviations over 50
// readings of a daily cycle costs its batch more than under 1.4.0, in every series and over
// twice as much in all; honest cycles keep >= 9,500, and a restart in the burst keeps the
// verdicts.
func TestModel150Noise(t *testing.T) {
	prev := testModel(t, "testdata/model-1.4.0.json", model140Hash)
	cur := testModel(t, "testdata/model-1.5.0.json", model150Hash)
	var costBefore, costAfter uint32
	for seed := int64(5); seed < 8; seed++ {
		require.GreaterOrEqual(t, slices.Min(rawBatches(t, cur, cycle(30_000, seed), 0)[5:]), uint32(9_500), "honest cycle %d", seed)
		faulty := cycle(5000, seed)
		r := rand.New(rand.NewSource(seed))
		for i := 4025; i < 4075; i++ {
			faulty[i] += 0.9 * r.NormFloat64() // 3 noise deviations
		}
		before, after := 10_000-rawBatches(t, prev, faulty, 0)[40], 10_000-rawBatches(t, cur, faulty, 0)[40]
		t.Logf("noise burst, seed %d: batch 40 costs %d under 1.4.0, %d under 1.5.0", seed, before, after)
		require.Greater(t, after, before, "seed %d", seed)
		require.Equal(t, rawBatches(t, cur, faulty, 0), rawBatches(t, cur, faulty, 40), "seed %d: a restart in the burst keeps the verdicts", seed)
		costBefore, costAfter = costBefore+before, costAfter+after
	}
	require.Greater(t, costAfter, 2*costBefore)
}

// Model 1.1.0 no longer charges a reading for the detector's everyday surprise (anomaly_floor)
// and no longer takes chance repeats of a few small values for replays (replay_distinct). The
// 1.0.0 file, as validators ran it, still parses to the same hash and its old behaviour: the
// new fields are absent, so the floor is 0 and windows need 2 distinct values.
func TestModelRollout(t *testing.T) {
	old := testModel(t, "testdata/model-1.0.0.json", "2b53ce4ddbf02c9567f8c137088e52545bb3d8c701b97568b356da9bcc120f49")
	require.Equal(t, "thalamus-quality/1.0.0", old.Params.Version)
	require.Zero(t, old.Params.Checks.AnomalyFloor)
	cur := testModel(t, "testdata/model-1.1.0.json", model110Hash)

	values := cycle(3000, 7) // an honest noisy cycle
	oldScores, newScores := scoreBatches(t, old, values), scoreBatches(t, cur, values)
	var oldSum, newSum int
	for i := 8; i < len(oldScores); i++ { // after the 400-reading warm-up
		require.GreaterOrEqual(t, newScores[i], oldScores[i], "batch %d", i)
		oldSum, newSum = oldSum+int(oldScores[i]), newSum+int(newScores[i])
	}
	require.Greater(t, newSum, oldSum, "1.1.0 pays honest noise more than 1.0.0 did")

	// A spike lowers its batch's score under 1.1.0. Under 1.0.0 it could raise it: the
	// detector rests after the spike, and the readings it would have charged for their
	// everyday surprise went free (9,517 -> 9,662 here).
	spiked := slices.Clone(values)
	spiked[2550] += 30 // far beyond the noise, in batch 25
	require.Less(t, scoreBatches(t, cur, spiked)[25], scoreBatches(t, cur, values)[25])
	require.Greater(t, scoreBatches(t, old, spiked)[25], scoreBatches(t, old, values)[25])
}

// BenchmarkStream: a production stream (checks, baseline, detector) over a noisy daily cycle
// read once a minute, in batches of 100, timed after 500,000 readings: a device's stream in
// the sidecar runs for months, past the few hundred thousand readings in which its context
// memory grows (and each step costs more).
func BenchmarkStream(b *testing.B) {
	models := []struct {
		name  string
		model quality.Model
	}{
		{"1.1.0", testModel(b, "testdata/model-1.1.0.json", model110Hash)},
		{"embedded", quality.Embedded()},
	}
	for _, c := range models {
		b.Run(c.name, func(b *testing.B) {
			m := c.model
			values := cycle(100_000, 6)
			s := quality.NewStream(m, -40, 60, 60_000)
			batch := make([]quality.Reading, 100)
			const warm = 5000 // batches
			for n := -warm; n < b.N; n++ {
				if n == 0 {
					b.ResetTimer()
				}
				for i := range batch {
					at := (n+warm)*len(batch) + i
					batch[i] = quality.Reading{TimestampMs: int64(at) * 60_000, Value: values[at%len(values)]}
				}
				s.ScoreBatch(batch)
			}
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "readings/s")
		})
	}
}

// After a million readings of a noisy stream, faults are caught as well as after ten
// thousand: the detector's context memory is full long before, but the baseline check keeps
// learning the series (its averages forget) and judges each fault against it.
func TestLongStreamStillCatchesFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("a million readings")
	}
	const n, length, places = 1_000_000, 50, 8
	values := cycle(n+places*3*length, 11)
	m := quality.Embedded()
	stream := quality.NewStream(m, -40, 60, 60_000)
	reading := func(i int, v float64) quality.Reading {
		return quality.Reading{TimestampMs: int64(i) * 60_000, Value: v}
	}
	// caughtAt is how many of the fault's span readings are charged, from a copy of the
	// stream at reading `at`, and how many of the same clean readings are.
	caughtAt := func(at int, kind string) (faulty, clean int) {
		saved, err := stream.MarshalBinary()
		require.NoError(t, err)
		window := values[at-length : at+2*length]
		bad, err := quality.InjectFault(window, kind, length, length, 1, rand.New(rand.NewSource(int64(at))))
		require.NoError(t, err)
		count := func(vals []float64) (flagged int) {
			s, err := quality.RestoreStream(m, saved)
			require.NoError(t, err)
			for i, v := range vals[length : length+quality.FaultSpan(kind, length)] {
				// Charged: what costs the operator (a reading the detector only finds a little
				// surprising is flagged but free).
				if s.ScoreBatch([]quality.Reading{reading(at+i, v)}).Readings[0].Score() > m.Params.Checks.AnomalyFloor {
					flagged++
				}
			}
			return flagged
		}
		return count(bad), count(window)
	}
	fed := 0
	feed := func(to int) {
		for ; fed < to; fed += 100 {
			batch := make([]quality.Reading, 0, 100)
			for j := fed; j < min(fed+100, to); j++ {
				batch = append(batch, reading(j, values[j]))
			}
			stream.ScoreBatch(batch)
		}
		fed = to
	}
	// caught sums caughtAt per fault kind over places from reading `at` on, 3 x length
	// apart, the stream fed the clean readings up to each.
	kinds := []string{"spike", "drift", "noise", "level_shift", "replay"}
	caught := func(at int) (faulty, clean map[string]int) {
		faulty, clean = map[string]int{}, map[string]int{}
		for p := range places {
			feed(at + p*3*length)
			for _, kind := range kinds {
				f, c := caughtAt(fed, kind)
				faulty[kind], clean[kind] = faulty[kind]+f, clean[kind]+c
			}
		}
		return faulty, clean
	}
	early, earlyClean := caught(10_000)
	late, lateClean := caught(n)
	for _, kind := range kinds {
		t.Logf("%s: %d of its spans' readings charged after 10,000 readings (clean: %d), %d after 1,000,000 (clean: %d)",
			kind, early[kind], earlyClean[kind], late[kind], lateClean[kind])
		require.Greater(t, early[kind], earlyClean[kind], "%s after 10,000 readings", kind)
		require.Greater(t, late[kind], lateClean[kind], "%s after 1,000,000 readings", kind)
		require.GreaterOrEqual(t, float64(late[kind]), 0.8*float64(early[kind]), "%s is caught as well as early on", kind)
	}
}

// Model 1.6.0's anomaly score takes the baseline's level as evidence (level_evidence): a
// level level_evidence x level_k typical deviations from what yesterday, last week or the
// long-term level predict scores 0.5, twice that 0.75 (a rest period starts). A daily cycle
// that stops near one value is a level yesterday did not have: 1.6.0 scores it >= 0.75 within
// a few readings, where the detector alone (1.5.0), its memory full of the cycle, stays
// below. On the honest cycle the evidence never counts: NAB mode scores every reading as
// without it. And the causal warm-up's replay starts no rest period (quiet_warmup): the first
// scored reading gets its raw score, where 1.5.0 output 0 for the replay's own novelty.
func TestModel160(t *testing.T) {
	prev := testModel(t, "testdata/model-1.5.0.json", model150Hash)
	cur := quality.Embedded()
	const minute = 60_000
	honest := cycle(30_000, 5)
	noEvidence := cur
	noEvidence.Params.Baseline.LevelEvidence = 0
	a, b := quality.NewNABScorer(noEvidence, honest, minute), quality.NewNABScorer(cur, honest, minute)
	for i, v := range honest {
		require.Equal(t, a.Score(v), b.Score(v), "honest reading %d", i)
	}

	stopped := cycle(10_000, 5)
	for i := 6000; i < 7000; i++ {
		stopped[i] = 12 + 0.3*float64(i%7)/7
	}
	firstAlarm := func(m quality.Model) int {
		s := quality.NewCausalScorer(m, 0, 0, minute)
		for i, v := range stopped {
			if s.Score(v) >= m.Params.Detector.BaseThreshold && i >= 6000 && i < 7000 {
				return i
			}
		}
		return -1
	}
	require.Equal(t, -1, firstAlarm(prev), "1.5.0 does not see the cycle stop")
	alarm := firstAlarm(cur)
	require.GreaterOrEqual(t, alarm, 6000)
	require.Less(t, alarm, 6010)

	for _, m := range []quality.Model{prev, cur} {
		d := quality.NewCausalDetector(m, 0, 0)
		for _, v := range honest[:m.Params.Detector.CausalWarmup] {
			require.Zero(t, d.Score(v), "warm-up readings score 0")
		}
		got := d.Score(honest[m.Params.Detector.CausalWarmup])
		require.Positive(t, d.Raw())
		if m.Params.Detector.QuietWarmup {
			require.Equal(t, d.Raw(), got, "%s: the first scored reading is not silenced", m.Params.Version)
		} else {
			require.Zero(t, got, "%s rests after the warm-up's replay", m.Params.Version)
		}
	}
}

// Model 1.6.0 measures the spatial rule's margin in the series' own typical steps
// (spatial_steps 0.4) instead of 2 % of its range: a new extreme 3 % of the range beyond it on
// a series of uniform noise (a tenth of a typical step) is noise, which 1.5.0 took for an
// anomaly; 0.5 % beyond on a smooth daily wave (several typical steps) is not, which 1.5.0
// did not see.
func TestModel160Spatial(t *testing.T) {
	prev := testModel(t, "testdata/model-1.5.0.json", model150Hash)
	cur := quality.Embedded()
	r := rand.New(rand.NewSource(1))
	noisy, smooth := make([]float64, 3000), make([]float64, 3000)
	for i := range noisy {
		noisy[i] = 10 * r.Float64()
		smooth[i] = 10 * math.Sin(2*math.Pi*float64(i)/1440)
	}
	beyond := func(m quality.Model, values []float64, by float64) bool {
		d := quality.NewCausalDetector(m, 0, 0)
		for _, v := range values {
			d.Score(v)
		}
		d.Score(slices.Max(values) + by)
		return d.Raw() == 1
	}
	require.True(t, beyond(prev, noisy, 0.3), "1.5.0: 3 %% of the range")
	require.False(t, beyond(cur, noisy, 0.3), "1.6.0: a tenth of a typical step")
	require.False(t, beyond(prev, smooth, 0.1), "1.5.0: 0.5 %% of the range")
	require.True(t, beyond(cur, smooth, 0.1), "1.6.0: several typical steps")
}
