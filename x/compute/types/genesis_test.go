package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

const (
	providerAddr = "thalamus1wpex7anfv3jhygpqyqszqgpqyqszqgpq870fq3"
	tenantAddr   = "thalamus1w3jkuctwwsszqgpqyqszqgpqyqszqgpqz6ztss"
)

func validGenesis() types.GenesisState {
	gs := *types.DefaultGenesisState()
	gs.Providers = []types.Provider{{
		Address: providerAddr, Moniker: "Acme", Endpoint: "https://acme.example", Region: "eu-west",
		Collateral: sdk.NewCoin("uthal", math.NewInt(1_000_000_000)), Status: types.PROVIDER_STATUS_ACTIVE, GpuCount: 1,
	}}
	gs.Gpus = []types.GPU{{
		Id: 1, Uuid: "GPU-5c2b7f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", Provider: providerAddr, Model: "NVIDIA H100 80GB HBM3",
		Class: "H100-SXM-80G", MemoryMib: 81559, DriverVersion: "550.54.15", CudaVersion: "12.4",
		Status: types.GPU_STATUS_LEASED, Score: 5000, LeaseId: 1,
	}}
	gs.NextGpuId = 2
	gs.Offers = []types.Offer{{
		Id: 1, Provider: providerAddr, Class: "H100-SXM-80G", PricePerGpuHour: sdk.NewCoin("uthal", math.NewInt(2_000_000)),
		MinLeaseHours: 1, MaxLeaseHours: 720, Gpus: 1, LeasedGpus: 1,
	}}
	gs.NextOfferId = 2
	gs.Leases = []types.Lease{{
		Id: 1, Tenant: tenantAddr, Provider: providerAddr, OfferId: 1, Class: "H100-SXM-80G", GpuIds: []uint64{1},
		PricePerGpuHour: sdk.NewCoin("uthal", math.NewInt(2_000_000)), State: types.LEASE_STATE_ACTIVE,
		CreatedHeight: 1, EndHeight: 601, Escrow: sdk.NewCoin("uthal", math.NewInt(1_000_000)),
		Paid: sdk.NewCoin("uthal", math.NewInt(1_000_000)), BilledBlocks: 300, AccruedHeight: 301, BlocksPerHour: 600,
	}}
	gs.NextLeaseId = 2
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
		{"offer leases more than it has", func(gs *types.GenesisState) { gs.Offers[0].LeasedGpus = 2 }},
		{"next lease id zero", func(gs *types.GenesisState) { gs.NextLeaseId = 0 }},
		{"lease id not below next", func(gs *types.GenesisState) { gs.NextLeaseId = 1 }},
		{"duplicate lease", func(gs *types.GenesisState) { gs.Leases = append(gs.Leases, gs.Leases[0]); gs.NextLeaseId = 3 }},
		{"lease tenant", func(gs *types.GenesisState) { gs.Leases[0].Tenant = "nope" }},
		{"lease state", func(gs *types.GenesisState) { gs.Leases[0].State = types.LEASE_STATE_UNSPECIFIED }},
		{"lease without gpus", func(gs *types.GenesisState) { gs.Leases[0].GpuIds = nil }},
		{"lease blocks per hour", func(gs *types.GenesisState) { gs.Leases[0].BlocksPerHour = 0 }},
		{"lease escrow denom", func(gs *types.GenesisState) { gs.Leases[0].Escrow.Denom = "uatom" }},
		{"lease overpaid", func(gs *types.GenesisState) { gs.Leases[0].BilledBlocks = 299 }},
		{"closed lease with escrow", func(gs *types.GenesisState) { gs.Leases[0].State = types.LEASE_STATE_CLOSED }},
		{"open lease gpu held elsewhere", func(gs *types.GenesisState) { gs.Gpus[0].LeaseId = 2 }},
		{"leased gpu without lease", func(gs *types.GenesisState) { gs.Leases = nil; gs.NextLeaseId = 1 }},
		{"leased status without lease id", func(gs *types.GenesisState) { gs.Gpus[0].LeaseId = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gs := validGenesis()
			tc.mutate(&gs)
			require.Error(t, gs.Validate())
		})
	}
}
