package oracle

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// AutoCLIOptions builds the `query oracle` and `tx oracle` commands from the proto services.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the x/oracle parameters"},
				{
					RpcMethod: "Tasks", Use: "tasks", Short: "List verification tasks, newest first",
					Long:    "List tasks, newest first; --status (open, finalized, expired) and --kind (gpu-challenge, sensor-batch) filter them.",
					Example: "thalamusd q oracle tasks --status finalized --kind gpu-challenge",
				},
				{
					RpcMethod: "Task", Use: "task ID", Short: "Show a task and its aggregated result",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{
					RpcMethod: "ValidatorPerformance", Use: "validator-performance ADDRESS",
					Short:          "Show a validator's valid, deviating and missed oracle reports (operator or consensus address)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				// Authority (gov) only: put MsgUpdateParams in `tx gov submit-proposal` (see README).
				// autocli would encode nested LegacyDec params as "0.05", which the chain cannot decode.
				{RpcMethod: "UpdateParams", Skip: true},
			},
		},
	}
}
