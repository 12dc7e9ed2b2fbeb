package keeper

import (
	"context"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/internal/store"
	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// InitGenesis validates and writes the module's genesis state. A new chain starts epoch 0 at
// its first block; an exported one continues its current epoch where it was.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	cur := types.NewEpoch(0, max(sdk.UnwrapSDKContext(ctx).BlockHeight(), 1))
	if gs.CurrentEpoch != nil {
		cur = *gs.CurrentEpoch
	}
	if err := k.CurrentEpoch.Set(ctx, cur); err != nil {
		return err
	}
	for _, e := range gs.Epochs {
		if err := k.Epochs.Set(ctx, e.Number, e); err != nil {
			return err
		}
	}
	for _, a := range gs.Accruals {
		addr, err := k.addressCodec.StringToBytes(a.Address)
		if err != nil {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "accrual address %q: %s", a.Address, err)
		}
		if a.Epoch < cur.Number {
			if has, err := k.Epochs.Has(ctx, a.Epoch); err != nil || !has {
				return errorsmod.Wrapf(types.ErrInvalidGenesis, "accrual of %s in epoch %d, which is neither closed nor current", a.Address, a.Epoch)
			}
		}
		key := collections.Join(sdk.AccAddress(addr), a.Epoch)
		if err := k.Accruals.Set(ctx, key, a); err != nil {
			return err
		}
		if a.ClaimedHeight == 0 {
			if err := k.Unclaimed.Set(ctx, key); err != nil {
				return err
			}
		}
	}
	for _, w := range gs.WorkItems {
		addr, err := k.addressCodec.StringToBytes(w.Address)
		if err != nil {
			return errorsmod.Wrapf(types.ErrInvalidGenesis, "work item address %q: %s", w.Address, err)
		}
		if err := k.WorkItems.Set(ctx, collections.Join3(sdk.AccAddress(addr), w.Epoch, w.Source), w); err != nil {
			return err
		}
	}
	if err := k.Outstanding.Set(ctx, nonNil(gs.Outstanding)); err != nil {
		return err
	}
	return k.TotalMinted.Set(ctx, nonNil(gs.TotalMinted))
}

func nonNil(i math.Int) math.Int {
	if i.IsNil() {
		return math.ZeroInt()
	}
	return i
}

// ExportGenesis reads the module's state back into a genesis state.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := k.CurrentEpoch.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params, CurrentEpoch: &cur}
	if gs.Epochs, err = store.AllValues(ctx, k.Epochs); err != nil {
		return nil, err
	}
	if gs.Accruals, err = store.AllValues(ctx, k.Accruals); err != nil {
		return nil, err
	}
	if gs.WorkItems, err = store.AllValues(ctx, k.WorkItems); err != nil {
		return nil, err
	}
	if gs.Outstanding, err = k.Outstanding.Get(ctx); err != nil {
		return nil, err
	}
	if gs.TotalMinted, err = k.TotalMinted.Get(ctx); err != nil {
		return nil, err
	}
	return gs, nil
}

// PrepForZeroHeight moves the current epoch's start so that, on a new chain restarting at
// height 0 from this state, the epoch has as many blocks left as it has now. Closed epochs
// keep their heights: they are records of the old chain.
func (k Keeper) PrepForZeroHeight(ctx context.Context) error {
	cur, err := k.CurrentEpoch.Get(ctx)
	if err != nil {
		return err
	}
	cur.StartHeight -= sdk.UnwrapSDKContext(ctx).BlockHeight()
	return k.CurrentEpoch.Set(ctx, cur)
}
