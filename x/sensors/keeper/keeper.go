package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	storetypes "cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// BatchKey names a batch by (device id, batch sequence).
type BatchKey = collections.Pair[uint64, uint64]

// Keeper owns the x/sensors state: the device registry and batch commitments. Raw readings
// never reach it; only Merkle roots and metadata do.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	// oracle scores committed batches; rewards pays for scored readings.
	oracle  types.OracleKeeper
	rewards types.RewardsKeeper
	// authority may update params; by default the gov module account.
	authority string

	Schema  collections.Schema
	Params  collections.Item[types.Params]
	Devices collections.Map[uint64, types.Device]
	// DevicesByKey keeps device keys unique chain-wide, deactivated devices included.
	DevicesByKey   collections.Map[[]byte, uint64]
	DevicesByOwner collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	DevicesByKind  collections.KeySet[collections.Pair[string, uint64]]
	// OwnerDeviceCounts counts each owner's active devices against max_devices_per_owner.
	OwnerDeviceCounts collections.Map[sdk.AccAddress, uint32]
	NextDeviceID      collections.Sequence
	Stats             collections.Map[uint64, types.DeviceStats]
	Batches           collections.Map[BatchKey, types.Batch]
	// PruneQueue orders batch records by the height their retention ends, a committer's
	// batches of one block (up to oracletypes.MaxTaskItems) in one entry: (height, committer, part).
	PruneQueue collections.Map[collections.Triple[int64, string, uint64], types.BatchRefs]
	// Unscored holds, in the transient store, the batches committed in this block by
	// (committer, order of commitment): EndBlock opens one oracle task per committer for them.
	Unscored collections.Map[collections.Pair[string, uint64], oracletypes.TaskItem]
	// unscoredOrder numbers the block's commitments (transient).
	unscoredOrder collections.Sequence
}

// NewKeeper builds the keeper; it panics on a malformed authority or schema, which are wiring bugs.
func NewKeeper(cdc codec.BinaryCodec, addressCodec address.Codec, storeService storetypes.KVStoreService,
	transientService storetypes.TransientStoreService, oracle types.OracleKeeper, rewards types.RewardsKeeper, authority string,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("invalid %s authority address %q: %w", types.ModuleName, authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	batchKey := collections.PairKeyCodec(collections.Uint64Key, collections.Uint64Key)
	k := Keeper{
		cdc:          cdc,
		addressCodec: addressCodec,
		oracle:       oracle,
		rewards:      rewards,
		authority:    authority,
		Params:       collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Devices: collections.NewMap(sb, types.DevicesKey, "devices", collections.Uint64Key,
			codec.CollValue[types.Device](cdc)),
		DevicesByKey: collections.NewMap(sb, types.DevicesByKeyKey, "devices_by_key", collections.BytesKey,
			collections.Uint64Value),
		DevicesByOwner: collections.NewKeySet(sb, types.DevicesByOwnerKey, "devices_by_owner",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key)),
		DevicesByKind: collections.NewKeySet(sb, types.DevicesByKindKey, "devices_by_kind",
			collections.PairKeyCodec(collections.StringKey, collections.Uint64Key)),
		OwnerDeviceCounts: collections.NewMap(sb, types.OwnerDeviceCounts, "owner_device_counts", sdk.AccAddressKey,
			collections.Uint32Value),
		NextDeviceID: collections.NewSequence(sb, types.NextDeviceIDKey, "next_device_id"),
		Stats: collections.NewMap(sb, types.DeviceStatsKey, "device_stats", collections.Uint64Key,
			codec.CollValue[types.DeviceStats](cdc)),
		Batches: collections.NewMap(sb, types.BatchesKey, "batches", batchKey, codec.CollValue[types.Batch](cdc)),
		PruneQueue: collections.NewMap(sb, types.BatchPruneQueueKey, "batch_prune_queue",
			collections.TripleKeyCodec(collections.Int64Key, collections.StringKey, collections.Uint64Key), codec.CollValue[types.BatchRefs](cdc)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	tb := collections.NewSchemaBuilderFromAccessor(transientService.OpenTransientStore)
	k.Unscored = collections.NewMap(tb, types.UnscoredKey, "unscored",
		collections.PairKeyCodec(collections.StringKey, collections.Uint64Key), codec.CollValue[oracletypes.TaskItem](cdc))
	k.unscoredOrder = collections.NewSequence(tb, types.UnscoredOrderKey, "unscored_order")
	if _, err := tb.Build(); err != nil {
		panic(err)
	}
	return k
}

// Authority returns the address allowed to update params.
func (k Keeper) Authority() string { return k.authority }

// GetDevice returns a device or ErrDeviceNotFound.
func (k Keeper) GetDevice(ctx context.Context, id uint64) (types.Device, error) {
	d, err := k.Devices.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return d, errorsmod.Wrapf(types.ErrDeviceNotFound, "device %d", id)
	}
	return d, err
}

// GetBatch returns a batch or ErrBatchNotFound.
func (k Keeper) GetBatch(ctx context.Context, deviceID, seq uint64) (types.Batch, error) {
	b, err := k.Batches.Get(ctx, collections.Join(deviceID, seq))
	if errors.Is(err, collections.ErrNotFound) {
		return b, errorsmod.Wrapf(types.ErrBatchNotFound, "batch %d of device %d", seq, deviceID)
	}
	return b, err
}

// stats returns a device's totals, zero before its first batch.
func (k Keeper) stats(ctx context.Context, id uint64) (types.DeviceStats, error) {
	s, err := k.Stats.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return types.DeviceStats{}, nil
	}
	return s, err
}

// setDevice stores a new or changed device and keeps the owner, kind and key indexes in step;
// prev is the stored version (nil for a new device).
func (k Keeper) setDevice(ctx context.Context, prev *types.Device, d types.Device) error {
	owner, err := k.addressCodec.StringToBytes(d.Owner)
	if err != nil {
		return err
	}
	if prev != nil && prev.Owner != d.Owner {
		prevOwner, err := k.addressCodec.StringToBytes(prev.Owner)
		if err != nil {
			return err
		}
		if err := k.DevicesByOwner.Remove(ctx, collections.Join(sdk.AccAddress(prevOwner), d.Id)); err != nil {
			return err
		}
	}
	if prev == nil {
		if err := k.DevicesByKind.Set(ctx, collections.Join(d.Kind, d.Id)); err != nil {
			return err
		}
		if err := k.DevicesByKey.Set(ctx, d.PubKey, d.Id); err != nil {
			return err
		}
	}
	// An unchanged index entry is not rewritten: IAVL would store it again as a new version.
	if prev == nil || prev.Owner != d.Owner {
		if err := k.DevicesByOwner.Set(ctx, collections.Join(sdk.AccAddress(owner), d.Id)); err != nil {
			return err
		}
	}
	return k.Devices.Set(ctx, d.Id, d)
}

// CheckDeviceRoom refuses an owner who already has max_devices_per_owner active devices.
func (k Keeper) CheckDeviceRoom(ctx context.Context, owner sdk.AccAddress) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	count, err := k.OwnerDeviceCounts.Get(ctx, owner)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	if count >= params.MaxDevicesPerOwner {
		name, _ := k.addressCodec.BytesToString(owner)
		return errorsmod.Wrapf(types.ErrTooManyDevices, "%s has %d active devices", name, count)
	}
	return nil
}

// addOwnerDevices moves an owner's active-device count by delta.
func (k Keeper) addOwnerDevices(ctx context.Context, owner sdk.AccAddress, delta int) error {
	n, err := k.OwnerDeviceCounts.Get(ctx, owner)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	next := int(n) + delta
	if next <= 0 {
		return k.OwnerDeviceCounts.Remove(ctx, owner)
	}
	return k.OwnerDeviceCounts.Set(ctx, owner, uint32(next))
}
