package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/thalamus-network/thalamus/testutil/network"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	rewardstypes "github.com/thalamus-network/thalamus/x/rewards/types"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

// TestNetworkServesAllModules runs two validators that must reach consensus, and checks
// that every Thalamus module answers its params over gRPC, REST, reflection and ABCI.
func TestNetworkServesAllModules(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an in-process network")
	}
	cfg := network.DefaultConfig()
	cfg.NumValidators = 2
	net := network.New(t, cfg)
	_, err := net.WaitForHeightWithTimeout(3, network.WaitTimeout)
	require.NoError(t, err, "two validators must reach consensus")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The SDK network serves gRPC and REST on its first validator only.
	val := net.Validators[0]
	conn, err := grpc.NewClient(val.AppConfig.GRPC.Address,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(codec.NewProtoCodec(cfg.InterfaceRegistry).GRPCCodec())),
	)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })

	compute, err := computetypes.NewQueryClient(conn).Params(ctx, &computetypes.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, computetypes.DefaultParams(), compute.Params)

	sensors, err := sensorstypes.NewQueryClient(conn).Params(ctx, &sensorstypes.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, sensorstypes.DefaultParams(), sensors.Params)

	oracle, err := oracletypes.NewQueryClient(conn).Params(ctx, &oracletypes.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, oracletypes.DefaultParams(), oracle.Params)

	rewards, err := rewardstypes.NewQueryClient(conn).Params(ctx, &rewardstypes.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, rewardstypes.DefaultParams(), rewards.Params)

	services := listServices(ctx, t, conn)
	for _, m := range modules {
		require.Contains(t, services, fmt.Sprintf("thalamus.%s.v1.Query", m))

		body := httpGet(ctx, t, fmt.Sprintf("%s/thalamus/%s/v1/params", val.APIAddress, m))
		var resp struct {
			Params map[string]any `json:"params"`
		}
		require.NoError(t, json.Unmarshal(body, &resp), string(body))
		require.NotEmpty(t, resp.Params, string(body))
	}

	// Both validators sign the same blocks: the commit of a recent height carries a
	// signature from each, which a validator with a different app hash would not give.
	height, err := net.LatestHeight()
	require.NoError(t, err)
	commit, err := val.RPCClient.Commit(ctx, &height)
	require.NoError(t, err)
	signed := 0
	for _, sig := range commit.Commit.Signatures {
		if sig.BlockIDFlag == cmttypes.BlockIDFlagCommit {
			signed++
		}
	}
	require.Equal(t, cfg.NumValidators, signed)

	// ABCI queries reach every module too.
	for _, m := range modules {
		res, err := val.RPCClient.ABCIQuery(ctx, fmt.Sprintf("/thalamus.%s.v1.Query/Params", m), nil)
		require.NoError(t, err)
		require.Zero(t, res.Response.Code, res.Response.Log)
		require.NotEmpty(t, res.Response.Value)
	}
}

var modules = []string{"compute", "sensors", "oracle", "rewards"}

// listServices asks the node's gRPC server reflection for the services it serves.
func listServices(ctx context.Context, t *testing.T, conn *grpc.ClientConn) []string {
	t.Helper()
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	require.NoError(t, err)
	require.NoError(t, stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	}))
	resp, err := stream.Recv()
	require.NoError(t, err)
	require.NoError(t, stream.CloseSend())
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.Name)
	}
	return names
}

func httpGet(ctx context.Context, t *testing.T, url string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { require.NoError(t, resp.Body.Close()) }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	return body
}
