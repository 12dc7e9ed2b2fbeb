package keeper_test

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/compute"
	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// actedOn is how many of the seeded providers the benchmarked messages act on.
const actedOn = 64

// recordsPerProvider: a seeded provider holds 2 GPUs, an offer, an open challenge and a lease.
const recordsPerProvider = 6

// computeState is an x/compute state of about n records: n/6 providers, each with two GPUs
// of the first class, an offer for both, an open proof-of-work challenge on the first and a
// lease of one GPU through its offer. Records come from InitGenesis, leases from
// MsgCreateLease; every provider has a confirmed lease but some of the acted-on ones: those
// with a pending lease (pendingProvider, for MsgConfirmLease) and those without
// (freeProvider, for MsgUnbondProvider and MsgCreateOffer), which have no offer either.
// Committed as after a block.
type computeState struct {
	fixture
	providers int
	offerOf   map[int]uint64 // offer id by provider
	leaseOf   map[int]uint64 // lease id by provider
	tenant    string
	manifest  []byte
}

func (s computeState) provider(p int) string {
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("growth-provider"), uint64(p)))
	addr, err := s.AddressCodec.BytesToString(h[:20])
	if err != nil {
		panic(err)
	}
	return addr
}

// ids of provider p's records (p from 1): GPUs 2p-1 and 2p, challenge p (its offer and lease:
// offerOf[p], leaseOf[p]).
func gpuOf(p int) uint64 { return uint64(2*p - 1) }

// actedProvider is the provider of iteration i, the j-th of actedOn spread over the ids
// (j = i mod actedOn); those with j = 1 mod 4 have a pending lease (pendingProvider), those
// with j = 3 mod 4 none (freeProvider), the rest a confirmed one (confirmedProvider).
func (s computeState) actedProvider(i int) int     { return s.nth(i % actedOn) }
func (s computeState) confirmedProvider(i int) int { return s.nth(2 * (i % (actedOn / 2))) }
func (s computeState) pendingProvider(i int) int   { return s.nth(4*(i%(actedOn/4)) + 1) }
func (s computeState) freeProvider(i int) int      { return s.nth(4*(i%(actedOn/4)) + 3) }
func (s computeState) nth(j int) int               { return int(keepertest.Touched(j, actedOn, s.providers)) }

func seededCompute(b *testing.B, n int) computeState {
	b.Helper()
	f := fixtureOn(b, keepertest.NewFixtureOnDisk(b, types.StoreKey, compute.AppModule{}))
	f.Ctx = f.Ctx.WithBlockHeight(10)
	s := computeState{fixture: f, providers: n / recordsPerProvider, offerOf: map[int]uint64{}, leaseOf: map[int]uint64{}, manifest: make([]byte, 32)}
	s.manifest[0] = 1
	gs := types.DefaultGenesisState()
	params := gs.Params
	class := params.GpuClasses[0]
	gs.NextGpuId, gs.NextOfferId, gs.NextChallengeId = 1, 1, 1
	pending, free := map[int]bool{}, map[int]bool{}
	for i := range actedOn / 4 {
		pending[s.pendingProvider(i)], free[s.freeProvider(i)] = true, true
	}
	for p := 1; p <= s.providers; p++ {
		if len(gs.Providers) == keepertest.SeedChunk/recordsPerProvider {
			require.NoError(b, f.keeper.InitGenesis(f.Ctx, gs))
			f.Store.Commit()
			gs.Providers, gs.Gpus, gs.Offers, gs.Challenges = nil, nil, nil, nil
		}
		provider := s.provider(p)
		gs.Providers = append(gs.Providers, types.Provider{Address: provider, Moniker: "growth", Endpoint: "https://gpu.example.org",
			Region: "eu-west", Collateral: params.MinProviderCollateral, Status: types.PROVIDER_STATUS_ACTIVE, GpuCount: 2})
		for j := range 2 {
			h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte(provider), uint64(j)))
			gs.Gpus = append(gs.Gpus, types.GPU{Id: gs.NextGpuId, Uuid: types.FormatGPUUUID([16]byte(h[:16])), Provider: provider,
				Model: "NVIDIA H100 80GB HBM3", Class: class, MemoryMib: 81559, DriverVersion: "550.54.15", CudaVersion: "12.4",
				Status: types.GPU_STATUS_AVAILABLE, Score: 9000})
			gs.NextGpuId++
		}
		if !free[p] {
			s.offerOf[p] = gs.NextOfferId
			gs.Offers = append(gs.Offers, types.Offer{Id: gs.NextOfferId, Provider: provider, Class: class,
				PricePerGpuHour: uthal(int64(360_000 + p)), MinLeaseHours: 1, MaxLeaseHours: 720, Gpus: 2})
			gs.NextOfferId++
		}
		gs.Challenges = append(gs.Challenges, types.Challenge{Id: gs.NextChallengeId, GpuId: gpuOf(p), Provider: provider,
			GpuUuid: gs.Gpus[len(gs.Gpus)-2].Uuid, Class: class, Preset: "devnet", Seed: make([]byte, 32), TableSeed: make([]byte, 32),
			IssuedHeight: 1, DeadlineHeight: 1_000_000, State: types.CHALLENGE_STATE_OPEN, ExpectedWinners: 4})
		gs.NextChallengeId++
	}
	require.NoError(b, f.keeper.InitGenesis(f.Ctx, gs))
	_, s.tenant = f.fund(b, "growth-tenant", sdk.NewCoins(uthal(1<<62)))
	ms := keeper.NewMsgServerImpl(f.keeper)
	for p := 1; p <= s.providers; p++ {
		if free[p] {
			continue
		}
		res, err := ms.CreateLease(f.Ctx, &types.MsgCreateLease{Tenant: s.tenant, OfferId: s.offerOf[p], Gpus: 1, Hours: 24,
			Deposit: uthal(100_000_000), ManifestHash: s.manifest})
		require.NoError(b, err)
		s.leaseOf[p] = res.LeaseId
		if !pending[p] {
			_, err = ms.ConfirmLease(f.Ctx, &types.MsgConfirmLease{Provider: s.provider(p), LeaseId: res.LeaseId, ManifestHash: s.manifest})
			require.NoError(b, err)
		}
		if p%(keepertest.SeedChunk/recordsPerProvider) == 0 {
			f.Store.Commit()
		}
	}
	f.Store.Commit()
	s.Ctx = f.Ctx.WithBlockHeight(100)
	return s
}

// BenchmarkStateGrowth runs each x/compute message against about 1k, 10k, 100k and 1M records
// (keepertest.GrowthSizes; see computeState), each iteration in a discarded cache context over
// the committed state, on one of 64 providers spread over the ids. make bench-growth runs it.
func BenchmarkStateGrowth(b *testing.B) {
	for _, n := range keepertest.GrowthSizes(b) {
		s := seededCompute(b, n)
		ms := keeper.NewMsgServerImpl(s.keeper)
		class := types.DefaultParams().GpuClasses[0]
		acted, confirmed, pending := s.actedProvider, s.confirmedProvider, s.pendingProvider
		_, newOwner := s.fund(b, "growth-newcomer", sdk.NewCoins(uthal(1<<62)))
		for i := range actedOn { // the fake bank lives outside the store: funded once for every iteration
			addr, err := s.AddressCodec.StringToBytes(s.provider(acted(i)))
			require.NoError(b, err)
			s.bank.Balances[string(addr)] = s.bank.Balances[string(addr)].Add(uthal(1 << 62))
		}
		messages := []struct {
			name string
			run  func(ctx sdk.Context, i int) error
		}{
			{"RegisterProvider", func(ctx sdk.Context, _ int) error {
				_, err := ms.RegisterProvider(ctx, &types.MsgRegisterProvider{Owner: newOwner, Moniker: "newcomer", Endpoint: "https://gpu.example.org",
					Region: "eu-west", Collateral: types.DefaultParams().MinProviderCollateral})
				return err
			}},
			{"UpdateProvider", func(ctx sdk.Context, i int) error {
				_, err := ms.UpdateProvider(ctx, &types.MsgUpdateProvider{Owner: s.provider(acted(i)), Moniker: "renamed", Endpoint: "https://gpu2.example.org", Region: "eu-west"})
				return err
			}},
			{"AddCollateral", func(ctx sdk.Context, i int) error {
				_, err := ms.AddCollateral(ctx, &types.MsgAddCollateral{Owner: s.provider(acted(i)), Amount: uthal(1_000)})
				return err
			}},
			{"UnbondProvider", func(ctx sdk.Context, i int) error {
				_, err := ms.UnbondProvider(ctx, &types.MsgUnbondProvider{Owner: s.provider(s.freeProvider(i))})
				return err
			}},
			{"RegisterGPU", func(ctx sdk.Context, i int) error {
				p := acted(i)
				_, err := ms.RegisterGPU(ctx, &types.MsgRegisterGPU{Provider: s.provider(p), Uuid: types.FormatGPUUUID([16]byte{0xee, byte(p), byte(p >> 8), byte(p >> 16)}),
					Model: "NVIDIA H100 80GB HBM3", Class: class, MemoryMib: 81559, DriverVersion: "550.54.15", CudaVersion: "12.4"})
				return err
			}},
			{"RetireGPU", func(ctx sdk.Context, i int) error { // the second GPU: the lease holds the first
				p := acted(i)
				_, err := ms.RetireGPU(ctx, &types.MsgRetireGPU{Provider: s.provider(p), GpuId: gpuOf(p) + 1})
				return err
			}},
			{"CreateOffer", func(ctx sdk.Context, i int) error {
				_, err := ms.CreateOffer(ctx, &types.MsgCreateOffer{Provider: s.provider(s.freeProvider(i)), Class: class, PricePerGpuHour: uthal(400_000),
					MinLeaseHours: 1, MaxLeaseHours: 24, Gpus: 1})
				return err
			}},
			{"UpdateOffer", func(ctx sdk.Context, i int) error {
				p := confirmed(i)
				_, err := ms.UpdateOffer(ctx, &types.MsgUpdateOffer{Provider: s.provider(p), OfferId: s.offerOf[p], PricePerGpuHour: uthal(500_000),
					MinLeaseHours: 1, MaxLeaseHours: 48, Gpus: 2})
				return err
			}},
			{"CloseOffer", func(ctx sdk.Context, i int) error {
				p := confirmed(i)
				_, err := ms.CloseOffer(ctx, &types.MsgCloseOffer{Provider: s.provider(p), OfferId: s.offerOf[p]})
				return err
			}},
			{"CreateLease", func(ctx sdk.Context, _ int) error { // matched by class: the cheapest offer with a free GPU
				_, err := ms.CreateLease(ctx, &types.MsgCreateLease{Tenant: s.tenant, Class: class, Gpus: 1, Hours: 2, Deposit: uthal(10_000_000), ManifestHash: s.manifest})
				return err
			}},
			{"ConfirmLease", func(ctx sdk.Context, i int) error {
				p := pending(i)
				_, err := ms.ConfirmLease(ctx, &types.MsgConfirmLease{Provider: s.provider(p), LeaseId: s.leaseOf[p], ManifestHash: s.manifest})
				return err
			}},
			{"DepositLease", func(ctx sdk.Context, i int) error {
				_, err := ms.DepositLease(ctx, &types.MsgDepositLease{Tenant: s.tenant, LeaseId: s.leaseOf[confirmed(i)], Amount: uthal(1_000_000)})
				return err
			}},
			{"CloseLease", func(ctx sdk.Context, i int) error {
				_, err := ms.CloseLease(ctx, &types.MsgCloseLease{Sender: s.tenant, LeaseId: s.leaseOf[confirmed(i)], Reason: types.LEASE_CLOSE_REASON_TENANT_DONE})
				return err
			}},
			{"WithdrawLease", func(ctx sdk.Context, i int) error {
				p := confirmed(i)
				_, err := ms.WithdrawLease(ctx, &types.MsgWithdrawLease{Provider: s.provider(p), LeaseId: s.leaseOf[p]})
				return err
			}},
			{"WithdrawAllLeases", func(ctx sdk.Context, i int) error {
				_, err := ms.WithdrawAllLeases(ctx, &types.MsgWithdrawAllLeases{Provider: s.provider(acted(i))})
				return err
			}},
			{"SubmitWork", func(ctx sdk.Context, i int) error {
				p := acted(i)
				winners := make([]types.PowWinner, 4)
				for w := range winners {
					winners[w] = types.PowWinner{Nonce: uint64(w * 1000)}
				}
				_, err := ms.SubmitWork(ctx, &types.MsgSubmitWork{Provider: s.provider(p), ChallengeId: uint64(p), NoncesTried: 1 << 20, Winners: winners,
					Telemetry: types.Telemetry{GpuUtilizationPct: 98, MaxTemperatureC: 71}})
				return err
			}},
			{"CancelOrder", func(ctx sdk.Context, _ int) error { // with the standing order it cancels: no offer has 64 GPUs
				res, err := ms.CreateLease(ctx, &types.MsgCreateLease{Tenant: s.tenant, Class: class, Gpus: 64, Hours: 2, Deposit: uthal(1_000_000_000),
					ManifestHash: s.manifest, OrderTtl: 100})
				if err != nil {
					return err
				}
				_, err = ms.CancelOrder(ctx, &types.MsgCancelOrder{Tenant: s.tenant, OrderId: res.OrderId})
				return err
			}},
		}
		for _, m := range messages {
			b.Run(fmt.Sprintf("%s/records=%d", m.name, n), func(b *testing.B) { keepertest.MeasureEach(b, s.Ctx, m.run) })
		}
	}
}
