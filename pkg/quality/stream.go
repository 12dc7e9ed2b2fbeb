package quality

import (
	"bytes"
	"cmp"
	"encoding/gob"
	"math"
	"slices"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
)

// Reading is one value of one channel of a device.
type Reading struct {
	TimestampMs int64
	Value       float64
}

// Per-reading flags (a bit set).
const (
	FlagOutOfRange uint16 = 1 << iota
	FlagStuck
	FlagJump
	FlagGap
	FlagOutOfOrder
	FlagDuplicate
	FlagAnomaly
	// FlagPattern: the series repeated exactly with a period while warming up (a synthetic
	// or digitally generated signal) and this reading breaks the repetition.
	FlagPattern
	// FlagBaseline: the reading, its level or its step size left what the series' own
	// recent past predicts (a spike, a shift or drift, a noise burst): see baseline.go.
	FlagBaseline
)

// flagNames name the reading flags, in bit order: a new flag above gets its name here.
var flagNames = []string{"out_of_range", "stuck", "jump", "gap", "out_of_order", "duplicate", "anomaly", "pattern", "baseline"}

// FlagNames lists the names of the reading flags set in bits.
func FlagNames(bits uint16) []string {
	var out []string
	for i, name := range flagNames {
		if bits&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// hardFlags make a reading worthless; a gap only marks missing data before the reading.
const hardFlags = FlagOutOfRange | FlagStuck | FlagJump | FlagOutOfOrder | FlagDuplicate | FlagPattern

// replayWindow is how many consecutive values identify a segment; replayMemory how many
// recent segments are remembered to recognise a replayed one.
const (
	replayWindow  = 8
	replayMemory  = 512
	warmRunValues = 64
	maxWarmLags   = 16
)

// Stream scores the readings of one channel of one device, batch after batch, keeping the
// state the checks and the detector need between batches.
type Stream struct {
	model      Model
	lo, hi     float64 // declared physical range (lo >= hi: none)
	intervalMs int64   // nominal sampling interval
	det        *Detector
	st         streamState
	// lastSeen indexes the replay ring: a window hash's most recent reading count. Derived
	// from the ring (rebuilt after a restore), so not saved.
	lastSeen *replayIndex
	// sorted holds the jump window's values in order, for its median and MAD without a sort
	// a reading. Derived from st.Recent (rebuilt after a restore), so not saved.
	sorted []float64
}

// streamState is what the checks carry between readings (serialised with the detector).
type streamState struct {
	Has       bool
	LastTs    int64
	LastValue float64
	Run       int       // identical values in a row
	Recent    []float64 // last jump_window values
	Segments  []uint64  // hashes of recent value windows, ring
	SegHash   int       // the hash Segments hold: windowHashVersion (0: bytewise FNV-1a, before it)
	SegAt     []int     // the reading count at which each was seen
	SegPos    int
	RunLo     float64
	RunHi     float64
	// Learned in the first causal_warmup readings: how long values were held and whether
	// windows repeated exactly. A series that does either when healthy (a
	// quantised or synthetic signal) is judged against that, not against the defaults.
	Count int
	// WarmRuns is the longest healthy run of each value repeated during warm-up (at most
	// warmRunValues values): a series that holds 20.0 all night may not hold 68.0 for long.
	WarmRuns   map[float64]int
	WarmLags   []int   // lags at which windows repeated exactly while warming up
	WarmMaxDev float64 // largest deviation from the rolling median
	// Warm keeps the warm-up values to find an exact period; Pattern is then one period of
	// the series (empty: it has none), PatternPos the phase of the next reading and
	// PatternMiss how many readings in a row broke it.
	Warm        []float64
	Pattern     []float64
	PatternPos  int
	PatternMiss int
	// Resting: the series held Rest for at least rest_share of its warm-up (an intermittent
	// signal: a disk idle between writes, a rain gauge between showers); its bursts away from
	// rest are its signal, not faults.
	Resting     bool
	Rest        float64
	WarmOffRest int // longest run of readings away from rest in the warm-up
	OffRest     int // readings away from rest in a row
	Base        baseline
}

// minPatternPairs is how many warm-up readings must repeat exactly for a period to count.
const minPatternPairs = 64

// NewStream starts a stream for a channel with a declared range [lo, hi] (pass lo >= hi when
// none is declared) and a nominal interval in milliseconds.
func NewStream(m Model, lo, hi float64, intervalMs int64) *Stream {
	return &Stream{model: m, lo: lo, hi: hi, intervalMs: intervalMs, det: NewCausalDetector(m, lo, hi)}
}

// ReadingResult is the verdict on one reading.
type ReadingResult struct {
	Flags   uint16
	Anomaly float64
}

// Score is the reading's production score in [0, 1]: 1 when a hard check rejected it, else
// its anomaly score (the detector's, given the baseline's level as evidence; 1 when the
// baseline flagged it).
func (r ReadingResult) Score() float64 {
	if r.Flags&hardFlags != 0 {
		return 1
	}
	return r.Anomaly
}

// BatchResult is the verdict on a batch.
type BatchResult struct {
	Readings []ReadingResult
	// Score is in 0-10000: availability (readings against the nominal interval) times the
	// mean reading quality (0 with a hard flag, else 1 less the anomaly cost: see anomalyCost).
	Score uint32
	// Quality is that mean reading quality (0-1): the score without its availability.
	Quality float64
	// Flags is the union of the readings' flags.
	Flags uint16
}

// ScoreBatch checks and scores readings in the order they were sent.
func (s *Stream) ScoreBatch(readings []Reading) BatchResult {
	res := BatchResult{Readings: make([]ReadingResult, len(readings))}
	if len(readings) == 0 {
		return res
	}
	for i, r := range readings {
		rr := s.check(r)
		res.Readings[i] = rr
		res.Flags |= rr.Flags
		if rr.Flags&hardFlags == 0 {
			res.Quality += 1 - s.anomalyCost(rr.Anomaly)
		}
	}
	res.Quality /= float64(len(readings))
	res.Score = uint32(math.Round(float64(appconsts.MaxScore) * s.availability(readings) * res.Quality))
	return res
}

// anomalyCost is what a reading that passed the hard checks loses for its anomaly score a:
// nothing up to anomaly_floor, then rising linearly to anomaly_weight at a score of 1.
func (s *Stream) anomalyCost(a float64) float64 {
	c := s.model.Params.Checks
	if a <= c.AnomalyFloor {
		return 0
	}
	return c.AnomalyWeight * (a - c.AnomalyFloor) / (1 - c.AnomalyFloor)
}

// availability is the share of the expected readings (by the nominal interval over the
// batch's time span) that arrived, at most 1.
func (s *Stream) availability(readings []Reading) float64 {
	if s.intervalMs <= 0 || len(readings) < 2 {
		return 1
	}
	first, last := readings[0].TimestampMs, readings[0].TimestampMs
	for _, r := range readings {
		first, last = min(first, r.TimestampMs), max(last, r.TimestampMs)
	}
	expected := float64(last-first)/float64(s.intervalMs) + 1
	return math.Min(1, float64(len(readings))/expected)
}

// check flags one reading and feeds the detector.
func (s *Stream) check(r Reading) ReadingResult {
	c := s.model.Params.Checks
	st := &s.st
	warming := st.Count < s.model.Params.Detector.CausalWarmup
	if !warming && st.Warm != nil {
		s.endWarmup()
	}
	var flags uint16
	if s.lo < s.hi && (r.Value < s.lo || r.Value > s.hi) {
		flags |= FlagOutOfRange
	}
	if st.Has {
		switch {
		case r.TimestampMs == st.LastTs && r.Value == st.LastValue:
			flags |= FlagDuplicate
		case r.TimestampMs <= st.LastTs:
			flags |= FlagOutOfOrder
		case s.intervalMs > 0 && float64(r.TimestampMs-st.LastTs) > c.GapFactor*float64(s.intervalMs):
			flags |= FlagGap
		}
		if r.Value == st.LastValue {
			st.Run++
		} else {
			st.Run = 1
		}
		if warming {
			if _, known := st.WarmRuns[r.Value]; known || (st.Run > 1 && len(st.WarmRuns) < warmRunValues) {
				if st.WarmRuns == nil {
					st.WarmRuns = map[float64]int{}
				}
				st.WarmRuns[r.Value] = max(st.WarmRuns[r.Value], st.Run)
			}
		} else if st.Run >= c.StuckRun && st.Run >= 2*st.WarmRuns[r.Value] && !(st.Resting && r.Value == st.Rest) { // the map only for a long run
			flags |= FlagStuck
		}
	} else {
		st.Run = 1
		st.RunLo, st.RunHi = r.Value, r.Value
	}
	if len(st.Recent) == c.JumpWindow {
		span := st.RunHi - st.RunLo
		if s.lo < s.hi {
			span = s.hi - s.lo
		}
		sorted := s.sortedRecent()
		med := medianOfSorted(sorted)
		dev := math.Abs(r.Value - med)
		if warming {
			st.WarmMaxDev = math.Max(st.WarmMaxDev, dev)
		} else if span > 0 && dev > c.JumpFraction*span && dev > c.JumpMADs*1.4826*madOfSorted(sorted, med) && dev > 1.5*st.WarmMaxDev {
			flags |= FlagJump
		}
	}
	flags |= s.checkPattern(r, warming)
	if flags&FlagDuplicate == 0 {
		s.pushRecent(r.Value, c.JumpWindow)
		if lag := s.replayLag(); lag > 0 {
			switch {
			case warming:
				if !slices.Contains(st.WarmLags, lag) && len(st.WarmLags) < maxWarmLags {
					st.WarmLags = append(st.WarmLags, lag)
				}
			case !slices.Contains(st.WarmLags, lag):
				flags |= FlagDuplicate
			}
		}
	}
	rr := ReadingResult{Flags: flags}
	if flags&(FlagDuplicate|FlagOutOfOrder) == 0 {
		// A resting series is judged by how long it leaves its rest, whose bursts would look
		// like spikes and shifts to the baseline; an exactly periodic series is held to its
		// period by the pattern check, which is exact, and its noiseless steps would too.
		var base baselineVerdict
		if st.Resting {
			base.level = s.leftRest(r.Value)
		} else if b := s.model.Params.Baseline; b.enabled() && len(st.Pattern) == 0 {
			base = st.Base.observe(b, r.Value, readingsPerDay(s.intervalMs), s.missed(r))
		}
		rr.Anomaly = s.det.ScoreWith(r.Value, base.evidence)
		if rr.Anomaly >= c.AnomalyThreshold || (!warming && s.det.Raw() >= c.RawThreshold) {
			rr.Flags |= FlagAnomaly
		}
		if base.spike || base.level || base.noise {
			rr.Flags |= FlagBaseline
			rr.Anomaly = 1
		}
	}
	st.Has, st.LastTs, st.LastValue = true, max(st.LastTs, r.TimestampMs), r.Value
	st.Count++
	st.RunLo, st.RunHi = math.Min(st.RunLo, r.Value), math.Max(st.RunHi, r.Value)
	return rr
}

// missed is how many readings at the nominal interval went missing before r.
func (s *Stream) missed(r Reading) int {
	if s.intervalMs <= 0 || !s.st.Has || r.TimestampMs <= s.st.LastTs {
		return 0
	}
	return max(int((r.TimestampMs-s.st.LastTs+s.intervalMs/2)/s.intervalMs)-1, 0)
}

// checkPattern keeps the warm-up values, looks for an exact period when the warm-up ends,
// and afterwards flags every reading that differs from the value one period before
// (skipping the phase over missing readings). The reference stays the warm-up's period, so
// a fault is not learned; a period broken for a whole period in a row is dropped.
func (s *Stream) checkPattern(r Reading, warming bool) uint16 {
	st := &s.st
	if warming {
		st.Warm = append(st.Warm, r.Value)
		return 0
	}
	if len(st.Pattern) == 0 || (st.Has && r.TimestampMs <= st.LastTs) {
		return 0 // no period, or a reading out of time order that has no phase
	}
	st.PatternPos = (st.PatternPos + s.missed(r)) % len(st.Pattern)
	expected := st.Pattern[st.PatternPos]
	st.PatternPos = (st.PatternPos + 1) % len(st.Pattern)
	if r.Value == expected {
		st.PatternMiss = 0
		return 0
	}
	st.PatternMiss++
	if st.PatternMiss >= len(st.Pattern) {
		st.Pattern = nil // the signal has changed for good
		return 0
	}
	return FlagPattern
}

// endWarmup learns what the warm-up's values show: an exact period (its first value is one
// period before this reading) and a rest value.
func (s *Stream) endWarmup() {
	st := &s.st
	st.Pattern = exactPeriod(st.Warm)
	st.PatternPos = 0
	if share := s.model.Params.Checks.RestShare; share > 0 {
		st.Rest, st.Resting = mode(st.Warm, share)
		st.WarmOffRest = longestRunOff(st.Warm, st.Rest)
	}
	st.Warm = nil
}

// leftRest reports whether a resting series has been away from its rest for longer than
// a value may be held (stuck_run) and than twice its longest excursion while warming up.
func (s *Stream) leftRest(v float64) bool {
	st := &s.st
	if v == st.Rest {
		st.OffRest = 0
		return false
	}
	st.OffRest++
	return st.OffRest >= max(s.model.Params.Checks.StuckRun, 2*st.WarmOffRest)
}

// longestRunOff is the longest run of values other than v.
func longestRunOff(values []float64, v float64) int {
	longest, run := 0, 0
	for _, x := range values {
		if x == v {
			run = 0
		} else {
			run++
			longest = max(longest, run)
		}
	}
	return longest
}

// mode returns the most frequent of values and whether it holds at least share of them.
func mode(values []float64, share float64) (float64, bool) {
	sorted := slices.Sorted(slices.Values(values))
	best, bestN := 0.0, 0
	for i := 0; i < len(sorted); {
		j := i + 1 // a NaN equals nothing, itself included
		for j < len(sorted) && sorted[j] == sorted[i] {
			j++
		}
		if j-i > bestN {
			best, bestN = sorted[i], j-i
		}
		i = j
	}
	return best, float64(bestN) >= share*float64(len(values))
}

// exactPeriod returns one period of values if they repeat exactly at some lag, with at
// least minPatternPairs repeated readings and not all equal; else nil.
func exactPeriod(values []float64) []float64 {
	if slices.Min(values) == slices.Max(values) {
		return nil // a flat series is the stuck check's business
	}
	for p := 2; p+minPatternPairs <= len(values); p++ {
		exact := true
		for i := p; i < len(values) && exact; i++ {
			exact = values[i] == values[i-p]
		}
		if exact {
			return slices.Clone(values[len(values)-p:])
		}
	}
	return nil
}

// replayLag remembers the window of the last replay_window values and returns how many
// readings ago the same window last occurred (0: not among the recent windows). Measured
// values repeat exactly only when replayed, or in a synthetic or quantised signal, which
// then repeats at its own lags (a day, for a daily cycle).
func (s *Stream) replayLag() int {
	st := &s.st
	if len(st.Recent) < replayWindow {
		return 0
	}
	window := st.Recent[len(st.Recent)-replayWindow:]
	// A window of few different values (a flat one, or a few small counts such as tweets a
	// minute) recurs by chance: only windows of replay_distinct values or more (and never a
	// flat one) are segments.
	if !hasDistinct(window, max(2, s.model.Params.Checks.ReplayDistinct)) {
		return 0
	}
	sum := windowHash(window)
	if st.SegHash != windowHashVersion {
		// A ring saved by an older sidecar holds other hashes: it restarts, as a new stream's.
		st.Segments, st.SegAt, st.SegPos, st.SegHash, s.lastSeen = nil, nil, 0, windowHashVersion, nil
	}
	if s.lastSeen == nil {
		s.lastSeen = &replayIndex{}
		for i, h := range st.Segments {
			if at, ok := s.lastSeen.get(h); !ok || st.SegAt[i] > at {
				s.lastSeen.set(h, st.SegAt[i])
			}
		}
	}
	lag := 0 // to the most recent occurrence
	if at, ok := s.lastSeen.get(sum); ok {
		lag = st.Count - at
	}
	if len(st.Segments) < replayMemory {
		st.Segments, st.SegAt = append(st.Segments, sum), append(st.SegAt, st.Count)
	} else {
		// The oldest window leaves the ring; it is the last occurrence of its hash only if
		// the index still points at it (any other occurrence is newer).
		old := st.Segments[st.SegPos]
		if at, ok := s.lastSeen.get(old); ok && at == st.SegAt[st.SegPos] {
			s.lastSeen.del(old)
		}
		st.Segments[st.SegPos], st.SegAt[st.SegPos] = sum, st.Count
		st.SegPos = (st.SegPos + 1) % replayMemory
	}
	s.lastSeen.set(sum, st.Count)
	return lag
}

// windowHashVersion names windowHash in saved state.
const windowHashVersion = 1

// windowHash identifies a window of values: one multiply-xor round per value's bits, then a
// final mix (a collision would at worst take one window for a replay of another, 2^-64 odds).
func windowHash(window []float64) uint64 {
	h := uint64(14695981039346656037)
	for _, v := range window {
		h = (h ^ math.Float64bits(v)) * 0x100000001b3
		h ^= h >> 29
	}
	h ^= h >> 32
	h *= 0xd6e8feb86659fd93
	return h ^ h>>32
}

// hasDistinct reports whether a short window holds at least k different values.
func hasDistinct(window []float64, k int) bool {
	n := 0
	for i, v := range window {
		if !slices.Contains(window[:i], v) {
			if n++; n >= k {
				return true
			}
		}
	}
	return false
}

// pushRecent appends v to the jump window, dropping its oldest value past n, and keeps the
// sorted copy in step (in slices.Sort's order: a window is a few values, so linear scans).
func (s *Stream) pushRecent(v float64, n int) {
	st := &s.st
	sorted := s.sortedRecent()
	st.Recent = append(st.Recent, v)
	if len(st.Recent) > n {
		old := st.Recent[0]
		st.Recent = st.Recent[1:]
		j := 0
		for sorted[j] != old && !(old != old && sorted[j] != sorted[j]) { // NaN matches NaN
			j++
		}
		sorted = append(sorted[:j], sorted[j+1:]...)
	}
	sorted = append(sorted, v)
	i := len(sorted) - 1
	for ; i > 0 && cmp.Less(v, sorted[i-1]); i-- {
		sorted[i] = sorted[i-1]
	}
	sorted[i] = v
	s.sorted = sorted
}

// sortedRecent returns the jump window's values in order, rebuilding them after a restore.
func (s *Stream) sortedRecent() []float64 {
	if len(s.sorted) != len(s.st.Recent) {
		s.sorted = append(s.sorted[:0], s.st.Recent...)
		slices.Sort(s.sorted)
	}
	return s.sorted
}

// medianOfSorted is the median of sorted values.
func medianOfSorted(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// madOfSorted is the median absolute deviation of sorted values from med: the deviations
// come in increasing order walking outwards from med, so the middle ones need no sort.
func madOfSorted(sorted []float64, med float64) float64 {
	n := len(sorted)
	if n > 0 && sorted[0] != sorted[0] {
		return mad(sorted, med) // a NaN (sorted first) deviates by NaN, which sorts first too
	}
	hi, _ := slices.BinarySearch(sorted, med) // first value >= med
	lo := hi - 1
	var prev, cur float64
	for k := 0; k <= n/2; k++ {
		prev = cur
		if lo >= 0 && (hi >= n || med-sorted[lo] <= sorted[hi]-med) {
			cur = med - sorted[lo]
			lo--
		} else {
			cur = sorted[hi] - med
			hi++
		}
	}
	if n%2 == 1 {
		return cur
	}
	return (prev + cur) / 2
}

func median(values []float64) float64 { return medianInPlace(slices.Clone(values)) }

// medianInPlace is the median of values, which it sorts.
func medianInPlace(values []float64) float64 {
	slices.Sort(values)
	n := len(values)
	if n%2 == 1 {
		return values[n/2]
	}
	return (values[n/2-1] + values[n/2]) / 2
}

// mad is the median absolute deviation of values from med.
func mad(values []float64, med float64) float64 {
	var buf [32]float64
	devs := buf[:0]
	for _, v := range values {
		devs = append(devs, math.Abs(v-med))
	}
	return medianInPlace(devs)
}

type streamSnapshot struct {
	Lo, Hi     float64
	IntervalMs int64
	Detector   []byte
	State      streamState
}

// MarshalBinary saves the stream (checks and detector) so scoring resumes after a restart.
func (s *Stream) MarshalBinary() ([]byte, error) {
	det, err := s.det.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = gob.NewEncoder(&buf).Encode(streamSnapshot{Lo: s.lo, Hi: s.hi, IntervalMs: s.intervalMs, Detector: det, State: s.st})
	return buf.Bytes(), err
}

// RestoreStream loads a stream saved by MarshalBinary.
func RestoreStream(m Model, bz []byte) (*Stream, error) {
	var snap streamSnapshot
	if err := gob.NewDecoder(bytes.NewReader(bz)).Decode(&snap); err != nil {
		return nil, err
	}
	det := &Detector{}
	if err := det.UnmarshalBinary(snap.Detector); err != nil {
		return nil, err
	}
	return &Stream{model: m, lo: snap.Lo, hi: snap.Hi, intervalMs: snap.IntervalMs, det: det, st: snap.State}, nil
}
