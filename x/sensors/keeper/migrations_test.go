package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/x/sensors/keeper"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// v1Params are params as a chain stored them before the committee issue: no scoring or
// committee epochs, no ZIP-215 height (decoded from those bytes, the fields are 0).
func v1Params() types.Params {
	p := types.DefaultParams()
	p.ScoringEpochBatches, p.CommitteeEpochBlocks, p.Zip215Height = 0, 0, 0
	p.MaxBatchReadings = 777 // set by the chain: kept
	return p
}

func TestMigrate1to2FillsCommitteeParamsAndStartsZIP215(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.keeper.Params.Set(f.Ctx, v1Params()))
	ctx := f.Ctx.WithBlockHeight(4242)
	require.NoError(t, keeper.NewMigrator(f.keeper).Migrate1to2(ctx))

	got, err := f.keeper.Params.Get(ctx)
	require.NoError(t, err)
	want := v1Params()
	want.ScoringEpochBatches = types.DefaultParams().ScoringEpochBatches
	want.CommitteeEpochBlocks = types.DefaultParams().CommitteeEpochBlocks
	want.Zip215Height = 4242 // batches committed from the upgrade on
	require.Equal(t, want, got)
	require.NoError(t, got.Validate())
}

func TestMigrate1to2KeepsParamsAlreadySet(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	p.ScoringEpochBatches, p.CommitteeEpochBlocks, p.Zip215Height = 4, 30, 99
	require.NoError(t, f.keeper.Params.Set(f.Ctx, p))
	require.NoError(t, keeper.NewMigrator(f.keeper).Migrate1to2(f.Ctx.WithBlockHeight(500)))
	got, err := f.keeper.Params.Get(f.Ctx)
	require.NoError(t, err)
	require.Equal(t, p, got)
}

func TestMigrate1to2RejectsInvalidParamsAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	bad := v1Params()
	bad.GasPerReading = 0 // no migration can repair this: the upgrade must fail, not store it
	require.NoError(t, f.keeper.Params.Set(f.Ctx, bad))
	require.ErrorIs(t, keeper.NewMigrator(f.keeper).Migrate1to2(f.Ctx.WithBlockHeight(10)), types.ErrInvalidParams)
	got, err := f.keeper.Params.Get(f.Ctx)
	require.NoError(t, err)
	require.Equal(t, bad, got)
}
