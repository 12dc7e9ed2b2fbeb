package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/thalamus-network/thalamus/x/rewards/keeper"
	"github.com/thalamus-network/thalamus/x/rewards/types"
)

func TestQueryParams(t *testing.T) {
	f := newFixture(t)
	q := keeper.NewQueryServerImpl(f.keeper)

	resp, err := q.Params(f.Ctx, &types.QueryParamsRequest{})
	require.NoError(t, err)
	want := types.DefaultParams()
	want.EpochBlocks = 10 // the fixture's
	require.Equal(t, want, resp.Params)

	_, err = q.Params(f.Ctx, nil)
	require.Equal(t, codes.InvalidArgument, status.Code(err))
}

func TestQueryEpochsPoolsAndSchedule(t *testing.T) {
	f := newFixture(t)
	q := keeper.NewQueryServerImpl(f.keeper)
	p := types.DefaultParams()
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, testAddress("op"), 1, 100, 10000))

	cur, err := q.CurrentEpoch(f.Ctx, &types.QueryCurrentEpochRequest{})
	require.NoError(t, err)
	require.Equal(t, int64(10), cur.LastHeight)
	require.Equal(t, p.InitialEpochEmission, cur.Epoch.Emission, "projected as if it closed now")
	require.Equal(t, dec("100"), cur.Epoch.Pools[1].Units)

	pools, err := q.Pools(f.Ctx, &types.QueryPoolsRequest{})
	require.NoError(t, err)
	require.Equal(t, cur.Epoch.Pools, pools.Pools)
	require.True(t, pools.Outstanding.IsZero())

	_, err = q.Epoch(f.Ctx, &types.QueryEpochRequest{Number: 0})
	require.Equal(t, codes.NotFound, status.Code(err))
	closed := f.endEpoch(t)
	e, err := q.Epoch(f.Ctx, &types.QueryEpochRequest{Number: 0})
	require.NoError(t, err)
	require.Equal(t, closed, e.Epoch)
	pools, err = q.Pools(f.Ctx, &types.QueryPoolsRequest{})
	require.NoError(t, err)
	require.Equal(t, closed.Pools[1].Amount, pools.Outstanding)
	require.Equal(t, closed.Pools[1].Amount, pools.ModuleBalance.Amount)
	require.Equal(t, closed.Emission, pools.TotalMinted)

	s, err := q.Schedule(f.Ctx, &types.QueryScheduleRequest{Epochs: 3})
	require.NoError(t, err)
	require.Len(t, s.Emissions, 3)
	require.Equal(t, uint64(1), s.Emissions[0].Epoch)
	require.Equal(t, p.EpochEmission(1, f.bank.supply), s.Emissions[0].Emission)
	require.Equal(t, s.Emissions[0].Emission.Add(s.Emissions[1].Emission).Add(s.Emissions[2].Emission), s.Total)
	_, err = q.Schedule(f.Ctx, &types.QueryScheduleRequest{Epochs: types.MaxScheduleEpochs + 1})
	require.Equal(t, codes.InvalidArgument, status.Code(err))
}

func TestQueryPendingRewardsAndReceipts(t *testing.T) {
	f := newFixture(t)
	q := keeper.NewQueryServerImpl(f.keeper)
	op := testAddress("op")
	addr := f.bech32(t, op)
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, op, 1, 100, 10000))
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, op, 2, 100, 2500))
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, op, 2, 100, 7500))
	closed := f.endEpoch(t)
	require.NoError(t, f.keeper.AddSensorWork(f.Ctx, op, 1, 50, 10000))

	pending, err := q.PendingRewards(f.Ctx, &types.QueryPendingRewardsRequest{Address: addr})
	require.NoError(t, err)
	require.Equal(t, uint32(1), pending.UnclaimedEpochs)
	require.Equal(t, types.Payout(dec("200"), closed.Pools[1].RewardPerUnit), pending.Claimable.Amount)
	require.False(t, pending.Current.Closed)
	require.Len(t, pending.Current.Pools, 1, "only the pools worked for")
	require.Equal(t, dec("50"), pending.Current.Pools[0].Units)

	res, err := q.Receipts(f.Ctx, &types.QueryReceiptsRequest{Address: addr})
	require.NoError(t, err)
	require.Len(t, res.Receipts, 2)
	require.Equal(t, uint64(1), res.Receipts[0].Epoch, "newest first")
	r := res.Receipts[1]
	require.True(t, r.Closed)
	require.Equal(t, pending.Claimable.Amount, r.Amount)
	require.Len(t, r.Items, 2)
	require.Equal(t, "device/1", r.Items[0].Source)
	require.Equal(t, dec("1"), r.Items[0].Multiplier)
	require.Equal(t, "device/2", r.Items[1].Source)
	require.Equal(t, dec("0.5"), r.Items[1].Multiplier, "the faulty device's average batch score")
	require.Equal(t, uint64(2), r.Items[1].Records)
	require.Len(t, r.Pools, 1)
	require.Equal(t, closed.Pools[1].RewardPerUnit, r.Pools[0].RewardPerUnit)

	_, err = q.PendingRewards(f.Ctx, &types.QueryPendingRewardsRequest{Address: "nope"})
	require.Equal(t, codes.InvalidArgument, status.Code(err))
	_, err = q.Receipts(f.Ctx, &types.QueryReceiptsRequest{Address: "nope"})
	require.Equal(t, codes.InvalidArgument, status.Code(err))
}
