package types

import errorsmod "cosmossdk.io/errors"

// x/compute registered errors; codes are stable and never reused.
var (
	ErrInvalidSigner          = errorsmod.Register(ModuleName, 2, "expected module authority as signer")
	ErrInvalidParams          = errorsmod.Register(ModuleName, 3, "invalid params")
	ErrInvalidAddress         = errorsmod.Register(ModuleName, 4, "invalid address")
	ErrProviderExists         = errorsmod.Register(ModuleName, 5, "provider already registered")
	ErrProviderNotFound       = errorsmod.Register(ModuleName, 6, "provider not found")
	ErrProviderUnbonding      = errorsmod.Register(ModuleName, 7, "provider is unbonding")
	ErrInvalidProviderInfo    = errorsmod.Register(ModuleName, 8, "invalid provider description")
	ErrInsufficientCollateral = errorsmod.Register(ModuleName, 9, "collateral below the minimum")
	ErrInvalidCoin            = errorsmod.Register(ModuleName, 10, "invalid coin amount or denom")
	ErrProviderHasLeases      = errorsmod.Register(ModuleName, 11, "provider has leased GPUs")
	ErrInvalidGPU             = errorsmod.Register(ModuleName, 12, "invalid GPU description")
	ErrUnknownGPUClass        = errorsmod.Register(ModuleName, 13, "GPU class not in the catalogue")
	ErrDuplicateGPU           = errorsmod.Register(ModuleName, 14, "GPU UUID already registered")
	ErrTooManyGPUs            = errorsmod.Register(ModuleName, 15, "provider has the maximum number of GPUs")
	ErrGPUNotFound            = errorsmod.Register(ModuleName, 16, "GPU not found")
	ErrNotGPUOwner            = errorsmod.Register(ModuleName, 17, "GPU belongs to another provider")
	ErrGPUNotRetirable        = errorsmod.Register(ModuleName, 18, "GPU cannot be retired in its status")
	ErrInvalidGenesis         = errorsmod.Register(ModuleName, 19, "invalid genesis state")
	ErrInvalidOffer           = errorsmod.Register(ModuleName, 20, "invalid offer terms")
	ErrOfferExists            = errorsmod.Register(ModuleName, 21, "provider already has an offer for this class")
	ErrOfferNotFound          = errorsmod.Register(ModuleName, 22, "offer not found")
	ErrNotOfferOwner          = errorsmod.Register(ModuleName, 23, "offer belongs to another provider")
	ErrNotEnoughGPUs          = errorsmod.Register(ModuleName, 24, "not enough available GPUs of the class")
)
