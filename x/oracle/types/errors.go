package types

import errorsmod "cosmossdk.io/errors"

// x/oracle registered errors; codes are stable and never reused.
var (
	ErrInvalidSigner = errorsmod.Register(ModuleName, 2, "expected module authority as signer")
	ErrInvalidParams = errorsmod.Register(ModuleName, 3, "invalid params")
	ErrInvalidTask   = errorsmod.Register(ModuleName, 4, "invalid task")
	ErrTaskNotFound  = errorsmod.Register(ModuleName, 5, "task not found")
	// 6 was ErrDuplicateTask, retired with the subject index.
	ErrInvalidExtension  = errorsmod.Register(ModuleName, 7, "invalid vote extension")
	ErrNoHook            = errorsmod.Register(ModuleName, 8, "no result hook for the task kind")
	ErrValidatorNotFound = errorsmod.Register(ModuleName, 9, "validator not found")
	ErrInvalidGenesis    = errorsmod.Register(ModuleName, 10, "invalid genesis")
)
