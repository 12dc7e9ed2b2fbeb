package simulation

import (
	"math/rand"
	"time"

	"github.com/cosmos/cosmos-sdk/types/module"

	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// GenParams draws valid random params so simulations explore more than the defaults.
func GenParams(r *rand.Rand) types.Params {
	return types.Params{
		MaxBatchReadings:     uint32(1 + r.Intn(20_000)),
		GasPerReading:        uint64(1 + r.Intn(100)),
		MaxUriLength:         uint32(64 + r.Intn(1000)),
		MaxChannelsPerDevice: uint32(1 + r.Intn(32)),
		MaxDevicesPerOwner:   uint32(1 + r.Intn(100)),
		MaxBatchBytes:        uint64(1<<20 + r.Intn(32<<20)),
		MaxClockDrift:        time.Duration(1+r.Intn(600)) * time.Second,
		MaxBatchAge:          time.Duration(1+r.Intn(14*24)) * time.Hour,
		BatchRetentionBlocks: int64(1 + r.Intn(1000)),
		MaxPrunesPerBlock:    uint32(1 + r.Intn(500)),
		QualityWindow:        uint32(1 + r.Intn(100)),
		Zip215Height:         int64(r.Intn(50)),
		ScoringEpochBatches:  uint32(1 + r.Intn(200)),
		CommitteeEpochBlocks: uint64(1 + r.Intn(500)),
	}
}

// RandomizedGenState writes a random x/sensors genesis state into simState.
func RandomizedGenState(simState *module.SimulationState) {
	var params types.Params
	simState.AppParams.GetOrGenerate("sensors_params", &params, simState.Rand, func(r *rand.Rand) { params = GenParams(r) })
	simState.GenState[types.ModuleName] = simState.Cdc.MustMarshalJSON(&types.GenesisState{Params: params, NextDeviceId: 1})
}
