// Package keeper holds the x/compute state machine, one domain per group of files, each
// with its message handlers:
//   - registry.go: providers (collateral, unbonding) and GPUs;
//   - market_offers.go, market_leases.go, market_settlement.go: offers, leases and their
//     matching, and the lazy settlement of escrow from a bounded queue;
//   - verification.go, verification_verdicts.go: proof-of-work challenges, SubmitWork, and
//     the validators' verdicts from x/oracle (scores, jailing, slashing, refunds, rewards).
package keeper

import (
	"fmt"

	"cosmossdk.io/collections"
	collcodec "cosmossdk.io/collections/codec"
	"cosmossdk.io/core/address"
	storetypes "cosmossdk.io/core/store"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/stableidx"
)

// GPUIndexes are the secondary lookups of the GPU registry.
type GPUIndexes struct {
	UUID     *stableidx.Unique[string, uint64, types.GPU]
	Provider *stableidx.Multi[sdk.AccAddress, uint64, types.GPU]
	Class    *stableidx.Multi[string, uint64, types.GPU]
	Status   *stableidx.Multi[int32, uint64, types.GPU]
	// Leasable orders each provider's GPUs of a class for leasing: available ones by rank
	// (highest score first, then lowest id), all others after them at unleasableRank. A
	// lease reads only the GPUs it takes, however many the provider has.
	Leasable *stableidx.Multi[collections.Triple[sdk.AccAddress, string, uint32], uint64, types.GPU]
}

// IndexesList implements collections.Indexes.
func (i GPUIndexes) IndexesList() []collections.Index[uint64, types.GPU] {
	return []collections.Index[uint64, types.GPU]{i.UUID, i.Provider, i.Class, i.Status, i.Leasable}
}

// unleasableRank sorts after every score in the Leasable index.
const unleasableRank = appconsts.MaxScore + 1

// leaseRank is a GPU's place in the Leasable index: appconsts.MaxScore - score when it can be
// leased now, unleasableRank otherwise.
func leaseRank(g types.GPU) uint32 {
	if g.Status != types.GPU_STATUS_AVAILABLE || g.Down {
		return unleasableRank
	}
	return appconsts.MaxScore - min(g.Score, appconsts.MaxScore)
}

func newGPUIndexes(sb *collections.SchemaBuilder, addressCodec address.Codec) GPUIndexes {
	return GPUIndexes{
		UUID: stableidx.NewUnique(sb, types.GPUsByUUIDKey, "gpus_by_uuid", collections.StringKey, collections.Uint64Key,
			func(_ uint64, g types.GPU) (string, error) { return g.Uuid, nil }),
		Provider: stableidx.NewMulti(sb, types.GPUsByProviderKey, "gpus_by_provider", sdk.AccAddressKey, collections.Uint64Key,
			func(_ uint64, g types.GPU) (sdk.AccAddress, error) { return addressCodec.StringToBytes(g.Provider) }),
		Class: stableidx.NewMulti(sb, types.GPUsByClassKey, "gpus_by_class", collections.StringKey, collections.Uint64Key,
			func(_ uint64, g types.GPU) (string, error) { return g.Class, nil }),
		Status: stableidx.NewMulti(sb, types.GPUsByStatusKey, "gpus_by_status", collections.Int32Key, collections.Uint64Key,
			func(_ uint64, g types.GPU) (int32, error) { return int32(g.Status), nil }),
		Leasable: stableidx.NewMulti(sb, types.GPUsLeasableKey, "gpus_leasable",
			collections.TripleKeyCodec(sdk.AccAddressKey, collections.StringKey, collections.Uint32Key), collections.Uint64Key,
			func(_ uint64, g types.GPU) (collections.Triple[sdk.AccAddress, string, uint32], error) {
				owner, err := addressCodec.StringToBytes(g.Provider)
				return collections.Join3(sdk.AccAddress(owner), g.Class, leaseRank(g)), err
			}),
	}
}

// OfferIndexes keep one offer per provider and class.
type OfferIndexes struct {
	ProviderClass *stableidx.Unique[collections.Pair[sdk.AccAddress, string], uint64, types.Offer]
}

// IndexesList implements collections.Indexes.
func (i OfferIndexes) IndexesList() []collections.Index[uint64, types.Offer] {
	return []collections.Index[uint64, types.Offer]{i.ProviderClass}
}

// PriceID orders offers of one class by price per GPU-hour, then id (oldest first).
type PriceID = collections.Pair[uint64, uint64]

// BidID orders a class's open orders: bidRank (highest bid first), then id (oldest first).
type BidID = collections.Pair[uint64, uint64]

// Keeper owns the x/compute state. All collateral sits in the x/compute module account.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	bankKeeper   types.BankKeeper
	distrKeeper  types.DistributionKeeper
	// oracle verifies submitted work; rewards pays for verified work.
	oracle  types.OracleKeeper
	rewards types.RewardsKeeper
	// authority may update params; by default the gov module account.
	authority string

	Schema    collections.Schema
	Params    collections.Item[types.Params]
	Providers collections.Map[sdk.AccAddress, types.Provider]
	// UnbondingQueue orders unbonding providers by completion height for EndBlock.
	UnbondingQueue collections.KeySet[collections.Pair[int64, sdk.AccAddress]]
	GPUs           *collections.IndexedMap[uint64, types.GPU, GPUIndexes]
	NextGPUID      collections.Sequence
	Offers         *collections.IndexedMap[uint64, types.Offer, OfferIndexes]
	// OffersByPrice orders open offers by (class, price per GPU-hour, id) for matching.
	OffersByPrice collections.KeySet[collections.Pair[string, PriceID]]
	NextOfferID   collections.Sequence
	Leases        collections.Map[uint64, types.Lease]
	// LeasesByTenant, LeasesByProvider and LeasesByState index every lease for paginated queries.
	LeasesByTenant   collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	LeasesByProvider collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	LeasesByState    collections.KeySet[collections.Pair[int32, uint64]]
	// OpenLeases indexes each provider's active and paused leases for withdraw-all.
	OpenLeases collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	// LeaseQueue orders open leases by next_event_height (dry, grace over, expiry) for EndBlock.
	LeaseQueue  collections.KeySet[collections.Pair[int64, uint64]]
	NextLeaseID collections.Sequence
	Challenges  collections.Map[uint64, types.Challenge]
	// ChallengeSchedule orders GPUs by the height of their next challenge.
	ChallengeSchedule collections.KeySet[collections.Pair[int64, uint64]]
	// ChallengeDeadlines orders open challenges by deadline, to find missed ones.
	ChallengeDeadlines collections.KeySet[collections.Pair[int64, uint64]]
	// ChallengesByProvider indexes every challenge by its provider.
	ChallengesByProvider collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	// OpenChallenges indexes each provider's open challenges, which its agent polls.
	OpenChallenges  collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	NextChallengeID collections.Sequence
	PowEpoch        collections.Item[types.PowEpoch]
	Orders          collections.Map[uint64, types.Order]
	// OrderBook orders each class's open orders for matching: highest bid first, then oldest.
	OrderBook collections.KeySet[collections.Pair[string, BidID]]
	// OrdersByState indexes every order for paginated queries.
	OrdersByState collections.KeySet[collections.Pair[int32, uint64]]
	// OrderExpiry orders open orders by expire_height for EndBlock.
	OrderExpiry collections.KeySet[collections.Pair[int64, uint64]]
	NextOrderID collections.Sequence
	// Markets holds each class's market data.
	Markets collections.Map[string, types.ClassMarket]
	// MatchCursors lists the classes whose supply grew while orders waited, each with the
	// OrderBook key EndBlock resumes matching from.
	MatchCursors collections.Map[string, BidID]
}

// NewKeeper builds the keeper; it panics on a malformed authority or schema, which are wiring bugs.
func NewKeeper(
	cdc codec.BinaryCodec,
	addressCodec address.Codec,
	storeService storetypes.KVStoreService,
	bankKeeper types.BankKeeper,
	distrKeeper types.DistributionKeeper,
	oracle types.OracleKeeper,
	rewards types.RewardsKeeper,
	authority string,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("invalid %s authority address %q: %w", types.ModuleName, authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc:          cdc,
		addressCodec: addressCodec,
		bankKeeper:   bankKeeper,
		distrKeeper:  distrKeeper,
		oracle:       oracle,
		rewards:      rewards,
		authority:    authority,
		Params:       collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Providers: collections.NewMap(sb, types.ProvidersKey, "providers", sdk.AccAddressKey,
			codec.CollValue[types.Provider](cdc)),
		UnbondingQueue: collections.NewKeySet(sb, types.UnbondingQueueKey, "unbonding_queue",
			collections.PairKeyCodec(collections.Int64Key, sdk.AccAddressKey)),
		GPUs: collections.NewIndexedMap(sb, types.GPUsKey, "gpus", collections.Uint64Key,
			codec.CollValue[types.GPU](cdc), newGPUIndexes(sb, addressCodec)),
		NextGPUID: collections.NewSequence(sb, types.NextGPUIDKey, "next_gpu_id"),
		Offers: collections.NewIndexedMap(sb, types.OffersKey, "offers", collections.Uint64Key,
			codec.CollValue[types.Offer](cdc), OfferIndexes{
				ProviderClass: stableidx.NewUnique(sb, types.OffersByProviderKey, "offers_by_provider_class",
					collections.PairKeyCodec(sdk.AccAddressKey, collections.StringKey), collections.Uint64Key,
					func(_ uint64, o types.Offer) (collections.Pair[sdk.AccAddress, string], error) {
						addr, err := addressCodec.StringToBytes(o.Provider)
						return collections.Join(sdk.AccAddress(addr), o.Class), err
					}),
			}),
		OffersByPrice: collections.NewKeySet(sb, types.OffersByPriceKey, "offers_by_price",
			collections.PairKeyCodec(collections.StringKey, collections.PairKeyCodec(collections.Uint64Key, collections.Uint64Key))),
		NextOfferID: collections.NewSequence(sb, types.NextOfferIDKey, "next_offer_id"),
		Leases:      collections.NewMap(sb, types.LeasesKey, "leases", collections.Uint64Key, codec.CollValue[types.Lease](cdc)),
		LeasesByTenant: collections.NewKeySet(sb, types.LeasesByTenantKey, "leases_by_tenant",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		LeasesByProvider: collections.NewKeySet(sb, types.LeasesByProviderKey, "leases_by_provider",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		LeasesByState: collections.NewKeySet(sb, types.LeasesByStateKey, "leases_by_state",
			collections.PairKeyCodec(collections.Int32Key, collections.Uint64Key)),
		OpenLeases: collections.NewKeySet(sb, types.OpenLeasesKey, "open_leases",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		LeaseQueue: collections.NewKeySet(sb, types.LeaseQueueKey, "lease_queue",
			collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		NextLeaseID: collections.NewSequence(sb, types.NextLeaseIDKey, "next_lease_id"),
		Challenges: collections.NewMap(sb, types.ChallengesKey, "challenges", collections.Uint64Key,
			codec.CollValue[types.Challenge](cdc)),
		ChallengeSchedule: collections.NewKeySet(sb, types.ChallengeSchedKey, "challenge_schedule",
			collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		ChallengeDeadlines: collections.NewKeySet(sb, types.ChallengeDueKey, "challenge_deadlines",
			collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		ChallengesByProvider: collections.NewKeySet(sb, types.ChallengesByProvKey, "challenges_by_provider",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		OpenChallenges: collections.NewKeySet(sb, types.OpenChallengesKey, "open_challenges",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		NextChallengeID: collections.NewSequence(sb, types.NextChallengeIDKey, "next_challenge_id"),
		PowEpoch:        collections.NewItem(sb, types.PowEpochKey, "pow_epoch", codec.CollValue[types.PowEpoch](cdc)),
		Orders:          collections.NewMap(sb, types.OrdersKey, "orders", collections.Uint64Key, codec.CollValue[types.Order](cdc)),
		OrderBook: collections.NewKeySet(sb, types.OrderBookKey, "order_book",
			collections.PairKeyCodec(collections.StringKey, collections.PairKeyCodec(collections.Uint64Key, collections.Uint64Key))),
		OrdersByState: collections.NewKeySet(sb, types.OrdersByStateKey, "orders_by_state",
			collections.PairKeyCodec(collections.Int32Key, collections.Uint64Key)),
		OrderExpiry: collections.NewKeySet(sb, types.OrderExpiryKey, "order_expiry",
			collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		NextOrderID: collections.NewSequence(sb, types.NextOrderIDKey, "next_order_id"),
		Markets: collections.NewMap(sb, types.MarketsKey, "markets", collections.StringKey,
			codec.CollValue[types.ClassMarket](cdc)),
		MatchCursors: collections.NewMap(sb, types.MatchCursorsKey, "match_cursors", collections.StringKey,
			collcodec.KeyToValueCodec(collections.PairKeyCodec(collections.Uint64Key, collections.Uint64Key))),
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
