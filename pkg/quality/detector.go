// Package quality scores sensor data: hard quality checks (declared range, stuck values,
// jumps against a rolling median, gaps, order, duplicates) and a streaming contextual
// anomaly detector, combined into one batch score in 0-10000. Its parameters ship in the
// binary (model.json) with a version and a content hash.
package quality

import (
	"bytes"
	"compress/flate"
	"encoding/gob"
	"io"
	"math"
	"slices"
	"sync"
)

// Detector is a streaming anomaly detector for one series; scores are in [0, 1]. It is
// CAD-OSE's contextual detector (see context.go) with a bounded memory and a spatial rule:
// a value beyond the range seen so far by more than spatial_margin of that range (1.6.0:
// spatial_steps typical steps) is anomalous. After a raw score of base_threshold or more it
// rests (outputs 0) for the rest period, so one anomaly is reported once.
type Detector struct {
	p      DetectorParams
	lo     float64
	step   float64
	ranged bool // the quantisation range is known (NAB mode, declared range, or warm-up done)
	memory *contextMemory
	left   []uint32
	// rest counts readings since the last raw score >= base_threshold (rest period when < restPeriod).
	sinceTrigger int
	restPeriod   int
	seen         int
	runLo, runHi float64
	warmup       []float64 // causal mode without a declared range: readings that set the range
	raw          float64   // the last raw score, before the rest period
	// typicalStep is the mean |step| between readings (spatial_steps), learned as the baseline
	// learns its typical sizes: at spatialStepAlpha, a step counting at most 4 times it.
	typicalStep, last float64
	// Scratch reused every step.
	factBuf, leftBuf []uint32
	uniq             map[uint64]struct{}
}

// spatialStepAlpha is the weight of a step in the typical step spatial_steps counts in: the
// baseline's scale_alpha (about 100 readings).
const spatialStepAlpha = 0.01

// NewNABDetector makes a detector for a series as NAB's harness allows: its min and max and
// its length (which sets the probationary period and so the rest period) are known up front.
func NewNABDetector(m Model, series []float64) *Detector {
	d := newDetector(m.Params.Detector)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range series {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	prob := min(int(math.Floor(0.15*float64(len(series)))), 750)
	d.restPeriod = max(1, min(int(m.Params.Detector.RestFraction*float64(prob)), m.Params.Detector.MaxRest))
	d.setRange(lo, hi)
	return d
}

// NewCausalDetector makes a production detector: it uses the declared physical range when
// there is one (lo < hi), else the range of its first causal_warmup readings widened by
// causal_range_margin on each side. Each score depends only on readings up to it.
func NewCausalDetector(m Model, lo, hi float64) *Detector {
	d := newDetector(m.Params.Detector)
	d.restPeriod = m.Params.Detector.MaxRest
	if lo < hi {
		d.setRange(lo, hi)
	}
	return d
}

func newDetector(p DetectorParams) *Detector {
	return &Detector{p: p, memory: newContextMemory(p.MaxLeftLen, p.MaxContexts)}
}

func (d *Detector) setRange(lo, hi float64) {
	maxBin := float64(int(1)<<d.p.ValueBits - 1)
	span := hi - lo
	if span <= 0 {
		span = maxBin
	}
	d.lo, d.step, d.ranged = lo, span/maxBin, true
}

// facts encodes a value as the set {2b + bit_b(level)}: one fact per bit of its level.
func (d *Detector) facts(v float64) []uint32 {
	maxLevel := 1<<d.p.ValueBits - 1
	level := min(max(int((v-d.lo)/d.step), 0), maxLevel)
	out := d.factBuf[:0]
	for b := 0; b < d.p.ValueBits; b++ {
		out = append(out, uint32(2*b+(level>>b)&1))
	}
	d.factBuf = out
	return out
}

// Score feeds one value and returns its anomaly score.
func (d *Detector) Score(v float64) float64 { return d.ScoreWith(v, 0) }

// ScoreWith feeds one value with another check's evidence about it in [0, 1], which counts
// as a raw score: the output is the larger of the two, and either starts the rest period.
func (d *Detector) ScoreWith(v, evidence float64) float64 {
	if !d.ranged {
		return d.warm(v)
	}
	return d.score(v, evidence)
}

// Raw returns the last reading's raw score, which the rest period does not silence.
func (d *Detector) Raw() float64 { return d.raw }

// warm buffers causal warm-up readings; when enough have come, it sets the range from them
// and replays them (their scores stay 0: there is nothing to compare them with yet).
func (d *Detector) warm(v float64) float64 {
	d.warmup = append(d.warmup, v)
	if len(d.warmup) < d.p.CausalWarmup {
		return 0
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, w := range d.warmup {
		lo, hi = math.Min(lo, w), math.Max(hi, w)
	}
	margin := float64(d.p.CausalRangeMargin * (hi - lo)) // rounded: no fused multiply-add across platforms
	d.setRange(lo-margin, hi+margin)
	for _, w := range d.warmup {
		d.score(w, 0)
	}
	if d.p.QuietWarmup {
		d.sinceTrigger = d.restPeriod
	}
	d.warmup = nil
	return 0
}

func (d *Detector) score(v, evidence float64) float64 {
	raw := d.step1(d.facts(v))
	if d.seen > d.p.SpatialWarmup {
		margin := float64(d.p.SpatialMargin * (d.runHi - d.runLo)) // rounded: no fused multiply-add across platforms
		if d.p.SpatialSteps > 0 {
			margin = float64(d.p.SpatialSteps * d.typicalStep)
		}
		if v > d.runHi+margin || v < d.runLo-margin {
			raw = 1
		}
	}
	if d.seen == 0 {
		d.runLo, d.runHi = v, v
	} else if d.p.SpatialSteps > 0 {
		d.typicalStep = clipToward(d.typicalStep, math.Abs(v-d.last), spatialStepAlpha)
	}
	d.last = v
	d.runLo, d.runHi = math.Min(d.runLo, v), math.Max(d.runHi, v)
	d.seen++
	raw = math.Max(raw, evidence)
	d.raw = raw
	// CAD-OSE starts as if a trigger had just happened: no output in the first rest period.
	out := raw
	if d.seen <= d.restPeriod || d.sinceTrigger < d.restPeriod {
		out = 0
	}
	if raw >= d.p.BaseThreshold {
		d.sinceTrigger = 0
	} else {
		d.sinceTrigger++
	}
	return out
}

// step1 is one CAD-OSE step; it returns the raw score (1 - share of selected contexts that
// came true + share of candidate contexts that had to be created) / 2.
func (d *Detector) step1(sensed []uint32) float64 {
	m := d.memory
	newContextFlag := false
	if len(d.left) > 0 {
		id, created := m.context(d.left, sensed, true)
		if created {
			m.newContext = id
		}
		newContextFlag = created
	}
	active, nActive, selected, potential := m.activate(newContextFlag, d.left, sensed, d.p.MaxActive)
	pSelActive := 0.0
	if selected > 0 {
		pSelActive = float64(nActive) / float64(selected)
	}
	// Distinct candidate contexts only count when the step created one.
	candidates := 0
	if newContextFlag {
		if d.uniq == nil {
			d.uniq = map[uint64]struct{}{}
		}
		clear(d.uniq)
		d.uniq[pairHash(d.left, sensed)] = struct{}{}
		for _, p := range potential {
			d.uniq[pairHash(p.left, p.right)] = struct{}{}
		}
		candidates = len(d.uniq)
	}
	// The new left facts go to the buffer d.left is not in, since both live this step.
	left := d.leftBuf[:0]
	left = append(left, sensed...)
	for _, id := range active {
		left = append(left, uint32(neuronFactBase+id))
	}
	slices.Sort(left[len(sensed):]) // value facts (sorted, < 64) stay before neuron facts
	d.leftBuf, d.left = d.left, dedup(left)

	added := 0
	for _, p := range potential {
		if _, created := m.context(p.left, p.right, false); created {
			added++
		}
	}
	if newContextFlag {
		added++
	}
	pAdded := 0.0
	if newContextFlag && candidates > 0 {
		pAdded = float64(added) / float64(candidates)
	}
	return (1 - pSelActive + pAdded) / 2
}

// topActive keeps the n active contexts ranked highest by (activations, left, right) —
// CAD-OSE's order, with ids instead of Python hashes breaking ties. The order of the
// result does not matter: it becomes a set of facts.
func topActive(contexts []context, active []int, n int, buf []int) ([]int, []int) {
	if len(active) <= n {
		return active, buf
	}
	r := func(id int) uint64 { return rank(contexts[id].Activations, staticRank(&contexts[id])) }
	top := buf[:0]
	top = append(top, active[:n]...)
	// Insertion sort: n is small, and sort.Slice would allocate.
	for i := 1; i < n; i++ {
		for j := i; j > 0 && r(top[j]) < r(top[j-1]); j-- {
			top[j], top[j-1] = top[j-1], top[j]
		}
	}
	lowest := r(top[0])
	for _, id := range active[n:] {
		if r(id) > lowest {
			// Replace the lowest and restore the order by one insertion pass.
			top[0] = id
			for i := 1; i < n && r(top[i]) < r(top[i-1]); i++ {
				top[i], top[i-1] = top[i-1], top[i]
			}
			lowest = r(top[0])
		}
	}
	return top, top
}

// neuronFactBase offsets active-context facts from value facts.
const neuronFactBase = 1 << 31

// pairHash identifies a (left, right) pair of fact sets for counting distinct candidates
// (FNV-1a; a collision would only undercount candidates, and is as deterministic as the rest).
func pairHash(left, right []uint32) uint64 {
	h := uint64(14695981039346656037)
	mix := func(x uint32) {
		for i := 0; i < 4; i++ {
			h ^= uint64(byte(x >> (8 * i)))
			h *= 1099511628211
		}
	}
	for _, f := range left {
		mix(f)
	}
	mix(0xFFFFFFFF) // separator: no fact takes this value
	for _, f := range right {
		mix(f)
	}
	return h
}

func dedup(s []uint32) []uint32 {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// detectorState is the serialised form of a Detector.
type detectorState struct {
	P                        DetectorParams
	Lo, Step                 float64
	Ranged                   bool
	Memory                   memoryState
	Left                     []uint32
	SinceTrigger, Rest, Seen int
	RunLo, RunHi             float64
	Warmup                   []float64
	TypicalStep, Last        float64
}

// deflaters are reused: a flate writer allocates about 1 MB, more than a detector's work on
// a 10-reading batch costs (sidecars save every device's detectors after every batch).
var deflaters = sync.Pool{New: func() any {
	zw, _ := flate.NewWriter(nil, flate.BestSpeed) // only an invalid level errors
	return zw
}}

// inflaters are reused for the same reason.
var inflaters = sync.Pool{New: func() any { return flate.NewReader(nil) }}

// MarshalBinary saves the detector, deflated, so streaming can continue after a restart.
func (d *Detector) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	zw := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(zw)
	zw.Reset(&buf)
	err := gob.NewEncoder(zw).Encode(detectorState{
		P: d.p, Lo: d.lo, Step: d.step, Ranged: d.ranged, Memory: d.memory.state(), Left: d.left,
		SinceTrigger: d.sinceTrigger, Rest: d.restPeriod, Seen: d.seen, RunLo: d.runLo, RunHi: d.runHi, Warmup: d.warmup,
		TypicalStep: d.typicalStep, Last: d.last,
	})
	if err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary restores a detector saved by MarshalBinary.
func (d *Detector) UnmarshalBinary(bz []byte) error {
	var s detectorState
	zr := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(zr)
	if err := zr.(flate.Resetter).Reset(bytes.NewReader(bz), nil); err != nil {
		return err
	}
	if err := gob.NewDecoder(zr).Decode(&s); err != nil {
		return err
	}
	memory, err := restoreMemory(s.Memory)
	if err != nil {
		return err
	}
	*d = Detector{p: s.P, lo: s.Lo, step: s.Step, ranged: s.Ranged, memory: memory, left: s.Left,
		sinceTrigger: s.SinceTrigger, restPeriod: s.Rest, seen: s.Seen, runLo: s.RunLo, runHi: s.RunHi, warmup: s.Warmup,
		typicalStep: s.TypicalStep, last: s.Last}
	return nil
}
