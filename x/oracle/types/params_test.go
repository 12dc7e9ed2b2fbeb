package types_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())

	tests := []struct {
		name   string
		mutate func(*types.Params)
	}{
		{"zero tasks per extension", func(p *types.Params) { p.MaxTasksPerVoteExtension = 0 }},
		{"too many tasks per extension", func(p *types.Params) { p.MaxTasksPerVoteExtension = 4097 }},
		{"zero sidecar timeout", func(p *types.Params) { p.SidecarTimeoutMs = 0 }},
		{"sidecar timeout beyond a round", func(p *types.Params) { p.SidecarTimeoutMs = 5001 }},
		{"quorum of one half", func(p *types.Params) { p.Quorum = math.LegacyNewDecWithPrec(5, 1) }},
		{"quorum above one", func(p *types.Params) { p.Quorum = math.LegacyNewDecWithPrec(11, 1) }},
		{"nil quorum", func(p *types.Params) { p.Quorum = math.LegacyDec{} }},
		{"negative deviation band", func(p *types.Params) { p.ScoreDeviationBand = math.LegacyNewDec(-1) }},
		{"zero miss window", func(p *types.Params) { p.MissWindowBlocks = 0 }},
		{"valid fraction above one", func(p *types.Params) { p.MinValidFraction = math.LegacyNewDec(2) }},
		{"negative slash", func(p *types.Params) { p.SlashFraction = math.LegacyNewDecWithPrec(-1, 2) }},
		{"overturned fraction above one", func(p *types.Params) { p.MaxOverturnedFraction = math.LegacyNewDec(2) }},
		{"nil overturned fraction", func(p *types.Params) { p.MaxOverturnedFraction = math.LegacyDec{} }},
		{"zero jail", func(p *types.Params) { p.JailDuration = 0 }},
		{"model hash not hex", func(p *types.Params) { p.AcceptedModelHashes = []string{strings.Repeat("zz", 32)} }},
		{"model hash uppercase", func(p *types.Params) { p.AcceptedModelHashes = []string{strings.Repeat("AB", 32)} }},
		{"no pow presets", func(p *types.Params) { p.AcceptedPowPresets = nil }},
		{"bad pow preset", func(p *types.Params) { p.AcceptedPowPresets = []string{"H100 fast"} }},
		{"zero task deadline", func(p *types.Params) { p.TaskDeadlineBlocks = 0 }},
		{"zero finalized per block", func(p *types.Params) { p.MaxTasksFinalizedPerBlock = 0 }},
		{"zero task retention", func(p *types.Params) { p.TaskRetentionBlocks = 0 }},
		{"committee above the cap", func(p *types.Params) { p.CommitteeSize = types.MaxCommitteeSize + 1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := types.DefaultParams()
			tc.mutate(&p)
			require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
		})
	}
}

func TestDefaultQuorumIsTwoThirds(t *testing.T) {
	q := types.DefaultParams().Quorum
	require.True(t, q.MulInt64(3).Sub(math.LegacyNewDec(2)).Abs().LTE(math.LegacySmallestDec().MulInt64(3)))
}
