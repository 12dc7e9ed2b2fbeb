package rewards

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// AutoCLIOptions builds the `query rewards` and `tx rewards` commands from the proto services.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the x/rewards parameters"},
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
