#!/usr/bin/env bash
# Regenerates the proof-of-work kernels' PTX (make cuda): pkg/pow/cuda/kernels/pow.cu compiled
# by Debian's nvcc 11.8 for sm_90 (H100, H200) and sm_80 (A100, and by JIT L40S, RTX 4090).
# The PTX is committed and embedded; the driver JIT-compiles it for the installed GPU.
set -euo pipefail
cd "$(dirname "$0")/../pkg/pow/cuda/kernels"
for arch in 80 90; do
  nvcc -ptx -arch=compute_$arch -o pow_sm$arch.ptx pow.cu
  used=$(ptxas -arch=sm_$arch -v pow_sm$arch.ptx -o /dev/null 2>&1 | grep -A3 "entry function 'pow_step_mma'" | grep -o 'Used.*')
  echo "sm_$arch pow_step_mma: $used"
done
