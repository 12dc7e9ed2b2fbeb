package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the x/oracle module.
	ModuleName = "oracle"
	// StoreKey is the store key of the x/oracle module.
	StoreKey = ModuleName
)

// Store prefixes; never reuse a retired prefix.
var (
	ParamsKey        = collections.NewPrefix(0)
	TasksKey         = collections.NewPrefix(1)
	NextTaskIDKey    = collections.NewPrefix(2)
	OpenTasksKey     = collections.NewPrefix(3)
	TaskDeadlinesKey = collections.NewPrefix(4)
	// 5 held the open task of each subject; the opening modules keep subjects unique.
	PerformanceKey      = collections.NewPrefix(6)
	TaskPruneKey        = collections.NewPrefix(7)
	ValidatorSetKey     = collections.NewPrefix(8)
	SeriesCommitteesKey = collections.NewPrefix(9)
)
