package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"

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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := types.DefaultParams()
			tc.mutate(&p)
			require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
		})
	}
}
