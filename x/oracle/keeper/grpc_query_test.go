package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/thalamus-network/thalamus/x/oracle/keeper"
	"github.com/thalamus-network/thalamus/x/oracle/types"
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

// Tasks pages newest first, and the next page continues in the same direction; reverse
// gives oldest first. The open-task index pages the same way.
func TestQueryTasksPagesNewestFirst(t *testing.T) {
	f := newFixture(t)
	for seq := uint64(1); seq <= 5; seq++ {
		_, err := f.keeper.OpenSeriesTask(f.Ctx, types.TASK_KIND_SENSOR_BATCH, "sensors", "gateway", 0, []types.TaskItem{{SubjectId: 1, SubjectSeq: seq, PayloadHash: nil}})
		require.NoError(t, err)
	}
	q := keeper.NewQueryServerImpl(f.keeper)
	ids := func(status types.TaskStatus, reverse bool) []uint64 {
		var out []uint64
		var key []byte
		for {
			res, err := q.Tasks(f.Ctx, &types.QueryTasksRequest{Status: status, Pagination: &query.PageRequest{Key: key, Limit: 2, Reverse: reverse}})
			require.NoError(t, err)
			for _, task := range res.Tasks {
				out = append(out, task.Id)
			}
			if key = res.Pagination.NextKey; key == nil {
				return out
			}
		}
	}
	for _, status := range []types.TaskStatus{types.TASK_STATUS_UNSPECIFIED, types.TASK_STATUS_OPEN} {
		require.Equal(t, []uint64{5, 4, 3, 2, 1}, ids(status, false), status)
		require.Equal(t, []uint64{1, 2, 3, 4, 5}, ids(status, true), status)
	}
}
