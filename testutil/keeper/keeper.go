// Package keeper provides a fixture for module keeper unit tests: a fresh store, a context
// and codecs, with no app and no other module around.
package keeper

import (
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/core/address"
	"cosmossdk.io/core/store"
	"cosmossdk.io/log"
	cosmosstore "cosmossdk.io/store"
	"cosmossdk.io/store/metrics"
	storetypes "cosmossdk.io/store/types"

	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/runtime"
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
	// TransientService is the module's transient store, emptied at every commit.
	TransientService store.TransientStoreService
	Codec            codec.Codec
	AddressCodec     address.Codec
	Authority        string
	// Store is the committing store under Ctx; Commit it to measure reads as a node does
	// after a block, rather than through IAVL's unsaved-write overlay.
	Store storetypes.CommitMultiStore
}

// NewFixture creates a fixture for the module with the given store key and module basic.
func NewFixture(tb testing.TB, storeKey string, basic module.AppModuleBasic) Fixture {
	tb.Helper()
	return NewFixtureWithDB(tb, storeKey, basic, dbm.NewMemDB())
}

// NewFixtureOnDisk is NewFixture over a goleveldb database in a temporary directory, as a
// node keeps its state: for benchmarks whose state would not fit in memory twice (IAVL's
// nodes and an in-memory database's copy of them).
func NewFixtureOnDisk(tb testing.TB, storeKey string, basic module.AppModuleBasic) Fixture {
	tb.Helper()
	db, err := dbm.NewGoLevelDB("state", tb.TempDir(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return NewFixtureWithDB(tb, storeKey, basic, db)
}

// NewFixtureWithDB creates a fixture whose committing store keeps its state in db.
func NewFixtureWithDB(tb testing.TB, storeKey string, basic module.AppModuleBasic, db dbm.DB) Fixture {
	tb.Helper()
	key := storetypes.NewKVStoreKey(storeKey)
	cms := cosmosstore.NewCommitMultiStore(db, log.NewNopLogger(), metrics.NewNoOpMetrics())
	cms.MountStoreWithDB(key, storetypes.StoreTypeIAVL, db)
	transient := storetypes.NewTransientStoreKey("transient_" + storeKey)
	cms.MountStoreWithDB(transient, storetypes.StoreTypeTransient, db)
	if err := cms.LoadLatestVersion(); err != nil {
		tb.Fatal(err)
	}
	ctx := sdk.NewContext(cms, cmtproto.Header{Time: time.Now()}, false, log.NewNopLogger())
	encCfg := moduletestutil.MakeTestEncodingConfig(basic)
	addrCodec := addresscodec.NewBech32Codec(appconsts.AccountAddressPrefix)
	authority, err := addrCodec.BytesToString(authtypes.NewModuleAddress(govtypes.ModuleName))
	if err != nil {
		tb.Fatal(err)
	}
	return Fixture{
		Ctx:              ctx,
		StoreService:     runtime.NewKVStoreService(key),
		TransientService: runtime.NewTransientStoreService(transient),
		Codec:            encCfg.Codec,
		AddressCodec:     addrCodec,
		Authority:        authority,
		Store:            cms,
	}
}
