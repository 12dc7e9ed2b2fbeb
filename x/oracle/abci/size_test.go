package abci_test

import (
	"fmt"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// fullExtension is the largest extension the default params allow in practice: 64 reports,
// half GPU verdicts, half sensor tasks of 20 batches (a gateway's transaction) scored with two
// flags each, and a model hash.
func fullExtension(firstTask uint64) []byte {
	ve := types.OracleVoteExtension{ModelHash: fmt.Sprintf("%064x", 7)}
	for i := uint64(0); i < uint64(types.DefaultParams().MaxTasksPerVoteExtension); i++ {
		r := &types.TaskReport{TaskId: firstTask + i}
		if i%2 == 0 {
			r.Verdict = types.VERDICT_PASS
		} else {
			for range 20 {
				r.Items = append(r.Items, types.ItemScore{Score: 8_731, Flags: []uint32{2, 7}})
			}
		}
		ve.Reports = append(ve.Reports, r)
	}
	bz, _ := proto.Marshal(&ve)
	return bz
}

// BenchmarkVoteExtensionSize reports the bytes one full extension takes and what the
// proposer injects per block for 4 and 100 validators (extension + 64-byte signature each).
func BenchmarkVoteExtensionSize(b *testing.B) {
	ext := fullExtension(1_000_000)
	for _, validators := range []int{4, 100} {
		b.Run(fmt.Sprintf("validators=%d", validators), func(b *testing.B) {
			commit := abci.ExtendedCommitInfo{Round: 0}
			for v := 0; v < validators; v++ {
				commit.Votes = append(commit.Votes, abci.ExtendedVoteInfo{
					Validator:     abci.Validator{Address: make([]byte, 20), Power: 100},
					VoteExtension: ext, ExtensionSignature: make([]byte, 64), BlockIdFlag: cmtproto.BlockIDFlagCommit,
				})
			}
			var size int
			for i := 0; i < b.N; i++ {
				bz, err := commit.Marshal()
				require.NoError(b, err)
				size = len(bz) + len(types.ExtensionMarker)
			}
			b.ReportMetric(float64(len(ext)), "ext-bytes")
			b.ReportMetric(float64(size), "block-bytes")
		})
	}
}
