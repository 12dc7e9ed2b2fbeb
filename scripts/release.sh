#!/usr/bin/env bash
# Release binaries (make release): thalamusd, thalamus-sidecar and thalamus-agent for this
# machine's GOOS/GOARCH, built so that anyone with the same commit and Go version gets the same
# bytes: -trimpath (no folder names), -buildvcs=false and a fixed empty build id (nothing from
# the machine or the time), version and commit from git. thalamusd and the sidecar are static
# (CGO_ENABLED=0); the agent links NVML through cgo, so it needs a C compiler, and the same one
# for the same bytes. Writes $RELEASE_DIR (default build/release) with SHA256SUMS.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${RELEASE_DIR:-build/release}"
GO="${GO:-go}"
VERSION="$(git describe --tags --always --dirty)"
COMMIT="$(git rev-parse HEAD)"
case "$VERSION" in *-dirty) echo "release: the working tree has uncommitted changes; a release is built from a commit" >&2; exit 1 ;; esac

# build NAME CGO: the binary ./cmd/NAME into $OUT; `NAME version --long` names this release.
build() {
  local ldflags="-buildid= -X github.com/cosmos/cosmos-sdk/version.Name=thalamus \
 -X github.com/cosmos/cosmos-sdk/version.AppName=$1 \
 -X github.com/cosmos/cosmos-sdk/version.Version=$VERSION \
 -X github.com/cosmos/cosmos-sdk/version.Commit=$COMMIT"
  CGO_ENABLED="$2" CGO_CFLAGS="-O2 -Wno-deprecated-declarations" \
    "$GO" build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$OUT/$1" "./cmd/$1"
}

rm -rf "$OUT" && mkdir -p "$OUT"
echo "release $VERSION ($COMMIT) with $($GO env GOVERSION) for $($GO env GOOS)/$($GO env GOARCH) into $OUT"
build thalamusd 0
build thalamus-sidecar 0
build thalamus-agent 1
(cd "$OUT" && sha256sum thalamusd thalamus-sidecar thalamus-agent > SHA256SUMS && cat SHA256SUMS)
