package quality

import (
	"encoding/binary"
	"errors"
	"slices"
)

// contextMemory is the contextual anomaly detector's memory, after CAD-OSE (Smirnov 2016,
// in NAB since 2016, MIT): a context is a pair (left semi-context, right semi-context) of
// fact sets, "the facts before" -> "the facts now". Every step crosses the memory with the
// facts that just arrived: contexts whose left side held and whose right side now holds
// are active (the present was predicted); the share of selected contexts that came true,
// and the share of new contexts the step had to create, make the raw anomaly score.
//
// Iteration orders are insertion orders, so the detector is deterministic.
type contextMemory struct {
	// Scratch reused every step, so a step allocates nothing once the memory stops growing.
	active      []int
	potential   []pair
	arena       []uint32
	maxLeftLen  int
	maxContexts int         // bound: once reached, known contexts still learn but no new ones are made
	sides       [2]semiSide // 0: left, 1: right
	contexts    []context
	// newContext is the zero-level context created this step (0 when none; CAD-OSE's quirk
	// of then also skipping context 0 is kept, it is part of the published behaviour).
	newContext int
}

type semiSide struct {
	key     []byte         // scratch for lookups
	ids     map[string]int // fact key -> semi-context id
	semis   []semiContext
	byFact  map[uint32][]int
	crossed []int
}

type semiContext struct {
	facts   int      // number of facts
	matched []uint32 // facts matched this crossing
	// contexts maps right semi-context ids to context ids (left side only), in insertion order.
	rights   []int
	contexts []int
}

type context struct {
	Activations int
	ZeroLevel   bool
	Left, Right int
}

func newContextMemory(maxLeftLen, maxContexts int) *contextMemory {
	m := &contextMemory{maxLeftLen: maxLeftLen, maxContexts: maxContexts}
	for i := range m.sides {
		m.sides[i] = semiSide{ids: map[string]int{}, byFact: map[uint32][]int{}}
	}
	return m
}

// appendKey appends the map key of a fact set (4 bytes per fact).
func appendKey(b []byte, facts []uint32) []byte {
	for _, f := range facts {
		b = append(b, byte(f>>24), byte(f>>16), byte(f>>8), byte(f))
	}
	return b
}

func factKey(facts []uint32) string { return string(appendKey(nil, facts)) }

// find returns the id of the semi-context with these facts on a side.
func (s *semiSide) find(facts []uint32) (int, bool) {
	s.key = appendKey(s.key[:0], facts)
	id, ok := s.ids[string(s.key)] // no allocation: the compiler reads the bytes in place
	return id, ok
}

// add creates a semi-context with these facts on a side.
func (s *semiSide) add(facts []uint32) int {
	id := len(s.semis)
	s.ids[factKey(facts)] = id
	s.semis = append(s.semis, semiContext{facts: len(facts)})
	for _, f := range facts {
		s.byFact[f] = append(s.byFact[f], id)
	}
	return id
}

// context finds or creates the context (left, right) and reports whether it was created.
// At the memory bound it only finds: an unknown context is (-1, false).
func (m *contextMemory) context(left, right []uint32, zeroLevel bool) (int, bool) {
	l, okL := m.sides[0].find(left)
	r, okR := m.sides[1].find(right)
	if okL && okR {
		ls := &m.sides[0].semis[l]
		if i := slices.Index(ls.rights, r); i >= 0 {
			id := ls.contexts[i]
			if zeroLevel {
				m.contexts[id].ZeroLevel = true
			}
			return id, false
		}
	}
	if len(m.contexts) >= m.maxContexts {
		return -1, false
	}
	if !okL {
		l = m.sides[0].add(left)
	}
	if !okR {
		r = m.sides[1].add(right)
	}
	ls := &m.sides[0].semis[l]
	id := len(m.contexts)
	ls.rights = append(ls.rights, r)
	ls.contexts = append(ls.contexts, id)
	m.contexts = append(m.contexts, context{ZeroLevel: zeroLevel, Left: l, Right: r})
	return id, true
}

// cross resets the previous crossing of a side and matches facts against it.
func (m *contextMemory) cross(side int, facts []uint32) {
	s := &m.sides[side]
	for _, id := range s.crossed {
		s.semis[id].matched = s.semis[id].matched[:0]
	}
	s.crossed = s.crossed[:0]
	lo, hi := len(s.semis), -1
	for _, f := range facts {
		for _, id := range s.byFact[f] {
			s.semis[id].matched = append(s.semis[id].matched, f)
			lo, hi = min(lo, id), max(hi, id)
		}
	}
	// In id order, without sorting: most semi-contexts share a value fact with any input.
	for id := lo; id <= hi; id++ {
		if len(s.semis[id].matched) > 0 {
			s.crossed = append(s.crossed, id)
		}
	}
}

type pair struct{ left, right []uint32 }

// activate walks the contexts whose left side was crossed last step against the right side
// crossed now: it returns the active contexts, how many were selected, and candidate new
// contexts (partial matches of zero-level contexts when the step created a new one).
func (m *contextMemory) activate(newContextFlag bool) (active []int, selected int, potential []pair) {
	left, right := &m.sides[0], &m.sides[1]
	active, potential, m.arena = m.active[:0], m.potential[:0], m.arena[:0]
	keep := func(facts []uint32) []uint32 {
		start := len(m.arena)
		m.arena = append(m.arena, facts...)
		return m.arena[start:len(m.arena):len(m.arena)]
	}
	for _, l := range left.crossed {
		ls := &left.semis[l]
		for i, r := range ls.rights {
			id := ls.contexts[i]
			if id == m.newContext {
				continue
			}
			c := &m.contexts[id]
			rs := &right.semis[r]
			matchedRight := len(rs.matched)
			if len(ls.matched) == ls.facts {
				selected++
				if matchedRight > 0 {
					if matchedRight == rs.facts {
						c.Activations++
						active = append(active, id)
					} else if c.ZeroLevel && newContextFlag && len(ls.matched) <= m.maxLeftLen {
						potential = append(potential, pair{keep(ls.matched), keep(rs.matched)})
					}
				}
			} else if c.ZeroLevel && newContextFlag && matchedRight > 0 && len(ls.matched) <= m.maxLeftLen {
				potential = append(potential, pair{keep(ls.matched), keep(rs.matched)})
			}
		}
	}
	m.newContext = 0
	m.active, m.potential = active, potential
	return active, selected, potential
}

// memoryState is the serialised form of a contextMemory, packed as unsigned varints (neuron
// facts stored relative to neuronFactBase), which keeps a full memory near 50 KB. The fact
// indexes are rebuilt, and the left crossing is redone from the detector's left facts.
type memoryState struct {
	MaxLeftLen, MaxContexts int
	Facts                   [2][]byte // per side: for each semi-context, its fact count and facts
	Links                   []byte    // for each left semi-context: its (right, context) pairs
	Contexts                []byte    // activations, zero level, left, right of each context
	NewContext              int
}

func (m *contextMemory) state() memoryState {
	s := memoryState{MaxLeftLen: m.maxLeftLen, MaxContexts: m.maxContexts, NewContext: m.newContext}
	for side := range m.sides {
		sd := &m.sides[side]
		facts := make([][]uint32, len(sd.semis))
		for key, id := range sd.ids {
			facts[id] = keyFacts(key)
		}
		for _, fs := range facts {
			s.Facts[side] = binary.AppendUvarint(s.Facts[side], uint64(len(fs)))
			for _, f := range fs {
				s.Facts[side] = binary.AppendUvarint(s.Facts[side], uint64(f&^neuronFactBase)<<1|uint64(f>>31))
			}
		}
	}
	for _, sc := range m.sides[0].semis {
		s.Links = binary.AppendUvarint(s.Links, uint64(len(sc.rights)))
		for i := range sc.rights {
			s.Links = binary.AppendUvarint(s.Links, uint64(sc.rights[i]))
			s.Links = binary.AppendUvarint(s.Links, uint64(sc.contexts[i]))
		}
	}
	for _, c := range m.contexts {
		zero := uint64(0)
		if c.ZeroLevel {
			zero = 1
		}
		s.Contexts = binary.AppendUvarint(s.Contexts, uint64(c.Activations)<<1|zero)
		s.Contexts = binary.AppendUvarint(s.Contexts, uint64(c.Left))
		s.Contexts = binary.AppendUvarint(s.Contexts, uint64(c.Right))
	}
	return s
}

// varints reads the unsigned varints of a packed field.
type varints struct {
	b   []byte
	err error
}

func (v *varints) next() int {
	x, n := binary.Uvarint(v.b)
	if n <= 0 {
		v.err = errors.New("truncated detector state")
		return 0
	}
	v.b = v.b[n:]
	return int(x)
}

func restoreMemory(s memoryState, left []uint32) (*contextMemory, error) {
	m := newContextMemory(s.MaxLeftLen, s.MaxContexts)
	for side := range m.sides {
		r := &varints{b: s.Facts[side]}
		for len(r.b) > 0 && r.err == nil {
			facts := make([]uint32, r.next())
			for i := range facts {
				x := r.next()
				facts[i] = uint32(x>>1) | uint32(x&1)<<31
			}
			m.sides[side].add(facts)
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	links := &varints{b: s.Links}
	for i := range m.sides[0].semis {
		n := links.next()
		for j := 0; j < n && links.err == nil; j++ {
			m.sides[0].semis[i].rights = append(m.sides[0].semis[i].rights, links.next())
			m.sides[0].semis[i].contexts = append(m.sides[0].semis[i].contexts, links.next())
		}
	}
	ctx := &varints{b: s.Contexts}
	for len(ctx.b) > 0 && ctx.err == nil {
		a := ctx.next()
		m.contexts = append(m.contexts, context{Activations: a >> 1, ZeroLevel: a&1 == 1, Left: ctx.next(), Right: ctx.next()})
	}
	if links.err != nil || ctx.err != nil {
		return nil, errors.New("truncated detector state")
	}
	m.newContext = s.NewContext
	m.cross(0, left)
	return m, nil
}

func keyFacts(key string) []uint32 {
	out := make([]uint32, len(key)/4)
	for i := range out {
		out[i] = uint32(key[4*i])<<24 | uint32(key[4*i+1])<<16 | uint32(key[4*i+2])<<8 | uint32(key[4*i+3])
	}
	return out
}
