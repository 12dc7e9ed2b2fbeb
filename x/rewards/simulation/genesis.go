package simulation

import (
	"math/rand"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/types/module"

	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// GenParams draws valid random params so simulations explore more than the defaults.
func GenParams(r *rand.Rand) types.Params {
	p := types.DefaultParams()
	p.EpochBlocks = uint64(1 + r.Intn(50))
	p.InitialEpochEmission = math.NewInt(int64(1 + r.Intn(1_000_000_000)))
	p.DecayPerEpoch = math.LegacyNewDecWithPrec(int64(900+r.Intn(101)), 3)
	// Draw compute/sensor/validator in percent, community takes the rest.
	compute := r.Intn(51)
	sensor := r.Intn(51 - compute/2)
	validator := r.Intn(101 - compute - sensor)
	p.ComputeShare = math.LegacyNewDecWithPrec(int64(compute), 2)
	p.SensorShare = math.LegacyNewDecWithPrec(int64(sensor), 2)
	p.ValidatorShare = math.LegacyNewDecWithPrec(int64(validator), 2)
	p.CommunityShare = math.LegacyNewDecWithPrec(int64(100-compute-sensor-validator), 2)
	p.UtilizationTarget = math.LegacyNewDecWithPrec(int64(1+r.Intn(99)), 2)
	p.MaxShareShift = math.LegacyNewDecWithPrec(int64(r.Intn(1+min(compute, sensor))), 2)
	return p
}

// RandomizedGenState writes a random x/rewards genesis state into simState.
func RandomizedGenState(simState *module.SimulationState) {
	var params types.Params
	simState.AppParams.GetOrGenerate("rewards_params", &params, simState.Rand, func(r *rand.Rand) { params = GenParams(r) })
	gs := types.DefaultGenesisState()
	gs.Params = params
	simState.GenState[types.ModuleName] = simState.Cdc.MustMarshalJSON(gs)
}
