package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the x/rewards module.
	ModuleName = "rewards"
	// StoreKey is the store key of the x/rewards module.
	StoreKey = ModuleName
)

// Store prefixes; never reuse a retired prefix.
var ParamsKey = collections.NewPrefix(0)
