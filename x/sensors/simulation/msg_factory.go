package simulation

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"time"

	"cosmossdk.io/collections"

	"github.com/cosmos/cosmos-sdk/testutil/simsx"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/sensors/keeper"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// MsgUpdateParamsFactory proposes random valid params through governance.
func MsgUpdateParamsFactory() simsx.SimMsgFactoryFn[*types.MsgUpdateParams] {
	return func(_ context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgUpdateParams) {
		return nil, &types.MsgUpdateParams{
			Authority: testData.ModuleAccountAddress(reporter, "gov"),
			Params:    GenParams(testData.Rand().Rand),
		}
	}
}

// deviceKeys remembers the private keys of devices the simulation registered, so that later
// operations can sign possession proofs. It is a lookup only: it never decides what runs.
var deviceKeys sync.Map // string(pub key) -> ed25519.PrivateKey

var simKinds = []string{types.KindWeather, types.KindAir, types.KindTraffic, types.KindEnergy, types.KindGPUTelemetry, "soil-moisture"}

// MsgRegisterDeviceFactory registers a device with a fresh key for a random account.
func MsgRegisterDeviceFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgRegisterDevice] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgRegisterDevice) {
		owner := testData.AnyAccount(reporter)
		params := mustParams(ctx, k, reporter)
		if reporter.IsSkipped() {
			return nil, nil
		}
		if err := k.CheckDeviceRoom(ctx, owner.Address); err != nil {
			reporter.Skip(err.Error())
			return nil, nil
		}
		r := testData.Rand()
		seed := make([]byte, ed25519.SeedSize)
		_, _ = r.Read(seed)
		priv := ed25519.NewKeyFromSeed(seed)
		pub := priv.Public().(ed25519.PublicKey)
		deviceKeys.Store(string(pub), priv)
		chainID := sdk.UnwrapSDKContext(ctx).ChainID()
		msg := &types.MsgRegisterDevice{
			Owner:            owner.AddressBech32,
			PubKey:           pub,
			PossessionSig:    ed25519.Sign(priv, types.PossessionSignBytes(chainID, owner.AddressBech32)),
			Kind:             simKinds[r.Intn(len(simKinds))],
			Channels:         randomChannels(r.Rand, params),
			SamplingInterval: time.Duration(1+r.Intn(600)) * time.Second,
		}
		if r.Intn(2) == 0 {
			msg.Location = &types.Location{LatitudeMicro: int32(r.Intn(180_000_001) - 90_000_000), LongitudeMicro: int32(r.Intn(360_000_001) - 180_000_000)}
		}
		if r.Intn(2) == 0 {
			msg.Gateway = testData.AnyAccount(reporter).AddressBech32
		}
		return []simsx.SimAccount{owner}, msg
	}
}

// MsgUpdateDeviceFactory redescribes a random active device.
func MsgUpdateDeviceFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgUpdateDevice] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgUpdateDevice) {
		owner, device := anyActiveDevice(ctx, k, testData, reporter, nil)
		params := mustParams(ctx, k, reporter)
		if reporter.IsSkipped() {
			return nil, nil
		}
		r := testData.Rand()
		return []simsx.SimAccount{owner}, &types.MsgUpdateDevice{
			Owner: owner.AddressBech32, DeviceId: device.Id, Channels: randomChannels(r.Rand, params),
			SamplingInterval: time.Duration(1+r.Intn(600)) * time.Second, Gateway: device.Gateway,
		}
	}
}

// MsgTransferDeviceFactory offers a random active device to another account.
func MsgTransferDeviceFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgTransferDevice] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgTransferDevice) {
		owner, device := anyActiveDevice(ctx, k, testData, reporter, nil)
		if reporter.IsSkipped() {
			return nil, nil
		}
		to := testData.AnyAccount(reporter, simsx.ExcludeAccounts(owner))
		if reporter.IsSkipped() {
			return nil, nil
		}
		return []simsx.SimAccount{owner}, &types.MsgTransferDevice{Owner: owner.AddressBech32, DeviceId: device.Id, NewOwner: to.AddressBech32}
	}
}

// MsgAcceptDeviceTransferFactory accepts a pending transfer with the device's possession proof.
func MsgAcceptDeviceTransferFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgAcceptDeviceTransfer] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgAcceptDeviceTransfer) {
		_, device := anyActiveDevice(ctx, k, testData, reporter, func(d types.Device) bool {
			_, known := deviceKeys.Load(string(d.PubKey))
			if !known || d.PendingOwner == "" || !testData.HasAccount(d.PendingOwner) {
				return false
			}
			to, err := testData.AddressCodec().StringToBytes(d.PendingOwner)
			return err == nil && k.CheckDeviceRoom(ctx, to) == nil
		})
		if reporter.IsSkipped() {
			return nil, nil
		}
		newOwner := testData.GetAccount(reporter, device.PendingOwner)
		priv, _ := deviceKeys.Load(string(device.PubKey))
		chainID := sdk.UnwrapSDKContext(ctx).ChainID()
		return []simsx.SimAccount{newOwner}, &types.MsgAcceptDeviceTransfer{
			NewOwner: newOwner.AddressBech32, DeviceId: device.Id,
			PossessionSig: ed25519.Sign(priv.(ed25519.PrivateKey), types.PossessionSignBytes(chainID, newOwner.AddressBech32)),
		}
	}
}

// MsgDeactivateDeviceFactory retires a random active device.
func MsgDeactivateDeviceFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgDeactivateDevice] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgDeactivateDevice) {
		owner, device := anyActiveDevice(ctx, k, testData, reporter, nil)
		if reporter.IsSkipped() {
			return nil, nil
		}
		return []simsx.SimAccount{owner}, &types.MsgDeactivateDevice{Owner: owner.AddressBech32, DeviceId: device.Id}
	}
}

// MsgCommitBatchFactory commits the next batch of a random active device, stamped around the block time.
func MsgCommitBatchFactory(k keeper.Keeper) simsx.SimMsgFactoryFn[*types.MsgCommitBatch] {
	return func(ctx context.Context, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter) ([]simsx.SimAccount, *types.MsgCommitBatch) {
		owner, device := anyActiveDevice(ctx, k, testData, reporter, nil)
		if reporter.IsSkipped() {
			return nil, nil
		}
		params := mustParams(ctx, k, reporter)
		if reporter.IsSkipped() {
			return nil, nil
		}
		stats, err := k.Stats.Get(ctx, device.Id)
		if err != nil && !errors.Is(err, collections.ErrNotFound) {
			reporter.Skip(err.Error())
			return nil, nil
		}
		r := testData.Rand()
		blockMs := sdk.UnwrapSDKContext(ctx).BlockTime().UnixMilli()
		first := max(stats.LastReadingMs+1, blockMs-60_000) // strictly after the previous batch
		if first > blockMs {
			reporter.Skip("device readings are ahead of the block time")
			return nil, nil
		}
		count := uint32(1 + r.Intn(int(min(params.MaxBatchReadings, 1_000))))
		root := make([]byte, 32)
		_, _ = r.Read(root)
		return []simsx.SimAccount{owner}, &types.MsgCommitBatch{
			Committer: owner.AddressBech32, DeviceId: device.Id, Seq: stats.Batches + 1, Root: root, Count: count,
			FirstReadingMs: first, LastReadingMs: first + int64(r.Intn(int(blockMs-first)+1)),
			SizeBytes: min(uint64(count)*64, params.MaxBatchBytes), Uri: fmt.Sprintf("https://gw.sim.example/v1/batches/%d/%d", device.Id, stats.Batches+1),
		}
	}
}

// mustParams reads the params, skipping the operation if they cannot be read.
func mustParams(ctx context.Context, k keeper.Keeper, reporter simsx.SimulationReporter) types.Params {
	params, err := k.Params.Get(ctx)
	if err != nil {
		reporter.Skip(err.Error())
	}
	return params
}

// anyActiveDevice picks a random active device whose owner is a simulation account and that keep accepts.
func anyActiveDevice(ctx context.Context, k keeper.Keeper, testData *simsx.ChainDataSource, reporter simsx.SimulationReporter,
	keep func(types.Device) bool,
) (simsx.SimAccount, types.Device) {
	var active []types.Device
	if err := k.Devices.Walk(ctx, nil, func(_ uint64, d types.Device) (bool, error) {
		if d.Status == types.DEVICE_STATUS_ACTIVE && testData.HasAccount(d.Owner) && (keep == nil || keep(d)) {
			active = append(active, d)
		}
		return len(active) >= 200, nil
	}); err != nil || len(active) == 0 {
		reporter.Skip("no suitable device")
		return simsx.SimAccount{}, types.Device{}
	}
	d := active[testData.Rand().Intn(len(active))]
	return testData.GetAccount(reporter, d.Owner), d
}

// randomChannels declares one to three channels, within max_channels_per_device.
func randomChannels(r *rand.Rand, params types.Params) []types.Channel {
	n := 1 + r.Intn(int(min(3, params.MaxChannelsPerDevice)))
	names := []string{"temperature_c", "humidity_pct", "pressure_hpa", "pm2_5", "power_w"}
	channels := make([]types.Channel, n)
	for i := range channels {
		lo := r.Intn(100) - 50
		channels[i] = types.Channel{Name: names[i%len(names)], Unit: "u", Min: fmt.Sprint(lo), Max: fmt.Sprintf("%d.5", lo+1+r.Intn(200))}
	}
	return channels
}
