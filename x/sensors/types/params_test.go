package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/reading"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())

	tests := []struct {
		name   string
		mutate func(*types.Params)
	}{
		{"zero readings per batch", func(p *types.Params) { p.MaxBatchReadings = 0 }},
		{"free readings", func(p *types.Params) { p.GasPerReading = 0 }},
		{"uri limit too short", func(p *types.Params) { p.MaxUriLength = 15 }},
		{"uri limit too long", func(p *types.Params) { p.MaxUriLength = 4097 }},
		{"zero channels", func(p *types.Params) { p.MaxChannelsPerDevice = 0 }},
		{"too many channels", func(p *types.Params) { p.MaxChannelsPerDevice = 257 }},
		{"zero devices per owner", func(p *types.Params) { p.MaxDevicesPerOwner = 0 }},
		{"zero batch bytes", func(p *types.Params) { p.MaxBatchBytes = 0 }},
		{"negative zip215 height", func(p *types.Params) { p.Zip215Height = -1 }},
		{"zero scoring epoch", func(p *types.Params) { p.ScoringEpochBatches = 0 }},
		{"scoring epoch too long", func(p *types.Params) { p.ScoringEpochBatches = types.MaxScoringEpochBatches + 1 }},
		{"zero committee epoch", func(p *types.Params) { p.CommitteeEpochBlocks = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := types.DefaultParams()
			tc.mutate(&p)
			require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
		})
	}
}

// Batches switch to ZIP-215 at zip215_height, by their commit height; 0 never switches.
func TestSignatureRules(t *testing.T) {
	p := types.DefaultParams()
	p.Zip215Height = 100
	require.Equal(t, reading.StdLibRules, p.SignatureRules(99))
	require.Equal(t, reading.ZIP215Rules, p.SignatureRules(100))
	p.Zip215Height = 0
	require.Equal(t, reading.StdLibRules, p.SignatureRules(1_000_000))
}

// A batch is scored from the first batch of the epoch before its own: one to two epochs of history.
func TestScoringAnchor(t *testing.T) {
	p := types.DefaultParams()
	p.ScoringEpochBatches = 4
	for _, tc := range []struct{ seq, epoch, anchor uint64 }{
		{1, 0, 1}, {4, 0, 1}, {5, 1, 1}, {8, 1, 1}, {9, 2, 5}, {12, 2, 5}, {13, 3, 9}, {0, 0, 1},
	} {
		require.Equal(t, tc.epoch, p.ScoringEpoch(tc.seq), "epoch of %d", tc.seq)
		require.Equal(t, tc.anchor, p.ScoringAnchor(tc.seq), "anchor of %d", tc.seq)
		require.Equal(t, tc.epoch*4+1, p.EpochStart(tc.seq), "start of %d's epoch", tc.seq)
	}
	p.ScoringEpochBatches = 1 // each batch scored after the one before it alone
	require.Equal(t, uint64(6), p.ScoringAnchor(7))
}
