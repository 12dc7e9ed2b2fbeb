#!/usr/bin/env bash
# Regenerates all Go code from proto/ with protoc (Debian) and pinned Go plugins.
# Needs only Debian packages and the Go module proxy: see `make proto-tools`.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in protoc protoc-gen-gocosmos protoc-gen-grpc-gateway; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run 'make proto-tools' (and put \$(go env GOPATH)/bin on PATH)" >&2; exit 1; }
done

# the module's own pinned versions of the proto sources (downloaded if missing)
mod() { go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }
SDK=$(mod github.com/cosmos/cosmos-sdk)
GOGO=$(mod github.com/cosmos/gogoproto)
CPROTO=$(mod github.com/cosmos/cosmos-proto)
GW=$(mod github.com/grpc-ecosystem/grpc-gateway)
INCLUDE=/usr/include
[ -f "$INCLUDE/google/protobuf/descriptor.proto" ] || { echo "google/protobuf includes missing: apt-get install libprotobuf-dev" >&2; exit 1; }

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# gogoproto wants one protoc run per Go package (one proto directory each).
mapfile -t dirs < <(find proto -name '*.proto' -exec dirname {} \; | sort -u)
for dir in "${dirs[@]}"; do
  echo "generating $dir"
  protoc -I proto -I "$SDK/proto" -I "$GOGO" -I "$CPROTO/proto" -I "$GW/third_party/googleapis" -I "$INCLUDE" \
    --gocosmos_out=plugins=grpc,Mgoogle/protobuf/any.proto=github.com/cosmos/gogoproto/types/any:"$OUT" \
    --grpc-gateway_out=logtostderr=true,allow_colon_final_segments=true:"$OUT" \
    "$dir"/*.proto
done

cp -r "$OUT"/github.com/thalamus-network/thalamus/* ./
echo "generated code written under x/"
