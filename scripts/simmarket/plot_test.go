//go:build simmarket

package simmarket

import (
	"image/color"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

var colors = []color.Color{color.RGBA{R: 200, A: 255}, color.RGBA{B: 200, A: 255}, color.RGBA{G: 140, A: 255}}

// plots draws each policy's mean offer price and utilization per epoch.
func plots(dir string, results []result) error {
	if err := linePlot(filepath.Join(dir, "market-price.png"), "Mean offer price per epoch", "uthal per GPU-hour", results,
		func(r result) []float64 { return r.priceByEpoch }); err != nil {
		return err
	}
	return linePlot(filepath.Join(dir, "market-utilization.png"), "Utilization per epoch", "leased share of GPUs", results,
		func(r result) []float64 { return r.utilizationByEpoch })
}

func linePlot(path, title, yLabel string, results []result, series func(result) []float64) error {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, "epoch (20 blocks)", yLabel
	p.Add(plotter.NewGrid())
	for i, r := range results {
		ys := series(r)
		pts := make(plotter.XYs, len(ys))
		for j, y := range ys {
			pts[j].X, pts[j].Y = float64(j), y
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		line.Color = colors[i%len(colors)]
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(r.name, line)
	}
	p.Legend.Top = true
	return p.Save(9*vg.Inch, 4*vg.Inch, path)
}
