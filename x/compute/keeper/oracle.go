package keeper

import (
	"context"
	"crypto/sha256"
	"encoding/binary"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	"github.com/thalamus-network/thalamus/x/compute/types"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
)

// oracleLink is shared by every copy of the keeper, so the app can connect x/oracle after
// both keepers are built. Without it (keeper tests) submitted work simply waits unverified.
type oracleLink struct{ keeper types.OracleKeeper }

// SetOracle connects the oracle that verifies submitted work; the app calls it once while wiring.
func (k Keeper) SetOracle(o types.OracleKeeper) { k.oracle.keeper = o }

// rewardsLink, like oracleLink, lets the app connect x/rewards after the keepers are built.
type rewardsLink struct{ keeper types.RewardsKeeper }

// SetRewards connects the module that pays for verified GPU work; the app calls it once while wiring.
func (k Keeper) SetRewards(r types.RewardsKeeper) { k.rewards.keeper = r }

// creditWork pays for a verified challenge: challenge_interval blocks of GPU time at the
// GPU's new score, counted as leased when a tenant holds the GPU.
func (k Keeper) creditWork(ctx context.Context, params types.Params, c types.Challenge, gpu types.GPU) error {
	if k.rewards.keeper == nil {
		return nil
	}
	provider, err := k.addressCodec.StringToBytes(c.Provider)
	if err != nil {
		return err
	}
	hours := math.LegacyNewDec(int64(params.ChallengeInterval)).QuoInt64(int64(params.BlocksPerHour))
	return k.rewards.keeper.AddComputeWork(ctx, provider, gpu.Id, hours, gpu.Score, gpu.Status == types.GPU_STATUS_LEASED)
}

// forfeitWork voids what a GPU earned in the current reward epoch once its fraud is proven.
func (k Keeper) forfeitWork(ctx context.Context, c types.Challenge, reason string) error {
	if k.rewards.keeper == nil {
		return nil
	}
	provider, err := k.addressCodec.StringToBytes(c.Provider)
	if err != nil {
		return err
	}
	return k.rewards.keeper.ForfeitComputeWork(ctx, provider, c.GpuId, reason)
}

// presetAccepted reports whether x/oracle lets challenges use a preset (always, without it).
func (k Keeper) presetAccepted(ctx context.Context, preset string) (bool, error) {
	if k.oracle.keeper == nil {
		return true, nil
	}
	return k.oracle.keeper.PowPresetAccepted(ctx, preset)
}

// openVerification asks the validators to verify a submitted challenge.
func (k Keeper) openVerification(ctx context.Context, c types.Challenge) error {
	if k.oracle.keeper == nil {
		return nil
	}
	_, err := k.oracle.keeper.OpenTask(ctx, oracletypes.TASK_KIND_GPU_CHALLENGE, types.ModuleName, c.Id, 0, workHash(c))
	return err
}

// workHash commits to what was submitted: nonces tried and every winner.
func workHash(c types.Challenge) []byte {
	h := sha256.New()
	h.Write(c.Seed)
	h.Write(binary.BigEndian.AppendUint64(nil, c.NoncesTried))
	for _, w := range c.Winners {
		h.Write(binary.BigEndian.AppendUint64(nil, w.Nonce))
		h.Write(binary.BigEndian.AppendUint32(nil, w.Digest))
	}
	return h.Sum(nil)
}

// OracleHooks receives the validators' verdicts on GPU challenges.
func (k Keeper) OracleHooks() oracletypes.TaskHooks { return oracleHooks{k} }

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
	return h.k.SettleChallenge(ctx, t.SubjectId, state)
}

// OnTaskExpired leaves the challenge submitted but unverified: it moves no score and earns nothing.
func (oracleHooks) OnTaskExpired(context.Context, oracletypes.Task) error { return nil }
