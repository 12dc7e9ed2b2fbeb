package abci

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/gogoproto/proto"

	"cosmossdk.io/log"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/oracle/keeper"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// ExtendVoteHandler asks the sidecar (nil: none configured) for its results, keeps those for
// tasks that are open, in increasing id, at most max_tasks_per_vote_extension, and returns
// them. Any error, timeout or panic yields an empty extension: a broken sidecar costs its
// validator oracle credit, never a vote.
func ExtendVoteHandler(k keeper.Keeper, sidecar SidecarClient, logger log.Logger, metrics *Metrics) sdk.ExtendVoteHandler {
	return func(ctx sdk.Context, req *abci.RequestExtendVote) (resp *abci.ResponseExtendVote, err error) {
		empty := func(reason string) *abci.ResponseExtendVote {
			metrics.EmptyExtensions.WithLabelValues(reason).Inc()
			return &abci.ResponseExtendVote{VoteExtension: []byte{}}
		}
		defer func() {
			if r := recover(); r != nil {
				logger.Error("ExtendVote panicked; sending an empty extension", "height", req.Height, "panic", fmt.Sprint(r))
				resp, err = empty(reasonPanic), nil
			}
		}()
		if sidecar == nil {
			return empty(reasonNoSidecar), nil
		}
		params, err := k.Params.Get(ctx)
		if err != nil {
			logger.Error("ExtendVote: no oracle params", "err", err)
			return empty(reasonState), nil
		}
		callCtx, cancel := context.WithTimeout(ctx.Context(), time.Duration(params.SidecarTimeoutMs)*time.Millisecond)
		defer cancel()
		start := time.Now()
		ve, err := sidecar.Results(callCtx, req.Height)
		metrics.SidecarLatency.Observe(time.Since(start).Seconds())
		if err != nil {
			logger.Info("sidecar gave no results; sending an empty extension", "height", req.Height, "err", err)
			if callCtx.Err() != nil {
				return empty(reasonSidecarTimeout), nil
			}
			return empty(reasonSidecarError), nil
		}
		ve.Reports, err = openReports(ctx, k, ve.Reports, params.MaxTasksPerVoteExtension)
		if err != nil {
			logger.Error("ExtendVote: reading open tasks failed", "err", err)
			return empty(reasonState), nil
		}
		// The proposer verifies its own extension too (cometbft#5204): never send one our
		// own VerifyVoteExtension would reject.
		if err := ve.Validate(params.MaxTasksPerVoteExtension); err != nil {
			logger.Error("sidecar results are malformed; sending an empty extension", "height", req.Height, "err", err)
			return empty(reasonMalformed), nil
		}
		bz, err := proto.Marshal(&ve)
		if err != nil {
			return empty(reasonMalformed), nil
		}
		metrics.ExtensionBytes.Observe(float64(len(bz)))
		metrics.TasksCarried.Observe(float64(len(ve.Reports)))
		return &abci.ResponseExtendVote{VoteExtension: bz}, nil
	}
}

// openReports sorts reports by task id, drops duplicates and those for tasks that are not
// open, and keeps at most limit.
func openReports(ctx context.Context, k keeper.Keeper, reports []*types.TaskReport, limit uint32) ([]*types.TaskReport, error) {
	reports = slices.DeleteFunc(slices.Clone(reports), func(r *types.TaskReport) bool { return r == nil })
	slices.SortStableFunc(reports, func(a, b *types.TaskReport) int { return cmp.Compare(a.TaskId, b.TaskId) })
	reports = slices.CompactFunc(reports, func(a, b *types.TaskReport) bool { return a.TaskId == b.TaskId })
	out := reports[:0]
	for _, r := range reports {
		if uint32(len(out)) == limit {
			break
		}
		open, err := k.IsOpen(ctx, r.TaskId)
		if err != nil {
			return nil, err
		}
		if open {
			out = append(out, r)
		}
	}
	return out, nil
}

// VerifyVoteExtensionHandler only decodes and bounds-checks: whether a result is right is
// the aggregation's business, and rejecting a vote over its content would cost liveness.
func VerifyVoteExtensionHandler(k keeper.Keeper, logger log.Logger, metrics *Metrics) sdk.VerifyVoteExtensionHandler {
	return func(ctx sdk.Context, req *abci.RequestVerifyVoteExtension) (*abci.ResponseVerifyVoteExtension, error) {
		params, err := k.Params.Get(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := types.DecodeExtension(req.VoteExtension, params.MaxTasksPerVoteExtension); err != nil {
			logger.Info("rejecting a malformed vote extension", "height", req.Height, "validator", sdk.ConsAddress(req.ValidatorAddress).String(), "err", err)
			metrics.RejectedExtensions.Inc()
			return &abci.ResponseVerifyVoteExtension{Status: abci.ResponseVerifyVoteExtension_REJECT}, nil
		}
		return &abci.ResponseVerifyVoteExtension{Status: abci.ResponseVerifyVoteExtension_ACCEPT}, nil
	}
}
