package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand"
	"sync"
	"time"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/thalamus-network/thalamus/app"
	"github.com/thalamus-network/thalamus/internal/benchgenesis"
	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/pkg/pow"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

// floodConfig is a throughput run: accounts accounts each broadcast txs pre-signed
// transactions of one kind as fast as the node takes them.
type floodConfig struct {
	kind     string // send, commit-batch, gateway-batches, create-lease or submit-work
	accounts int
	txs      int
	round    int // each round uses fresh accounts (and devices), so runs can repeat
}

// floodAccount is one sender with its own key, account number and next sequence.
type floodAccount struct {
	key     *secp256k1.PrivKey
	addr    sdk.AccAddress
	number  uint64
	seq     uint64
	devices []uint64 // commit-batch: the account's device; gateway-batches: its gatewayDevices
}

// floodKey is the key of account i of a kind's flood in a round: the same on every run, so
// --bench-genesis can make the submit-work accounts providers before they exist.
func floodKey(kind string, round, i int) *secp256k1.PrivKey {
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte(fmt.Sprintf("flood-%s-%d", kind, round)), uint64(i)))
	return &secp256k1.PrivKey{Key: seed[:]}
}

// gatewayDevices is how many stations a gateway-batches account commits for, one batch each
// per transaction: the capacity model's gateway transaction.
const gatewayDevices = 20

// flood funds the accounts, prepares them (commit-batch: one device each; gateway-batches:
// gatewayDevices each), pre-signs
// accounts × txs transactions, broadcasts them and reports committed transactions per
// second and the block times while they were committed.
func flood(ctx context.Context, cfg config, fc floodConfig, logger *slog.Logger) error {
	funder, err := chainclient.Dial(ctx, chainclient.ChainConfig{Node: cfg.node, KeyringDir: cfg.home, KeyringBackend: keyring.BackendTest, From: cfg.fundFrom})
	if err != nil {
		return err
	}
	cctx := funder.Conn()
	if err := waitOracleIdle(ctx, cctx, logger); err != nil {
		return err
	}
	accounts := make([]*floodAccount, fc.accounts)
	funding := make([]sdk.Msg, len(accounts))
	for i := range accounts {
		key := floodKey(fc.kind, fc.round, i)
		accounts[i] = &floodAccount{key: key, addr: sdk.AccAddress(key.PubKey().Address())}
		funding[i] = banktypes.NewMsgSend(sdk.MustAccAddressFromBech32(funder.Address), accounts[i].addr,
			sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 1_000_000_000)))
	}
	logger.Info("funding flood accounts", "accounts", len(accounts))
	if _, _, err := funder.Send(ctx, funding...); err != nil {
		return fmt.Errorf("fund the flood accounts: %w", err)
	}
	for _, a := range accounts {
		if a.number, a.seq, err = cctx.AccountRetriever.GetAccountNumberSequence(cctx, a.addr); err != nil {
			return err
		}
	}
	r := rand.New(rand.NewSource(1))
	sign := func(a *floodAccount, msgs []sdk.Msg, gas uint64) ([]byte, error) {
		tx, err := simtestutil.GenSignedMockTx(r, cctx.TxConfig, msgs, sdk.NewCoins(), gas, funder.ChainID(),
			[]uint64{a.number}, []uint64{a.seq}, a.key)
		if err != nil {
			return nil, err
		}
		a.seq++
		return cctx.TxConfig.TxEncoder()(tx)
	}

	var build func(a *floodAccount, j int) []sdk.Msg
	gas := uint64(200_000)
	// Batches of 10 minutes, back to back, the newest ending now.
	start := time.Now().Add(-time.Duration(fc.txs) * 10 * time.Minute)
	batch := func(a *floodAccount, device uint64, j int, readings uint32) sdk.Msg {
		seq := uint64(j + 1)
		root := sha256.Sum256(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, device), seq))
		last := start.Add(time.Duration(j+1) * 10 * time.Minute)
		first := last.Add(-time.Duration(readings-1) * (10 * time.Minute / time.Duration(readings))) // evenly over the 10 minutes
		return &sensorstypes.MsgCommitBatch{Committer: a.addr.String(), DeviceId: device, Seq: seq, Root: root[:],
			Count: readings, FirstReadingMs: first.UnixMilli(), LastReadingMs: last.UnixMilli(), SizeBytes: uint64(readings) * 120,
			Uri: fmt.Sprintf("http://127.0.0.1:1/v1/batches/%d/%d", device, seq)} // nothing serves it: throughput only
	}
	switch fc.kind {
	case "send":
		build = func(a *floodAccount, _ int) []sdk.Msg {
			return []sdk.Msg{banktypes.NewMsgSend(a.addr, accounts[0].addr, sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 1)))}
		}
	case "commit-batch": // a station committing its 10 minutes at 1 Hz itself
		if err := registerFloodDevices(ctx, cctx, funder.ChainID(), accounts, 1, sign, logger); err != nil {
			return err
		}
		gas = 400_000
		build = func(a *floodAccount, j int) []sdk.Msg { return []sdk.Msg{batch(a, a.devices[0], j, 600)} }
	case "gateway-batches": // a gateway committing its stations' 10 minutes at a reading a minute
		if err := registerFloodDevices(ctx, cctx, funder.ChainID(), accounts, gatewayDevices, sign, logger); err != nil {
			return err
		}
		gas = 600_000
		build = func(a *floodAccount, j int) []sdk.Msg {
			msgs := make([]sdk.Msg, len(a.devices))
			for i, device := range a.devices {
				msgs[i] = batch(a, device, j, 10)
			}
			return msgs
		}
	case "create-lease":
		gas = 1_000_000
		build = func(a *floodAccount, _ int) []sdk.Msg {
			return []sdk.Msg{&computetypes.MsgCreateLease{Tenant: a.addr.String(), Class: cfg.class, Gpus: 1, Hours: 1,
				Deposit: sdk.NewInt64Coin(app.BondDenom, benchgenesis.BasePrice+createLeaseProviders)}}
		}
	case "submit-work":
		challenges, err := openChallenges(ctx, cctx, accounts, fc.txs)
		if err != nil {
			return err
		}
		work, err := solveBenchChallenge(ctx, logger)
		if err != nil {
			return err
		}
		build = func(a *floodAccount, j int) []sdk.Msg {
			msg := *work
			msg.Provider, msg.ChallengeId = a.addr.String(), challenges[a.addr.String()][j]
			return []sdk.Msg{&msg}
		}
	default:
		return fmt.Errorf("--flood %q: want send, commit-batch, gateway-batches, create-lease or submit-work", fc.kind)
	}

	txs := make([][][]byte, len(accounts))
	for i, a := range accounts {
		for j := 0; j < fc.txs; j++ {
			bz, err := sign(a, build(a, j), gas)
			if err != nil {
				return err
			}
			txs[i] = append(txs[i], bz)
		}
	}
	logger.Info("broadcasting", "kind", fc.kind, "txs", len(accounts)*fc.txs)
	hashes, refused := broadcastAll(cctx, txs)
	if refused > 0 {
		logger.Warn("refused by CheckTx", "count", refused)
	}
	return reportFlood(ctx, cctx, fc.kind, hashes, logger)
}

// registerFloodDevices registers n weather stations per account, in one transaction, and
// waits for them.
func registerFloodDevices(ctx context.Context, cctx client.Context, chainID string, accounts []*floodAccount, n int,
	sign func(*floodAccount, []sdk.Msg, uint64) ([]byte, error), logger *slog.Logger,
) error {
	txs := make([][][]byte, len(accounts))
	for i, a := range accounts {
		msgs := make([]sdk.Msg, n)
		for j := range msgs {
			seed := sha256.Sum256(binary.BigEndian.AppendUint64(a.addr.Bytes(), uint64(j)))
			key := ed25519.NewKeyFromSeed(seed[:])
			msgs[j] = &sensorstypes.MsgRegisterDevice{
				Owner: a.addr.String(), PubKey: key.Public().(ed25519.PublicKey),
				PossessionSig: ed25519.Sign(key, sensorstypes.PossessionSignBytes(chainID, a.addr.String())),
				Kind:          sensorstypes.KindWeather, SamplingInterval: time.Second,
				Channels: []sensorstypes.Channel{{Name: "temperature_c", Unit: "C", Min: "-60", Max: "70"}},
			}
		}
		bz, err := sign(a, msgs, uint64(n)*300_000)
		if err != nil {
			return err
		}
		txs[i] = [][]byte{bz}
	}
	logger.Info("registering flood devices", "devices", len(accounts))
	hashes, refused := broadcastAll(cctx, txs)
	if refused > 0 {
		return fmt.Errorf("%d device registrations refused", refused)
	}
	if failed, _, _, err := waitCommitted(ctx, cctx, hashes); err != nil || failed > 0 {
		return errors.Join(err, fmt.Errorf("%d device registrations failed", failed))
	}
	q := sensorstypes.NewQueryClient(cctx)
	for _, a := range accounts {
		resp, err := q.Devices(ctx, &sensorstypes.QueryDevicesRequest{Owner: a.addr.String(), Pagination: &query.PageRequest{Limit: uint64(n)}})
		if err != nil {
			return fmt.Errorf("devices of %s: %w", a.addr, err)
		}
		if len(resp.Devices) != n {
			return fmt.Errorf("%s has %d devices, want %d", a.addr, len(resp.Devices), n)
		}
		for _, d := range resp.Devices {
			a.devices = append(a.devices, d.Id)
		}
	}
	return nil
}

// waitOracleIdle waits until the oracle has no open task, so a flood does not pay for
// finalising or expiring the tasks the one before it opened.
func waitOracleIdle(ctx context.Context, cctx client.Context, logger *slog.Logger) error {
	q := oracletypes.NewQueryClient(cctx)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		resp, err := q.Tasks(ctx, &oracletypes.QueryTasksRequest{Status: oracletypes.TASK_STATUS_OPEN,
			Pagination: &query.PageRequest{Limit: 1, CountTotal: true}})
		if err != nil {
			return fmt.Errorf("open oracle tasks: %w", err)
		}
		if resp.Pagination.GetTotal() == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d oracle tasks still open after 5 minutes", resp.Pagination.GetTotal())
		}
		logger.Info("waiting for the oracle's open tasks to close", "open", resp.Pagination.GetTotal())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
}

// openChallenges lists the open challenges of each account (a provider in the bench genesis),
// at least n each.
func openChallenges(ctx context.Context, cctx client.Context, accounts []*floodAccount, n int) (map[string][]uint64, error) {
	q := computetypes.NewQueryClient(cctx)
	out := make(map[string][]uint64, len(accounts))
	for _, a := range accounts {
		resp, err := q.ChallengesByProvider(ctx, &computetypes.QueryChallengesByProviderRequest{Provider: a.addr.String(),
			State: computetypes.CHALLENGE_STATE_OPEN, Pagination: &query.PageRequest{Limit: uint64(n)}})
		if err != nil {
			return nil, fmt.Errorf("challenges of %s: %w", a.addr, err)
		}
		if len(resp.Challenges) < n {
			return nil, fmt.Errorf("%s has %d open challenges, need %d: start the testnet with --genesis-hook 'loadgen --bench-genesis'",
				a.addr, len(resp.Challenges), n)
		}
		for _, c := range resp.Challenges {
			out[a.addr.String()] = append(out[a.addr.String()], c.Id)
		}
	}
	return out, nil
}

// solveBenchChallenge searches the bench genesis's challenge task (devnet preset, zero seeds,
// shared by every bench challenge) for 4 winners and returns the answer without provider and
// challenge: a real proof of work, which the sidecar's verification passes.
func solveBenchChallenge(ctx context.Context, logger *slog.Logger) (*computetypes.MsgSubmitWork, error) {
	params, err := pow.Preset("devnet")
	if err != nil {
		return nil, err
	}
	const winners = 4
	task := pow.Task{Params: params}
	logger.Info("searching the bench challenge for its proof of work", "winners", winners)
	for budget := time.Second; budget <= time.Minute; budget *= 2 {
		res, err := pow.Solve(ctx, &pow.CPU{Workers: 1}, task, budget, nil)
		if err != nil {
			return nil, err
		}
		if len(res.Winners) < winners {
			continue
		}
		msg := &computetypes.MsgSubmitWork{NoncesTried: res.NoncesTried, Telemetry: computetypes.Telemetry{GpuUtilizationPct: 98, MaxTemperatureC: 71}}
		if len(res.Winners) > winners {
			msg.NoncesTried = res.Winners[winners].Nonce // claim only the nonces the listed winners cover
		}
		for _, w := range res.Winners[:winners] {
			msg.Winners = append(msg.Winners, computetypes.PowWinner{Nonce: w.Nonce, Digest: w.Digest})
		}
		return msg, nil
	}
	return nil, errors.New("no 4 winners in a minute of search")
}

// broadcastAll sends each account's transactions in order, accounts in parallel, and
// returns the hashes CheckTx accepted and how many it refused.
func broadcastAll(cctx client.Context, txs [][][]byte) ([]string, int) {
	var (
		mu      sync.Mutex
		hashes  []string
		refused int
		wg      sync.WaitGroup
	)
	for _, list := range txs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, bz := range list {
				res, err := cctx.BroadcastTxSync(bz)
				mu.Lock()
				if err != nil || res.Code != 0 {
					refused++
				} else {
					hashes = append(hashes, res.TxHash)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return hashes, refused
}

// waitCommitted waits until every hash is in a block and returns how many failed there and
// the first and last heights that hold them.
func waitCommitted(ctx context.Context, cctx client.Context, hashes []string) (failed int, first, last int64, err error) {
	deadline := time.Now().Add(5 * time.Minute)
	for _, h := range hashes {
		bz, err := hex.DecodeString(h)
		if err != nil {
			return 0, 0, 0, err
		}
		for {
			r, err := cctx.Client.Tx(ctx, bz, false)
			if err == nil {
				if r.TxResult.Code != 0 {
					failed++
				}
				if first == 0 || r.Height < first {
					first = r.Height
				}
				last = max(last, r.Height)
				break
			}
			if time.Now().After(deadline) {
				return failed, first, last, fmt.Errorf("tx %s not committed within 5 minutes", h)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return failed, first, last, nil
}

// reportFlood waits for every accepted transaction, then measures, from the block before
// the first that holds one to the last that does, the committed transactions per second and
// the block time; and the sustained rate, over the blocks between the first and the last,
// which are full: the first and last blocks catch the flood's ramp up and tail, and with a
// flood of 5-7 blocks they would move the rate by up to ~15 % a block.
func reportFlood(ctx context.Context, cctx client.Context, kind string, hashes []string, logger *slog.Logger) error {
	failed, first, last, err := waitCommitted(ctx, cctx, hashes)
	if err != nil {
		return err
	}
	if last-first < 2 {
		return errors.New("the transactions fit in two blocks: send more to measure throughput")
	}
	blockAt := func(h int64) (*coretypes.ResultBlock, error) { return cctx.Client.Block(ctx, &h) }
	before, err := blockAt(first - 1)
	if err != nil {
		return err
	}
	firstBlock, err := blockAt(first)
	if err != nil {
		return err
	}
	end, err := blockAt(last)
	if err != nil {
		return err
	}
	inner, innerEnd := 0, firstBlock
	for h := first + 1; h < last; h++ {
		if innerEnd, err = blockAt(h); err != nil {
			return err
		}
		inner += len(innerEnd.Block.Txs)
	}
	elapsed := end.Block.Time.Sub(before.Block.Time)
	sustained := float64(inner) / innerEnd.Block.Time.Sub(firstBlock.Block.Time).Seconds()
	n := last - first + 1
	fmt.Printf("flood %s: %d transactions committed (%d failed) in blocks %d-%d, %.1f s: %.0f tx/s; block time under load %.2f s, %.0f tx/block; sustained %.0f tx/s over blocks %d-%d\n",
		kind, len(hashes), failed, first, last, elapsed.Seconds(), float64(len(hashes))/elapsed.Seconds(), elapsed.Seconds()/float64(n),
		float64(len(hashes))/float64(n), sustained, first+1, last-1)
	if failed > 0 {
		return fmt.Errorf("%d transactions failed in their block", failed)
	}
	return nil
}
