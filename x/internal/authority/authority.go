// Package authority is who may change a module's params: resolving the authority at wiring
// time and checking it when params are replaced.
package authority

import (
	"context"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	errorsmod "cosmossdk.io/errors"
	"github.com/cosmos/gogoproto/proto"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/thalamus-network/thalamus/x/internal/events"
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

// UpdateParams replaces a module's params on behalf of its authority: signer must be the
// authority (errSigner otherwise), value must validate, and event records the change.
func UpdateParams[P interface{ Validate() error }](ctx context.Context, codec address.Codec, authority, signer string,
	errSigner *errorsmod.Error, params collections.Item[P], value P, event proto.Message,
) error {
	if _, err := codec.StringToBytes(signer); err != nil {
		return errorsmod.Wrapf(errSigner, "invalid authority address %q: %s", signer, err)
	}
	if signer != authority {
		return errorsmod.Wrapf(errSigner, "expected %s, got %s", authority, signer)
	}
	if err := value.Validate(); err != nil {
		return err
	}
	if err := params.Set(ctx, value); err != nil {
		return err
	}
	return events.Emit(ctx, event)
}
