package types

import (
	"cosmossdk.io/math"

	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
)

// BankKeeper moves collateral between accounts and the x/compute module account.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, senderAddr sdk.AccAddress, recipientModule string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, senderModule string, recipientAddr sdk.AccAddress, amt sdk.Coins) error
	GetBalance(ctx context.Context, addr sdk.AccAddress, denom string) sdk.Coin
}

// RewardsKeeper credits verified GPU work in the current reward epoch, and voids it after fraud (x/rewards).
type RewardsKeeper interface {
	AddComputeWork(ctx context.Context, provider sdk.AccAddress, gpuID uint64, hours math.LegacyDec, score uint32, leased bool) error
	ForfeitComputeWork(ctx context.Context, provider sdk.AccAddress, gpuID uint64, reason string) error
	// EpochNumber is the open reward epoch; the market counts leases and unmet orders per epoch.
	EpochNumber(ctx context.Context) (uint64, error)
}

// DistributionKeeper receives the marketplace take and slashed collateral into the community pool.
type DistributionKeeper interface {
	FundCommunityPool(ctx context.Context, amount sdk.Coins, sender sdk.AccAddress) error
}

// AccountKeeper gives the module account's address.
type AccountKeeper interface {
	GetModuleAddress(moduleName string) sdk.AccAddress
}

// OracleKeeper opens the verification tasks whose results come back through the hooks, and
// says which proof-of-work presets the validators verify.
type OracleKeeper interface {
	OpenTask(ctx context.Context, kind oracletypes.TaskKind, module string, subjectID, subjectSeq uint64, payloadHash []byte) (uint64, error)
	PowPresetAccepted(ctx context.Context, preset string) (bool, error)
}
