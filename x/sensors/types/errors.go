package types

import errorsmod "cosmossdk.io/errors"

// x/sensors registered errors; codes are stable and never reused.
var (
	ErrInvalidSigner = errorsmod.Register(ModuleName, 2, "expected module authority as signer")
	ErrInvalidParams = errorsmod.Register(ModuleName, 3, "invalid params")
)
