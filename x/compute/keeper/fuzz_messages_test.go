package keeper_test

import (
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// FuzzComputeMessages decodes arbitrary bytes as each provider, GPU, offer, lease, order and
// work message and runs its handler against a market with one provider, two GPUs, an offer, a
// lease, a standing order and an open challenge:
// no input may panic, a rejection must leave state and balances unchanged, and the escrow
// invariant must hold afterwards.
func FuzzComputeMessages(f *testing.F) {
	base := newFixture(f)
	owner, err := base.AddressCodec.BytesToString(testAddress("provider"))
	require.NoError(f, err)
	tenant, err := base.AddressCodec.BytesToString(testAddress("tenant"))
	require.NoError(f, err)
	seeds := []proto.Message{
		registerMsg(owner),
		&types.MsgUpdateProvider{Owner: owner, Moniker: "m", Endpoint: "https://x.example", Region: "r"},
		&types.MsgAddCollateral{Owner: owner, Amount: uthal(5)},
		&types.MsgUnbondProvider{Owner: owner},
		gpuMsg(owner, testUUID2),
		&types.MsgRetireGPU{Provider: owner, GpuId: 1},
		offerMsg(owner, 100, 1),
		&types.MsgUpdateOffer{Provider: owner, OfferId: 1, PricePerGpuHour: uthal(5), MinLeaseHours: 1, MaxLeaseHours: 2, Gpus: 1},
		&types.MsgCloseOffer{Provider: owner, OfferId: 1},
		leaseMsg(tenant, 1, 1, 2, 5_000),
		&types.MsgDepositLease{Tenant: tenant, LeaseId: 1, Amount: uthal(10)},
		&types.MsgCloseLease{Sender: tenant, LeaseId: 1, Reason: types.LEASE_CLOSE_REASON_TENANT_DONE},
		&types.MsgWithdrawLease{Provider: owner, LeaseId: 1},
		&types.MsgWithdrawAllLeases{Provider: owner},
		&types.MsgSubmitWork{Provider: owner, ChallengeId: 1, NoncesTried: 10, Telemetry: types.Telemetry{GpuUtilizationPct: 90}},
		&types.MsgConfirmLease{Provider: owner, LeaseId: 2, ManifestHash: testManifestHash[:]},
		&types.MsgCancelOrder{Tenant: tenant, OrderId: 1},
	}
	for i, m := range seeds {
		bz, err := proto.Marshal(m)
		require.NoError(f, err)
		f.Add(uint8(i), bz)
	}
	order := orderMsg(tenant, 1, 10, 5_000, 20) // below the offer's price: it waits
	bz, err := proto.Marshal(order)
	require.NoError(f, err)
	f.Add(uint8(9), bz)

	// The market is built and committed once per fuzzing process; every input runs in a
	// discarded cache context over it, with the fake bank's balances restored afterwards.
	base.registeredProvider(f, "provider")
	setup := keeper.NewMsgServerImpl(base.keeper)
	for _, uuid := range []string{testUUID, testUUID2} {
		_, err := setup.RegisterGPU(base.Ctx, gpuMsg(owner, uuid))
		require.NoError(f, err)
	}
	_, err = setup.CreateOffer(base.Ctx, offerMsg(owner, 1_000, 2))
	require.NoError(f, err)
	base.fund(f, "tenant", sdk.NewCoins(uthal(1_000_000)))
	_, err = setup.CreateLease(base.Ctx, leaseMsg(tenant, 1, 1, 2, 5_000))
	require.NoError(f, err)
	pending := leaseMsg(tenant, 1, 1, 2, 5_000) // lease 2 waits for its workload
	pending.ManifestHash = testManifestHash[:]
	_, err = setup.CreateLease(base.Ctx, pending)
	require.NoError(f, err)
	_, err = setup.CreateLease(base.Ctx, order) // order 1 waits for a cheaper offer
	require.NoError(f, err)
	// GPU 1's first challenge is open, two blocks into its window.
	gpu, err := base.keeper.GPUs.Get(base.Ctx, 1)
	require.NoError(f, err)
	base.Ctx = base.Ctx.WithBlockHeight(gpu.NextChallengeHeight)
	require.NoError(f, base.keeper.EndBlocker(base.Ctx))
	base.Ctx = base.Ctx.WithBlockHeight(base.Ctx.BlockHeight() + 2)
	base.Store.Commit()
	baseBalances := copyBalances(base.bank.Balances)

	f.Fuzz(func(t *testing.T, kind uint8, bz []byte) {
		fx := base
		fx.Ctx, _ = base.Ctx.CacheContext()
		fx.Ctx = fx.Ctx.WithEventManager(sdk.NewEventManager())
		defer func() { base.bank.Balances = copyBalances(baseBalances) }()
		ms := keeper.NewMsgServerImpl(fx.keeper)

		var run func() error
		switch kind % 17 {
		case 0:
			var m types.MsgRegisterProvider
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.RegisterProvider(fx.Ctx, &m); return err }
		case 1:
			var m types.MsgUpdateProvider
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.UpdateProvider(fx.Ctx, &m); return err }
		case 2:
			var m types.MsgAddCollateral
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.AddCollateral(fx.Ctx, &m); return err }
		case 3:
			var m types.MsgUnbondProvider
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.UnbondProvider(fx.Ctx, &m); return err }
		case 4:
			var m types.MsgRegisterGPU
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.RegisterGPU(fx.Ctx, &m); return err }
		case 5:
			var m types.MsgRetireGPU
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.RetireGPU(fx.Ctx, &m); return err }
		case 6:
			var m types.MsgCreateOffer
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.CreateOffer(fx.Ctx, &m); return err }
		case 7:
			var m types.MsgUpdateOffer
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.UpdateOffer(fx.Ctx, &m); return err }
		case 8:
			var m types.MsgCloseOffer
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.CloseOffer(fx.Ctx, &m); return err }
		case 9:
			var m types.MsgCreateLease
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.CreateLease(fx.Ctx, &m); return err }
		case 10:
			var m types.MsgDepositLease
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.DepositLease(fx.Ctx, &m); return err }
		case 11:
			var m types.MsgCloseLease
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.CloseLease(fx.Ctx, &m); return err }
		case 12:
			var m types.MsgWithdrawLease
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.WithdrawLease(fx.Ctx, &m); return err }
		case 13:
			var m types.MsgWithdrawAllLeases
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.WithdrawAllLeases(fx.Ctx, &m); return err }
		case 15:
			var m types.MsgConfirmLease
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.ConfirmLease(fx.Ctx, &m); return err }
		case 16:
			var m types.MsgCancelOrder
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.CancelOrder(fx.Ctx, &m); return err }
		default:
			var m types.MsgSubmitWork
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.SubmitWork(fx.Ctx, &m); return err }
		}

		before, err := fx.keeper.ExportGenesis(fx.Ctx)
		require.NoError(t, err)
		balances := copyBalances(fx.bank.Balances)
		if run() != nil {
			after, err := fx.keeper.ExportGenesis(fx.Ctx)
			require.NoError(t, err)
			require.Equal(t, before, after)
			require.Equal(t, balances, fx.bank.Balances)
		}
		require.NoError(t, fx.keeper.EscrowInvariant(fx.Ctx))
		// The queue must still run cleanly over whatever the message left.
		fx.Ctx = fx.Ctx.WithBlockHeight(fx.Ctx.BlockHeight() + 10_000)
		require.NoError(t, fx.keeper.EndBlocker(fx.Ctx))
		require.NoError(t, fx.keeper.EscrowInvariant(fx.Ctx))
		exported, err := fx.keeper.ExportGenesis(fx.Ctx)
		require.NoError(t, err)
		require.NoError(t, exported.Validate(), "state reachable by messages must export as valid genesis")
	})
}

func copyBalances(b map[string]sdk.Coins) map[string]sdk.Coins {
	out := make(map[string]sdk.Coins, len(b))
	for k, v := range b {
		out[k] = v
	}
	return out
}
