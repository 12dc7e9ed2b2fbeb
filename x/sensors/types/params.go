package types

import (
	"time"

	errorsmod "cosmossdk.io/errors"

	"github.com/thalamus-network/thalamus/pkg/reading"
)

// MaxScoringEpochBatches bounds the history a validator may have to replay to score one batch
// (two epochs).
const MaxScoringEpochBatches = 10_000

// DefaultParams returns the parameters a new chain starts with.
func DefaultParams() Params {
	return Params{
		MaxBatchReadings:     10_000,
		GasPerReading:        20,
		MaxUriLength:         512,
		MaxChannelsPerDevice: 16,
		MaxDevicesPerOwner:   1_000,
		MaxBatchBytes:        16 << 20, // 16 MiB
		MaxClockDrift:        2 * time.Minute,
		MaxBatchAge:          7 * 24 * time.Hour,
		BatchRetentionBlocks: 1_209_600, // about 14 days at 1 s blocks
		MaxPrunesPerBlock:    200,
		QualityWindow:        20,
		Zip215Height:         1,      // a new chain batch-verifies from its first block
		ScoringEpochBatches:  144,    // a day of 10-minute batches
		CommitteeEpochBlocks: 14_400, // a day of 6-second blocks
	}
}

// SignatureRules are the ed25519 rules a batch committed at height is verified under.
func (p Params) SignatureRules(height int64) reading.SignatureRules {
	if p.Zip215Height > 0 && height >= p.Zip215Height {
		return reading.ZIP215Rules
	}
	return reading.StdLibRules
}

// ScoringEpoch is the scoring epoch of a device's batch seq (seqs start at 1).
func (p Params) ScoringEpoch(seq uint64) uint64 {
	return (max(seq, 1) - 1) / uint64(p.ScoringEpochBatches)
}

// CommitteeEpoch is the committee epoch of a block: committers' tasks opened in it share a committee.
func (p Params) CommitteeEpoch(height int64) uint64 {
	return uint64(max(height, 0)) / p.CommitteeEpochBlocks
}

// EpochStart is the first batch of seq's scoring epoch.
func (p Params) EpochStart(seq uint64) uint64 {
	return p.ScoringEpoch(seq)*uint64(p.ScoringEpochBatches) + 1
}

// ScoringAnchor is the first batch the quality model is fed to score batch seq: the first of
// the epoch before seq's, or batch 1 in the first epoch. Scoring seq replays at most two
// epochs of history, so a validator new to the device scores it exactly as its committee.
func (p Params) ScoringAnchor(seq uint64) uint64 {
	start := p.EpochStart(seq)
	if start == 1 {
		return 1
	}
	return start - uint64(p.ScoringEpochBatches)
}

// Validate checks every parameter and names the first one that is out of range.
func (p Params) Validate() error {
	switch {
	case p.MaxBatchReadings == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_batch_readings must be positive")
	case p.GasPerReading == 0:
		return errorsmod.Wrap(ErrInvalidParams, "gas_per_reading must be positive: committed readings must cost gas")
	case p.MaxUriLength < 16 || p.MaxUriLength > 4096:
		return errorsmod.Wrapf(ErrInvalidParams, "max_uri_length must be in [16, 4096], got %d", p.MaxUriLength)
	case p.MaxChannelsPerDevice == 0 || p.MaxChannelsPerDevice > 256:
		return errorsmod.Wrapf(ErrInvalidParams, "max_channels_per_device must be in [1, 256], got %d", p.MaxChannelsPerDevice)
	case p.MaxDevicesPerOwner == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_devices_per_owner must be positive")
	case p.MaxBatchBytes == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_batch_bytes must be positive")
	case p.MaxClockDrift <= 0 || p.MaxClockDrift > time.Hour:
		return errorsmod.Wrapf(ErrInvalidParams, "max_clock_drift must be in (0, 1h], got %s", p.MaxClockDrift)
	case p.MaxBatchAge < p.MaxClockDrift:
		return errorsmod.Wrapf(ErrInvalidParams, "max_batch_age must be at least max_clock_drift, got %s", p.MaxBatchAge)
	case p.BatchRetentionBlocks <= 0:
		return errorsmod.Wrap(ErrInvalidParams, "batch_retention_blocks must be positive")
	case p.MaxPrunesPerBlock == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_prunes_per_block must be positive: records would never be pruned")
	case p.QualityWindow == 0:
		return errorsmod.Wrap(ErrInvalidParams, "quality_window must be positive")
	case p.Zip215Height < 0:
		return errorsmod.Wrapf(ErrInvalidParams, "zip215_height must not be negative, got %d", p.Zip215Height)
	case p.ScoringEpochBatches == 0 || p.ScoringEpochBatches > MaxScoringEpochBatches:
		return errorsmod.Wrapf(ErrInvalidParams, "scoring_epoch_batches must be in [1, %d], got %d", MaxScoringEpochBatches, p.ScoringEpochBatches)
	case p.CommitteeEpochBlocks == 0:
		return errorsmod.Wrap(ErrInvalidParams, "committee_epoch_blocks must be at least 1")
	}
	return nil
}
