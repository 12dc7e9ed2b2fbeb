package simulation

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/testutil/simsx"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// MsgUpdateParamsFactory proposes random valid params through governance.
func MsgUpdateParamsFactory() simsx.SimMsgFactoryFn[*types.MsgUpdateParams] {
	return func(_ context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgUpdateParams) {
		return nil, &types.MsgUpdateParams{
			Authority: testData.ModuleAccountAddress(reporter, "gov"),
			Params:    GenParams(testData.Rand().Rand),
		}
	}
}

// MsgRegisterProviderFactory registers an account that can afford the minimum collateral.
func MsgRegisterProviderFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgRegisterProvider] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgRegisterProvider) {
		params := mustParams(ctx, k, reporter)
		owner := testData.AnyAccount(reporter, simsx.WithLiquidBalanceGTE(params.MinProviderCollateral))
		if reporter.IsSkipped() {
			return nil, nil
		}
		if has, _ := k.Providers.Has(ctx, owner.Address); has {
			reporter.Skip("already a provider")
			return nil, nil
		}
		owner.LiquidBalance().BlockAmount(params.MinProviderCollateral) // keep the fee off the collateral
		r := testData.Rand()
		return []simsx.SimAccount{owner}, &types.MsgRegisterProvider{
			Owner:      owner.AddressBech32,
			Moniker:    "sim-" + r.StringN(8),
			Endpoint:   fmt.Sprintf("https://p%d.sim.example", r.Intn(1_000_000)),
			Region:     "sim-" + fmt.Sprint(r.Intn(10)),
			Collateral: params.MinProviderCollateral,
		}
	}
}

// MsgUpdateProviderFactory changes a random active provider's description.
func MsgUpdateProviderFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgUpdateProvider] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgUpdateProvider) {
		owner, _ := anyActiveProvider(ctx, k, testData, reporter)
		if reporter.IsSkipped() {
			return nil, nil
		}
		r := testData.Rand()
		return []simsx.SimAccount{owner}, &types.MsgUpdateProvider{
			Owner: owner.AddressBech32, Moniker: "sim-" + r.StringN(8), Endpoint: "http://sim.example:8080", Region: "sim-updated",
		}
	}
}

// MsgAddCollateralFactory bonds part of a random active provider's liquid balance.
func MsgAddCollateralFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgAddCollateral] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgAddCollateral) {
		owner, _ := anyActiveProvider(ctx, k, testData, reporter)
		if reporter.IsSkipped() {
			return nil, nil
		}
		denom := mustParams(ctx, k, reporter).MinProviderCollateral.Denom
		amount := owner.LiquidBalance().RandSubsetCoin(reporter, denom)
		return []simsx.SimAccount{owner}, &types.MsgAddCollateral{Owner: owner.AddressBech32, Amount: amount}
	}
}

// MsgUnbondProviderFactory unbonds a random active provider without open leases.
func MsgUnbondProviderFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgUnbondProvider] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgUnbondProvider) {
		owner, _ := anyActiveProvider(ctx, k, testData, reporter)
		if reporter.IsSkipped() {
			return nil, nil
		}
		iter, err := k.OpenLeases.Iterate(ctx, collections.NewPrefixedPairRange[sdk.AccAddress, uint64](owner.Address))
		if err != nil {
			reporter.Skip(err.Error())
			return nil, nil
		}
		leased := iter.Valid()
		if err := iter.Close(); err != nil || leased {
			reporter.Skip("provider has open leases")
			return nil, nil
		}
		return []simsx.SimAccount{owner}, &types.MsgUnbondProvider{Owner: owner.AddressBech32}
	}
}

// MsgRegisterGPUFactory registers a GPU with a fresh random UUID for an active provider with room.
func MsgRegisterGPUFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgRegisterGPU] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgRegisterGPU) {
		owner, provider := anyActiveProvider(ctx, k, testData, reporter)
		if reporter.IsSkipped() {
			return nil, nil
		}
		params := mustParams(ctx, k, reporter)
		if provider.GpuCount >= params.MaxGpusPerProvider {
			reporter.Skip("provider is full")
			return nil, nil
		}
		r := testData.Rand()
		return []simsx.SimAccount{owner}, &types.MsgRegisterGPU{
			Provider:      owner.AddressBech32,
			Uuid:          fmt.Sprintf("GPU-%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.Intn(1<<16), r.Intn(1<<16), r.Intn(1<<16), r.Int63n(1<<48)),
			Model:         "Simulated GPU",
			Class:         params.GpuClasses[r.Intn(len(params.GpuClasses))],
			MemoryMib:     uint64(1024 * r.IntInRange(1, 192)),
			PciDeviceId:   r.Uint32(),
			DriverVersion: "550.54.15",
			CudaVersion:   "12.4",
		}
	}
}

// MsgRetireGPUFactory retires a random available GPU.
func MsgRetireGPUFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgRetireGPU] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgRetireGPU) {
		iter, err := k.GPUs.Indexes.Status.MatchExact(ctx, int32(types.GPU_STATUS_AVAILABLE))
		if err != nil {
			reporter.Skip(err.Error())
			return nil, nil
		}
		ids, err := iter.PrimaryKeys()
		if err != nil || len(ids) == 0 {
			reporter.Skip("no available GPU")
			return nil, nil
		}
		gpu, err := k.GPUs.Get(ctx, ids[testData.Rand().Intn(len(ids))])
		if err != nil {
			reporter.Skip(err.Error())
			return nil, nil
		}
		owner := testData.GetAccount(reporter, gpu.Provider)
		if reporter.IsSkipped() {
			return nil, nil
		}
		return []simsx.SimAccount{owner}, &types.MsgRetireGPU{Provider: owner.AddressBech32, GpuId: gpu.Id}
	}
}

// MsgCreateOfferFactory offers an active provider's available GPUs of a class it has no offer for.
func MsgCreateOfferFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgCreateOffer] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgCreateOffer) {
		owner, _ := anyActiveProvider(ctx, k, testData, reporter)
		if reporter.IsSkipped() {
			return nil, nil
		}
		gpus, err := k.GPUs.Indexes.Provider.MatchExact(ctx, owner.Address)
		if err != nil {
			reporter.Skip(err.Error())
			return nil, nil
		}
		ids, err := gpus.PrimaryKeys()
		if err != nil || len(ids) == 0 {
			reporter.Skip("provider has no GPU")
			return nil, nil
		}
		gpu, err := k.GPUs.Get(ctx, ids[testData.Rand().Intn(len(ids))])
		if err != nil || gpu.Status != types.GPU_STATUS_AVAILABLE {
			reporter.Skip("GPU not available")
			return nil, nil
		}
		if _, err := k.Offers.Indexes.ProviderClass.MatchExact(ctx, collections.Join(owner.Address, gpu.Class)); err == nil {
			reporter.Skip("class already offered")
			return nil, nil
		}
		return []simsx.SimAccount{owner}, &types.MsgCreateOffer{
			Provider: owner.AddressBech32, Class: gpu.Class, PricePerGpuHour: randomPrice(ctx, k, testData, reporter),
			MinLeaseHours: 1, MaxLeaseHours: testData.Rand().Uint32InRange(1, types.MaxLeaseHours), Gpus: 1,
		}
	}
}

// MsgUpdateOfferFactory reprices a random offer.
func MsgUpdateOfferFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgUpdateOffer] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgUpdateOffer) {
		offer, owner := anyOffer(ctx, k, testData, reporter)
		if reporter.IsSkipped() {
			return nil, nil
		}
		// GPUs leased through the offer stay in it; the rest must still be available.
		available, err := availableGPUs(ctx, k, offer)
		if err != nil {
			reporter.Skip(err.Error())
			return nil, nil
		}
		gpus := offer.LeasedGpus + min(offer.Gpus-min(offer.Gpus, offer.LeasedGpus), available)
		if gpus == 0 {
			reporter.Skip("offer has no GPU left")
			return nil, nil
		}
		return []simsx.SimAccount{owner}, &types.MsgUpdateOffer{
			Provider: owner.AddressBech32, OfferId: offer.Id, PricePerGpuHour: randomPrice(ctx, k, testData, reporter),
			MinLeaseHours: offer.MinLeaseHours, MaxLeaseHours: offer.MaxLeaseHours, Gpus: gpus,
		}
	}
}

// MsgCloseOfferFactory closes a random offer.
func MsgCloseOfferFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgCloseOffer] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgCloseOffer) {
		offer, owner := anyOffer(ctx, k, testData, reporter)
		if reporter.IsSkipped() {
			return nil, nil
		}
		return []simsx.SimAccount{owner}, &types.MsgCloseOffer{Provider: owner.AddressBech32, OfferId: offer.Id}
	}
}

func randomPrice(ctx context.Context, k keeper.Keeper, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) sdk.Coin {
	denom := mustParams(ctx, k, reporter).MinProviderCollateral.Denom
	return sdk.NewInt64Coin(denom, int64(testData.Rand().IntInRange(1, 10_000_000)))
}

// anyOffer picks a random offer whose provider is a simulation account.
func anyOffer(ctx context.Context, k keeper.Keeper, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) (types.Offer, simsx.SimAccount) {
	var offers []types.Offer
	if err := k.Offers.Walk(ctx, nil, func(_ uint64, o types.Offer) (bool, error) {
		if testData.HasAccount(o.Provider) {
			offers = append(offers, o)
		}
		return false, nil
	}); err != nil || len(offers) == 0 {
		reporter.Skip("no offer")
		return types.Offer{}, simsx.SimAccount{}
	}
	o := offers[testData.Rand().Intn(len(offers))]
	return o, testData.GetAccount(reporter, o.Provider)
}

// anyActiveProvider picks a random active provider that is a simulation account.
func anyActiveProvider(ctx context.Context, k keeper.Keeper, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) (simsx.SimAccount, types.Provider) {
	var active []types.Provider
	if err := k.Providers.Walk(ctx, nil, func(_ sdk.AccAddress, p types.Provider) (bool, error) {
		if p.Status == types.PROVIDER_STATUS_ACTIVE && testData.HasAccount(p.Address) {
			active = append(active, p)
		}
		return false, nil
	}); err != nil || len(active) == 0 {
		reporter.Skip("no active provider")
		return simsx.SimAccount{}, types.Provider{}
	}
	p := active[testData.Rand().Intn(len(active))]
	return testData.GetAccount(reporter, p.Address), p
}

func mustParams(ctx context.Context, k keeper.Keeper, reporter simsx.SimulationReporter) types.Params {
	params, err := k.Params.Get(ctx)
	if err != nil {
		reporter.Skip(err.Error())
		return types.DefaultParams()
	}
	return params
}

// MsgCreateLeaseFactory leases GPUs a random offer can serve, half the time by naming the
// offer and half by matching its class at its price, with a deposit that covers the minimum.
func MsgCreateLeaseFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgCreateLease] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgCreateLease) {
		offer, _ := anyOffer(ctx, k, testData, reporter)
		if reporter.IsSkipped() {
			return nil, nil
		}
		available, err := availableGPUs(ctx, k, offer)
		if err != nil {
			reporter.Skip(err.Error())
			return nil, nil
		}
		free := min(offer.Gpus-min(offer.Gpus, offer.LeasedGpus), available)
		if free == 0 {
			reporter.Skip("offer has no free GPU")
			return nil, nil
		}
		r := testData.Rand()
		params := mustParams(ctx, k, reporter)
		gpus := r.Uint32InRange(1, free+1)
		hours := r.Uint32InRange(offer.MinLeaseHours, offer.MaxLeaseHours+1)
		blocks := params.DepositBlocks(hours)
		need := types.OwedFor(offer.PricePerGpuHour.Amount, int(gpus), blocks, params.BlocksPerHour)
		deposit := sdk.NewCoin(offer.PricePerGpuHour.Denom, need.AddRaw(1+int64(r.Intn(1_000_000))))
		tenant := testData.AnyAccount(reporter, simsx.WithLiquidBalanceGTE(deposit), simsx.ExcludeAddresses(offer.Provider))
		if reporter.IsSkipped() {
			return nil, nil
		}
		tenant.LiquidBalance().BlockAmount(deposit) // keep the fee off the deposit
		msg := &types.MsgCreateLease{Tenant: tenant.AddressBech32, OfferId: offer.Id, Gpus: gpus, Hours: hours, Deposit: deposit}
		if r.Intn(3) == 0 { // a workload lease, pending until its provider confirms it
			msg.ManifestHash = make([]byte, 32)
			_, _ = r.Read(msg.ManifestHash)
		}
		switch r.Intn(4) {
		case 0, 1:
			// Any offer the match prefers is at most this price, so the deposit still covers it.
			msg.OfferId, msg.Class, msg.MaxPricePerGpuHour = 0, offer.Class, offer.PricePerGpuHour
			if _, _, err := k.MatchOffer(ctx, tenant.AddressBech32, msg); err != nil {
				reporter.Skip("no match within the candidate limit")
				return nil, nil
			}
		case 2:
			// A standing order bidding below the offer: it waits until an offer comes down to
			// its bid or expires.
			bid := offer.PricePerGpuHour.Amount.QuoRaw(2).AddRaw(1)
			msg.OfferId, msg.Class, msg.MaxPricePerGpuHour = 0, offer.Class, sdk.NewCoin(offer.PricePerGpuHour.Denom, bid)
			msg.OrderTtl = uint64(r.IntInRange(1, 200))
		}
		return []simsx.SimAccount{tenant}, msg
	}
}

// MsgCancelOrderFactory cancels a random open standing order of a simulation account.
func MsgCancelOrderFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgCancelOrder] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgCancelOrder) {
		var open []uint64
		err := k.OrdersByState.Walk(ctx, collections.NewPrefixedPairRange[int32, uint64](int32(types.ORDER_STATE_OPEN)),
			func(key collections.Pair[int32, uint64]) (bool, error) {
				open = append(open, key.K2())
				return len(open) >= 100, nil
			})
		if err != nil || len(open) == 0 {
			reporter.Skip("no open order")
			return nil, nil
		}
		order, err := k.Orders.Get(ctx, open[testData.Rand().Intn(len(open))])
		if err != nil {
			reporter.Skip(err.Error())
			return nil, nil
		}
		tenant := testData.GetAccount(reporter, order.Tenant)
		if reporter.IsSkipped() {
			return nil, nil
		}
		return []simsx.SimAccount{tenant}, &types.MsgCancelOrder{Tenant: tenant.AddressBech32, OrderId: order.Id}
	}
}

// MsgConfirmLeaseFactory confirms a random pending lease of a simulation provider.
func MsgConfirmLeaseFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgConfirmLease] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgConfirmLease) {
		lease := anyOpenLease(ctx, k, testData, reporter, func(l types.Lease) string {
			if l.State != types.LEASE_STATE_PENDING {
				return "" // not a candidate
			}
			return l.Provider
		})
		if reporter.IsSkipped() {
			return nil, nil
		}
		provider := testData.GetAccount(reporter, lease.Provider)
		if reporter.IsSkipped() {
			return nil, nil
		}
		return []simsx.SimAccount{provider}, &types.MsgConfirmLease{Provider: provider.AddressBech32, LeaseId: lease.Id, ManifestHash: lease.ManifestHash}
	}
}

// MsgDepositLeaseFactory tops up a random open lease.
func MsgDepositLeaseFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgDepositLease] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgDepositLease) {
		lease := anyOpenLease(ctx, k, testData, reporter, func(l types.Lease) string { return l.Tenant })
		if reporter.IsSkipped() {
			return nil, nil
		}
		tenant := testData.GetAccount(reporter, lease.Tenant)
		amount := sdk.NewCoin(lease.PricePerGpuHour.Denom, math.NewInt(int64(testData.Rand().IntInRange(1, 10_000_000))))
		// BlockAmount reserves the deposit, so the tx fee simsx draws cannot spend it too.
		if reporter.IsSkipped() || !tenant.LiquidBalance().BlockAmount(amount) {
			reporter.Skip("tenant cannot pay")
			return nil, nil
		}
		return []simsx.SimAccount{tenant}, &types.MsgDepositLease{Tenant: tenant.AddressBech32, LeaseId: lease.Id, Amount: amount}
	}
}

// MsgCloseLeaseFactory closes a random open lease as its tenant or its provider.
func MsgCloseLeaseFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgCloseLease] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgCloseLease) {
		byTenant := testData.Rand().Intn(2) == 0
		party := func(l types.Lease) string { return l.Provider }
		reason := types.LEASE_CLOSE_REASON_PROVIDER_MAINTENANCE
		if byTenant {
			party, reason = func(l types.Lease) string { return l.Tenant }, types.LEASE_CLOSE_REASON_TENANT_DONE
		}
		lease := anyOpenLease(ctx, k, testData, reporter, party)
		if reporter.IsSkipped() {
			return nil, nil
		}
		sender := testData.GetAccount(reporter, party(lease))
		if reporter.IsSkipped() {
			return nil, nil
		}
		return []simsx.SimAccount{sender}, &types.MsgCloseLease{Sender: sender.AddressBech32, LeaseId: lease.Id, Reason: reason}
	}
}

// MsgWithdrawLeaseFactory settles a random open lease for its provider.
func MsgWithdrawLeaseFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgWithdrawLease] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgWithdrawLease) {
		lease := anyOpenLease(ctx, k, testData, reporter, func(l types.Lease) string { return l.Provider })
		if reporter.IsSkipped() {
			return nil, nil
		}
		provider := testData.GetAccount(reporter, lease.Provider)
		if reporter.IsSkipped() {
			return nil, nil
		}
		return []simsx.SimAccount{provider}, &types.MsgWithdrawLease{Provider: provider.AddressBech32, LeaseId: lease.Id}
	}
}

// MsgWithdrawAllLeasesFactory settles every open lease of a random provider.
func MsgWithdrawAllLeasesFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgWithdrawAllLeases] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgWithdrawAllLeases) {
		lease := anyOpenLease(ctx, k, testData, reporter, func(l types.Lease) string { return l.Provider })
		if reporter.IsSkipped() {
			return nil, nil
		}
		provider := testData.GetAccount(reporter, lease.Provider)
		if reporter.IsSkipped() {
			return nil, nil
		}
		return []simsx.SimAccount{provider}, &types.MsgWithdrawAllLeases{Provider: provider.AddressBech32}
	}
}

// availableGPUs counts the offer's provider's available GPUs of the offer's class.
func availableGPUs(ctx context.Context, k keeper.Keeper, offer types.Offer) (uint32, error) {
	var n uint32
	err := k.GPUs.Walk(ctx, nil, func(_ uint64, g types.GPU) (bool, error) {
		if g.Provider == offer.Provider && g.Class == offer.Class && g.Status == types.GPU_STATUS_AVAILABLE {
			n++
		}
		return false, nil
	})
	return n, err
}

// anyOpenLease picks a random active or paused lease whose party is a simulation account.
func anyOpenLease(ctx context.Context, k keeper.Keeper, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter, party func(types.Lease) string) types.Lease {
	var open []types.Lease
	if err := k.Leases.Walk(ctx, nil, func(_ uint64, l types.Lease) (bool, error) {
		if l.State != types.LEASE_STATE_CLOSED && testData.HasAccount(party(l)) {
			open = append(open, l)
		}
		return false, nil
	}); err != nil || len(open) == 0 {
		reporter.Skip("no open lease")
		return types.Lease{}
	}
	return open[testData.Rand().Intn(len(open))]
}

// MsgSubmitWorkFactory answers a random open challenge of a simulation account's GPU in time,
// with no winners (a valid, if poor, answer; sims do not spend CPU on proof of work).
func MsgSubmitWorkFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgSubmitWork] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgSubmitWork) {
		height := sdk.UnwrapSDKContext(ctx).BlockHeight()
		var open []types.Challenge
		if err := k.Challenges.Walk(ctx, nil, func(_ uint64, c types.Challenge) (bool, error) {
			if c.State == types.CHALLENGE_STATE_OPEN && height <= c.DeadlineHeight && testData.HasAccount(c.Provider) {
				open = append(open, c)
			}
			return false, nil
		}); err != nil || len(open) == 0 {
			reporter.Skip("no open challenge")
			return nil, nil
		}
		c := open[testData.Rand().Intn(len(open))]
		provider := testData.GetAccount(reporter, c.Provider)
		if reporter.IsSkipped() {
			return nil, nil
		}
		return []simsx.SimAccount{provider}, &types.MsgSubmitWork{
			Provider: provider.AddressBech32, ChallengeId: c.Id, NoncesTried: uint64(testData.Rand().Intn(1_000_000)),
			Telemetry: types.Telemetry{GpuUtilizationPct: 100, Simulated: true},
		}
	}
}
