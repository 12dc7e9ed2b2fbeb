package keeper_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// storeBytes sums the key and value bytes of every x/sensors store entry (what the
// application writes; IAVL adds its node overhead on top).
func storeBytes(tb testing.TB, f deviceFixture) int {
	tb.Helper()
	iter, err := f.StoreService.OpenKVStore(f.Ctx).Iterator(nil, nil)
	require.NoError(tb, err)
	defer func() { require.NoError(tb, iter.Close()) }()
	total := 0
	for ; iter.Valid(); iter.Next() {
		total += len(iter.Key()) + len(iter.Value())
	}
	return total
}

// BenchmarkCommitBatch commits batches of 1,000 readings for one device and reports the time
// per commitment and the state it adds per committed reading.
func BenchmarkCommitBatch(b *testing.B) {
	const readings = 1000
	t := &testing.T{}
	f := newDeviceFixture(t)
	id := f.register(t)
	before := storeBytes(b, f)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		seq := uint64(n + 1)
		f.Ctx = f.Ctx.WithBlockTime(testBlockTime.Add(time.Duration(seq) * time.Minute))
		msg := f.batchMsg(id, seq)
		msg.Count, msg.SizeBytes = readings, readings*98
		msg.Uri = fmt.Sprintf("https://gateway.example.org/v1/batches/%d/%d", id, seq)
		if _, err := f.msgs.CommitBatch(f.Ctx, msg); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	added := storeBytes(b, f) - before
	b.ReportMetric(float64(added)/float64(b.N*readings), "state-bytes/reading")
	b.ReportMetric(float64(added)/float64(b.N), "state-bytes/batch")
}
