package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the x/sensors module.
	ModuleName = "sensors"
	// StoreKey is the store key of the x/sensors module.
	StoreKey = ModuleName
)

// Store prefixes; never reuse a retired prefix.
var (
	ParamsKey         = collections.NewPrefix(0)
	DevicesKey        = collections.NewPrefix(1)
	DevicesByKeyKey   = collections.NewPrefix(2)
	DevicesByOwnerKey = collections.NewPrefix(3)
	DevicesByKindKey  = collections.NewPrefix(4)
	NextDeviceIDKey   = collections.NewPrefix(5)
	OwnerDeviceCounts = collections.NewPrefix(6)
	DeviceStatsKey    = collections.NewPrefix(7)
	BatchesKey        = collections.NewPrefix(8)
	// 9 held the batches-by-root index, dropped with replay protection moving to validators.
	// 10 held one retention-queue entry per batch; 11 holds one per committer and block.
	BatchPruneQueueKey = collections.NewPrefix(11)

	// In the transient store: the block's batches waiting for their oracle task.
	UnscoredKey      = collections.NewPrefix(0)
	UnscoredOrderKey = collections.NewPrefix(1)
)
