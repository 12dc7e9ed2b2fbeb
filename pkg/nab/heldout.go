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

// LeaveOneCategoryOut scores a detector run under n settings: setting(k)[i] are the scores of
// c.Series[i] under setting k, asked for once each, in order, so that only one setting's
// scores and rows are held at a time (a grid of hundreds of settings over the corpus would
// otherwise take gigabytes). For every category it picks, on the other categories alone, the
// setting and threshold with the best raw score (NAB's sweep; the first setting wins ties),
// then scores the category with them.
func (c *Corpus) LeaveOneCategoryOut(n int, setting func(k int) [][]float64) []HeldOut {
	cats := c.Categories()
	windows := map[string]int{} // labelled windows per category
	for _, s := range c.Series {
		windows[s.Category] += len(s.Windows)
	}
	// best[p][cat]: the choice made without cat for profile p, and cat's raw score under it.
	type choice struct {
		setting              int
		threshold, raw, held float64
	}
	best := make([]map[string]choice, len(c.Profiles))
	for pi := range c.Profiles {
		best[pi] = map[string]choice{}
	}
	for k := 0; k < n; k++ {
		scores := setting(k)
		for pi, p := range c.Profiles {
			// rows[cat]: the category's rows, window ids from 0 in the category.
			rows := map[string][]row{}
			seen := map[string]int{} // windows of the category before this series
			for i, s := range c.Series {
				rows[s.Category] = append(rows[s.Category], rowsOf(s, scores[i], p, seen[s.Category])...)
				seen[s.Category] += len(s.Windows)
			}
			for _, out := range cats {
				others, w := othersRows(rows, windows, cats, out)
				t, raw := sweep(others, w, p.FNWeight)
				if b, ok := best[pi][out]; !ok || raw > b.raw {
					best[pi][out] = choice{setting: k, threshold: t, raw: raw, held: rawAt(rows[out], 0, windows[out], t, p.FNWeight)}
				}
			}
		}
	}
	var results []HeldOut
	for pi, p := range c.Profiles {
		res := HeldOut{Profile: p.Name, Categories: map[string]float64{}, Setting: map[string]int{}, Threshold: map[string]float64{}}
		total, totalWindows := 0.0, 0
		for _, cat := range cats {
			b := best[pi][cat]
			res.Setting[cat], res.Threshold[cat] = b.setting, b.threshold
			if windows[cat] > 0 {
				res.Categories[cat] = normalise(b.held, windows[cat], p)
			} else {
				res.Categories[cat] = b.held
			}
			total += b.held
			totalWindows += windows[cat]
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
