#!/usr/bin/env bash
# Regenerates clients/ts/src/gen from proto/ with protoc (Debian) and protoc-gen-es from the
# client's locked npm dependencies: the same offline generation as the Go code
# (scripts/protocgen.sh), plus every file our protos import, so the output is self-contained.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc >/dev/null || { echo "missing protoc: apt-get install protobuf-compiler libprotobuf-dev" >&2; exit 1; }
[ -x clients/ts/node_modules/.bin/protoc-gen-es ] || (cd clients/ts && npm ci --no-audit --no-fund)

mod() { go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }
SDK=$(mod github.com/cosmos/cosmos-sdk)
GOGO=$(mod github.com/cosmos/gogoproto)
CPROTO=$(mod github.com/cosmos/cosmos-proto)
GW=$(mod github.com/grpc-ecosystem/grpc-gateway)
ROOTS=(proto "$SDK/proto" "$GOGO" "$CPROTO/proto" "$GW/third_party/googleapis")
INCLUDES=()
for r in "${ROOTS[@]}"; do INCLUDES+=(-I "$r"); done

# The thalamus protos and, transitively, what they import (google/protobuf comes with
# @bufbuild/protobuf's well-known types).
locate() { for r in "${ROOTS[@]}"; do [ -f "$r/$1" ] && { echo "$r/$1"; return; }; done; echo "cannot find $1" >&2; exit 1; }
declare -A seen
queue=($(cd proto && find thalamus -name '*.proto' | sort))
files=()
while [ ${#queue[@]} -gt 0 ]; do
  f=${queue[0]}; queue=("${queue[@]:1}")
  [ -n "${seen[$f]:-}" ] && continue
  seen[$f]=1; files+=("$f")
  for dep in $(sed -n 's/^import "\(.*\)";/\1/p' "$(locate "$f")"); do
    case $dep in google/protobuf/*) ;; *) queue+=("$dep") ;; esac
  done
done

OUT=clients/ts/src/gen
rm -rf "$OUT" && mkdir -p "$OUT"
protoc "${INCLUDES[@]}" -I /usr/include \
  --plugin=protoc-gen-es=clients/ts/node_modules/.bin/protoc-gen-es \
  --es_out="$OUT" --es_opt=target=ts,import_extension=js \
  "${files[@]}"
echo "generated ${#files[@]} files under $OUT"
