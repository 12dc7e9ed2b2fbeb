package quality

import "time"

// Scorer is the model's anomaly score of each value of a plain series, as `quality score`
// and `quality eval` measure it (NAB scores a detector by such scores): the detector, given
// the baseline's level deviation as evidence (model 1.6.0's level_evidence; older models:
// the detector alone). A production Stream does the same among its other checks.
type Scorer struct {
	det    *Detector
	p      BaselineParams
	base   baseline
	perDay int
}

// NewNABScorer scores a series with NAB's look-ahead inputs (see NewNABDetector); intervalMs
// is the series' nominal spacing (0: unknown), which tells the baseline where a day is.
func NewNABScorer(m Model, series []float64, intervalMs int64) *Scorer {
	return &Scorer{det: NewNABDetector(m, series), p: m.Params.Baseline, perDay: readingsPerDay(intervalMs)}
}

// NewCausalScorer scores a series as production does, each value from those before it
// (see NewCausalDetector).
func NewCausalScorer(m Model, lo, hi float64, intervalMs int64) *Scorer {
	return &Scorer{det: NewCausalDetector(m, lo, hi), p: m.Params.Baseline, perDay: readingsPerDay(intervalMs)}
}

// Score feeds one value and returns its anomaly score in [0, 1].
func (s *Scorer) Score(v float64) float64 {
	var evidence float64
	if s.p.enabled() && s.p.LevelEvidence > 0 {
		evidence = s.base.observe(s.p, v, s.perDay, 0).evidence
	}
	return s.det.ScoreWith(v, evidence)
}

// readingsPerDay is how many readings a day holds at a nominal interval (0: unknown).
func readingsPerDay(intervalMs int64) int {
	if intervalMs <= 0 {
		return 0
	}
	return int(24 * time.Hour.Milliseconds() / intervalMs)
}
