package chainclient

import (
	"context"
	"errors"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/stretchr/testify/require"
)

// node is a CometBFT RPC at a fixed height whose transaction index holds at most one
// transaction, included at includedAt (0: none).
type node struct {
	client.CometRPC
	height, includedAt int64
}

func (n node) Status(context.Context) (*coretypes.ResultStatus, error) {
	return &coretypes.ResultStatus{SyncInfo: coretypes.SyncInfo{LatestBlockHeight: n.height}}, nil
}

func (n node) Tx(context.Context, []byte, bool) (*coretypes.ResultTx, error) {
	if n.includedAt == 0 {
		return nil, errors.New("tx not found")
	}
	return &coretypes.ResultTx{Height: n.includedAt, TxResult: abci.ExecTxResult{}}, nil
}

// A transaction the chain passed the timeout height of without including it fails, and the
// next one signs with the chain's sequence again; one in a block returns its height.
func TestWaitForBlock(t *testing.T) {
	const hash = "ABCD"
	dropped := &Chain{ctx: client.Context{}.WithClient(node{height: 31}), nextSequence: 7}
	_, err := dropped.waitForBlock(context.Background(), hash, 30)
	require.ErrorContains(t, err, "not in a block by its timeout height 30")
	require.Zero(t, dropped.nextSequence)

	included := &Chain{ctx: client.Context{}.WithClient(node{height: 31, includedAt: 30}), nextSequence: 7}
	height, err := included.waitForBlock(context.Background(), hash, 30)
	require.NoError(t, err)
	require.Equal(t, int64(30), height)
	require.Equal(t, uint64(7), included.nextSequence)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pending := &Chain{ctx: client.Context{}.WithClient(node{height: 30})}
	_, err = pending.waitForBlock(ctx, hash, 30)
	require.ErrorIs(t, err, context.Canceled)
}
