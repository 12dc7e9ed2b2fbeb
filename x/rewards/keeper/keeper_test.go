package keeper_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec/address"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/rewards"
	"github.com/thalamus-network/thalamus/x/rewards/keeper"
	"github.com/thalamus-network/thalamus/x/rewards/types"
)

const denom = "uthal"

type fixture struct {
	keepertest.Fixture
	keeper  keeper.Keeper
	bank    *fakeBank
	staking *fakeStaking
}

var valCodec = address.NewBech32Codec(appconsts.AccountAddressPrefix + "valoper")

// newFixture returns a keeper over a fresh store at height 1, initialised with the default
// genesis except for 10-block epochs, with 1,000,000,000 uthal already in circulation.
func newFixture(tb testing.TB) fixture {
	tb.Helper()
	return fixtureOn(tb, keepertest.NewFixture(tb, types.StoreKey, rewards.AppModule{}))
}

// fixtureOn builds the keeper and its fakes over f's store, initialised with the default genesis.
func fixtureOn(tb testing.TB, f keepertest.Fixture) fixture {
	tb.Helper()
	f.Ctx = f.Ctx.WithBlockHeight(1)
	bank := &fakeBank{balances: map[string]sdk.Coins{}, supply: math.NewInt(1_000_000_000)}
	staking := &fakeStaking{validators: map[string]stakingtypes.Validator{}}
	k := keeper.NewKeeper(f.Codec, f.AddressCodec, valCodec, f.StoreService, f.Authority, bank, bank, staking)
	gs := types.DefaultGenesisState()
	gs.Params.EpochBlocks = 10
	require.NoError(tb, k.InitGenesis(f.Ctx, gs))
	return fixture{Fixture: f, keeper: k, bank: bank, staking: staking}
}

func TestNewKeeperRejectsBadAuthority(t *testing.T) {
	f := keepertest.NewFixture(t, types.StoreKey, rewards.AppModule{})
	require.Panics(t, func() {
		keeper.NewKeeper(f.Codec, f.AddressCodec, valCodec, f.StoreService, "cosmos1notours", &fakeBank{}, &fakeBank{}, &fakeStaking{})
	})
}

// fakeBank keeps balances and the supply in memory; module accounts use their derived addresses.
type fakeBank struct {
	balances map[string]sdk.Coins
	supply   math.Int
	failMint bool
}

func (b *fakeBank) MintCoins(_ context.Context, module string, amt sdk.Coins) error {
	if b.failMint {
		return fmt.Errorf("mint disabled")
	}
	addr := authtypes.NewModuleAddress(module)
	b.balances[string(addr)] = b.balances[string(addr)].Add(amt...)
	b.supply = b.supply.Add(amt.AmountOf(denom))
	return nil
}

func (b *fakeBank) send(from, to sdk.AccAddress, amt sdk.Coins) error {
	have := b.balances[string(from)]
	left, negative := have.SafeSub(amt...)
	if negative {
		return errorsmod.Wrapf(sdkerrors.ErrInsufficientFunds, "%s < %s", have, amt)
	}
	b.balances[string(from)] = left
	b.balances[string(to)] = b.balances[string(to)].Add(amt...)
	return nil
}

func (b *fakeBank) SendCoinsFromModuleToAccount(_ context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error {
	return b.send(authtypes.NewModuleAddress(module), to, amt)
}

func (b *fakeBank) GetSupply(_ context.Context, d string) sdk.Coin { return sdk.NewCoin(d, b.supply) }

func (b *fakeBank) GetBalance(_ context.Context, addr sdk.AccAddress, d string) sdk.Coin {
	return sdk.NewCoin(d, b.balances[string(addr)].AmountOf(d))
}

// FundCommunityPool stands in for x/distribution: the pool is the distribution module account.
func (b *fakeBank) FundCommunityPool(_ context.Context, amt sdk.Coins, from sdk.AccAddress) error {
	return b.send(from, authtypes.NewModuleAddress(distrtypes.ModuleName), amt)
}

func (b *fakeBank) balance(addr sdk.AccAddress) math.Int {
	return b.balances[string(addr)].AmountOf(denom)
}

func (b *fakeBank) communityPool() math.Int {
	return b.balance(authtypes.NewModuleAddress(distrtypes.ModuleName))
}

// fakeStaking knows validators by consensus address.
type fakeStaking struct {
	validators map[string]stakingtypes.Validator
}

func (*fakeStaking) BondDenom(context.Context) (string, error) { return denom, nil }

func (s *fakeStaking) GetValidatorByConsAddr(_ context.Context, addr sdk.ConsAddress) (stakingtypes.Validator, error) {
	v, ok := s.validators[string(addr)]
	if !ok {
		return v, stakingtypes.ErrNoValidatorFound
	}
	return v, nil
}

// addValidator registers a validator and returns its consensus address and operator account.
func (f fixture) addValidator(t testing.TB, name string) (sdk.ConsAddress, sdk.AccAddress) {
	t.Helper()
	operator := testAddress("op-" + name)
	valoper, err := valCodec.BytesToString(operator)
	require.NoError(t, err)
	cons := sdk.ConsAddress(testAddress("cons-" + name))
	f.staking.validators[string(cons)] = stakingtypes.Validator{OperatorAddress: valoper}
	return cons, operator
}

// testAddress derives a 20-byte account address from a short name.
func testAddress(name string) sdk.AccAddress {
	return sdk.AccAddress(fmt.Sprintf("%-20s", name)[:20])
}

func (f fixture) bech32(t testing.TB, addr sdk.AccAddress) string {
	t.Helper()
	s, err := f.AddressCodec.BytesToString(addr)
	require.NoError(t, err)
	return s
}

// endEpoch runs EndBlock up to and including the current epoch's last block, and moves the
// context to the first block of the next epoch.
func (f *fixture) endEpoch(t testing.TB) types.Epoch {
	t.Helper()
	cur, err := f.keeper.CurrentEpoch.Get(f.Ctx)
	require.NoError(t, err)
	p, err := f.keeper.Params.Get(f.Ctx)
	require.NoError(t, err)
	for h := f.Ctx.BlockHeight(); h <= cur.StartHeight+int64(p.EpochBlocks)-1; h++ {
		f.Ctx = f.Ctx.WithBlockHeight(h)
		require.NoError(t, f.keeper.EndBlock(f.Ctx))
	}
	f.Ctx = f.Ctx.WithBlockHeight(f.Ctx.BlockHeight() + 1)
	closed, err := f.keeper.Epochs.Get(f.Ctx, cur.Number)
	require.NoError(t, err)
	return closed
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
	p.ComputeShare = math.LegacyNewDecWithPrec(50, 2)
	p.SensorShare = math.LegacyNewDecWithPrec(25, 2)
	return p
}

// invalidParams returns params that Validate rejects.
func invalidParams() types.Params {
	p := types.DefaultParams()
	p.ComputeShare = math.LegacyNewDecWithPrec(50, 2)
	return p
}

func dec(s string) math.LegacyDec { return math.LegacyMustNewDecFromStr(s) }

func collectionsKey(addr sdk.AccAddress, epoch uint64) collections.Pair[sdk.AccAddress, uint64] {
	return collections.Join(addr, epoch)
}
