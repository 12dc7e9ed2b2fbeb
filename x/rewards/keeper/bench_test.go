package keeper_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"
)

// BenchmarkAddComputeWork is the cost of crediting one verified challenge.
func BenchmarkAddComputeWork(b *testing.B) {
	f := newFixture(b)
	hours := math.LegacyNewDecWithPrec(83, 4)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		require.NoError(b, f.keeper.AddComputeWork(f.Ctx, testAddress(fmt.Sprint("p", i%100)), uint64(i%1000), hours, 9000, i%2 == 0))
	}
}

// BenchmarkEpochClose closes an epoch after recipients accrued work: the close is constant
// in the number of recipients, because each is paid through the accumulator on its claim.
func BenchmarkEpochClose(b *testing.B) {
	for _, recipients := range []int{10, 10_000} {
		b.Run(fmt.Sprintf("recipients=%d", recipients), func(b *testing.B) {
			f := newFixture(b)
			for i := 0; i < recipients; i++ {
				require.NoError(b, f.keeper.AddSensorWork(f.Ctx, testAddress(fmt.Sprint("op", i)), uint64(i), 100, 9000))
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cur, err := f.keeper.CurrentEpoch.Get(f.Ctx)
				require.NoError(b, err)
				f.Ctx = f.Ctx.WithBlockHeight(cur.StartHeight + 9)
				require.NoError(b, f.keeper.EndBlock(f.Ctx))
			}
		})
	}
}

// BenchmarkClaim claims 100 epochs of rewards of an address with 4 sources per epoch.
func BenchmarkClaim(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFixture(b)
		op := testAddress("op")
		for e := 0; e < 100; e++ {
			for d := uint64(0); d < 4; d++ {
				require.NoError(b, f.keeper.AddSensorWork(f.Ctx, op, d, 100, 9000))
			}
			f.endEpoch(b)
		}
		b.StartTimer()
		_, epochs, err := f.keeper.Claim(f.Ctx, op)
		require.NoError(b, err)
		require.Len(b, epochs, 100)
	}
}
