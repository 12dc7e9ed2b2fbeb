#!/usr/bin/env bash
# Chaos run (make chaos, ~6 min): a 4-validator testnet on loopback, each validator with its
# sidecar, plus a GPU provider agent and a sensor gateway; scripts/loadgen sends commit-batch
# and lease transactions at a fixed rate while this script
#   1. kills -9 node1, and restarts it 20 s later;
#   2. stops sidecar3 for 30 s (node3 votes without results meanwhile);
#   3. SIGSTOPs node2 for 30 s;
#   4. restarts the GPU agent.
# Then it verifies and prints: the restarted nodes caught up with equal app hashes, no block
# interval longer than 10 median block intervals, every transaction accepted by CheckTx was
# committed or reported (loadgen's table), no oracle task open past its deadline, and, with
# the testnet stopped, every node's invariants (no funds created or lost).
# Everything lives in $CHAOS_DIR (default ~/.thalamus-chaos); logs stay there afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${CHAOS_DIR:-$HOME/.thalamus-chaos}"
PAUSE="${CHAOS_PAUSE:-30}" # seconds each fault lasts

make --no-print-directory build build-devnet
go build -o build/loadgen ./scripts/loadgen

devnet() { build/devnet "$@" --dir "$DIR"; }
phase() { printf '\n=== %s: %s\n' "$(date +%T)" "$*"; }
height() { # node0's latest height
  build/thalamusd status --node tcp://127.0.0.1:26657 2>/dev/null |
    sed -n 's/.*"latest_block_height":"\([0-9]*\)".*/\1/p'
}
caught_up() { # every node past node0's height now, with equal app hashes
  devnet wait "$(( $(height) + 2 ))"
}
LOAD_PID=
cleanup() {
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null || true
  devnet stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

phase "starting 4 validators, 4 sidecars, a GPU agent and a sensor gateway in $DIR"
devnet stop >/dev/null 2>&1 || true
devnet testnet 4 --agents --allow-fetch 127.0.0.1:8190 # the load generator's in-process gateway
START=$(height)

phase "load generator started (log $DIR/loadgen.log)"
build/loadgen --home "$DIR/node0" --state-dir "$DIR/loadgen" --report "$DIR/load-report.json" >"$DIR/loadgen.log" 2>&1 &
LOAD_PID=$!
sleep "$PAUSE"

phase "kill -9 node1 (pid $(cat "$DIR/node1.pid"))"
kill -9 "$(cat "$DIR/node1.pid")"
sleep 20
devnet restart node1
caught_up

phase "stopping sidecar3 for ${PAUSE} s"
kill -TERM "$(cat "$DIR/sidecar3.pid")"
sleep "$PAUSE"
devnet restart sidecar3

phase "SIGSTOP node2 for ${PAUSE} s"
kill -STOP "$(cat "$DIR/node2.pid")"
sleep "$PAUSE"
kill -CONT "$(cat "$DIR/node2.pid")"
caught_up

phase "restarting the GPU agent"
devnet restart agent
sleep "$PAUSE"

phase "stopping the load; accounting for every transaction"
kill -TERM "$LOAD_PID"
LOAD_RC=0
wait "$LOAD_PID" || LOAD_RC=$?
LOAD_PID=
sed -n '/^message /,$p' "$DIR/loadgen.log"

phase "verifying the testnet from height $START"
VERIFY_RC=0
devnet verify --since "$START" --stall-blocks 10 --invariants || VERIFY_RC=$?

if [ "$LOAD_RC" -ne 0 ] || [ "$VERIFY_RC" -ne 0 ]; then
  phase "CHAOS RUN FAILED (loadgen exit $LOAD_RC, verify exit $VERIFY_RC); logs in $DIR"
  exit 1
fi
phase "chaos run passed; logs in $DIR"
