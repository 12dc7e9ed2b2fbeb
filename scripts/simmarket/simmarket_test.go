//go:build simmarket

// Package simmarket is the GPU market simulation behind `make sim-market`: the real x/compute
// keeper (offers, standing orders, matching, lease expiry, market data) in process, 20
// providers of 4 GPUs and tenants arriving with a demand curve that moves over time, run
// three times on the same demand: every provider at a fixed price, every provider pricing
// with thalamus-agent's controller (internal/agent.Pricing), and an omniscient price set each
// epoch from the demand model. It writes docs/market.md and its plots.
package simmarket

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/internal/agent"
	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/compute"
	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
)

var out = flag.String("out", "../../docs", "folder docs/market.md and its plots are written to")

// The simulated market: one class, 10 blocks an hour, pricing epochs of 20 blocks.
const (
	class         = "H100-SXM-80G"
	providers     = 20
	gpusEach      = 4
	capacity      = providers * gpusEach
	blocksPerHour = 10
	epochBlocks   = 20
	minPrice      = 40
	maxPrice      = 400
	fixedPrice    = 100 // the median reservation price: what a provider would post by hand
	targetBps     = 8_000
	patience      = 10 // blocks a tenant's order waits before it expires
	seed          = 1
)

// phase is a stretch of steady demand: arrivals per block and the median reservation price.
type phase struct {
	blocks  int
	arrival float64
	median  float64
}

// demandCurve moves through a quiet market, a surge, a middle level, a richer but rarer
// clientele and a slump.
var demandCurve = []phase{
	{600, 2.0, 100}, {600, 6.0, 100}, {600, 3.5, 100}, {600, 2.5, 160}, {600, 1.0, 100},
}

// sigma spreads reservation prices: R = median x exp(sigma x N(0, 1)).
const sigma = 0.4

// meanLeaseBlocks is what a lease of 1-3 hours (uniform) lasts.
const meanLeaseBlocks = 2 * blocksPerHour

// tenantArrival is one tenant: the block it arrives, the hours it wants and what it pays at most.
type tenantArrival struct {
	block       int
	hours       uint32
	reservation uint64
}

// arrivals draws the same tenants for every policy.
func arrivals() []tenantArrival {
	r := rand.New(rand.NewSource(seed))
	var all []tenantArrival
	block := 0
	for _, p := range demandCurve {
		for b := 0; b < p.blocks; b++ {
			for n := poisson(r, p.arrival); n > 0; n-- {
				res := p.median * math.Exp(sigma*r.NormFloat64())
				all = append(all, tenantArrival{block: block, hours: uint32(1 + r.Intn(3)), reservation: uint64(max(res, 1))})
			}
			block++
		}
	}
	return all
}

func poisson(r *rand.Rand, mean float64) int {
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// phaseAt is the demand phase of a block.
func phaseAt(block int) phase {
	for _, p := range demandCurve {
		if block < p.blocks {
			return p
		}
		block -= p.blocks
	}
	return demandCurve[len(demandCurve)-1]
}

// omniscientPrice knows the demand phase: the highest price at which the expected leased
// GPUs still reach the target utilization, or the minimum when even that cannot fill it.
func omniscientPrice(block int) uint64 {
	p := phaseAt(block)
	share := float64(targetBps) / 10_000 * capacity / (p.arrival * meanLeaseBlocks) // P(R >= price) needed
	if share >= 1 {
		return minPrice
	}
	price := p.median * math.Exp(sigma*normalQuantile(1-share))
	return min(max(uint64(price), minPrice), maxPrice)
}

// normalQuantile inverts the standard normal CDF by bisection.
func normalQuantile(q float64) float64 {
	lo, hi := -10.0, 10.0
	for range 100 {
		mid := (lo + hi) / 2
		if 0.5*math.Erfc(-mid/math.Sqrt2) < q {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// policy prices one provider's offer at the start of each epoch.
type policy struct {
	name  string
	price func(epochStart int, current uint64, view agent.MarketView, moved bool) uint64
}

func policies() []policy {
	controller := agent.DefaultPricing(minPrice, maxPrice, targetBps)
	return []policy{
		{"fixed", func(int, uint64, agent.MarketView, bool) uint64 { return fixedPrice }},
		{"auto", func(_ int, current uint64, v agent.MarketView, moved bool) uint64 {
			return controller.Next(current, v, moved).To
		}},
		{"omniscient", func(block int, _ uint64, _ agent.MarketView, _ bool) uint64 { return omniscientPrice(block) }},
	}
}

// result is what one policy achieved.
type result struct {
	name               string
	utilization        float64   // mean leased share of the GPUs
	utilizationByEpoch []float64 // per epoch
	priceByEpoch       []float64 // mean offer price per epoch
	served, unmatched  int
	meanWait, p90Wait  float64 // blocks, of served tenants
	revenue            uint64  // paid and accrued to providers
	largestSwing       uint64  // widest price range of a provider in a steady stretch, in steps
	reversals          int     // direction changes of all providers' prices
	utilizationByPhase []float64
}

func TestMarketSimulation(t *testing.T) {
	tenants := arrivals()
	var results []result
	for _, p := range policies() {
		results = append(results, simulate(t, p, tenants))
	}
	require.NoError(t, write(*out, results, len(tenants)))
	for _, r := range results {
		t.Logf("%-10s utilization %.1f %%, served %d, unmatched %d, wait %.1f blocks (p90 %.0f), revenue %d, swing %d steps",
			r.name, 100*r.utilization, r.served, r.unmatched, r.meanWait, r.p90Wait, r.revenue, r.largestSwing)
	}
}

// market is one run's chain: the keeper over a fresh store and its fake neighbours.
type market struct {
	t        *testing.T
	f        keepertest.Fixture
	k        keeper.Keeper
	ms       types.MsgServer
	q        types.QueryServer
	bank     *keepertest.Bank
	rewards  *epochs
	provider []string
	offer    []uint64
	tenants  []string
	meters   []agent.Meter
	moved    []bool // whether each provider's last epoch moved its price
}

func newMarket(t *testing.T) *market {
	f := keepertest.NewFixture(t, types.StoreKey, compute.AppModule{})
	b, r := keepertest.NewBank(), &epochs{}
	k := keeper.NewKeeper(f.Codec, f.AddressCodec, f.StoreService, b, b, oracle{}, r, f.Authority)
	gs := types.DefaultGenesisState()
	gs.Params.BlocksPerHour, gs.Params.MinLeaseBlocks = blocksPerHour, 5
	gs.Params.ChallengeInterval = 1 << 40 // no proof-of-work in this market: every GPU stays up
	require.NoError(t, k.InitGenesis(f.Ctx, gs))
	m := &market{t: t, f: f, k: k, ms: keeper.NewMsgServerImpl(k), q: keeper.NewQueryServerImpl(k), bank: b, rewards: r,
		meters: make([]agent.Meter, providers), moved: make([]bool, providers)}
	for i := range providers {
		addr := m.account(fmt.Sprintf("provider-%d", i), 10_000_000_000)
		_, err := m.ms.RegisterProvider(f.Ctx, &types.MsgRegisterProvider{
			Owner: addr, Moniker: "sim", Endpoint: "https://sim.example", Region: "sim", Collateral: gs.Params.MinProviderCollateral,
		})
		require.NoError(t, err)
		for g := range gpusEach {
			_, err := m.ms.RegisterGPU(f.Ctx, &types.MsgRegisterGPU{
				Provider: addr, Uuid: fmt.Sprintf("GPU-%08x-0000-0000-0000-%012x", i, g), Model: "NVIDIA H100 80GB HBM3", Class: class,
				MemoryMib: 81559, PciDeviceId: 0x2330, DriverVersion: "550.54.15", CudaVersion: "12.4",
			})
			require.NoError(t, err)
		}
		resp, err := m.ms.CreateOffer(f.Ctx, &types.MsgCreateOffer{
			Provider: addr, Class: class, PricePerGpuHour: uthal(fixedPrice), MinLeaseHours: 1, MaxLeaseHours: 24, Gpus: gpusEach,
		})
		require.NoError(t, err)
		m.provider, m.offer = append(m.provider, addr), append(m.offer, resp.OfferId)
	}
	for i := range 64 {
		m.tenants = append(m.tenants, m.account(fmt.Sprintf("tenant-%d", i), 1<<50))
	}
	return m
}

func (m *market) account(name string, funds int64) string {
	addr := sdk.AccAddress([]byte(fmt.Sprintf("%-20s", name))[:20])
	s, err := m.f.AddressCodec.BytesToString(addr)
	require.NoError(m.t, err)
	m.bank.Balances[string(addr)] = sdk.NewCoins(uthal(funds))
	return s
}

func uthal(n int64) sdk.Coin { return sdk.NewInt64Coin("uthal", n) }

func simulate(t *testing.T, p policy, tenants []tenantArrival) result {
	m := newMarket(t)
	ctx := m.f.Ctx
	res := result{name: p.name}
	total := 0
	for _, ph := range demandCurve {
		total += ph.blocks
	}
	prices := make([][]uint64, providers) // per provider, per epoch
	arrivedAt := map[uint64]int{}         // order id -> block
	var waits []float64
	var leasedSum, phaseLeased float64
	next := 0
	for block := 0; block < total; block++ {
		height := int64(block + 10)
		ctx = ctx.WithBlockHeight(height)
		m.rewards.epoch = uint64(block / epochBlocks)
		if block%epochBlocks == 0 {
			res.priceByEpoch = append(res.priceByEpoch, m.reprice(ctx, p, block, prices))
		}
		m.sample(ctx)
		for ; next < len(tenants) && tenants[next].block == block; next++ {
			a := tenants[next]
			resp, err := m.ms.CreateLease(ctx, &types.MsgCreateLease{
				Tenant: m.tenants[next%len(m.tenants)], Class: class, Gpus: 1, Hours: a.hours,
				MaxPricePerGpuHour: uthal(int64(a.reservation)), Deposit: uthal(int64(a.reservation) * int64(a.hours)),
				OrderTtl: patience,
			})
			require.NoError(t, err)
			if resp.OrderId != 0 {
				arrivedAt[resp.OrderId] = block
			} else {
				res.served++
				waits = append(waits, 0)
			}
		}
		require.NoError(t, m.k.EndBlocker(ctx))
		// Orders closed this block: matched ones waited, expired ones went unserved.
		for id, at := range arrivedAt {
			o, err := m.k.Orders.Get(ctx, id)
			require.NoError(t, err)
			switch o.State {
			case types.ORDER_STATE_MATCHED:
				res.served++
				waits = append(waits, float64(block-at))
				delete(arrivedAt, id)
			case types.ORDER_STATE_EXPIRED:
				res.unmatched++
				delete(arrivedAt, id)
			}
		}
		mk, err := m.k.Markets.Get(ctx, class)
		require.NoError(t, err)
		util := float64(mk.GpusLeased) / capacity
		leasedSum += util
		phaseLeased += util
		if (block+1)%epochBlocks == 0 {
			res.utilizationByEpoch = append(res.utilizationByEpoch, phaseLeased/epochBlocks)
			phaseLeased = 0
		}
		if block%100 == 99 {
			m.f.Store.Commit()
		}
	}
	require.NoError(t, m.k.EscrowInvariant(ctx))
	res.utilization = leasedSum / float64(total)
	res.meanWait, res.p90Wait = meanAndP90(waits)
	res.revenue = m.revenue(ctx)
	res.largestSwing, res.reversals = swings(prices)
	res.utilizationByPhase = byPhase(res.utilizationByEpoch)
	return res
}

// view is what provider i's agent reads of the market now.
func (m *market) view(ctx sdk.Context, i int) (types.Offer, agent.MarketView) {
	summary, err := m.q.Market(ctx, &types.QueryMarketRequest{Class: class})
	require.NoError(m.t, err)
	s := summary.Markets[0]
	offer, err := m.k.Offers.Get(ctx, m.offer[i])
	require.NoError(m.t, err)
	return offer, agent.MarketView{
		OwnOffered: offer.Gpus, OwnLeased: offer.LeasedGpus,
		ClassUtilizationBps: s.UtilizationBps, OpenOrderGPUs: s.Market.OpenOrderGpus,
		ClearingPrice: s.Market.ClearingPrice.TruncateInt().Uint64(),
	}
}

// sample feeds every provider's meter once a block, as its agent samples once a poll.
func (m *market) sample(ctx sdk.Context) {
	for i := range m.offer {
		_, v := m.view(ctx, i)
		m.meters[i].Add(v)
	}
}

// reprice runs the policy for every provider at an epoch start, on the epoch's averaged view,
// and returns the mean price.
func (m *market) reprice(ctx sdk.Context, p policy, block int, prices [][]uint64) float64 {
	var sum float64
	for i, id := range m.offer {
		offer, now := m.view(ctx, i)
		current := offer.PricePerGpuHour.Amount.Uint64()
		price := p.price(block, current, m.meters[i].View(now), m.moved[i])
		m.meters[i].Reset()
		m.moved[i] = price != current
		if price != current {
			_, err := m.ms.UpdateOffer(ctx, &types.MsgUpdateOffer{
				Provider: m.provider[i], OfferId: id, PricePerGpuHour: uthal(int64(price)),
				MinLeaseHours: offer.MinLeaseHours, MaxLeaseHours: offer.MaxLeaseHours, Gpus: offer.Gpus,
			})
			require.NoError(m.t, err)
		}
		prices[i] = append(prices[i], price)
		sum += float64(price)
	}
	return sum / providers
}

// revenue is what the providers were paid and are owed for every lease, take included.
func (m *market) revenue(ctx sdk.Context) uint64 {
	var total uint64
	require.NoError(m.t, m.k.Leases.Walk(ctx, nil, func(_ uint64, l types.Lease) (bool, error) {
		l.AccrueTo(ctx.BlockHeight())
		total += l.Owed().Uint64()
		return false, nil
	}))
	return total
}

func meanAndP90(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	return sum / float64(len(xs)), sorted[len(sorted)*9/10]
}

// swings measures oscillation where the demand is steady: in the second half of each demand
// phase, a provider's prices split into monotone runs of moves (holds ignored); a run with a
// change of direction at both ends went out and came back, and its length in moves is an
// oscillation's amplitude. It returns the largest amplitude of any provider and how often
// prices changed direction over the whole run. A trend that follows the demand is no
// oscillation.
func swings(prices [][]uint64) (largest uint64, reversals int) {
	for _, ps := range prices {
		reversals += max(len(runs(ps))-1, 0)
		start := 0
		for _, ph := range demandCurve {
			epochs := ph.blocks / epochBlocks
			steady := runs(ps[start+epochs/2 : start+epochs])
			for i := 1; i+1 < len(steady); i++ {
				largest = max(largest, steady[i])
			}
			start += epochs
		}
	}
	return largest, reversals
}

// runs splits prices into monotone runs and returns their lengths in moves.
func runs(prices []uint64) []uint64 {
	var lengths []uint64
	dir := 0
	for i := 1; i < len(prices); i++ {
		switch d := sign(int64(prices[i]) - int64(prices[i-1])); d {
		case 0:
		case dir:
			lengths[len(lengths)-1]++
		default:
			lengths, dir = append(lengths, 1), d
		}
	}
	return lengths
}

func sign(x int64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func byPhase(epochs []float64) []float64 {
	var out []float64
	start := 0
	for _, ph := range demandCurve {
		n := ph.blocks / epochBlocks
		var sum float64
		for _, u := range epochs[start : start+n] {
			sum += u
		}
		out = append(out, sum/float64(n))
		start += n
	}
	return out
}

// The chain's other modules, as the market needs them: a bank (keepertest.Bank), an oracle
// that opens no work, and x/rewards' epoch counter.

type oracle struct{}

func (oracle) OpenTask(context.Context, oracletypes.TaskKind, string, uint64, uint64, []byte) (uint64, error) {
	return 0, nil
}
func (oracle) PowPresetAccepted(context.Context, string) (bool, error) { return true, nil }

type epochs struct{ epoch uint64 }

func (*epochs) AddComputeWork(context.Context, sdk.AccAddress, uint64, sdkmath.LegacyDec, uint32, bool) error {
	return nil
}
func (*epochs) ForfeitComputeWork(context.Context, sdk.AccAddress, uint64, string) error { return nil }
func (e *epochs) EpochNumber(context.Context) (uint64, error)                            { return e.epoch, nil }

// write renders docs/market.md and its plots.
func write(dir string, results []result, arrivals int) error {
	if err := plots(dir, results); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(marketDocHead)
	fmt.Fprintf(&b, "\n%d tenants arrive over %d blocks (%d pricing epochs of %d blocks); %d providers offer %d GPUs.\n\n",
		arrivals, len(results[0].utilizationByEpoch)*epochBlocks, len(results[0].utilizationByEpoch), epochBlocks, providers, capacity)
	b.WriteString("| policy | utilization | of omniscient | tenants served | unmatched (expired) | mean wait (blocks) | p90 wait | provider revenue (uthal) | largest swing (steps) | direction changes |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	omni := results[len(results)-1].utilization
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %.1f %% | %.0f %% | %d | %d | %.1f | %.0f | %d | %d | %d |\n", r.name, 100*r.utilization,
			100*r.utilization/omni, r.served, r.unmatched, r.meanWait, r.p90Wait, r.revenue, r.largestSwing, r.reversals)
	}
	b.WriteString("\nUtilization by demand phase:\n\n| phase (blocks, arrivals/block, median reservation) |")
	for _, r := range results {
		fmt.Fprintf(&b, " %s |", r.name)
	}
	b.WriteString("\n| --- |" + strings.Repeat(" --- |", len(results)) + "\n")
	start := 0
	for i, ph := range demandCurve {
		fmt.Fprintf(&b, "| %d-%d, %.1f, %.0f uthal |", start, start+ph.blocks, ph.arrival, ph.median)
		for _, r := range results {
			fmt.Fprintf(&b, " %.1f %% |", 100*r.utilizationByPhase[i])
		}
		b.WriteString("\n")
		start += ph.blocks
	}
	b.WriteString(marketDocTail)
	return os.WriteFile(filepath.Join(dir, "market.md"), []byte(b.String()), 0o644)
}
