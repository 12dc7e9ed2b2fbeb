// Package appconsts holds the chain-wide constants that every layer shares: the address
// prefix, the bond denom and the score scale. It imports nothing, so the kernels in pkg/,
// the modules in x/ and the daemons in internal/ can all use it.
package appconsts

const (
	// AccountAddressPrefix is the bech32 prefix of account addresses.
	AccountAddressPrefix = "thalamus"
	// BondDenom is the staking, fee and payment denom (1 THAL = 10^6 uthal).
	BondDenom = "uthal"
	// MaxScore is the top of every score scale on chain (GPU scores, batch quality scores,
	// oracle results): 10000 means 1.0.
	MaxScore = 10_000
)
