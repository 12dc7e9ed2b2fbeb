package keeper

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

// Market data is kept per class and changed by each event in O(1): the write paths of
// GPUs, offers, leases and orders call the functions here with the record before and after.

const (
	// recentPrices is how many lease prices a class keeps for its quartiles.
	recentPrices = 32
	// clearingWeight is the weight (1/clearingWeight) a new lease price has in the clearing
	// price's exponential average: about the last 8 leases dominate it.
	clearingWeight = 8
)

// market loads a class's market data, starting it in the current reward epoch if new, and
// rolls its epoch counters over when a reward epoch has closed since its last change.
func (k Keeper) market(ctx context.Context, class string) (types.ClassMarket, error) {
	epoch, err := k.rewards.EpochNumber(ctx)
	if err != nil {
		return types.ClassMarket{}, err
	}
	m, err := k.Markets.Get(ctx, class)
	switch {
	case errors.Is(err, collections.ErrNotFound):
		return types.ClassMarket{Class: class, ClearingPrice: math.LegacyZeroDec(), Epoch: epoch}, nil
	case err != nil:
		return m, err
	}
	if m.Epoch != epoch {
		m.LastEpochLeasesCreated, m.LastEpochOrdersExpired = m.LeasesCreated, m.OrdersExpired
		if m.Epoch+1 != epoch { // the class saw no event during the last epoch
			m.LastEpochLeasesCreated, m.LastEpochOrdersExpired = 0, 0
		}
		m.Epoch, m.LeasesCreated, m.OrdersExpired = epoch, 0, 0
	}
	return m, nil
}

// updateMarket applies change to a class's market data.
func (k Keeper) updateMarket(ctx context.Context, class string, change func(*types.ClassMarket)) error {
	m, err := k.market(ctx, class)
	if err != nil {
		return err
	}
	change(&m)
	return k.Markets.Set(ctx, class, m)
}

// gpuCounts are the market counters one GPU contributes to.
type gpuCounts struct{ registered, verified, available, leased uint32 }

func countsOf(g *types.GPU) (c gpuCounts) {
	if g == nil || g.Status == types.GPU_STATUS_RETIRED {
		return c
	}
	c.registered = 1
	if g.AttestationTier >= types.ATTESTATION_TIER_WORK_VERIFIED {
		c.verified = 1
	}
	if g.Status == types.GPU_STATUS_AVAILABLE && !g.Down {
		c.available = 1
	}
	if g.Status == types.GPU_STATUS_LEASED {
		c.leased = 1
	}
	return c
}

// saveGPU writes a GPU and moves its class's counters from its stored version. A GPU that
// becomes leasable, or scores higher while leasable, may serve a waiting order: its class is
// queued for matching.
func (k Keeper) saveGPU(ctx context.Context, gpu types.GPU) error {
	var old *types.GPU
	if stored, err := k.GPUs.Get(ctx, gpu.Id); err == nil {
		old = &stored
	} else if !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	if err := k.GPUs.Set(ctx, gpu.Id, gpu); err != nil {
		return err
	}
	if err := k.countGPU(ctx, old, &gpu); err != nil {
		return err
	}
	if leaseRank(gpu) != unleasableRank && (old == nil || leaseRank(gpu) < leaseRank(*old)) {
		return k.queueMatching(ctx, gpu.Class)
	}
	return nil
}

// deleteGPU removes a GPU record and its counts.
func (k Keeper) deleteGPU(ctx context.Context, gpu types.GPU) error {
	if err := k.GPUs.Remove(ctx, gpu.Id); err != nil {
		return err
	}
	return k.countGPU(ctx, &gpu, nil)
}

// countGPU moves the class counters from old to gpu (either may be nil).
func (k Keeper) countGPU(ctx context.Context, old, gpu *types.GPU) error {
	before, after := countsOf(old), countsOf(gpu)
	if before == after {
		return nil
	}
	return k.updateMarket(ctx, cmp.Or(gpu, old).Class, func(m *types.ClassMarket) {
		m.GpusRegistered += after.registered - before.registered
		m.GpusVerified += after.verified - before.verified
		m.GpusAvailable += after.available - before.available
		m.GpusLeased += after.leased - before.leased
	})
}

// countOffer moves the class's offered (free) GPUs from old to offer (either may be nil).
func (k Keeper) countOffer(ctx context.Context, old, offer *types.Offer) error {
	free := func(o *types.Offer) uint64 {
		if o == nil || !hasFreeGPUs(*o) {
			return 0
		}
		return uint64(o.Gpus - o.LeasedGpus)
	}
	before, after := free(old), free(offer)
	if before == after {
		return nil
	}
	return k.updateMarket(ctx, cmp.Or(offer, old).Class, func(m *types.ClassMarket) {
		m.OfferedGpus = m.OfferedGpus + after - before
	})
}

// recordLease adds a new lease's price to its class's clearing price and recent prices.
func (k Keeper) recordLease(ctx context.Context, class string, price uint64) error {
	return k.updateMarket(ctx, class, func(m *types.ClassMarket) {
		p := math.LegacyNewDecFromInt(math.NewIntFromUint64(price))
		if m.ClearingPrice.IsNil() || len(m.RecentPrices) == 0 {
			m.ClearingPrice = p
		} else {
			m.ClearingPrice = m.ClearingPrice.Add(p.Sub(m.ClearingPrice).QuoInt64(clearingWeight))
		}
		if len(m.RecentPrices) < recentPrices {
			m.RecentPrices = append(m.RecentPrices, price)
		} else {
			m.RecentPrices[m.RecentNext%recentPrices] = price
		}
		m.RecentNext = (m.RecentNext + 1) % recentPrices
		m.LeasesCreated++
	})
}

// queueMatching asks EndBlock to try the class's waiting orders again, from the best bid;
// nothing is written when no order waits.
func (k Keeper) queueMatching(ctx context.Context, class string) error {
	m, err := k.Markets.Get(ctx, class)
	if errors.Is(err, collections.ErrNotFound) || (err == nil && m.OpenOrders == 0) {
		return nil
	} else if err != nil {
		return err
	}
	return k.MatchCursors.Set(ctx, class, collections.Join(uint64(0), uint64(0)))
}

// Summary derives a class's utilization, price quartiles and cheapest free offer.
func (k Keeper) Summary(ctx context.Context, m types.ClassMarket) (types.MarketSummary, error) {
	s := types.MarketSummary{Market: m}
	if held := m.GpusLeased + m.GpusAvailable; held > 0 {
		s.UtilizationBps = uint32(uint64(m.GpusLeased) * 10_000 / uint64(held))
	}
	if n := len(m.RecentPrices); n > 0 {
		sorted := slices.Clone(m.RecentPrices)
		slices.Sort(sorted)
		quartile := func(q int) uint64 { return sorted[(q*n+3)/4-1] } // nearest rank: ceil(q*n/4)
		s.PriceQ1, s.PriceMedian, s.PriceQ3 = quartile(1), quartile(2), quartile(3)
	}
	cheapest, err := k.cheapestOffers(ctx, m.Class, 1)
	if len(cheapest) > 0 {
		s.CheapestOfferPrice = cheapest[0].PricePerGpuHour.Amount.Uint64()
	}
	return s, err
}

// tallyMarkets recounts every class's GPU, offered-GPU and open-order counts from the
// records; the invariant and genesis import use it.
func (k Keeper) tallyMarkets(ctx context.Context) (map[string]*types.ClassMarket, error) {
	tally := map[string]*types.ClassMarket{}
	of := func(class string) *types.ClassMarket {
		if tally[class] == nil {
			tally[class] = &types.ClassMarket{Class: class}
		}
		return tally[class]
	}
	err := k.GPUs.Walk(ctx, nil, func(_ uint64, g types.GPU) (bool, error) {
		c, m := countsOf(&g), of(g.Class)
		m.GpusRegistered += c.registered
		m.GpusVerified += c.verified
		m.GpusAvailable += c.available
		m.GpusLeased += c.leased
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.Offers.Walk(ctx, nil, func(_ uint64, o types.Offer) (bool, error) {
		if hasFreeGPUs(o) {
			of(o.Class).OfferedGpus += uint64(o.Gpus - o.LeasedGpus)
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.OrdersByState.Walk(ctx, collections.NewPrefixedPairRange[int32, uint64](int32(types.ORDER_STATE_OPEN)),
		func(key collections.Pair[int32, uint64]) (bool, error) {
			o, err := k.Orders.Get(ctx, key.K2())
			if err != nil {
				return true, err
			}
			m := of(o.Class)
			m.OpenOrders++
			m.OpenOrderGpus += uint64(o.Gpus)
			return false, nil
		})
	return tally, err
}

// withCounts returns m with the counts of tally (zero when tally is nil).
func withCounts(m types.ClassMarket, tally *types.ClassMarket) types.ClassMarket {
	if tally == nil {
		tally = &types.ClassMarket{}
	}
	m.GpusRegistered, m.GpusVerified, m.GpusAvailable, m.GpusLeased = tally.GpusRegistered, tally.GpusVerified, tally.GpusAvailable, tally.GpusLeased
	m.OfferedGpus, m.OpenOrders, m.OpenOrderGpus = tally.OfferedGpus, tally.OpenOrders, tally.OpenOrderGpus
	return m
}
