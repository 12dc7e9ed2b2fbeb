package keeper_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec/address"
	sdk "github.com/cosmos/cosmos-sdk/types"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/compute"
	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
)

type fixture struct {
	keepertest.Fixture
	keeper  keeper.Keeper
	bank    *keepertest.Bank
	oracle  *fakeOracle
	rewards *recordingRewards
}

// newKeeper builds a keeper over f's store with fake bank, distribution, oracle and rewards
// keepers; the oracle accepts every preset.
func newKeeper(f keepertest.Fixture) (keeper.Keeper, *keepertest.Bank, *fakeOracle, *recordingRewards) {
	bank, oracle, rewards := keepertest.NewBank(), &fakeOracle{acceptAll: true}, &recordingRewards{}
	return keeper.NewKeeper(f.Codec, f.AddressCodec, f.StoreService, bank, bank, oracle, rewards, f.Authority), bank, oracle, rewards
}

// newFixture returns a keeper over a fresh store, initialised with the default genesis.
func newFixture(tb testing.TB) fixture {
	tb.Helper()
	return fixtureOn(tb, keepertest.NewFixture(tb, types.StoreKey, compute.AppModule{}))
}

// fixtureOn builds the keeper and its fakes over f's store, initialised with the default genesis.
func fixtureOn(tb testing.TB, f keepertest.Fixture) fixture {
	tb.Helper()
	k, bank, oracle, rewards := newKeeper(f)
	require.NoError(tb, k.InitGenesis(f.Ctx, types.DefaultGenesisState()))
	return fixture{Fixture: f, keeper: k, bank: bank, oracle: oracle, rewards: rewards}
}

func TestNewKeeperRejectsBadAuthority(t *testing.T) {
	f := keepertest.NewFixture(t, types.StoreKey, compute.AppModule{})
	require.Panics(t, func() {
		keeper.NewKeeper(f.Codec, f.AddressCodec, f.StoreService, keepertest.NewBank(), keepertest.NewBank(), &fakeOracle{}, &recordingRewards{}, "cosmos1notours")
	})
}

// fakeOracle accepts every preset (acceptAll) or only the listed ones, and records the
// challenges handed over for verification.
type fakeOracle struct {
	acceptAll bool
	presets   []string
	opened    []uint64
}

func (o *fakeOracle) OpenTask(_ context.Context, _ oracletypes.TaskKind, _ string, subject, _ uint64, _ []byte) (uint64, error) {
	o.opened = append(o.opened, subject)
	return uint64(len(o.opened)), nil
}

func (o *fakeOracle) PowPresetAccepted(_ context.Context, preset string) (bool, error) {
	return o.acceptAll || slices.Contains(o.presets, preset), nil
}

// recordingRewards records the compute work it is credited, providers in bech32.
type recordingRewards struct {
	credits []string
	epoch   uint64
}

func (r *recordingRewards) AddComputeWork(_ context.Context, provider sdk.AccAddress, gpu uint64, hours math.LegacyDec, score uint32, leased bool) error {
	addr, err := address.NewBech32Codec("thalamus").BytesToString(provider)
	r.credits = append(r.credits, fmt.Sprintf("%s:%d:%s:%d:%t", addr, gpu, hours, score, leased))
	return err
}

func (r *recordingRewards) EpochNumber(context.Context) (uint64, error) { return r.epoch, nil }

func (r *recordingRewards) ForfeitComputeWork(_ context.Context, provider sdk.AccAddress, gpu uint64, reason string) error {
	addr, err := address.NewBech32Codec("thalamus").BytesToString(provider)
	r.credits = append(r.credits, fmt.Sprintf("forfeit %s:%d:%s", addr, gpu, reason))
	return err
}

// testAddress derives a 20-byte account address from a short name.
func testAddress(name string) sdk.AccAddress {
	return sdk.AccAddress(fmt.Sprintf("%-20s", name)[:20])
}

// fund gives an address coins and returns its bech32 form.
func (f fixture) fund(t testing.TB, seed string, amt sdk.Coins) (sdk.AccAddress, string) {
	t.Helper()
	addr := testAddress(seed)
	f.bank.Balances[string(addr)] = f.bank.Balances[string(addr)].Add(amt...)
	s, err := f.AddressCodec.BytesToString(addr)
	require.NoError(t, err)
	return addr, s
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
	p.TakeRate = math.LegacyNewDecWithPrec(5, 2)
	p.GpuClasses = append(p.GpuClasses, "B200-SXM-192G")
	p.ClassPow = append(p.ClassPow, types.ClassPoW{Class: "B200-SXM-192G", Preset: "h200", ExpectedWinners: 200})
	return p
}

// invalidParams returns params that Validate rejects.
func invalidParams() types.Params {
	p := types.DefaultParams()
	p.TakeRate = math.LegacyOneDec()
	return p
}
