package compute

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

// AutoCLIOptions builds the `query compute` and `tx compute` commands from the proto services.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the x/compute parameters"},
				{RpcMethod: "Providers", Use: "providers", Short: "List GPU providers"},
				{
					RpcMethod: "Provider", Use: "provider [address]", Short: "Show one GPU provider",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}},
				},
				{
					RpcMethod: "GPUs", Use: "gpus", Short: "List GPUs, optionally of one --provider, --class or --status",
					Example: "thalamusd q compute gpus --class H100-SXM-80G\nthalamusd q compute gpus --status available",
				},
				{
					RpcMethod: "GPU", Use: "gpu [id]", Short: "Show one GPU",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{
					RpcMethod: "OffersByClass", Use: "offers [class]", Short: "List a class's offers, cheapest first",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "class"}},
				},
				{
					RpcMethod: "Offer", Use: "offer [id]", Short: "Show one offer",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{
					RpcMethod: "Leases", Use: "leases", Short: "List leases, optionally in one --state (active, paused, closed)",
				},
				{
					RpcMethod: "LeasesByTenant", Use: "leases-by-tenant [tenant]", Short: "List a tenant's leases, optionally in one --state",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "tenant"}},
				},
				{
					RpcMethod: "LeasesByProvider", Use: "leases-by-provider [provider]", Short: "List a provider's leases, optionally in one --state",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "provider"}},
				},
				{
					RpcMethod: "Challenge", Use: "challenge [id]", Short: "Show one proof-of-work challenge",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{
					RpcMethod: "ChallengesByProvider", Use: "challenges [provider]",
					Short:          "List a provider's proof-of-work challenges, optionally in one --state (open, submitted, missed, passed, ...)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "provider"}},
				},
				{RpcMethod: "PowEpoch", Use: "pow-epoch", Short: "Show the current proof-of-work epoch"},
				{
					RpcMethod: "Orders", Use: "orders", Short: "List standing orders, optionally of one --class and in one --state (open, matched, expired, cancelled)",
					Example: "thalamusd q compute orders --class H100-SXM-80G --state open",
				},
				{
					RpcMethod: "Order", Use: "order [id]", Short: "Show one standing order (an expired one says why nothing matched it)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
				{
					RpcMethod: "Market", Use: "market [class]",
					Short: "Show each class's market, or one class's: GPUs registered, verified, available and leased, " +
						"utilization, open orders, clearing price and recent price quartiles, leases and unmet orders this epoch",
					Example:        "thalamusd q compute market\nthalamusd q compute market H100-SXM-80G",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "class", Optional: true}},
				},
				{
					RpcMethod: "Lease", Use: "lease [id]",
					Short:          "Show one lease with its escrow, accrued payment and blocks left at the current height",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				// Authority (gov) only: put MsgUpdateParams in `tx gov submit-proposal` (see README).
				// autocli would encode nested LegacyDec params as "0.05", which the chain cannot decode.
				{RpcMethod: "UpdateParams", Skip: true},
				// thalamus-agent answers challenges; a winners list is no command-line argument.
				{RpcMethod: "SubmitWork", Skip: true},
				{
					RpcMethod: "RegisterProvider", Use: "register-provider [moniker] [endpoint] [region] [collateral]",
					Short:   "Register as a GPU provider and bond collateral",
					Example: `thalamusd tx compute register-provider "Acme GPUs" https://gpu.acme.example eu-west 1000000000uthal --from provider`,
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "moniker"}, {ProtoField: "endpoint"}, {ProtoField: "region"}, {ProtoField: "collateral"},
					},
				},
				{
					RpcMethod: "UpdateProvider", Use: "update-provider [moniker] [endpoint] [region]",
					Short: "Replace the provider's moniker, endpoint and region",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "moniker"}, {ProtoField: "endpoint"}, {ProtoField: "region"},
					},
				},
				{
					RpcMethod: "AddCollateral", Use: "add-collateral [amount]", Short: "Bond more provider collateral",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "amount"}},
				},
				{
					RpcMethod: "UnbondProvider", Use: "unbond-provider",
					Short: "Retire all GPUs and get the collateral back after unbonding_blocks (no leased GPU allowed)",
				},
				{
					RpcMethod: "RegisterGPU", Use: "register-gpu [uuid] [model] [class] [memory-mib]",
					Short:   "Register a GPU; --pci-device-id, --driver-version and --cuda-version describe it further",
					Example: `thalamusd tx compute register-gpu GPU-5c2b7f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f "NVIDIA H100 80GB HBM3" H100-SXM-80G 81559 --pci-device-id 0x2330 --driver-version 550.54.15 --cuda-version 12.4 --from provider`,
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "uuid"}, {ProtoField: "model"}, {ProtoField: "class"}, {ProtoField: "memory_mib"},
					},
				},
				{
					RpcMethod: "RetireGPU", Use: "retire-gpu [gpu-id]", Short: "Retire an available GPU",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "gpu_id"}},
				},
				{
					RpcMethod: "CreateOffer", Use: "create-offer [class] [price-per-gpu-hour] [min-hours] [max-hours] [gpus]",
					Short:   "Offer available GPUs of one class at a price per GPU-hour",
					Example: "thalamusd tx compute create-offer H100-SXM-80G 2000000uthal 1 720 4 --from provider",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "class"}, {ProtoField: "price_per_gpu_hour"}, {ProtoField: "min_lease_hours"},
						{ProtoField: "max_lease_hours"}, {ProtoField: "gpus"},
					},
				},
				{
					RpcMethod: "UpdateOffer", Use: "update-offer [offer-id] [price-per-gpu-hour] [min-hours] [max-hours] [gpus]",
					Short: "Replace an offer's terms",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "offer_id"}, {ProtoField: "price_per_gpu_hour"}, {ProtoField: "min_lease_hours"},
						{ProtoField: "max_lease_hours"}, {ProtoField: "gpus"},
					},
				},
				{
					RpcMethod: "CloseOffer", Use: "close-offer [offer-id]", Short: "Close an offer",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "offer_id"}},
				},
				{
					RpcMethod: "CreateLease", Use: "create-lease [gpus] [hours] [deposit]",
					Short: "Lease GPUs from --offer-id, or from the cheapest offer of --class (bounded by --max-price-per-gpu-hour and --min-gpu-score); " +
						"with --order-ttl a request nothing serves now waits as a standing order",
					Example: "thalamusd tx compute create-lease 2 24 5000000uthal --class H100-SXM-80G --max-price-per-gpu-hour 2500000uthal --from tenant\n" +
						"thalamusd tx compute create-lease 1 1 2000000uthal --offer-id 3 --from tenant\n" +
						"thalamusd tx compute create-lease 1 4 2000000uthal --class CPU-DEV --manifest-hash $(thalamusd workload manifest-hash app.json) --from tenant\n" +
						"thalamusd tx compute create-lease 4 24 9000000uthal --class H100-SXM-80G --order-ttl 14400 --from tenant\n" +
						"thalamusd tx compute create-lease 1 8 2000000uthal --class any --min-gpu-score 7000 --from tenant",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "gpus"}, {ProtoField: "hours"}, {ProtoField: "deposit"}},
					FlagOptions: map[string]*autocliv1.FlagOptions{
						"offer_id": {Usage: "lease from this offer (otherwise --class is matched)"},
						"class": {Usage: "GPU class to match, e.g. H100-SXM-80G (see q compute params), or any: " +
							"the class and offer with the lowest price per verified throughput (score x the class's reference TOPS)"},
						"max_price_per_gpu_hour": {Usage: "highest price per GPU-hour to accept, e.g. 2500000uthal"},
						"min_gpu_score":          {Usage: "least score (0-10000) of every leased GPU"},
						"manifest_hash": {Usage: "hex SHA-256 of a workload manifest (workload manifest-hash FILE): " +
							"the lease waits, unbilled, until the provider runs it"},
						"order_ttl": {Usage: "with --class: when no offer serves the request now, escrow the deposit in a standing order " +
							"that becomes a lease as soon as one does, or is refunded after this many blocks (see q compute order)"},
					},
				},
				{
					RpcMethod: "DepositLease", Use: "deposit-lease [lease-id] [amount]", Short: "Top up a lease's escrow; a paused lease resumes",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "lease_id"}, {ProtoField: "amount"}},
				},
				{
					RpcMethod: "CloseLease", Use: "close-lease [lease-id] [reason]",
					Short:          "Close a lease: tenants give tenant-done or unsatisfactory-service, providers provider-maintenance or tenant-abuse",
					Example:        "thalamusd tx compute close-lease 1 tenant-done --from tenant",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "lease_id"}, {ProtoField: "reason"}},
				},
				{
					RpcMethod: "WithdrawLease", Use: "withdraw-lease [lease-id]", Short: "Collect what a lease has accrued, less the take rate",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "lease_id"}},
				},
				{
					RpcMethod: "WithdrawAllLeases", Use: "withdraw-all-leases", Short: "Collect what all open leases have accrued",
				},
				{
					RpcMethod: "ConfirmLease", Use: "confirm-lease [lease-id] [manifest-hash]",
					Short:          "Confirm a pending lease's workload running (thalamus-agent gpu does this itself); billing starts now",
					Example:        "thalamusd tx compute confirm-lease 7 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --from provider",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "lease_id"}, {ProtoField: "manifest_hash"}},
				},
				{
					RpcMethod: "CancelOrder", Use: "cancel-order [order-id]", Short: "Cancel an open standing order; its deposit is refunded in full",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "order_id"}},
				},
			},
		},
	}
}
