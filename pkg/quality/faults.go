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
// Magnitudes are relative to the series' span (max - min): a spike of one span above the
// value; a drift growing to half a span; Gaussian noise of a fifth of a span; a level shift
// of a third of a span that lasts to the end; a replay of the segment just before.
func InjectFault(values []float64, kind string, start, length int, rng *rand.Rand) ([]float64, error) {
	if start < length || start+length > len(values) {
		return nil, fmt.Errorf("fault at %d+%d does not fit in %d values", start, length, len(values))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	span := math.Max(hi-lo, 1e-9)
	out := append([]float64(nil), values...)
	switch kind {
	case "spike":
		out[start] += span
	case "stuck":
		for i := start; i < start+length; i++ {
			out[i] = values[start]
		}
	case "drift":
		for i := start; i < len(out); i++ {
			out[i] += 0.5 * span * math.Min(1, float64(i-start+1)/float64(length))
		}
	case "noise":
		for i := start; i < start+length; i++ {
			out[i] += 0.2 * span * rng.NormFloat64()
		}
	case "level_shift":
		for i := start; i < len(out); i++ {
			out[i] += span / 3
		}
	case "replay":
		copy(out[start:start+length], values[start-length:start])
	default:
		return nil, fmt.Errorf("unknown fault %q (want one of %v)", kind, FaultKinds)
	}
	return out, nil
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

// Badness is how wrong one reading looks: 1 with a hard flag, else its anomaly score.
func Badness(r ReadingResult) float64 {
	if r.Flags&hardFlags != 0 {
		return 1
	}
	return r.Anomaly
}
