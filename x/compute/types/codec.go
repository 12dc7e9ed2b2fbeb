package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterLegacyAminoCodec registers the module's messages for amino JSON signing (Ledger).
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "thalamus/x/compute/MsgUpdateParams")
	legacy.RegisterAminoMsg(cdc, &MsgRegisterProvider{}, "thalamus/x/compute/MsgRegisterProvider")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateProvider{}, "thalamus/x/compute/MsgUpdateProvider")
	legacy.RegisterAminoMsg(cdc, &MsgAddCollateral{}, "thalamus/x/compute/MsgAddCollateral")
	legacy.RegisterAminoMsg(cdc, &MsgUnbondProvider{}, "thalamus/x/compute/MsgUnbondProvider")
	legacy.RegisterAminoMsg(cdc, &MsgRegisterGPU{}, "thalamus/x/compute/MsgRegisterGPU")
	legacy.RegisterAminoMsg(cdc, &MsgRetireGPU{}, "thalamus/x/compute/MsgRetireGPU")
	legacy.RegisterAminoMsg(cdc, &MsgCreateOffer{}, "thalamus/x/compute/MsgCreateOffer")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateOffer{}, "thalamus/x/compute/MsgUpdateOffer")
	legacy.RegisterAminoMsg(cdc, &MsgCloseOffer{}, "thalamus/x/compute/MsgCloseOffer")
	legacy.RegisterAminoMsg(cdc, &MsgCreateLease{}, "thalamus/x/compute/MsgCreateLease")
	legacy.RegisterAminoMsg(cdc, &MsgDepositLease{}, "thalamus/x/compute/MsgDepositLease")
	legacy.RegisterAminoMsg(cdc, &MsgCloseLease{}, "thalamus/x/compute/MsgCloseLease")
	legacy.RegisterAminoMsg(cdc, &MsgWithdrawLease{}, "thalamus/x/compute/MsgWithdrawLease")
	legacy.RegisterAminoMsg(cdc, &MsgWithdrawAllLeases{}, "thalamus/x/compute/MsgWithdrawAllLeases")
	legacy.RegisterAminoMsg(cdc, &MsgSubmitWork{}, "thalamus/x/compute/MsgSubmitWork")
	legacy.RegisterAminoMsg(cdc, &MsgConfirmLease{}, "thalamus/x/compute/MsgConfirmLease")
	legacy.RegisterAminoMsg(cdc, &MsgCancelOrder{}, "thalamus/x/compute/MsgCancelOrder")
	cdc.RegisterConcrete(&Params{}, "thalamus/x/compute/Params", nil)
}

// RegisterInterfaces registers the module's messages with the interface registry.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgUpdateParams{},
		&MsgRegisterProvider{},
		&MsgUpdateProvider{},
		&MsgAddCollateral{},
		&MsgUnbondProvider{},
		&MsgRegisterGPU{},
		&MsgRetireGPU{},
		&MsgCreateOffer{},
		&MsgUpdateOffer{},
		&MsgCloseOffer{},
		&MsgCreateLease{},
		&MsgDepositLease{},
		&MsgCloseLease{},
		&MsgWithdrawLease{},
		&MsgWithdrawAllLeases{},
		&MsgSubmitWork{},
		&MsgConfirmLease{},
		&MsgCancelOrder{},
	)
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
