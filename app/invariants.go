package app

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
)

// CheckInvariants checks that no funds were created or lost: the bank supply equals the sum
// of all balances, the staking pools hold exactly the tokens of their validators and
// unbonding delegations, x/compute holds exactly the collateral and lease escrow, and
// x/rewards' emissions and claims add up. It returns every violation found.
// `thalamusd check-invariants` and the simulations run it.
func (a *App) CheckInvariants(ctx context.Context) error {
	return errors.Join(
		a.supplyInvariant(ctx),
		a.stakingPoolsInvariant(ctx),
		wrapInvariant("compute", a.ComputeKeeper.EscrowInvariant(ctx)),
		wrapInvariant("rewards", a.RewardsKeeper.Invariants(ctx)),
	)
}

func wrapInvariant(name string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// supplyInvariant: the recorded supply of every denom is the sum of the balances.
func (a *App) supplyInvariant(ctx context.Context) error {
	held := sdk.NewCoins()
	a.BankKeeper.IterateAllBalances(ctx, func(_ sdk.AccAddress, c sdk.Coin) bool {
		held = held.Add(c)
		return false
	})
	supply := sdk.NewCoins()
	a.BankKeeper.IterateTotalSupply(ctx, func(c sdk.Coin) bool {
		supply = supply.Add(c)
		return false
	})
	if !held.Equal(supply) {
		return fmt.Errorf("bank: balances sum to %s but the supply is %s", held, supply)
	}
	return nil
}

// stakingPoolsInvariant: the bonded pool holds the bonded validators' tokens; the not-bonded
// pool holds the other validators' tokens and the unbonding delegations' balances.
func (a *App) stakingPoolsInvariant(ctx context.Context) error {
	denom, err := a.StakingKeeper.BondDenom(ctx)
	if err != nil {
		return err
	}
	bonded, notBonded := math.ZeroInt(), math.ZeroInt()
	if err := a.StakingKeeper.IterateValidators(ctx, func(_ int64, v stakingtypes.ValidatorI) bool {
		if v.IsBonded() {
			bonded = bonded.Add(v.GetTokens())
		} else {
			notBonded = notBonded.Add(v.GetTokens())
		}
		return false
	}); err != nil {
		return err
	}
	if err := a.StakingKeeper.IterateUnbondingDelegations(ctx, func(_ int64, ubd stakingtypes.UnbondingDelegation) bool {
		for _, e := range ubd.Entries {
			notBonded = notBonded.Add(e.Balance)
		}
		return false
	}); err != nil {
		return err
	}
	var errs []error
	for _, pool := range []struct {
		name string
		want math.Int
	}{{stakingtypes.BondedPoolName, bonded}, {stakingtypes.NotBondedPoolName, notBonded}} {
		name, want := pool.name, pool.want
		held := a.BankKeeper.GetBalance(ctx, a.AccountKeeper.GetModuleAddress(name), denom)
		if !held.Amount.Equal(want) {
			errs = append(errs, fmt.Errorf("staking: %s holds %s but its validators and unbonding delegations account for %s%s", name, held, want, denom))
		}
	}
	return errors.Join(errs...)
}
