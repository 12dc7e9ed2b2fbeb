package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/thalamus-network/thalamus/internal/atomicfile"
	"github.com/thalamus-network/thalamus/x/compute/types"
	rewardstypes "github.com/thalamus-network/thalamus/x/rewards/types"
)

// pricingState is what the repricer keeps across restarts, so a restart within an epoch
// does not take a second step.
type pricingState struct {
	OfferID uint64 `json:"offer_id"`
	Epoch   uint64 `json:"epoch"`
	Priced  bool   `json:"priced"`
	// Moved says the last decision changed the price (the next one holds).
	Moved bool `json:"moved"`
}

func (a *GPUAgent) pricingPath() string { return filepath.Join(a.cfg.StateDir, "pricing.json") }

func (a *GPUAgent) loadPricingState() error {
	bz, err := os.ReadFile(a.pricingPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	return json.Unmarshal(bz, &a.pricing)
}

func (a *GPUAgent) savePricingState() error {
	bz, err := json.Marshal(a.pricing)
	if err != nil {
		return err
	}
	return atomicfile.Write(a.pricingPath(), bz, 0o600)
}

// initialPrice is where an auto-priced offer starts: the class's clearing price, else its
// cheapest free offer, else the minimum, within the bounds.
func (a *GPUAgent) initialPrice(ctx context.Context, q types.QueryClient) (uint64, error) {
	resp, err := q.Market(ctx, &types.QueryMarketRequest{Class: a.cfg.Class})
	if err != nil {
		return 0, err
	}
	price := a.cfg.Pricing.Min
	if s := resp.Markets[0]; s.Market.ClearingPrice.IsPositive() {
		price = s.Market.ClearingPrice.TruncateInt().Uint64()
	} else if s.CheapestOfferPrice > 0 {
		price = s.CheapestOfferPrice
	}
	return min(max(price, a.cfg.Pricing.Min), a.cfg.Pricing.Max), nil
}

// ownOffer finds the provider's offer of its class: by the id it knows, else among the class's
// offers with a free GPU, else through one of its open leases (a fully leased offer is not
// listed by class).
func (a *GPUAgent) ownOffer(ctx context.Context, q types.QueryClient) (types.Offer, error) {
	if a.pricing.OfferID != 0 {
		resp, err := q.Offer(ctx, &types.QueryOfferRequest{Id: a.pricing.OfferID})
		if err == nil && resp.Offer.Provider == a.chain.Address {
			return resp.Offer, nil
		}
	}
	offers, err := q.OffersByClass(ctx, &types.QueryOffersByClassRequest{Class: a.cfg.Class, Pagination: &query.PageRequest{Limit: 10_000}})
	if err != nil {
		return types.Offer{}, err
	}
	for _, o := range offers.Offers {
		if o.Provider == a.chain.Address {
			a.pricing.OfferID = o.Id
			return o, nil
		}
	}
	leases, err := q.LeasesByProvider(ctx, &types.QueryLeasesByProviderRequest{Provider: a.chain.Address, State: types.LEASE_STATE_ACTIVE})
	if err != nil {
		return types.Offer{}, err
	}
	for _, l := range leases.Leases {
		if l.Class != a.cfg.Class {
			continue
		}
		if resp, err := q.Offer(ctx, &types.QueryOfferRequest{Id: l.OfferId}); err == nil {
			a.pricing.OfferID = l.OfferId
			return resp.Offer, nil
		}
	}
	return types.Offer{}, fmt.Errorf("the provider has no open offer of %s", a.cfg.Class)
}

// reprice samples the market every round and takes at most one pricing step per reward
// epoch, on the epoch's average (utilizations and orders averaged over the epoch's samples),
// logging each decision with its inputs.
func (a *GPUAgent) reprice(ctx context.Context, q types.QueryClient) error {
	if a.cfg.Pricing == nil {
		return nil
	}
	epoch, err := rewardstypes.NewQueryClient(a.chain.Conn()).CurrentEpoch(ctx, &rewardstypes.QueryCurrentEpochRequest{})
	if err != nil {
		return err
	}
	offer, err := a.ownOffer(ctx, q)
	if err != nil {
		return err
	}
	market, err := q.Market(ctx, &types.QueryMarketRequest{Class: a.cfg.Class})
	if err != nil {
		return err
	}
	s := market.Markets[0]
	now := MarketView{
		OwnOffered: offer.Gpus, OwnLeased: offer.LeasedGpus,
		ClassUtilizationBps: s.UtilizationBps, OpenOrderGPUs: s.Market.OpenOrderGpus,
		ClearingPrice: s.Market.ClearingPrice.TruncateInt().Uint64(),
	}
	switch {
	case a.pricing.Priced && a.pricing.Epoch == epoch.Epoch.Number:
		a.meter.Add(now)
		return nil
	case !a.pricing.Priced: // nothing measured yet: the first step comes after a whole epoch
		a.log.Info("auto-pricing the offer once per reward epoch", "offer", offer.Id, "price", offer.PricePerGpuHour,
			"epoch", epoch.Epoch.Number, "min", a.cfg.Pricing.Min, "max", a.cfg.Pricing.Max, "target_bps", a.cfg.Pricing.TargetBps)
		a.pricing.Epoch, a.pricing.Priced = epoch.Epoch.Number, true
		return a.savePricingState()
	}
	view := a.meter.View(now)
	a.meter.Reset()
	d := a.cfg.Pricing.Next(offer.PricePerGpuHour.Amount.Uint64(), view, a.pricing.Moved)
	if d.To != d.From {
		price := sdk.NewCoin(offer.PricePerGpuHour.Denom, math.NewIntFromUint64(d.To))
		if _, _, err := a.chain.Send(ctx, &types.MsgUpdateOffer{
			Provider: a.chain.Address, OfferId: offer.Id, PricePerGpuHour: price,
			MinLeaseHours: offer.MinLeaseHours, MaxLeaseHours: offer.MaxLeaseHours, Gpus: offer.Gpus,
		}); err != nil {
			return fmt.Errorf("update offer %d to %s: %w", offer.Id, price, err)
		}
	}
	a.log.Info("offer priced", "epoch", epoch.Epoch.Number, "offer", offer.Id, "from", d.From, "to", d.To, "reason", d.Reason,
		"own_utilization_bps", view.ownUtilizationBps(), "class_utilization_bps", view.ClassUtilizationBps,
		"open_order_gpus", view.OpenOrderGPUs, "clearing_price", view.ClearingPrice, "min", a.cfg.Pricing.Min, "max", a.cfg.Pricing.Max)
	a.metrics.OfferPrice.Set(float64(d.To))
	a.pricing.Epoch, a.pricing.Priced, a.pricing.Moved = epoch.Epoch.Number, true, d.To != d.From
	return a.savePricingState()
}
