package types

import (
	"regexp"
	"slices"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	chainparams "github.com/thalamus-network/thalamus/app/params"
)

// MaxGPUScore is the top of the 0-10000 GPU score scale.
const MaxGPUScore = 10_000

// gpuClassPattern keeps class names short and shell/URL safe, e.g. H100-SXM-80G.
var gpuClassPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,31}$`)

// DefaultParams returns the parameters a new chain starts with.
func DefaultParams() Params {
	return Params{
		MinProviderCollateral:  sdk.NewCoin(chainparams.BondDenom, math.NewInt(1_000_000_000)), // 1,000 THAL
		UnbondingBlocks:        100_800,                                                        // ~7 days at 6 s blocks
		MaxGpusPerProvider:     256,
		GpuClasses:             []string{"H200-SXM-141G", "H100-SXM-80G", "A100-80G", "L40S-48G", "RTX4090-24G", "CPU-DEV"},
		TakeRate:               math.LegacyNewDecWithPrec(2, 2), // 2 %
		MinLeaseBlocks:         600,                             // ~1 hour
		GraceBlocks:            600,
		MaxSettlementsPerBlock: 200,
		InitialGpuScore:        5_000,
		BlocksPerHour:          600, // 6 s blocks
	}
}

// Validate checks every parameter and names the first one that is out of range.
func (p Params) Validate() error {
	if err := p.MinProviderCollateral.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "min_provider_collateral: %s", err)
	}
	if !p.MinProviderCollateral.IsPositive() {
		return errorsmod.Wrap(ErrInvalidParams, "min_provider_collateral must be positive")
	}
	if p.UnbondingBlocks == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "unbonding_blocks must be positive")
	}
	if p.MaxGpusPerProvider == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "max_gpus_per_provider must be positive")
	}
	if err := validateGpuClasses(p.GpuClasses); err != nil {
		return err
	}
	if p.TakeRate.IsNil() || p.TakeRate.IsNegative() || p.TakeRate.GTE(math.LegacyOneDec()) {
		return errorsmod.Wrapf(ErrInvalidParams, "take_rate must be in [0, 1), got %s", p.TakeRate)
	}
	if p.MinLeaseBlocks == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "min_lease_blocks must be positive")
	}
	if p.MaxSettlementsPerBlock == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "max_settlements_per_block must be positive")
	}
	if p.InitialGpuScore > MaxGPUScore {
		return errorsmod.Wrapf(ErrInvalidParams, "initial_gpu_score must be at most %d, got %d", MaxGPUScore, p.InitialGpuScore)
	}
	if p.BlocksPerHour == 0 || p.BlocksPerHour > 3_600_000 {
		return errorsmod.Wrapf(ErrInvalidParams, "blocks_per_hour must be in [1, 3600000], got %d", p.BlocksPerHour)
	}
	return nil
}

func validateGpuClasses(classes []string) error {
	if len(classes) == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "gpu_classes must not be empty")
	}
	seen := make(map[string]struct{}, len(classes))
	for _, class := range classes {
		if !gpuClassPattern.MatchString(class) {
			return errorsmod.Wrapf(ErrInvalidParams, "gpu class %q must match %s", class, gpuClassPattern)
		}
		if _, dup := seen[class]; dup {
			return errorsmod.Wrapf(ErrInvalidParams, "gpu class %q listed twice", class)
		}
		seen[class] = struct{}{}
	}
	return nil
}

// HasGpuClass reports whether class is in the governance catalogue.
func (p Params) HasGpuClass(class string) bool {
	return slices.Contains(p.GpuClasses, class)
}
