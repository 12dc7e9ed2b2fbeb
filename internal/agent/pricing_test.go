package agent

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPricingTakesOneBoundedStep(t *testing.T) {
	p := DefaultPricing(100, 1_000, 8_000)
	require.NoError(t, p.Validate())
	for _, tc := range []struct {
		name    string
		current uint64
		view    MarketView
		want    uint64
	}{
		{"all leased, class busy: up 5 %", 400, MarketView{OwnOffered: 4, OwnLeased: 4, ClassUtilizationBps: 9_000}, 420},
		{"all leased, class idle: hold (waiting orders then bid below the free GPUs)", 400,
			MarketView{OwnOffered: 4, OwnLeased: 4, ClassUtilizationBps: 5_000, OpenOrderGPUs: 2}, 400},
		{"a step above the clearing price: hold", 400, MarketView{OwnOffered: 4, OwnLeased: 4, ClassUtilizationBps: 9_000, ClearingPrice: 380}, 400},
		{"below it: up", 400, MarketView{OwnOffered: 4, OwnLeased: 4, ClassUtilizationBps: 9_000, ClearingPrice: 381}, 420},
		{"in the dead band: hold", 400, MarketView{OwnOffered: 10, OwnLeased: 7, ClassUtilizationBps: 9_000}, 400},
		{"idle GPUs: down 5 %", 400, MarketView{OwnOffered: 4, OwnLeased: 1, ClassUtilizationBps: 9_000, OpenOrderGPUs: 3}, 380},
		{"never below the minimum", 102, MarketView{OwnOffered: 4}, 100},
		{"never above the maximum", 990, MarketView{OwnOffered: 1, OwnLeased: 1, ClassUtilizationBps: 10_000}, 1_000},
		{"a start outside the bounds is pulled in", 5_000, MarketView{OwnOffered: 4, OwnLeased: 3, ClassUtilizationBps: 7_500}, 1_000},
		{"no offered GPU counts as idle", 400, MarketView{}, 380},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := p.Next(tc.current, tc.view, false)
			require.Equal(t, tc.want, d.To, d.Reason)
			require.NotEmpty(t, d.Reason)
		})
	}
	// Small prices still move: a step is at least 1.
	require.Equal(t, uint64(11), DefaultPricing(1, 100, 8_000).Next(10, MarketView{OwnOffered: 1, OwnLeased: 1, ClassUtilizationBps: 10_000}, false).To)
}

func TestPricingRejectsBadBounds(t *testing.T) {
	for _, p := range []Pricing{
		DefaultPricing(0, 10, 8_000),
		DefaultPricing(10, 5, 8_000),
		DefaultPricing(10, 20, 0),
		DefaultPricing(10, 20, 10_001),
		{Min: 1, Max: 2, TargetBps: 5_000},
	} {
		require.Error(t, p.Validate(), "%+v", p)
	}
}

func TestPricingHoldsAfterAMoveAndAveragesTheEpoch(t *testing.T) {
	p := DefaultPricing(100, 1_000, 8_000)
	busy := MarketView{OwnOffered: 4, OwnLeased: 4, ClassUtilizationBps: 9_000}
	require.Equal(t, uint64(420), p.Next(400, busy, false).To)
	require.Equal(t, uint64(420), p.Next(420, busy, true).To, "the epoch after a move holds")

	// Full for half the epoch and empty for the other half averages to 50 %: down, not up.
	var m Meter
	for i := range 10 {
		v := busy
		if i%2 == 1 {
			v.OwnLeased, v.ClassUtilizationBps = 0, 4_000
		}
		m.Add(v)
	}
	avg := m.View(busy)
	require.Equal(t, uint32(5_000), avg.ownUtilizationBps())
	require.Equal(t, uint32(6_500), avg.ClassUtilizationBps)
	require.Equal(t, uint64(380), p.Next(400, avg, false).To)
	m.Reset()
	require.Equal(t, busy, m.View(busy), "no sample: the view now")
}
