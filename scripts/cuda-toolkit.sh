#!/usr/bin/env bash
# Installs Debian's CUDA 11.8 toolkit (nvcc, ptxas; contrib and non-free components of the
# Debian mirror the machine already uses), for regenerating the proof-of-work kernels' PTX
# (make cuda). About 1 GB to download; never needed to build, test or run Thalamus.
set -euo pipefail
if command -v nvcc >/dev/null && nvcc --version | grep -q 'release 11.8'; then
  exit 0
fi
SRC=/etc/apt/sources.list.d/thalamus-cuda.sources
if [ ! -f "$SRC" ]; then
  cat >"$SRC" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nvidia-cuda-toolkit
nvcc --version
