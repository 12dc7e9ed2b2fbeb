#!/usr/bin/env bash
# Regenerates the proof-of-work kernels' PTX (make cuda): pkg/pow/cuda/kernels/pow.cu compiled
# by Debian's nvcc 11.8 for sm_80 (A100, and by JIT L40S, RTX 4090 and later GPUs) and sm_90
# (H100, H200). The PTX is committed and embedded; the driver JIT-compiles it for the
# installed GPU.
#
# The sm_90 kernels use Hopper's warpgroup MMA (wgmma), which needs PTX 8.0 and the
# architecture-specific target sm_90a. nvcc 11.8 passes the inline PTX through but writes
# PTX 7.8 for sm_90, so the header is raised here: pow_sm90a.ptx runs on compute capability
# 9.0 only (the Go backend loads it there and the sm_80 PTX elsewhere). ptxas 11.8 cannot
# check it; the GPU's driver compiles it (scripts/gpu-check.sh).
set -euo pipefail
cd "$(dirname "$0")/../pkg/pow/cuda/kernels"
nvcc -ptx -arch=compute_80 -o pow_sm80.ptx pow.cu
echo "sm_80 pow_step_mma: $(ptxas -arch=sm_80 -v pow_sm80.ptx -o /dev/null 2>&1 | grep -A3 "entry function 'pow_step_mma'" | grep -o 'Used.*')"
nvcc -ptx -arch=compute_90 -o pow_sm90a.ptx pow.cu
sed -i -e 's/^\.version 7\.8$/.version 8.0/' -e 's/^\.target sm_90$/.target sm_90a/' pow_sm90a.ptx
grep -q '^\.target sm_90a$' pow_sm90a.ptx && grep -q '^\.version 8\.0$' pow_sm90a.ptx
rm -f pow_sm90.ptx
echo "pow_sm90a.ptx: $(grep -c '^\.visible \.entry' pow_sm90a.ptx) kernels, PTX 8.0 for sm_90a"
