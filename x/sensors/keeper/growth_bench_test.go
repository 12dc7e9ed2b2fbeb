package keeper_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/sensors"
	"github.com/thalamus-network/thalamus/x/sensors/keeper"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// actedOn is how many of the seeded devices the benchmarked messages act on (with real keys).
const actedOn = 64

// seededSensors is an x/sensors state of n devices, each of its own owner with one committed
// batch, written through InitGenesis in chunks on a disk-backed store and committed as after
// a block. The devices the messages act on (keepertest.Touched) have real keys; every other
// one a unique 32-byte key.
func seededSensors(b *testing.B, n int) (fixture, map[uint64]ed25519.PrivateKey) {
	b.Helper()
	f := fixtureOn(b, keepertest.NewFixtureOnDisk(b, types.StoreKey, sensors.AppModule{}))
	f.Ctx = f.Ctx.WithChainID(testChainID).WithBlockHeight(10).WithBlockTime(testBlockTime)
	keys := map[uint64]ed25519.PrivateKey{}
	for i := range actedOn {
		id := keepertest.Touched(i, actedOn, n)
		keys[id] = deviceKey(fmt.Sprint("growth-", id))
	}
	gs := types.DefaultGenesisState()
	gs.NextDeviceId = uint64(n) + 1
	last := testBlockTime.Add(-time.Hour).UnixMilli()
	for id := uint64(1); id <= uint64(n); id++ {
		if len(gs.Devices) == keepertest.SeedChunk {
			require.NoError(b, f.keeper.InitGenesis(f.Ctx, gs))
			f.Store.Commit()
			gs.Devices, gs.DeviceStats, gs.Batches = nil, nil, nil
		}
		pub := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("growth-key"), id))
		if key, ok := keys[id]; ok {
			copy(pub[:], key.Public().(ed25519.PublicKey))
		}
		root := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("growth-root"), id))
		gs.Devices = append(gs.Devices, types.Device{
			Id: id, Owner: f.addr(fmt.Sprint("owner-", id)), PubKey: pub[:], Kind: types.KindWeather, Channels: weatherChannels(),
			SamplingInterval: time.Minute, Status: types.DEVICE_STATUS_ACTIVE, RegisteredHeight: 1,
		})
		gs.DeviceStats = append(gs.DeviceStats, types.DeviceStatsEntry{DeviceId: id, Stats: types.DeviceStats{Batches: 1, Readings: 10, LastReadingMs: last}})
		gs.Batches = append(gs.Batches, types.Batch{
			DeviceId: id, Seq: 1, Root: root[:], Count: 10, FirstReadingMs: last - 9*60_000, LastReadingMs: last, SizeBytes: 1200,
			Uri: "https://gateway.example.org/v1/batches/1", Committer: f.addr(fmt.Sprint("owner-", id)), CommittedHeight: 9,
			Status: types.BATCH_STATUS_PENDING,
		})
	}
	require.NoError(b, f.keeper.InitGenesis(f.Ctx, gs))
	f.Store.Commit()
	return f, keys
}

// BenchmarkStateGrowth runs each x/sensors message against 1k, 10k, 100k and 1M devices with
// a batch each (keepertest.GrowthSizes), each iteration in a discarded cache context over the
// committed state, on one of 64 devices spread over the ids. A message whose cost grows no
// faster than the log of the state takes at most about twice as long at 1M as at 1k (IAVL's
// depth doubles). make bench-growth runs it and writes docs/state-growth.md.
func BenchmarkStateGrowth(b *testing.B) {
	for _, n := range keepertest.GrowthSizes(b) {
		f, keys := seededSensors(b, n)
		ms := keeper.NewMsgServerImpl(f.keeper)
		owner := func(id uint64) string { return f.addr(fmt.Sprint("owner-", id)) }
		// Signatures are made here, not in the timed loop: only the chain's work is measured.
		buyer := f.addr("buyer")
		registrations, acceptances := make([]*types.MsgRegisterDevice, actedOn), make([][]byte, actedOn)
		for i := range actedOn {
			key, o := deviceKey(fmt.Sprint("new-", i)), f.addr(fmt.Sprint("new-owner-", i))
			registrations[i] = &types.MsgRegisterDevice{
				Owner: o, PubKey: pub(key), PossessionSig: ed25519.Sign(key, types.PossessionSignBytes(testChainID, o)),
				Kind: types.KindWeather, Channels: weatherChannels(), SamplingInterval: time.Minute,
			}
			acceptances[i] = ed25519.Sign(keys[keepertest.Touched(i, actedOn, n)], types.PossessionSignBytes(testChainID, buyer))
		}
		messages := []struct {
			name string
			run  func(ctx sdk.Context, i int) error
		}{
			{"RegisterDevice", func(ctx sdk.Context, i int) error {
				_, err := ms.RegisterDevice(ctx, registrations[i%actedOn])
				return err
			}},
			{"UpdateDevice", func(ctx sdk.Context, i int) error {
				id := keepertest.Touched(i, actedOn, n)
				_, err := ms.UpdateDevice(ctx, &types.MsgUpdateDevice{Owner: owner(id), DeviceId: id, Channels: weatherChannels(), SamplingInterval: 2 * time.Minute})
				return err
			}},
			{"TransferDevice", func(ctx sdk.Context, i int) error {
				id := keepertest.Touched(i, actedOn, n)
				_, err := ms.TransferDevice(ctx, &types.MsgTransferDevice{Owner: owner(id), DeviceId: id, NewOwner: buyer})
				return err
			}},
			{"AcceptDeviceTransfer", func(ctx sdk.Context, i int) error {
				id := keepertest.Touched(i, actedOn, n)
				if _, err := ms.TransferDevice(ctx, &types.MsgTransferDevice{Owner: owner(id), DeviceId: id, NewOwner: buyer}); err != nil {
					return err
				}
				_, err := ms.AcceptDeviceTransfer(ctx, &types.MsgAcceptDeviceTransfer{
					NewOwner: buyer, DeviceId: id, PossessionSig: acceptances[i%actedOn],
				})
				return err
			}},
			{"DeactivateDevice", func(ctx sdk.Context, i int) error {
				id := keepertest.Touched(i, actedOn, n)
				_, err := ms.DeactivateDevice(ctx, &types.MsgDeactivateDevice{Owner: owner(id), DeviceId: id})
				return err
			}},
			{"CommitBatch", func(ctx sdk.Context, i int) error {
				id := keepertest.Touched(i, actedOn, n)
				root := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("growth-next"), id))
				blockMs := ctx.BlockTime().UnixMilli()
				_, err := ms.CommitBatch(ctx, &types.MsgCommitBatch{
					Committer: owner(id), DeviceId: id, Seq: 2, Root: root[:], Count: 10,
					FirstReadingMs: blockMs - 10*60_000, LastReadingMs: blockMs - 60_000, SizeBytes: 1200,
					Uri: "https://gateway.example.org/v1/batches/2",
				})
				return err
			}},
		}
		for _, m := range messages {
			b.Run(fmt.Sprintf("%s/records=%d", m.name, n), func(b *testing.B) { keepertest.MeasureEach(b, f.Ctx, m.run) })
		}
	}
}
