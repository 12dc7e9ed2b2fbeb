package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the x/rewards module; its account mints the emission.
	ModuleName = "rewards"
	// StoreKey is the store key of the x/rewards module.
	StoreKey = ModuleName
)

// Store prefixes; never reuse a retired prefix.
var (
	ParamsKey       = collections.NewPrefix(0)
	CurrentEpochKey = collections.NewPrefix(1)
	EpochsKey       = collections.NewPrefix(2)
	AccrualsKey     = collections.NewPrefix(3)
	WorkItemsKey    = collections.NewPrefix(4)
	UnclaimedKey    = collections.NewPrefix(5)
	OutstandingKey  = collections.NewPrefix(6)
	TotalMintedKey  = collections.NewPrefix(7)
)

// MaxScheduleEpochs bounds the schedule query.
const MaxScheduleEpochs = 1000

// Pools are the emission pools paid by work, in the order epochs and accruals list them.
var Pools = []Pool{POOL_COMPUTE, POOL_SENSORS, POOL_VALIDATORS}

// PoolIndex is a pool's position in Pools, or -1.
func PoolIndex(p Pool) int {
	for i, q := range Pools {
		if q == p {
			return i
		}
	}
	return -1
}
