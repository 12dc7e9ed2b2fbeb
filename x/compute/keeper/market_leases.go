package keeper

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/events"
)

// CreateLease leases GPUs from the named offer, or from the best offer of the class, and
// escrows the tenant's deposit. A class request that no offer serves fails with the nearest
// offers and what the tenant would have to change, or, with order_ttl, waits as a standing order.
func (k msgServer) CreateLease(ctx context.Context, msg *types.MsgCreateLease) (*types.MsgCreateLeaseResponse, error) {
	tenant, tenantStr, err := k.decodeAddress(msg.Tenant)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := types.ValidateLeaseRequest(msg.Gpus, msg.Hours, msg.MaxPricePerGpuHour, msg.MinGpuScore, msg.Deposit, params.MinProviderCollateral.Denom); err != nil {
		return nil, err
	}
	if err := types.ValidateManifestHash(msg.ManifestHash, false); err != nil {
		return nil, err
	}
	if err := types.ValidateOrderTTL(msg.OrderTtl, msg.OfferId, params.MaxOrderTtlBlocks); err != nil {
		return nil, err
	}
	var (
		offer types.Offer
		gpus  []types.GPU
	)
	switch {
	case msg.OfferId != 0:
		if offer, err = load(ctx, k.Offers, msg.OfferId, types.ErrOfferNotFound); err != nil {
			return nil, err
		}
		if msg.Class != "" && msg.Class != offer.Class {
			return nil, errorsmod.Wrapf(types.ErrInvalidLease, "offer %d is for %s, not %s", offer.Id, offer.Class, msg.Class)
		}
		gpus, err = k.pickGPUs(ctx, offer, tenantStr, msg)
	case msg.Class == types.AnyClass:
		if msg.OrderTtl > 0 {
			return nil, errorsmod.Wrap(types.ErrInvalidOrder, "a standing order waits for one class, not any")
		}
		offer, gpus, err = k.bestValueOffer(ctx, params, tenantStr, msg)
	default:
		if !params.HasGpuClass(msg.Class) {
			return nil, errorsmod.Wrapf(types.ErrUnknownGPUClass, "%q; the catalogue has %v", msg.Class, params.GpuClasses)
		}
		offer, gpus, err = k.MatchOffer(ctx, tenantStr, msg)
		if errors.Is(err, types.ErrNoMatchingOffer) {
			why, werr := k.explainNoMatch(ctx, params, tenantStr, msg)
			if werr != nil {
				return nil, werr
			}
			if msg.OrderTtl > 0 {
				id, err := k.openOrder(ctx, params, tenant, tenantStr, msg, why)
				return &types.MsgCreateLeaseResponse{OrderId: id}, err
			}
			return nil, errorsmod.Wrap(types.ErrNoMatchingOffer, why+"; or wait for one with --order-ttl BLOCKS")
		}
	}
	if err != nil {
		return nil, err
	}
	if err := requireDeposit(params, offer.PricePerGpuHour, len(gpus), msg.Hours, msg.Deposit); err != nil {
		return nil, err
	}
	if err := k.bankKeeper.SendCoinsFromAccountToModule(ctx, tenant, types.ModuleName, sdk.NewCoins(msg.Deposit)); err != nil {
		return nil, errorsmod.Wrap(err, "escrow deposit")
	}
	lease, err := k.startLease(ctx, params, tenantStr, msg, offer, gpus)
	if err != nil {
		return nil, err
	}
	return &types.MsgCreateLeaseResponse{LeaseId: lease.Id, OfferId: offer.Id, GpuIds: lease.GpuIds, Class: lease.Class}, nil
}

// bestValueOffer matches the request in every class with a reference throughput and keeps
// the match with the lowest price per verified throughput, price / (mean score x
// reference_tops), among those the deposit pays for; ties keep the earlier class of the
// catalogue. Each class's match is the ordinary one (its cheapest price level, best scores),
// so the work is bounded by the catalogue's size times MaxMatchCandidates. When matches exist
// but the deposit covers none, the first one's deposit error says what it needs.
func (k Keeper) bestValueOffer(ctx context.Context, params types.Params, tenant string, msg *types.MsgCreateLease) (types.Offer, []types.GPU, error) {
	var (
		best         types.Offer
		picked       []types.GPU
		bestPrice    math.Int
		bestWork     math.Int // sum of picked scores x reference_tops
		unaffordable error
	)
	for _, c := range params.ClassPow {
		if c.ReferenceTops == 0 {
			continue
		}
		req := *msg
		req.Class = c.Class
		offer, gpus, err := k.MatchOffer(ctx, tenant, &req)
		if errors.Is(err, types.ErrNoMatchingOffer) {
			continue
		} else if err != nil {
			return best, nil, err
		}
		var scores uint64
		for _, g := range gpus {
			scores += uint64(g.Score)
		}
		work := math.NewIntFromUint64(scores).Mul(math.NewIntFromUint64(c.ReferenceTops))
		if !work.IsPositive() {
			continue // unverified throughput buys nothing
		}
		if err := requireDeposit(params, offer.PricePerGpuHour, len(gpus), msg.Hours, msg.Deposit); err != nil {
			unaffordable = cmp.Or(unaffordable, err)
			continue
		}
		// price/work < bestPrice/bestWork, without division.
		if picked == nil || offer.PricePerGpuHour.Amount.Mul(bestWork).LT(bestPrice.Mul(work)) {
			best, picked, bestPrice, bestWork = offer, gpus, offer.PricePerGpuHour.Amount, work
		}
	}
	if picked == nil && unaffordable != nil {
		return best, nil, unaffordable
	}
	if picked == nil {
		return best, nil, errorsmod.Wrapf(types.ErrNoMatchingOffer, "no class serves %d GPUs for %d hours at score >= %d%s; see q compute market",
			msg.Gpus, msg.Hours, msg.MinGpuScore, maxPriceText(msg.MaxPricePerGpuHour))
	}
	return best, picked, nil
}

// maxPriceText is " within P per GPU-hour" for a request with a max price.
func maxPriceText(maxPrice sdk.Coin) string {
	if !types.HasMaxPrice(maxPrice) {
		return ""
	}
	return fmt.Sprintf(" within %s per GPU-hour", maxPrice)
}

// requireDeposit checks that a deposit pays for the blocks a lease of gpus GPUs at price
// must cover: min_lease_blocks, or the whole lease if shorter.
func requireDeposit(params types.Params, price sdk.Coin, gpus int, hours uint32, deposit sdk.Coin) error {
	if need, blocks := depositNeeded(params, price, gpus, hours); deposit.Amount.LT(need) {
		return errorsmod.Wrapf(types.ErrInsufficientDeposit, "%s pays for fewer than %d blocks of %d GPUs at %s per GPU-hour; deposit at least %s%s",
			deposit, blocks, gpus, price, need, price.Denom)
	}
	return nil
}

// depositNeeded is the least deposit requireDeposit accepts, and the blocks it pays for.
func depositNeeded(params types.Params, price sdk.Coin, gpus int, hours uint32) (math.Int, uint64) {
	blocks := params.DepositBlocks(hours)
	return types.OwedFor(price.Amount, gpus, blocks, params.BlocksPerHour), blocks
}

// startLease makes the lease req asks for from offer's gpus; the deposit is already escrowed.
func (k Keeper) startLease(ctx context.Context, params types.Params, tenant string, req *types.MsgCreateLease,
	offer types.Offer, gpus []types.GPU,
) (types.Lease, error) {
	price := offer.PricePerGpuHour
	leaseBlocks := types.HourBlocks(req.Hours, params.BlocksPerHour)
	id, err := k.NextLeaseID.Next(ctx)
	if err != nil {
		return types.Lease{}, err
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	ids := make([]uint64, len(gpus))
	for i, g := range gpus {
		g.Status, g.LeaseId = types.GPU_STATUS_LEASED, id
		if err := k.saveGPU(ctx, g); err != nil {
			return types.Lease{}, err
		}
		ids[i] = g.Id
	}
	oldOffer := offer
	offer.LeasedGpus += req.Gpus
	if err := k.setOffer(ctx, &oldOffer, offer); err != nil {
		return types.Lease{}, err
	}
	lease := types.Lease{
		Id: id, Tenant: tenant, Provider: offer.Provider, OfferId: offer.Id, Class: offer.Class, GpuIds: ids,
		PricePerGpuHour: price, State: types.LEASE_STATE_ACTIVE, CreatedHeight: height,
		EndHeight: height + int64(leaseBlocks), Escrow: req.Deposit, Paid: sdk.NewCoin(price.Denom, math.ZeroInt()),
		AccruedHeight: height, BlocksPerHour: params.BlocksPerHour,
	}
	if len(req.ManifestHash) > 0 {
		// The workload must start first: no billing, and the hours count from the confirmation.
		lease.State, lease.ManifestHash = types.LEASE_STATE_PENDING, req.ManifestHash
		lease.StartDeadlineHeight = height + int64(params.StartTimeoutBlocks)
	}
	if err := k.setLease(ctx, params, nil, lease); err != nil {
		return types.Lease{}, err
	}
	if err := k.recordLease(ctx, offer.Class, price.Amount.Uint64()); err != nil {
		return types.Lease{}, err
	}
	return lease, events.Emit(ctx, &types.EventLeaseCreated{
		LeaseId: id, Tenant: tenant, Provider: offer.Provider, OfferId: offer.Id, Class: offer.Class, GpuIds: ids,
		PricePerGpuHour: price, Deposit: req.Deposit, EndHeight: lease.EndHeight,
		ManifestHash: lease.ManifestHash, StartDeadlineHeight: lease.StartDeadlineHeight,
	})
}

// ConfirmLease lets the provider mark a pending lease's workload running, echoing the
// manifest hash it started. Billing and the leased hours start at this block.
func (k msgServer) ConfirmLease(ctx context.Context, msg *types.MsgConfirmLease) (*types.MsgConfirmLeaseResponse, error) {
	_, params, lease, err := k.signedLease(ctx, msg.Provider, msg.LeaseId, "provider", func(l types.Lease) string { return l.Provider })
	if err != nil {
		return nil, err
	}
	if err := types.ValidateManifestHash(msg.ManifestHash, true); err != nil {
		return nil, err
	}
	if lease.State != types.LEASE_STATE_PENDING {
		return nil, errorsmod.Wrapf(types.ErrLeaseNotPending, "lease %d is %s", lease.Id, lease.State)
	}
	if !bytes.Equal(msg.ManifestHash, lease.ManifestHash) {
		return nil, errorsmod.Wrapf(types.ErrManifestMismatch, "lease %d expects manifest %X, got %X", lease.Id, lease.ManifestHash, msg.ManifestHash)
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	old := lease
	lease.State, lease.ConfirmedHeight, lease.AccruedHeight = types.LEASE_STATE_ACTIVE, height, height
	lease.EndHeight = height + (old.EndHeight - old.CreatedHeight) // the full leased length, from now
	if err := k.setLease(ctx, params, &old, lease); err != nil {
		return nil, err
	}
	return &types.MsgConfirmLeaseResponse{EndHeight: lease.EndHeight}, events.Emit(ctx, &types.EventLeaseConfirmed{
		LeaseId: lease.Id, Provider: lease.Provider, ManifestHash: lease.ManifestHash, EndHeight: lease.EndHeight,
	})
}

// DepositLease adds escrow to an open lease; a paused lease the deposit pays for resumes now.
func (k msgServer) DepositLease(ctx context.Context, msg *types.MsgDepositLease) (*types.MsgDepositLeaseResponse, error) {
	tenant, params, lease, err := k.signedLease(ctx, msg.Tenant, msg.LeaseId, "tenant", func(l types.Lease) string { return l.Tenant })
	if err != nil {
		return nil, err
	}
	if err := types.ValidateDeposit(msg.Amount, lease.PricePerGpuHour.Denom); err != nil {
		return nil, err
	}
	if err := k.bankKeeper.SendCoinsFromAccountToModule(ctx, tenant, types.ModuleName, sdk.NewCoins(msg.Amount)); err != nil {
		return nil, errorsmod.Wrap(err, "escrow deposit")
	}
	old := lease
	lease.Escrow = lease.Escrow.Add(msg.Amount)
	resumed := lease.State == types.LEASE_STATE_PAUSED && lease.BlocksLeft() > 0
	if resumed {
		lease.State = types.LEASE_STATE_ACTIVE
		lease.AccruedHeight = sdk.UnwrapSDKContext(ctx).BlockHeight() // the pause is not billed
		lease.PausedHeight = 0
	}
	if err := k.setLease(ctx, params, &old, lease); err != nil {
		return nil, err
	}
	return &types.MsgDepositLeaseResponse{}, events.Emit(ctx, &types.EventLeaseDeposited{
		LeaseId: lease.Id, Amount: msg.Amount, Escrow: lease.Escrow, Resumed: resumed,
	})
}

// CloseLease lets the tenant or the provider close an open lease with one of its reasons.
func (k msgServer) CloseLease(ctx context.Context, msg *types.MsgCloseLease) (*types.MsgCloseLeaseResponse, error) {
	_, sender, err := k.decodeAddress(msg.Sender)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	lease, err := k.openLease(ctx, msg.LeaseId)
	if err != nil {
		return nil, err
	}
	switch sender {
	case lease.Tenant:
		if !types.IsTenantReason(msg.Reason) {
			return nil, errorsmod.Wrapf(types.ErrInvalidCloseReason, "a tenant closes with %s or %s, not %s",
				types.LEASE_CLOSE_REASON_TENANT_DONE, types.LEASE_CLOSE_REASON_UNSATISFACTORY_SERVICE, msg.Reason)
		}
	case lease.Provider:
		if !types.IsProviderReason(msg.Reason) {
			return nil, errorsmod.Wrapf(types.ErrInvalidCloseReason, "a provider closes with %s or %s, not %s",
				types.LEASE_CLOSE_REASON_PROVIDER_MAINTENANCE, types.LEASE_CLOSE_REASON_TENANT_ABUSE, msg.Reason)
		}
	default:
		return nil, errorsmod.Wrapf(types.ErrNotLeaseParty, "lease %d is between %s and %s", lease.Id, lease.Tenant, lease.Provider)
	}
	paid, refunded, err := k.closeLease(ctx, params, lease, sdk.UnwrapSDKContext(ctx).BlockHeight(), msg.Reason, sender)
	if err != nil {
		return nil, err
	}
	return &types.MsgCloseLeaseResponse{Paid: paid, Refunded: refunded}, nil
}

// WithdrawLease pays the provider what one of its open leases has accrued.
func (k msgServer) WithdrawLease(ctx context.Context, msg *types.MsgWithdrawLease) (*types.MsgWithdrawLeaseResponse, error) {
	_, params, lease, err := k.signedLease(ctx, msg.Provider, msg.LeaseId, "provider", func(l types.Lease) string { return l.Provider })
	if err != nil {
		return nil, err
	}
	paid, err := k.withdraw(ctx, params, lease)
	if err != nil {
		return nil, err
	}
	return &types.MsgWithdrawLeaseResponse{Paid: paid}, nil
}

// WithdrawAllLeases settles every open lease of the provider; the walk is over its open
// leases only and paid for with the message's gas.
func (k msgServer) WithdrawAllLeases(ctx context.Context, msg *types.MsgWithdrawAllLeases) (*types.MsgWithdrawAllLeasesResponse, error) {
	provider, _, err := k.decodeAddress(msg.Provider)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := k.openLeaseIDs(ctx, provider)
	if err != nil {
		return nil, err
	}
	total := sdk.NewCoin(params.MinProviderCollateral.Denom, math.ZeroInt())
	for _, id := range ids {
		lease, err := k.Leases.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		paid, err := k.withdraw(ctx, params, lease)
		if err != nil {
			return nil, err
		}
		total = total.Add(paid)
	}
	return &types.MsgWithdrawAllLeasesResponse{Paid: total, Leases: uint32(len(ids))}, nil
}

// signedLease checks the signer's address and loads its open lease, in which party(lease)
// (its role) must be the signer.
func (k Keeper) signedLease(ctx context.Context, signer string, id uint64, role string, party func(types.Lease) string,
) (sdk.AccAddress, types.Params, types.Lease, error) {
	addr, addrStr, err := k.decodeAddress(signer)
	if err != nil {
		return nil, types.Params{}, types.Lease{}, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, params, types.Lease{}, err
	}
	lease, err := k.openLease(ctx, id)
	if err != nil {
		return nil, params, lease, err
	}
	if party(lease) != addrStr {
		return nil, params, lease, errorsmod.Wrapf(types.ErrNotLeaseParty, "lease %d belongs to %s %s", lease.Id, role, party(lease))
	}
	return addr, params, lease, nil
}

// openLease loads a lease that is not closed.
func (k Keeper) openLease(ctx context.Context, id uint64) (types.Lease, error) {
	lease, err := load(ctx, k.Leases, id, types.ErrLeaseNotFound)
	if err != nil {
		return lease, err
	}
	if lease.State == types.LEASE_STATE_CLOSED {
		return lease, errorsmod.Wrapf(types.ErrLeaseClosed, "lease %d closed at height %d (%s)", id, lease.ClosedHeight, lease.CloseReason)
	}
	return lease, nil
}

// openLeaseIDs lists a provider's active and paused leases.
func (k Keeper) openLeaseIDs(ctx context.Context, provider sdk.AccAddress) (ids []uint64, err error) {
	iter, err := k.OpenLeases.Iterate(ctx, collections.NewPrefixedPairRange[sdk.AccAddress, uint64](provider))
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, iter.Close()) }()
	for ; iter.Valid(); iter.Next() {
		key, err := iter.Key()
		if err != nil {
			return nil, err
		}
		ids = append(ids, key.K2())
	}
	return ids, nil
}

// MaxMatchCandidates bounds how many offers one create-lease by class examines, cheapest
// first, so its cost never depends on how many offers are open.
const MaxMatchCandidates = 100

// MatchOffer walks the class's price index from the cheapest offer and returns the first
// price level's best offer that can serve the request: highest total GPU score, then oldest.
func (k Keeper) MatchOffer(ctx context.Context, tenant string, msg *types.MsgCreateLease) (best types.Offer, picked []types.GPU, err error) {
	iter, err := k.OffersByPrice.Iterate(ctx, collections.NewPrefixedPairRange[string, PriceID](msg.Class))
	if err != nil {
		return best, nil, err
	}
	defer func() { err = errors.Join(err, iter.Close()) }()
	var bestScore uint64
	examined := 0
	for ; iter.Valid() && examined < MaxMatchCandidates; iter.Next() {
		key, err := iter.Key()
		if err != nil {
			return best, nil, err
		}
		price := key.K2().K1()
		if types.HasMaxPrice(msg.MaxPricePerGpuHour) && math.NewIntFromUint64(price).GT(msg.MaxPricePerGpuHour.Amount) {
			break
		}
		if picked != nil && price > best.PricePerGpuHour.Amount.Uint64() {
			break // a cheaper level already has a match
		}
		examined++
		offer, err := k.Offers.Get(ctx, key.K2().K2())
		if err != nil {
			return best, nil, err
		}
		gpus, err := k.pickGPUs(ctx, offer, tenant, msg)
		if errorsmod.IsOf(err, types.ErrSelfLease, types.ErrInvalidLease, types.ErrNotEnoughGPUs) {
			continue
		} else if err != nil {
			return best, nil, err
		}
		var score uint64
		for _, g := range gpus {
			score += uint64(g.Score)
		}
		if picked == nil || score > bestScore { // ids ascend within a price, so ties keep the older offer
			best, picked, bestScore = offer, gpus, score
		}
	}
	if picked == nil {
		// Callers explain the miss (explainNoMatch) only where someone reads it.
		return best, nil, types.ErrNoMatchingOffer
	}
	return best, picked, nil
}

// pickGPUs chooses the n highest-scoring available GPUs of the offer's class whose score is at
// least minScore (ties: lowest id), after checking the offer can serve tenant for hours at maxPrice.
func (k Keeper) pickGPUs(ctx context.Context, offer types.Offer, tenant string, msg *types.MsgCreateLease) ([]types.GPU, error) {
	if offer.Provider == tenant {
		return nil, errorsmod.Wrapf(types.ErrSelfLease, "offer %d is the tenant's own", offer.Id)
	}
	if msg.Hours < offer.MinLeaseHours || msg.Hours > offer.MaxLeaseHours {
		return nil, errorsmod.Wrapf(types.ErrInvalidLease, "offer %d leases %d to %d hours, asked %d", offer.Id, offer.MinLeaseHours, offer.MaxLeaseHours, msg.Hours)
	}
	if types.HasMaxPrice(msg.MaxPricePerGpuHour) && offer.PricePerGpuHour.Amount.GT(msg.MaxPricePerGpuHour.Amount) {
		return nil, errorsmod.Wrapf(types.ErrInvalidLease, "offer %d costs %s per GPU-hour, above the maximum %s", offer.Id, offer.PricePerGpuHour, msg.MaxPricePerGpuHour)
	}
	if free := offer.Gpus - min(offer.Gpus, offer.LeasedGpus); free < msg.Gpus {
		return nil, errorsmod.Wrapf(types.ErrNotEnoughGPUs, "offer %d has %d free GPUs, asked %d", offer.Id, free, msg.Gpus)
	}
	owner, err := k.addressCodec.StringToBytes(offer.Provider)
	if err != nil {
		return nil, err
	}
	gpus, err := k.leasableGPUs(ctx, owner, offer.Class, msg.MinGpuScore, msg.Gpus)
	if err != nil {
		return nil, err
	}
	if len(gpus) < int(msg.Gpus) {
		return nil, errorsmod.Wrapf(types.ErrNotEnoughGPUs, "offer %d: %d available %s GPUs with score >= %d, asked %d", offer.Id, len(gpus), offer.Class, msg.MinGpuScore, msg.Gpus)
	}
	return gpus, nil
}

// leasableGPUs returns up to n of the provider's available GPUs of class with score at least
// minScore, highest score first (ties: lowest id), reading only those from the Leasable index.
func (k Keeper) leasableGPUs(ctx context.Context, owner sdk.AccAddress, class string, minScore, n uint32) ([]types.GPU, error) {
	if minScore > appconsts.MaxScore {
		return nil, nil
	}
	type key = collections.Pair[collections.Triple[sdk.AccAddress, string, uint32], uint64]
	from := collections.Join(collections.Join3(owner, class, uint32(0)), uint64(0))
	to := collections.Join(collections.Join3(owner, class, appconsts.MaxScore-minScore+1), uint64(0))
	iter, err := k.GPUs.Indexes.Leasable.Iterate(ctx, new(collections.Range[key]).StartInclusive(from).EndExclusive(to))
	if err != nil {
		return nil, err
	}
	defer func() { _ = iter.Close() }()
	gpus := make([]types.GPU, 0, n)
	for ; iter.Valid() && len(gpus) < int(n); iter.Next() {
		id, err := iter.PrimaryKey()
		if err != nil {
			return nil, err
		}
		g, err := k.GPUs.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		gpus = append(gpus, g)
	}
	return gpus, nil
}
