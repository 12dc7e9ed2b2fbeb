package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	"github.com/thalamus-network/thalamus/x/rewards/types"
)

func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())

	tests := []struct {
		name   string
		mutate func(*types.Params)
	}{
		{"zero epoch", func(p *types.Params) { p.EpochBlocks = 0 }},
		{"zero emission", func(p *types.Params) { p.InitialEpochEmission = math.ZeroInt() }},
		{"nil emission", func(p *types.Params) { p.InitialEpochEmission = math.Int{} }},
		{"zero cap", func(p *types.Params) { p.SupplyCap = math.ZeroInt() }},
		{"zero decay", func(p *types.Params) { p.DecayPerEpoch = math.LegacyZeroDec() }},
		{"growth instead of decay", func(p *types.Params) { p.DecayPerEpoch = math.LegacyNewDecWithPrec(101, 2) }},
		{"shares below one", func(p *types.Params) { p.CommunityShare = math.LegacyNewDecWithPrec(5, 2) }},
		{"shares above one", func(p *types.Params) { p.ComputeShare = math.LegacyNewDecWithPrec(50, 2) }},
		{"negative share", func(p *types.Params) {
			p.ValidatorShare = math.LegacyNewDecWithPrec(-5, 2)
			p.CommunityShare = math.LegacyNewDecWithPrec(30, 2)
		}},
		{"nil share", func(p *types.Params) { p.SensorShare = math.LegacyDec{} }},
		{"zero utilization target", func(p *types.Params) { p.UtilizationTarget = math.LegacyZeroDec() }},
		{"full utilization target", func(p *types.Params) { p.UtilizationTarget = math.LegacyOneDec() }},
		{"shift beyond sensor share", func(p *types.Params) { p.MaxShareShift = math.LegacyNewDecWithPrec(31, 2) }},
		{"negative shift", func(p *types.Params) { p.MaxShareShift = math.LegacyNewDecWithPrec(-1, 2) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := types.DefaultParams()
			tc.mutate(&p)
			require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
		})
	}
}
