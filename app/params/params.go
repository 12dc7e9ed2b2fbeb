// Package params holds the chain-wide constants that modules, tests and tools share
// without importing the whole app.
package params

const (
	// AccountAddressPrefix is the bech32 prefix of account addresses.
	AccountAddressPrefix = "thalamus"
	// BondDenom is the staking, fee and payment denom (1 THAL = 10^6 uthal).
	BondDenom = "uthal"
)
