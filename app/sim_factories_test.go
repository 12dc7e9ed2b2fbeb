package app_test

import (
	"math/rand"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/testutil/simsx"
	sdk "github.com/cosmos/cosmos-sdk/types"
	simtypes "github.com/cosmos/cosmos-sdk/types/simulation"

	"github.com/thalamus-network/thalamus/app"
	computesim "github.com/thalamus-network/thalamus/x/compute/simulation"
	rewardssim "github.com/thalamus-network/thalamus/x/rewards/simulation"
	sensorssim "github.com/thalamus-network/thalamus/x/sensors/simulation"
)

// TestComputeSimFactoriesProduceValidMessages runs every x/compute simulation factory many
// times against a real app, delivering each message it produces through the app's msg
// router: a factory may skip, but a message it produces must be accepted, and every
// message type must be produced at least once.
func TestComputeSimFactoriesProduceValidMessages(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	a, ctx, accounts := simFactoryApp(t, r)
	k := a.ComputeKeeper
	factories := map[string]func(sdk.Context, *simsx.ChainDataSource, simsx.SimulationReporter) sdk.Msg{
		"UpdateParams":      produce(computesim.MsgUpdateParamsFactory()),
		"RegisterProvider":  produce(computesim.MsgRegisterProviderFactory(k)),
		"UpdateProvider":    produce(computesim.MsgUpdateProviderFactory(k)),
		"AddCollateral":     produce(computesim.MsgAddCollateralFactory(k)),
		"UnbondProvider":    produce(computesim.MsgUnbondProviderFactory(k)),
		"RegisterGPU":       produce(computesim.MsgRegisterGPUFactory(k)),
		"RetireGPU":         produce(computesim.MsgRetireGPUFactory(k)),
		"CreateOffer":       produce(computesim.MsgCreateOfferFactory(k)),
		"UpdateOffer":       produce(computesim.MsgUpdateOfferFactory(k)),
		"CloseOffer":        produce(computesim.MsgCloseOfferFactory(k)),
		"CreateLease":       produce(computesim.MsgCreateLeaseFactory(k)),
		"DepositLease":      produce(computesim.MsgDepositLeaseFactory(k)),
		"CloseLease":        produce(computesim.MsgCloseLeaseFactory(k)),
		"WithdrawLease":     produce(computesim.MsgWithdrawLeaseFactory(k)),
		"WithdrawAllLeases": produce(computesim.MsgWithdrawAllLeasesFactory(k)),
		"SubmitWork":        produce(computesim.MsgSubmitWorkFactory(k)),
		"ConfirmLease":      produce(computesim.MsgConfirmLeaseFactory(k)),
	}
	// Weights favour growth, so later factories find providers, GPUs and offers to act on.
	order := []string{
		"RegisterProvider", "RegisterProvider", "RegisterGPU", "RegisterGPU", "RegisterGPU", "CreateOffer",
		"CreateOffer", "UpdateOffer", "UpdateProvider", "AddCollateral", "RetireGPU", "CloseOffer",
		"UnbondProvider", "UpdateParams", "CreateLease", "CreateLease", "CreateLease", "DepositLease",
		"CloseLease", "WithdrawLease", "WithdrawAllLeases", "SubmitWork", "SubmitWork", "ConfirmLease",
	}
	ctx = deliverFactories(t, a, ctx, r, accounts, factories, order, func(ctx sdk.Context) sdk.Context {
		// Blocks pass now and then, so leases accrue, run dry, pause and expire in EndBlock.
		ctx = ctx.WithBlockHeight(ctx.BlockHeight() + int64(1+r.Intn(200)))
		require.NoError(t, k.EndBlocker(ctx))
		require.NoError(t, k.EscrowInvariant(ctx))
		return ctx
	})
	require.NoError(t, k.EscrowInvariant(ctx))
}

// produce adapts a typed simsx factory to return sdk.Msg.
func produce[T sdk.Msg](f simsx.SimMsgFactoryFn[T]) func(sdk.Context, *simsx.ChainDataSource, simsx.SimulationReporter) sdk.Msg {
	return func(ctx sdk.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) sdk.Msg {
		_, msg := f(ctx, testData, reporter)
		if reporter.IsSkipped() {
			return nil
		}
		return msg
	}
}

// simFactoryApp starts an app with six rich random accounts at height 2.
func simFactoryApp(t *testing.T, r *rand.Rand) (*app.App, sdk.Context, []simtypes.Account) {
	t.Helper()
	accounts := simtypes.RandomAccounts(r, 6)
	a := newApp(t)
	genesis := genesisWithAccounts(t, a, accounts)
	initChain(t, a, genesis)
	finalizeAndCommit(t, a, 1)
	ctx := a.NewUncachedContext(false, cmtproto.Header{Height: 2, ChainID: chainID, Time: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)})
	return a, ctx, accounts
}

// TestSensorsSimFactoriesProduceValidMessages does the same for every x/sensors factory.
func TestSensorsSimFactoriesProduceValidMessages(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	a, ctx, accounts := simFactoryApp(t, r)
	k := a.SensorsKeeper
	factories := map[string]func(sdk.Context, *simsx.ChainDataSource, simsx.SimulationReporter) sdk.Msg{
		"UpdateParams":         produce(sensorssim.MsgUpdateParamsFactory()),
		"RegisterDevice":       produce(sensorssim.MsgRegisterDeviceFactory(k)),
		"UpdateDevice":         produce(sensorssim.MsgUpdateDeviceFactory(k)),
		"TransferDevice":       produce(sensorssim.MsgTransferDeviceFactory(k)),
		"AcceptDeviceTransfer": produce(sensorssim.MsgAcceptDeviceTransferFactory(k)),
		"DeactivateDevice":     produce(sensorssim.MsgDeactivateDeviceFactory(k)),
		"CommitBatch":          produce(sensorssim.MsgCommitBatchFactory(k)),
	}
	order := []string{
		"RegisterDevice", "RegisterDevice", "UpdateDevice", "TransferDevice", "AcceptDeviceTransfer",
		"DeactivateDevice", "UpdateParams", "CommitBatch", "CommitBatch", "CommitBatch", "CommitBatch",
	}
	ctx = deliverFactories(t, a, ctx, r, accounts, factories, order, func(ctx sdk.Context) sdk.Context {
		// Blocks pass now and then, so batch records reach their retention and are pruned.
		ctx = ctx.WithBlockHeight(ctx.BlockHeight() + int64(1+r.Intn(200))).WithBlockTime(ctx.BlockTime().Add(time.Duration(1+r.Intn(600)) * time.Second))
		require.NoError(t, k.EndBlocker(ctx))
		return ctx
	})
	gs, err := k.ExportGenesis(ctx)
	require.NoError(t, err)
	require.NoError(t, gs.Validate())
}

// deliverFactories runs factories picked from order 1,000 times, delivering each produced
// message through the app's msg router, with newBlock every 20 steps. Every produced
// message must be accepted and every factory must produce at least once. It returns the
// final context.
func deliverFactories(t *testing.T, a *app.App, ctx sdk.Context, r *rand.Rand, accounts []simtypes.Account,
	factories map[string]func(sdk.Context, *simsx.ChainDataSource, simsx.SimulationReporter) sdk.Msg,
	order []string, newBlock func(sdk.Context) sdk.Context,
) sdk.Context {
	t.Helper()
	delivered := map[string]int{}
	for i := 0; i < 1000; i++ {
		if i%20 == 19 {
			ctx = newBlock(ctx)
		}
		name := order[r.Intn(len(order))]
		testData := simsx.NewChainDataSource(ctx, r, a.AccountKeeper, a.BankKeeper, a.AccountKeeper.AddressCodec(), accounts...)
		reporter := simsx.NewBasicSimulationReporter()
		msg := factories[name](ctx, testData, reporter)
		if reporter.IsSkipped() || msg == nil {
			continue
		}
		handler := a.MsgServiceRouter().Handler(msg)
		require.NotNil(t, handler, name)
		_, err := handler(ctx, msg)
		require.NoError(t, err, "%s produced a rejected message: %v", name, msg)
		delivered[name]++
	}
	for name := range factories {
		require.Positive(t, delivered[name], "factory %s never produced a message", name)
	}
	t.Logf("delivered: %v", delivered)
	return ctx
}

// TestRewardsSimFactoriesProduceValidMessages credits random accounts with work, closes
// epochs now and then, and checks that claims the factory produces are accepted and that
// the module's invariants hold throughout.
func TestRewardsSimFactoriesProduceValidMessages(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	a, ctx, accounts := simFactoryApp(t, r)
	k := a.RewardsKeeper
	factories := map[string]func(sdk.Context, *simsx.ChainDataSource, simsx.SimulationReporter) sdk.Msg{
		"UpdateParams": produce(rewardssim.MsgUpdateParamsFactory()),
		"ClaimRewards": produce(rewardssim.MsgClaimRewardsFactory(k)),
	}
	ctx = deliverFactories(t, a, ctx, r, accounts, factories, []string{"ClaimRewards", "ClaimRewards", "UpdateParams"},
		func(ctx sdk.Context) sdk.Context {
			for i := 0; i < 3; i++ {
				acc := accounts[r.Intn(len(accounts))]
				require.NoError(t, k.AddSensorWork(ctx, acc.Address, uint64(r.Intn(5)), uint64(r.Intn(1000)), uint32(r.Intn(10001))))
				require.NoError(t, k.AddComputeWork(ctx, acc.Address, uint64(r.Intn(5)), math.LegacyNewDecWithPrec(int64(r.Intn(100)), 2), uint32(r.Intn(10001)), r.Intn(2) == 0))
			}
			// Jump to the epoch's last block, so every new block closes an epoch.
			cur, err := k.CurrentEpoch.Get(ctx)
			require.NoError(t, err)
			params, err := k.Params.Get(ctx)
			require.NoError(t, err)
			ctx = ctx.WithBlockHeight(max(ctx.BlockHeight()+1, cur.StartHeight+int64(params.EpochBlocks)-1))
			require.NoError(t, k.EndBlock(ctx))
			require.NoError(t, k.Invariants(ctx))
			return ctx
		})
	require.NoError(t, k.Invariants(ctx))
	gs, err := k.ExportGenesis(ctx)
	require.NoError(t, err)
	require.NoError(t, gs.Validate())
	require.NotEmpty(t, gs.Epochs)
}
