package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

func TestQueryParams(t *testing.T) {
	f := newFixture(t)
	q := keeper.NewQueryServerImpl(f.keeper)

	resp, err := q.Params(f.Ctx, &types.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, types.DefaultParams(), resp.Params)

	_, err = q.Params(f.Ctx, nil)
	require.Equal(t, codes.InvalidArgument, status.Code(err))
}

func TestQueryRegistry(t *testing.T) {
	f := newFixture(t)
	ms := keeper.NewMsgServerImpl(f.keeper)
	q := keeper.NewQueryServerImpl(f.keeper)
	_, a := f.registeredProvider(t, "a")
	_, b := f.registeredProvider(t, "b")
	uuids := []string{testUUID, testUUID2, "GPU-99999999-1111-2222-3333-444444444444"}
	for i, uuid := range uuids {
		owner := a
		if i == 2 {
			owner = b
		}
		m := gpuMsg(owner, uuid)
		if i == 1 {
			m.Class = "A100-80G"
		}
		_, err := ms.RegisterGPU(f.Ctx, m)
		require.NoError(t, err)
	}
	_, err := ms.RetireGPU(f.Ctx, &types.MsgRetireGPU{Provider: a, GpuId: 1})
	require.NoError(t, err)

	providers, err := q.Providers(f.Ctx, &types.QueryProvidersRequest{})
	require.NoError(t, err)
	require.Len(t, providers.Providers, 2)
	page, err := q.Providers(f.Ctx, &types.QueryProvidersRequest{Pagination: &query.PageRequest{Limit: 1, CountTotal: true}})
	require.NoError(t, err)
	require.Len(t, page.Providers, 1)
	require.Equal(t, uint64(2), page.Pagination.Total)

	one, err := q.Provider(f.Ctx, &types.QueryProviderRequest{Address: b})
	require.NoError(t, err)
	require.Equal(t, uint32(1), one.Provider.GpuCount)
	_, err = q.Provider(f.Ctx, &types.QueryProviderRequest{Address: f.Authority})
	require.Equal(t, codes.NotFound, status.Code(err))
	_, err = q.Provider(f.Ctx, &types.QueryProviderRequest{Address: "nope"})
	require.Equal(t, codes.InvalidArgument, status.Code(err))

	ids := func(req *types.QueryGPUsRequest) []uint64 {
		resp, err := q.GPUs(f.Ctx, req)
		require.NoError(t, err)
		var out []uint64
		for _, g := range resp.Gpus {
			out = append(out, g.Id)
		}
		return out
	}
	require.Equal(t, []uint64{1, 2, 3}, ids(&types.QueryGPUsRequest{}))
	require.Equal(t, []uint64{1, 2}, ids(&types.QueryGPUsRequest{Provider: a}))
	require.Equal(t, []uint64{1, 3}, ids(&types.QueryGPUsRequest{Class: "H100-SXM-80G"}))
	require.Equal(t, []uint64{2, 3}, ids(&types.QueryGPUsRequest{Status: types.GPU_STATUS_AVAILABLE}))
	require.Equal(t, []uint64{1}, ids(&types.QueryGPUsRequest{Status: types.GPU_STATUS_RETIRED}))
	_, err = q.GPUs(f.Ctx, &types.QueryGPUsRequest{Provider: a, Class: "A100-80G"})
	require.Equal(t, codes.InvalidArgument, status.Code(err))

	gpu, err := q.GPU(f.Ctx, &types.QueryGPURequest{Id: 3})
	require.NoError(t, err)
	require.Equal(t, b, gpu.Gpu.Provider)
	_, err = q.GPU(f.Ctx, &types.QueryGPURequest{Id: 42})
	require.Equal(t, codes.NotFound, status.Code(err))
}

func TestQueryLeases(t *testing.T) {
	m := newMarket(t, 3, 10) // 1 uthal per GPU-block
	q := keeper.NewQueryServerImpl(m.keeper)
	m.at(10)
	for _, deposit := range []int64{100, 5, 100} {
		_, err := m.ms.CreateLease(m.Ctx, leaseMsg(m.tenant, m.offerID, 1, 10, deposit))
		require.NoError(t, err)
	}
	_, err := m.ms.CloseLease(m.Ctx, &types.MsgCloseLease{Sender: m.tenant, LeaseId: 3, Reason: types.LEASE_CLOSE_REASON_TENANT_DONE})
	require.NoError(t, err)
	m.at(15)
	require.NoError(t, m.keeper.EndBlocker(m.Ctx)) // lease 2 runs dry and pauses

	ids := func(resp *types.QueryLeasesResponse, err error) []uint64 {
		require.NoError(t, err)
		var out []uint64
		for _, l := range resp.Leases {
			out = append(out, l.Id)
		}
		return out
	}
	require.Equal(t, []uint64{1, 2, 3}, ids(q.Leases(m.Ctx, &types.QueryLeasesRequest{})))
	require.Equal(t, []uint64{1}, ids(q.Leases(m.Ctx, &types.QueryLeasesRequest{State: types.LEASE_STATE_ACTIVE})))
	require.Equal(t, []uint64{2}, ids(q.Leases(m.Ctx, &types.QueryLeasesRequest{State: types.LEASE_STATE_PAUSED})))
	require.Equal(t, []uint64{3}, ids(q.Leases(m.Ctx, &types.QueryLeasesRequest{State: types.LEASE_STATE_CLOSED})))
	require.Equal(t, []uint64{1, 2, 3}, ids(q.LeasesByTenant(m.Ctx, &types.QueryLeasesByTenantRequest{Tenant: m.tenant})))
	require.Equal(t, []uint64{2}, ids(q.LeasesByTenant(m.Ctx, &types.QueryLeasesByTenantRequest{Tenant: m.tenant, State: types.LEASE_STATE_PAUSED})))
	require.Equal(t, []uint64{1, 2, 3}, ids(q.LeasesByProvider(m.Ctx, &types.QueryLeasesByProviderRequest{Provider: m.provider})))
	require.Empty(t, ids(q.LeasesByProvider(m.Ctx, &types.QueryLeasesByProviderRequest{Provider: m.tenant})))
	page, err := q.LeasesByProvider(m.Ctx, &types.QueryLeasesByProviderRequest{Provider: m.provider, Pagination: &query.PageRequest{Limit: 2, CountTotal: true}})
	require.NoError(t, err)
	require.Len(t, page.Leases, 2)
	require.Equal(t, uint64(3), page.Pagination.Total)
	_, err = q.LeasesByTenant(m.Ctx, &types.QueryLeasesByTenantRequest{Tenant: "nope"})
	require.Equal(t, codes.InvalidArgument, status.Code(err))

	// Lease 1 has accrued 10 blocks by height 20 without a settlement.
	m.at(20)
	one, err := q.Lease(m.Ctx, &types.QueryLeaseRequest{Id: 1})
	require.NoError(t, err)
	require.Equal(t, int64(20), one.Height)
	require.Equal(t, uthal(10), one.Accrued)
	require.Equal(t, uthal(90), one.EscrowAfterSettlement)
	require.Equal(t, uint64(90), one.BlocksLeft)
	require.Equal(t, uthal(100), one.Lease.Escrow, "the stored lease is unchanged by the query")
	_, err = q.Lease(m.Ctx, &types.QueryLeaseRequest{Id: 42})
	require.Equal(t, codes.NotFound, status.Code(err))
}
