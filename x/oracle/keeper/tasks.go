package keeper

import (
	"context"
	"errors"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/internal/events"
	"github.com/thalamus-network/thalamus/x/internal/queue"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// OpenTask opens a verification task for a subject of the calling module and returns its id.
// The calling module opens a subject's task once (its own ids and sequences make subjects
// unique, so no index is kept for it); it stays open for task_deadline_blocks. The task gets
// a committee of its own (GPU challenges: each is verified on its own).
func (k Keeper) OpenTask(ctx context.Context, kind types.TaskKind, module string, subjectID, subjectSeq uint64, payloadHash []byte) (uint64, error) {
	t := types.Task{Kind: kind, Module: module, SubjectId: subjectID, SubjectSeq: subjectSeq, PayloadHash: payloadHash}
	return k.createTask(ctx, t, func(id uint64, size uint32) ([]string, error) {
		return k.drawCommittee(ctx, size, id)
	})
}

// OpenSeriesTask opens a task scoring items together (the batches a committer committed in
// one block) for a series (the committer) and returns its id. The task gets the series'
// committee for epoch, drawn with the epoch's first task and shared by the rest, so a member
// follows the series' devices for a whole epoch and catches up on their history at most
// once per epoch.
func (k Keeper) OpenSeriesTask(ctx context.Context, kind types.TaskKind, module, series string, epoch uint64, items []types.TaskItem) (uint64, error) {
	if series == "" || len(series) > types.MaxSeriesLength || len(items) == 0 || len(items) > types.MaxTaskItems {
		return 0, errorsmod.Wrapf(types.ErrInvalidTask, "a series task needs a series of 1-%d characters and 1-%d items", types.MaxSeriesLength, types.MaxTaskItems)
	}
	t := types.Task{Kind: kind, Module: module, Series: series, Items: items}
	return k.createTask(ctx, t, func(id uint64, size uint32) ([]string, error) {
		key := collections.Join(int32(kind), series)
		c, err := k.SeriesCommittees.Get(ctx, key)
		switch {
		case err == nil && c.Epoch == epoch:
			return c.Members, nil
		case err != nil && !errors.Is(err, collections.ErrNotFound):
			return nil, err
		}
		members, err := k.drawCommittee(ctx, size, id)
		if err != nil {
			return nil, err
		}
		return members, k.SeriesCommittees.Set(ctx, key, types.SeriesCommittee{Kind: kind, Series: series, Epoch: epoch, Members: members})
	})
}

// createTask completes and stores a new task (kind, module, subject, items and series set)
// with the committee seat returns.
func (k Keeper) createTask(ctx context.Context, t types.Task, seat func(id uint64, size uint32) ([]string, error)) (uint64, error) {
	if !types.ValidKind(t.Kind) {
		return 0, errorsmod.Wrapf(types.ErrInvalidTask, "kind %s", t.Kind)
	}
	if t.Module == "" || len(t.PayloadHash) > 64 {
		return 0, errorsmod.Wrap(types.ErrInvalidTask, "a task needs its module and a payload hash of at most 64 bytes")
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return 0, err
	}
	if t.Id, err = k.NextTaskID.Next(ctx); err != nil {
		return 0, err
	}
	if t.Committee, err = seat(t.Id, params.CommitteeSize); err != nil {
		return 0, err
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	t.OpenedHeight, t.DeadlineHeight, t.Status = height, height+int64(params.TaskDeadlineBlocks), types.TASK_STATUS_OPEN
	if err := t.Validate(); err != nil {
		return 0, err
	}
	if err := k.setOpen(ctx, t); err != nil {
		return 0, err
	}
	return t.Id, events.Emit(ctx, &types.EventTaskOpened{
		TaskId: t.Id, Kind: t.Kind, Module: t.Module, SubjectId: t.SubjectId, SubjectSeq: t.SubjectSeq, DeadlineHeight: t.DeadlineHeight,
		Items: uint32(len(t.Items)), Series: t.Series,
	})
}

// PowPresetAccepted reports whether governance accepts challenges of a proof-of-work preset
// (accepted_pow_presets): presets are accepted once their class calibration is measured.
func (k Keeper) PowPresetAccepted(ctx context.Context, preset string) (bool, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return false, err
	}
	return slices.Contains(params.AcceptedPowPresets, preset), nil
}

// setOpen stores an open task with its indexes.
func (k Keeper) setOpen(ctx context.Context, t types.Task) error {
	if err := k.Tasks.Set(ctx, t.Id, t); err != nil {
		return err
	}
	if err := k.OpenTasks.Set(ctx, t.Id); err != nil {
		return err
	}
	return k.TaskDeadlines.Set(ctx, collections.Join(t.DeadlineHeight, t.Id))
}

// close stores a task that is no longer open, drops it from the open indexes and queues it
// for pruning task_retention_blocks after it closed.
func (k Keeper) close(ctx context.Context, t types.Task) error {
	if err := k.Tasks.Set(ctx, t.Id, t); err != nil {
		return err
	}
	if err := k.queuePrune(ctx, t); err != nil {
		return err
	}
	if err := k.OpenTasks.Remove(ctx, t.Id); err != nil {
		return err
	}
	return k.TaskDeadlines.Remove(ctx, collections.Join(t.DeadlineHeight, t.Id))
}

// queuePrune schedules a closed task's removal.
func (k Keeper) queuePrune(ctx context.Context, t types.Task) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	return k.TaskPruneQueue.Set(ctx, collections.Join(t.ClosedHeight()+int64(params.TaskRetentionBlocks), t.Id))
}

// pruneDue removes up to limit closed tasks whose retention has run out by height.
func (k Keeper) pruneDue(ctx context.Context, height int64, limit int) error {
	due, err := queue.Due(ctx, k.TaskPruneQueue, height, limit)
	if err != nil {
		return err
	}
	for _, key := range due {
		if err := k.Tasks.Remove(ctx, key.K2()); err != nil {
			return err
		}
		if err := k.TaskPruneQueue.Remove(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// openTask loads a task and reports whether it is open (a missing task is not).
func (k Keeper) openTask(ctx context.Context, id uint64) (types.Task, bool, error) {
	t, err := k.Tasks.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return t, false, nil
	} else if err != nil {
		return t, false, err
	}
	return t, t.Status == types.TASK_STATUS_OPEN, nil
}

// IsOpen reports whether a task exists and still takes reports.
func (k Keeper) IsOpen(ctx context.Context, id uint64) (bool, error) {
	return k.OpenTasks.Has(ctx, id)
}

// finalizeAt records a task's result at height and hands it to the owning module in a cache context:
// a failing hook is reported in the event and its changes discarded, the task stays final.
func (k Keeper) finalizeAt(ctx context.Context, t types.Task, result types.TaskResult, height int64) error {
	result.FinalizedHeight = height
	t.Status, t.Result = types.TASK_STATUS_FINALIZED, result
	if err := k.close(ctx, t); err != nil {
		return err
	}
	hookErr := k.runHook(ctx, t, func(h types.TaskHooks, c context.Context) error { return h.OnTaskFinalized(c, t) })
	return events.Emit(ctx, &types.EventTaskFinalized{TaskId: t.Id, Kind: t.Kind, Result: result, HookError: hookErr})
}

// expireDue handles up to limit open tasks whose deadline is below height: a committee task
// is escalated to every validator, its seated members that never reported counted as
// missing it; any other task expires.
func (k Keeper) expireDue(ctx context.Context, params types.Params, power map[string]int64, height int64, limit int) error {
	due, err := queue.Due(ctx, k.TaskDeadlines, height-1, limit)
	if err != nil {
		return err
	}
	for _, key := range due {
		t, err := k.Tasks.Get(ctx, key.K2())
		if err != nil {
			return err
		}
		if t.HasCommittee() {
			if err := k.escalateTask(ctx, t, params, EscalatedDeadline, nil); err != nil {
				return err
			}
			for _, addr := range silentMembers(t, power) {
				consAddr, err := k.consCodec.StringToBytes(addr)
				if err != nil {
					return err
				}
				if err := k.addTally(ctx, consAddr, height, tally{missed: 1}); err != nil {
					return err
				}
			}
			continue
		}
		t.Status = types.TASK_STATUS_EXPIRED
		if err := k.close(ctx, t); err != nil {
			return err
		}
		hookErr := k.runHook(ctx, t, func(h types.TaskHooks, c context.Context) error { return h.OnTaskExpired(c, t) })
		if hookErr != "" {
			sdk.UnwrapSDKContext(ctx).Logger().Error("task expiry hook failed", "task", t.Id, "err", hookErr)
		}
		if err := events.Emit(ctx, &types.EventTaskExpired{TaskId: t.Id, Kind: t.Kind}); err != nil {
			return err
		}
	}
	return nil
}

// runHook calls the owning module's hook in a cache context and returns its error text.
func (k Keeper) runHook(ctx context.Context, t types.Task, call func(types.TaskHooks, context.Context) error) string {
	h, ok := k.hooks[t.Kind]
	if !ok {
		return errorsmod.Wrapf(types.ErrNoHook, "%s", t.Kind).Error()
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	cacheCtx, write := sdkCtx.CacheContext()
	if err := call(h, cacheCtx); err != nil {
		sdkCtx.Logger().Error("oracle result hook failed; its changes are discarded", "task", t.Label(), "err", err)
		return err.Error()
	}
	write()
	return ""
}
