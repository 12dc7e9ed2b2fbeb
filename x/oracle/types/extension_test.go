package types_test

import (
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

func TestDecodeExtensionBounds(t *testing.T) {
	ok := types.OracleVoteExtension{ModelHash: "ab12", Reports: []*types.TaskReport{
		{TaskId: 1, Verdict: types.VERDICT_PASS}, {TaskId: 4, Items: []types.ItemScore{{Score: 10_000, Flags: []uint32{2, 7}}}},
	}}
	bz, err := proto.Marshal(&ok)
	require.NoError(t, err)
	got, err := types.DecodeExtension(bz, 2)
	require.NoError(t, err)
	require.Equal(t, ok, got)
	_, err = types.DecodeExtension(bz, 1)
	require.ErrorIs(t, err, types.ErrInvalidExtension, "more reports than allowed")
	empty, err := types.DecodeExtension(nil, 1)
	require.NoError(t, err, "an empty extension is valid")
	require.Empty(t, empty.Reports)

	bad := []types.OracleVoteExtension{
		{Reports: []*types.TaskReport{{TaskId: 2}, {TaskId: 2}}},
		{Reports: []*types.TaskReport{{TaskId: 3}, {TaskId: 2}}},
		{Reports: []*types.TaskReport{{TaskId: 0}}},
		{Reports: []*types.TaskReport{{TaskId: 1, Items: []types.ItemScore{{Score: 10_001}}}}},
		{Reports: []*types.TaskReport{{TaskId: 1, Verdict: 9}}},
		{Reports: []*types.TaskReport{{TaskId: 1, Items: []types.ItemScore{{Flags: []uint32{3, 2}}}}}},
		{Reports: []*types.TaskReport{{TaskId: 1, Items: []types.ItemScore{{Flags: []uint32{0}}}}}},
		{Reports: []*types.TaskReport{{TaskId: 1, Items: make([]types.ItemScore, types.MaxTaskItems+1)}}},
		{ModelHash: "NOT-HEX"},
	}
	for i, ve := range bad {
		bz, err := proto.Marshal(&ve)
		require.NoError(t, err)
		_, err = types.DecodeExtension(bz, 8)
		require.ErrorIs(t, err, types.ErrInvalidExtension, "case %d", i)
	}
	_, err = types.DecodeExtension([]byte{0xff, 0xff, 0xff}, 8)
	require.ErrorIs(t, err, types.ErrInvalidExtension, "garbage")
}

// FuzzDecodeExtension: no input panics; whatever decodes is valid and survives a round trip.
func FuzzDecodeExtension(f *testing.F) {
	seed := types.OracleVoteExtension{ModelHash: "00ff", Reports: []*types.TaskReport{{TaskId: 1, Verdict: types.VERDICT_FRAUD}, {TaskId: 9, Items: []types.ItemScore{{Score: 77, Flags: []uint32{1}}}}}}
	bz, _ := proto.Marshal(&seed)
	f.Add(bz)
	f.Add([]byte{})
	f.Add([]byte{0x12, 0x02, 0x08, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		ve, err := types.DecodeExtension(data, 16)
		if err != nil {
			return
		}
		require.NoError(t, ve.Validate(16))
		again, err := proto.Marshal(&ve)
		require.NoError(t, err)
		back, err := types.DecodeExtension(again, 16)
		require.NoError(t, err)
		require.Equal(t, len(ve.Reports), len(back.Reports))
	})
}
