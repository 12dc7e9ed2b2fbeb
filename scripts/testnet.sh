#!/usr/bin/env bash
# Multi-validator testnet on loopback; node i serves RPC 26657+100*i, REST 1317+100*i,
# gRPC 9090+100*i, P2P 26656+100*i. Homes, logs and pid files live in ~/.thalamus-testnet.
#   scripts/testnet.sh N        start N validators in the background (default 4)
#   scripts/testnet.sh wait H   wait until every node passes height H and compare app hashes
#   scripts/testnet.sh join     add one full node that state-syncs from the validators' snapshots
#                               (from height 100: they take one every 50 blocks); with -validator
#                               it then bonds as a validator with its own sidecar
#   scripts/testnet.sh stop     stop them
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/devnet ] || make --no-print-directory build build-devnet
case "${1:-4}" in
  stop) shift; exec build/devnet stop "$@" ;;
  wait) shift; exec build/devnet wait "$@" ;;
  join) shift; exec build/devnet join "$@" ;;
  -h|--help) exec build/devnet --help ;;
  *)
    n="${1:-4}"; [ $# -gt 0 ] && shift
    make --no-print-directory build build-devnet
    exec build/devnet testnet "$n" "$@" ;;
esac
