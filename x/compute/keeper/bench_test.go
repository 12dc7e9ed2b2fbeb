package keeper_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

var benchSizes = []int{1_000, 10_000, 100_000}

// seededMarket holds n open offers spread over the default catalogue at scattered prices,
// each backed by one available GPU of its own provider, committed as after a block.
func seededMarket(b *testing.B, n int) fixture {
	b.Helper()
	f := newFixture(b)
	classes := types.DefaultParams().GpuClasses
	for i := 1; i <= n; i++ {
		provider, err := f.AddressCodec.BytesToString(testAddress(fmt.Sprintf("p%d", i)))
		require.NoError(b, err)
		class := classes[i%len(classes)]
		require.NoError(b, f.keeper.GPUs.Set(f.Ctx, uint64(i), types.GPU{
			Id: uint64(i), Uuid: fmt.Sprintf("GPU-00000000-0000-0000-0000-%012x", i), Provider: provider, Class: class,
			Status: types.GPU_STATUS_AVAILABLE, Score: 5_000,
		}))
		_, err = keeper.SetOfferForTest(f.keeper, f.Ctx, types.Offer{
			Id: uint64(i), Provider: provider, Class: class,
			PricePerGpuHour: uthal(int64(1_000 + (i*7919)%1_000_000)), MinLeaseHours: 1, MaxLeaseHours: 720, Gpus: 1,
		})
		require.NoError(b, err)
	}
	f.Store.Commit()
	return f
}

// BenchmarkCheapestOffer measures reading the cheapest open offer of a class from the
// (class, price, id) index with 1k, 10k and 100k open offers.
func BenchmarkCheapestOffer(b *testing.B) {
	for _, n := range benchSizes {
		f := seededMarket(b, n) // built once per size: b.Run calls its function again for every b.N it tries
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

// BenchmarkCreateLeaseByClass measures a whole create-lease matched by class (match, pick
// GPUs, escrow, write lease, indexes and queue) with 1k, 10k and 100k open offers. Each
// iteration runs in a discarded cache context so every one sees the same market.
func BenchmarkCreateLeaseByClass(b *testing.B) {
	for _, n := range benchSizes {
		f := seededMarket(b, n)
		_, tenant := f.fund(b, "tenant", sdk.NewCoins(uthal(1_000_000_000_000_000_000)))
		msg := &types.MsgCreateLease{Tenant: tenant, Class: "H100-SXM-80G", Gpus: 1, Hours: 1, Deposit: uthal(1_000_000)}
		b.Run(fmt.Sprintf("offers=%d", n), func(b *testing.B) {
			ms := keeper.NewMsgServerImpl(f.keeper)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ctx, _ := f.Ctx.CacheContext()
				if _, err := ms.CreateLease(ctx, msg); err != nil {
					b.Fatalf("create-lease failed: %v", err)
				}
			}
		})
	}
}
