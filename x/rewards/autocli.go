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
				{
					RpcMethod: "CurrentEpoch", Use: "current-epoch",
					Short: "Show the open epoch: its work so far and what it would mint and pay if it closed now",
				},
				{
					RpcMethod: "Epoch", Use: "epoch NUMBER", Short: "Show a closed epoch: emission, pools, rewards per unit",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "number"}},
				},
				{
					RpcMethod: "Schedule", Use: "schedule [EPOCHS]", Short: "Project the emission of the next epochs (default 10, at most 1000)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "epochs", Optional: true}},
					Example:        "thalamusd q rewards schedule 100",
				},
				{RpcMethod: "Pools", Use: "pools", Short: "Show the current pools, unclaimed rewards and total minted"},
				{
					RpcMethod: "PendingRewards", Use: "pending ADDRESS",
					Short:          "Show what an address can claim now and its work in the current epoch",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}},
				},
				{
					RpcMethod: "Receipts", Use: "receipts ADDRESS",
					Short:          "List an address's receipts, newest epoch first: work by GPU, device or validator, multipliers, amounts",
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
				{
					RpcMethod: "ClaimRewards", Use: "claim-rewards", Short: "Claim everything your work earned in closed epochs",
					Long:    "Pays the signer the rewards of every closed epoch it has not claimed yet; see `q rewards pending` first.",
					Example: "thalamusd tx rewards claim-rewards --from provider",
				},
			},
		},
	}
}
