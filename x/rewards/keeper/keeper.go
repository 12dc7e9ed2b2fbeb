package keeper

import (
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	storetypes "cosmossdk.io/core/store"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// Keeper owns the x/rewards state: the emission schedule, the epochs' accumulators and every
// recipient's accruals.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	valCodec     address.Codec
	// authority may update params; by default the gov module account.
	authority string

	bankKeeper    types.BankKeeper
	distrKeeper   types.DistributionKeeper
	stakingKeeper types.StakingKeeper

	Schema collections.Schema
	Params collections.Item[types.Params]
	// CurrentEpoch accumulates the open epoch's work units.
	CurrentEpoch collections.Item[types.Epoch]
	// Epochs are the closed epochs, with the reward per unit of each pool.
	Epochs collections.Map[uint64, types.Epoch]
	// Accruals are each recipient's units per epoch; WorkItems the work behind them.
	Accruals  collections.Map[collections.Pair[sdk.AccAddress, uint64], types.Accrual]
	WorkItems collections.Map[collections.Triple[sdk.AccAddress, uint64, string], types.WorkItem]
	// Unclaimed indexes the accruals not claimed yet, so a claim reads only those.
	Unclaimed collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	// Outstanding is what closed epochs allocated to recipients and was not claimed.
	Outstanding collections.Item[math.Int]
	// TotalMinted is everything the module has minted.
	TotalMinted collections.Item[math.Int]
}

// NewKeeper builds the keeper; it panics on a malformed authority or schema, which are wiring bugs.
func NewKeeper(cdc codec.BinaryCodec, addressCodec, valCodec address.Codec, storeService storetypes.KVStoreService, authority string,
	bank types.BankKeeper, distr types.DistributionKeeper, staking types.StakingKeeper,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("invalid %s authority address %q: %w", types.ModuleName, authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	addrEpoch := collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)
	k := Keeper{
		cdc:           cdc,
		addressCodec:  addressCodec,
		valCodec:      valCodec,
		authority:     authority,
		bankKeeper:    bank,
		distrKeeper:   distr,
		stakingKeeper: staking,
		Params:        collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		CurrentEpoch:  collections.NewItem(sb, types.CurrentEpochKey, "current_epoch", codec.CollValue[types.Epoch](cdc)),
		Epochs:        collections.NewMap(sb, types.EpochsKey, "epochs", collections.Uint64Key, codec.CollValue[types.Epoch](cdc)),
		Accruals:      collections.NewMap(sb, types.AccrualsKey, "accruals", addrEpoch, codec.CollValue[types.Accrual](cdc)),
		WorkItems: collections.NewMap(sb, types.WorkItemsKey, "work_items",
			collections.TripleKeyCodec(sdk.AccAddressKey, collections.Uint64Key, collections.StringKey), codec.CollValue[types.WorkItem](cdc)),
		Unclaimed:   collections.NewKeySet(sb, types.UnclaimedKey, "unclaimed", addrEpoch),
		Outstanding: collections.NewItem(sb, types.OutstandingKey, "outstanding", sdk.IntValue),
		TotalMinted: collections.NewItem(sb, types.TotalMintedKey, "total_minted", sdk.IntValue),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// Authority returns the address allowed to update params.
func (k Keeper) Authority() string { return k.authority }
