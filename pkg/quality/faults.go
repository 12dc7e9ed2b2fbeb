package quality

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
)

// Fault kinds injected by InjectFault.
var FaultKinds = []string{"spike", "stuck", "drift", "noise", "level_shift", "replay"}

// InjectFault returns a copy of values with a fault of the given kind in [start, start+length).
// The fault size m is scale x max(span / 4, 8 noise deviations) (scale 1 is the evaluation's
// standard size, 0.5 half of it), so a fault stands out on smooth and
// on noisy series: a spike of m on one reading; a drift growing to m over the segment;
// Gaussian noise of m / 2; a level shift of m that lasts to the end; a stuck value over the
// segment; a replay of the segment just before. The noise deviation is estimated robustly
// from the first differences of the clean values around the fault (length readings on each
// side), not of the whole series: on a series whose noise changes with its regime (a quiet
// night, a noisy day) a whole-series estimate is the quiet regime's, and a "spike" sized by
// it can land inside the noisy regime's normal spread, a fault no detector could tell from
// a healthy reading.
func InjectFault(values []float64, kind string, start, length int, scale float64, rng *rand.Rand) ([]float64, error) {
	if start < length || start+length > len(values) {
		return nil, fmt.Errorf("fault at %d+%d does not fit in %d values", start, length, len(values))
	}
	m := scale * FaultUnit(values, start, length)
	out := append([]float64(nil), values...)
	switch kind {
	case "spike":
		out[start] += m
	case "stuck":
		for i := start; i < start+length; i++ {
			out[i] = values[start]
		}
	case "drift":
		for i := start; i < len(out); i++ {
			out[i] += m * math.Min(1, float64(i-start+1)/float64(length))
		}
	case "noise":
		for i := start; i < start+length; i++ {
			out[i] += m / 2 * rng.NormFloat64()
		}
	case "level_shift":
		for i := start; i < len(out); i++ {
			out[i] += m
		}
	case "replay":
		copy(out[start:start+length], values[start-length:start])
	default:
		return nil, fmt.Errorf("unknown fault %q (want one of %v)", kind, FaultKinds)
	}
	return out, nil
}

// FaultUnit is the standard size of a fault at start (InjectFault's scale 1):
// max(span / 4, 8 noise deviations around it), the noise measured on length readings before
// start and 2 x length from it, at least 1e-9.
func FaultUnit(values []float64, start, length int) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	around := values[start-length : min(start+2*length, len(values))]
	diffs := make([]float64, len(around)-1)
	for i := range diffs {
		diffs[i] = around[i+1] - around[i]
	}
	noise := RobustSpread(diffs) / math.Sqrt2
	return math.Max(math.Max((hi-lo)/4, 8*noise), 1e-9)
}

// RobustSpread is the standard deviation of values estimated robustly: 1.4826 median absolute
// deviations from their median (a normal distribution's standard deviation).
func RobustSpread(values []float64) float64 {
	return 1.4826 * mad(values, median(values))
}

// FaultSpan is how many readings from the fault's start its detection is judged on: the one
// reading a spike changes, else the fault's length (for a drift or a level shift, which last
// to the end, the first length readings of it).
func FaultSpan(kind string, length int) int {
	if kind == "spike" {
		return 1
	}
	return length
}

// AUC is the ROC area of positive against negative scores (Mann-Whitney, ties count half).
func AUC(positives, negatives []float64) float64 {
	if len(positives) == 0 || len(negatives) == 0 {
		return math.NaN()
	}
	neg := append([]float64(nil), negatives...)
	sort.Float64s(neg)
	sum := 0.0
	for _, p := range positives {
		below := sort.SearchFloat64s(neg, p)
		equal := sort.SearchFloat64s(neg, math.Nextafter(p, math.Inf(1))) - below
		sum += float64(below) + float64(equal)/2
	}
	return sum / float64(len(positives)*len(negatives))
}

// Flagged reports whether a reading failed a hard check or was flagged anomalous.
func Flagged(r ReadingResult) bool {
	return r.Flags&(hardFlags|FlagAnomaly|FlagBaseline) != 0
}
