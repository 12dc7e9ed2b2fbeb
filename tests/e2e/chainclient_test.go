//go:build e2e

package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/thalamus-network/thalamus/internal/chainclient"
)

// Transactions sent at once from one key (an agent answering challenges while it confirms a
// lease) are broadcast one after another with consecutive sequences and wait for their blocks
// together: none waits a block behind another, and none is refused for its sequence.
func TestConcurrentSendsShareABlock(t *testing.T) {
	c := startChain(t)
	addr := c.newAccount("pipeline", "10000000uthal")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	chain, err := chainclient.Dial(ctx, chainclient.ChainConfig{
		Node: c.nodeAddress(), KeyringDir: c.home, KeyringBackend: "test", From: "pipeline",
	})
	if err != nil {
		t.Fatal(err)
	}
	const sends = 3
	heights := make([]int64, sends)
	errs := make([]error, sends)
	var wg sync.WaitGroup
	for i := range sends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := &banktypes.MsgSend{FromAddress: addr, ToAddress: addr, Amount: sdk.NewCoins(sdk.NewInt64Coin("uthal", int64(i+1)))}
			heights[i], _, errs[i] = chain.Send(ctx, msg)
		}()
	}
	wg.Wait()
	blocks := map[int64]bool{}
	for i := range sends {
		if errs[i] != nil {
			t.Fatalf("send %d: %v", i, errs[i])
		}
		blocks[heights[i]] = true
	}
	// Sent one at a time, each waiting for its block, they would take three blocks; broadcast
	// within a second of each other they take one, or two when a block ends between them.
	if len(blocks) == sends {
		t.Fatalf("the sends landed in blocks %v, one block each: they waited for each other", heights)
	}
	// The next send after them signs with the chain's sequence again and lands.
	if _, _, err := chain.Send(ctx, &banktypes.MsgSend{FromAddress: addr, ToAddress: addr, Amount: sdk.NewCoins(sdk.NewInt64Coin("uthal", 1))}); err != nil {
		t.Fatal(err)
	}
}

// nodeAddress is the CometBFT RPC address the home's CLI talks to (client.toml's node).
func (c *chain) nodeAddress() string {
	c.t.Helper()
	out := strings.TrimSpace(string(c.must("config", "get", "client", "node")))
	node, err := strconv.Unquote(out)
	if err != nil {
		c.t.Fatalf("config get client node: %q: %v", out, err)
	}
	return node
}
