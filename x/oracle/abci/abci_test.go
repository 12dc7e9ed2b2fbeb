package abci_test

import (
	"context"
	"errors"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cosmos/gogoproto/proto"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log"

	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	sdk "github.com/cosmos/cosmos-sdk/types"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/oracle"
	oracleabci "github.com/thalamus-network/thalamus/x/oracle/abci"
	"github.com/thalamus-network/thalamus/x/oracle/keeper"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// fakeSidecar returns fixed results, an error, or panics; with wait it answers only when the
// node's timeout has passed.
type fakeSidecar struct {
	ve    types.OracleVoteExtension
	err   error
	panic bool
	wait  bool
}

func (f fakeSidecar) Results(ctx context.Context, _ int64) (types.OracleVoteExtension, error) {
	if f.panic {
		panic("sidecar client bug")
	}
	if f.wait {
		<-ctx.Done()
	}
	return f.ve, f.err
}

// noRewards stands in for x/rewards, which these handlers never reach.
type noRewards struct{}

func (noRewards) AddValidatorWork(context.Context, sdk.ConsAddress, int64, uint64) error { return nil }

// newKeeper returns a keeper with default params and tasks 1-3 open.
func newKeeper(t *testing.T) (sdk.Context, keeper.Keeper) {
	f := keepertest.NewFixture(t, types.StoreKey, oracle.AppModule{})
	k := keeper.NewKeeper(f.Codec, f.AddressCodec, addresscodec.NewBech32Codec("thalamusvalcons"), f.StoreService, nil, nil, noRewards{}, f.Authority)
	require.NoError(t, k.InitGenesis(f.Ctx, types.DefaultGenesisState()))
	for seq := uint64(1); seq <= 3; seq++ {
		_, err := k.OpenSeriesTask(f.Ctx, types.TASK_KIND_SENSOR_BATCH, "sensors", "gateway", 0, []types.TaskItem{{SubjectId: 1, SubjectSeq: seq, PayloadHash: nil}})
		require.NoError(t, err)
	}
	return f.Ctx, k
}

func extend(t *testing.T, ctx sdk.Context, k keeper.Keeper, sc oracleabci.SidecarClient) types.OracleVoteExtension {
	t.Helper()
	resp, err := oracleabci.ExtendVoteHandler(k, sc, log.NewNopLogger(), newMetrics())(ctx, &abci.RequestExtendVote{Height: 5})
	require.NoError(t, err)
	ve, err := types.DecodeExtension(resp.VoteExtension, types.DefaultParams().MaxTasksPerVoteExtension)
	require.NoError(t, err, "our own extension must pass our own verification")
	return ve
}

// newMetrics registers the handlers' metrics in a registry of their own.
func newMetrics() *oracleabci.Metrics { return oracleabci.NewMetrics(prometheus.NewRegistry()) }

// The node's metrics count what each extension carried and why one went out empty.
func TestVoteExtensionMetrics(t *testing.T) {
	ctx, k := newKeeper(t)
	m := newMetrics()
	extend := func(sc oracleabci.SidecarClient) {
		_, err := oracleabci.ExtendVoteHandler(k, sc, log.NewNopLogger(), m)(ctx, &abci.RequestExtendVote{Height: 5})
		require.NoError(t, err)
	}
	extend(fakeSidecar{ve: types.OracleVoteExtension{Reports: []*types.TaskReport{{TaskId: 1}, {TaskId: 2}}}})
	extend(fakeSidecar{err: errors.New("connection refused")})
	extend(fakeSidecar{err: context.DeadlineExceeded, wait: true})
	extend(nil)
	extend(fakeSidecar{panic: true})
	for reason, want := range map[string]float64{"sidecar_error": 1, "sidecar_timeout": 1, "no_sidecar": 1, "panic": 1, "malformed": 0} {
		require.Equal(t, want, metricValue(t, m.EmptyExtensions.WithLabelValues(reason)).GetCounter().GetValue(), reason)
	}
	carried := metricValue(t, m.TasksCarried).GetHistogram()
	require.Equal(t, uint64(1), carried.GetSampleCount(), "only the extension sent with results")
	require.Equal(t, 2.0, carried.GetSampleSum(), "it carried 2 tasks")
	require.Equal(t, uint64(3), metricValue(t, m.SidecarLatency).GetHistogram().GetSampleCount(), "every sidecar call is timed")

	verify := oracleabci.VerifyVoteExtensionHandler(k, log.NewNopLogger(), m)
	_, err := verify(ctx, &abci.RequestVerifyVoteExtension{Height: 5, VoteExtension: []byte("\xff\xff")})
	require.NoError(t, err)
	require.Equal(t, 1.0, metricValue(t, m.RejectedExtensions).GetCounter().GetValue())
}

func metricValue(t *testing.T, m prometheus.Metric) *dto.Metric {
	t.Helper()
	var out dto.Metric
	require.NoError(t, m.Write(&out))
	return &out
}

func TestExtendVoteKeepsOpenTasksInOrder(t *testing.T) {
	ctx, k := newKeeper(t)
	ve := extend(t, ctx, k, fakeSidecar{ve: types.OracleVoteExtension{ModelHash: "ab", Reports: []*types.TaskReport{
		{TaskId: 3, Items: []types.ItemScore{{Score: 30}}}, {TaskId: 1, Items: []types.ItemScore{{Score: 10}}}, {TaskId: 9, Items: []types.ItemScore{{Score: 90}}}, {TaskId: 1, Items: []types.ItemScore{{Score: 11}}}, nil,
	}}})
	require.Equal(t, "ab", ve.ModelHash)
	require.Equal(t, []*types.TaskReport{{TaskId: 1, Items: []types.ItemScore{{Score: 10}}}, {TaskId: 3, Items: []types.ItemScore{{Score: 30}}}}, ve.Reports,
		"sorted, deduplicated, only open tasks")

	params := types.DefaultParams()
	params.MaxTasksPerVoteExtension = 1
	require.NoError(t, k.Params.Set(ctx, params))
	resp, err := oracleabci.ExtendVoteHandler(k, fakeSidecar{ve: types.OracleVoteExtension{Reports: []*types.TaskReport{{TaskId: 2}, {TaskId: 1}}}},
		log.NewNopLogger(), newMetrics())(ctx, &abci.RequestExtendVote{Height: 5})
	require.NoError(t, err)
	ve, err = types.DecodeExtension(resp.VoteExtension, 1)
	require.NoError(t, err)
	require.Equal(t, []*types.TaskReport{{TaskId: 1}}, ve.Reports, "capped, oldest first")
}

func TestExtendVoteIsEmptyOnAnyFailure(t *testing.T) {
	ctx, k := newKeeper(t)
	for name, sc := range map[string]oracleabci.SidecarClient{
		"no sidecar":  nil,
		"error":       fakeSidecar{err: errors.New("connection refused")},
		"panic":       fakeSidecar{panic: true},
		"bad results": fakeSidecar{ve: types.OracleVoteExtension{Reports: []*types.TaskReport{{TaskId: 1, Items: []types.ItemScore{{Score: 99_999}}}}}},
		"bad hash":    fakeSidecar{ve: types.OracleVoteExtension{ModelHash: "NOT HEX"}},
	} {
		resp, err := oracleabci.ExtendVoteHandler(k, sc, log.NewNopLogger(), newMetrics())(ctx, &abci.RequestExtendVote{Height: 5})
		require.NoError(t, err, name)
		require.Empty(t, resp.VoteExtension, name)
	}
}

func TestVerifyVoteExtension(t *testing.T) {
	ctx, k := newKeeper(t)
	verify := oracleabci.VerifyVoteExtensionHandler(k, log.NewNopLogger(), newMetrics())
	good, err := proto.Marshal(&types.OracleVoteExtension{Reports: []*types.TaskReport{{TaskId: 1, Verdict: types.VERDICT_PASS}}})
	require.NoError(t, err)
	bad, err := proto.Marshal(&types.OracleVoteExtension{Reports: []*types.TaskReport{{TaskId: 2}, {TaskId: 1}}})
	require.NoError(t, err)
	for bz, want := range map[string]abci.ResponseVerifyVoteExtension_VerifyStatus{
		"":             abci.ResponseVerifyVoteExtension_ACCEPT, // a validator without results
		string(good):   abci.ResponseVerifyVoteExtension_ACCEPT,
		string(bad):    abci.ResponseVerifyVoteExtension_REJECT,
		"\xff\xff\xff": abci.ResponseVerifyVoteExtension_REJECT,
	} {
		resp, err := verify(ctx, &abci.RequestVerifyVoteExtension{Height: 5, VoteExtension: []byte(bz)})
		require.NoError(t, err)
		require.Equal(t, want, resp.Status, "%x", bz)
	}
}

func TestProcessProposalChecksTheInjectedCommit(t *testing.T) {
	ctx, k := newKeeper(t)
	accept := func(sdk.Context, *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
		return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
	}
	h := oracleabci.NewProposalHandler(k, log.NewNopLogger(), nil, accept)
	process := h.ProcessProposal()
	enabled := ctx.WithConsensusParams(cmtproto.ConsensusParams{Abci: &cmtproto.ABCIParams{VoteExtensionsEnableHeight: 1}})

	// No injected commit: accepted, nothing to aggregate.
	resp, err := process(enabled, &abci.RequestProcessProposal{Height: 5, Txs: [][]byte{[]byte("tx")}})
	require.NoError(t, err)
	require.Equal(t, abci.ResponseProcessProposal_ACCEPT, resp.Status)

	// An injected commit that does not decode, or appears before extensions are enabled: rejected.
	garbage := append(append([]byte(nil), types.ExtensionMarker...), 0xff, 0xff)
	resp, err = process(enabled, &abci.RequestProcessProposal{Height: 5, Txs: [][]byte{garbage}})
	require.NoError(t, err)
	require.Equal(t, abci.ResponseProcessProposal_REJECT, resp.Status)
	commit, err := (&abci.ExtendedCommitInfo{}).Marshal()
	require.NoError(t, err)
	injected := append(append([]byte(nil), types.ExtensionMarker...), commit...)
	resp, err = process(ctx, &abci.RequestProcessProposal{Height: 5, Txs: [][]byte{injected}})
	require.NoError(t, err)
	require.Equal(t, abci.ResponseProcessProposal_REJECT, resp.Status)
}
