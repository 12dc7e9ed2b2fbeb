package types

import (
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
)

// DefaultParams returns the parameters a new chain starts with.
func DefaultParams() Params {
	return Params{
		EpochBlocks:          600,                                  // ~1 hour at 6 s blocks
		InitialEpochEmission: math.NewInt(100_000_000_000),         // 100,000 THAL
		DecayPerEpoch:        math.LegacyNewDecWithPrec(99_995, 5), // -0.005 % per epoch, ~ -35 % per year
		SupplyCap:            math.NewInt(1_000_000_000_000_000),   // 1 billion THAL
		ComputeShare:         math.LegacyNewDecWithPrec(45, 2),
		SensorShare:          math.LegacyNewDecWithPrec(30, 2),
		ValidatorShare:       math.LegacyNewDecWithPrec(15, 2),
		CommunityShare:       math.LegacyNewDecWithPrec(10, 2),
		UtilizationTarget:    math.LegacyNewDecWithPrec(70, 2),
		MaxShareShift:        math.LegacyNewDecWithPrec(10, 2),
	}
}

// Validate checks every parameter and names the first one that is out of range.
func (p Params) Validate() error {
	if p.EpochBlocks == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "epoch_blocks must be positive")
	}
	if p.InitialEpochEmission.IsNil() || !p.InitialEpochEmission.IsPositive() {
		return errorsmod.Wrapf(ErrInvalidParams, "initial_epoch_emission must be positive, got %v", p.InitialEpochEmission)
	}
	if p.SupplyCap.IsNil() || !p.SupplyCap.IsPositive() {
		return errorsmod.Wrapf(ErrInvalidParams, "supply_cap must be positive, got %v", p.SupplyCap)
	}
	if p.DecayPerEpoch.IsNil() || !p.DecayPerEpoch.IsPositive() || p.DecayPerEpoch.GT(math.LegacyOneDec()) {
		return errorsmod.Wrapf(ErrInvalidParams, "decay_per_epoch must be in (0, 1], got %v", p.DecayPerEpoch)
	}
	shares := []struct {
		name  string
		value math.LegacyDec
	}{
		{"compute_share", p.ComputeShare},
		{"sensor_share", p.SensorShare},
		{"validator_share", p.ValidatorShare},
		{"community_share", p.CommunityShare},
	}
	sum := math.LegacyZeroDec()
	for _, s := range shares {
		if s.value.IsNil() || s.value.IsNegative() || s.value.GT(math.LegacyOneDec()) {
			return errorsmod.Wrapf(ErrInvalidParams, "%s must be in [0, 1], got %v", s.name, s.value)
		}
		sum = sum.Add(s.value)
	}
	if !sum.Equal(math.LegacyOneDec()) {
		return errorsmod.Wrapf(ErrInvalidParams, "compute, sensor, validator and community shares must sum to 1, got %s", sum)
	}
	if p.UtilizationTarget.IsNil() || !p.UtilizationTarget.IsPositive() || p.UtilizationTarget.GTE(math.LegacyOneDec()) {
		return errorsmod.Wrapf(ErrInvalidParams, "utilization_target must be in (0, 1), got %v", p.UtilizationTarget)
	}
	// The shift moves share between compute and sensors; it must never drive either below zero.
	if p.MaxShareShift.IsNil() || p.MaxShareShift.IsNegative() ||
		p.MaxShareShift.GT(p.ComputeShare) || p.MaxShareShift.GT(p.SensorShare) {
		return errorsmod.Wrapf(ErrInvalidParams, "max_share_shift must be in [0, min(compute_share, sensor_share)], got %v", p.MaxShareShift)
	}
	return nil
}
