package types

import (
	"regexp"
	"time"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
)

// MaxCommitteeSize bounds committee_size: a committee is stored with each task and walked
// for each report.
const MaxCommitteeSize = 256

// hexHash matches a lowercase hex SHA-256 digest, the form model hashes are published in.
var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// presetName matches proof-of-work preset names such as devnet or h100.
var presetName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// DefaultParams returns the parameters a new chain starts with.
func DefaultParams() Params {
	return Params{
		MaxTasksPerVoteExtension:  64,
		SidecarTimeoutMs:          500,
		Quorum:                    math.LegacyNewDec(2).QuoInt64(3),
		ScoreDeviationBand:        math.LegacyNewDecWithPrec(10, 2),
		MissWindowBlocks:          1_000,
		MinValidFraction:          math.LegacyNewDecWithPrec(5, 2),
		SlashFraction:             math.LegacyNewDecWithPrec(1, 4),
		JailDuration:              10 * time.Minute,
		AcceptedModelHashes:       nil, // filled by governance once the quality model is published
		AcceptedPowPresets:        []string{"devnet"},
		TaskDeadlineBlocks:        20,
		MaxTasksFinalizedPerBlock: 200,
		TaskRetentionBlocks:       100_000, // about 5 days of 5 s blocks
		// Every validator verifies every task while the set has at most 32 validators; past
		// that, a 32-seat committee (x/oracle README: the security argument).
		CommitteeSize: 32,
		// An honest validator's committee reports are overturned only when its own fetches
		// fail or its software is wrong; one in ten of its tasks is spam.
		MaxOverturnedFraction: math.LegacyNewDecWithPrec(10, 2),
	}
}

// Validate checks every parameter and names the first one that is out of range.
func (p Params) Validate() error {
	if p.MaxTasksPerVoteExtension == 0 || p.MaxTasksPerVoteExtension > 4096 {
		return errorsmod.Wrapf(ErrInvalidParams, "max_tasks_per_vote_extension must be in [1, 4096], got %d", p.MaxTasksPerVoteExtension)
	}
	// The sidecar runs inside ExtendVote, which must finish well within a consensus round.
	if p.SidecarTimeoutMs == 0 || p.SidecarTimeoutMs > 5_000 {
		return errorsmod.Wrapf(ErrInvalidParams, "sidecar_timeout_ms must be in [1, 5000], got %d", p.SidecarTimeoutMs)
	}
	if err := decInRange("quorum", p.Quorum, math.LegacyNewDecWithPrec(5, 1), false); err != nil {
		return err
	}
	if err := decInRange("score_deviation_band", p.ScoreDeviationBand, math.LegacyZeroDec(), true); err != nil {
		return err
	}
	if p.MissWindowBlocks == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "miss_window_blocks must be positive")
	}
	if err := decInRange("min_valid_fraction", p.MinValidFraction, math.LegacyZeroDec(), true); err != nil {
		return err
	}
	if err := decInRange("slash_fraction", p.SlashFraction, math.LegacyZeroDec(), true); err != nil {
		return err
	}
	if err := decInRange("max_overturned_fraction", p.MaxOverturnedFraction, math.LegacyZeroDec(), true); err != nil {
		return err
	}
	if p.JailDuration <= 0 {
		return errorsmod.Wrap(ErrInvalidParams, "jail_duration must be positive")
	}
	for _, h := range p.AcceptedModelHashes {
		if !hexHash.MatchString(h) {
			return errorsmod.Wrapf(ErrInvalidParams, "accepted model hash %q is not a lowercase hex SHA-256", h)
		}
	}
	if len(p.AcceptedPowPresets) == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "accepted_pow_presets must not be empty")
	}
	for _, name := range p.AcceptedPowPresets {
		if !presetName.MatchString(name) {
			return errorsmod.Wrapf(ErrInvalidParams, "proof-of-work preset %q must match %s", name, presetName)
		}
	}
	if p.TaskDeadlineBlocks == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "task_deadline_blocks must be positive")
	}
	if p.CommitteeSize > MaxCommitteeSize {
		return errorsmod.Wrapf(ErrInvalidParams, "committee_size must be at most %d, got %d", MaxCommitteeSize, p.CommitteeSize)
	}
	if p.MaxTasksFinalizedPerBlock == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "max_tasks_finalized_per_block must be positive")
	}
	if p.TaskRetentionBlocks == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "task_retention_blocks must be positive")
	}
	return nil
}

// decInRange checks min < d <= 1 (or min <= d <= 1 when minInclusive).
func decInRange(name string, d, minimum math.LegacyDec, minInclusive bool) error {
	if d.IsNil() || d.GT(math.LegacyOneDec()) || d.LT(minimum) || (!minInclusive && d.Equal(minimum)) {
		bracket := "("
		if minInclusive {
			bracket = "["
		}
		return errorsmod.Wrapf(ErrInvalidParams, "%s must be in %s%s, 1], got %v", name, bracket, minimum, d)
	}
	return nil
}
