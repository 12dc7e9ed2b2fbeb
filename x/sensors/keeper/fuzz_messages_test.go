package keeper_test

import (
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// FuzzDeviceMessages decodes arbitrary bytes as one of the x/sensors messages (the first byte
// picks which) and runs its handler against a chain holding one device with one batch. No
// input may panic, and a rejected message must leave the whole module state unchanged.
func FuzzDeviceMessages(f *testing.F) {
	kinds := []func() proto.Message{
		func() proto.Message { return &types.MsgRegisterDevice{} },
		func() proto.Message { return &types.MsgUpdateDevice{} },
		func() proto.Message { return &types.MsgTransferDevice{} },
		func() proto.Message { return &types.MsgAcceptDeviceTransfer{} },
		func() proto.Message { return &types.MsgDeactivateDevice{} },
		func() proto.Message { return &types.MsgCommitBatch{} },
	}
	seed := newDeviceFixture(&testing.T{})
	seeds := []proto.Message{
		seed.registerMsg(deviceKey("seed"), seed.owner),
		&types.MsgUpdateDevice{Owner: seed.owner, DeviceId: 1, Channels: weatherChannels(), SamplingInterval: 60e9},
		&types.MsgTransferDevice{Owner: seed.owner, DeviceId: 1, NewOwner: seed.other},
		&types.MsgAcceptDeviceTransfer{NewOwner: seed.other, DeviceId: 1, PossessionSig: make([]byte, 64)},
		&types.MsgDeactivateDevice{Owner: seed.owner, DeviceId: 1},
		seed.batchMsg(1, 2),
	}
	for i, m := range seeds {
		bz, err := proto.Marshal(m)
		require.NoError(f, err)
		f.Add(append([]byte{byte(i)}, bz...))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		msg := kinds[int(data[0])%len(kinds)]()
		if err := proto.Unmarshal(data[1:], msg); err != nil {
			return
		}
		fx := newDeviceFixture(t)
		id := fx.register(t)
		first := fx.batchMsg(id, 1)
		first.FirstReadingMs -= 120_000
		first.LastReadingMs -= 120_000
		_, err := fx.msgs.CommitBatch(fx.Ctx, first)
		require.NoError(t, err)

		before := fx.exported(t)
		ctx, write := fx.Ctx.CacheContext()
		ctx = ctx.WithEventManager(sdk.NewEventManager())
		handler := map[string]func() error{
			"*types.MsgRegisterDevice": func() error { _, err := fx.msgs.RegisterDevice(ctx, msg.(*types.MsgRegisterDevice)); return err },
			"*types.MsgUpdateDevice":   func() error { _, err := fx.msgs.UpdateDevice(ctx, msg.(*types.MsgUpdateDevice)); return err },
			"*types.MsgTransferDevice": func() error { _, err := fx.msgs.TransferDevice(ctx, msg.(*types.MsgTransferDevice)); return err },
			"*types.MsgAcceptDeviceTransfer": func() error {
				_, err := fx.msgs.AcceptDeviceTransfer(ctx, msg.(*types.MsgAcceptDeviceTransfer))
				return err
			},
			"*types.MsgDeactivateDevice": func() error { _, err := fx.msgs.DeactivateDevice(ctx, msg.(*types.MsgDeactivateDevice)); return err },
			"*types.MsgCommitBatch":      func() error { _, err := fx.msgs.CommitBatch(ctx, msg.(*types.MsgCommitBatch)); return err },
		}[typeName(msg)]
		if err := handler(); err != nil {
			// Handlers check before they write, so even the uncached store must be untouched.
			require.Equal(t, before, fx.exported(t))
			require.Empty(t, ctx.EventManager().Events(), "a rejected message emits nothing")
			return
		}
		write()
		require.NoError(t, fx.exported(t).Validate(), "accepted messages keep the state valid")
	})
}

func typeName(m proto.Message) string {
	return "*types." + proto.MessageName(m)[len("thalamus.sensors.v1."):]
}
