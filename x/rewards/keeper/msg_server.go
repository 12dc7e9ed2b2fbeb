package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/thalamus-network/thalamus/x/internal/authority"
	"github.com/thalamus-network/thalamus/x/rewards/types"
)

type msgServer struct {
	Keeper
}

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the x/rewards MsgServer.
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

// ClaimRewards pays the claimant what its work in closed epochs earned.
func (k msgServer) ClaimRewards(ctx context.Context, msg *types.MsgClaimRewards) (*types.MsgClaimRewardsResponse, error) {
	addr, err := k.addressCodec.StringToBytes(msg.Claimant)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "invalid claimant %q: %s", msg.Claimant, err)
	}
	paid, epochs, err := k.Claim(ctx, addr)
	if err != nil {
		return nil, err
	}
	return &types.MsgClaimRewardsResponse{Amount: paid, Epochs: epochs}, nil
}
