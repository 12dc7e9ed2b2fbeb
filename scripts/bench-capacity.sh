#!/usr/bin/env bash
# Capacity model (make bench-capacity, ~5 min on 2 cores); writes docs/capacity.md (or
# $CAPACITY_OUT): measures the per-task verification costs (an h100 winner recomputed, a
# sensor batch through the sidecar's path on 2 cores, a task's committee draw and aggregation at
# 16 and 64 validators, blocks of 20-batch commit transactions, alone and with the batches'
# scores finalised, and of SubmitWork executed),
# runs the in-process committee networks of 16 and 64 validators, and turns them, with a
# running node's throughput from docs/benchmarks.md (make bench-node), into what 4-150
# validators verify and the load the target puts on the chain.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${CAPACITY_OUT:-docs/capacity.md}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== 1/3 per-task verification costs"
go test ./pkg/pow -run '^$' -bench 'BenchmarkVerifyWinner/h100' -benchtime 20x | tee "$WORK/bench.txt"
go test ./internal/sidecar -run '^$' -bench 'BenchmarkScoreBatchesInParallel/zip215' -cpu 2 -benchtime 40x | tee -a "$WORK/bench.txt"
go test ./x/oracle/keeper -run '^$' -bench 'BenchmarkCommitteeAggregation' -benchtime 10x | tee -a "$WORK/bench.txt"
go test ./app -run '^$' -bench 'BenchmarkBlockThroughput/(MsgCommitBatch_x20|MsgCommitBatch_x20_scored|MsgSubmitWork)$' -benchtime 20x -count 3 | tee -a "$WORK/bench.txt"
echo "== 2/3 in-process committee networks of 16 and 64 validators"
go test ./x/oracle/keeper -run 'TestCommitteeNetwork' -count 1 -v | tee "$WORK/network.txt"
echo "== 3/3 the model"
go run ./scripts/capacity -bench "$WORK/bench.txt" -network "$WORK/network.txt" -node docs/benchmarks.md \
  -commit "$(git rev-parse --short HEAD)" -out "$OUT"
echo "wrote $OUT"
