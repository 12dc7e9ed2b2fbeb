package types

import errorsmod "cosmossdk.io/errors"

// x/sensors registered errors; codes are stable and never reused.
var (
	ErrInvalidSigner      = errorsmod.Register(ModuleName, 2, "expected module authority as signer")
	ErrInvalidParams      = errorsmod.Register(ModuleName, 3, "invalid params")
	ErrInvalidAddress     = errorsmod.Register(ModuleName, 4, "invalid address")
	ErrInvalidDevice      = errorsmod.Register(ModuleName, 5, "invalid device description")
	ErrInvalidPossession  = errorsmod.Register(ModuleName, 6, "device key did not sign the possession proof")
	ErrDuplicateDeviceKey = errorsmod.Register(ModuleName, 7, "device key already registered")
	ErrTooManyDevices     = errorsmod.Register(ModuleName, 8, "owner has the maximum number of devices")
	ErrDeviceNotFound     = errorsmod.Register(ModuleName, 9, "device not found")
	ErrNotDeviceOwner     = errorsmod.Register(ModuleName, 10, "signer does not own the device")
	ErrDeviceInactive     = errorsmod.Register(ModuleName, 11, "device is deactivated")
	ErrNoPendingTransfer  = errorsmod.Register(ModuleName, 12, "no transfer to this address is pending")
	ErrUnauthorizedCommit = errorsmod.Register(ModuleName, 13, "only the device owner or its gateway may commit")
	ErrBadBatchSequence   = errorsmod.Register(ModuleName, 14, "batch sequence must be one above the last")
	ErrInvalidBatch       = errorsmod.Register(ModuleName, 15, "invalid batch commitment")
	ErrBatchTooLarge      = errorsmod.Register(ModuleName, 16, "batch exceeds the size limits")
	ErrBatchTime          = errorsmod.Register(ModuleName, 17, "batch timestamps out of bounds")
	// 18 was ErrDuplicateRoot: roots are no longer indexed (validators refuse replayed
	// readings by their time bounds); the code stays retired.
	ErrBatchNotFound      = errorsmod.Register(ModuleName, 19, "batch not found")
	ErrBatchAlreadyScored = errorsmod.Register(ModuleName, 20, "batch already scored")
	ErrInvalidScore       = errorsmod.Register(ModuleName, 21, "invalid quality score")
	ErrForbiddenURI       = errorsmod.Register(ModuleName, 22, "batch URI names an address validators never fetch")
)
