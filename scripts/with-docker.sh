#!/usr/bin/env bash
# Runs a command with a Docker engine available, as make test needs for the Docker runtime's
# live tests: uses the engine that answers, else installs Debian's docker.io when dockerd is
# missing and starts dockerd (rootful, default socket) for the command's duration, then stops
# it. THALAMUS_DOCKER=1 tells the tests an engine must answer (they fail, not skip, without).
# Where an engine can be neither found nor started, it says why and exits 1.
set -euo pipefail
export THALAMUS_DOCKER=1
# The live Docker tests read this: a new value each run keeps go test from answering them from
# its cache, since what they test (the engine) is outside the Go build.
THALAMUS_DOCKER_RUN=$(date +%s%N)
export THALAMUS_DOCKER_RUN
if docker info >/dev/null 2>&1; then
  exec "$@"
fi
began=$SECONDS
installed=""
if ! command -v dockerd >/dev/null; then
  echo "with-docker: installing Debian's docker.io (the Docker runtime's live tests need an engine)" >&2
  if [ "$(id -u)" != 0 ]; then
    echo "with-docker: not root: cannot install docker.io; install it, or run the tests as root" >&2
    exit 1
  fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io >/dev/null
  installed="installed in $((SECONDS - began)) s, "
fi
began=$SECONDS
if [ "$(id -u)" != 0 ]; then
  echo "with-docker: no Docker engine answers and dockerd needs root to start" >&2
  exit 1
fi
run=$(mktemp -d)
dockerd --pidfile "$run/dockerd.pid" >"$run/dockerd.log" 2>&1 &
started=$!
stop() {
  kill "$started" 2>/dev/null || true
  wait "$started" 2>/dev/null || true
  rm -rf "$run"
}
trap stop EXIT
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && break
  if ! kill -0 "$started" 2>/dev/null; then
    echo "with-docker: dockerd did not start:" >&2
    tail -20 "$run/dockerd.log" >&2
    exit 1
  fi
  sleep 0.5
done
docker info >/dev/null 2>&1 || { echo "with-docker: dockerd did not answer within 30 s" >&2; tail -20 "$run/dockerd.log" >&2; exit 1; }
echo "with-docker: dockerd $(docker version --format '{{.Server.Version}}') ${installed}started in $((SECONDS - began)) s, for this run" >&2
"$@" # its status is the script's; the EXIT trap stops dockerd either way
