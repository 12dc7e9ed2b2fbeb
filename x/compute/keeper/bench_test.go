package keeper_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// BenchmarkCheapestOffer measures the lookup that lease matching by class relies on: the
// cheapest open offer of a class, read from the (class, price, id) index, with 1k, 10k and
// 100k open offers spread over the default catalogue, committed as after a block. The cost
// must not grow with the number of offers.
func BenchmarkCheapestOffer(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		// Built once per size: b.Run calls its function again for every b.N it tries.
		f := newFixture(b)
		classes := types.DefaultParams().GpuClasses
		for i := 1; i <= n; i++ {
			provider, err := f.AddressCodec.BytesToString(testAddress(fmt.Sprintf("p%d", i)))
			require.NoError(b, err)
			o := types.Offer{
				Id: uint64(i), Provider: provider, Class: classes[i%len(classes)],
				PricePerGpuHour: uthal(int64(1_000 + (i*7919)%1_000_000)), MinLeaseHours: 1, MaxLeaseHours: 720, Gpus: 1,
			}
			require.NoError(b, f.keeper.Offers.Set(f.Ctx, o.Id, o))
			require.NoError(b, f.keeper.OffersByPrice.Set(f.Ctx,
				collections.Join(o.Class, collections.Join(o.PricePerGpuHour.Amount.Uint64(), o.Id))))
		}
		f.Store.Commit()
		b.Run(fmt.Sprintf("offers=%d", n), func(b *testing.B) {
			q := keeper.NewQueryServerImpl(f.keeper)
			req := &types.QueryOffersByClassRequest{Class: "H100-SXM-80G", Pagination: &query.PageRequest{Limit: 1}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				resp, err := q.OffersByClass(f.Ctx, req)
				if err != nil || len(resp.Offers) != 1 {
					b.Fatalf("lookup failed: %v", err)
				}
			}
		})
	}
}
