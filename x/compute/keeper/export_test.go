package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/events"
)

// SetOfferForTest writes an offer with its price-index entry, for benchmarks that seed markets.
func SetOfferForTest(k Keeper, ctx context.Context, offer types.Offer) (types.Offer, error) {
	return offer, k.setOffer(ctx, nil, offer)
}

// SaveGPU writes a GPU as the keeper's own write paths do (market counts included), for
// tests that put a GPU in a state directly.
func (k Keeper) SaveGPU(ctx context.Context, gpu types.GPU) error { return k.saveGPU(ctx, gpu) }

// The verdict settlement below is reached on chain only through x/oracle's hooks; the tests
// drive it directly.

func (k Keeper) SettleChallenge(ctx context.Context, id uint64, verdict types.ChallengeState) error {
	return k.settleChallenge(ctx, id, verdict)
}

func (k Keeper) SlashCollateral(ctx context.Context, provider sdk.AccAddress, amount math.Int, reason string) (sdk.Coin, error) {
	return k.slashCollateral(ctx, provider, amount, reason)
}

func (k Keeper) RefundTenant(ctx context.Context, leaseID uint64, amount math.Int) (sdk.Coin, error) {
	return k.refundTenant(ctx, leaseID, amount)
}

func (k Keeper) JailGPU(ctx context.Context, gpuID uint64, reason string) error {
	return k.jailGPU(ctx, gpuID, reason)
}

// SetGPUScore records a GPU's score (0-10000) directly, for tests that need a scored fleet
// (on chain only a challenge verdict moves a score, see settleChallenge).
func (k Keeper) SetGPUScore(ctx context.Context, gpuID uint64, score uint32) error {
	if score > appconsts.MaxScore {
		return errorsmod.Wrapf(types.ErrInvalidGPU, "score %d above %d", score, appconsts.MaxScore)
	}
	gpu, err := load(ctx, k.GPUs, gpuID, types.ErrGPUNotFound)
	if err != nil {
		return err
	}
	gpu.Score = score
	if err := k.saveGPU(ctx, gpu); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventGPUScoreUpdated{GpuId: gpuID, Score: score})
}
