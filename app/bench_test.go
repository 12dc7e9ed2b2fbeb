package app_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log"

	"github.com/cosmos/cosmos-sdk/baseapp"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	simtypes "github.com/cosmos/cosmos-sdk/types/simulation"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/thalamus-network/thalamus/app"
	"github.com/thalamus-network/thalamus/internal/benchgenesis"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

// blockTxs is the number of transactions in every benchmarked block: one per signer.
const blockTxs = 200

// throughputCase is one message type of BenchmarkBlockThroughput: its genesis additions,
// its setup transactions (signer i's messages, delivered in block 2, untimed) and the
// messages of the transaction signer i sends in benchmarked block n (n from 0); gas is per
// message.
type throughputCase struct {
	name    string
	gas     uint64
	genesis func(b *testing.B, a *app.App, g map[string]json.RawMessage, signers []simtypes.Account, blocks int) []banktypes.Balance
	setup   func(signers []simtypes.Account) [][]sdk.Msg
	msgs    func(signers []simtypes.Account, i, n, blocks int, blockTime time.Time) []sdk.Msg
	// inject, if set, returns what the proposer puts first in benchmarked block n (the extended
	// commit carrying the validators' oracle reports), read from the committed state; nil: nothing.
	inject func(b *testing.B, a *app.App, n int) []byte
}

// BenchmarkBlockThroughput delivers blocks of 200 signed transactions, each from its own
// account, through FinalizeBlock and Commit on the application store a node opens by default
// (PebbleDB, IAVL without the fast-node index: app.DefaultAppDBBackend), as a validator executes
// a decided block: ante handler (signature, sequence, gas), the message, the module
// Begin/EndBlockers and the IAVL commit. Consensus and networking cost the same whatever a
// transaction carries, so the ratio of each message's tx/s to bank MsgSend's is the
// message's cost on a node. Run by scripts/bench.sh; every transaction must succeed.
func BenchmarkBlockThroughput(b *testing.B) {
	for _, c := range []throughputCase{sendCase(), commitBatchCase(1, 600), commitBatchCase(20, 10), scoredCommitBatchCase(), createLeaseCase(), submitWorkCase()} {
		b.Run(c.name, func(b *testing.B) { runThroughput(b, c) })
	}
}

func runThroughput(b *testing.B, c throughputCase) {
	r := rand.New(rand.NewSource(1))
	signers := simtypes.RandomAccounts(r, blockTxs)
	a, err := app.New(log.NewNopLogger(), nodeDB(b), nil, true, simtestutil.NewAppOptionsWithFlagHome(b.TempDir()),
		baseapp.SetChainID(chainID), baseapp.SetIAVLDisableFastNode(app.DefaultIAVLDisableFastNode))
	require.NoError(b, err)
	genesis := genesisWithAccounts(b, a, signers)
	if c.genesis != nil {
		if extra := c.genesis(b, a, genesis, signers, b.N); len(extra) > 0 {
			var bank banktypes.GenesisState
			a.AppCodec().MustUnmarshalJSON(genesis[banktypes.ModuleName], &bank)
			bank.Balances = append(bank.Balances, extra...)
			for _, bal := range extra {
				bank.Supply = bank.Supply.Add(bal.Coins...)
			}
			genesis[banktypes.ModuleName] = a.AppCodec().MustMarshalJSON(&bank)
		}
	}
	stateBytes, err := json.Marshal(genesis)
	require.NoError(b, err)
	params := *simtestutil.DefaultConsensusParams
	block := *params.Block
	block.MaxGas = -1 // as in a genesis from thalamusd init: the sims' 100M would cap the 20-batch blocks
	params.Block = &block
	_, err = a.InitChain(&abci.RequestInitChain{ChainId: chainID, AppStateBytes: stateBytes, ConsensusParams: &params})
	require.NoError(b, err)

	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	blockTime := func(h int64) time.Time { return t0.Add(time.Duration(h) * time.Second) }
	accNums, seqs := make([]uint64, len(signers)), make([]uint64, len(signers))
	signed := func(i int, msgs []sdk.Msg) []byte {
		tx, err := simtestutil.GenSignedMockTx(r, a.TxConfig(), msgs, sdk.NewCoins(), c.gas*uint64(len(msgs)), chainID,
			[]uint64{accNums[i]}, []uint64{seqs[i]}, signers[i].PrivKey)
		require.NoError(b, err)
		bz, err := a.TxConfig().TxEncoder()(tx)
		require.NoError(b, err)
		seqs[i]++
		return bz
	}
	deliver := func(h int64, txs [][]byte) {
		res, err := a.FinalizeBlock(&abci.RequestFinalizeBlock{Height: h, Time: blockTime(h), Txs: txs})
		if err != nil {
			b.Fatal(err)
		}
		for i, tr := range res.TxResults {
			if tr.Code != 0 && (i != 0 || !bytes.HasPrefix(txs[0], oracletypes.ExtensionMarker)) { // the injected commit is no transaction
				b.Fatalf("block %d tx %d: code %d: %s", h, i, tr.Code, tr.Log)
			}
		}
		if _, err := a.Commit(); err != nil {
			b.Fatal(err)
		}
	}

	deliver(1, nil) // genesis accounts get their numbers in InitChain; read them once committed
	ctx := a.NewContextLegacy(true, cmtproto.Header{Height: 1, ChainID: chainID})
	for i, s := range signers {
		accNums[i] = a.AccountKeeper.GetAccount(ctx, s.Address).GetAccountNumber()
	}
	var setup [][]byte
	if c.setup != nil {
		for i, msgs := range c.setup(signers) {
			setup = append(setup, signed(i, msgs))
		}
	}
	deliver(2, setup)

	b.ResetTimer()
	msgs := 0
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		h := int64(n + 3)
		txs := make([][]byte, len(signers))
		for i := range signers {
			m := c.msgs(signers, i, n, b.N, blockTime(h))
			txs[i] = signed(i, m)
			msgs += len(m)
		}
		if c.inject != nil {
			if commit := c.inject(b, a, n); commit != nil {
				txs = append([][]byte{commit}, txs...)
			}
		}
		b.StartTimer()
		deliver(h, txs)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*blockTxs)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msg/s")
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/block")
}

// nodeDB opens the application database a node opens by default (app.DefaultAppDBBackend).
func nodeDB(b *testing.B) dbm.DB {
	db, err := dbm.NewDB("application", dbm.BackendType(app.DefaultAppDBBackend), b.TempDir())
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	return db
}

// sendCase: bank MsgSend of 1 uthal to the next signer, the baseline.
func sendCase() throughputCase {
	return throughputCase{name: "MsgSend", gas: 200_000,
		msgs: func(signers []simtypes.Account, i, _, _ int, _ time.Time) []sdk.Msg {
			to := signers[(i+1)%len(signers)].Address
			return []sdk.Msg{banktypes.NewMsgSend(signers[i].Address, to, sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 1)))}
		}}
}

// deviceKey is signer i's sensor device key.
func deviceKey(i int) ed25519.PrivateKey {
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("bench-device"), uint64(i)))
	return ed25519.NewKeyFromSeed(seed[:])
}

// commitBatchCase: each signer registers perTx weather stations in block 2 (a gateway for
// perTx devices), then commits each station's next batch of `readings` readings in every
// block, perTx batches in its one transaction; each batch also opens its oracle task.
// (1, 600): a station committing 10 minutes at 1 Hz itself; (20, 10): a gateway committing
// 20 devices' 10 minutes at one reading a minute, the capacity model's device.
func commitBatchCase(perTx int, readings uint32) throughputCase {
	name := "MsgCommitBatch"
	if perTx > 1 {
		name = fmt.Sprintf("MsgCommitBatch_x%d", perTx)
	}
	return throughputCase{name: name, gas: 400_000,
		setup: func(signers []simtypes.Account) [][]sdk.Msg {
			msgs := make([][]sdk.Msg, len(signers))
			for i, s := range signers {
				for j := range perTx {
					key := deviceKey(i*perTx + j)
					msgs[i] = append(msgs[i], &sensorstypes.MsgRegisterDevice{
						Owner: s.Address.String(), PubKey: key.Public().(ed25519.PublicKey),
						PossessionSig: ed25519.Sign(key, sensorstypes.PossessionSignBytes(chainID, s.Address.String())),
						Kind:          sensorstypes.KindWeather, SamplingInterval: time.Second,
						Channels: []sensorstypes.Channel{{Name: "temperature_c", Unit: "C", Min: "-60", Max: "70"}},
					})
				}
			}
			return msgs
		},
		msgs: func(signers []simtypes.Account, i, n, blocks int, blockTime time.Time) []sdk.Msg {
			s := signers[i]
			msgs := make([]sdk.Msg, perTx)
			for j := range msgs {
				id, seq := uint64(i*perTx+j+1), uint64(n+1) // devices registered in signer, then message order
				root := sha256.Sum256(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, id), seq))
				last := blockTime.Add(-time.Duration(blocks-n) * time.Hour).UnixMilli() // each batch an hour after the last
				msgs[j] = &sensorstypes.MsgCommitBatch{
					Committer: s.Address.String(), DeviceId: id, Seq: seq, Root: root[:], Count: readings,
					FirstReadingMs: last - int64(readings-1)*1000, LastReadingMs: last, SizeBytes: uint64(readings) * 120,
					Uri: fmt.Sprintf("http://gateway.example.org/v1/batches/%d/%d", id, seq),
				}
			}
			return msgs
		}}
}

// scoredCommitBatchCase is commitBatchCase(20, 10) with the validators' verdicts: every
// block also carries the extended commit of the one validator, scoring every batch of the
// gateways' tasks opened in the block before, so x/oracle finalises them and x/sensors and
// x/rewards record each batch's score, the device's quality and the owner's reward: a
// batch's life on chain, commitment and scoring, but for its pruning 14 days later.
func scoredCommitBatchCase() throughputCase {
	c := commitBatchCase(20, 10)
	c.name = "MsgCommitBatch_x20_scored"
	c.genesis = func(b *testing.B, a *app.App, g map[string]json.RawMessage, _ []simtypes.Account, _ int) []banktypes.Balance {
		var gs oracletypes.GenesisState
		a.AppCodec().MustUnmarshalJSON(g[oracletypes.ModuleName], &gs)
		gs.Params.MaxTasksPerVoteExtension = 2 * blockTxs // one task per gateway transaction
		g[oracletypes.ModuleName] = a.AppCodec().MustMarshalJSON(&gs)
		return nil
	}
	reported := map[uint64]oracletypes.TaskItem{} // a task reported on in the last block: its first batch
	c.inject = func(b *testing.B, a *app.App, n int) []byte {
		if n == 0 { // a new run: nothing reported yet
			clear(reported)
		}
		ctx := a.NewContextLegacy(true, cmtproto.Header{Height: a.LastBlockHeight(), ChainID: chainID})
		for id, item := range reported { // the last block's reports must have scored their batches
			open, err := a.OracleKeeper.OpenTasks.Has(ctx, id)
			require.NoError(b, err)
			require.False(b, open, "task %d was not finalised on its report", id)
			batch, err := a.SensorsKeeper.GetBatch(ctx, item.SubjectId, item.SubjectSeq)
			require.NoError(b, err)
			require.Equal(b, sensorstypes.BATCH_STATUS_SCORED, batch.Status, "batch %d of device %d", item.SubjectSeq, item.SubjectId)
		}
		clear(reported)
		vals, err := a.StakingKeeper.GetAllValidators(ctx)
		require.NoError(b, err)
		require.Len(b, vals, 1)
		consAddr, err := vals[0].GetConsAddr()
		require.NoError(b, err)
		var ve oracletypes.OracleVoteExtension
		require.NoError(b, a.OracleKeeper.OpenTasks.Walk(ctx, nil, func(id uint64) (bool, error) {
			task, err := a.OracleKeeper.Tasks.Get(ctx, id)
			if err != nil {
				return true, err
			}
			items := make([]oracletypes.ItemScore, len(task.Items))
			for i := range items {
				items[i].Score = 9_000
			}
			ve.Reports = append(ve.Reports, &oracletypes.TaskReport{TaskId: id, Items: items})
			reported[id] = task.Items[0]
			return false, nil
		}))
		if len(ve.Reports) == 0 {
			return nil
		}
		extension, err := ve.Marshal()
		require.NoError(b, err)
		commit := abci.ExtendedCommitInfo{Votes: []abci.ExtendedVoteInfo{{
			Validator:     abci.Validator{Address: consAddr, Power: vals[0].ConsensusPower(sdk.DefaultPowerReduction)},
			VoteExtension: extension, BlockIdFlag: cmtproto.BlockIDFlagCommit,
		}}}
		bz, err := commit.Marshal()
		require.NoError(b, err)
		return append(slices.Clone(oracletypes.ExtensionMarker), bz...)
	}
	return c
}

// benchProviders adds benchgenesis.Providers of the catalogue's first class to the genesis and
// returns the x/compute module account's balance: the providers' collateral.
func benchProviders(a *app.App, g map[string]json.RawMessage, providers []string, gpus int, challenges bool) []banktypes.Balance {
	cdc := a.AppCodec()
	var gs computetypes.GenesisState
	cdc.MustUnmarshalJSON(g[computetypes.ModuleName], &gs)
	held := benchgenesis.Providers(&gs, app.BondDenom, gs.Params.GpuClasses[0], providers, gpus, challenges)
	g[computetypes.ModuleName] = cdc.MustMarshalJSON(&gs)
	return []banktypes.Balance{{Address: authtypes.NewModuleAddress(computetypes.ModuleName).String(), Coins: held}}
}

// createLeaseCase: 200 providers (max_gpus_per_provider allows 256 GPUs each) each offer
// one GPU per benchmarked block at their own price; every signer leases one GPU for an hour
// matched by class (the cheapest offer with a free GPU), with escrow.
func createLeaseCase() throughputCase {
	providers := make([]string, blockTxs)
	for p := range providers {
		providers[p] = benchgenesis.KeylessProvider(p)
	}
	return throughputCase{name: "MsgCreateLease", gas: 1_000_000,
		genesis: func(b *testing.B, a *app.App, g map[string]json.RawMessage, _ []simtypes.Account, blocks int) []banktypes.Balance {
			return benchProviders(a, g, providers, blocks, false)
		},
		msgs: func(signers []simtypes.Account, i, _, _ int, _ time.Time) []sdk.Msg {
			return []sdk.Msg{&computetypes.MsgCreateLease{Tenant: signers[i].Address.String(), Class: computetypes.DefaultParams().GpuClasses[0], Gpus: 1, Hours: 1,
				Deposit: sdk.NewInt64Coin(app.BondDenom, 400_000)}}
		}}
}

// submitWorkCase: every signer is a provider with one open proof-of-work challenge per
// benchmarked block, and answers one challenge (4 winners) per block.
func submitWorkCase() throughputCase {
	return throughputCase{name: "MsgSubmitWork", gas: 400_000,
		genesis: func(b *testing.B, a *app.App, g map[string]json.RawMessage, signers []simtypes.Account, blocks int) []banktypes.Balance {
			providers := make([]string, len(signers))
			for i, s := range signers {
				providers[i] = s.Address.String()
			}
			return benchProviders(a, g, providers, blocks, true)
		},
		msgs: func(signers []simtypes.Account, i, n, blocks int, _ time.Time) []sdk.Msg {
			winners := make([]computetypes.PowWinner, 4)
			for w := range winners {
				winners[w] = computetypes.PowWinner{Nonce: uint64(w * 1000)}
			}
			return []sdk.Msg{&computetypes.MsgSubmitWork{Provider: signers[i].Address.String(), ChallengeId: uint64(i*blocks + n + 1), // signer i's challenges follow signer i-1's
				NoncesTried: 1 << 20, Winners: winners,
				Telemetry: computetypes.Telemetry{GpuUtilizationPct: 98, MaxTemperatureC: 71}}}
		}}
}
