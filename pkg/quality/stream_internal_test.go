package quality

import (
	"math"
	"slices"
	"testing"
)

// The jump window's median and MAD from the sorted copy equal those of a sort, with ties and
// even lengths, and the copy is rebuilt after a restore.
func TestSortedJumpWindow(t *testing.T) {
	nan := math.NaN() // readings reject NaN; the quality CLI may still read one from a file
	values := []float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, -1, 0, 0, 0, nan, 2, nan, 7, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	for _, n := range []int{8, 9} {
		s := &Stream{}
		for i, v := range values {
			s.pushRecent(v, n)
			window := s.st.Recent
			want := median(window)
			if got := medianOfSorted(s.sortedRecent()); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("n %d, reading %d: median %v, want %v", n, i, got, want)
			}
			if got, wantMAD := madOfSorted(s.sortedRecent(), want), mad(window, want); math.Float64bits(got) != math.Float64bits(wantMAD) && !(math.IsNaN(got) && math.IsNaN(wantMAD)) {
				t.Fatalf("n %d, reading %d: MAD %v, want %v", n, i, got, wantMAD)
			}
		}
		restored := &Stream{st: streamState{Recent: slices.Clone(s.st.Recent)}}
		if !slices.EqualFunc(restored.sortedRecent(), s.sortedRecent(), func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }) {
			t.Fatalf("n %d: rebuilt %v, kept %v", n, restored.sortedRecent(), s.sortedRecent())
		}
	}
}

// A replay ring saved with another window hash is not compared with this one's: it restarts.
func TestReplayRingOfAnotherHashRestarts(t *testing.T) {
	s := NewStream(Embedded(), 0, 0, 60_000)
	for i := 0; i < 600; i++ {
		s.check(Reading{TimestampMs: int64(i) * 60_000, Value: math.Sin(float64(i)) * 10})
	}
	if s.st.SegHash != windowHashVersion || len(s.st.Segments) == 0 {
		t.Fatalf("ring hash %d with %d windows", s.st.SegHash, len(s.st.Segments))
	}
	s.st.SegHash = 0 // as saved by a sidecar before windowHash
	bz, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	restored, err := RestoreStream(Embedded(), bz)
	if err != nil {
		t.Fatal(err)
	}
	restored.check(Reading{TimestampMs: 600 * 60_000, Value: 1.5})
	if restored.st.SegHash != windowHashVersion || len(restored.st.Segments) != 1 {
		t.Fatalf("after a restore of an older ring: hash %d, %d windows; want a new ring of 1", restored.st.SegHash, len(restored.st.Segments))
	}
}

// mode finds the most frequent value and whether it holds the share asked; NaNs (the CLI may
// read one) never make a rest.
func TestMode(t *testing.T) {
	nan := math.NaN()
	v, ok := mode([]float64{0, 3, 0, nan, 0, 2, 0, 0}, 0.6)
	if v != 0 || !ok {
		t.Fatalf("mode = %v, %v; want 0, true", v, ok)
	}
	if _, ok := mode([]float64{0, 3, 0, nan, 1, 2, 0, 0}, 0.6); ok {
		t.Fatal("4 of 8 is not 0.6")
	}
	if _, ok := mode([]float64{nan, nan, nan, 1}, 0.5); ok {
		t.Fatal("a NaN is no rest")
	}
}
