package app_test

import (
	"testing"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/thalamus-network/thalamus/app"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
)

// TestCheckInvariants: a running chain passes; coins pushed into the staking or the
// x/compute module account outside their accounting are each reported.
func TestCheckInvariants(t *testing.T) {
	a := newApp(t)
	genesis := genesisWithValidator(t, a)
	initChain(t, a, genesis)
	for h := int64(1); h <= 3; h++ {
		finalizeAndCommit(t, a, h)
	}
	ctx := a.NewUncachedContext(false, cmtproto.Header{Height: 4, ChainID: chainID})
	require.NoError(t, a.CheckInvariants(ctx))

	var rich sdk.AccAddress
	a.BankKeeper.IterateAllBalances(ctx, func(addr sdk.AccAddress, c sdk.Coin) bool {
		if c.Amount.GT(math.NewInt(1_000_000)) && a.AccountKeeper.GetAccount(ctx, addr).GetPubKey() == nil {
			if _, isModule := a.AccountKeeper.GetAccount(ctx, addr).(sdk.ModuleAccountI); !isModule {
				rich = addr
				return true
			}
		}
		return false
	})
	require.NotNil(t, rich)
	coins := sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 7))
	require.NoError(t, a.BankKeeper.SendCoins(ctx, rich, authtypes.NewModuleAddress(stakingtypes.BondedPoolName), coins))
	require.ErrorContains(t, a.CheckInvariants(ctx), "staking: bonded_tokens_pool holds")
	require.NoError(t, a.BankKeeper.SendCoins(ctx, rich, authtypes.NewModuleAddress(computetypes.ModuleName), coins))
	err := a.CheckInvariants(ctx)
	require.ErrorContains(t, err, "compute: x/compute module account holds")
	require.ErrorContains(t, err, "staking:")
}
