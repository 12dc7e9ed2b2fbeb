package types

import sdk "github.com/cosmos/cosmos-sdk/types"

// SensorWork is one scored batch to credit: its readings at its score (0-10000) to the
// device's owner.
type SensorWork struct {
	Owner    sdk.AccAddress
	DeviceID uint64
	Readings uint64
	Score    uint32
}
