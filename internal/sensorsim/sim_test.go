package sensorsim

import (
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/reading"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

func TestFaultsChangeTheSeries(t *testing.T) {
	clean := func() Source { return NewDailyCycle(15, 8, 0.2, 600, 7) }
	healthy := &faulty{clean: clean(), onset: 100}
	values := func(f Fault) (vals []float64, sent int) {
		s := &faulty{clean: clean(), fault: f, onset: 100, window: 30, rng: NewDevice("x", nil, types.Channel{}, clean(), f, 100).signal.rng}
		for step := 0; step < 400; step++ {
			v, ok := s.Sample(step)
			if ok {
				sent++
			}
			vals = append(vals, v)
		}
		return vals, sent
	}
	base, _ := values(FaultNone)
	for step := 0; step < 100; step++ {
		v, _ := healthy.Sample(step)
		require.Equal(t, base[step], v)
	}
	stuck, _ := values(FaultStuck)
	require.Equal(t, stuck[100], stuck[399])
	spike, _ := values(FaultSpike)
	require.Greater(t, spike[110], 31.0, "spikes leave the declared range")
	drift, _ := values(FaultDrift)
	require.InDelta(t, base[399]+3*3.2*0.99, drift[399], 1.0)
	replay, _ := values(FaultReplay)
	require.Equal(t, base[70:100], replay[100:130], "the replayed stretch repeats exactly")
	_, sent := values(FaultOffline)
	require.Less(t, sent, 250)
	noise, _ := values(FaultNoise)
	var dev float64
	for i := 100; i < 400; i++ {
		dev += math.Abs(noise[i] - base[i])
	}
	require.Greater(t, dev/300, 3.0)
}

func TestReadingsAreSigned(t *testing.T) {
	_, key, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	d := NewDevice("dev", key, types.Channel{Name: "temperature_c"}, NewDailyCycle(15, 8, 0.2, 600, 1), FaultNone, 0)
	d.ID = 3
	r, ok := d.Reading(5, time.Unix(1_764_000_000, 0))
	require.True(t, ok)
	_, err = reading.Verify(key.Public().(ed25519.PublicKey), &r, nil)
	require.NoError(t, err)
	require.Equal(t, uint64(3), r.DeviceId)
}

func TestLoadCSV(t *testing.T) {
	rep, err := LoadCSV("../../../shared/data/nab/data/artificialNoAnomaly/art_daily_small_noise.csv")
	if err != nil {
		t.Skipf("NAB corpus not present: %v", err)
	}
	lo, hi := rep.Range()
	require.Less(t, lo, rep.Value(0))
	require.Greater(t, hi, rep.Value(0))
	_, err = ParseFault("melted")
	require.ErrorContains(t, err, "stuck")
}

// TestFeedSendsItsBacklog: a gateway that drops the first post and answers the second late
// and busy still gets every reading, in sequence and stamped at its sampling time, so a slow
// gateway or a starved host leaves no hole in the series.
func TestFeedSendsItsBacklog(t *testing.T) {
	const interval = 10 * time.Millisecond
	var mu sync.Mutex
	var got []reading.Reading
	posts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodGet {
			_, _ = w.Write([]byte(`{"last_sequence": 4}`))
			return
		}
		mu.Lock()
		posts++
		n := posts
		mu.Unlock()
		switch n {
		case 1: // the connection drops: the feeder must send these again
			conn, _, err := w.(http.Hijacker).Hijack()
			require.NoError(t, err)
			_ = conn.Close()
			return
		case 2: // slow, then busy: these too are sent again
			time.Sleep(20 * interval)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		body, err := io.ReadAll(req.Body)
		require.NoError(t, err)
		var list reading.ReadingList
		require.NoError(t, list.Unmarshal(body))
		mu.Lock()
		got = append(got, list.Readings...)
		mu.Unlock()
		_, _ = w.Write([]byte(`{"accepted": ` + strconv.Itoa(len(list.Readings)) + `}`))
	}))
	defer srv.Close()

	_, key, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	d := NewDevice("dev", key, types.Channel{Name: "temperature_c"}, NewDailyCycle(15, 8, 0.2, 600, 1), FaultNone, 0)
	ctx, cancel := context.WithCancel(context.Background())
	var stats Stats
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Feed(ctx, srv.Client(), srv.URL, interval, slog.New(slog.DiscardHandler), &stats)
	}()
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= 60
	}, 10*time.Second, interval)
	cancel()
	<-done

	mu.Lock()
	defer mu.Unlock()
	require.GreaterOrEqual(t, posts, 3)
	for i, r := range got {
		require.Equal(t, uint64(5+i), r.Sequence, "every sequence once, in order")
		if i > 0 {
			require.Equal(t, interval.Milliseconds(), r.TimestampMs-got[i-1].TimestampMs, "stamped at its sampling time")
		}
	}
	require.Equal(t, uint64(len(got)), stats.Sent.Load())
	require.Zero(t, stats.Rejected.Load()+stats.Dropped.Load())
}
