package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
)

// Bank stands in for x/bank and x/distribution's community pool: balances in memory, keyed
// by the address bytes; module accounts (the pool is the distribution module's) use their
// derived addresses.
type Bank struct {
	Balances map[string]sdk.Coins
}

// NewBank returns an empty bank.
func NewBank() *Bank { return &Bank{Balances: map[string]sdk.Coins{}} }

func (b *Bank) send(from, to sdk.AccAddress, amt sdk.Coins) error {
	have := b.Balances[string(from)]
	left, negative := have.SafeSub(amt...)
	if negative {
		return errorsmod.Wrapf(sdkerrors.ErrInsufficientFunds, "%s < %s", have, amt)
	}
	b.Balances[string(from)] = left
	b.Balances[string(to)] = b.Balances[string(to)].Add(amt...)
	return nil
}

// SendCoinsFromAccountToModule moves amt from an account to a module account.
func (b *Bank) SendCoinsFromAccountToModule(_ context.Context, from sdk.AccAddress, module string, amt sdk.Coins) error {
	return b.send(from, authtypes.NewModuleAddress(module), amt)
}

// SendCoinsFromModuleToAccount moves amt from a module account to an account.
func (b *Bank) SendCoinsFromModuleToAccount(_ context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error {
	return b.send(authtypes.NewModuleAddress(module), to, amt)
}

// FundCommunityPool moves amt to the distribution module account.
func (b *Bank) FundCommunityPool(_ context.Context, amt sdk.Coins, from sdk.AccAddress) error {
	return b.send(from, authtypes.NewModuleAddress(distrtypes.ModuleName), amt)
}

// GetBalance is an address's balance of denom.
func (b *Bank) GetBalance(_ context.Context, addr sdk.AccAddress, denom string) sdk.Coin {
	return sdk.NewCoin(denom, b.Balances[string(addr)].AmountOf(denom))
}
