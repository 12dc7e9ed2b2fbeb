package quality

import "math"

// BaselineParams tune the baseline check (model 1.2.0): each reading is compared with what
// the series' own recent past predicts, in units of the series' own typical deviation, so a
// series is judged against its own noise and not against a fixed size. Zero (models before
// 1.2.0) turns the check off.
type BaselineParams struct {
	FastAlpha  float64 `json:"fast_alpha"`  // weight of a reading in the short-term level
	SlowAlpha  float64 `json:"slow_alpha"`  // ... in the long-term level the short-term one is held against
	ScaleAlpha float64 `json:"scale_alpha"` // ... in the typical deviations (the series' own noise)
	NoiseAlpha float64 `json:"noise_alpha"` // ... in the short-term step size
	LevelK     float64 `json:"level_k"`     // a level this many typical deviations from its prediction has shifted or drifted
	NoiseK     float64 `json:"noise_k"`     // steps this many times their typical size are a noise burst
	SpikeK     float64 `json:"spike_k"`     // a step this many typical steps, away from the short-term level too, is a spike
	Warmup     int     `json:"warmup"`      // readings before the check judges (a daily or weekly prediction also waits for a period of its own history)
	MaxDay     int     `json:"max_day"`     // the longest period (a day, a week) in readings whose last period is kept (memory: 4 bytes each)
	// LevelAlpha (1.4.0) weighs a reading in the level's typical deviations, slower than
	// scale_alpha so that a drift cannot raise the yardstick it is measured by; until a
	// deviation has seen 1/level_alpha readings it is their plain mean. 0: scale_alpha, as
	// before 1.4.0.
	LevelAlpha float64 `json:"level_alpha,omitempty"`
	// LevelNoise (1.4.0): a level is judged against at least this many short-term steps,
	// what the current noise alone moves a short-term level by (a noisy afternoon after a
	// quiet night is no shift). 0: not, as before 1.4.0.
	LevelNoise float64 `json:"level_noise,omitempty"`
	// NoiseScaleAlpha (1.5.0) weighs a step in the typical step the noise check is judged
	// against, slower than scale_alpha so that a noise burst cannot raise the yardstick it
	// is measured by; until it has seen 1/noise_scale_alpha steps it is their plain mean. 0:
	// the spike check's typical step (scale_alpha), as before 1.5.0.
	NoiseScaleAlpha float64 `json:"noise_scale_alpha,omitempty"`
	// LevelEvidence (1.6.0) makes the level's deviation evidence for the detector's score
	// (see Detector.ScoreWith), graded by its size: level_evidence times level_k typical
	// deviations scores 0.5, twice that 0.75 (where a detector's rest period starts), rising
	// toward 1. The detector knows which values follow which; only the baseline knows what
	// yesterday and last week did at this hour. 0: no evidence, as before 1.6.0.
	LevelEvidence float64 `json:"level_evidence,omitempty"`
}

// enabled reports whether the model has the check.
func (p BaselineParams) enabled() bool { return p.FastAlpha > 0 }

// valid reports whether enabled parameters are in range.
func (p BaselineParams) valid() bool {
	in01 := func(a float64) bool { return a > 0 && a <= 1 }
	return !p.enabled() || (in01(p.FastAlpha) && in01(p.SlowAlpha) && in01(p.ScaleAlpha) && in01(p.NoiseAlpha) &&
		p.LevelK > 0 && p.NoiseK > 1 && p.SpikeK > 0 && p.Warmup >= 1 && p.MaxDay >= 0 && p.MaxDay <= 4096 &&
		(p.LevelAlpha == 0 || in01(p.LevelAlpha)) && p.LevelNoise >= 0 && (p.NoiseScaleAlpha == 0 || in01(p.NoiseScaleAlpha)) && p.LevelEvidence >= 0)
}

// baseline is one stream's state for the check: exponentially weighted levels and typical
// deviations (each update clipped, so a fault moves them slowly), and the short-term level
// at each reading of the last day and of the last week, when the interval says how many
// readings those hold. The short-term level is predicted by the long-term level, by the
// same time yesterday (a daily cycle) and by the same time last week (a weekly one, such as
// traffic on weekdays and weekends): it is judged against whichever prediction has been
// the best, by its typical deviation.
type baseline struct {
	N          int
	Last       float64
	Fast, Slow float64
	Step       float64 // typical |step| between readings
	NoiseStep  float64 // short-term |step|
	NoiseDev   float64 // typical |step| the noise check is judged against (1.5.0)
	SlowDev    float64 // typical |Fast - Slow|
	Seasons    []season
}

// season predicts the short-term level by its value one period (a day, a week) before.
type season struct {
	Ring []float32 // the short-term level at each reading of the last period (float32: half the state, precision to spare)
	Pos  int
	N    int     // comparisons made
	Dev  float64 // typical |Fast - Fast one period before|
}

// Baseline verdicts of one reading, and the level's evidence for the detector (0-1).
type baselineVerdict struct {
	spike, level, noise bool
	evidence            float64
}

// levelEvidence grades a level deviation of ratio times the level_k threshold: 0 up to
// level_evidence, then 1 - level_evidence / (2 ratio) (0.5 at level_evidence, 0.75 at twice it).
func (p BaselineParams) levelEvidence(ratio float64) float64 {
	if p.LevelEvidence == 0 || ratio <= p.LevelEvidence {
		return 0
	}
	return 1 - p.LevelEvidence/(2*ratio)
}

// Every product below that is then added is converted to float64 explicitly: the Go spec
// lets a compiler fuse x*y+z into one rounding (arm64 does), and validators on amd64 and
// arm64 must reach the same bits; an explicit conversion rounds and prevents the fusion.

// clipToward moves an average toward x by alpha, counting at most 4 times the average (a
// deviation 4 times the typical one counts as 4): a fault moves the typical size slowly.
func clipToward(avg, x, alpha float64) float64 {
	if avg > 0 {
		x = math.Min(x, 4*avg)
	}
	return avg + float64(alpha*(x-avg))
}

// levelAlpha is the weight of the n+1-th deviation in a level's typical deviation:
// slowAlpha of level_alpha (scale_alpha without one).
func (p BaselineParams) levelAlpha(n int) float64 {
	if p.LevelAlpha == 0 {
		return p.ScaleAlpha
	}
	return slowAlpha(p.LevelAlpha, n)
}

// slowAlpha is the weight of the n+1-th value in a slow average: the plain mean's 1/(n+1)
// until it falls to alpha, so a slow average starts from what it has seen, not from 0.
func slowAlpha(alpha float64, n int) float64 {
	return math.Max(alpha, 1/float64(n+1))
}

// noiseYardstick is the typical step the noise check is judged against: the slow NoiseDev
// with noise_scale_alpha, else the spike check's Step.
func (b *baseline) noiseYardstick(p BaselineParams) float64 {
	if p.NoiseScaleAlpha == 0 {
		return b.Step
	}
	return b.NoiseDev
}

// observe judges a reading and then learns from it. perDay is how many readings a day
// holds (0: unknown); missed how many readings went missing just before this one.
func (b *baseline) observe(p BaselineParams, x float64, perDay, missed int) baselineVerdict {
	if b.N == 0 {
		b.Last, b.Fast, b.Slow = x, x, x
		for _, period := range []int{perDay, 7 * perDay} {
			if period >= 2 && period <= p.MaxDay {
				b.Seasons = append(b.Seasons, season{Ring: make([]float32, period)})
			}
		}
	}
	for i := range b.Seasons { // keep the phase over missing readings
		sn := &b.Seasons[i]
		for range min(missed, len(sn.Ring)) {
			sn.Ring[sn.Pos] = float32(b.Fast)
			sn.Pos = (sn.Pos + 1) % len(sn.Ring)
		}
	}
	var v baselineVerdict
	step := math.Abs(x - b.Last)
	judging := b.N >= p.Warmup && b.Step > 0
	if judging {
		v.spike = step > p.SpikeK*b.Step && math.Abs(x-b.Fast) > p.SpikeK*b.Step
	}
	b.NoiseStep = clipToward(b.NoiseStep, step, p.NoiseAlpha)
	if judging {
		yardstick := b.noiseYardstick(p)
		v.noise = yardstick > 0 && b.NoiseStep > p.NoiseK*yardstick
	}
	if p.NoiseScaleAlpha > 0 {
		b.NoiseDev = clipToward(b.NoiseDev, step, slowAlpha(p.NoiseScaleAlpha, b.N))
	}
	b.Step = clipToward(b.Step, step, p.ScaleAlpha)
	b.Fast += float64(p.FastAlpha * (x - b.Fast))
	// The best prediction so far: the long-term level, or a season with a period of its own
	// history that has deviated less.
	dev, typical := math.Abs(b.Fast-b.Slow), b.SlowDev
	for _, sn := range b.Seasons {
		if sn.N >= len(sn.Ring) && sn.Dev < typical {
			dev, typical = math.Abs(b.Fast-float64(sn.Ring[sn.Pos])), sn.Dev
		}
	}
	if judging {
		typical = math.Max(typical, p.LevelNoise*b.NoiseStep)
		v.level = typical > 0 && dev > p.LevelK*typical
		if typical > 0 {
			v.evidence = p.levelEvidence(dev / (p.LevelK * typical))
		}
	}
	b.SlowDev = clipToward(b.SlowDev, math.Abs(b.Fast-b.Slow), p.levelAlpha(b.N))
	for i := range b.Seasons {
		sn := &b.Seasons[i]
		if b.N >= len(sn.Ring) {
			sn.Dev = clipToward(sn.Dev, math.Abs(b.Fast-float64(sn.Ring[sn.Pos])), p.levelAlpha(sn.N))
			sn.N++
		}
		sn.Ring[sn.Pos] = float32(b.Fast)
		sn.Pos = (sn.Pos + 1) % len(sn.Ring)
	}
	b.Slow += float64(p.SlowAlpha * (b.Fast - b.Slow))
	b.Last = x
	b.N++
	return v
}
