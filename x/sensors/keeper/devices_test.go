package keeper_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/sensors/keeper"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

const testChainID = "thalamus-test-1"

var testBlockTime = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// deviceFixture is a fixture at height 10 with a chain id, a device key and two accounts.
type deviceFixture struct {
	fixture
	msgs         types.MsgServer
	owner, other string
	gateway      string
	key          ed25519.PrivateKey
}

func newDeviceFixture(t *testing.T) deviceFixture {
	t.Helper()
	f := newFixture(t)
	f.Ctx = f.Ctx.WithChainID(testChainID).WithBlockHeight(10).WithBlockTime(testBlockTime)
	return deviceFixture{
		fixture: f,
		msgs:    keeper.NewMsgServerImpl(f.keeper),
		owner:   f.addr("owner"),
		other:   f.addr("other"),
		gateway: f.addr("gateway"),
		key:     deviceKey("device-1"),
	}
}

func (f fixture) addr(name string) string {
	sum := sha256.Sum256([]byte(name))
	addr, err := f.AddressCodec.BytesToString(sum[:20])
	if err != nil {
		panic(err)
	}
	return addr
}

func deviceKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func pub(key ed25519.PrivateKey) []byte { return key.Public().(ed25519.PublicKey) }

func weatherChannels() []types.Channel {
	return []types.Channel{
		{Name: "temperature_c", Unit: "C", Min: "-40", Max: "60"},
		{Name: "humidity_pct", Unit: "%", Min: "0", Max: "100"},
	}
}

// registerMsg is a valid registration of key for owner.
func (f deviceFixture) registerMsg(key ed25519.PrivateKey, owner string) *types.MsgRegisterDevice {
	return &types.MsgRegisterDevice{
		Owner:            owner,
		PubKey:           pub(key),
		PossessionSig:    ed25519.Sign(key, types.PossessionSignBytes(testChainID, owner)),
		Kind:             types.KindWeather,
		Channels:         weatherChannels(),
		SamplingInterval: time.Minute,
		Location:         &types.Location{LatitudeMicro: 52_520_008, LongitudeMicro: 13_404_954},
		Gateway:          f.gateway,
	}
}

func (f deviceFixture) register(t *testing.T) uint64 {
	t.Helper()
	resp, err := f.msgs.RegisterDevice(f.Ctx, f.registerMsg(f.key, f.owner))
	require.NoError(t, err)
	return resp.DeviceId
}

// exported snapshots the whole module state, to show a rejected message changed nothing.
func (f fixture) exported(t *testing.T) *types.GenesisState {
	t.Helper()
	gs, err := f.keeper.ExportGenesis(f.Ctx)
	require.NoError(t, err)
	return gs
}

// requireRejected runs a message that must fail with want and leave state and events untouched.
func requireRejected(t *testing.T, f fixture, want error, run func(ctx sdk.Context) error) {
	t.Helper()
	before := f.exported(t)
	ctx := f.Ctx.WithEventManager(sdk.NewEventManager())
	require.ErrorIs(t, run(ctx), want)
	require.Equal(t, before, f.exported(t), "a rejected message must not change state")
	require.Empty(t, ctx.EventManager().Events())
}

func TestRegisterDevice(t *testing.T) {
	f := newDeviceFixture(t)
	id := f.register(t)
	require.Equal(t, uint64(1), id)

	d, err := f.keeper.GetDevice(f.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, f.owner, d.Owner)
	require.Equal(t, types.DEVICE_STATUS_ACTIVE, d.Status)
	require.Equal(t, int64(10), d.RegisteredHeight)
	require.Contains(t, eventTypes(f.Ctx), "thalamus.sensors.v1.EventDeviceRegistered")

	second, err := f.msgs.RegisterDevice(f.Ctx, f.registerMsg(deviceKey("device-2"), f.owner))
	require.NoError(t, err)
	require.Equal(t, uint64(2), second.DeviceId)
}

func TestRegisterDeviceRejections(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(f deviceFixture, m *types.MsgRegisterDevice)
		want   error
	}{
		{"possession signed for another owner", func(f deviceFixture, m *types.MsgRegisterDevice) {
			m.PossessionSig = ed25519.Sign(f.key, types.PossessionSignBytes(testChainID, f.other))
		}, types.ErrInvalidPossession},
		{"possession signed on another chain", func(f deviceFixture, m *types.MsgRegisterDevice) {
			m.PossessionSig = ed25519.Sign(f.key, types.PossessionSignBytes("other-chain", f.owner))
		}, types.ErrInvalidPossession},
		{"possession signed by another key", func(f deviceFixture, m *types.MsgRegisterDevice) {
			m.PossessionSig = ed25519.Sign(deviceKey("x"), types.PossessionSignBytes(testChainID, f.owner))
		}, types.ErrInvalidPossession},
		{"short key", func(_ deviceFixture, m *types.MsgRegisterDevice) { m.PubKey = m.PubKey[:31] }, types.ErrInvalidDevice},
		{"bad owner", func(_ deviceFixture, m *types.MsgRegisterDevice) { m.Owner = "thalamus1nope" }, types.ErrInvalidAddress},
		{"bad gateway", func(_ deviceFixture, m *types.MsgRegisterDevice) { m.Gateway = "cosmos1xyz" }, types.ErrInvalidAddress},
		{"bad kind", func(_ deviceFixture, m *types.MsgRegisterDevice) { m.Kind = "Weather Station" }, types.ErrInvalidDevice},
		{"no channels", func(_ deviceFixture, m *types.MsgRegisterDevice) { m.Channels = nil }, types.ErrInvalidDevice},
		{"empty range", func(_ deviceFixture, m *types.MsgRegisterDevice) { m.Channels[0].Max = "-40" }, types.ErrInvalidDevice},
		{"bad range number", func(_ deviceFixture, m *types.MsgRegisterDevice) { m.Channels[0].Min = "cold" }, types.ErrInvalidDevice},
		{"duplicate channel", func(_ deviceFixture, m *types.MsgRegisterDevice) { m.Channels[1].Name = m.Channels[0].Name }, types.ErrInvalidDevice},
		{"interval too short", func(_ deviceFixture, m *types.MsgRegisterDevice) { m.SamplingInterval = time.Millisecond }, types.ErrInvalidDevice},
		{"off the globe", func(_ deviceFixture, m *types.MsgRegisterDevice) { m.Location.LatitudeMicro = 91_000_000 }, types.ErrInvalidDevice},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newDeviceFixture(t)
			msg := f.registerMsg(f.key, f.owner)
			tc.mutate(f, msg)
			requireRejected(t, f.fixture, tc.want, func(ctx sdk.Context) error {
				_, err := f.msgs.RegisterDevice(ctx, msg)
				return err
			})
		})
	}

	t.Run("key registered twice", func(t *testing.T) {
		f := newDeviceFixture(t)
		f.register(t)
		requireRejected(t, f.fixture, types.ErrDuplicateDeviceKey, func(ctx sdk.Context) error {
			_, err := f.msgs.RegisterDevice(ctx, f.registerMsg(f.key, f.owner))
			return err
		})
	})
	t.Run("owner at the device cap", func(t *testing.T) {
		f := newDeviceFixture(t)
		params := types.DefaultParams()
		params.MaxDevicesPerOwner = 1
		require.NoError(t, f.keeper.Params.Set(f.Ctx, params))
		f.register(t)
		requireRejected(t, f.fixture, types.ErrTooManyDevices, func(ctx sdk.Context) error {
			_, err := f.msgs.RegisterDevice(ctx, f.registerMsg(deviceKey("device-2"), f.owner))
			return err
		})
	})
}

func TestUpdateDevice(t *testing.T) {
	f := newDeviceFixture(t)
	id := f.register(t)
	msg := &types.MsgUpdateDevice{
		Owner: f.owner, DeviceId: id, SamplingInterval: 10 * time.Second,
		Channels: []types.Channel{{Name: "pm2_5", Unit: "ug/m3", Min: "0", Max: "1000"}},
	}
	_, err := f.msgs.UpdateDevice(f.Ctx, msg)
	require.NoError(t, err)
	d, err := f.keeper.GetDevice(f.Ctx, id)
	require.NoError(t, err)
	require.Equal(t, msg.Channels, d.Channels)
	require.Nil(t, d.Location, "an absent location clears it")
	require.Empty(t, d.Gateway, "an empty gateway removes it")
	require.Equal(t, types.KindWeather, d.Kind, "kind never changes")

	bad := *msg
	bad.Owner = f.other
	requireRejected(t, f.fixture, types.ErrNotDeviceOwner, func(ctx sdk.Context) error {
		_, err := f.msgs.UpdateDevice(ctx, &bad)
		return err
	})
	bad = *msg
	bad.DeviceId = 99
	requireRejected(t, f.fixture, types.ErrDeviceNotFound, func(ctx sdk.Context) error {
		_, err := f.msgs.UpdateDevice(ctx, &bad)
		return err
	})
	bad = *msg
	bad.Channels = nil
	requireRejected(t, f.fixture, types.ErrInvalidDevice, func(ctx sdk.Context) error {
		_, err := f.msgs.UpdateDevice(ctx, &bad)
		return err
	})
}

func TestTransferDevice(t *testing.T) {
	f := newDeviceFixture(t)
	id := f.register(t)
	accept := func(newOwner string, key ed25519.PrivateKey) *types.MsgAcceptDeviceTransfer {
		return &types.MsgAcceptDeviceTransfer{NewOwner: newOwner, DeviceId: id,
			PossessionSig: ed25519.Sign(key, types.PossessionSignBytes(testChainID, newOwner))}
	}

	requireRejected(t, f.fixture, types.ErrNoPendingTransfer, func(ctx sdk.Context) error {
		_, err := f.msgs.AcceptDeviceTransfer(ctx, accept(f.other, f.key))
		return err
	})
	requireRejected(t, f.fixture, types.ErrNotDeviceOwner, func(ctx sdk.Context) error {
		_, err := f.msgs.TransferDevice(ctx, &types.MsgTransferDevice{Owner: f.other, DeviceId: id, NewOwner: f.other})
		return err
	})
	requireRejected(t, f.fixture, types.ErrInvalidAddress, func(ctx sdk.Context) error {
		_, err := f.msgs.TransferDevice(ctx, &types.MsgTransferDevice{Owner: f.owner, DeviceId: id, NewOwner: f.owner})
		return err
	})

	_, err := f.msgs.TransferDevice(f.Ctx, &types.MsgTransferDevice{Owner: f.owner, DeviceId: id, NewOwner: f.other})
	require.NoError(t, err)
	d, _ := f.keeper.GetDevice(f.Ctx, id)
	require.Equal(t, f.owner, d.Owner, "nothing moves before the new owner accepts")

	requireRejected(t, f.fixture, types.ErrNoPendingTransfer, func(ctx sdk.Context) error {
		_, err := f.msgs.AcceptDeviceTransfer(ctx, accept(f.gateway, f.key))
		return err
	})
	requireRejected(t, f.fixture, types.ErrInvalidPossession, func(ctx sdk.Context) error {
		_, err := f.msgs.AcceptDeviceTransfer(ctx, accept(f.other, deviceKey("not the device")))
		return err
	})

	_, err = f.msgs.AcceptDeviceTransfer(f.Ctx, accept(f.other, f.key))
	require.NoError(t, err)
	d, _ = f.keeper.GetDevice(f.Ctx, id)
	require.Equal(t, f.other, d.Owner)
	require.Empty(t, d.PendingOwner)
	resp, err := keeper.NewQueryServerImpl(f.keeper).Devices(f.Ctx, &types.QueryDevicesRequest{Owner: f.owner})
	require.NoError(t, err)
	require.Empty(t, resp.Devices, "the old owner's index entry is gone")
	resp, err = keeper.NewQueryServerImpl(f.keeper).Devices(f.Ctx, &types.QueryDevicesRequest{Owner: f.other})
	require.NoError(t, err)
	require.Len(t, resp.Devices, 1)
}

func TestDeactivateDevice(t *testing.T) {
	f := newDeviceFixture(t)
	id := f.register(t)
	requireRejected(t, f.fixture, types.ErrNotDeviceOwner, func(ctx sdk.Context) error {
		_, err := f.msgs.DeactivateDevice(ctx, &types.MsgDeactivateDevice{Owner: f.other, DeviceId: id})
		return err
	})
	_, err := f.msgs.DeactivateDevice(f.Ctx, &types.MsgDeactivateDevice{Owner: f.owner, DeviceId: id})
	require.NoError(t, err)
	requireRejected(t, f.fixture, types.ErrDeviceInactive, func(ctx sdk.Context) error {
		_, err := f.msgs.DeactivateDevice(ctx, &types.MsgDeactivateDevice{Owner: f.owner, DeviceId: id})
		return err
	})
	requireRejected(t, f.fixture, types.ErrDuplicateDeviceKey, func(ctx sdk.Context) error {
		_, err := f.msgs.RegisterDevice(ctx, f.registerMsg(f.key, f.owner))
		return err
	})
	requireRejected(t, f.fixture, types.ErrDeviceInactive, func(ctx sdk.Context) error {
		_, err := f.msgs.CommitBatch(ctx, f.batchMsg(id, 1))
		return err
	})
}
