package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/sensors"
	"github.com/thalamus-network/thalamus/x/sensors/keeper"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

type fixture struct {
	keepertest.Fixture
	keeper keeper.Keeper
}

// newFixture returns a keeper over a fresh store, initialised with the default genesis.
func newFixture(tb testing.TB) fixture {
	tb.Helper()
	f := keepertest.NewFixture(tb, types.StoreKey, sensors.AppModule{})
	k := keeper.NewKeeper(f.Codec, f.AddressCodec, f.StoreService, f.Authority)
	require.NoError(tb, k.InitGenesis(f.Ctx, types.DefaultGenesisState()))
	return fixture{Fixture: f, keeper: k}
}

func TestNewKeeperRejectsBadAuthority(t *testing.T) {
	f := keepertest.NewFixture(t, types.StoreKey, sensors.AppModule{})
	require.Panics(t, func() { keeper.NewKeeper(f.Codec, f.AddressCodec, f.StoreService, "cosmos1notours") })
}

// eventTypes lists the event types emitted on ctx so far.
func eventTypes(ctx sdk.Context) []string {
	var out []string
	for _, e := range ctx.EventManager().Events() {
		out = append(out, e.Type)
	}
	return out
}

// changedParams returns valid params that differ from the defaults.
func changedParams() types.Params {
	p := types.DefaultParams()
	p.GasPerReading = 50
	p.MaxBatchReadings = 5_000
	return p
}

// invalidParams returns params that Validate rejects.
func invalidParams() types.Params {
	p := types.DefaultParams()
	p.GasPerReading = 0
	return p
}
