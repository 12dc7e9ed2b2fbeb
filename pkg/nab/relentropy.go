package nab

import "math"

// RelativeEntropy is NAB's relative-entropy detector (Wang et al. 2011), the baseline that
// checks this scorer against published outputs: 5 bins over the file's [min, max], a
// 52-point window, binary output when the window's histogram matches no hypothesis seen
// more than once (chi-square 0.01 with 4 degrees of freedom).
func RelativeEntropy(values []float64) []float64 {
	const (
		bins      = 5
		window    = 52
		threshold = 13.276704135987622
	)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	step := (hi - lo) / bins
	out := make([]float64, len(values))
	if step == 0 {
		return out
	}
	type hypothesis struct {
		p     [bins]float64
		count int
	}
	var hyps []hypothesis
	for i := range values {
		if i+1 < window {
			continue
		}
		var hist [bins]float64
		inRange := 0
		for _, v := range values[i+1-window : i+1] {
			b := math.Ceil((v - lo) / step)
			if b < 0 || b > bins {
				continue
			}
			idx := int(b)
			if idx == bins {
				idx = bins - 1
			}
			hist[idx]++
			inRange++
		}
		for b := range hist {
			hist[b] /= float64(inRange)
		}
		if hyps == nil {
			hyps = append(hyps, hypothesis{p: hist, count: 1})
			continue
		}
		best, bestE := -1, math.Inf(1)
		for h := range hyps {
			e := 2 * window * kl(hist, hyps[h].p)
			if e < threshold && e < bestE {
				best, bestE = h, e
			}
		}
		if best < 0 {
			out[i] = 1
			hyps = append(hyps, hypothesis{p: hist, count: 1})
			continue
		}
		hyps[best].count++
		if hyps[best].count <= 1 {
			out[i] = 1
		}
	}
	return out
}

func kl(p, q [5]float64) float64 {
	sum := 0.0
	for i := range p {
		if p[i] == 0 {
			continue
		}
		if q[i] == 0 {
			return math.Inf(1)
		}
		sum += p[i] * math.Log(p[i]/q[i])
	}
	return sum
}
