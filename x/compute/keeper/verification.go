package keeper

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/pkg/pow"
	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/events"
	"github.com/thalamus-network/thalamus/x/internal/queue"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
)

// scheduleChallenge puts a GPU in the challenge schedule at height, replacing its old place.
func (k Keeper) scheduleChallenge(ctx context.Context, gpu *types.GPU, height int64) error {
	if gpu.NextChallengeHeight != 0 {
		if err := k.ChallengeSchedule.Remove(ctx, collections.Join(gpu.NextChallengeHeight, gpu.Id)); err != nil {
			return err
		}
	}
	gpu.NextChallengeHeight = height
	return k.ChallengeSchedule.Set(ctx, collections.Join(height, gpu.Id))
}

// firstChallengeHeight staggers new GPUs over the interval so challenges spread over blocks.
func firstChallengeHeight(params types.Params, gpuID uint64, now int64) int64 {
	return now + 1 + int64((gpuID*7_919)%params.ChallengeInterval)
}

// challengeEndBlock closes the windows that have passed, then issues the challenges that are
// due, each step bounded by max_challenges_per_block.
func (k Keeper) challengeEndBlock(ctx context.Context, params types.Params) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	height := sdkCtx.BlockHeight()
	limit := int(params.MaxChallengesPerBlock)
	expired, err := queue.Due(ctx, k.ChallengeDeadlines, height-1, limit)
	if err != nil {
		return err
	}
	for _, key := range expired {
		k.inCache(ctx, "missed challenge", key.K2(), func(ctx context.Context) error {
			return k.missChallenge(ctx, params, key.K2())
		})
	}
	due, err := queue.Due(ctx, k.ChallengeSchedule, height, limit)
	if err != nil {
		return err
	}
	if len(due) == 0 {
		return nil
	}
	epoch, err := k.currentEpoch(ctx, params)
	if err != nil {
		return err
	}
	for _, key := range due {
		k.inCache(ctx, "issue challenge", key.K2(), func(ctx context.Context) error {
			return k.issueChallenge(ctx, params, epoch, key)
		})
	}
	return nil
}

// currentEpoch returns the proof-of-work epoch, starting a new one seeded by this block's
// hash when the last one is over.
func (k Keeper) currentEpoch(ctx context.Context, params types.Params) (types.PowEpoch, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	epoch, err := k.PowEpoch.Get(ctx)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return epoch, err
	}
	if err == nil && sdkCtx.BlockHeight() < epoch.StartHeight+int64(params.PowEpochBlocks) {
		return epoch, nil
	}
	next := types.PowEpoch{Number: epoch.Number + 1, StartHeight: sdkCtx.BlockHeight(), BlockHash: sdkCtx.HeaderHash()}
	return next, k.PowEpoch.Set(ctx, next)
}

// issueChallenge opens a challenge for the scheduled GPU and schedules its next one. GPUs
// that left the market leave the schedule.
func (k Keeper) issueChallenge(ctx context.Context, params types.Params, epoch types.PowEpoch, key collections.Pair[int64, uint64]) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	height := sdkCtx.BlockHeight()
	if err := k.ChallengeSchedule.Remove(ctx, key); err != nil {
		return err
	}
	gpu, err := k.GPUs.Get(ctx, key.K2())
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if gpu.Status == types.GPU_STATUS_RETIRED || gpu.Status == types.GPU_STATUS_JAILED {
		gpu.NextChallengeHeight = 0
		return k.saveGPU(ctx, gpu)
	}
	class, ok := params.ClassPoWOf(gpu.Class)
	if !ok {
		return fmt.Errorf("gpu %d: class %s has no proof-of-work calibration", gpu.Id, gpu.Class)
	}
	// Until governance accepts the class's preset (x/oracle accepted_pow_presets), nobody
	// would verify the work: the GPU is not challenged, only rescheduled.
	if accepted, err := k.presetAccepted(ctx, class.Preset); err != nil {
		return err
	} else if !accepted {
		sdkCtx.Logger().Info("proof-of-work preset not accepted by x/oracle; challenge skipped", "gpu", gpu.Id, "preset", class.Preset)
		gpu.NextChallengeHeight = 0 // removed above
		if err := k.scheduleChallenge(ctx, &gpu, height+int64(params.ChallengeInterval)); err != nil {
			return err
		}
		return k.saveGPU(ctx, gpu)
	}
	id, err := k.NextChallengeID.Next(ctx)
	if err != nil {
		return err
	}
	provider, err := k.addressCodec.StringToBytes(gpu.Provider)
	if err != nil {
		return err
	}
	seed := pow.ChallengeSeed(sdkCtx.ChainID(), sdkCtx.HeaderHash(), gpu.Provider, gpu.Uuid, id)
	table := pow.TableSeed(sdkCtx.ChainID(), epoch.BlockHash, gpu.Provider, gpu.Uuid)
	c := types.Challenge{
		Id: id, GpuId: gpu.Id, Provider: gpu.Provider, GpuUuid: gpu.Uuid, Class: gpu.Class, Preset: class.Preset,
		Seed: seed[:], TableSeed: table[:], IssuedHeight: height,
		DeadlineHeight: height + int64(params.ChallengeWindow),
		State:          types.CHALLENGE_STATE_OPEN, ExpectedWinners: class.ExpectedWinners,
	}
	if err := k.Challenges.Set(ctx, id, c); err != nil {
		return err
	}
	if err := k.ChallengesByProvider.Set(ctx, collections.Join(sdk.AccAddress(provider), id)); err != nil {
		return err
	}
	if err := k.ChallengeDeadlines.Set(ctx, collections.Join(c.DeadlineHeight, id)); err != nil {
		return err
	}
	if err := k.OpenChallenges.Set(ctx, collections.Join(sdk.AccAddress(provider), id)); err != nil {
		return err
	}
	gpu.NextChallengeHeight = 0 // removed above
	if err := k.scheduleChallenge(ctx, &gpu, height+int64(params.ChallengeInterval)); err != nil {
		return err
	}
	if err := k.saveGPU(ctx, gpu); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventChallengeIssued{
		ChallengeId: id, GpuId: gpu.Id, Provider: gpu.Provider, Preset: class.Preset, DeadlineHeight: c.DeadlineHeight,
	})
}

// missChallenge records downtime for a challenge whose window closed without work; enough
// misses in a row mark the GPU down.
func (k Keeper) missChallenge(ctx context.Context, params types.Params, id uint64) error {
	c, err := k.Challenges.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := k.closeWindow(ctx, c); err != nil {
		return err
	}
	if c.State != types.CHALLENGE_STATE_OPEN {
		return nil
	}
	c.State = types.CHALLENGE_STATE_MISSED
	if err := k.Challenges.Set(ctx, id, c); err != nil {
		return err
	}
	gpu, err := k.GPUs.Get(ctx, c.GpuId)
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	gpu.MissedChallenges++
	wentDown := !gpu.Down && gpu.MissedChallenges >= params.MissedChallengesToDown
	if err := k.saveGPU(ctx, gpu); err != nil {
		return err
	}
	if wentDown {
		if err := k.setGPUDown(ctx, params, gpu.Id, true); err != nil {
			return err
		}
	}
	return events.Emit(ctx, &types.EventChallengeMissed{ChallengeId: id, GpuId: gpu.Id, MissedInARow: gpu.MissedChallenges, Down: wentDown})
}

// closeWindow takes a challenge out of the deadline queue and its provider's open index.
func (k Keeper) closeWindow(ctx context.Context, c types.Challenge) error {
	if err := k.ChallengeDeadlines.Remove(ctx, collections.Join(c.DeadlineHeight, c.Id)); err != nil {
		return err
	}
	provider, err := k.addressCodec.StringToBytes(c.Provider)
	if err != nil {
		return err
	}
	return k.OpenChallenges.Remove(ctx, collections.Join(sdk.AccAddress(provider), c.Id))
}

// setGPUDown marks a GPU down or back up and suspends or resumes the billing of its lease
// (which resumes only when none of its GPUs is down).
func (k Keeper) setGPUDown(ctx context.Context, params types.Params, gpuID uint64, down bool) error {
	gpu, err := k.GPUs.Get(ctx, gpuID)
	if err != nil {
		return err
	}
	gpu.Down = down
	if !down {
		gpu.MissedChallenges = 0
	}
	if err := k.saveGPU(ctx, gpu); err != nil {
		return err
	}
	if gpu.LeaseId == 0 {
		return nil
	}
	lease, err := k.Leases.Get(ctx, gpu.LeaseId)
	if err != nil {
		return err
	}
	suspend := down
	if !down {
		for _, id := range lease.GpuIds {
			other, err := k.GPUs.Get(ctx, id)
			if err != nil {
				return err
			}
			suspend = suspend || other.Down
		}
	}
	if lease.State == types.LEASE_STATE_CLOSED || lease.BillingSuspended == suspend {
		return nil
	}
	old := lease
	lease.AccrueTo(sdk.UnwrapSDKContext(ctx).BlockHeight()) // bill up to now at the old rate
	lease.BillingSuspended = suspend
	if err := k.setLease(ctx, params, &old, lease); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventLeaseBillingSuspended{LeaseId: lease.Id, Suspended: suspend})
}

// presetAccepted reports whether x/oracle lets challenges use a preset.
func (k Keeper) presetAccepted(ctx context.Context, preset string) (bool, error) {
	return k.oracle.PowPresetAccepted(ctx, preset)
}

// SubmitWork records a provider's answer to an open challenge of one of its GPUs. It proves
// the GPU is up (a down GPU comes back); the validators verify the winners afterwards.
func (k msgServer) SubmitWork(ctx context.Context, msg *types.MsgSubmitWork) (*types.MsgSubmitWorkResponse, error) {
	_, providerStr, err := k.decodeAddress(msg.Provider)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	c, err := load(ctx, k.Challenges, msg.ChallengeId, types.ErrChallengeNotFound)
	if err != nil {
		return nil, err
	}
	if c.Provider != providerStr {
		return nil, errorsmod.Wrapf(types.ErrNotGPUOwner, "challenge %d is for %s's GPU %d", c.Id, c.Provider, c.GpuId)
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	if c.State != types.CHALLENGE_STATE_OPEN || height > c.DeadlineHeight {
		return nil, errorsmod.Wrapf(types.ErrChallengeClosed, "challenge %d is %s, deadline %d, now %d", c.Id, c.State, c.DeadlineHeight, height)
	}
	if err := types.ValidateWork(c.Preset, msg.NoncesTried, msg.Winners, params.MaxWinners, msg.Telemetry); err != nil {
		return nil, err
	}
	c.State, c.NoncesTried, c.Winners, c.Telemetry, c.SubmittedHeight = types.CHALLENGE_STATE_SUBMITTED, msg.NoncesTried, msg.Winners, msg.Telemetry, height
	if err := k.Challenges.Set(ctx, c.Id, c); err != nil {
		return nil, err
	}
	if err := k.closeWindow(ctx, c); err != nil {
		return nil, err
	}
	if err := k.openVerification(ctx, c); err != nil {
		return nil, err
	}
	gpu, err := k.GPUs.Get(ctx, c.GpuId)
	if err != nil {
		return nil, err
	}
	if gpu.Down {
		err = k.setGPUDown(ctx, params, gpu.Id, false)
	} else if gpu.MissedChallenges != 0 {
		gpu.MissedChallenges = 0
		err = k.saveGPU(ctx, gpu)
	}
	if err != nil {
		return nil, err
	}
	return &types.MsgSubmitWorkResponse{}, events.Emit(ctx, &types.EventWorkSubmitted{
		ChallengeId: c.Id, GpuId: c.GpuId, NoncesTried: msg.NoncesTried, Winners: uint32(len(msg.Winners)),
	})
}

// openVerification asks the validators to verify a submitted challenge.
func (k Keeper) openVerification(ctx context.Context, c types.Challenge) error {
	_, err := k.oracle.OpenTask(ctx, oracletypes.TASK_KIND_GPU_CHALLENGE, types.ModuleName, c.Id, 0, workHash(c))
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
