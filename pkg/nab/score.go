package nab

import (
	"math"
	"sort"
)

// ProbationaryLength is the number of leading rows NAB never scores: 15 % of the file, at most 750.
func ProbationaryLength(n int) int {
	return min(int(math.Floor(0.15*float64(n))), 750)
}

func scaledSigmoid(x float64) float64 {
	if x > 3 {
		return -1
	}
	return 2/(1+math.Exp(5*x)) - 1
}

// maxTP is the sigmoid at the left edge of a window, which earns exactly tpWeight.
var maxTP = scaledSigmoid(-1)

// row is one scorable row: its detector score and NAB weight, and its window (-1 outside).
type row struct {
	score, weight float64
	window        int
}

// rowsOf weighs a series' scorable rows (NAB sweeper.calcSweepScore); window ids start at firstWindow.
func rowsOf(s Series, scores []float64, p Profile, firstWindow int) []row {
	prob := ProbationaryLength(len(s.Values))
	rows := make([]row, 0, len(s.Values)-prob)
	k := 0
	prevRight, prevWidth := -1, 0
	for i := range s.Values {
		for k < len(s.Windows) && i > s.Windows[k][1] {
			k++
		}
		r := row{score: scores[i], window: -1}
		if k < len(s.Windows) && i >= s.Windows[k][0] {
			left, right := s.Windows[k][0], s.Windows[k][1]
			width := right - left + 1
			r.weight = scaledSigmoid(-float64(right-i+1)/float64(width)) * p.TPWeight / maxTP
			r.window = firstWindow + k
		} else {
			u := -1.0
			if prevRight >= 0 {
				u = scaledSigmoid(math.Abs(float64(i-prevRight)) / float64(prevWidth-1))
			}
			r.weight = u * p.FPWeight
		}
		if k < len(s.Windows) && i == s.Windows[k][1] { // set after scoring row i
			prevRight, prevWidth = s.Windows[k][1], s.Windows[k][1]-s.Windows[k][0]+1
		}
		if i >= prob {
			rows = append(rows, r)
		}
	}
	return rows
}

// Result is a detector's NAB result for one profile.
type Result struct {
	Profile   string
	Threshold float64
	Raw       float64
	Score     float64 // normalised: null 0, perfect 100
	// Categories holds the normalised score of each category at the corpus threshold
	// (the raw score for a category without windows, where normalisation is undefined).
	Categories map[string]float64
	TP, FP, FN int
}

// Score sweeps every threshold over the whole corpus (scores[i] belongs to c.Series[i]) and
// returns the best, per profile, as NAB's optimizer does; ties keep the higher threshold.
func (c *Corpus) Score(scores [][]float64) []Result {
	var results []Result
	for _, p := range c.Profiles {
		var all []row
		windows := 0
		for i, s := range c.Series {
			all = append(all, rowsOf(s, scores[i], p, windows)...)
			windows += len(s.Windows)
		}
		threshold, raw := sweep(all, windows, p.FNWeight)
		res := Result{Profile: p.Name, Threshold: threshold, Raw: raw, Score: normalise(raw, windows, p), Categories: map[string]float64{}}
		res.TP, res.FP, res.FN = counts(all, windows, threshold)
		first := 0
		for _, cat := range c.Categories() {
			var rows []row
			n := 0
			for _, s := range c.Series {
				if s.Category == cat {
					rows = append(rows, rowsOf(s, scores[indexOf(c, s.Name)], p, first+n)...)
					n += len(s.Windows)
				}
			}
			catRaw := rawAt(rows, first, n, threshold, p.FNWeight)
			if n > 0 {
				res.Categories[cat] = normalise(catRaw, n, p)
			} else {
				res.Categories[cat] = catRaw
			}
			first += n
		}
		results = append(results, res)
	}
	return results
}

func indexOf(c *Corpus, name string) int {
	for i, s := range c.Series {
		if s.Name == name {
			return i
		}
	}
	return -1
}

func normalise(raw float64, windows int, p Profile) float64 {
	null, perfect := -p.FNWeight*float64(windows), p.TPWeight*float64(windows)
	return 100 * (raw - null) / (perfect - null)
}

// sweep finds the threshold with the best raw score (NAB Sweeper.calcScoreByThreshold).
func sweep(rows []row, windows int, fnWeight float64) (threshold, raw float64) {
	sorted := append([]row(nil), rows...)
	sort.SliceStable(sorted, func(a, b int) bool { return sorted[a].score > sorted[b].score })
	part := make([]float64, windows)
	for i := range part {
		part[i] = -fnWeight
	}
	winSum, fp := -fnWeight*float64(windows), 0.0
	threshold, raw = 1.1, winSum
	for i := 0; i < len(sorted); {
		t := sorted[i].score
		for ; i < len(sorted) && sorted[i].score == t; i++ {
			r := sorted[i]
			if r.window < 0 {
				fp += r.weight
			} else if r.weight > part[r.window] {
				winSum += r.weight - part[r.window]
				part[r.window] = r.weight
			}
		}
		if s := fp + winSum; s > raw {
			threshold, raw = t, s
		}
	}
	return threshold, raw
}

// rawAt is the raw score of rows (windows first..first+n-1) at a fixed threshold.
func rawAt(rows []row, first, n int, threshold, fnWeight float64) float64 {
	part := make([]float64, n)
	for i := range part {
		part[i] = -fnWeight
	}
	fp := 0.0
	for _, r := range rows {
		if r.score < threshold {
			continue
		}
		if r.window < 0 {
			fp += r.weight
		} else if r.weight > part[r.window-first] {
			part[r.window-first] = r.weight
		}
	}
	total := fp
	for _, v := range part {
		total += v
	}
	return total
}

// counts returns detected windows, flagged rows outside windows, and missed windows.
func counts(rows []row, windows int, threshold float64) (tp, fp, fn int) {
	hit := make([]bool, windows)
	for _, r := range rows {
		if r.score < threshold {
			continue
		}
		if r.window < 0 {
			fp++
		} else {
			hit[r.window] = true
		}
	}
	for _, h := range hit {
		if h {
			tp++
		}
	}
	return tp, fp, windows - tp
}
