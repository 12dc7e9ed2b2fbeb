package keeper

import (
	"os"
	"strconv"
	"strings"
	"testing"

	storetypes "cosmossdk.io/store/types"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// GrowthSizes are the state sizes (records of what a message touches) the state-growth
// benchmarks run at: 1k, 10k, 100k and 1M, or THALAMUS_GROWTH_SIZES (comma-separated) for a
// quicker look. make bench-growth runs them all.
func GrowthSizes(tb testing.TB) []int {
	tb.Helper()
	env := os.Getenv("THALAMUS_GROWTH_SIZES")
	if env == "" {
		return []int{1_000, 10_000, 100_000, 1_000_000}
	}
	var sizes []int
	for _, s := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 64 {
			tb.Fatalf("THALAMUS_GROWTH_SIZES: %q is not a size of at least 64", s)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// Touched picks, for iteration i of a benchmark over n seeded records, one of `of` records
// spread evenly over the ids 1..n, so iterations do not all walk the same tree path.
func Touched(i, of, n int) uint64 {
	return uint64(1 + (i%of)*(n/of))
}

// SeedChunk is how many records a state-growth benchmark writes between commits, so IAVL
// keeps a bounded tree of unsaved nodes in memory while it seeds a million.
const SeedChunk = 100_000

// MeasureEach runs run b.N times, each in a discarded cache context of ctx (so every run sees
// the same committed state) with an infinite gas meter, fails on the first error, and reports
// the store gas per run (gas/op): the store work, which must not grow with the state.
func MeasureEach(b *testing.B, ctx sdk.Context, run func(ctx sdk.Context, i int) error) {
	b.Helper()
	b.ReportAllocs()
	var gas uint64
	for i := 0; i < b.N; i++ {
		cache, _ := ctx.CacheContext()
		cache = cache.WithGasMeter(storetypes.NewInfiniteGasMeter())
		if err := run(cache, i); err != nil {
			b.Fatalf("run %d: %v", i, err)
		}
		gas += cache.GasMeter().GasConsumed()
	}
	b.ReportMetric(float64(gas)/float64(b.N), "gas/op")
}
