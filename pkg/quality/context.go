package quality

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
)

// contextMemory is the contextual anomaly detector's memory, after CAD-OSE (Smirnov 2016,
// in NAB since 2016, MIT): a context is a pair (left semi-context, right semi-context) of
// fact sets, "the facts before" -> "the facts now". Every step matches the memory with the
// facts that just arrived: contexts whose left side held and whose right side now holds
// are active (the present was predicted); the share of selected contexts that came true,
// and the share of new contexts the step had to create, make the raw anomaly score.
//
// A step that creates no context (always so once the memory is full) only visits the
// semi-contexts its left facts can wholly contain: the pure-value ones under its value mask
// and those anchored at one of its neuron facts. Steps that create one cross the whole memory,
// as CAD-OSE does. Both give the same scores. Iteration orders are insertion orders, so
// the detector is deterministic.
type contextMemory struct {
	// Scratch reused every step, so a step allocates nothing once the memory stops growing.
	active      []int
	top         []int
	ranks       []uint64
	potential   []pair
	arena       []uint32
	maxLeftLen  int
	maxContexts int         // bound: once reached, known contexts still learn but no new ones are made
	sides       [2]semiSide // 0: left, 1: right
	contexts    []context
	// contained caches, per left fact set, the contexts whose left side it wholly contains,
	// with their right side's value mask; any new context clears it, so once the memory is
	// full it stays valid.
	contained map[uint64]containedEntry
	// newContext is the zero-level context created this step (0 when none; CAD-OSE's quirk
	// of then also skipping context 0 is kept, it is part of the published behaviour).
	newContext int
}

type semiSide struct {
	key  []byte         // scratch for collided lookups
	pure map[uint64]int // semi-contexts of value facts only, by value mask
	// byAnchor lists the other semi-contexts under their newest neuron fact: a semi-context
	// the left facts wholly contain has its anchor among them, so each is found once.
	byAnchor map[uint32][]int
	ids      map[uint64]int // hashFacts of its facts -> semi-context id, for those with neuron facts
	// collided holds, by appendKey, a fact set whose hash a different one took first: never
	// seen in practice, kept so a collision cannot merge two semi-contexts.
	collided map[string]int
	semis    []semiContext
	byFact   map[uint32][]int
	crossed  []int
}

type semiContext struct {
	facts   int      // number of facts
	mask    uint64   // its value facts (all below 64)
	neurons []uint32 // its neuron facts, sorted
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
	m := &contextMemory{maxLeftLen: maxLeftLen, maxContexts: maxContexts, contained: map[uint64]containedEntry{}}
	for i := range m.sides {
		m.sides[i] = semiSide{ids: map[uint64]int{}, byFact: map[uint32][]int{}, pure: map[uint64]int{}, byAnchor: map[uint32][]int{}}
	}
	return m
}

// hashFacts keys a fact set in the maps (which hash keys again): a polynomial over the facts.
// Every lookup checks the facts it finds, so a collision costs a miss, not a wrong answer.
func hashFacts(facts []uint32) uint64 {
	h := uint64(len(facts))
	for _, f := range facts {
		h = h*0x100000001b3 + uint64(f)
	}
	return h
}

// valueMask is the mask of a fact set's value facts, and whether it has only those.
func valueMask(facts []uint32) (mask uint64, pure bool) {
	for _, f := range facts {
		if f >= 64 {
			return mask, false
		}
		mask |= 1 << f
	}
	return mask, true
}

// appendKey appends the map key of a fact set (4 bytes per fact).
func appendKey(b []byte, facts []uint32) []byte {
	for _, f := range facts {
		b = append(b, byte(f>>24), byte(f>>16), byte(f>>8), byte(f))
	}
	return b
}

// find returns the id of the semi-context with these facts on a side.
func (s *semiSide) find(facts []uint32) (int, bool) {
	if mask, pure := valueMask(facts); pure {
		id, ok := s.pure[mask] // a set of value facts is its mask
		return id, ok
	}
	if id, ok := s.ids[hashFacts(facts)]; ok && s.holds(id, facts) {
		return id, true
	}
	if len(s.collided) == 0 {
		return 0, false
	}
	s.key = appendKey(s.key[:0], facts)
	id, ok := s.collided[string(s.key)] // no allocation: the compiler reads the bytes in place
	return id, ok
}

// holds reports whether semi-context id has exactly these facts (sorted, as every fact set
// is: value facts ascending, then neuron facts).
func (s *semiSide) holds(id int, facts []uint32) bool {
	sc := &s.semis[id]
	if sc.facts != len(facts) {
		return false
	}
	var mask uint64
	i := 0
	for ; i < len(facts) && facts[i] < 64; i++ {
		mask |= 1 << facts[i]
	}
	return mask == sc.mask && slices.Equal(sc.neurons, facts[i:])
}

// factsOf returns semi-context id's facts, sorted.
func (s *semiSide) factsOf(id int) []uint32 {
	sc := &s.semis[id]
	out := make([]uint32, 0, sc.facts)
	for mask := sc.mask; mask != 0; mask &= mask - 1 {
		out = append(out, uint32(bits.TrailingZeros64(mask)))
	}
	return append(out, sc.neurons...)
}

// add creates a semi-context with these facts on a side.
func (s *semiSide) add(facts []uint32) int {
	id := len(s.semis)
	if _, pure := valueMask(facts); !pure {
		h := hashFacts(facts)
		if _, taken := s.ids[h]; !taken {
			s.ids[h] = id
		} else {
			if s.collided == nil {
				s.collided = map[string]int{}
			}
			s.collided[string(appendKey(nil, facts))] = id
		}
	}
	sc := semiContext{facts: len(facts)}
	for _, f := range facts {
		s.byFact[f] = append(s.byFact[f], id)
		if f < 64 {
			sc.mask |= 1 << f
		} else {
			sc.neurons = append(sc.neurons, f)
		}
	}
	if len(sc.neurons) == 0 {
		s.pure[sc.mask] = id
	} else {
		anchor := sc.neurons[len(sc.neurons)-1]
		s.byAnchor[anchor] = append(s.byAnchor[anchor], id)
	}
	s.semis = append(s.semis, sc)
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
	clear(m.contained)
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

// activateWhole is activate for a step that created no context: only wholly matched left
// semi-contexts count then, and the order they are visited in does not change the result.
func (m *contextMemory) activateWhole(g, sensed []uint32, maxActive int) (top []int, nActive, selected int) {
	var sMask uint64
	for _, f := range sensed {
		sMask |= 1 << f
	}
	// Keep the maxActive highest-ranked active contexts, lowest first, as they come.
	top, ranks := m.top[:0], m.ranks[:0]
	for _, c := range m.wholeIn(g) {
		if int(c.context) == m.newContext {
			continue
		}
		selected++
		if c.rightMask&^sMask != 0 {
			continue
		}
		ctx := &m.contexts[c.context]
		ctx.Activations++
		nActive++
		r := rank(ctx.Activations, c.static)
		switch {
		case len(top) < maxActive:
			top, ranks = append(top, int(c.context)), append(ranks, r)
			for i := len(top) - 1; i > 0 && ranks[i] < ranks[i-1]; i-- {
				top[i], top[i-1], ranks[i], ranks[i-1] = top[i-1], top[i], ranks[i-1], ranks[i]
			}
		case r > ranks[0]:
			top[0], ranks[0] = int(c.context), r
			for i := 1; i < len(top) && ranks[i] < ranks[i-1]; i++ {
				top[i], top[i-1], ranks[i], ranks[i-1] = top[i-1], top[i], ranks[i-1], ranks[i]
			}
		}
	}
	m.newContext = 0
	m.top, m.ranks = top, ranks
	return top, nActive, selected
}

// containedEntry is a cached wholeIn result with the fact set it is for.
type containedEntry struct {
	facts []uint32
	cands []candidate
}

// candidate is a context whose left side the current left facts wholly contain.
type candidate struct {
	context   int32
	static    uint32 // the (left, right) part of its rank, see rank
	rightMask uint64
}

// rank orders contexts as CAD-OSE picks the strongest: by activations, then left and right
// semi-context (ids stand in for Python's hashes). Left ids stay below 2^16 (max_contexts
// is capped below that) and right ones, sets of value facts, below 2^6.
func rank(activations int, static uint32) uint64 { return uint64(activations)<<22 | uint64(static) }

func staticRank(c *context) uint32 { return uint32(c.Left)<<6 | uint32(c.Right) }

// maxContainedCache bounds the cache of wholly contained contexts.
const maxContainedCache = 4096

// wholeIn lists the contexts whose left semi-context the facts g wholly contain: from the
// pure-value semi-contexts under g's value mask and those anchored at one of g's neuron
// facts that pass the subset test. Results are cached per fact set.
func (m *contextMemory) wholeIn(g []uint32) []candidate {
	left, right := &m.sides[0], &m.sides[1]
	h := hashFacts(g)
	if e, ok := m.contained[h]; ok && slices.Equal(e.facts, g) {
		return e.cands
	}
	var gMask uint64
	i := 0
	for ; i < len(g) && g[i] < 64; i++ {
		gMask |= 1 << g[i]
	}
	neurons := g[i:]
	var cands []candidate
	add := func(id int) {
		ls := &left.semis[id]
		for k, r := range ls.rights {
			cands = append(cands, candidate{context: int32(ls.contexts[k]), static: uint32(id)<<6 | uint32(r), rightMask: right.semis[r].mask})
		}
	}
	for sub := gMask; sub != 0; sub = (sub - 1) & gMask {
		if id, ok := left.pure[sub]; ok {
			add(id)
		}
	}
	for _, n := range neurons {
		for _, id := range left.byAnchor[n] {
			if ls := &left.semis[id]; ls.mask&^gMask == 0 && subset(ls.neurons, neurons) {
				add(id)
			}
		}
	}
	if len(m.contained) >= maxContainedCache {
		clear(m.contained)
	}
	m.contained[h] = containedEntry{facts: slices.Clone(g), cands: cands}
	return cands
}

// subset reports whether every element of a is in b (both sorted).
func subset(a, b []uint32) bool {
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) || b[j] != x {
			return false
		}
	}
	return true
}

// activate matches the contexts against the last step's left facts g and the sensed facts:
// it returns the maxActive strongest active contexts, how many were active and how many
// selected (left side wholly matched), and candidate new contexts (partial matches of
// zero-level contexts when the step created a new one).
func (m *contextMemory) activate(newContextFlag bool, g, sensed []uint32, maxActive int) (top []int, nActive, selected int, potential []pair) {
	if !newContextFlag {
		top, nActive, selected = m.activateWhole(g, sensed, maxActive)
		return top, nActive, selected, nil
	}
	m.cross(0, g)
	m.cross(1, sensed)
	left, right := &m.sides[0], &m.sides[1]
	active := m.active[:0]
	potential, m.arena = m.potential[:0], m.arena[:0]
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
	top, m.top = topActive(m.contexts, active, maxActive, m.top)
	return top, len(active), selected, potential
}

// memoryState is the serialised form of a contextMemory, packed as unsigned varints (neuron
// facts stored relative to neuronFactBase), which keeps a full memory near 50 KB. The fact
// indexes are rebuilt; crossings are made when a step needs them.
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
		for id := range sd.semis {
			fs := sd.factsOf(id)
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

func restoreMemory(s memoryState) (*contextMemory, error) {
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
	return m, nil
}
