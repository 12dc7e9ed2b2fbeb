package types_test

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

// AffordableBlocks must be the exact boundary of OwedFor: B blocks cost at most the funds
// and B+1 blocks cost more.
func TestAffordableBlocksIsExact(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for i := 0; i < 10_000; i++ {
		price := math.NewInt(1 + r.Int63n(10_000_000))
		gpus := 1 + r.Intn(16)
		bph := uint64(1 + r.Intn(3_600))
		funds := math.NewInt(r.Int63n(1_000_000_000))
		b := types.AffordableBlocks(price, gpus, funds, bph)
		require.True(t, types.OwedFor(price, gpus, b, bph).LTE(funds), "case %d", i)
		require.True(t, types.OwedFor(price, gpus, b+1, bph).GT(funds), "case %d", i)
	}
}

func TestLeaseAccrual(t *testing.T) {
	// 2 GPUs at 7 per GPU-hour, 10 blocks per hour: 20 uthal pay 14 blocks.
	l := types.Lease{
		State: types.LEASE_STATE_ACTIVE, GpuIds: []uint64{1, 2}, PricePerGpuHour: uthal(7),
		Escrow: uthal(20), Paid: uthal(0), AccruedHeight: 10, EndHeight: 110, BlocksPerHour: 10,
	}
	require.Equal(t, int64(24), l.NextEvent(3))
	l.AccrueTo(15)
	require.Equal(t, uint64(5), l.BilledBlocks)
	require.Equal(t, math.NewInt(7), l.Due())
	l.AccrueTo(12) // never backwards
	require.Equal(t, uint64(5), l.BilledBlocks)
	l.AccrueTo(1_000) // capped where the funds run dry, not at the height asked
	require.Equal(t, uint64(14), l.BilledBlocks)
	require.Equal(t, int64(24), l.AccruedHeight)
	require.Zero(t, l.BlocksLeft())

	l.State, l.PausedHeight = types.LEASE_STATE_PAUSED, 24
	require.Equal(t, int64(27), l.NextEvent(3))
	l.AccrueTo(30)
	require.Equal(t, uint64(14), l.BilledBlocks, "paused leases accrue nothing")
	require.Equal(t, int64(110), l.NextEvent(1_000), "the lease end caps the grace period")
	l.State = types.LEASE_STATE_CLOSED
	require.Zero(t, l.NextEvent(3))
}

func TestHourBlocksSaturates(t *testing.T) {
	require.Equal(t, uint64(6_000), types.HourBlocks(10, 600))
	require.Equal(t, uint64(1)<<60, types.HourBlocks(types.MaxLeaseHours, 1<<62))
}

func uthal(n int64) sdk.Coin { return sdk.NewInt64Coin("uthal", n) }
