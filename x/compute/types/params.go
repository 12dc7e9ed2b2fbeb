package types

import (
	"regexp"
	"slices"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/pkg/pow"
)

// gpuClassPattern keeps class names short and shell/URL safe, e.g. H100-SXM-80G.
var gpuClassPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,31}$`)

// DefaultParams returns the parameters a new chain starts with.
func DefaultParams() Params {
	return Params{
		MinProviderCollateral:   sdk.NewCoin(appconsts.BondDenom, math.NewInt(1_000_000_000)), // 1,000 THAL
		UnbondingBlocks:         100_800,                                                      // ~7 days at 6 s blocks
		MaxGpusPerProvider:      256,
		GpuClasses:              []string{"H200-SXM-141G", "H100-SXM-80G", "A100-80G", "L40S-48G", "RTX4090-24G", "CPU-DEV"},
		TakeRate:                math.LegacyNewDecWithPrec(2, 2), // 2 %
		MinLeaseBlocks:          600,                             // ~1 hour
		GraceBlocks:             600,
		MaxSettlementsPerBlock:  200,
		InitialGpuScore:         5_000,
		BlocksPerHour:           600, // 6 s blocks
		ChallengeInterval:       600, // hourly per GPU, staggered
		ChallengeWindow:         5,   // ~30 s
		MaxChallengesPerBlock:   50,
		MaxWinners:              512,
		MissedChallengesToDown:  3,
		ScoreWindow:             8,
		PowEpochBlocks:          14_400, // ~1 day: layer tables are rebuilt daily
		ClassPow:                DefaultClassPoW(),
		FraudSlashFraction:      math.LegacyNewDecWithPrec(5, 2),
		StartTimeoutBlocks:      100,     // ~10 min at 6 s blocks to pull an image and start
		MaxOrderTtlBlocks:       100_800, // ~7 days
		MaxOrderMatchesPerBlock: 20,
	}
}

// DefaultClassPoW calibrates the default catalogue. Reference throughputs are NVIDIA's dense
// int8 tensor figures (H100/H200 SXM 1979 TOPS, A100 624, L40S 733, RTX 4090 661); CPU-DEV is
// 1. Expected winners per challenge are what a healthy card finds in 15 s of search at
// p = 2^-20 (the agent searches up to 20 s of a 5-block window at ~6 s blocks, keeping the
// last block, a poll and a second to land the answer): H100 and H200 from the rate measured
// on an H200 (2.37 M nonces/s at the h100 and h200 presets, pkg/pow/README.md; the H100 has
// the same SMs and clocks and is not measured); A100, L40S and RTX 4090 are estimates at half
// their dense int8 peak, to be measured. CPU-DEV runs the devnet preset on a CPU core (~10k
// nonces/s per core at p = 2^-10 beside a running node).
func DefaultClassPoW() []ClassPoW {
	return []ClassPoW{
		{Class: "H200-SXM-141G", Preset: "h200", ExpectedWinners: 34, ReferenceTops: 1979},
		{Class: "H100-SXM-80G", Preset: "h100", ExpectedWinners: 34, ReferenceTops: 1979},
		{Class: "A100-80G", Preset: "a100-80g", ExpectedWinners: 16, ReferenceTops: 624},
		{Class: "L40S-48G", Preset: "l40s-48g", ExpectedWinners: 19, ReferenceTops: 733},
		{Class: "RTX4090-24G", Preset: "rtx4090-24g", ExpectedWinners: 17, ReferenceTops: 661},
		{Class: "CPU-DEV", Preset: "devnet", ExpectedWinners: 40, ReferenceTops: 1},
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
	if p.StartTimeoutBlocks == 0 || p.StartTimeoutBlocks > 1_000_000 {
		return errorsmod.Wrapf(ErrInvalidParams, "start_timeout_blocks must be in [1, 1000000], got %d", p.StartTimeoutBlocks)
	}
	if p.MaxOrderTtlBlocks == 0 || p.MaxOrderTtlBlocks > 10_000_000 {
		return errorsmod.Wrapf(ErrInvalidParams, "max_order_ttl_blocks must be in [1, 10000000], got %d", p.MaxOrderTtlBlocks)
	}
	if p.MaxOrderMatchesPerBlock == 0 || p.MaxOrderMatchesPerBlock > 1_000 {
		return errorsmod.Wrapf(ErrInvalidParams, "max_order_matches_per_block must be in [1, 1000], got %d", p.MaxOrderMatchesPerBlock)
	}
	if p.InitialGpuScore > appconsts.MaxScore {
		return errorsmod.Wrapf(ErrInvalidParams, "initial_gpu_score must be at most %d, got %d", appconsts.MaxScore, p.InitialGpuScore)
	}
	if p.BlocksPerHour == 0 || p.BlocksPerHour > 3_600_000 {
		return errorsmod.Wrapf(ErrInvalidParams, "blocks_per_hour must be in [1, 3600000], got %d", p.BlocksPerHour)
	}
	return p.validatePoW()
}

func (p Params) validatePoW() error {
	if p.ChallengeWindow == 0 || p.ChallengeInterval <= p.ChallengeWindow {
		return errorsmod.Wrapf(ErrInvalidParams, "need 0 < challenge_window (%d) < challenge_interval (%d)", p.ChallengeWindow, p.ChallengeInterval)
	}
	if p.MaxChallengesPerBlock == 0 || p.MaxWinners == 0 || p.MaxWinners > 10_000 {
		return errorsmod.Wrap(ErrInvalidParams, "max_challenges_per_block must be positive and max_winners in [1, 10000]")
	}
	if p.MissedChallengesToDown == 0 || p.ScoreWindow == 0 || p.PowEpochBlocks == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "missed_challenges_to_down, score_window and pow_epoch_blocks must be positive")
	}
	if p.FraudSlashFraction.IsNil() || p.FraudSlashFraction.IsNegative() || p.FraudSlashFraction.GT(math.LegacyOneDec()) {
		return errorsmod.Wrapf(ErrInvalidParams, "fraud_slash_fraction must be in [0, 1], got %s", p.FraudSlashFraction)
	}
	seen := make(map[string]struct{}, len(p.ClassPow))
	for _, c := range p.ClassPow {
		if !p.HasGpuClass(c.Class) {
			return errorsmod.Wrapf(ErrInvalidParams, "class_pow names %q, which is not in gpu_classes", c.Class)
		}
		if _, dup := seen[c.Class]; dup {
			return errorsmod.Wrapf(ErrInvalidParams, "class_pow lists %q twice", c.Class)
		}
		if _, err := pow.Preset(c.Preset); err != nil {
			return errorsmod.Wrapf(ErrInvalidParams, "class_pow %s: %s", c.Class, err)
		}
		if c.ExpectedWinners == 0 {
			return errorsmod.Wrapf(ErrInvalidParams, "class_pow %s: expected_winners must be positive", c.Class)
		}
		seen[c.Class] = struct{}{}
	}
	for _, class := range p.GpuClasses {
		if _, ok := seen[class]; !ok {
			return errorsmod.Wrapf(ErrInvalidParams, "gpu class %s has no class_pow entry", class)
		}
	}
	return nil
}

// ClassPoWOf returns a class's proof-of-work calibration.
func (p Params) ClassPoWOf(class string) (ClassPoW, bool) {
	for _, c := range p.ClassPow {
		if c.Class == class {
			return c, true
		}
	}
	return ClassPoW{}, false
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
