package quality

import "testing"

// Two fact sets whose hashes collide stay two semi-contexts.
func TestSemiContextHashCollision(t *testing.T) {
	m := newContextMemory(8, 100)
	s := &m.sides[0]
	a, b := []uint32{1, 2, neuronFactBase + 5}, []uint32{0, 3, neuronFactBase + 7}
	idA := s.add(a)
	s.ids[hashFacts(b)] = idA // b's hash taken by a, as a collision would
	idB := s.add(b)
	if idA == idB {
		t.Fatal("b merged into a")
	}
	if id, ok := s.find(a); !ok || id != idA {
		t.Fatalf("find(a) = %d, %v; want %d", id, ok, idA)
	}
	if id, ok := s.find(b); !ok || id != idB {
		t.Fatalf("find(b) = %d, %v; want %d", id, ok, idB)
	}
	if _, ok := s.find([]uint32{1, 2}); ok {
		t.Fatal("found a set never added")
	}
	if got := s.factsOf(idB); len(got) != 3 || got[0] != 0 || got[1] != 3 || got[2] != neuronFactBase+7 {
		t.Fatalf("factsOf(b) = %v", got)
	}
}
