package types

import (
	"fmt"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
)

// DefaultGenesisState returns the genesis state with default params and nothing minted.
func DefaultGenesisState() *GenesisState {
	return &GenesisState{Params: DefaultParams(), Outstanding: math.ZeroInt(), TotalMinted: math.ZeroInt()}
}

// Validate checks the genesis state for consistency: params in range, closed epochs before the
// current one, and every accrual equal to the sum of its work items. Addresses are checked
// with the chain's address codec in InitGenesis.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.Outstanding.IsNil() || gs.Outstanding.IsNegative() || gs.TotalMinted.IsNil() || gs.TotalMinted.IsNegative() {
		return errorsmod.Wrap(ErrInvalidGenesis, "outstanding and total_minted must be non-negative")
	}
	next := uint64(0)
	for i, e := range gs.Epochs {
		if i > 0 && e.Number != gs.Epochs[i-1].Number+1 {
			return errorsmod.Wrapf(ErrInvalidGenesis, "epochs must be consecutive, got %d after %d", e.Number, gs.Epochs[i-1].Number)
		}
		if e.EndHeight < e.StartHeight || e.EndHeight == 0 {
			return errorsmod.Wrapf(ErrInvalidGenesis, "closed epoch %d must end at or after its start", e.Number)
		}
		if err := e.validate(); err != nil {
			return err
		}
		next = e.Number + 1
	}
	if gs.CurrentEpoch == nil {
		if len(gs.Epochs) > 0 || len(gs.Accruals) > 0 || len(gs.WorkItems) > 0 {
			return errorsmod.Wrap(ErrInvalidGenesis, "closed epochs and accruals need a current epoch")
		}
		return nil
	}
	cur := *gs.CurrentEpoch
	if len(gs.Epochs) > 0 && cur.Number != next {
		return errorsmod.Wrapf(ErrInvalidGenesis, "current epoch must be %d, after the last closed one, got %d", next, cur.Number)
	}
	if cur.EndHeight != 0 {
		return errorsmod.Wrapf(ErrInvalidGenesis, "current epoch %d has an end height", cur.Number)
	}
	if err := cur.validate(); err != nil {
		return err
	}

	type key struct {
		addr  string
		epoch uint64
	}
	sums := map[key][]math.LegacyDec{}
	for _, a := range gs.Accruals {
		k := key{a.Address, a.Epoch}
		if _, dup := sums[k]; dup {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate accrual of %s in epoch %d", a.Address, a.Epoch)
		}
		if a.Epoch > cur.Number {
			return errorsmod.Wrapf(ErrInvalidGenesis, "accrual of %s in future epoch %d", a.Address, a.Epoch)
		}
		if len(a.Units) != len(Pools) || a.ClaimedAmount.IsNil() || a.ClaimedAmount.IsNegative() {
			return errorsmod.Wrapf(ErrInvalidGenesis, "accrual of %s in epoch %d needs %d pool units and a non-negative claimed amount", a.Address, a.Epoch, len(Pools))
		}
		if a.ClaimedHeight != 0 && a.Epoch == cur.Number {
			return errorsmod.Wrapf(ErrInvalidGenesis, "accrual of %s claimed in the current epoch", a.Address)
		}
		sums[k] = ZeroUnits()
	}
	seen := map[string]bool{}
	for _, w := range gs.WorkItems {
		id := fmt.Sprintf("%s/%d/%s", w.Address, w.Epoch, w.Source)
		if seen[id] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate work item %s", id)
		}
		seen[id] = true
		s, ok := sums[key{w.Address, w.Epoch}]
		i := PoolIndex(w.Pool)
		if !ok || i < 0 || w.Source == "" {
			return errorsmod.Wrapf(ErrInvalidGenesis, "work item %s has no accrual, no source or an unknown pool", id)
		}
		if w.Quantity.IsNil() || w.Quantity.IsNegative() || w.Units.IsNil() || w.Units.IsNegative() {
			return errorsmod.Wrapf(ErrInvalidGenesis, "work item %s has a negative quantity or units", id)
		}
		s[i] = s[i].Add(w.Units)
	}
	for _, a := range gs.Accruals {
		for i, u := range sums[key{a.Address, a.Epoch}] {
			if !a.Units[i].Equal(u) {
				return errorsmod.Wrapf(ErrInvalidGenesis, "accrual of %s in epoch %d has %s %s units but its work items %s",
					a.Address, a.Epoch, a.Units[i], Pools[i], u)
			}
		}
	}
	return nil
}

func (e Epoch) validate() error {
	if len(e.Pools) != len(Pools) {
		return errorsmod.Wrapf(ErrInvalidGenesis, "epoch %d needs %d pools", e.Number, len(Pools))
	}
	for i, p := range e.Pools {
		if p.Pool != Pools[i] || p.Units.IsNil() || p.Units.IsNegative() || p.Amount.IsNil() || p.Amount.IsNegative() ||
			p.RewardPerUnit.IsNil() || p.RewardPerUnit.IsNegative() || p.Share.IsNil() {
			return errorsmod.Wrapf(ErrInvalidGenesis, "epoch %d pool %d is malformed", e.Number, i)
		}
	}
	for _, d := range []math.LegacyDec{e.GpuHours, e.LeasedGpuHours, e.Utilization} {
		if d.IsNil() || d.IsNegative() {
			return errorsmod.Wrapf(ErrInvalidGenesis, "epoch %d has negative GPU hours or utilization", e.Number)
		}
	}
	for _, n := range []math.Int{e.Emission, e.Community, e.SupplyAfter} {
		if n.IsNil() || n.IsNegative() {
			return errorsmod.Wrapf(ErrInvalidGenesis, "epoch %d has a negative amount", e.Number)
		}
	}
	return nil
}
