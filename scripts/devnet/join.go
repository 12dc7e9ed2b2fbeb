package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// testnetSnapshotInterval is how often testnet nodes take state-sync snapshots: a node can
// join a testnet a minute after it starts (validators of a real network keep thalamusd init's
// app.DefaultSnapshotInterval).
const testnetSnapshotInterval = 50

// joinTestnet adds one full node (no validator key, no sidecar) to the running testnet as
// node N, N the number of nodes running, on the same port scheme. It restores the newest
// snapshot the validators serve (state sync), its light client rooted in a block hash read from
// node0's RPC, then follows the chain; it waits until the node has caught up and shares the
// others' app hash.
func joinTestnet(binary, dir string) error {
	n := runningNodes(dir)
	if n < 2 {
		return fmt.Errorf("state sync needs a running testnet of at least 2 nodes (2 RPC servers to cross-check), found %d in %s", n, dir)
	}
	ctx := context.Background()
	genesisNode := testnetNode(binary, dir, 0)
	chainID, err := genesisChainID(genesisNode.genesisPath())
	if err != nil {
		return err
	}
	st, err := nodeStatus(ctx, rpcURL(0))
	if err != nil {
		return fmt.Errorf("node0: %w", err)
	}
	if st.Height < 2*testnetSnapshotInterval {
		return fmt.Errorf("node0 is at height %d: wait for height %d, when the validators hold a snapshot to offer", st.Height, 2*testnetSnapshotInterval)
	}
	// Trust a recent block; the light client verifies the snapshot's height from it.
	trustHeight := st.Height - 5
	trustHash, err := blockHash(ctx, rpcURL(0), trustHeight)
	if err != nil {
		return err
	}

	nd := testnetNode(binary, dir, n)
	if err := os.RemoveAll(nd.home); err != nil {
		return err
	}
	step("node%d joins chain %s by state sync: trusting block %d (%s) from node0", n, chainID, trustHeight, trustHash)
	if err := nd.init(chainID, "uthal"); err != nil {
		return err
	}
	if err := copyFile(genesisNode.genesisPath(), nd.genesisPath()); err != nil {
		return err
	}
	ids := make([]string, n+1)
	for i := range ids {
		if ids[i], err = testnetNode(binary, dir, i).nodeID(); err != nil {
			return err
		}
	}
	if err := configureTestnetNode(nd, n, ids, chainID); err != nil {
		return err
	}
	if err := nd.set("config", map[string]string{
		"statesync.enable":       "true",
		"statesync.rpc_servers":  rpcURL(0) + "," + rpcURL(1),
		"statesync.trust_height": strconv.FormatInt(trustHeight, 10),
		"statesync.trust_hash":   trustHash,
		"statesync.trust_period": "168h0m0s",
	}); err != nil {
		return err
	}
	// A full node: it extends no votes, so it asks no sidecar.
	if err := nd.set("app", map[string]string{"oracle.sidecar_address": ""}); err != nil {
		return err
	}

	start := time.Now()
	p := &process{name: nd.moniker, args: []string{binary, "start", "--home", nd.home}, log: filepath.Join(dir, nd.moniker+".log")}
	if err := startBackground(dir, p); err != nil {
		return err
	}
	step("started %s (pid %d): RPC %s, log %s", nd.moniker, p.cmd.Process.Pid, rpcURL(n), p.log)
	joined, err := waitCaughtUp(ctx, n, 5*time.Minute)
	if err != nil {
		return fmt.Errorf("%w; last log lines:\n%s", err, lastLines(p.log, 15))
	}
	if joined.Earliest <= 1 {
		return fmt.Errorf("node%d stores blocks from %d: it replayed the chain instead of restoring a snapshot", n, joined.Earliest)
	}
	step("node%d caught up in %s: at height %d, first stored block %d (restored from a snapshot)",
		n, time.Since(start).Round(100*time.Millisecond), joined.Height, joined.Earliest)
	return waitAll(dir, n+1, joined.Height, time.Minute)
}

// waitCaughtUp waits until node i has stopped catching up and stands within a block of node0.
func waitCaughtUp(ctx context.Context, i int, timeout time.Duration) (status, error) {
	deadline := time.Now().Add(timeout)
	var last status
	for time.Now().Before(deadline) {
		st, err := nodeStatus(ctx, rpcURL(i))
		if err == nil && !st.CatchingUp && st.Height > 0 {
			if ref, err := nodeStatus(ctx, rpcURL(0)); err == nil && st.Height+1 >= ref.Height {
				return st, nil
			}
		}
		if err == nil {
			last = st
		}
		time.Sleep(time.Second)
	}
	return last, fmt.Errorf("node%d did not catch up within %s (last seen at height %d)", i, timeout, last.Height)
}

// genesisChainID reads the chain ID from a genesis file.
func genesisChainID(path string) (string, error) {
	bz, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var g struct {
		ChainID string `json:"chain_id"`
	}
	if err := json.Unmarshal(bz, &g); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if g.ChainID == "" {
		return "", fmt.Errorf("%s: no chain_id", path)
	}
	return g.ChainID, nil
}
