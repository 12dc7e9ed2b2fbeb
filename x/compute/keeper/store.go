package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

// getter is what load needs from a collections Map or IndexedMap.
type getter[K, V any] interface {
	Get(ctx context.Context, key K) (V, error)
}

// load reads key, turning a missing key into the registered notFound error.
func load[K, V any](ctx context.Context, m getter[K, V], key K, notFound *errorsmod.Error) (V, error) {
	v, err := m.Get(ctx, key)
	if errors.Is(err, collections.ErrNotFound) {
		return v, errorsmod.Wrapf(notFound, "%v", key)
	}
	return v, err
}

// decodeAddress checks an address with the app's codec and returns it in canonical form.
func (k Keeper) decodeAddress(addr string) (sdk.AccAddress, string, error) {
	bz, err := k.addressCodec.StringToBytes(addr)
	if err != nil {
		return nil, "", errorsmod.Wrapf(types.ErrInvalidAddress, "%q: %s", addr, err)
	}
	canonical, err := k.addressCodec.BytesToString(bz)
	if err != nil {
		return nil, "", errorsmod.Wrapf(types.ErrInvalidAddress, "%q: %s", addr, err)
	}
	return bz, canonical, nil
}

// inCache runs fn in a cache context and writes it only on success; a failure is logged and
// left in its queue for the next block, never failing the block.
func (k Keeper) inCache(ctx context.Context, what string, id uint64, fn func(context.Context) error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	cacheCtx, write := sdkCtx.CacheContext()
	if err := fn(cacheCtx); err != nil {
		sdkCtx.Logger().Error(what+" failed; retrying next block", "id", id, "err", err)
		return
	}
	write()
}
