package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

const providerAddr = "thalamus1wpex7anfv3jhygpqyqszqgpqyqszqgpq870fq3"

func validGenesis() types.GenesisState {
	gs := *types.DefaultGenesisState()
	gs.Providers = []types.Provider{{
		Address: providerAddr, Moniker: "Acme", Endpoint: "https://acme.example", Region: "eu-west",
		Collateral: sdk.NewCoin("uthal", math.NewInt(1_000_000_000)), Status: types.PROVIDER_STATUS_ACTIVE, GpuCount: 1,
	}}
	gs.Gpus = []types.GPU{{
		Id: 1, Uuid: "GPU-5c2b7f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", Provider: providerAddr, Model: "NVIDIA H100 80GB HBM3",
		Class: "H100-SXM-80G", MemoryMib: 81559, DriverVersion: "550.54.15", CudaVersion: "12.4",
		Status: types.GPU_STATUS_AVAILABLE, Score: 5000,
	}}
	gs.NextGpuId = 2
	gs.Offers = []types.Offer{{
		Id: 1, Provider: providerAddr, Class: "H100-SXM-80G", PricePerGpuHour: sdk.NewCoin("uthal", math.NewInt(2_000_000)),
		MinLeaseHours: 1, MaxLeaseHours: 720, Gpus: 1,
	}}
	gs.NextOfferId = 2
	return gs
}

func TestGenesisValidate(t *testing.T) {
	require.NoError(t, types.DefaultGenesisState().Validate())
	valid := validGenesis()
	require.NoError(t, valid.Validate())

	tests := []struct {
		name   string
		mutate func(*types.GenesisState)
	}{
		{"next id zero", func(gs *types.GenesisState) { gs.NextGpuId = 0 }},
		{"gpu id not below next", func(gs *types.GenesisState) { gs.NextGpuId = 1 }},
		{"bad provider address", func(gs *types.GenesisState) { gs.Providers[0].Address = "nope" }},
		{"duplicate provider", func(gs *types.GenesisState) { gs.Providers = append(gs.Providers, gs.Providers[0]) }},
		{"bad endpoint", func(gs *types.GenesisState) { gs.Providers[0].Endpoint = "acme" }},
		{"collateral denom", func(gs *types.GenesisState) { gs.Providers[0].Collateral.Denom = "uatom" }},
		{"unbonding without height", func(gs *types.GenesisState) { gs.Providers[0].Status = types.PROVIDER_STATUS_UNBONDING }},
		{"unknown provider status", func(gs *types.GenesisState) { gs.Providers[0].Status = 7 }},
		{"gpu count mismatch", func(gs *types.GenesisState) { gs.Providers[0].GpuCount = 2 }},
		{"duplicate gpu id", func(gs *types.GenesisState) {
			g := gs.Gpus[0]
			g.Uuid = "GPU-00000000-1111-2222-3333-444444444444"
			gs.Gpus = append(gs.Gpus, g)
			gs.Providers[0].GpuCount = 2
		}},
		{"duplicate uuid", func(gs *types.GenesisState) {
			g := gs.Gpus[0]
			g.Id = 2
			gs.Gpus = append(gs.Gpus, g)
			gs.NextGpuId = 3
			gs.Providers[0].GpuCount = 2
		}},
		{"gpu of unknown provider", func(gs *types.GenesisState) { gs.Providers = nil }},
		{"gpu class", func(gs *types.GenesisState) { gs.Gpus[0].Class = "TPU" }},
		{"gpu status", func(gs *types.GenesisState) { gs.Gpus[0].Status = types.GPU_STATUS_UNSPECIFIED }},
		{"gpu score", func(gs *types.GenesisState) { gs.Gpus[0].Score = 10_001 }},
		{"gpu uuid", func(gs *types.GenesisState) { gs.Gpus[0].Uuid = "x" }},
		{"next offer id zero", func(gs *types.GenesisState) { gs.NextOfferId = 0 }},
		{"offer id not below next", func(gs *types.GenesisState) { gs.NextOfferId = 1 }},
		{"second offer for a class", func(gs *types.GenesisState) {
			o := gs.Offers[0]
			o.Id = 2
			gs.Offers = append(gs.Offers, o)
			gs.NextOfferId = 3
		}},
		{"offer of unbonding provider", func(gs *types.GenesisState) {
			gs.Providers[0].Status = types.PROVIDER_STATUS_UNBONDING
			gs.Providers[0].UnbondingCompleteHeight = 10
		}},
		{"offer price zero", func(gs *types.GenesisState) { gs.Offers[0].PricePerGpuHour.Amount = math.ZeroInt() }},
		{"offer class", func(gs *types.GenesisState) { gs.Offers[0].Class = "TPU" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gs := validGenesis()
			tc.mutate(&gs)
			require.Error(t, gs.Validate())
		})
	}
}
