package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())

	tests := []struct {
		name   string
		mutate func(*types.Params)
	}{
		{"zero collateral", func(p *types.Params) { p.MinProviderCollateral = sdk.NewCoin("uthal", math.ZeroInt()) }},
		{"bad collateral denom", func(p *types.Params) { p.MinProviderCollateral = sdk.Coin{Denom: "1x", Amount: math.OneInt()} }},
		{"zero unbonding", func(p *types.Params) { p.UnbondingBlocks = 0 }},
		{"zero max gpus", func(p *types.Params) { p.MaxGpusPerProvider = 0 }},
		{"empty catalogue", func(p *types.Params) { p.GpuClasses = nil }},
		{"lowercase class", func(p *types.Params) { p.GpuClasses = []string{"h100"} }},
		{"duplicate class", func(p *types.Params) { p.GpuClasses = []string{"A100-80G", "A100-80G"} }},
		{"negative take rate", func(p *types.Params) { p.TakeRate = math.LegacyNewDec(-1) }},
		{"take rate of one", func(p *types.Params) { p.TakeRate = math.LegacyOneDec() }},
		{"nil take rate", func(p *types.Params) { p.TakeRate = math.LegacyDec{} }},
		{"zero min lease", func(p *types.Params) { p.MinLeaseBlocks = 0 }},
		{"zero blocks per hour", func(p *types.Params) { p.BlocksPerHour = 0 }},
		{"blocks per hour above 1000 per second", func(p *types.Params) { p.BlocksPerHour = 3_600_001 }},
		{"zero settlements", func(p *types.Params) { p.MaxSettlementsPerBlock = 0 }},
		{"score above scale", func(p *types.Params) { p.InitialGpuScore = appconsts.MaxScore + 1 }},
		{"zero order ttl", func(p *types.Params) { p.MaxOrderTtlBlocks = 0 }},
		{"order ttl above 10 million blocks", func(p *types.Params) { p.MaxOrderTtlBlocks = 10_000_001 }},
		{"zero order matches", func(p *types.Params) { p.MaxOrderMatchesPerBlock = 0 }},
		{"order matches above 1000", func(p *types.Params) { p.MaxOrderMatchesPerBlock = 1_001 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := types.DefaultParams()
			tc.mutate(&p)
			require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
		})
	}
}

func TestHasGpuClass(t *testing.T) {
	p := types.DefaultParams()
	require.True(t, p.HasGpuClass("H100-SXM-80G"))
	require.False(t, p.HasGpuClass("h100-sxm-80g"))
}

func TestBidPrice(t *testing.T) {
	p := types.DefaultParams()
	p.BlocksPerHour, p.MinLeaseBlocks = 10, 5
	// 50 uthal pay 5 blocks of one GPU at up to 101 per GPU-hour (floor(101 x 5 / 10) = 50).
	require.Equal(t, uint64(101), types.BidPrice(p, 1, 1, sdk.Coin{}, sdk.NewInt64Coin("uthal", 50)))
	require.Equal(t, uint64(80), types.BidPrice(p, 1, 1, sdk.NewInt64Coin("uthal", 80), sdk.NewInt64Coin("uthal", 50)))
	// Two GPUs halve what the deposit covers.
	require.Equal(t, uint64(50), types.BidPrice(p, 2, 1, sdk.Coin{}, sdk.NewInt64Coin("uthal", 50)))
}
