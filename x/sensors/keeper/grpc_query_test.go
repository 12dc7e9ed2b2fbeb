package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/thalamus-network/thalamus/x/sensors/keeper"
	"github.com/thalamus-network/thalamus/x/sensors/types"
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
