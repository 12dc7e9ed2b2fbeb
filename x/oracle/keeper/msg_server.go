package keeper

import (
	"context"

	"github.com/thalamus-network/thalamus/x/internal/authority"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

type msgServer struct {
	Keeper
}

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the x/oracle MsgServer.
func NewMsgServerImpl(k Keeper) types.MsgServer {
	return msgServer{Keeper: k}
}

// UpdateParams replaces the params after checking the authority and the new values.
func (k msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	err := authority.UpdateParams(ctx, k.addressCodec, k.authority, msg.Authority, types.ErrInvalidSigner, k.Params, msg.Params,
		&types.EventParamsUpdated{Authority: msg.Authority, Params: msg.Params})
	if err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}
