// Package authority resolves the account allowed to change a module's params.
package authority

import (
	"cosmossdk.io/core/address"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
)

// Resolve returns the bech32 authority of a module: the module config's authority (a module
// name or an address) when set, else the gov module account. It panics on an address the
// codec cannot encode, which is a wiring bug.
func Resolve(configured string, codec address.Codec) string {
	addr := authtypes.NewModuleAddress(govtypes.ModuleName)
	if configured != "" {
		addr = authtypes.NewModuleAddressOrBech32Address(configured)
	}
	bech32, err := codec.BytesToString(addr)
	if err != nil {
		panic(err)
	}
	return bech32
}
