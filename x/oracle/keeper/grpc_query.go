package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

type queryServer struct {
	k Keeper
}

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the x/oracle QueryServer.
func NewQueryServerImpl(k Keeper) types.QueryServer {
	return queryServer{k: k}
}

// Params returns the current module params.
func (q queryServer) Params(ctx context.Context, req *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	params, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryParamsResponse{Params: params}, nil
}

// Tasks pages through tasks newest first (reverse=true gives oldest first), as x/sensors'
// batches do; open tasks come from their index, other filters walk the tasks.
func (q queryServer) Tasks(ctx context.Context, req *types.QueryTasksRequest) (*types.QueryTasksResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if _, ok := types.TaskStatus_name[int32(req.Status)]; !ok {
		return nil, status.Errorf(codes.InvalidArgument, "unknown status %d", req.Status)
	}
	if _, ok := types.TaskKind_name[int32(req.Kind)]; !ok {
		return nil, status.Errorf(codes.InvalidArgument, "unknown kind %d", req.Kind)
	}
	pagination := &query.PageRequest{}
	if req.Pagination != nil {
		*pagination = *req.Pagination
	}
	pagination.Reverse = !pagination.Reverse
	if req.Status == types.TASK_STATUS_OPEN {
		// Open tasks are few: page their index and filter by kind.
		tasks, page, err := query.CollectionFilteredPaginate(ctx, q.k.OpenTasks, pagination,
			func(id uint64, _ collections.NoValue) (bool, error) {
				t, err := q.k.Tasks.Get(ctx, id)
				return err == nil && (req.Kind == types.TASK_KIND_UNSPECIFIED || t.Kind == req.Kind), err
			},
			func(id uint64, _ collections.NoValue) (types.Task, error) { return q.k.Tasks.Get(ctx, id) })
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		return &types.QueryTasksResponse{Tasks: tasks, Pagination: page}, nil
	}
	tasks, page, err := query.CollectionFilteredPaginate(ctx, q.k.Tasks, pagination,
		func(_ uint64, t types.Task) (bool, error) {
			return (req.Status == types.TASK_STATUS_UNSPECIFIED || t.Status == req.Status) &&
				(req.Kind == types.TASK_KIND_UNSPECIFIED || t.Kind == req.Kind), nil
		},
		func(_ uint64, t types.Task) (types.Task, error) { return t, nil })
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryTasksResponse{Tasks: tasks, Pagination: page}, nil
}

// Task returns one task.
func (q queryServer) Task(ctx context.Context, req *types.QueryTaskRequest) (*types.QueryTaskResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	t, err := q.k.Tasks.Get(ctx, req.Id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "task %d not found", req.Id)
	} else if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryTaskResponse{Task: t}, nil
}

// ValidatorPerformance returns a validator's report counts by operator or consensus address;
// a bonded validator that has not been counted yet gets zero counts.
func (q queryServer) ValidatorPerformance(ctx context.Context, req *types.QueryValidatorPerformanceRequest) (*types.QueryValidatorPerformanceResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	consAddr, err := q.k.consensusAddress(ctx, req.Address)
	if err != nil {
		return nil, err
	}
	p, err := q.k.Performance.Get(ctx, consAddr)
	if errors.Is(err, collections.ErrNotFound) {
		addr, err := q.k.consCodec.BytesToString(consAddr)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		return &types.QueryValidatorPerformanceResponse{Performance: types.ValidatorPerformance{ConsensusAddress: addr}}, nil
	} else if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryValidatorPerformanceResponse{Performance: p}, nil
}

// consensusAddress resolves a valcons address, or a valoper address through x/staking.
func (k Keeper) consensusAddress(ctx context.Context, address string) ([]byte, error) {
	if bz, err := k.consCodec.StringToBytes(address); err == nil {
		return bz, nil
	}
	valAddr, err := sdk.ValAddressFromBech32(address)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%q is neither a consensus (valcons) nor an operator (valoper) address", address)
	}
	val, err := k.staking.GetValidator(ctx, valAddr)
	if err != nil {
		return nil, status.Errorf(codes.NotFound, "validator %s: %v", address, err)
	}
	consAddr, err := val.GetConsAddr()
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return consAddr, nil
}
