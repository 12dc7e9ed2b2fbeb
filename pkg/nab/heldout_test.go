package nab_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Held out, each category picks the perfect of two settings on the other categories' labels
// and scores 100 with it; the null detector alone scores 0.
func TestLeaveOneCategoryOut(t *testing.T) {
	c := loadCorpus(t)
	perfect := constant(c, 0)
	for i, s := range c.Series {
		for _, w := range s.Windows {
			perfect[i][w[0]] = 1
		}
	}
	settings := [][][]float64{constant(c, 0.5), perfect}
	var asked []int
	results := c.LeaveOneCategoryOut(len(settings), func(k int) [][]float64 {
		asked = append(asked, k)
		return settings[k]
	})
	require.Equal(t, []int{0, 1}, asked, "each setting is scored once, in order")
	for _, r := range results {
		require.InDelta(t, 100, r.Score, 1e-9, r.Profile)
		for cat, k := range r.Setting {
			require.Equal(t, 1, k, "%s: %s held out chose the null setting", r.Profile, cat)
		}
	}
	for _, r := range c.LeaveOneCategoryOut(1, func(int) [][]float64 { return constant(c, 0.5) }) {
		require.InDelta(t, 0, r.Score, 1e-9, r.Profile)
	}
}
