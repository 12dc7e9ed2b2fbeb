#!/usr/bin/env bash
# State-growth benchmarks (make bench-growth; on 2 cores the 1M states take 1-15 min each to
# seed, x/compute's over 35 min, with up to ~5 GB of memory):
# every message of x/compute, x/sensors and x/rewards, and x/oracle's per-block vote
# aggregation, against 1k, 10k, 100k and 1M records of what each touches
# (BenchmarkStateGrowth in each module's keeper package; THALAMUS_GROWTH_SIZES=1000,10000
# for a quick look), written to docs/state-growth.md (or $GROWTH_OUT) with each message's
# 1M/1k cost ratio: no message may grow faster than the log of the state.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${GROWTH_OUT:-docs/state-growth.md}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

for m in sensors compute oracle rewards; do
  echo "== x/$m"
  go test "./x/$m/keeper" -run '^$' -bench 'BenchmarkStateGrowth' -benchtime 1000x -timeout 90m | tee -a "$WORK/bench.txt"
done
go run ./scripts/growth -bench "$WORK/bench.txt" -commit "$(git rev-parse --short HEAD)" -out "$OUT"
echo "wrote $OUT"
