package keeper

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/x/rewards/types"
)

type queryServer struct {
	k Keeper
}

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the x/rewards QueryServer.
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

// projectedEpoch is the current epoch as if it closed now.
func (q queryServer) projectedEpoch(ctx context.Context) (types.Epoch, types.Params, error) {
	params, err := q.k.Params.Get(ctx)
	if err != nil {
		return types.Epoch{}, params, err
	}
	cur, err := q.k.CurrentEpoch.Get(ctx)
	if err != nil {
		return cur, params, err
	}
	cur, _, err = q.k.project(ctx, params, cur)
	return cur, params, err
}

// CurrentEpoch returns the open epoch with its emission and pools projected to this height.
func (q queryServer) CurrentEpoch(ctx context.Context, req *types.QueryCurrentEpochRequest) (*types.QueryCurrentEpochResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	cur, params, err := q.projectedEpoch(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryCurrentEpochResponse{Epoch: cur, LastHeight: q.k.lastHeight(params, cur)}, nil
}

// Epoch returns a closed epoch.
func (q queryServer) Epoch(ctx context.Context, req *types.QueryEpochRequest) (*types.QueryEpochResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	e, err := q.k.Epochs.Get(ctx, req.Number)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "epoch %d is not closed", req.Number)
	}
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryEpochResponse{Epoch: e}, nil
}

// Schedule projects the emission of the next epochs, from the current one.
func (q queryServer) Schedule(ctx context.Context, req *types.QueryScheduleRequest) (*types.QueryScheduleResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	n := int(req.Epochs)
	if n == 0 {
		n = 10
	}
	if n > types.MaxScheduleEpochs {
		return nil, status.Errorf(codes.InvalidArgument, "at most %d epochs, got %d", types.MaxScheduleEpochs, n)
	}
	params, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	cur, err := q.k.CurrentEpoch.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	denom, err := q.k.stakingKeeper.BondDenom(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	schedule := params.Schedule(cur.Number, n, q.k.bankKeeper.GetSupply(ctx, denom).Amount)
	total := math.ZeroInt()
	for _, s := range schedule {
		total = total.Add(s.Emission)
	}
	return &types.QueryScheduleResponse{Emissions: schedule, Total: total}, nil
}

// Pools returns the current epoch's pools, the unclaimed rewards and the module balance.
func (q queryServer) Pools(ctx context.Context, req *types.QueryPoolsRequest) (*types.QueryPoolsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	cur, _, err := q.projectedEpoch(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	outstanding, err := q.k.Outstanding.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	minted, err := q.k.TotalMinted.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	denom, err := q.k.stakingKeeper.BondDenom(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	balance := q.k.bankKeeper.GetBalance(ctx, authtypes.NewModuleAddress(types.ModuleName), denom)
	return &types.QueryPoolsResponse{Pools: cur.Pools, Outstanding: outstanding, ModuleBalance: balance, TotalMinted: minted}, nil
}

// PendingRewards returns what an address can claim now and its work in the current epoch.
func (q queryServer) PendingRewards(ctx context.Context, req *types.QueryPendingRewardsRequest) (*types.QueryPendingRewardsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	addr, err := q.k.addressCodec.StringToBytes(req.Address)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "invalid address %q: %s", req.Address, err)
	}
	denom, err := q.k.stakingKeeper.BondDenom(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	accruals, cur, err := q.k.closedUnclaimed(ctx, addr)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	claimable := math.ZeroInt()
	for _, acc := range accruals {
		amount, _, err := q.k.earned(ctx, acc)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		claimable = claimable.Add(amount)
	}
	acc, err := q.k.Accruals.Get(ctx, collections.Join(sdk.AccAddress(addr), cur))
	if errors.Is(err, collections.ErrNotFound) {
		acc = types.Accrual{Address: req.Address, Epoch: cur, Units: types.ZeroUnits(), ClaimedAmount: math.ZeroInt()}
	} else if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	current, err := q.k.Receipt(ctx, addr, acc)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryPendingRewardsResponse{
		Claimable: sdk.NewCoin(denom, claimable), UnclaimedEpochs: uint32(len(accruals)), Current: current,
	}, nil
}

// Receipts lists an address's receipts, newest epoch first.
func (q queryServer) Receipts(ctx context.Context, req *types.QueryReceiptsRequest) (*types.QueryReceiptsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	addr, err := q.k.addressCodec.StringToBytes(req.Address)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "invalid address %q: %s", req.Address, err)
	}
	pagination := &query.PageRequest{}
	if req.Pagination != nil {
		*pagination = *req.Pagination
	}
	pagination.Reverse = !pagination.Reverse
	receipts, page, err := query.CollectionPaginate(ctx, q.k.Accruals, pagination,
		func(_ collections.Pair[sdk.AccAddress, uint64], acc types.Accrual) (types.Receipt, error) {
			return q.k.Receipt(ctx, addr, acc)
		}, query.WithCollectionPaginationPairPrefix[sdk.AccAddress, uint64](addr))
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryReceiptsResponse{Receipts: receipts, Pagination: page}, nil
}
