package keeper

import (
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	storetypes "cosmossdk.io/core/store"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// Keeper owns the x/oracle state.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	consCodec    address.Codec
	// authority may update params; by default the gov module account.
	authority string
	staking   types.StakingKeeper
	slashing  types.SlashingKeeper
	// rewards pays validators for valid reports.
	rewards types.RewardsKeeper
	// hooks is shared by every copy of the keeper: the modules that open tasks are built
	// after x/oracle, and depinject hands over their hooks once they are (see SetHooks).
	hooks map[types.TaskKind]types.TaskHooks

	Schema     collections.Schema
	Params     collections.Item[types.Params]
	Tasks      collections.Map[uint64, types.Task]
	NextTaskID collections.Sequence
	// OpenTasks holds the ids of open tasks: what sidecars poll and ExtendVote checks.
	OpenTasks collections.KeySet[uint64]
	// TaskDeadlines orders open tasks by deadline height for expiry.
	TaskDeadlines collections.KeySet[collections.Pair[int64, uint64]]
	// Performance counts each validator's reports, by consensus address.
	Performance collections.Map[[]byte, types.ValidatorPerformance]
	// TaskPruneQueue orders closed tasks by the height they are pruned at.
	TaskPruneQueue collections.KeySet[collections.Pair[int64, uint64]]
	// ValidatorSet is the last commit's validator set: what committees are drawn from.
	ValidatorSet collections.Item[types.ValidatorSet]
	// SeriesCommittees hold each series' (committer's) committee of its current epoch.
	SeriesCommittees collections.Map[collections.Pair[int32, string], types.SeriesCommittee]
}

// NewKeeper builds the keeper; it panics on a malformed authority or schema, which are wiring bugs.
func NewKeeper(
	cdc codec.BinaryCodec,
	addressCodec, consCodec address.Codec,
	storeService storetypes.KVStoreService,
	staking types.StakingKeeper,
	slashing types.SlashingKeeper,
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
		consCodec:    consCodec,
		authority:    authority,
		staking:      staking,
		slashing:     slashing,
		rewards:      rewards,
		hooks:        map[types.TaskKind]types.TaskHooks{},
		Params:       collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Tasks:        collections.NewMap(sb, types.TasksKey, "tasks", collections.Uint64Key, codec.CollValue[types.Task](cdc)),
		NextTaskID:   collections.NewSequence(sb, types.NextTaskIDKey, "next_task_id"),
		OpenTasks:    collections.NewKeySet(sb, types.OpenTasksKey, "open_tasks", collections.Uint64Key),
		TaskDeadlines: collections.NewKeySet(sb, types.TaskDeadlinesKey, "task_deadlines",
			collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		Performance: collections.NewMap(sb, types.PerformanceKey, "performance", collections.BytesKey,
			codec.CollValue[types.ValidatorPerformance](cdc)),
		TaskPruneQueue: collections.NewKeySet(sb, types.TaskPruneKey, "task_prune_queue",
			collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		ValidatorSet: collections.NewItem(sb, types.ValidatorSetKey, "validator_set", codec.CollValue[types.ValidatorSet](cdc)),
		SeriesCommittees: collections.NewMap(sb, types.SeriesCommitteesKey, "series_committees",
			collections.PairKeyCodec(collections.Int32Key, collections.StringKey), codec.CollValue[types.SeriesCommittee](cdc)),
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

// SetHooks registers the module that receives the results of a task kind. x/oracle's
// depinject invoker calls it once per kind while the app is built, before any block.
func (k Keeper) SetHooks(kind types.TaskKind, hooks types.TaskHooks) {
	if _, taken := k.hooks[kind]; taken {
		panic(fmt.Sprintf("x/oracle: hooks for %s registered twice", kind))
	}
	k.hooks[kind] = hooks
}

// MissingHooks lists the task kinds no module has registered hooks for.
func (k Keeper) MissingHooks() []types.TaskKind {
	var missing []types.TaskKind
	for _, kind := range types.TaskKinds() {
		if _, ok := k.hooks[kind]; !ok {
			missing = append(missing, kind)
		}
	}
	return missing
}

// StakingKeeper returns the staking keeper, which the ABCI handlers use to check vote-extension signatures.
func (k Keeper) StakingKeeper() types.StakingKeeper { return k.staking }

// ConsensusAddressCodec encodes validators' consensus addresses (bech32 valcons).
func (k Keeper) ConsensusAddressCodec() address.Codec { return k.consCodec }
