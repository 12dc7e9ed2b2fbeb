package types

// DefaultGenesisState returns the genesis state with default params.
func DefaultGenesisState() *GenesisState {
	return &GenesisState{Params: DefaultParams()}
}

// Validate checks the genesis state for consistency.
func (gs GenesisState) Validate() error {
	return gs.Params.Validate()
}
