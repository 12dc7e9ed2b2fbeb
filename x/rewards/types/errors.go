package types

import errorsmod "cosmossdk.io/errors"

// x/rewards registered errors; codes are stable and never reused.
var (
	ErrInvalidSigner  = errorsmod.Register(ModuleName, 2, "expected module authority as signer")
	ErrInvalidParams  = errorsmod.Register(ModuleName, 3, "invalid params")
	ErrInvalidAddress = errorsmod.Register(ModuleName, 4, "invalid address")
	ErrNothingToClaim = errorsmod.Register(ModuleName, 5, "nothing to claim")
	ErrInvalidWork    = errorsmod.Register(ModuleName, 6, "invalid work")
	ErrInvalidGenesis = errorsmod.Register(ModuleName, 7, "invalid genesis")
)
