package keeper

import (
	"context"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/thalamus-network/thalamus/x/sensors/types"
)

type queryServer struct {
	k Keeper
}

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the x/sensors QueryServer.
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

// Devices pages through devices by id: all of them, one owner's, or one kind's (owner wins
// when both are given; the kind then filters the owner's devices).
func (q queryServer) Devices(ctx context.Context, req *types.QueryDevicesRequest) (*types.QueryDevicesResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	load := func(id uint64) (types.Device, error) { return q.k.Devices.Get(ctx, id) }
	var (
		devices []types.Device
		page    *query.PageResponse
		err     error
	)
	switch {
	case req.Owner != "":
		owner, aerr := q.k.address(req.Owner, "owner")
		if aerr != nil {
			return nil, status.Error(codes.InvalidArgument, aerr.Error())
		}
		devices, page, err = query.CollectionFilteredPaginate(ctx, q.k.DevicesByOwner, req.Pagination,
			func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (bool, error) {
				if req.Kind == "" {
					return true, nil
				}
				d, err := load(key.K2())
				return d.Kind == req.Kind, err
			},
			func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (types.Device, error) {
				return load(key.K2())
			}, query.WithCollectionPaginationPairPrefix[sdk.AccAddress, uint64](owner))
	case req.Kind != "":
		devices, page, err = query.CollectionPaginate(ctx, q.k.DevicesByKind, req.Pagination,
			func(key collections.Pair[string, uint64], _ collections.NoValue) (types.Device, error) {
				return load(key.K2())
			}, query.WithCollectionPaginationPairPrefix[string, uint64](req.Kind))
	default:
		devices, page, err = query.CollectionPaginate(ctx, q.k.Devices, req.Pagination,
			func(_ uint64, d types.Device) (types.Device, error) { return d, nil })
	}
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryDevicesResponse{Devices: devices, Pagination: page}, nil
}

// Device returns one device with its totals.
func (q queryServer) Device(ctx context.Context, req *types.QueryDeviceRequest) (*types.QueryDeviceResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	device, err := q.k.GetDevice(ctx, req.DeviceId)
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	stats, err := q.k.stats(ctx, req.DeviceId)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryDeviceResponse{Device: device, Stats: stats}, nil
}

// DeviceStats returns a device's batch, reading and quality totals.
func (q queryServer) DeviceStats(ctx context.Context, req *types.QueryDeviceStatsRequest) (*types.QueryDeviceStatsResponse, error) {
	resp, err := q.Device(ctx, (*types.QueryDeviceRequest)(req))
	if err != nil {
		return nil, err
	}
	return &types.QueryDeviceStatsResponse{Stats: resp.Stats}, nil
}

// Batches pages through a device's retained batches, newest first (reverse=true gives oldest first).
func (q queryServer) Batches(ctx context.Context, req *types.QueryBatchesRequest) (*types.QueryBatchesResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if _, err := q.k.GetDevice(ctx, req.DeviceId); err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	pageReq := &query.PageRequest{}
	if req.Pagination != nil {
		*pageReq = *req.Pagination
	}
	pageReq.Reverse = !pageReq.Reverse
	batches, page, err := query.CollectionPaginate(ctx, q.k.Batches, pageReq,
		func(_ BatchKey, b types.Batch) (types.Batch, error) { return b, nil },
		query.WithCollectionPaginationPairPrefix[uint64, uint64](req.DeviceId))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryBatchesResponse{Batches: batches, Pagination: page}, nil
}

// Batch returns one batch.
func (q queryServer) Batch(ctx context.Context, req *types.QueryBatchRequest) (*types.QueryBatchResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	batch, err := q.k.GetBatch(ctx, req.DeviceId, req.Seq)
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	return &types.QueryBatchResponse{Batch: batch}, nil
}
