#!/usr/bin/env bash
# The GPU check of the CUDA proof-of-work backend, in two halves:
#
#   scripts/gpu-check.sh build   (here, with Go; make gpu-check) builds into build/gpu-check
#                                the test binary of pkg/pow/cuda, gpucheck (the offline
#                                pow solve, pow verify and gpu inspect of thalamus-agent and
#                                thalamus-sidecar, without the chain: ~15 MB in all) and
#                                this script;
#   build/gpu-check/gpu-check.sh run [OUT]   (on the GPU machine: a driver, no Go needed)
#                                runs, within ~5 minutes, and writes OUT/report.md (default .):
#     1. bit equality: every winner and a random sample of other nonces of several batches
#        for the test, devnet and h200 presets (both kernels), against the CPU reference on
#        all cores;
#     2. nonces/s and int8 TOPS at the h100 and h200 presets, as a share of the dense peak,
#        each tensor-core step kernel checked against the dp4a one and timed,
#        and regenerating a layer against reading it against the step that uses it;
#     3. a challenge solved with --backend cuda and accepted by thalamus-sidecar pow verify;
#     4. thalamus-agent gpu inspect.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

build() {
  cd "$here/.."
  [ -f go.mod ] || cd ..
  out=build/gpu-check
  rm -rf "$out"
  mkdir -p "$out"
  CGO_ENABLED=0 go test -c -trimpath -ldflags '-s -w' -o "$out/cuda.test" ./pkg/pow/cuda
  go build -trimpath -ldflags '-s -w' -o "$out/gpucheck" ./scripts/gpucheck
  cp scripts/gpu-check.sh "$out/gpu-check.sh"
  du -sh "$out"
  echo "built $out; on the GPU machine run: $out/gpu-check.sh run [OUT]"
}

run() {
  out="${1:-.}"
  mkdir -p "$out"
  report="$out/report.md"
  cd "$here"
  {
    echo "# GPU check of the CUDA proof-of-work backend"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- machine: $(nproc) cores; $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"
    echo
    echo "## 1. Bit equality with the CPU reference"
    echo '```'
    THALAMUS_CUDA=1 timeout 150 ./cuda.test -test.run 'TestGPUMatchesReference|TestWithoutAGPU' -test.v -test.timeout 150s 2>&1 | tail -40 || echo "FAILED (exit $?)"
    echo '```'
    echo
    echo "## 2. Throughput and the memory question"
    echo '```'
    THALAMUS_CUDA=1 THALAMUS_CUDA_REPORT="$out/gpu-report.json" timeout 90 ./cuda.test -test.run 'TestGPUReport|TestGPUStepKernels' -test.v -test.timeout 90s 2>&1 | tail -30 || echo "FAILED (exit $?)"
    echo '```'
    [ -f "$out/gpu-report.json" ] && { echo '```json'; cat "$out/gpu-report.json"; echo '```'; }
    echo
    echo "## 3. A challenge solved on the GPU (thalamus-agent pow solve --backend cuda), verified as thalamus-sidecar pow verify does"
    echo '```'
    seed=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
    timeout 60 ./gpucheck pow solve --backend cuda --preset h100 --seed "$seed" --seconds 20 --out "$out/winners.json" 2>&1 | tail -5 || echo "solve FAILED (exit $?)"
    timeout 60 ./gpucheck pow verify --preset h100 --seed "$seed" --samples 8 "$out/winners.json" 2>&1 | tail -5 && echo "verify: accepted" || echo "verify: REFUSED (exit $?)"
    echo '```'
    echo
    echo "## 4. thalamus-agent gpu inspect"
    echo '```'
    timeout 60 ./gpucheck gpu inspect 2>&1 || echo "inspect FAILED (exit $?)"
    echo '```'
  } | tee "$report"
}

case "${1:-}" in
  build) build ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 build | run [OUT]" >&2; exit 2 ;;
esac
