package simulation

import (
	"math/rand"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/types/module"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// GenParams draws valid random params so simulations explore more than the defaults.
func GenParams(r *rand.Rand) types.Params {
	p := types.DefaultParams()
	p.MinProviderCollateral.Amount = math.NewInt(int64(1 + r.Intn(1_000_000)))
	p.UnbondingBlocks = uint64(1 + r.Intn(200))
	p.MaxGpusPerProvider = uint32(1 + r.Intn(64))
	p.TakeRate = math.LegacyNewDecWithPrec(int64(r.Intn(20)), 2)
	p.MinLeaseBlocks = uint64(1 + r.Intn(100))
	p.GraceBlocks = uint64(r.Intn(100))
	p.MaxSettlementsPerBlock = uint32(1 + r.Intn(500))
	p.InitialGpuScore = uint32(r.Intn(appconsts.MaxScore + 1))
	p.BlocksPerHour = uint64(1 + r.Intn(3600))
	return p
}

// RandomizedGenState writes a random x/compute genesis state into simState.
func RandomizedGenState(simState *module.SimulationState) {
	var params types.Params
	simState.AppParams.GetOrGenerate("compute_params", &params, simState.Rand, func(r *rand.Rand) { params = GenParams(r) })
	simState.GenState[types.ModuleName] = simState.Cdc.MustMarshalJSON(&types.GenesisState{Params: params, NextGpuId: 1, NextOfferId: 1, NextLeaseId: 1, NextChallengeId: 1, NextOrderId: 1})
}
