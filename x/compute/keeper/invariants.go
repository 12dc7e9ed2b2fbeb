package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

// EscrowInvariant checks that the module account holds exactly the providers' collateral
// (unbonding included) plus the escrow of every open lease.
func (k Keeper) EscrowInvariant(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	denom := params.MinProviderCollateral.Denom
	collateral, escrow := math.ZeroInt(), math.ZeroInt()
	if err := k.Providers.Walk(ctx, nil, func(_ sdk.AccAddress, p types.Provider) (bool, error) {
		if p.Collateral.Denom != denom {
			return true, fmt.Errorf("provider %s holds collateral in %s", p.Address, p.Collateral.Denom)
		}
		collateral = collateral.Add(p.Collateral.Amount)
		return false, nil
	}); err != nil {
		return err
	}
	if err := k.Leases.Walk(ctx, nil, func(id uint64, l types.Lease) (bool, error) {
		switch {
		case l.Escrow.Denom != denom || l.Escrow.IsNegative():
			return true, fmt.Errorf("lease %d holds escrow %s", id, l.Escrow)
		case l.State == types.LEASE_STATE_CLOSED && !l.Escrow.IsZero():
			return true, fmt.Errorf("closed lease %d still holds escrow %s", id, l.Escrow)
		case l.Due().IsNegative():
			return true, fmt.Errorf("lease %d paid %s, more than its %d billed blocks cost", id, l.Paid, l.BilledBlocks)
		}
		escrow = escrow.Add(l.Escrow.Amount)
		return false, nil
	}); err != nil {
		return err
	}
	held := k.bankKeeper.GetBalance(ctx, authtypes.NewModuleAddress(types.ModuleName), denom)
	if !held.Amount.Equal(collateral.Add(escrow)) {
		return fmt.Errorf("x/compute module account holds %s but providers bonded %s%s and leases escrow %s%s",
			held, collateral, denom, escrow, denom)
	}
	return nil
}
