#!/usr/bin/env bash
# Throughput benchmarks (make bench-node, ~14 min on 2 cores); writes docs/benchmarks.md
# (or $BENCH_OUT) with the machine and commit they ran on:
#   1. execution: blocks of 200 signed transactions of bank MsgSend, commit-batch,
#      create-lease and submit-work through FinalizeBlock + Commit on PebbleDB (the node default)
#      (app.BenchmarkBlockThroughput), as tx/s and as a ratio to MsgSend;
#   2. a running single-validator node (with its sidecar): 5,000 pre-signed transactions of
#      each kind broadcast at once (scripts/loadgen --flood), three alternating rounds, on a
#      genesis holding the GPUs, offers and open challenges create-lease and submit-work need
#      (loadgen --bench-genesis): committed tx/s and block time under load;
#   3. state bytes per committed reading (x/sensors BenchmarkCommitBatch);
#   4. the sidecar: GPU challenge verifications and sensor batches scored per second.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${BENCH_OUT:-docs/benchmarks.md}"
DIR="${BENCH_DIR:-$HOME/.thalamus-bench}"
BLOCKS="${BENCH_BLOCKS:-20}"
WORK="$(mktemp -d)"
trap 'build/devnet stop --dir "$DIR" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

make --no-print-directory build build-devnet
go build -o build/loadgen ./scripts/loadgen

echo "== 1/4 block execution ($BLOCKS blocks of 200 txs per message)"
go test ./app -run '^$' -bench 'BenchmarkBlockThroughput' -benchtime "${BLOCKS}x" -timeout 30m | tee "$WORK/abci.txt"
echo "== 2/4 single node under a flood of transactions"
build/devnet stop --dir "$DIR" >/dev/null 2>&1 || true
KINDS="send commit-batch gateway-batches create-lease submit-work"
build/devnet testnet 1 --dir "$DIR" --genesis-hook "$PWD/build/loadgen --flood-accounts 100 --flood-txs 50 --flood-rounds 3 --bench-genesis" \
  >"$WORK/testnet.log"
for round in 1 2 3; do # alternating, so every kind sees the same node state and machine noise
  for kind in $KINDS; do
    build/loadgen --home "$DIR/node0" --flood "$kind" --flood-round "$round" --flood-accounts 100 --flood-txs 50 \
      2>>"$WORK/flood-$kind.log" | tee -a "$WORK/flood.txt"
  done
done
build/devnet stop --dir "$DIR" >/dev/null
echo "== 3/4 state per reading"
go test ./x/sensors/keeper -run '^$' -bench 'BenchmarkCommitBatch$' | tee "$WORK/state.txt"
echo "== 4/4 sidecar"
go test ./internal/sidecar -run '^$' -bench 'BenchmarkVerifyChallenge|BenchmarkScoreBatch$/zip215' | tee "$WORK/sidecar.txt"

# metric FILE BENCH UNIT: the value before UNIT on BENCH's line.
metric() { awk -v b="$2" -v u="$3" '$1 ~ b { for (i = 2; i <= NF; i++) if ($i == u) print $(i-1) }' "$1" | head -1; }
# flood KIND: the median round (by sustained rate): sustained tx/s, overall tx/s, block time, tx per block.
flood() {
  grep "^flood $1:" "$WORK/flood.txt" |
    sed -n "s/.*: \([0-9]*\) tx\/s; block time under load \([0-9.]*\) s, \([0-9]*\) tx\/block; sustained \([0-9]*\) tx\/s.*/\4 \1 \2 \3/p" |
    sort -n | sed -n 2p
}
send_tps=$(metric "$WORK/abci.txt" '/MsgSend-' 'tx/s')
# The hand-written module figures after the marker line survive a rerun.
kept=$(sed -n '/^<!-- bench.sh keeps everything from this line on/,$p' "$OUT" 2>/dev/null || true)
dirty=$(git diff --quiet HEAD -- . ':!*.md' || echo ' (with uncommitted changes)') # documentation does not change the figures
{
  echo "# Benchmarks"
  echo
  echo "Written by \`scripts/bench.sh\` (\`make bench-node\`); rerun it to refresh. Figures from one run:"
  echo
  echo "- commit: \`$(git rev-parse --short HEAD)\`$dirty, $(date -u +%Y-%m-%d)"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3)"
  echo
  echo "## Block execution by message"
  echo
  echo "Blocks of 200 signed transactions, each from its own account, delivered through"
  echo "FinalizeBlock and Commit on PebbleDB, IAVL without fast nodes (the node default): ante handler (signature, sequence, gas), the message,"
  echo "Begin/EndBlockers, IAVL hashing and commit. Consensus, gossip and CheckTx cost the same whatever"
  echo "a transaction carries and are left out (section 2 has them). $BLOCKS blocks per message."
  echo
  echo "| message | tx/s | ms per block | ratio to MsgSend |"
  echo "|---|---:|---:|---:|"
  for m in MsgSend MsgCommitBatch MsgCreateLease MsgSubmitWork; do
    tps=$(metric "$WORK/abci.txt" "/$m-" 'tx/s')
    ms=$(metric "$WORK/abci.txt" "/$m-" 'ms/block')
    echo "| $m | $tps | $ms | $(awk -v a="$tps" -v b="$send_tps" 'BEGIN { printf "%.2f", a / b }') |"
  done
  echo
  echo "What each does: MsgSend moves 1 uthal to another signer. MsgCommitBatch commits the next"
  echo "600-reading batch of the signer's station (its record and the device's stats; EndBlock opens"
  echo "the committer's oracle task and queues its retention). MsgCreateLease matches the cheapest of 200 offers by class, picks"
  echo "the GPU, escrows the deposit and writes the lease and its indexes. MsgSubmitWork answers one of"
  echo "the signer's open proof-of-work challenges (4 winners) and opens its verification task."
  echo
  echo "A gateway's transaction of 20 MsgCommitBatch (20 devices' 10-reading batches, the capacity model's"
  echo "device): $(metric "$WORK/abci.txt" '/MsgCommitBatch_x20-' 'msg/s') batch commitments/s, $(metric "$WORK/abci.txt" '/MsgCommitBatch_x20-' 'ms/block') ms per block of 200 such transactions;"
  echo "$(metric "$WORK/abci.txt" '/MsgCommitBatch_x20_scored-' 'msg/s') batches/s when each block also finalises the scores of the block before (the validator's"
  echo "extended commit injected: each batch's record, its device's stats and its owner's reward written again)."
  echo
  echo "## A running node under load"
  echo
  echo "One validator with its sidecar (\`devnet testnet 1\`, 1 s timeout_commit); 100 accounts each"
  echo "broadcast 50 pre-signed transactions at once (5,000: CometBFT's default mempool size). Throughput"
  echo "is measured from the flood's blocks: sustained, the transactions of the blocks between the first and"
  echo "the last (which are full) over their time, and overall, every transaction over the time from the block"
  echo "before the first to the last; the first and last blocks catch the flood's ramp up and tail, and a"
  echo "flood fills only 5-7 blocks. It includes CheckTx, the mempool and consensus. Three rounds of each,"
  echo "alternating; the table has the median round by sustained rate (all rounds are in the raw output)."
  echo
  echo "| transactions | sustained tx/s | ratio to MsgSend | overall tx/s | block time under load (s) | tx per block |"
  echo "|---|---:|---:|---:|---:|---:|"
  declare -A msg=([send]=MsgSend [commit-batch]=MsgCommitBatch [gateway-batches]="MsgCommitBatch x20" [create-lease]=MsgCreateLease [submit-work]=MsgSubmitWork)
  read -r s_tps _ <<<"$(flood send)"
  for kind in $KINDS; do
    read -r tps all bt tpb <<<"$(flood "$kind")"
    echo "| ${msg[$kind]} | $tps | $(awk -v a="$tps" -v b="$s_tps" 'BEGIN { printf "%.2f", a / b }') | $all | $bt | $tpb |"
  done
  echo
  echo "The genesis holds 200 providers' offers with 75 GPUs each for the create-lease floods, and"
  echo "makes each submit-work flood account a provider with 50 GPUs and 50 open challenges; the"
  echo "submit-work transactions carry a real proof of work, which the sidecar verifies. Each flood"
  echo "waits until the oracle has no open task, so it does not pay for the tasks the one before it"
  echo "opened (commit-batch's tasks expire: nothing serves those batches). MsgCommitBatch x20 is a"
  echo "gateway's transaction: each account commits 20 stations' 10-reading batches per transaction"
  echo "(100,000 batch commitments a flood, which fills only 3-4 blocks: its rounds vary the most)."
  echo
  echo "## State and the sidecar"
  echo
  echo "| figure | value |"
  echo "|---|---:|"
  echo "| x/sensors state per committed reading (1,000-reading batches; key + value bytes) | $(metric "$WORK/state.txt" 'BenchmarkCommitBatch' 'state-bytes/reading') B |"
  echo "| x/sensors state per committed batch | $(metric "$WORK/state.txt" 'BenchmarkCommitBatch' 'state-bytes/batch') B |"
  echo "| sidecar: GPU challenges verified per second (devnet preset, 8 samples) | $(metric "$WORK/sidecar.txt" 'BenchmarkVerifyChallenge' 'challenges/s') |"
  echo "| sidecar: 1,000-reading batches fetched, verified (ZIP-215 batch verification) and scored per second, one at a time | $(metric "$WORK/sidecar.txt" 'BenchmarkScoreBatch/zip215' 'batches/s') |"
  echo "| sidecar: readings per second through the same path | $(metric "$WORK/sidecar.txt" 'BenchmarkScoreBatch/zip215' 'readings/s') |"
  echo
  echo "## Raw output"
  echo
  echo '```'
  cat "$WORK/abci.txt" "$WORK/flood.txt" "$WORK/state.txt" "$WORK/sidecar.txt" | grep -E '^(Benchmark|flood|cpu:)'
  echo '```'
  if [ -n "$kept" ]; then echo; echo "$kept"; fi
} >"$OUT"
echo "wrote $OUT"
