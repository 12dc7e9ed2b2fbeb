package keeper

import (
	"context"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

// SetOfferForTest writes an offer with its price-index entry, for benchmarks that seed markets.
func SetOfferForTest(k Keeper, ctx context.Context, offer types.Offer) (types.Offer, error) {
	return offer, k.setOffer(ctx, nil, offer)
}
