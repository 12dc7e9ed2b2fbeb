package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the x/compute module; its module account holds all collateral.
	ModuleName = "compute"
	// StoreKey is the store key of the x/compute module.
	StoreKey = ModuleName
)

// Store prefixes; never reuse a retired prefix.
var (
	ParamsKey           = collections.NewPrefix(0)
	ProvidersKey        = collections.NewPrefix(1)
	UnbondingQueueKey   = collections.NewPrefix(2)
	GPUsKey             = collections.NewPrefix(3)
	GPUsByUUIDKey       = collections.NewPrefix(4)
	GPUsByProviderKey   = collections.NewPrefix(5)
	GPUsByClassKey      = collections.NewPrefix(6)
	GPUsByStatusKey     = collections.NewPrefix(7)
	NextGPUIDKey        = collections.NewPrefix(8)
	OffersKey           = collections.NewPrefix(9)
	OffersByProviderKey = collections.NewPrefix(10)
	OffersByPriceKey    = collections.NewPrefix(11)
	NextOfferIDKey      = collections.NewPrefix(12)
	LeasesKey           = collections.NewPrefix(13)
	LeasesByTenantKey   = collections.NewPrefix(14)
	LeasesByProviderKey = collections.NewPrefix(15)
	LeasesByStateKey    = collections.NewPrefix(16)
	OpenLeasesKey       = collections.NewPrefix(17)
	LeaseQueueKey       = collections.NewPrefix(18)
	NextLeaseIDKey      = collections.NewPrefix(19)
	ChallengesKey       = collections.NewPrefix(20)
	ChallengeSchedKey   = collections.NewPrefix(21)
	ChallengeDueKey     = collections.NewPrefix(22)
	ChallengesByProvKey = collections.NewPrefix(23)
	NextChallengeIDKey  = collections.NewPrefix(24)
	PowEpochKey         = collections.NewPrefix(25)
	OpenChallengesKey   = collections.NewPrefix(26)
	GPUsLeasableKey     = collections.NewPrefix(27)
	OrdersKey           = collections.NewPrefix(28)
	OrderBookKey        = collections.NewPrefix(29)
	OrdersByStateKey    = collections.NewPrefix(30)
	OrderExpiryKey      = collections.NewPrefix(31)
	NextOrderIDKey      = collections.NewPrefix(32)
	MarketsKey          = collections.NewPrefix(33)
	MatchCursorsKey     = collections.NewPrefix(34)
)
