package nab

// HeldOut is a detector's leave-one-category-out result for one profile: each category is
// scored with the setting and threshold that scored best on the other categories, so no
// category's score rests on a choice made with its own labels.
type HeldOut struct {
	Profile string
	// Score is the whole corpus' normalised score, each category's rows counted at its own
	// held-out choice (NAB's raw score sums over rows and windows, so the sum of the
	// categories' raw scores is normalised as the corpus' is).
	Score      float64
	Categories map[string]float64 // normalised (raw for a category without windows)
	Setting    map[string]int     // the setting chosen without the category
	Threshold  map[string]float64 // the threshold chosen without the category
}

// LeaveOneCategoryOut scores a detector run under several settings: settings[k][i] are the
// scores of c.Series[i] under setting k. For every category it picks, on the other
// categories alone, the setting and threshold with the best raw score (NAB's sweep; the
// first setting wins ties), then scores the category with them.
func (c *Corpus) LeaveOneCategoryOut(settings [][][]float64) []HeldOut {
	cats := c.Categories()
	windows := map[string]int{} // labelled windows per category
	for _, s := range c.Series {
		windows[s.Category] += len(s.Windows)
	}
	var results []HeldOut
	for _, p := range c.Profiles {
		// rows[k][cat]: the category's rows under setting k, window ids from 0 in the category.
		rows := make([]map[string][]row, len(settings))
		for k, scores := range settings {
			rows[k] = map[string][]row{}
			seen := map[string]int{} // windows of the category before this series
			for i, s := range c.Series {
				rows[k][s.Category] = append(rows[k][s.Category], rowsOf(s, scores[i], p, seen[s.Category])...)
				seen[s.Category] += len(s.Windows)
			}
		}
		res := HeldOut{Profile: p.Name, Categories: map[string]float64{}, Setting: map[string]int{}, Threshold: map[string]float64{}}
		total, totalWindows := 0.0, 0
		for _, out := range cats {
			bestK, bestT, bestRaw := 0, 0.0, 0.0
			for k := range settings {
				others, n := othersRows(rows[k], windows, cats, out)
				t, raw := sweep(others, n, p.FNWeight)
				if k == 0 || raw > bestRaw {
					bestK, bestT, bestRaw = k, t, raw
				}
			}
			raw := rawAt(rows[bestK][out], 0, windows[out], bestT, p.FNWeight)
			res.Setting[out], res.Threshold[out] = bestK, bestT
			if windows[out] > 0 {
				res.Categories[out] = normalise(raw, windows[out], p)
			} else {
				res.Categories[out] = raw
			}
			total += raw
			totalWindows += windows[out]
		}
		res.Score = normalise(total, totalWindows, p)
		results = append(results, res)
	}
	return results
}

// othersRows joins the rows of every category but out, renumbering windows to stay distinct.
func othersRows(byCat map[string][]row, windows map[string]int, cats []string, out string) ([]row, int) {
	var all []row
	n := 0
	for _, cat := range cats {
		if cat == out {
			continue
		}
		for _, r := range byCat[cat] {
			if r.window >= 0 {
				r.window += n
			}
			all = append(all, r)
		}
		n += windows[cat]
	}
	return all, n
}
