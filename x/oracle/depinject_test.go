package oracle_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/oracle"
	"github.com/thalamus-network/thalamus/x/oracle/keeper"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

type nopHooks struct{}

func (nopHooks) OnTaskFinalized(context.Context, types.Task) error { return nil }
func (nopHooks) OnTaskExpired(context.Context, types.Task) error   { return nil }

func newKeeper(t *testing.T) keeper.Keeper {
	f := keepertest.NewFixture(t, types.StoreKey, oracle.AppModule{})
	return keeper.NewKeeper(f.Codec, f.AddressCodec, f.AddressCodec, f.StoreService, nil, nil, nil, f.Authority)
}

// The app starts only when every task kind has exactly one module receiving its results.
func TestInvokeSetTaskHooks(t *testing.T) {
	gpu := types.TaskHooksWrapper{Kind: types.TASK_KIND_GPU_CHALLENGE, Hooks: nopHooks{}}
	batch := types.TaskHooksWrapper{Kind: types.TASK_KIND_SENSOR_BATCH, Hooks: nopHooks{}}

	k := newKeeper(t)
	require.NoError(t, oracle.InvokeSetTaskHooks(k, map[string]types.TaskHooksWrapper{"compute": gpu, "sensors": batch}))
	require.Empty(t, k.MissingHooks())

	err := oracle.InvokeSetTaskHooks(newKeeper(t), map[string]types.TaskHooksWrapper{"compute": gpu})
	require.ErrorContains(t, err, "TASK_KIND_SENSOR_BATCH", "a missing module is named")

	err = oracle.InvokeSetTaskHooks(newKeeper(t), map[string]types.TaskHooksWrapper{"compute": gpu, "other": gpu, "sensors": batch})
	require.ErrorContains(t, err, "modules compute and other both provide hooks for TASK_KIND_GPU_CHALLENGE")

	err = oracle.InvokeSetTaskHooks(newKeeper(t), map[string]types.TaskHooksWrapper{"x": {Kind: types.TASK_KIND_UNSPECIFIED, Hooks: nopHooks{}}})
	require.ErrorContains(t, err, "invalid task kind")
}
