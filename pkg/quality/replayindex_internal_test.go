package quality

import (
	"math/rand"
	"testing"
)

// The replay index answers as a map does under the ring's pattern of sets and deletes, with
// keys that crowd a few home slots.
func TestReplayIndexMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var x replayIndex
	want := map[uint64]int{}
	var ring []uint64
	for step := 0; step < 200_000; step++ {
		h := uint64(rng.Intn(700)) << uint(rng.Intn(2)*20) // collisions in the low bits
		if len(ring) == replayMemory {
			old := ring[0]
			ring = ring[1:]
			delete(want, old)
			x.del(old)
		}
		ring = append(ring, h)
		want[h] = step
		x.set(h, step)
		if x.n != len(want) {
			t.Fatalf("step %d: %d entries, want %d", step, x.n, len(want))
		}
		probe := uint64(rng.Intn(700)) << uint(rng.Intn(2)*20)
		got, ok := x.get(probe)
		if w, wok := want[probe]; ok != wok || got != w && ok {
			t.Fatalf("step %d: get(%d) = %d, %v; want %d, %v", step, probe, got, ok, w, wok)
		}
	}
}
