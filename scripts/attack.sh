#!/usr/bin/env bash
# Attack run (make attack, ~5 min): starts a fresh localnet whose sidecar may also fetch from
# the attacker's two servers (standing in for public hosts), runs scripts/attack against it,
# prints the table attack | expected | observed and exits non-zero on any miss. The localnet
# is stopped at the end; its logs stay in $DIR/logs.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${ATTACK_HOME:-$HOME/.thalamus-attack}"
ATTACKER=127.0.0.1:8099
ATTACKER_TLS=127.0.0.1:8098

make --no-print-directory build build-devnet
go build -o build/attack ./scripts/attack
build/devnet localnet --home "$DIR" --allow-fetch "$ATTACKER" --allow-fetch "$ATTACKER_TLS" >"$DIR.log" 2>&1 &
LOCALNET=$!
trap 'kill -INT $LOCALNET 2>/dev/null; wait $LOCALNET 2>/dev/null || true' EXIT

# The tenant's lease of the localnet is made once both providers offer: then everything runs.
for _ in $(seq 1 120); do
  grep -q "tenant leased" "$DIR.log" 2>/dev/null && break
  kill -0 $LOCALNET 2>/dev/null || { tail -20 "$DIR.log"; exit 1; }
  sleep 1
done
grep -q "tenant leased" "$DIR.log" || { echo "the localnet did not come up; see $DIR.log" >&2; exit 1; }
build/attack --home "$DIR" --attacker "$ATTACKER" --attacker-tls "$ATTACKER_TLS" \
  --agent-binary "$PWD/build/devnet-bin/thalamus-agent" "$@"
