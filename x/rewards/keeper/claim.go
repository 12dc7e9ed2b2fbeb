package keeper

import (
	"context"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/internal/events"
	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// closedUnclaimed lists the address's unclaimed accruals of closed epochs, oldest first.
func (k Keeper) closedUnclaimed(ctx context.Context, addr sdk.AccAddress) ([]types.Accrual, uint64, error) {
	cur, err := k.CurrentEpoch.Get(ctx)
	if err != nil {
		return nil, 0, err
	}
	var out []types.Accrual
	rng := collections.NewPrefixedPairRange[sdk.AccAddress, uint64](addr).EndExclusive(cur.Number)
	err = k.Unclaimed.Walk(ctx, rng, func(key collections.Pair[sdk.AccAddress, uint64]) (bool, error) {
		acc, err := k.Accruals.Get(ctx, key)
		if err != nil {
			return true, err
		}
		out = append(out, acc)
		return false, nil
	})
	return out, cur.Number, err
}

// earned is what an accrual of a closed epoch pays: its units at each pool's reward per unit.
func (k Keeper) earned(ctx context.Context, acc types.Accrual) (math.Int, []types.ReceiptPool, error) {
	epoch, err := k.Epochs.Get(ctx, acc.Epoch)
	if err != nil {
		return math.Int{}, nil, err
	}
	total := math.ZeroInt()
	lines := make([]types.ReceiptPool, len(types.Pools))
	for i, p := range epoch.Pools {
		amount := types.Payout(acc.Units[i], p.RewardPerUnit)
		lines[i] = types.ReceiptPool{Pool: p.Pool, Units: acc.Units[i], PoolUnits: p.Units, RewardPerUnit: p.RewardPerUnit, Amount: amount}
		total = total.Add(amount)
	}
	return total, lines, nil
}

// Claim pays the address everything its accruals of closed epochs earned and marks them
// claimed. Rewards never expire: an accrual stays claimable until it is claimed.
func (k Keeper) Claim(ctx context.Context, addr sdk.AccAddress) (sdk.Coin, []uint64, error) {
	denom, err := k.stakingKeeper.BondDenom(ctx)
	if err != nil {
		return sdk.Coin{}, nil, err
	}
	accruals, _, err := k.closedUnclaimed(ctx, addr)
	if err != nil {
		return sdk.Coin{}, nil, err
	}
	if len(accruals) == 0 {
		return sdk.Coin{}, nil, errorsmod.Wrap(types.ErrNothingToClaim, "no unclaimed work in a closed epoch")
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	total := math.ZeroInt()
	epochs := make([]uint64, len(accruals))
	for i, acc := range accruals {
		amount, _, err := k.earned(ctx, acc)
		if err != nil {
			return sdk.Coin{}, nil, err
		}
		acc.ClaimedHeight, acc.ClaimedAmount = height, amount
		key := collections.Join(addr, acc.Epoch)
		if err := k.Accruals.Set(ctx, key, acc); err != nil {
			return sdk.Coin{}, nil, err
		}
		if err := k.Unclaimed.Remove(ctx, key); err != nil {
			return sdk.Coin{}, nil, err
		}
		total = total.Add(amount)
		epochs[i] = acc.Epoch
	}
	paid := sdk.NewCoin(denom, total)
	if total.IsPositive() {
		if err := k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.ModuleName, addr, sdk.NewCoins(paid)); err != nil {
			return sdk.Coin{}, nil, err
		}
	}
	if err := addInt(ctx, k.Outstanding.Get, k.Outstanding.Set, total.Neg()); err != nil {
		return sdk.Coin{}, nil, err
	}
	claimant, err := k.addressCodec.BytesToString(addr)
	if err != nil {
		return sdk.Coin{}, nil, err
	}
	return paid, epochs, events.Emit(ctx, &types.EventRewardsClaimed{
		Claimant: claimant, Amount: paid, Epochs: epochs,
	})
}

// Receipt explains an accrual: its work items, and for a closed epoch each pool's reward per
// unit and the amount.
func (k Keeper) Receipt(ctx context.Context, addr sdk.AccAddress, acc types.Accrual) (types.Receipt, error) {
	r := types.Receipt{Address: acc.Address, Epoch: acc.Epoch, ClaimedHeight: acc.ClaimedHeight, Amount: math.ZeroInt()}
	rng := collections.NewSuperPrefixedTripleRange[sdk.AccAddress, uint64, string](addr, acc.Epoch)
	if err := k.WorkItems.Walk(ctx, rng, func(_ collections.Triple[sdk.AccAddress, uint64, string], w types.WorkItem) (bool, error) {
		r.Items = append(r.Items, w)
		return false, nil
	}); err != nil {
		return r, err
	}
	var lines []types.ReceiptPool
	has, err := k.Epochs.Has(ctx, acc.Epoch)
	if err != nil {
		return r, err
	}
	if has {
		r.Closed = true
		if r.Amount, lines, err = k.earned(ctx, acc); err != nil {
			return r, err
		}
	} else {
		cur, err := k.CurrentEpoch.Get(ctx)
		if err != nil {
			return r, err
		}
		for i, p := range cur.Pools {
			lines = append(lines, types.ReceiptPool{Pool: p.Pool, Units: acc.Units[i], PoolUnits: p.Units,
				RewardPerUnit: math.LegacyZeroDec(), Amount: math.ZeroInt()})
		}
	}
	// Only the pools the recipient worked for.
	for _, line := range lines {
		if slices.ContainsFunc(r.Items, func(w types.WorkItem) bool { return w.Pool == line.Pool }) {
			r.Pools = append(r.Pools, line)
		}
	}
	return r, nil
}
