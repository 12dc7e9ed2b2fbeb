package keeper_test

import (
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// FuzzRegistryMessages decodes arbitrary bytes as each provider, GPU and offer message and
// runs its handler against a registry with one provider, GPU and offer: no input may panic, a rejection must leave
// state and balances unchanged, and the collateral invariant must hold afterwards.
func FuzzRegistryMessages(f *testing.F) {
	seed := newFixture(f)
	owner, err := seed.AddressCodec.BytesToString(testAddress("provider"))
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
	}
	for i, m := range seeds {
		bz, err := proto.Marshal(m)
		require.NoError(f, err)
		f.Add(uint8(i), bz)
	}

	f.Fuzz(func(t *testing.T, kind uint8, bz []byte) {
		fx := newFixture(t)
		_, owner := fx.registeredProvider(t, "provider")
		ms := keeper.NewMsgServerImpl(fx.keeper)
		_, err := ms.RegisterGPU(fx.Ctx, gpuMsg(owner, testUUID))
		require.NoError(t, err)
		_, err = ms.CreateOffer(fx.Ctx, offerMsg(owner, 1_000, 1))
		require.NoError(t, err)

		var run func() error
		switch kind % 9 {
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
		default:
			var m types.MsgCloseOffer
			if m.Unmarshal(bz) != nil {
				return
			}
			run = func() error { _, err := ms.CloseOffer(fx.Ctx, &m); return err }
		}

		before, err := fx.keeper.ExportGenesis(fx.Ctx)
		require.NoError(t, err)
		balances := map[string]sdk.Coins{}
		for k, v := range fx.bank.balances {
			balances[k] = v
		}
		if run() != nil {
			after, err := fx.keeper.ExportGenesis(fx.Ctx)
			require.NoError(t, err)
			require.Equal(t, before, after)
			require.Equal(t, balances, fx.bank.balances)
		}
		require.NoError(t, fx.keeper.EscrowInvariant(fx.Ctx))
		exported, err := fx.keeper.ExportGenesis(fx.Ctx)
		require.NoError(t, err)
		require.NoError(t, exported.Validate(), "state reachable by messages must export as valid genesis")
	})
}
