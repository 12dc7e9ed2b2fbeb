// Package keeper provides a fixture for module keeper unit tests: a fresh store, a context
// and codecs, with no app and no other module around.
package keeper

import (
	"testing"

	"cosmossdk.io/core/address"
	"cosmossdk.io/core/store"
	storetypes "cosmossdk.io/store/types"

	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
)

// Fixture holds what a keeper needs: a store service over a fresh in-memory store, a context
// on it, codecs, and the gov module address that the app uses as authority.
type Fixture struct {
	Ctx          sdk.Context
	StoreService store.KVStoreService
	Codec        codec.Codec
	AddressCodec address.Codec
	Authority    string
	// Store is the committing store under Ctx; Commit it to measure reads as a node does
	// after a block, rather than through IAVL's unsaved-write overlay.
	Store storetypes.CommitMultiStore
}

// NewFixture creates a fixture for the module with the given store key and module basic.
func NewFixture(tb testing.TB, storeKey string, basic module.AppModuleBasic) Fixture {
	tb.Helper()
	key := storetypes.NewKVStoreKey(storeKey)
	testCtx := testutil.DefaultContextWithDB(tb, key, storetypes.NewTransientStoreKey("transient_"+storeKey))
	encCfg := moduletestutil.MakeTestEncodingConfig(basic)
	addrCodec := addresscodec.NewBech32Codec(appconsts.AccountAddressPrefix)
	authority, err := addrCodec.BytesToString(authtypes.NewModuleAddress(govtypes.ModuleName))
	if err != nil {
		tb.Fatal(err)
	}
	return Fixture{
		Ctx:          testCtx.Ctx,
		StoreService: runtime.NewKVStoreService(key),
		Codec:        encCfg.Codec,
		AddressCodec: addrCodec,
		Authority:    authority,
		Store:        testCtx.CMS,
	}
}
