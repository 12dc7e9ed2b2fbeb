package keeper_test

import (
	"strings"
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

const (
	testUUID  = "GPU-5c2b7f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
	testUUID2 = "GPU-00000000-1111-2222-3333-444444444444"
)

func uthal(n int64) sdk.Coin { return sdk.NewCoin("uthal", math.NewInt(n)) }

func minCollateral() sdk.Coin { return types.DefaultParams().MinProviderCollateral }

func registerMsg(owner string) *types.MsgRegisterProvider {
	return &types.MsgRegisterProvider{
		Owner: owner, Moniker: "Acme GPUs", Endpoint: "https://gpu.acme.example:8443", Region: "eu-west",
		Collateral: minCollateral(),
	}
}

func gpuMsg(provider, uuid string) *types.MsgRegisterGPU {
	return &types.MsgRegisterGPU{
		Provider: provider, Uuid: uuid, Model: "NVIDIA H100 80GB HBM3", Class: "H100-SXM-80G",
		MemoryMib: 81559, PciDeviceId: 0x2330, DriverVersion: "550.54.15", CudaVersion: "12.4",
	}
}

// registeredProvider funds and registers a provider and returns its address.
func (f fixture) registeredProvider(t testing.TB, seed string) (sdk.AccAddress, string) {
	t.Helper()
	addr, owner := f.fund(t, seed, sdk.NewCoins(uthal(10_000_000_000)))
	_, err := keeper.NewMsgServerImpl(f.keeper).RegisterProvider(f.Ctx, registerMsg(owner))
	require.NoError(t, err)
	return addr, owner
}

// requireUnchanged runs a rejected message and checks it left store and balances as they were.
func requireRejected(t *testing.T, f fixture, wantErr error, run func() error) {
	t.Helper()
	before, err := f.keeper.ExportGenesis(f.Ctx)
	require.NoError(t, err)
	balances := make(map[string]sdk.Coins, len(f.bank.Balances))
	for k, v := range f.bank.Balances {
		balances[k] = v
	}
	events := len(f.Ctx.EventManager().Events())

	require.ErrorIs(t, run(), wantErr)

	after, err := f.keeper.ExportGenesis(f.Ctx)
	require.NoError(t, err)
	require.Equal(t, before, after, "a rejected message must not change state")
	require.Equal(t, balances, f.bank.Balances, "a rejected message must not move coins")
	require.Len(t, f.Ctx.EventManager().Events(), events, "a rejected message must not emit events")
}

func TestRegisterProvider(t *testing.T) {
	f := newFixture(t)
	ms := keeper.NewMsgServerImpl(f.keeper)
	addr, owner := f.fund(t, "provider", sdk.NewCoins(uthal(5_000_000_000)))

	_, err := ms.RegisterProvider(f.Ctx, registerMsg(owner))
	require.NoError(t, err)

	p, err := f.keeper.Providers.Get(f.Ctx, addr)
	require.NoError(t, err)
	require.Equal(t, types.PROVIDER_STATUS_ACTIVE, p.Status)
	require.Equal(t, minCollateral(), p.Collateral)
	require.Equal(t, math.NewInt(4_000_000_000), f.bank.GetBalance(f.Ctx, addr, "uthal").Amount)
	require.Equal(t, []string{proto.MessageName(&types.EventProviderRegistered{})}, eventTypes(f.Ctx))
	require.NoError(t, f.keeper.EscrowInvariant(f.Ctx))

	_, poor := f.fund(t, "poor", sdk.NewCoins(uthal(10)))
	tests := []struct {
		name    string
		mutate  func(m *types.MsgRegisterProvider)
		wantErr error
	}{
		{"already registered", func(*types.MsgRegisterProvider) {}, types.ErrProviderExists},
		{"bad owner", func(m *types.MsgRegisterProvider) { m.Owner = "cosmos1xyz" }, types.ErrInvalidAddress},
		{"empty moniker", func(m *types.MsgRegisterProvider) { m.Moniker = "" }, types.ErrInvalidProviderInfo},
		{"long moniker", func(m *types.MsgRegisterProvider) { m.Moniker = strings.Repeat("a", 65) }, types.ErrInvalidProviderInfo},
		{"control characters", func(m *types.MsgRegisterProvider) { m.Moniker = "a\nb" }, types.ErrInvalidProviderInfo},
		{"endpoint not a URL", func(m *types.MsgRegisterProvider) { m.Endpoint = "gpu.acme.example" }, types.ErrInvalidProviderInfo},
		{"endpoint ftp", func(m *types.MsgRegisterProvider) { m.Endpoint = "ftp://gpu.acme.example" }, types.ErrInvalidProviderInfo},
		{"bad region", func(m *types.MsgRegisterProvider) { m.Region = "EU West" }, types.ErrInvalidProviderInfo},
		{"collateral below minimum", func(m *types.MsgRegisterProvider) { m.Collateral = uthal(1) }, types.ErrInsufficientCollateral},
		{"collateral in another denom", func(m *types.MsgRegisterProvider) { m.Collateral = sdk.NewCoin("uatom", math.NewInt(2_000_000_000)) }, types.ErrInvalidCoin},
		{"zero collateral", func(m *types.MsgRegisterProvider) { m.Collateral = uthal(0) }, types.ErrInvalidCoin},
		{"negative collateral", func(m *types.MsgRegisterProvider) { m.Collateral = sdk.Coin{Denom: "uthal", Amount: math.NewInt(-5)} }, types.ErrInvalidCoin},
		{"cannot pay", func(m *types.MsgRegisterProvider) { m.Owner = poor }, sdkerrors.ErrInsufficientFunds},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := registerMsg(owner)
			tc.mutate(msg)
			requireRejected(t, f, tc.wantErr, func() error { _, err := ms.RegisterProvider(f.Ctx, msg); return err })
		})
	}
}

func TestUpdateProviderAndAddCollateral(t *testing.T) {
	f := newFixture(t)
	ms := keeper.NewMsgServerImpl(f.keeper)
	addr, owner := f.registeredProvider(t, "provider")
	_, stranger := f.fund(t, "stranger", sdk.NewCoins(uthal(1)))

	_, err := ms.UpdateProvider(f.Ctx, &types.MsgUpdateProvider{Owner: owner, Moniker: "Acme 2", Endpoint: "http://10.0.0.1:8080", Region: "us-east-2"})
	require.NoError(t, err)
	_, err = ms.AddCollateral(f.Ctx, &types.MsgAddCollateral{Owner: owner, Amount: uthal(500)})
	require.NoError(t, err)
	p, err := f.keeper.Providers.Get(f.Ctx, addr)
	require.NoError(t, err)
	require.Equal(t, "Acme 2", p.Moniker)
	require.Equal(t, "us-east-2", p.Region)
	require.Equal(t, minCollateral().Add(uthal(500)), p.Collateral)
	require.NoError(t, f.keeper.EscrowInvariant(f.Ctx))

	requireRejected(t, f, types.ErrProviderNotFound, func() error {
		_, err := ms.UpdateProvider(f.Ctx, &types.MsgUpdateProvider{Owner: stranger, Moniker: "x", Endpoint: "http://x.example", Region: "x"})
		return err
	})
	requireRejected(t, f, types.ErrInvalidProviderInfo, func() error {
		_, err := ms.UpdateProvider(f.Ctx, &types.MsgUpdateProvider{Owner: owner, Moniker: "x", Endpoint: "", Region: "x"})
		return err
	})
	requireRejected(t, f, types.ErrInvalidAddress, func() error {
		_, err := ms.AddCollateral(f.Ctx, &types.MsgAddCollateral{Owner: "", Amount: uthal(1)})
		return err
	})
	requireRejected(t, f, types.ErrInvalidCoin, func() error {
		_, err := ms.AddCollateral(f.Ctx, &types.MsgAddCollateral{Owner: owner, Amount: sdk.NewCoin("uatom", math.OneInt())})
		return err
	})
	requireRejected(t, f, types.ErrProviderNotFound, func() error {
		_, err := ms.AddCollateral(f.Ctx, &types.MsgAddCollateral{Owner: stranger, Amount: uthal(1)})
		return err
	})
	requireRejected(t, f, sdkerrors.ErrInsufficientFunds, func() error {
		_, err := ms.AddCollateral(f.Ctx, &types.MsgAddCollateral{Owner: owner, Amount: uthal(1_000_000_000_000)})
		return err
	})
}

func TestRegisterAndRetireGPU(t *testing.T) {
	f := newFixture(t)
	ms := keeper.NewMsgServerImpl(f.keeper)
	addr, owner := f.registeredProvider(t, "provider")
	_, other := f.registeredProvider(t, "other")

	resp, err := ms.RegisterGPU(f.Ctx, gpuMsg(owner, testUUID))
	require.NoError(t, err)
	require.Equal(t, uint64(1), resp.GpuId)
	gpu, err := f.keeper.GPUs.Get(f.Ctx, resp.GpuId)
	require.NoError(t, err)
	require.Equal(t, types.GPU_STATUS_AVAILABLE, gpu.Status)
	require.Equal(t, types.ATTESTATION_TIER_SELF_REPORTED, gpu.AttestationTier)
	require.Equal(t, types.DefaultParams().InitialGpuScore, gpu.Score)
	require.Equal(t, uint32(0x2330), gpu.PciDeviceId)
	id, err := f.keeper.GPUs.Indexes.UUID.MatchExact(f.Ctx, testUUID)
	require.NoError(t, err)
	require.Equal(t, resp.GpuId, id)
	p, err := f.keeper.Providers.Get(f.Ctx, addr)
	require.NoError(t, err)
	require.Equal(t, uint32(1), p.GpuCount)

	rejections := []struct {
		name    string
		msg     *types.MsgRegisterGPU
		wantErr error
	}{
		{"duplicate uuid, same provider", gpuMsg(owner, testUUID), types.ErrDuplicateGPU},
		{"duplicate uuid, other provider", gpuMsg(other, testUUID), types.ErrDuplicateGPU},
		{"not a provider", gpuMsg(f.Authority, testUUID2), types.ErrProviderNotFound},
		{"bad address", gpuMsg("thalamus1nope", testUUID2), types.ErrInvalidAddress},
		{"uppercase uuid", gpuMsg(owner, "GPU-ABCDEF00-1111-2222-3333-444444444444"), types.ErrInvalidGPU},
		{"not an NVML uuid", gpuMsg(owner, "5c2b7f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"), types.ErrInvalidGPU},
		{"class not in catalogue", func() *types.MsgRegisterGPU { m := gpuMsg(owner, testUUID2); m.Class = "TPU-V5"; return m }(), types.ErrUnknownGPUClass},
		{"zero memory", func() *types.MsgRegisterGPU { m := gpuMsg(owner, testUUID2); m.MemoryMib = 0; return m }(), types.ErrInvalidGPU},
		{"no model", func() *types.MsgRegisterGPU { m := gpuMsg(owner, testUUID2); m.Model = ""; return m }(), types.ErrInvalidGPU},
		{"bad driver version", func() *types.MsgRegisterGPU { m := gpuMsg(owner, testUUID2); m.DriverVersion = "latest"; return m }(), types.ErrInvalidGPU},
		{"bad cuda version", func() *types.MsgRegisterGPU { m := gpuMsg(owner, testUUID2); m.CudaVersion = ""; return m }(), types.ErrInvalidGPU},
	}
	for _, tc := range rejections {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, f, tc.wantErr, func() error { _, err := ms.RegisterGPU(f.Ctx, tc.msg); return err })
		})
	}

	requireRejected(t, f, types.ErrNotGPUOwner, func() error {
		_, err := ms.RetireGPU(f.Ctx, &types.MsgRetireGPU{Provider: other, GpuId: resp.GpuId})
		return err
	})
	requireRejected(t, f, types.ErrGPUNotFound, func() error {
		_, err := ms.RetireGPU(f.Ctx, &types.MsgRetireGPU{Provider: owner, GpuId: 99})
		return err
	})
	_, err = ms.RetireGPU(f.Ctx, &types.MsgRetireGPU{Provider: owner, GpuId: resp.GpuId})
	require.NoError(t, err)
	requireRejected(t, f, types.ErrGPUNotRetirable, func() error {
		_, err := ms.RetireGPU(f.Ctx, &types.MsgRetireGPU{Provider: owner, GpuId: resp.GpuId})
		return err
	})
	// The retired GPU keeps its UUID.
	requireRejected(t, f, types.ErrDuplicateGPU, func() error { _, err := ms.RegisterGPU(f.Ctx, gpuMsg(other, testUUID)); return err })
}

func TestRegisterGPUCapacity(t *testing.T) {
	f := newFixture(t)
	params := types.DefaultParams()
	params.MaxGpusPerProvider = 2
	require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
	ms := keeper.NewMsgServerImpl(f.keeper)
	_, owner := f.registeredProvider(t, "provider")
	for _, uuid := range []string{testUUID, testUUID2} {
		_, err := ms.RegisterGPU(f.Ctx, gpuMsg(owner, uuid))
		require.NoError(t, err)
	}
	requireRejected(t, f, types.ErrTooManyGPUs, func() error {
		_, err := ms.RegisterGPU(f.Ctx, gpuMsg(owner, "GPU-99999999-1111-2222-3333-444444444444"))
		return err
	})
}

func TestUnbondProvider(t *testing.T) {
	f := newFixture(t)
	params := types.DefaultParams()
	params.UnbondingBlocks = 10
	require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
	ms := keeper.NewMsgServerImpl(f.keeper)
	addr, owner := f.registeredProvider(t, "provider")
	balanceAfterBond := f.bank.GetBalance(f.Ctx, addr, "uthal")

	available, err := ms.RegisterGPU(f.Ctx, gpuMsg(owner, testUUID))
	require.NoError(t, err)
	jailed, err := ms.RegisterGPU(f.Ctx, gpuMsg(owner, testUUID2))
	require.NoError(t, err)
	leased, err := ms.RegisterGPU(f.Ctx, gpuMsg(owner, "GPU-99999999-1111-2222-3333-444444444444"))
	require.NoError(t, err)
	setStatus := func(id uint64, s types.GPUStatus) {
		g, err := f.keeper.GPUs.Get(f.Ctx, id)
		require.NoError(t, err)
		g.Status = s
		require.NoError(t, f.keeper.SaveGPU(f.Ctx, g))
	}
	setStatus(jailed.GpuId, types.GPU_STATUS_JAILED)
	setStatus(leased.GpuId, types.GPU_STATUS_LEASED)

	requireRejected(t, f, types.ErrProviderHasLeases, func() error { _, err := ms.UnbondProvider(f.Ctx, &types.MsgUnbondProvider{Owner: owner}); return err })
	setStatus(leased.GpuId, types.GPU_STATUS_AVAILABLE)

	offer, err := ms.CreateOffer(f.Ctx, offerMsg(owner, 1_000, 2))
	require.NoError(t, err)

	f.Ctx = f.Ctx.WithBlockHeight(100)
	resp, err := ms.UnbondProvider(f.Ctx, &types.MsgUnbondProvider{Owner: owner})
	require.NoError(t, err)
	require.Equal(t, int64(110), resp.CompletionHeight)
	has, err := f.keeper.Offers.Has(f.Ctx, offer.OfferId)
	require.NoError(t, err)
	require.False(t, has, "unbonding closes the provider's offers")

	requireRejected(t, f, types.ErrProviderUnbonding, func() error { _, err := ms.UnbondProvider(f.Ctx, &types.MsgUnbondProvider{Owner: owner}); return err })
	requireRejected(t, f, types.ErrProviderUnbonding, func() error {
		_, err := ms.AddCollateral(f.Ctx, &types.MsgAddCollateral{Owner: owner, Amount: uthal(1)})
		return err
	})
	requireRejected(t, f, types.ErrProviderUnbonding, func() error {
		_, err := ms.RegisterGPU(f.Ctx, gpuMsg(owner, "GPU-aaaaaaaa-1111-2222-3333-444444444444"))
		return err
	})

	// Before completion nothing is returned.
	f.Ctx = f.Ctx.WithBlockHeight(109)
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	require.Equal(t, balanceAfterBond, f.bank.GetBalance(f.Ctx, addr, "uthal"))

	f.Ctx = f.Ctx.WithBlockHeight(110)
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	require.Equal(t, balanceAfterBond.Add(minCollateral()), f.bank.GetBalance(f.Ctx, addr, "uthal"))
	has, err = f.keeper.Providers.Has(f.Ctx, addr)
	require.NoError(t, err)
	require.False(t, has)
	// Retired GPUs are gone and their UUIDs free; the jailed GPU stays, keeping its UUID blocked.
	_, err = f.keeper.GPUs.Get(f.Ctx, available.GpuId)
	require.Error(t, err)
	sched, err := f.keeper.ChallengeSchedule.Iterate(f.Ctx, nil)
	require.NoError(t, err)
	keys, err := sched.Keys()
	require.NoError(t, err)
	for _, key := range keys {
		require.NotEqual(t, available.GpuId, key.K2(), "a removed GPU keeps no place in the challenge schedule")
	}
	g, err := f.keeper.GPUs.Get(f.Ctx, jailed.GpuId)
	require.NoError(t, err)
	require.Equal(t, types.GPU_STATUS_JAILED, g.Status)
	require.NoError(t, f.keeper.EscrowInvariant(f.Ctx))
	empty, err := f.keeper.UnbondingQueue.Iterate(f.Ctx, nil)
	require.NoError(t, err)
	require.False(t, empty.Valid())
	require.NoError(t, empty.Close())

	// The exported state, with a jailed GPU of a departed provider, re-imports.
	exported, err := f.keeper.ExportGenesis(f.Ctx)
	require.NoError(t, err)
	require.NoError(t, exported.Validate())

	// Registering again, the provider finds its jailed GPU counted against its cap.
	_, err = ms.RegisterProvider(f.Ctx, registerMsg(owner))
	require.NoError(t, err)
	p, err := f.keeper.Providers.Get(f.Ctx, addr)
	require.NoError(t, err)
	require.Equal(t, uint32(1), p.GpuCount)
	exported, err = f.keeper.ExportGenesis(f.Ctx)
	require.NoError(t, err)
	require.NoError(t, exported.Validate())
	require.NoError(t, f.keeper.EscrowInvariant(f.Ctx))
}

func TestEndBlockerBoundsUnbondingWork(t *testing.T) {
	f := newFixture(t)
	params := types.DefaultParams()
	params.UnbondingBlocks = 1
	params.MaxSettlementsPerBlock = 2
	require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
	ms := keeper.NewMsgServerImpl(f.keeper)
	for _, seed := range []string{"p1", "p2", "p3"} {
		_, owner := f.registeredProvider(t, seed)
		_, err := ms.UnbondProvider(f.Ctx, &types.MsgUnbondProvider{Owner: owner})
		require.NoError(t, err)
	}
	f.Ctx = f.Ctx.WithBlockHeight(f.Ctx.BlockHeight() + 5)
	count := func() int {
		n := 0
		require.NoError(t, f.keeper.Providers.Walk(f.Ctx, nil, func(sdk.AccAddress, types.Provider) (bool, error) { n++; return false, nil }))
		return n
	}
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	require.Equal(t, 1, count(), "two of three unbondings complete in the first block")
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	require.Equal(t, 0, count())
	require.NoError(t, f.keeper.EscrowInvariant(f.Ctx))
}

func TestEndBlockerRetriesFailedUnbonding(t *testing.T) {
	f := newFixture(t)
	params := types.DefaultParams()
	params.UnbondingBlocks = 1
	require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
	ms := keeper.NewMsgServerImpl(f.keeper)
	addr, owner := f.registeredProvider(t, "provider")
	_, err := ms.UnbondProvider(f.Ctx, &types.MsgUnbondProvider{Owner: owner})
	require.NoError(t, err)

	// Drain the module account so returning the collateral fails.
	moduleAddr := authtypes.NewModuleAddress(types.ModuleName)
	held := f.bank.Balances[string(moduleAddr)]
	f.bank.Balances[string(moduleAddr)] = nil
	f.Ctx = f.Ctx.WithBlockHeight(f.Ctx.BlockHeight() + 2)
	require.NoError(t, f.keeper.EndBlocker(f.Ctx), "a failed unbonding must not fail the block")
	p, err := f.keeper.Providers.Get(f.Ctx, addr)
	require.NoError(t, err, "the failed unbonding is rolled back, not half-applied")
	require.Equal(t, types.PROVIDER_STATUS_UNBONDING, p.Status)

	f.bank.Balances[string(moduleAddr)] = held
	f.Ctx = f.Ctx.WithBlockHeight(f.Ctx.BlockHeight() + 1)
	require.NoError(t, f.keeper.EndBlocker(f.Ctx))
	has, err := f.keeper.Providers.Has(f.Ctx, addr)
	require.NoError(t, err)
	require.False(t, has, "the unbonding completes once it can")
	require.NoError(t, f.keeper.EscrowInvariant(f.Ctx))
}
