// Package benchgenesis adds to an x/compute genesis the state the throughput benchmarks need
// (app.BenchmarkBlockThroughput in process, scripts/bench.sh on a node): providers with
// verified GPUs, and either offers for them or open proof-of-work challenges.
package benchgenesis

import (
	"crypto/sha256"
	"encoding/binary"

	sdk "github.com/cosmos/cosmos-sdk/types"

	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
)

// BasePrice is the offers' price per GPU-hour, in the bond denom, before the provider's index.
const BasePrice = 360_000

// GPUScore is every benchmark GPU's score.
const GPUScore = 9000

// Providers adds to gs, for each provider address, an active provider holding the minimum
// collateral with gpus available GPUs of class scored GPUScore, and either an offer for all of
// them at BasePrice + the provider's index per GPU-hour (so each has its own price level) or
// one open challenge per GPU on the devnet preset. The challenges all have zero seeds, so one
// proof-of-work search answers every one of them. It returns the collateral added, which the
// x/compute module account must hold.
func Providers(gs *computetypes.GenesisState, denom, class string, providers []string, gpus int, challenges bool) sdk.Coins {
	collateral := gs.Params.MinProviderCollateral
	held := sdk.NewCoins()
	for p, provider := range providers {
		gs.Providers = append(gs.Providers, computetypes.Provider{Address: provider, Moniker: "bench", Endpoint: "http://127.0.0.1:8080",
			Region: "eu-west", Collateral: collateral, Status: computetypes.PROVIDER_STATUS_ACTIVE, GpuCount: uint32(gpus)})
		held = held.Add(collateral)
		for j := 0; j < gpus; j++ {
			gpu := computetypes.GPU{Id: gs.NextGpuId, Uuid: uuid(provider, j), Provider: provider,
				Model: "NVIDIA H100 80GB HBM3", Class: class, MemoryMib: 81559, DriverVersion: "550.54.15", CudaVersion: "12.4",
				Status: computetypes.GPU_STATUS_AVAILABLE, Score: GPUScore}
			gs.NextGpuId++
			gs.Gpus = append(gs.Gpus, gpu)
			if challenges {
				gs.Challenges = append(gs.Challenges, computetypes.Challenge{Id: gs.NextChallengeId, GpuId: gpu.Id, Provider: provider,
					GpuUuid: gpu.Uuid, Class: class, Preset: "devnet", Seed: make([]byte, 32), TableSeed: make([]byte, 32),
					IssuedHeight: 1, DeadlineHeight: 1_000_000, State: computetypes.CHALLENGE_STATE_OPEN, ExpectedWinners: 4})
				gs.NextChallengeId++
			}
		}
		if !challenges {
			gs.Offers = append(gs.Offers, computetypes.Offer{Id: gs.NextOfferId, Provider: provider, Class: class,
				PricePerGpuHour: sdk.NewInt64Coin(denom, int64(BasePrice+p)), MinLeaseHours: 1, MaxLeaseHours: 720, Gpus: uint32(gpus)})
			gs.NextOfferId++
		}
	}
	return held
}

// uuid is an NVML-style UUID unique to (provider, j).
func uuid(provider string, j int) string {
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte(provider), uint64(j)))
	return computetypes.FormatGPUUUID([16]byte(h[:16]))
}

// KeylessProvider is the address of benchmark provider p, which never signs.
func KeylessProvider(p int) string {
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("bench-provider"), uint64(p)))
	return sdk.AccAddress(h[:20]).String()
}
