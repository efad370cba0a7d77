#!/bin/sh
# Builds and runs gpu_atomics_reducers on the GPU of this machine, both forms
# (nvcc-built and NVRTC-loaded). Needs nvcc and a C compiler, no MLIR: the
# emitted CUDA is committed beside this script (regenerate.sh, on a machine
# with the build). Usage, from anywhere: sh tests/dialect/gpu/run.sh
# Environment: ARCH (nvcc -arch, default sm_90), OUT (build directory,
# default build-gpu-checks), CC (default cc).
set -eu
cd "$(dirname "$0")/../../.."
ARCH=${ARCH:-sm_90}
OUT=${OUT:-build-gpu-checks}
CC=${CC:-cc}
G=tests/dialect/gpu
mkdir -p "$OUT"
nvcc -O2 -std=c++17 -arch="$ARCH" -Itests/dialect -I$G $G/gpu_atomics_reducers.cu -o "$OUT/gpu_ar"
$CC -O2 -std=c17 -Isrc/kokkos -c src/kokkos/cuda.c -o "$OUT/cuda.o"
$CC -O2 -std=c17 -Isrc/kokkos -c src/kokkos/cuda_cache.c -o "$OUT/cuda_cache.o"
nvcc -O2 -std=c++17 -arch="$ARCH" -DSITU_RTC -Itests/dialect -Isrc/kokkos $G/gpu_atomics_reducers.cu \
     "$OUT/cuda.o" "$OUT/cuda_cache.o" -ldl -lpthread -o "$OUT/gpu_ar_rtc"
status=0
"$OUT/gpu_ar" || status=1
# A fresh kernel cache: the run compiles with NVRTC and the C compiler.
rm -rf "$OUT/cache"
SITU_KK_CACHE="$PWD/$OUT/cache" "$OUT/gpu_ar_rtc" $G/atomics_reducers_rtc.cu || status=1
exit $status
