#!/usr/bin/env bash
# make test-web: the TypeScript client's and the web console's tests.
#   1. npm ci (committed lockfiles), the client's and the console's unit tests (vitest), and the
#      client built as a dApp imports it (dist/);
#   2. the console rebuilt from source must equal the committed web/dist;
#   3. the browser tests (e2e/console.e2e.ts) in Debian's Chromium, installed if missing,
#      against a fresh localnet (the localnet's ports must be free), screenshots of every page
#      in build/web-screenshots (SCREENSHOTS overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Debian's Node.js and npm for the TypeScript builds, its Chromium for the browser tests.
missing=()
for cmd in node npm chromium; do command -v "$cmd" >/dev/null || missing+=("$cmd"); done
if [ ${#missing[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${missing[@]}" | sed 's/^node$/nodejs/' | tr '\n' ' ')
  echo "test-web: installing Debian's $pkgs" >&2
  [ "$(id -u)" = 0 ] || { echo "test-web: not root: apt-get install $pkgs, then run again" >&2; exit 1; }
  apt-get update -q >/dev/null
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs >/dev/null
fi

(cd clients/ts && npm ci --no-audit --no-fund --loglevel=error && npm test && npm run build)
(cd web && npm ci --no-audit --no-fund --loglevel=error && npm test && npm run build)
# against the index, so a build staged for the next commit counts
if ! git diff --quiet -- web/dist || [ -n "$(git ls-files --others --exclude-standard -- web/dist)" ]; then
  git status --short -- web/dist >&2
  echo "test-web: web/dist differs from a build of web/: run 'make web' and commit web/dist" >&2
  exit 1
fi

work=$(mktemp -d)
build/devnet localnet --home "$work/home" --console web/dist >"$work/localnet.log" 2>&1 &
localnet=$!
stop() {
  kill -INT "$localnet" 2>/dev/null || true
  wait "$localnet" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT
for _ in $(seq 1 180); do
  curl -fsS -o /dev/null http://127.0.0.1:8088/config.json 2>/dev/null && curl -fsS -o /dev/null http://127.0.0.1:1317/cosmos/base/tendermint/v1beta1/blocks/latest 2>/dev/null && break
  kill -0 "$localnet" 2>/dev/null || { tail -30 "$work/localnet.log" >&2; echo "test-web: the localnet stopped" >&2; exit 1; }
  sleep 1
done
export SCREENSHOTS=${SCREENSHOTS:-$root/build/web-screenshots}
(cd web && npx vitest run --config e2e/vitest.config.ts) || { tail -40 "$work/localnet.log" >&2; exit 1; }
echo "test-web: screenshots in $SCREENSHOTS"
