package sensors

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// AutoCLIOptions builds the `query sensors` commands and the simple `tx sensors` commands
// from the proto services; client/cli adds the ones that need a device key or channel list.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the x/sensors parameters"},
				{RpcMethod: "Devices", Use: "devices", Short: "List devices, optionally of one --owner and/or --kind"},
				{
					RpcMethod: "Device", Use: "device [device-id]", Short: "Show one device with its batch and quality totals",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "device_id"}},
				},
				{
					RpcMethod: "DeviceStats", Use: "device-stats [device-id]", Short: "Show a device's batches, readings and quality score",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "device_id"}},
				},
				{
					RpcMethod: "Batches", Use: "batches [device-id]", Short: "List a device's retained batches, newest first",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "device_id"}},
				},
				{
					RpcMethod: "Batch", Use: "batch [device-id] [seq]", Short: "Show one batch commitment",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "device_id"}, {ProtoField: "seq"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service:              types.Msg_serviceDesc.ServiceName,
			EnhanceCustomCommand: true,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				// Authority (gov) only: put MsgUpdateParams in `tx gov submit-proposal` (see README).
				{RpcMethod: "UpdateParams", Skip: true},
				// Built in client/cli: they need the device key or a channel list.
				{RpcMethod: "RegisterDevice", Skip: true},
				{RpcMethod: "UpdateDevice", Skip: true},
				{RpcMethod: "AcceptDeviceTransfer", Skip: true},
				{
					RpcMethod: "TransferDevice", Use: "transfer-device [device-id] [new-owner]",
					Short:          "Offer a device to a new owner, who accepts with accept-device-transfer (an empty new owner withdraws the offer)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "device_id"}, {ProtoField: "new_owner"}},
				},
				{
					RpcMethod: "DeactivateDevice", Use: "deactivate-device [device-id]", Short: "Retire a device for good",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "device_id"}},
				},
				{
					RpcMethod: "CommitBatch", Use: "commit-batch [device-id] [seq] [root-hex] [count]",
					Short: "Commit a batch root (gateways do this; --first-reading-ms, --last-reading-ms, --size-bytes, --uri)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "device_id"}, {ProtoField: "seq"}, {ProtoField: "root"}, {ProtoField: "count"},
					},
				},
			},
		},
	}
}
