package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/math"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// Invariants checks the module's accounting: every closed epoch split exactly its emission,
// the epochs' emissions sum to total_minted, no minting epoch left the supply above the cap,
// and the module account holds at least every unclaimed reward.
func (k Keeper) Invariants(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	minted := math.ZeroInt()
	if err := k.Epochs.Walk(ctx, nil, func(n uint64, e types.Epoch) (bool, error) {
		sum := e.Community
		for _, p := range e.Pools {
			sum = sum.Add(p.Amount)
		}
		if !sum.Equal(e.Emission) {
			return true, fmt.Errorf("epoch %d split %s of its %s emission", n, sum, e.Emission)
		}
		if e.Emission.IsPositive() && e.SupplyAfter.GT(params.SupplyCap) {
			return true, fmt.Errorf("epoch %d minted %s and left the supply at %s, above the cap %s", n, e.Emission, e.SupplyAfter, params.SupplyCap)
		}
		minted = minted.Add(e.Emission)
		return false, nil
	}); err != nil {
		return err
	}
	total, err := k.TotalMinted.Get(ctx)
	if err != nil {
		return err
	}
	if !total.Equal(minted) {
		return fmt.Errorf("total_minted is %s but the epochs minted %s", total, minted)
	}
	outstanding, err := k.Outstanding.Get(ctx)
	if err != nil {
		return err
	}
	if outstanding.IsNegative() {
		return fmt.Errorf("outstanding rewards are negative: %s", outstanding)
	}
	denom, err := k.stakingKeeper.BondDenom(ctx)
	if err != nil {
		return err
	}
	held := k.bankKeeper.GetBalance(ctx, authtypes.NewModuleAddress(types.ModuleName), denom)
	if held.Amount.LT(outstanding) {
		return fmt.Errorf("x/rewards holds %s but owes %s%s of unclaimed rewards", held, outstanding, denom)
	}
	return nil
}
