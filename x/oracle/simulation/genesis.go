package simulation

import (
	"math/rand"
	"time"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/types/module"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// GenParams draws valid random params so simulations explore more than the defaults.
func GenParams(r *rand.Rand) types.Params {
	p := types.DefaultParams()
	p.MaxTasksPerVoteExtension = uint32(1 + r.Intn(128))
	p.SidecarTimeoutMs = uint64(1 + r.Intn(2_000))
	p.Quorum = math.LegacyNewDecWithPrec(int64(501+r.Intn(500)), 3)
	p.ScoreDeviationBand = math.LegacyNewDecWithPrec(int64(r.Intn(50)), 2)
	p.MissWindowBlocks = uint64(1 + r.Intn(500))
	p.MinValidFraction = math.LegacyNewDecWithPrec(int64(r.Intn(100)), 2)
	p.SlashFraction = math.LegacyNewDecWithPrec(int64(r.Intn(100)), 4)
	p.JailDuration = time.Duration(1+r.Intn(3600)) * time.Second
	p.TaskDeadlineBlocks = uint64(1 + r.Intn(50))
	p.MaxTasksFinalizedPerBlock = uint32(1 + r.Intn(500))
	p.TaskRetentionBlocks = uint64(1 + r.Intn(10_000))
	p.CommitteeSize = uint32(r.Intn(8))
	p.MaxOverturnedFraction = math.LegacyNewDecWithPrec(int64(5+r.Intn(96)), 2)
	return p
}

// RandomizedGenState writes a random x/oracle genesis state into simState.
func RandomizedGenState(simState *module.SimulationState) {
	var params types.Params
	simState.AppParams.GetOrGenerate("oracle_params", &params, simState.Rand, func(r *rand.Rand) { params = GenParams(r) })
	simState.GenState[types.ModuleName] = simState.Cdc.MustMarshalJSON(&types.GenesisState{Params: params, NextTaskId: 1})
}
