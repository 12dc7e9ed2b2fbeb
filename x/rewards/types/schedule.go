package types

import "cosmossdk.io/math"

// EpochEmission is what epoch n mints: min(initial_epoch_emission x decay_per_epoch^n,
// supply_cap - supply), truncated to whole base units and never negative.
func (p Params) EpochEmission(n uint64, supply math.Int) math.Int {
	room := p.SupplyCap.Sub(supply)
	if !room.IsPositive() {
		return math.ZeroInt()
	}
	return math.MinInt(p.DecayPerEpoch.Power(n).MulInt(p.InitialEpochEmission).TruncateInt(), room)
}

// Schedule projects the emission of epochs from, from+1, ... (count of them) from supply,
// assuming nothing else changes the supply.
func (p Params) Schedule(from uint64, count int, supply math.Int) []ScheduledEmission {
	out := make([]ScheduledEmission, count)
	for i := range out {
		e := p.EpochEmission(from+uint64(i), supply)
		supply = supply.Add(e)
		out[i] = ScheduledEmission{Epoch: from + uint64(i), Emission: e, SupplyAfter: supply}
	}
	return out
}

// Utilization is leased / verified GPU-hours, in [0, 1]; 0 without verified hours.
func Utilization(gpuHours, leasedHours math.LegacyDec) math.LegacyDec {
	if !gpuHours.IsPositive() {
		return math.LegacyZeroDec()
	}
	return math.LegacyMinDec(leasedHours.Quo(gpuHours), math.LegacyOneDec())
}

// AdjustedShares moves share between the compute and sensor pools by GPU utilization u.
// Above utilization_target the compute share rises linearly, by max_share_shift at u = 1;
// below it, it falls linearly, by max_share_shift at u = 0. The sensor share moves the
// other way, so the four shares still sum to 1 and none turns negative (Validate bounds
// max_share_shift by both shares).
func (p Params) AdjustedShares(u math.LegacyDec) (compute, sensor math.LegacyDec) {
	u = math.LegacyMaxDec(math.LegacyZeroDec(), math.LegacyMinDec(u, math.LegacyOneDec()))
	var shift math.LegacyDec
	if u.GTE(p.UtilizationTarget) {
		shift = p.MaxShareShift.Mul(u.Sub(p.UtilizationTarget)).Quo(math.LegacyOneDec().Sub(p.UtilizationTarget))
	} else {
		shift = p.MaxShareShift.Mul(u.Sub(p.UtilizationTarget)).Quo(p.UtilizationTarget)
	}
	return p.ComputeShare.Add(shift), p.SensorShare.Sub(shift)
}

// Split divides an epoch's emission among the pools, whose work units are given in Pools
// order. A pool with units gets its share of the emission, truncated; a pool nobody worked
// for gets nothing. The community pool gets its own share, the unallocated pools and the
// rounding, so the amounts always sum exactly to the emission.
func (p Params) Split(emission math.Int, utilization math.LegacyDec, units []math.LegacyDec) (pools []PoolEpoch, community math.Int) {
	compute, sensor := p.AdjustedShares(utilization)
	shares := []math.LegacyDec{compute, sensor, p.ValidatorShare}
	community = emission
	pools = make([]PoolEpoch, len(Pools))
	for i, pool := range Pools {
		pe := PoolEpoch{Pool: pool, Share: shares[i], Amount: math.ZeroInt(), Units: units[i], RewardPerUnit: math.LegacyZeroDec()}
		if units[i].IsPositive() {
			pe.Amount = shares[i].MulInt(emission).TruncateInt()
			pe.RewardPerUnit = pe.Amount.ToLegacyDec().QuoTruncate(units[i])
			community = community.Sub(pe.Amount)
		}
		pools[i] = pe
	}
	return pools, community
}

// Payout is what units earn at a pool's reward per unit, truncated, so that the payouts of
// all of a pool's recipients never sum to more than the pool's amount.
func Payout(units, rewardPerUnit math.LegacyDec) math.Int {
	return units.MulTruncate(rewardPerUnit).TruncateInt()
}

// ZeroUnits returns one zero per pool.
func ZeroUnits() []math.LegacyDec {
	u := make([]math.LegacyDec, len(Pools))
	for i := range u {
		u[i] = math.LegacyZeroDec()
	}
	return u
}

// NewEpoch starts epoch n at height.
func NewEpoch(n uint64, height int64) Epoch {
	e := Epoch{
		Number: n, StartHeight: height, Emission: math.ZeroInt(), Community: math.ZeroInt(),
		GpuHours: math.LegacyZeroDec(), LeasedGpuHours: math.LegacyZeroDec(), Utilization: math.LegacyZeroDec(),
		SupplyAfter: math.ZeroInt(),
	}
	for _, pool := range Pools {
		e.Pools = append(e.Pools, PoolEpoch{Pool: pool, Share: math.LegacyZeroDec(), Amount: math.ZeroInt(),
			Units: math.LegacyZeroDec(), RewardPerUnit: math.LegacyZeroDec()})
	}
	return e
}
