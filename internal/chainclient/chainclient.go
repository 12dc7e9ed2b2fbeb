// Package chainclient is how the off-chain daemons talk to a node: queries with the app's
// codecs, and transactions signed by one key, broadcast and followed until a block holds them.
// The GPU agent, the sensor gateway, the validator sidecar and the load generator share it.
package chainclient

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"cosmossdk.io/depinject"
	"cosmossdk.io/log"

	"github.com/cosmos/cosmos-sdk/client"
	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/app"
)

// ErrNodeUnreachable wraps failures to reach the node, which are worth retrying.
var ErrNodeUnreachable = errors.New("cannot reach node")

// TxError is a transaction the chain refused, in CheckTx (Height 0) or in its block.
type TxError struct {
	Hash      string
	Height    int64
	Codespace string
	Code      uint32
	Log       string
}

func (e *TxError) Error() string {
	if e.Height == 0 {
		return fmt.Sprintf("tx %s rejected (%s code %d): %s", e.Hash, e.Codespace, e.Code, e.Log)
	}
	return fmt.Sprintf("tx %s failed in block %d (%s code %d): %s", e.Hash, e.Height, e.Codespace, e.Code, e.Log)
}

// Is matches the registered error the chain answered with, so errors.Is(err, types.ErrX)
// works on a refused transaction as on the keeper's own error.
func (e *TxError) Is(target error) bool {
	registered, ok := target.(interface {
		Codespace() string
		ABCICode() uint32
	})
	return ok && registered.Codespace() == e.Codespace && registered.ABCICode() == e.Code
}

// ChainConfig says how to reach the chain and which key signs.
type ChainConfig struct {
	Node           string // CometBFT RPC, e.g. tcp://127.0.0.1:26657
	ChainID        string // read from the node when empty
	KeyringDir     string
	KeyringBackend string
	From           string // key name
	GasPrices      string // e.g. 0.0025uthal; empty for a zero-fee devnet
	GasPerMsg      uint64
}

// Chain signs and broadcasts transactions and answers queries for one key.
type Chain struct {
	ctx     client.Context
	factory clienttx.Factory
	cfg     ChainConfig
	// sendMu serialises signing and broadcasting: each transaction takes the next sequence.
	sendMu sync.Mutex
	// nextSequence is the sequence the next transaction signs with, counted here past the
	// transactions broadcast and not yet in a block, which the chain's account does not count
	// yet (0: take the chain's). Waiting for a block happens outside sendMu, so an answer due
	// now does not wait behind another transaction's block.
	nextSequence uint64
	// Address is the signer's bech32 address.
	Address string
	// observe, when set, hears the outcome of every Send.
	observe func(TxOutcome)
}

// TxOutcome is what became of one Send: Hash is empty when nothing was broadcast (signing
// or the node failed); Err is a *TxError when CheckTx (Height 0) or the block refused it,
// and another error when the transaction was broadcast but not seen in a block in time.
type TxOutcome struct {
	Msgs   []sdk.Msg
	Hash   string
	Height int64
	Err    error
}

// Observe makes every later Send report its outcome to f (load generators account for
// every transaction this way). Call it before the first Send; concurrent Sends call f
// concurrently.
func (c *Chain) Observe(f func(TxOutcome)) { c.observe = f }

// QueryContext is a client context for queries only: the app's codecs and an RPC client to
// node; nothing is signed with it. The validator sidecar reads the chain through it.
func QueryContext(node string) (client.Context, error) {
	var (
		cdc      codec.Codec
		registry codectypes.InterfaceRegistry
		amino    *codec.LegacyAmino
		txOpts   authtx.ConfigOptions
	)
	if err := depinject.Inject(depinject.Configs(app.AppConfig, depinject.Supply(log.NewNopLogger())),
		&cdc, &registry, &amino, &txOpts); err != nil {
		return client.Context{}, err
	}
	txConfig, err := authtx.NewTxConfigWithOptions(cdc, txOpts)
	if err != nil {
		return client.Context{}, err
	}
	rpc, err := client.NewClientFromNode(node)
	if err != nil {
		return client.Context{}, fmt.Errorf("node %s: %w", node, err)
	}
	return client.Context{}.WithCodec(cdc).WithInterfaceRegistry(registry).WithLegacyAmino(amino).
		WithTxConfig(txConfig).WithAccountRetriever(authtypes.AccountRetriever{}).
		WithClient(rpc).WithNodeURI(node), nil
}

// Dial connects to the node and opens the keyring.
func Dial(ctx context.Context, cfg ChainConfig) (*Chain, error) {
	qctx, err := QueryContext(cfg.Node)
	if err != nil {
		return nil, err
	}
	kr, err := keyring.New(sdk.KeyringServiceName(), cfg.KeyringBackend, cfg.KeyringDir, nil, qctx.Codec)
	if err != nil {
		return nil, err
	}
	rec, err := kr.Key(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("key %q in %s (%s keyring): %w", cfg.From, cfg.KeyringDir, cfg.KeyringBackend, err)
	}
	addr, err := rec.GetAddress()
	if err != nil {
		return nil, err
	}
	st, err := qctx.Client.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrNodeUnreachable, cfg.Node, err)
	}
	if cfg.ChainID == "" {
		cfg.ChainID = st.NodeInfo.Network
	}
	cctx := qctx.WithKeyring(kr).WithChainID(cfg.ChainID).
		WithFromName(cfg.From).WithFromAddress(addr).WithBroadcastMode("sync")
	factory := clienttx.Factory{}.WithChainID(cfg.ChainID).WithKeybase(kr).WithTxConfig(qctx.TxConfig).
		WithAccountRetriever(authtypes.AccountRetriever{}).WithSignMode(signing.SignMode_SIGN_MODE_DIRECT)
	if cfg.GasPerMsg == 0 {
		cfg.GasPerMsg = 300_000
	}
	return &Chain{ctx: cctx, factory: factory, cfg: cfg, Address: addr.String()}, nil
}

// simulatedGasAdjustment is the margin on a simulated transaction's gas, as the CLI's
// --gas-adjustment: state can change between the simulation and the block.
const simulatedGasAdjustment = 1.5

// gasFor is the gas limit for msgs: GasPerMsg each, or the node's simulation of them with a
// margin when that is more (a proof-of-work answer at its 512-winner cap writes enough to
// use up 300,000: the chain ran one out of gas at 300,390). When the simulation fails the
// fixed limit stays, and broadcasting reports the message's error as the chain gives it.
func (c *Chain) gasFor(f clienttx.Factory, msgs []sdk.Msg) uint64 {
	gas := c.cfg.GasPerMsg * uint64(len(msgs))
	sim := f.WithSimulateAndExecute(true).WithFromName(c.cfg.From).WithGasAdjustment(simulatedGasAdjustment)
	if _, simulated, err := clienttx.CalculateGas(c.ctx, sim, msgs...); err == nil {
		gas = max(gas, simulated)
	}
	return gas
}

// NewOffline is a client that knows its signer and chain but reaches no node: queries and
// sends through it fail. Tests of code that only reads Address and ChainID use it.
func NewOffline(address, chainID string) *Chain {
	return &Chain{Address: address, cfg: ChainConfig{ChainID: chainID}}
}

// Conn is the gRPC connection for module query clients (queries go over ABCI).
func (c *Chain) Conn() client.Context { return c.ctx }

// ChainID is the chain the agent signs for.
func (c *Chain) ChainID() string { return c.cfg.ChainID }

// Height returns the latest block height.
func (c *Chain) Height(ctx context.Context) (int64, error) {
	st, err := c.ctx.Client.Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.SyncInfo.LatestBlockHeight, nil
}

// BlockTime is the median interval between the chain's last 20 blocks: what a deadline
// height is worth in time. Block 1 is left out (its time is the genesis time, which can be
// long before the chain started).
func (c *Chain) BlockTime(ctx context.Context) (time.Duration, error) {
	latest, err := c.Height(ctx)
	if err != nil {
		return 0, err
	}
	from := max(2, latest-19)
	if latest <= from {
		return 0, fmt.Errorf("height %d: too few blocks to measure the block time", latest)
	}
	info, err := c.ctx.Client.BlockchainInfo(ctx, from, latest)
	if err != nil {
		return 0, err
	}
	var gaps []time.Duration
	for i := 1; i < len(info.BlockMetas); i++ { // newest first
		gaps = append(gaps, info.BlockMetas[i-1].Header.Time.Sub(info.BlockMetas[i].Header.Time))
	}
	if len(gaps) == 0 {
		return 0, fmt.Errorf("the node returned %d block headers of %d-%d", len(info.BlockMetas), from, latest)
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2], nil
}

// Send signs msgs into one transaction, broadcasts it and waits until a block includes it.
// It returns the block height, or an error with the chain's log when the tx failed. Sends
// may run concurrently: they are broadcast one after another and wait for their blocks
// together.
func (c *Chain) Send(ctx context.Context, msgs ...sdk.Msg) (height int64, hash string, err error) {
	if c.observe != nil {
		defer func() { c.observe(TxOutcome{Msgs: msgs, Hash: hash, Height: height, Err: err}) }()
	}
	var timeout int64
	if hash, timeout, err = c.broadcast(ctx, msgs); err != nil {
		return 0, hash, err
	}
	height, err = c.waitForBlock(ctx, hash, timeout)
	return height, hash, err
}

// inclusionBlocks is how many blocks a transaction has to land (its timeout height): one the
// mempool dropped, or one stuck behind a dropped sequence, fails instead of being awaited forever.
const inclusionBlocks = 20

// broadcast signs msgs with the next sequence and hands them to the node's mempool; it
// returns the transaction's hash and timeout height.
func (c *Chain) broadcast(ctx context.Context, msgs []sdk.Msg) (string, int64, error) {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	height, err := c.Height(ctx)
	if err != nil {
		return "", 0, err
	}
	timeout := height + inclusionBlocks
	f, err := c.factory.WithGasPrices(c.cfg.GasPrices).WithTimeoutHeight(uint64(timeout)).Prepare(c.ctx)
	if err != nil {
		return "", 0, err
	}
	if c.nextSequence > f.Sequence() {
		f = f.WithSequence(c.nextSequence)
	}
	f = f.WithGas(c.gasFor(f, msgs))
	builder, err := f.BuildUnsignedTx(msgs...)
	if err != nil {
		return "", 0, err
	}
	if err := clienttx.Sign(ctx, f, c.cfg.From, builder, true); err != nil {
		return "", 0, err
	}
	bz, err := c.ctx.TxConfig.TxEncoder()(builder.GetTx())
	if err != nil {
		return "", 0, err
	}
	res, err := c.ctx.BroadcastTxSync(bz)
	if err != nil {
		return "", 0, err
	}
	if res.Code != 0 {
		refused := &TxError{Hash: res.TxHash, Codespace: res.Codespace, Code: res.Code, Log: res.RawLog}
		if errors.Is(refused, sdkerrors.ErrWrongSequence) {
			// A broadcast transaction left the mempool unmined, or another client signs with
			// this key: count from the chain's sequence again.
			c.nextSequence = 0
		}
		return res.TxHash, 0, refused
	}
	c.nextSequence = f.Sequence() + 1
	return res.TxHash, timeout, nil
}

// waitForBlock polls the node until a block includes the transaction and returns its height,
// or the chain's error when it failed there, or an error once the chain has passed the
// transaction's timeout height without it.
func (c *Chain) waitForBlock(ctx context.Context, hash string, timeout int64) (int64, error) {
	txHash, err := hex.DecodeString(hash)
	if err != nil {
		return 0, err
	}
	for {
		// The height first: a block up to it is indexed by the time the lookup runs.
		latest, heightErr := c.Height(ctx)
		if r, err := c.ctx.Client.Tx(ctx, txHash, false); err == nil {
			if r.TxResult.Code != 0 {
				return r.Height, &TxError{Hash: hash, Height: r.Height, Codespace: r.TxResult.Codespace, Code: r.TxResult.Code, Log: r.TxResult.Log}
			}
			return r.Height, nil
		}
		if heightErr == nil && latest > timeout {
			// Dropped: the transactions signed after it wait for its sequence in vain too.
			c.sendMu.Lock()
			c.nextSequence = 0
			c.sendMu.Unlock()
			return 0, fmt.Errorf("tx %s: not in a block by its timeout height %d (the node dropped it)", hash, timeout)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}
