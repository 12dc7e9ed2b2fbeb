package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/events"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
)

// TaskHooks receive the validators' verdicts on GPU challenges; x/oracle collects them
// through depinject.
func (k Keeper) TaskHooks() oracletypes.TaskHooks { return oracleHooks{k} }

type oracleHooks struct{ k Keeper }

var verdictStates = map[oracletypes.Verdict]types.ChallengeState{
	oracletypes.VERDICT_PASS:         types.CHALLENGE_STATE_PASSED,
	oracletypes.VERDICT_FRAUD:        types.CHALLENGE_STATE_FRAUD,
	oracletypes.VERDICT_UNDERPERFORM: types.CHALLENGE_STATE_UNDERPERFORMED,
}

// OnTaskFinalized settles the challenge with the validators' verdict.
func (h oracleHooks) OnTaskFinalized(ctx context.Context, t oracletypes.Task) error {
	state, ok := verdictStates[t.Result.Verdict]
	if !ok {
		return errorsmod.Wrapf(types.ErrInvalidWork, "task %d has no verdict", t.Id)
	}
	return h.k.settleChallenge(ctx, t.SubjectId, state)
}

// OnTaskExpired leaves the challenge submitted but unverified: it moves no score and earns nothing.
func (oracleHooks) OnTaskExpired(context.Context, oracletypes.Task) error { return nil }

// settleChallenge applies the validators' verdict on a submitted challenge (called by x/oracle):
// PASSED and UNDERPERFORMED move the GPU's score towards winners / expected (an exponential
// average over score_window challenges); PASSED also marks the GPU work-verified; FRAUD jails
// the GPU (closing its lease), refunds the tenant that GPU's payments since the challenge out of
// the provider's collateral, and slashes fraud_slash_fraction of what collateral is left.
func (k Keeper) settleChallenge(ctx context.Context, id uint64, verdict types.ChallengeState) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	c, err := load(ctx, k.Challenges, id, types.ErrChallengeNotFound)
	if err != nil {
		return err
	}
	if c.State != types.CHALLENGE_STATE_SUBMITTED {
		return errorsmod.Wrapf(types.ErrChallengeClosed, "challenge %d is %s, not submitted", id, c.State)
	}
	gpu, err := load(ctx, k.GPUs, c.GpuId, types.ErrGPUNotFound)
	if err != nil {
		return err
	}
	switch verdict {
	case types.CHALLENGE_STATE_PASSED, types.CHALLENGE_STATE_UNDERPERFORMED:
		gpu.Score = smoothedScore(gpu.Score, uint64(len(c.Winners)), c.ExpectedWinners, params.ScoreWindow)
		if verdict == types.CHALLENGE_STATE_PASSED && gpu.AttestationTier < types.ATTESTATION_TIER_WORK_VERIFIED {
			gpu.AttestationTier = types.ATTESTATION_TIER_WORK_VERIFIED
		}
		if err := k.saveGPU(ctx, gpu); err != nil {
			return err
		}
		if err := k.creditWork(ctx, params, c, gpu); err != nil {
			return err
		}
	case types.CHALLENGE_STATE_FRAUD:
		leaseID := gpu.LeaseId
		reason := fmt.Sprintf("proof-of-work fraud in challenge %d", id)
		if err := k.jailGPU(ctx, gpu.Id, reason); err != nil {
			return err
		}
		if err := k.forfeitWork(ctx, c, reason); err != nil {
			return err
		}
		// The tenant gets back, from the collateral, what it paid for this GPU since the challenge.
		if leaseID != 0 {
			if err := k.refundSince(ctx, leaseID, c.IssuedHeight); err != nil {
				return err
			}
		}
		provider, err := k.addressCodec.StringToBytes(c.Provider)
		if err != nil {
			return err
		}
		p, err := k.Providers.Get(ctx, provider)
		if err == nil {
			amount := params.FraudSlashFraction.MulInt(p.Collateral.Amount).TruncateInt()
			if _, err := k.slashCollateral(ctx, provider, amount, fmt.Sprintf("proof-of-work fraud in challenge %d", id)); err != nil {
				return err
			}
		} else if !errors.Is(err, collections.ErrNotFound) {
			return err
		}
		if gpu, err = k.GPUs.Get(ctx, gpu.Id); err != nil {
			return err
		}
	default:
		return errorsmod.Wrapf(types.ErrInvalidWork, "verdict must be passed, underperformed or fraud, got %s", verdict)
	}
	c.State = verdict
	if err := k.Challenges.Set(ctx, id, c); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventChallengeSettled{ChallengeId: id, GpuId: gpu.Id, State: verdict, Score: gpu.Score})
}

// smoothedScore moves score a 1/window step towards 10000 x found / expected (capped).
func smoothedScore(score uint32, found, expected uint64, window uint32) uint32 {
	sample := math.NewIntFromUint64(found).MulRaw(appconsts.MaxScore).QuoRaw(int64(max(expected, 1)))
	s := int64(appconsts.MaxScore)
	if sample.IsInt64() && sample.Int64() < s {
		s = sample.Int64()
	}
	next := int64(score) + (s-int64(score))/int64(window)
	return uint32(max(0, min(next, appconsts.MaxScore)))
}

// refundSince refunds a lease's tenant, out of provider collateral, the price of one GPU for
// the blocks billed since height (the lease has just been settled and closed).
func (k Keeper) refundSince(ctx context.Context, leaseID uint64, height int64) error {
	lease, err := k.Leases.Get(ctx, leaseID)
	if err != nil {
		return err
	}
	blocks := max(lease.AccruedHeight-max(height, lease.CreatedHeight), 0)
	amount := types.OwedFor(lease.PricePerGpuHour.Amount, 1, uint64(blocks), lease.BlocksPerHour)
	if !amount.IsPositive() {
		return nil
	}
	_, err = k.refundTenant(ctx, leaseID, amount)
	return err
}

// creditWork pays for a verified challenge: challenge_interval blocks of GPU time at the
// GPU's new score, counted as leased when a tenant holds the GPU.
func (k Keeper) creditWork(ctx context.Context, params types.Params, c types.Challenge, gpu types.GPU) error {
	provider, err := k.addressCodec.StringToBytes(c.Provider)
	if err != nil {
		return err
	}
	hours := math.LegacyNewDec(int64(params.ChallengeInterval)).QuoInt64(int64(params.BlocksPerHour))
	return k.rewards.AddComputeWork(ctx, provider, gpu.Id, hours, gpu.Score, gpu.Status == types.GPU_STATUS_LEASED)
}

// forfeitWork voids what a GPU earned in the current reward epoch once its fraud is proven.
func (k Keeper) forfeitWork(ctx context.Context, c types.Challenge, reason string) error {
	provider, err := k.addressCodec.StringToBytes(c.Provider)
	if err != nil {
		return err
	}
	return k.rewards.ForfeitComputeWork(ctx, provider, c.GpuId, reason)
}

// slashCollateral moves up to amount of a provider's collateral to the community pool and
// returns what was slashed.
func (k Keeper) slashCollateral(ctx context.Context, provider sdk.AccAddress, amount math.Int, reason string) (sdk.Coin, error) {
	p, err := load(ctx, k.Providers, provider, types.ErrProviderNotFound)
	if err != nil {
		return sdk.Coin{}, err
	}
	slashed := sdk.NewCoin(p.Collateral.Denom, math.MinInt(amount, p.Collateral.Amount))
	if !slashed.IsPositive() {
		return slashed, nil
	}
	if err := k.distrKeeper.FundCommunityPool(ctx, sdk.NewCoins(slashed), authtypes.NewModuleAddress(types.ModuleName)); err != nil {
		return slashed, errorsmod.Wrap(err, "slash to community pool")
	}
	p.Collateral = p.Collateral.Sub(slashed)
	if err := k.Providers.Set(ctx, provider, p); err != nil {
		return slashed, err
	}
	return slashed, events.Emit(ctx, &types.EventProviderSlashed{Provider: p.Address, Amount: slashed, Reason: reason})
}

// refundTenant pays a lease's tenant up to amount out of its provider's collateral and
// returns what was paid; a provider that has already left pays nothing.
func (k Keeper) refundTenant(ctx context.Context, leaseID uint64, amount math.Int) (sdk.Coin, error) {
	lease, err := load(ctx, k.Leases, leaseID, types.ErrLeaseNotFound)
	if err != nil {
		return sdk.Coin{}, err
	}
	provider, err := k.addressCodec.StringToBytes(lease.Provider)
	if err != nil {
		return sdk.Coin{}, err
	}
	p, err := load(ctx, k.Providers, provider, types.ErrProviderNotFound)
	if errorsmod.IsOf(err, types.ErrProviderNotFound) {
		return sdk.NewCoin(lease.PricePerGpuHour.Denom, math.ZeroInt()), nil
	} else if err != nil {
		return sdk.Coin{}, err
	}
	refund := sdk.NewCoin(p.Collateral.Denom, math.MinInt(amount, p.Collateral.Amount))
	if !refund.IsPositive() {
		return refund, nil
	}
	tenant, err := k.addressCodec.StringToBytes(lease.Tenant)
	if err != nil {
		return refund, err
	}
	if err := k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.ModuleName, tenant, sdk.NewCoins(refund)); err != nil {
		return refund, errorsmod.Wrap(err, "refund tenant")
	}
	p.Collateral = p.Collateral.Sub(refund)
	if err := k.Providers.Set(ctx, provider, p); err != nil {
		return refund, err
	}
	return refund, events.Emit(ctx, &types.EventTenantRefunded{LeaseId: leaseID, Tenant: lease.Tenant, Amount: refund})
}

// jailGPU takes a GPU out of the market; the lease holding it, if any, closes as a provider fault.
func (k Keeper) jailGPU(ctx context.Context, gpuID uint64, reason string) error {
	gpu, err := load(ctx, k.GPUs, gpuID, types.ErrGPUNotFound)
	if err != nil {
		return err
	}
	if gpu.Status == types.GPU_STATUS_JAILED {
		return nil
	}
	leaseID := gpu.LeaseId
	gpu.Status = types.GPU_STATUS_JAILED
	if err := k.saveGPU(ctx, gpu); err != nil {
		return err
	}
	if err := events.Emit(ctx, &types.EventGPUJailed{GpuId: gpuID, Provider: gpu.Provider, Reason: reason}); err != nil {
		return err
	}
	if leaseID == 0 {
		return nil
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	lease, err := k.openLease(ctx, leaseID)
	if err != nil {
		return err
	}
	_, _, err = k.closeLease(ctx, params, lease, sdk.UnwrapSDKContext(ctx).BlockHeight(), types.LEASE_CLOSE_REASON_PROVIDER_FAULT, "")
	return err
}
