package keeper_test

import (
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/x/sensors/keeper"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

func TestUpdateParams(t *testing.T) {
	valid, invalid := changedParams(), invalidParams()
	tests := []struct {
		name      string
		authority func(f fixture) string
		params    types.Params
		wantErr   error
	}{
		{"gov authority sets valid params", func(f fixture) string { return f.Authority }, valid, nil},
		{"other account is rejected", func(f fixture) string {
			addr, _ := f.AddressCodec.BytesToString([]byte("not-the-gov-module--"))
			return addr
		}, valid, types.ErrInvalidSigner},
		{"malformed authority is rejected", func(fixture) string { return "thalamus1bad" }, valid, types.ErrInvalidSigner},
		{"invalid params are rejected", func(f fixture) string { return f.Authority }, invalid, types.ErrInvalidParams},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			before, err := f.keeper.Params.Get(f.Ctx)
			require.NoError(t, err)

			msg := &types.MsgUpdateParams{Authority: tc.authority(f), Params: tc.params}
			_, err = keeper.NewMsgServerImpl(f.keeper).UpdateParams(f.Ctx, msg)

			after, getErr := f.keeper.Params.Get(f.Ctx)
			require.NoError(t, getErr)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				require.Equal(t, before, after, "a rejected update must not change state")
				require.Empty(t, eventTypes(f.Ctx))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.params, after)
			require.Equal(t, []string{proto.MessageName(&types.EventParamsUpdated{})}, eventTypes(f.Ctx))
		})
	}
}
