package keeper_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	"github.com/thalamus-network/thalamus/x/sensors"
	"github.com/thalamus-network/thalamus/x/sensors/keeper"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

type fixture struct {
	keepertest.Fixture
	keeper  keeper.Keeper
	oracle  *fakeOracle
	rewards *recordingRewards
}

// newKeeper builds a keeper over f's store with a fake oracle and rewards module.
func newKeeper(f keepertest.Fixture) (keeper.Keeper, *fakeOracle, *recordingRewards) {
	oracle, rewards := &fakeOracle{}, &recordingRewards{}
	return keeper.NewKeeper(f.Codec, f.AddressCodec, f.StoreService, f.TransientService, oracle, rewards, f.Authority), oracle, rewards
}

// newFixture returns a keeper over a fresh store, initialised with the default genesis.
func newFixture(tb testing.TB) fixture {
	tb.Helper()
	return fixtureOn(tb, keepertest.NewFixture(tb, types.StoreKey, sensors.AppModule{}))
}

// fixtureOn builds the keeper and its fakes over f's store, initialised with the default genesis.
func fixtureOn(tb testing.TB, f keepertest.Fixture) fixture {
	tb.Helper()
	k, oracle, rewards := newKeeper(f)
	require.NoError(tb, k.InitGenesis(f.Ctx, types.DefaultGenesisState()))
	return fixture{Fixture: f, keeper: k, oracle: oracle, rewards: rewards}
}

func TestNewKeeperRejectsBadAuthority(t *testing.T) {
	f := keepertest.NewFixture(t, types.StoreKey, sensors.AppModule{})
	require.Panics(t, func() {
		keeper.NewKeeper(f.Codec, f.AddressCodec, f.StoreService, f.TransientService, &fakeOracle{}, &recordingRewards{}, "cosmos1notours")
	})
}

// fakeOracle stands in for x/oracle: it records the tasks opened, as
// "kind series@epoch device/seq,device/seq".
type fakeOracle struct{ opened []string }

func (o *fakeOracle) OpenSeriesTask(_ context.Context, kind oracletypes.TaskKind, _, series string, epoch uint64, items []oracletypes.TaskItem) (uint64, error) {
	batches := make([]string, len(items))
	for i, item := range items {
		batches[i] = fmt.Sprintf("%d/%d", item.SubjectId, item.SubjectSeq)
	}
	o.opened = append(o.opened, fmt.Sprintf("%s %s@%d %s", kind, series, epoch, strings.Join(batches, ",")))
	return uint64(len(o.opened)), nil
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
