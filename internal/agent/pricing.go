package agent

import (
	"fmt"
)

// Pricing is the provider's demand-aware price controller (`thalamus-agent gpu
// --offer-price auto`). Once per reward epoch it moves the offer's price per GPU-hour by at
// most one step, from what the chain's market data and the provider's own leases said over
// the epoch (a Meter averages them), and never in the epoch after a move:
//
//   - raise when the provider's GPUs are leased at or above the target utilization and the
//     class's are too: demand the class serves at today's prices is near its supply, and
//     tenants' orders that wait while the class is full are demand it cannot serve. A
//     provider does not lead the class's clearing price by more than a step;
//   - lower when the provider's utilization is below the target by more than the dead band:
//     its GPUs sit idle at this price (orders waiting while GPUs are free bid below it, so
//     they are no reason to raise);
//   - otherwise hold.
//
// The step is StepBps of the current price (at least 1), the result is clamped to [Min, Max],
// and the dead band keeps the price from moving back and forth around the target.
// docs/market.md (make sim-market) measures it against fixed and omniscient prices.
type Pricing struct {
	Min, Max uint64 // bounds of the price per GPU-hour, in the collateral denom
	// TargetBps is the utilization (leased / offered GPUs, basis points) the provider aims at.
	TargetBps uint32
	// StepBps is one price step, in basis points of the current price.
	StepBps uint32
	// DeadBandBps is how far below the target utilization may fall before the price drops.
	DeadBandBps uint32
}

// DefaultPricing are the controller's defaults: 5 % steps and a 10-point dead band
// (docs/market.md measures them).
func DefaultPricing(minPrice, maxPrice uint64, targetBps uint32) Pricing {
	return Pricing{Min: minPrice, Max: maxPrice, TargetBps: targetBps, StepBps: 500, DeadBandBps: 1_000}
}

// Validate checks the bounds and rates.
func (p Pricing) Validate() error {
	switch {
	case p.Min == 0:
		return fmt.Errorf("the minimum price must be positive")
	case p.Max < p.Min:
		return fmt.Errorf("the maximum price %d is below the minimum %d", p.Max, p.Min)
	case p.TargetBps == 0 || p.TargetBps > 10_000:
		return fmt.Errorf("the target utilization must be in (0, 1], got %d bps", p.TargetBps)
	case p.StepBps == 0 || p.StepBps > 10_000:
		return fmt.Errorf("the price step must be in (0, 100 %%], got %d bps", p.StepBps)
	}
	return nil
}

// MarketView is what one pricing decision reads.
type MarketView struct {
	// OwnOffered and OwnLeased are the provider's GPUs in its offer and those leased.
	OwnOffered, OwnLeased uint32
	// ClassUtilizationBps is the class's leased / (leased + available) GPUs.
	ClassUtilizationBps uint32
	// OpenOrderGPUs counts GPUs that the class's open orders wait for.
	OpenOrderGPUs uint64
	// ClearingPrice is the class's average recent lease price (0: no lease yet).
	ClearingPrice uint64
}

// ownUtilizationBps is the provider's leased share of its offered GPUs.
func (v MarketView) ownUtilizationBps() uint32 {
	if v.OwnOffered == 0 {
		return 0
	}
	return uint32(uint64(min(v.OwnLeased, v.OwnOffered)) * 10_000 / uint64(v.OwnOffered))
}

// Decision is one repricing with its inputs, for the log.
type Decision struct {
	From, To uint64
	Reason   string
}

// Next decides the price after current given the market. After an epoch that moved the
// price (moved), it holds for one epoch: leases made before the move outlast it, so the
// market the move made shows only an epoch later, and stepping on meanwhile overshoots.
func (p Pricing) Next(current uint64, v MarketView, moved bool) Decision {
	own := v.ownUtilizationBps()
	step := max(current*uint64(p.StepBps)/10_000, 1)
	d := Decision{From: current, To: current}
	switch {
	case moved:
		d.Reason = "the last epoch moved the price: hold while its effect shows"
	case own >= p.TargetBps && v.ClassUtilizationBps >= p.TargetBps && (v.ClearingPrice == 0 || current < v.ClearingPrice+step):
		d.To, d.Reason = current+step, fmt.Sprintf("own utilization %d bps and class %d bps at or above the target %d, %d GPUs ordered unmatched",
			own, v.ClassUtilizationBps, p.TargetBps, v.OpenOrderGPUs)
	case own+p.DeadBandBps < p.TargetBps:
		d.To, d.Reason = current-min(step, current), fmt.Sprintf("own utilization %d bps is below the target %d less the dead band %d: GPUs sit idle",
			own, p.TargetBps, p.DeadBandBps)
	default:
		d.Reason = fmt.Sprintf("own utilization %d bps, class %d bps, target %d: hold", own, v.ClassUtilizationBps, p.TargetBps)
	}
	d.To = min(max(d.To, p.Min), p.Max)
	return d
}

// Meter averages the market views sampled during an epoch, so that a decision reads the
// whole epoch rather than the instant it is taken (a provider with a few GPUs is full or
// empty by chance at any one moment).
type Meter struct {
	samples, offered, leased, classBps, orderGPUs uint64
	clearing                                      uint64
}

// Add records one sample.
func (m *Meter) Add(v MarketView) {
	m.samples++
	m.offered += uint64(v.OwnOffered)
	m.leased += uint64(v.OwnLeased)
	m.classBps += uint64(v.ClassUtilizationBps)
	m.orderGPUs += v.OpenOrderGPUs
	m.clearing = v.ClearingPrice
}

// View is the average of the samples since the last Reset, or now when there is none.
func (m *Meter) View(now MarketView) MarketView {
	if m.samples == 0 {
		return now
	}
	// The own counts keep their ratio at a resolution of 1/10000.
	own := uint32(0)
	if m.offered > 0 {
		own = uint32(m.leased * 10_000 / m.offered)
	}
	return MarketView{
		OwnOffered: 10_000, OwnLeased: own, ClassUtilizationBps: uint32(m.classBps / m.samples),
		OpenOrderGPUs: m.orderGPUs / m.samples, ClearingPrice: m.clearing,
	}
}

// Reset starts a new epoch.
func (m *Meter) Reset() { *m = Meter{} }
