package simulation

import (
	"math/rand"

	"github.com/cosmos/cosmos-sdk/types/module"

	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// GenParams draws valid random params so simulations explore more than the defaults.
func GenParams(r *rand.Rand) types.Params {
	return types.Params{
		MaxReadingsPerBatch:  uint32(1 + r.Intn(20_000)),
		GasPerReading:        uint64(1 + r.Intn(100)),
		MaxUriLength:         uint32(16 + r.Intn(1000)),
		MaxChannelsPerDevice: uint32(1 + r.Intn(32)),
		MaxDevicesPerOwner:   uint32(1 + r.Intn(100)),
		MaxBatchBytes:        uint64(1 + r.Intn(32<<20)),
	}
}

// RandomizedGenState writes a random x/sensors genesis state into simState.
func RandomizedGenState(simState *module.SimulationState) {
	var params types.Params
	simState.AppParams.GetOrGenerate("sensors_params", &params, simState.Rand, func(r *rand.Rand) { params = GenParams(r) })
	simState.GenState[types.ModuleName] = simState.Cdc.MustMarshalJSON(&types.GenesisState{Params: params})
}
