package types_test

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	"github.com/thalamus-network/thalamus/x/rewards/simulation"
	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// Across 1,000 epochs, for the defaults and random params, the emission never rises, never
// takes the supply past the cap, sums exactly to the supply it adds, and every split sums
// exactly to its epoch's emission with each paying pool within its share.
func TestScheduleAcrossThousandEpochs(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	fast := types.DefaultParams()
	fast.DecayPerEpoch = math.LegacyNewDecWithPrec(99, 2)
	capped := types.DefaultParams()
	capped.SupplyCap = math.NewInt(30_000_000_000_000) // reached within the run
	cases := map[string]types.Params{"default": types.DefaultParams(), "fast decay": fast, "capped": capped}
	for i := 0; i < 5; i++ {
		p := simulation.GenParams(r)
		p.SupplyCap = math.NewInt(r.Int63n(1_000_000_000_000))
		cases["random"+string(rune('0'+i))] = p
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, p.Validate())
			start := math.NewInt(1_000_000)
			schedule := p.Schedule(0, 1000, start)
			supply, sum := start, math.ZeroInt()
			prev := p.InitialEpochEmission
			for i, s := range schedule {
				require.Equal(t, uint64(i), s.Epoch)
				require.False(t, s.Emission.IsNegative())
				require.True(t, s.Emission.LTE(prev), "epoch %d: %s after %s", i, s.Emission, prev)
				supply = supply.Add(s.Emission)
				sum = sum.Add(s.Emission)
				require.Equal(t, supply, s.SupplyAfter)
				require.True(t, supply.LTE(math.MaxInt(p.SupplyCap, start)), "epoch %d passed the cap", i)
				prev = s.Emission

				units := []math.LegacyDec{math.LegacyNewDec(r.Int63n(3)), math.LegacyNewDecWithPrec(r.Int63n(1e6), 3), math.LegacyZeroDec()}
				u := math.LegacyNewDecWithPrec(r.Int63n(101), 2)
				pools, community := p.Split(s.Emission, u, units)
				total := community
				for j, pool := range pools {
					total = total.Add(pool.Amount)
					require.True(t, pool.Amount.LTE(pool.Share.MulInt(s.Emission).TruncateInt()))
					if units[j].IsPositive() {
						require.True(t, types.Payout(units[j], pool.RewardPerUnit).LTE(pool.Amount))
					} else {
						require.True(t, pool.Amount.IsZero())
					}
				}
				require.Equal(t, s.Emission, total, "epoch %d split", i)
			}
			require.Equal(t, supply.Sub(start), sum)
			if name == "capped" {
				require.Equal(t, p.SupplyCap, supply)
			}
		})
	}
}

func TestEpochEmissionFormula(t *testing.T) {
	p := types.DefaultParams()
	p.InitialEpochEmission = math.NewInt(1_000_000)
	p.DecayPerEpoch = math.LegacyNewDecWithPrec(5, 1)
	p.SupplyCap = math.NewInt(10_000_000)
	require.Equal(t, math.NewInt(1_000_000), p.EpochEmission(0, math.ZeroInt()))
	require.Equal(t, math.NewInt(125_000), p.EpochEmission(3, math.ZeroInt()))
	require.Equal(t, math.NewInt(7), p.EpochEmission(0, math.NewInt(9_999_993)))
	require.True(t, p.EpochEmission(0, math.NewInt(20_000_000)).IsZero(), "supply above the cap mints nothing")
	require.True(t, p.EpochEmission(64, math.ZeroInt()).IsZero(), "decayed below one base unit")
}

func TestUtilization(t *testing.T) {
	require.True(t, types.Utilization(math.LegacyZeroDec(), math.LegacyZeroDec()).IsZero())
	require.Equal(t, math.LegacyNewDecWithPrec(25, 2), types.Utilization(math.LegacyNewDec(4), math.LegacyOneDec()))
	require.Equal(t, math.LegacyOneDec(), types.Utilization(math.LegacyOneDec(), math.LegacyNewDec(2)))
}
