package types

import (
	"context"
	"time"

	"cosmossdk.io/math"

	cryptoproto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
)

// StakingKeeper finds validators by consensus address: their keys, to check vote-extension
// signatures, and their power, to slash them.
type StakingKeeper interface {
	GetPubKeyByConsAddr(ctx context.Context, consAddr sdk.ConsAddress) (cryptoproto.PublicKey, error)
	GetValidatorByConsAddr(ctx context.Context, consAddr sdk.ConsAddress) (stakingtypes.Validator, error)
	GetValidator(ctx context.Context, addr sdk.ValAddress) (stakingtypes.Validator, error)
	PowerReduction(ctx context.Context) math.Int
}

// SlashingKeeper slashes and jails validators whose reports fall below min_valid_fraction.
type SlashingKeeper interface {
	Slash(ctx context.Context, consAddr sdk.ConsAddress, fraction math.LegacyDec, power, distributionHeight int64) error
	Jail(ctx context.Context, consAddr sdk.ConsAddress) error
	JailUntil(ctx context.Context, consAddr sdk.ConsAddress, jailTime time.Time) error
}

// RewardsKeeper credits validators' valid reports in the current reward epoch (x/rewards).
type RewardsKeeper interface {
	AddValidatorWork(ctx context.Context, consAddr sdk.ConsAddress, power int64, validReports uint64) error
}

// TaskHooks is what a module that opens tasks implements to receive their outcome. Each call
// runs in a cache context: an error discards the hook's changes, never the block.
type TaskHooks interface {
	OnTaskFinalized(ctx context.Context, task Task) error
	OnTaskExpired(ctx context.Context, task Task) error
}

// TaskHooksWrapper is how a module that opens tasks of a kind hands x/oracle their hooks:
// each module provides at most one through depinject, and x/oracle collects them all (the
// way x/staking collects its hooks). An app that leaves a kind without hooks fails to start.
type TaskHooksWrapper struct {
	Kind  TaskKind
	Hooks TaskHooks
}

// IsOnePerModuleType implements depinject.OnePerModuleType.
func (TaskHooksWrapper) IsOnePerModuleType() {}
