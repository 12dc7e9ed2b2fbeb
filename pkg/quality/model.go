package quality

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

//go:embed model.json
var modelJSON []byte

// Params are the model's parameters; they ship inside the binary (model.json).
type Params struct {
	Version  string         `json:"version"`
	Detector DetectorParams `json:"detector"`
	Checks   CheckParams    `json:"checks"`
	Baseline BaselineParams `json:"baseline,omitzero"`
	// Kinds are priors per sensor kind: the physical range a channel of that kind is
	// checked against when the device declares none (lo >= hi: no range).
	Kinds map[string]KindPrior `json:"kinds"`
}

// KindPrior is the default range of a sensor kind.
type KindPrior struct {
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
	Unit string  `json:"unit"`
}

// DetectorParams tune the contextual anomaly detector (see README).
type DetectorParams struct {
	ValueBits         int     `json:"value_bits"`          // the value is quantised into 2^bits levels
	BaseThreshold     float64 `json:"base_threshold"`      // a raw score at or above it starts a rest period
	MaxLeftLen        int     `json:"max_left_len"`        // longest left semi-context of a learned context
	MaxActive         int     `json:"max_active"`          // active contexts carried as facts into the next step
	MaxContexts       int     `json:"max_contexts"`        // memory bound: no contexts are learned beyond it
	RestFraction      float64 `json:"rest_fraction"`       // rest period as a fraction of the warm-up (NAB: of the probationary period)
	MaxRest           int     `json:"max_rest"`            // rest period cap, in readings
	SpatialMargin     float64 `json:"spatial_margin"`      // a value beyond the range seen so far by this share of it is anomalous (without spatial_steps)
	SpatialWarmup     int     `json:"spatial_warmup"`      // readings before the spatial rule applies
	CausalWarmup      int     `json:"causal_warmup"`       // causal mode: readings that set the quantisation range
	CausalRangeMargin float64 `json:"causal_range_margin"` // causal mode: the warm-up range is widened by this share on each side
	// QuietWarmup (1.6.0): the replay of the causal warm-up starts no rest period. The replay
	// is a fresh memory learning readings whose scores were never reported, and its novelty
	// silenced the first 150 scored readings for it. false: as before 1.6.0.
	QuietWarmup bool `json:"quiet_warmup,omitempty"`
	// SpatialSteps (1.6.0) measures the spatial rule's margin in the series' own typical steps
	// instead of a share of its range: a value beyond the range seen so far by more than this
	// many typical steps is anomalous. A share of the range is tight on a noisy series, whose
	// new extremes are noise, and loose on a smooth one. 0: spatial_margin, as before 1.6.0.
	SpatialSteps float64 `json:"spatial_steps,omitempty"`
}

// CheckParams tune the hard quality checks and the batch score.
type CheckParams struct {
	StuckRun         int     `json:"stuck_run"`            // this many identical values in a row are stuck
	JumpWindow       int     `json:"jump_window"`          // readings in the rolling median (at least the 8 of a replay window)
	JumpFraction     float64 `json:"jump_fraction"`        // a jump exceeds this share of the declared range from the median
	JumpMADs         float64 `json:"jump_mads"`            // ... and this many robust deviations (1.4826 MAD) of the window
	GapFactor        float64 `json:"gap_factor"`           // a gap exceeds this many nominal intervals
	AnomalyThreshold float64 `json:"anomaly_threshold"`    // detector scores at or above it flag ANOMALY
	RawThreshold     float64 `json:"raw_threshold"`        // ... and so do raw scores at or above it, in a rest period too
	AnomalyWeight    float64 `json:"anomaly_weight"`       // how much a fully anomalous reading costs, against 1 for a hard failure
	AnomalyFloor     float64 `json:"anomaly_floor"`        // detector scores up to it cost nothing: a series' everyday surprise is no fault
	ReplayDistinct   int     `json:"replay_distinct"`      // the fewest different values in a window the replay check compares (at least 2: 0 and 1 mean 2, as in 1.0.0)
	RestShare        float64 `json:"rest_share,omitempty"` // a series holding one value for at least this share of its warm-up rests there (0: never; models before 1.4.0)
}

// Model is the embedded model: parameters, version and content hash.
type Model struct {
	Params Params
	// Hash is the SHA-256 of the embedded parameter file; validators report it with every result.
	Hash string
}

// Embedded returns the model that ships in this binary.
func Embedded() Model {
	m, err := Parse(modelJSON)
	if err != nil {
		panic(fmt.Errorf("embedded quality model: %w", err))
	}
	return m
}

// Parse reads a model file strictly.
func Parse(bz []byte) (Model, error) {
	var p Params
	dec := json.NewDecoder(bytes.NewReader(bz))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Model{}, err
	}
	d, c := p.Detector, p.Checks
	if p.Version == "" || d.ValueBits < 1 || d.ValueBits > 8 || d.MaxActive < 1 || d.MaxContexts < 1 || d.MaxContexts > 60_000 || d.RestFraction <= 0 ||
		d.MaxRest < 1 || d.CausalWarmup < 2 || c.StuckRun < 2 || c.JumpWindow < replayWindow || c.GapFactor <= 1 || c.AnomalyWeight < 0 || c.AnomalyWeight > 1 ||
		d.SpatialSteps < 0 || c.AnomalyFloor < 0 || c.AnomalyFloor >= 1 || c.ReplayDistinct < 0 || c.ReplayDistinct > replayWindow || c.RestShare < 0 || c.RestShare > 1 || !p.Baseline.valid() {
		return Model{}, fmt.Errorf("model parameters out of range: %+v", p)
	}
	sum := sha256.Sum256(bz)
	return Model{Params: p, Hash: hex.EncodeToString(sum[:])}, nil
}
