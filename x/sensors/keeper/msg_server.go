package keeper

import (
	"context"
	"encoding/hex"
	"net/url"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/pkg/egress"
	"github.com/thalamus-network/thalamus/x/internal/authority"
	"github.com/thalamus-network/thalamus/x/internal/events"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

type msgServer struct {
	Keeper
}

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the x/sensors MsgServer.
func NewMsgServerImpl(k Keeper) types.MsgServer {
	return msgServer{Keeper: k}
}

// UpdateParams replaces the params after checking the authority and the new values.
func (k msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	err := authority.UpdateParams(ctx, k.addressCodec, k.authority, msg.Authority, types.ErrInvalidSigner, k.Params, msg.Params,
		&types.EventParamsUpdated{Authority: msg.Authority, Params: msg.Params})
	if err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}

// RegisterDevice adds a device after its key proved possession for the owner on this chain.
func (k msgServer) RegisterDevice(ctx context.Context, msg *types.MsgRegisterDevice) (*types.MsgRegisterDeviceResponse, error) {
	owner, err := k.address(msg.Owner, "owner")
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := types.ValidateKind(msg.Kind); err != nil {
		return nil, err
	}
	if err := types.ValidateDescription(msg.Channels, msg.SamplingInterval, msg.Location, params.MaxChannelsPerDevice); err != nil {
		return nil, err
	}
	if err := k.checkGateway(msg.Gateway); err != nil {
		return nil, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if err := types.VerifyPossession(msg.PubKey, msg.PossessionSig, sdkCtx.ChainID(), msg.Owner); err != nil {
		return nil, err
	}
	if taken, err := k.DevicesByKey.Has(ctx, msg.PubKey); err != nil {
		return nil, err
	} else if taken {
		return nil, errorsmod.Wrapf(types.ErrDuplicateDeviceKey, "key %X", msg.PubKey)
	}
	if err := k.CheckDeviceRoom(ctx, owner); err != nil {
		return nil, err
	}
	id, err := k.NextDeviceID.Next(ctx)
	if err != nil {
		return nil, err
	}
	device := types.Device{
		Id:               id,
		Owner:            msg.Owner,
		PubKey:           msg.PubKey,
		Kind:             msg.Kind,
		Channels:         msg.Channels,
		SamplingInterval: msg.SamplingInterval,
		Location:         msg.Location,
		Gateway:          msg.Gateway,
		Status:           types.DEVICE_STATUS_ACTIVE,
		RegisteredHeight: sdkCtx.BlockHeight(),
	}
	if err := k.setDevice(ctx, nil, device); err != nil {
		return nil, err
	}
	if err := k.addOwnerDevices(ctx, owner, 1); err != nil {
		return nil, err
	}
	return &types.MsgRegisterDeviceResponse{DeviceId: id}, events.Emit(ctx, &types.EventDeviceRegistered{
		DeviceId: id, Owner: msg.Owner, Kind: msg.Kind, PubKey: hex.EncodeToString(msg.PubKey),
	})
}

// UpdateDevice replaces the channels, sampling interval, location and gateway of an active device.
func (k msgServer) UpdateDevice(ctx context.Context, msg *types.MsgUpdateDevice) (*types.MsgUpdateDeviceResponse, error) {
	device, err := k.ownedActiveDevice(ctx, msg.Owner, msg.DeviceId)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := types.ValidateDescription(msg.Channels, msg.SamplingInterval, msg.Location, params.MaxChannelsPerDevice); err != nil {
		return nil, err
	}
	if err := k.checkGateway(msg.Gateway); err != nil {
		return nil, err
	}
	prev := device
	device.Channels, device.SamplingInterval = msg.Channels, msg.SamplingInterval
	device.Location, device.Gateway = msg.Location, msg.Gateway
	if err := k.setDevice(ctx, &prev, device); err != nil {
		return nil, err
	}
	return &types.MsgUpdateDeviceResponse{}, events.Emit(ctx, &types.EventDeviceUpdated{DeviceId: device.Id, Gateway: device.Gateway})
}

// TransferDevice records an offer to a new owner (or withdraws it); nothing moves until they accept.
func (k msgServer) TransferDevice(ctx context.Context, msg *types.MsgTransferDevice) (*types.MsgTransferDeviceResponse, error) {
	device, err := k.ownedActiveDevice(ctx, msg.Owner, msg.DeviceId)
	if err != nil {
		return nil, err
	}
	if msg.NewOwner != "" {
		if _, err := k.address(msg.NewOwner, "new_owner"); err != nil {
			return nil, err
		}
		if msg.NewOwner == msg.Owner {
			return nil, errorsmod.Wrap(types.ErrInvalidAddress, "new_owner is already the owner")
		}
	}
	prev := device
	device.PendingOwner = msg.NewOwner
	if err := k.setDevice(ctx, &prev, device); err != nil {
		return nil, err
	}
	return &types.MsgTransferDeviceResponse{}, events.Emit(ctx, &types.EventDeviceTransferOffered{
		DeviceId: device.Id, Owner: msg.Owner, NewOwner: msg.NewOwner,
	})
}

// AcceptDeviceTransfer hands the device to the pending owner once the device key signs for them.
func (k msgServer) AcceptDeviceTransfer(ctx context.Context, msg *types.MsgAcceptDeviceTransfer) (*types.MsgAcceptDeviceTransferResponse, error) {
	newOwner, err := k.address(msg.NewOwner, "new_owner")
	if err != nil {
		return nil, err
	}
	device, err := k.GetDevice(ctx, msg.DeviceId)
	if err != nil {
		return nil, err
	}
	if device.Status != types.DEVICE_STATUS_ACTIVE {
		return nil, errorsmod.Wrapf(types.ErrDeviceInactive, "device %d", device.Id)
	}
	if device.PendingOwner == "" || device.PendingOwner != msg.NewOwner {
		return nil, errorsmod.Wrapf(types.ErrNoPendingTransfer, "device %d to %s", device.Id, msg.NewOwner)
	}
	if err := types.VerifyPossession(device.PubKey, msg.PossessionSig, sdk.UnwrapSDKContext(ctx).ChainID(), msg.NewOwner); err != nil {
		return nil, err
	}
	if err := k.CheckDeviceRoom(ctx, newOwner); err != nil {
		return nil, err
	}
	prevOwner, err := k.addressCodec.StringToBytes(device.Owner)
	if err != nil {
		return nil, err
	}
	prev := device
	device.Owner, device.PendingOwner = msg.NewOwner, ""
	if err := k.setDevice(ctx, &prev, device); err != nil {
		return nil, err
	}
	if err := k.addOwnerDevices(ctx, prevOwner, -1); err != nil {
		return nil, err
	}
	if err := k.addOwnerDevices(ctx, newOwner, 1); err != nil {
		return nil, err
	}
	return &types.MsgAcceptDeviceTransferResponse{}, events.Emit(ctx, &types.EventDeviceTransferred{
		DeviceId: device.Id, From: prev.Owner, To: device.Owner,
	})
}

// DeactivateDevice retires a device for good; its key stays taken and its records stay queryable.
func (k msgServer) DeactivateDevice(ctx context.Context, msg *types.MsgDeactivateDevice) (*types.MsgDeactivateDeviceResponse, error) {
	device, err := k.ownedActiveDevice(ctx, msg.Owner, msg.DeviceId)
	if err != nil {
		return nil, err
	}
	owner, err := k.addressCodec.StringToBytes(device.Owner)
	if err != nil {
		return nil, err
	}
	prev := device
	device.Status, device.PendingOwner = types.DEVICE_STATUS_DEACTIVATED, ""
	if err := k.setDevice(ctx, &prev, device); err != nil {
		return nil, err
	}
	if err := k.addOwnerDevices(ctx, owner, -1); err != nil {
		return nil, err
	}
	return &types.MsgDeactivateDeviceResponse{}, events.Emit(ctx, &types.EventDeviceDeactivated{DeviceId: device.Id, Owner: device.Owner})
}

// CommitBatch records a batch root after checking the committer, the sequence, the size limits
// and the time span against the block time and the device's previous batch, and charges gas
// for every reading it covers. Roots are not indexed: a batch committed again under a later
// sequence has later time bounds than its readings, and validators score it 0.
func (k msgServer) CommitBatch(ctx context.Context, msg *types.MsgCommitBatch) (*types.MsgCommitBatchResponse, error) {
	if _, err := k.address(msg.Committer, "committer"); err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkBatchShape(msg, params); err != nil {
		return nil, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	sdkCtx.GasMeter().ConsumeGas(uint64(msg.Count)*params.GasPerReading, "sensor readings")

	device, err := k.GetDevice(ctx, msg.DeviceId)
	if err != nil {
		return nil, err
	}
	if device.Status != types.DEVICE_STATUS_ACTIVE {
		return nil, errorsmod.Wrapf(types.ErrDeviceInactive, "device %d", device.Id)
	}
	if !device.CanCommit(msg.Committer) {
		return nil, errorsmod.Wrapf(types.ErrUnauthorizedCommit, "%s for device %d", msg.Committer, device.Id)
	}
	stats, err := k.stats(ctx, device.Id)
	if err != nil {
		return nil, err
	}
	if msg.Seq != stats.Batches+1 {
		return nil, errorsmod.Wrapf(types.ErrBadBatchSequence, "device %d expects batch %d, got %d", device.Id, stats.Batches+1, msg.Seq)
	}
	blockMs := sdkCtx.BlockTime().UnixMilli()
	switch {
	case msg.LastReadingMs > blockMs+params.MaxClockDrift.Milliseconds():
		return nil, errorsmod.Wrapf(types.ErrBatchTime, "last reading at %d ms is more than %s after the block time %d ms",
			msg.LastReadingMs, params.MaxClockDrift, blockMs)
	case msg.FirstReadingMs < blockMs-params.MaxBatchAge.Milliseconds():
		return nil, errorsmod.Wrapf(types.ErrBatchTime, "first reading at %d ms is more than %s before the block time %d ms",
			msg.FirstReadingMs, params.MaxBatchAge, blockMs)
	case stats.Batches > 0 && msg.FirstReadingMs <= stats.LastReadingMs:
		// Strictly after: validators refuse readings stamped outside their batch's bounds, so
		// no reading of an earlier batch can be committed again.
		return nil, errorsmod.Wrapf(types.ErrBatchTime, "first reading at %d ms is not after the previous batch's last reading at %d ms",
			msg.FirstReadingMs, stats.LastReadingMs)
	}

	key := collections.Join(msg.DeviceId, msg.Seq)
	batch := types.Batch{
		DeviceId: msg.DeviceId, Seq: msg.Seq, Root: msg.Root, Count: msg.Count,
		FirstReadingMs: msg.FirstReadingMs, LastReadingMs: msg.LastReadingMs, SizeBytes: msg.SizeBytes,
		Uri: msg.Uri, Committer: msg.Committer, CommittedHeight: sdkCtx.BlockHeight(), Status: types.BATCH_STATUS_PENDING,
	}
	if err := k.Batches.Set(ctx, key, batch); err != nil {
		return nil, err
	}
	if err := k.queueScoring(ctx, batch); err != nil {
		return nil, err
	}
	// The device's progress lives in its small stats record: the device itself is not rewritten.
	stats.Batches, stats.LastReadingMs = msg.Seq, msg.LastReadingMs
	stats.Readings += uint64(msg.Count)
	if err := k.Stats.Set(ctx, device.Id, stats); err != nil {
		return nil, err
	}
	return &types.MsgCommitBatchResponse{}, events.Emit(ctx, &types.EventBatchCommitted{
		DeviceId: msg.DeviceId, Seq: msg.Seq, Root: hex.EncodeToString(msg.Root), Count: msg.Count,
		Uri: msg.Uri, Committer: msg.Committer,
	})
}

// checkBatchShape checks what a commitment says about itself, before any state is read.
func checkBatchShape(msg *types.MsgCommitBatch, params types.Params) error {
	switch {
	case len(msg.Root) != 32:
		return errorsmod.Wrapf(types.ErrInvalidBatch, "root must be 32 bytes, got %d", len(msg.Root))
	case msg.Count == 0:
		return errorsmod.Wrap(types.ErrInvalidBatch, "a batch holds at least one reading")
	case msg.Count > params.MaxBatchReadings:
		return errorsmod.Wrapf(types.ErrBatchTooLarge, "%d readings, at most %d", msg.Count, params.MaxBatchReadings)
	case msg.SizeBytes < uint64(msg.Count):
		return errorsmod.Wrapf(types.ErrInvalidBatch, "size %d bytes cannot hold %d readings", msg.SizeBytes, msg.Count)
	case msg.SizeBytes > params.MaxBatchBytes:
		return errorsmod.Wrapf(types.ErrBatchTooLarge, "%d bytes, at most %d", msg.SizeBytes, params.MaxBatchBytes)
	case msg.FirstReadingMs <= 0 || msg.FirstReadingMs > msg.LastReadingMs:
		return errorsmod.Wrapf(types.ErrBatchTime, "need 0 < first_reading_ms <= last_reading_ms, got %d..%d", msg.FirstReadingMs, msg.LastReadingMs)
	case len(msg.Uri) == 0 || len(msg.Uri) > int(params.MaxUriLength):
		return errorsmod.Wrapf(types.ErrInvalidBatch, "uri must be 1-%d characters", params.MaxUriLength)
	}
	u, err := url.Parse(msg.Uri)
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "") {
		return errorsmod.Wrapf(types.ErrInvalidBatch, "uri %q is not an absolute URI", msg.Uri)
	}
	// Every validator's sidecar fetches this URI: never let it point them at themselves.
	if _, err := egress.CheckURI(msg.Uri, params.AllowPrivateUris); err != nil {
		return errorsmod.Wrapf(types.ErrForbiddenURI, "%s", err)
	}
	return nil
}

// ownedActiveDevice loads an active device and checks that signer owns it.
func (k msgServer) ownedActiveDevice(ctx context.Context, signer string, id uint64) (types.Device, error) {
	if _, err := k.address(signer, "owner"); err != nil {
		return types.Device{}, err
	}
	device, err := k.GetDevice(ctx, id)
	if err != nil {
		return device, err
	}
	if device.Owner != signer {
		return device, errorsmod.Wrapf(types.ErrNotDeviceOwner, "device %d belongs to %s", id, device.Owner)
	}
	if device.Status != types.DEVICE_STATUS_ACTIVE {
		return device, errorsmod.Wrapf(types.ErrDeviceInactive, "device %d", id)
	}
	return device, nil
}

// checkGateway accepts an empty gateway or a valid address.
func (k msgServer) checkGateway(gateway string) error {
	if gateway == "" {
		return nil
	}
	_, err := k.address(gateway, "gateway")
	return err
}

// address decodes a bech32 account address named field.
func (k Keeper) address(addr, field string) (sdk.AccAddress, error) {
	bz, err := k.addressCodec.StringToBytes(addr)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%s %q: %s", field, addr, err)
	}
	return bz, nil
}
