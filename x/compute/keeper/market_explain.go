package keeper

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cosmossdk.io/collections"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

// nearestOffers is how many of a class's cheapest offers a failed match describes.
const nearestOffers = 3

// explainNoMatch says why no offer serves a class request: the class's cheapest offers with
// a free GPU, each with its price, free GPUs and best score, and what the request would have
// to change (price, GPU count, score, hours, deposit) to be served by it.
func (k Keeper) explainNoMatch(ctx context.Context, params types.Params, tenant string, req *types.MsgCreateLease) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "no offer of %s serves %d GPUs for %d hours at score >= %d", req.Class, req.Gpus, req.Hours, req.MinGpuScore)
	b.WriteString(maxPriceText(req.MaxPricePerGpuHour))
	offers, err := k.cheapestOffers(ctx, req.Class, nearestOffers)
	if err != nil {
		return "", err
	}
	if len(offers) == 0 {
		m, err := k.Markets.Get(ctx, req.Class)
		if err != nil && !errors.Is(err, collections.ErrNotFound) {
			return "", err
		}
		fmt.Fprintf(&b, ": none has a free GPU (%d registered, %d leased)", m.GpusRegistered, m.GpusLeased)
		return b.String(), nil
	}
	b.WriteString("; nearest:")
	for i, offer := range offers {
		desc, err := k.describeOffer(ctx, params, tenant, req, offer)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString(";")
		}
		b.WriteString(" " + desc)
	}
	return b.String(), nil
}

// cheapestOffers reads up to n offers of class with a free GPU, cheapest first.
func (k Keeper) cheapestOffers(ctx context.Context, class string, n int) (offers []types.Offer, err error) {
	iter, err := k.OffersByPrice.Iterate(ctx, collections.NewPrefixedPairRange[string, PriceID](class))
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, iter.Close()) }()
	for ; iter.Valid() && len(offers) < n; iter.Next() {
		key, err := iter.Key()
		if err != nil {
			return nil, err
		}
		offer, err := k.Offers.Get(ctx, key.K2().K2())
		if err != nil {
			return nil, err
		}
		offers = append(offers, offer)
	}
	return offers, nil
}

// describeOffer states an offer's terms and what req would need to change to be served by it.
func (k Keeper) describeOffer(ctx context.Context, params types.Params, tenant string, req *types.MsgCreateLease, offer types.Offer) (string, error) {
	owner, err := k.addressCodec.StringToBytes(offer.Provider)
	if err != nil {
		return "", err
	}
	offered := offer.Gpus - min(offer.Gpus, offer.LeasedGpus) // at most max_gpus_per_provider
	best, err := k.leasableGPUs(ctx, owner, offer.Class, 0, max(req.Gpus, offered))
	if err != nil {
		return "", err
	}
	free := min(uint32(len(best)), offered)
	desc := fmt.Sprintf("offer %d at %s per GPU-hour, %d free GPUs", offer.Id, offer.PricePerGpuHour, free)
	if len(best) > 0 {
		desc += fmt.Sprintf(" (best score %d)", best[0].Score)
	}
	var need []string
	if offer.Provider == tenant {
		need = append(need, "a tenant other than its provider")
	}
	if req.Hours < offer.MinLeaseHours || req.Hours > offer.MaxLeaseHours {
		need = append(need, fmt.Sprintf("hours in [%d, %d]", offer.MinLeaseHours, offer.MaxLeaseHours))
	}
	if types.HasMaxPrice(req.MaxPricePerGpuHour) && offer.PricePerGpuHour.Amount.GT(req.MaxPricePerGpuHour.Amount) {
		need = append(need, fmt.Sprintf("a max price of at least %s", offer.PricePerGpuHour))
	}
	switch {
	case free < req.Gpus:
		need = append(need, fmt.Sprintf("at most %d GPUs", free))
	case best[req.Gpus-1].Score < req.MinGpuScore:
		need = append(need, fmt.Sprintf("a min GPU score of at most %d", best[req.Gpus-1].Score))
	}
	if deposit, _ := depositNeeded(params, offer.PricePerGpuHour, int(req.Gpus), req.Hours); req.Deposit.Amount.LT(deposit) {
		need = append(need, fmt.Sprintf("a deposit of at least %s%s", deposit, offer.PricePerGpuHour.Denom))
	}
	if len(need) == 0 {
		return desc + ": serves the request", nil
	}
	return desc + ": needs " + strings.Join(need, ", "), nil
}
