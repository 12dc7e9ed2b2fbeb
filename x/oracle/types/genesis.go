package types

import (
	errorsmod "cosmossdk.io/errors"
)

// DefaultGenesisState returns the genesis state with default params.
func DefaultGenesisState() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextTaskId: 1}
}

// Validate checks the genesis state for consistency.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	seen := make(map[uint64]bool, len(gs.Tasks))
	for _, t := range gs.Tasks {
		if err := t.Validate(); err != nil {
			return errorsmod.Wrap(ErrInvalidGenesis, err.Error())
		}
		if seen[t.Id] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "task %d listed twice", t.Id)
		}
		seen[t.Id] = true
		if t.Id >= gs.NextTaskId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "task %d is not below next_task_id %d", t.Id, gs.NextTaskId)
		}
	}
	if gs.NextTaskId == 0 {
		return errorsmod.Wrap(ErrInvalidGenesis, "next_task_id must be at least 1")
	}
	perf := map[string]bool{}
	for _, p := range gs.Performances {
		if p.ConsensusAddress == "" || perf[p.ConsensusAddress] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "performance address %q empty or listed twice", p.ConsensusAddress)
		}
		perf[p.ConsensusAddress] = true
	}
	type seriesKey struct {
		kind   TaskKind
		series string
	}
	series := map[seriesKey]bool{}
	for _, c := range gs.SeriesCommittees {
		if err := c.Validate(); err != nil {
			return err
		}
		key := seriesKey{c.Kind, c.Series}
		if series[key] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "two series committees for %s %q", c.Kind, c.Series)
		}
		series[key] = true
	}
	return gs.ValidatorSet.Validate()
}

// Validate checks a series committee's kind and series and that no member sits twice.
func (c SeriesCommittee) Validate() error {
	if !ValidKind(c.Kind) {
		return errorsmod.Wrapf(ErrInvalidGenesis, "series committee of unknown kind %s", c.Kind)
	}
	if c.Series == "" || len(c.Series) > MaxSeriesLength {
		return errorsmod.Wrapf(ErrInvalidGenesis, "series committee of %s: series must be 1-%d characters", c.Kind, MaxSeriesLength)
	}
	if m, ok := misSeated(c.Members); ok {
		return errorsmod.Wrapf(ErrInvalidGenesis, "series committee of %s %q: member %q empty or seated twice", c.Kind, c.Series, m)
	}
	return nil
}

// Validate checks that members are ordered by address, each once, with positive power.
func (vs ValidatorSet) Validate() error {
	for i, m := range vs.Members {
		if m.ConsensusAddress == "" || m.Power <= 0 {
			return errorsmod.Wrapf(ErrInvalidGenesis, "validator set member %q needs an address and a positive power", m.ConsensusAddress)
		}
		if i > 0 && m.ConsensusAddress <= vs.Members[i-1].ConsensusAddress {
			return errorsmod.Wrap(ErrInvalidGenesis, "validator set members must be in strictly increasing address order")
		}
	}
	return nil
}
