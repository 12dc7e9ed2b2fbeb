package keeper_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/oracle"
	"github.com/thalamus-network/thalamus/x/oracle/keeper"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

type fixture struct {
	keepertest.Fixture
	keeper   keeper.Keeper
	staking  *fakeStaking
	slashing *fakeSlashing
	rewards  *recordingRewards
}

var consCodec = addresscodec.NewBech32Codec("thalamusvalcons")

// newKeeper builds a keeper over f's store with fake staking, slashing and rewards keepers.
func newKeeper(f keepertest.Fixture) (keeper.Keeper, *fakeStaking, *fakeSlashing, *recordingRewards) {
	st, sl, rw := &fakeStaking{validators: map[string]stakingtypes.Validator{}}, &fakeSlashing{}, &recordingRewards{}
	return keeper.NewKeeper(f.Codec, f.AddressCodec, consCodec, f.StoreService, st, sl, rw, f.Authority), st, sl, rw
}

// newFixture returns a keeper over a fresh store, initialised with the default genesis.
func newFixture(tb testing.TB) fixture {
	tb.Helper()
	return fixtureOn(tb, keepertest.NewFixture(tb, types.StoreKey, oracle.AppModule{}))
}

// fixtureOn builds the keeper and its fakes over f's store, initialised with the default genesis.
func fixtureOn(tb testing.TB, f keepertest.Fixture) fixture {
	tb.Helper()
	k, st, sl, rw := newKeeper(f)
	require.NoError(tb, k.InitGenesis(f.Ctx, types.DefaultGenesisState()))
	return fixture{Fixture: f, keeper: k, staking: st, slashing: sl, rewards: rw}
}

func TestNewKeeperRejectsBadAuthority(t *testing.T) {
	f := keepertest.NewFixture(t, types.StoreKey, oracle.AppModule{})
	require.Panics(t, func() {
		keeper.NewKeeper(f.Codec, f.AddressCodec, consCodec, f.StoreService, &fakeStaking{}, &fakeSlashing{}, &recordingRewards{}, "cosmos1notours")
	})
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
	p.Quorum = math.LegacyNewDecWithPrec(75, 2)
	p.AcceptedModelHashes = []string{strings.Repeat("ab", 32)}
	return p
}

// invalidParams returns params that Validate rejects.
func invalidParams() types.Params {
	p := types.DefaultParams()
	p.Quorum = math.LegacyNewDecWithPrec(5, 1)
	return p
}
