package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// testnetSnapshotInterval is how often testnet nodes take state-sync snapshots: a node can
// join a testnet a minute after it starts (validators of a real network keep thalamusd init's
// app.DefaultSnapshotInterval).
const testnetSnapshotInterval = 50

// joinTestnet adds one node to the running testnet as node N, N the number of nodes running, on
// the same port scheme. It restores the newest snapshot the validators serve (state sync), its
// light client rooted in a block hash read from node0's RPC, then follows the chain; it waits
// until the node has caught up and shares the others' app hash. A full node has no sidecar;
// with opts.joinAsValidator the node gets a sidecar and an operator key funded by node0's validator, and
// bonds the template's stake with create-validator, as a validator joining a live network does
// (docs/validators.md). The node takes the template's config overrides, as testnet nodes do.
func joinTestnet(binary, dir string, opts testnetOptions, template Validator) error {
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
	if err := nd.applyOverrides(template); err != nil {
		return err
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
	if !opts.joinAsValidator { // a full node extends no votes, so it asks no sidecar
		if err := nd.set("app", map[string]string{"oracle.sidecar_address": ""}); err != nil {
			return err
		}
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
	if err := waitAll(dir, n+1, joined.Height, time.Minute); err != nil {
		return err
	}
	if !opts.joinAsValidator {
		return nil
	}
	sidecarBinary, err := siblingBinary(binary, "thalamus-sidecar")
	if err != nil {
		return err
	}
	name := fmt.Sprintf("sidecar%d", n)
	sc := &process{name: name, args: sidecarArgs(sidecarBinary, dir, n, opts), log: filepath.Join(dir, name+".log")}
	if err := startBackground(dir, sc); err != nil {
		return err
	}
	step("started %s (pid %d) for %s, log %s", name, sc.cmd.Process.Pid, nd.moniker, sc.log)
	return bondValidator(ctx, genesisNode, nd, n, template.Bonded)
}

// bondValidator gives node nd (index n) an operator key funded by node0's validator and bonds
// bonded with create-validator, then waits until the validator is in the active set.
func bondValidator(ctx context.Context, node0, nd node, n int, bonded string) error {
	addr, err := nd.addKey("validator", "")
	if err != nil {
		return err
	}
	coins, err := multiplyAmount(bonded, 2) // the bond and the fees
	if err != nil {
		return err
	}
	if err := sendTx(ctx, node0, "bank", "send", "validator", addr, coins); err != nil {
		return err
	}
	pubkey, err := nd.run("", "comet", "show-validator")
	if err != nil {
		return err
	}
	validatorJSON := filepath.Join(nd.home, "validator.json")
	bz, err := json.Marshal(struct {
		PubKey                  json.RawMessage `json:"pubkey"`
		Amount                  string          `json:"amount"`
		Moniker                 string          `json:"moniker"`
		CommissionRate          string          `json:"commission-rate"`
		CommissionMaxRate       string          `json:"commission-max-rate"`
		CommissionMaxChangeRate string          `json:"commission-max-change-rate"`
		MinSelfDelegation       string          `json:"min-self-delegation"`
	}{json.RawMessage(pubkey), bonded, nd.moniker, "0.1", "0.2", "0.01", "1"})
	if err != nil {
		return err
	}
	if err := os.WriteFile(validatorJSON, bz, 0o600); err != nil {
		return err
	}
	if err := sendTx(ctx, nd, "staking", "create-validator", validatorJSON); err != nil {
		return err
	}
	valoper, err := nd.run("", "keys", "show", "validator", "--bech", "val", "-a", "--keyring-backend", "test")
	if err != nil {
		return err
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
		out, err := nd.run("", "q", "staking", "validator", valoper, "-o", "json")
		if err == nil && strings.Contains(out, "BOND_STATUS_BONDED") {
			step("node%d is a bonded validator (%s, %s)", n, valoper, bonded)
			return nil
		}
		if time.Now().After(deadline) && err != nil {
			return fmt.Errorf("node%d's validator %s a minute after create-validator: %w", n, valoper, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node%d's validator %s is not bonded a minute after create-validator: %s", n, valoper, out)
		}
	}
}

// sendTx signs a transaction with node nd's validator key (its client.toml names the chain, the
// keyring and the RPC) and waits until a block includes it successfully.
func sendTx(ctx context.Context, nd node, args ...string) error {
	out, err := nd.run("", append(append([]string{"tx"}, args...), "--from", "validator", "--gas", "300000", "-y", "-o", "json")...)
	if err != nil {
		return err
	}
	var res struct {
		TxHash string `json:"txhash"`
		Code   int    `json:"code"`
		RawLog string `json:"raw_log"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		return fmt.Errorf("tx %s: %w: %s", strings.Join(args, " "), err, out)
	}
	if res.Code != 0 {
		return fmt.Errorf("tx %s rejected (code %d): %s", strings.Join(args, " "), res.Code, res.RawLog)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
		out, err := nd.run("", "q", "tx", res.TxHash, "-o", "json")
		if err == nil {
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				return err
			}
			if res.Code != 0 {
				return fmt.Errorf("tx %s failed (code %d): %s", strings.Join(args, " "), res.Code, res.RawLog)
			}
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("tx %s (%s) not in a block within 30 s: %w", strings.Join(args, " "), res.TxHash, err)
		}
	}
}

// multiplyAmount multiplies a single-denom amount such as 100uthal by k.
func multiplyAmount(amount string, k int64) (string, error) {
	i := strings.IndexFunc(amount, func(r rune) bool { return r < '0' || r > '9' })
	if i <= 0 {
		return "", fmt.Errorf("amount %q is not NUMBERdenom", amount)
	}
	v, err := strconv.ParseInt(amount[:i], 10, 64)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(v*k, 10) + amount[i:], nil
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
