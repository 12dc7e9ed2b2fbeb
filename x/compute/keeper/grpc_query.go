package keeper

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

type queryServer struct {
	k Keeper
}

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the x/compute QueryServer.
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

// Providers pages through all providers in address order.
func (q queryServer) Providers(ctx context.Context, req *types.QueryProvidersRequest) (*types.QueryProvidersResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	providers, page, err := query.CollectionPaginate(ctx, q.k.Providers, req.Pagination,
		func(_ sdk.AccAddress, p types.Provider) (types.Provider, error) { return p, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryProvidersResponse{Providers: providers, Pagination: page}, nil
}

// Provider returns one provider.
func (q queryServer) Provider(ctx context.Context, req *types.QueryProviderRequest) (*types.QueryProviderResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	addr, _, err := q.k.decodeAddress(req.Address)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	p, err := queryGet(ctx, q.k.Providers, addr, "provider "+req.Address)
	if err != nil {
		return nil, err
	}
	return &types.QueryProviderResponse{Provider: p}, nil
}

// GPUs pages through GPUs by id, or through one index when a filter is given.
func (q queryServer) GPUs(ctx context.Context, req *types.QueryGPUsRequest) (*types.QueryGPUsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	filters := 0
	for _, set := range []bool{req.Provider != "", req.Class != "", req.Status != types.GPU_STATUS_UNSPECIFIED} {
		if set {
			filters++
		}
	}
	if filters > 1 {
		return nil, status.Error(codes.InvalidArgument, "filter by at most one of provider, class and status")
	}
	// Filtered pages walk the GPU map in id order; the indexes serve the keeper's own lookups.
	var providerAddr string
	if req.Provider != "" {
		_, canonical, err := q.k.decodeAddress(req.Provider)
		if err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		providerAddr = canonical
	}
	gpus, page, err := query.CollectionFilteredPaginate(ctx, q.k.GPUs, req.Pagination,
		func(_ uint64, g types.GPU) (bool, error) {
			return (providerAddr == "" || g.Provider == providerAddr) &&
				(req.Class == "" || g.Class == req.Class) &&
				(req.Status == types.GPU_STATUS_UNSPECIFIED || g.Status == req.Status), nil
		},
		func(_ uint64, g types.GPU) (types.GPU, error) { return g, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryGPUsResponse{Gpus: gpus, Pagination: page}, nil
}

// GPU returns one GPU by id.
func (q queryServer) GPU(ctx context.Context, req *types.QueryGPURequest) (*types.QueryGPUResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	g, err := queryGet(ctx, q.k.GPUs, req.Id, fmt.Sprintf("gpu %d", req.Id))
	if err != nil {
		return nil, err
	}
	return &types.QueryGPUResponse{Gpu: g}, nil
}

// OffersByClass pages through one class's offers in matching order: cheapest, then oldest.
func (q queryServer) OffersByClass(ctx context.Context, req *types.QueryOffersByClassRequest) (*types.QueryOffersByClassResponse, error) {
	if req == nil || req.Class == "" {
		return nil, status.Error(codes.InvalidArgument, "class is required")
	}
	offers, page, err := query.CollectionPaginate(ctx, q.k.OffersByPrice, req.Pagination,
		func(key collections.Pair[string, PriceID], _ collections.NoValue) (types.Offer, error) {
			return q.k.Offers.Get(ctx, key.K2().K2())
		}, query.WithCollectionPaginationPairPrefix[string, PriceID](req.Class))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryOffersByClassResponse{Offers: offers, Pagination: page}, nil
}

// Offer returns one offer by id.
func (q queryServer) Offer(ctx context.Context, req *types.QueryOfferRequest) (*types.QueryOfferResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	o, err := queryGet(ctx, q.k.Offers, req.Id, fmt.Sprintf("offer %d", req.Id))
	if err != nil {
		return nil, err
	}
	return &types.QueryOfferResponse{Offer: o}, nil
}

// queryGet reads key for a query, answering NotFound for a missing key.
func queryGet[K, V any](ctx context.Context, m getter[K, V], key K, what string) (V, error) {
	v, err := m.Get(ctx, key)
	if errors.Is(err, collections.ErrNotFound) {
		return v, status.Errorf(codes.NotFound, "%s not found", what)
	} else if err != nil {
		return v, status.Error(codes.Internal, err.Error())
	}
	return v, nil
}

// Leases pages through all leases by id, or through one state's index.
func (q queryServer) Leases(ctx context.Context, req *types.QueryLeasesRequest) (*types.QueryLeasesResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if req.State == types.LEASE_STATE_UNSPECIFIED {
		leases, page, err := query.CollectionPaginate(ctx, q.k.Leases, req.Pagination,
			func(_ uint64, l types.Lease) (types.Lease, error) { return l, nil })
		if err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		return &types.QueryLeasesResponse{Leases: leases, Pagination: page}, nil
	}
	leases, page, err := query.CollectionPaginate(ctx, q.k.LeasesByState, req.Pagination,
		func(key collections.Pair[int32, uint64], _ collections.NoValue) (types.Lease, error) {
			return q.k.Leases.Get(ctx, key.K2())
		}, query.WithCollectionPaginationPairPrefix[int32, uint64](int32(req.State)))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryLeasesResponse{Leases: leases, Pagination: page}, nil
}

// LeasesByTenant pages through a tenant's leases by id.
func (q queryServer) LeasesByTenant(ctx context.Context, req *types.QueryLeasesByTenantRequest) (*types.QueryLeasesResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	return q.partyLeases(ctx, q.k.LeasesByTenant, req.Tenant, req.State, req.Pagination)
}

// LeasesByProvider pages through a provider's leases by id.
func (q queryServer) LeasesByProvider(ctx context.Context, req *types.QueryLeasesByProviderRequest) (*types.QueryLeasesResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	return q.partyLeases(ctx, q.k.LeasesByProvider, req.Provider, req.State, req.Pagination)
}

// partyLeases pages through one tenant's or provider's index, keeping leases in state if it is set.
func (q queryServer) partyLeases(ctx context.Context, index collections.KeySet[collections.Pair[sdk.AccAddress, uint64]],
	party string, state types.LeaseState, pageReq *query.PageRequest,
) (*types.QueryLeasesResponse, error) {
	addr, _, err := q.k.decodeAddress(party)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	leases, page, err := query.CollectionFilteredPaginate(ctx, index, pageReq,
		func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (bool, error) {
			if state == types.LEASE_STATE_UNSPECIFIED {
				return true, nil
			}
			l, err := q.k.Leases.Get(ctx, key.K2())
			return l.State == state, err
		},
		func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (types.Lease, error) {
			return q.k.Leases.Get(ctx, key.K2())
		}, query.WithCollectionPaginationPairPrefix[sdk.AccAddress, uint64](addr))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryLeasesResponse{Leases: leases, Pagination: page}, nil
}

// Lease returns one lease and what settling it at the current height would do.
func (q queryServer) Lease(ctx context.Context, req *types.QueryLeaseRequest) (*types.QueryLeaseResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	lease, err := queryGet(ctx, q.k.Leases, req.Id, fmt.Sprintf("lease %d", req.Id))
	if err != nil {
		return nil, err
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	now := lease
	now.AccrueTo(height)
	due := now.Due()
	return &types.QueryLeaseResponse{
		Lease:                 lease,
		Height:                height,
		Accrued:               sdk.NewCoin(lease.PricePerGpuHour.Denom, due),
		EscrowAfterSettlement: sdk.NewCoin(lease.PricePerGpuHour.Denom, lease.Escrow.Amount.Sub(due)),
		BlocksLeft:            now.BlocksLeft(),
	}, nil
}

// Challenge returns one proof-of-work challenge.
func (q queryServer) Challenge(ctx context.Context, req *types.QueryChallengeRequest) (*types.QueryChallengeResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	c, err := queryGet(ctx, q.k.Challenges, req.Id, fmt.Sprintf("challenge %d", req.Id))
	if err != nil {
		return nil, err
	}
	return &types.QueryChallengeResponse{Challenge: c}, nil
}

// ChallengesByProvider pages through a provider's challenges by id, keeping one state if set.
func (q queryServer) ChallengesByProvider(ctx context.Context, req *types.QueryChallengesByProviderRequest) (*types.QueryChallengesResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	addr, _, err := q.k.decodeAddress(req.Provider)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	// Open challenges, which agents poll, have their own index; other states filter the full one.
	index := q.k.ChallengesByProvider
	if req.State == types.CHALLENGE_STATE_OPEN {
		index = q.k.OpenChallenges
	}
	challenges, page, err := query.CollectionFilteredPaginate(ctx, index, req.Pagination,
		func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (bool, error) {
			if req.State == types.CHALLENGE_STATE_UNSPECIFIED || req.State == types.CHALLENGE_STATE_OPEN {
				return true, nil
			}
			c, err := q.k.Challenges.Get(ctx, key.K2())
			return c.State == req.State, err
		},
		func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (types.Challenge, error) {
			return q.k.Challenges.Get(ctx, key.K2())
		}, query.WithCollectionPaginationPairPrefix[sdk.AccAddress, uint64](addr))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryChallengesResponse{Challenges: challenges, Pagination: page}, nil
}

// PowEpoch returns the current proof-of-work epoch.
func (q queryServer) PowEpoch(ctx context.Context, req *types.QueryPowEpochRequest) (*types.QueryPowEpochResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	epoch, err := q.k.PowEpoch.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Error(codes.NotFound, "no proof-of-work epoch yet: no challenge has been issued")
	} else if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryPowEpochResponse{Epoch: epoch}, nil
}

// Orders pages through standing orders: a class's open book when both are given, else one
// state's index, else all orders, keeping only the class when it is set.
func (q queryServer) Orders(ctx context.Context, req *types.QueryOrdersRequest) (*types.QueryOrdersResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	ofClass := func(o types.Order) bool { return req.Class == "" || o.Class == req.Class }
	var (
		orders []types.Order
		page   *query.PageResponse
		err    error
	)
	if req.State == types.ORDER_STATE_UNSPECIFIED {
		orders, page, err = query.CollectionFilteredPaginate(ctx, q.k.Orders, req.Pagination,
			func(_ uint64, o types.Order) (bool, error) { return ofClass(o), nil },
			func(_ uint64, o types.Order) (types.Order, error) { return o, nil })
	} else {
		orders, page, err = query.CollectionFilteredPaginate(ctx, q.k.OrdersByState, req.Pagination,
			func(key collections.Pair[int32, uint64], _ collections.NoValue) (bool, error) {
				o, err := q.k.Orders.Get(ctx, key.K2())
				return err == nil && ofClass(o), err
			},
			func(key collections.Pair[int32, uint64], _ collections.NoValue) (types.Order, error) {
				return q.k.Orders.Get(ctx, key.K2())
			}, query.WithCollectionPaginationPairPrefix[int32, uint64](int32(req.State)))
	}
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryOrdersResponse{Orders: orders, Pagination: page}, nil
}

// Order returns one standing order.
func (q queryServer) Order(ctx context.Context, req *types.QueryOrderRequest) (*types.QueryOrderResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	order, err := queryGet(ctx, q.k.Orders, req.Id, fmt.Sprintf("order %d", req.Id))
	if err != nil {
		return nil, err
	}
	return &types.QueryOrderResponse{Order: order}, nil
}

// Market returns a class's market data, or every catalogue class's, with the figures derived
// from it; a class with no event yet has zero counts.
func (q queryServer) Market(ctx context.Context, req *types.QueryMarketRequest) (*types.QueryMarketResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	params, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	classes := params.GpuClasses
	if req.Class != "" {
		if !params.HasGpuClass(req.Class) {
			return nil, status.Errorf(codes.NotFound, "class %q is not in the catalogue %v", req.Class, params.GpuClasses)
		}
		classes = []string{req.Class}
	}
	resp := &types.QueryMarketResponse{}
	for _, class := range classes {
		m, err := q.k.market(ctx, class)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		s, err := q.k.Summary(ctx, m)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		resp.Markets = append(resp.Markets, s)
	}
	return resp, nil
}
