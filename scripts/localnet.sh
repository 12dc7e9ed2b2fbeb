#!/usr/bin/env bash
# Starts a one-validator Thalamus localnet from config.yml in a throwaway home
# (~/.thalamus-localnet unless --home DIR is given) and keeps it in the foreground.
# Ctrl-C stops every process it started. Extra flags go to `devnet localnet` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build build-devnet
exec build/devnet localnet "$@"
