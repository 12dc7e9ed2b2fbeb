// Package sensorsim simulates sensor devices for devnets and tests: each produces a clean
// series (a synthetic daily cycle or a replayed CSV), optionally corrupts it with a fault
// from an onset step, signs every reading with its device key and posts it to a gateway.
package sensorsim

import (
	"math"
	"os"

	"github.com/thalamus-network/thalamus/pkg/nab"
)

// Source produces the clean value of a series at each step, within a declared range.
type Source interface {
	Value(step int) float64
	Range() (lo, hi float64)
}

// DailyCycle is a temperature-like series: base + amplitude x sin(2 pi step / period) plus
// Gaussian noise, within [base - 2 amplitude, base + 2 amplitude].
type DailyCycle struct {
	Base, Amplitude, Noise float64
	Period                 int // steps per simulated day
	seed                   uint64
}

// NewDailyCycle returns a cycle whose noise is a pure function of seed and step, so a
// replayed step repeats its value exactly.
func NewDailyCycle(base, amplitude, noise float64, period int, seed uint64) *DailyCycle {
	return &DailyCycle{Base: base, Amplitude: amplitude, Noise: noise, Period: period, seed: seed}
}

// Value implements Source.
func (c *DailyCycle) Value(step int) float64 {
	return c.Base + c.Amplitude*math.Sin(2*math.Pi*float64(step)/float64(c.Period)) + c.Noise*gaussian(c.seed, uint64(step))
}

// gaussian is a standard normal draw determined by (seed, n): splitmix64 and Box-Muller.
func gaussian(seed, n uint64) float64 {
	u1 := (float64(splitmix(seed^n*0x9E3779B97F4A7C15)>>11) + 0.5) / (1 << 53)
	u2 := (float64(splitmix(seed+n+0x632BE59BD9B4E019)>>11) + 0.5) / (1 << 53)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

// Range implements Source.
func (c *DailyCycle) Range() (float64, float64) {
	return c.Base - 2*c.Amplitude, c.Base + 2*c.Amplitude
}

// Replay loops over the values of a NAB-style CSV file (header timestamp,value).
type Replay struct {
	values []float64
	lo, hi float64
}

// LoadCSV reads the value column of a NAB-style timestamp,value CSV file.
func LoadCSV(path string) (*Replay, error) {
	f, err := os.Open(path) //nolint:gosec // the operator names the file to replay
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	series, err := nab.ReadSeries(f, path)
	if err != nil {
		return nil, err
	}
	rep := &Replay{values: series.Values, lo: math.Inf(1), hi: math.Inf(-1)}
	for _, v := range rep.values {
		rep.lo, rep.hi = math.Min(rep.lo, v), math.Max(rep.hi, v)
	}
	return rep, nil
}

// Value implements Source.
func (r *Replay) Value(step int) float64 { return r.values[step%len(r.values)] }

// Range implements Source: the file's range widened by half its span on each side.
func (r *Replay) Range() (float64, float64) {
	span := math.Max(r.hi-r.lo, 1)
	return r.lo - span/2, r.hi + span/2
}
