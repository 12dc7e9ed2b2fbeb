package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the x/compute module.
	ModuleName = "compute"
	// StoreKey is the store key of the x/compute module.
	StoreKey = ModuleName
)

// Store prefixes; never reuse a retired prefix.
var ParamsKey = collections.NewPrefix(0)
