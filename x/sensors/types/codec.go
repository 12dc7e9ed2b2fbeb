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
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "thalamus/x/sensors/MsgUpdateParams")
	legacy.RegisterAminoMsg(cdc, &MsgRegisterDevice{}, "thalamus/x/sensors/MsgRegisterDevice")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateDevice{}, "thalamus/x/sensors/MsgUpdateDevice")
	legacy.RegisterAminoMsg(cdc, &MsgTransferDevice{}, "thalamus/x/sensors/MsgTransferDevice")
	// amino names are capped at 39 characters, hence the shorter name.
	legacy.RegisterAminoMsg(cdc, &MsgAcceptDeviceTransfer{}, "thalamus/sensors/AcceptDeviceTransfer")
	legacy.RegisterAminoMsg(cdc, &MsgDeactivateDevice{}, "thalamus/x/sensors/MsgDeactivateDevice")
	legacy.RegisterAminoMsg(cdc, &MsgCommitBatch{}, "thalamus/x/sensors/MsgCommitBatch")
	cdc.RegisterConcrete(&Params{}, "thalamus/x/sensors/Params", nil)
}

// RegisterInterfaces registers the module's messages with the interface registry.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgUpdateParams{},
		&MsgRegisterDevice{},
		&MsgUpdateDevice{},
		&MsgTransferDevice{},
		&MsgAcceptDeviceTransfer{},
		&MsgDeactivateDevice{},
		&MsgCommitBatch{},
	)
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
