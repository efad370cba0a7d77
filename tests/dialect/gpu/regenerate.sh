#!/bin/sh
# Re-emits the committed CUDA from inputs/atomics-reducers.mlir with the
# build's kokkos-translate (the lit test emit-atomics.mlir fails while they
# differ). Usage: sh tests/dialect/gpu/regenerate.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/../../.."
B=${1:-build}
IN=tests/dialect/inputs/atomics-reducers.mlir
"$B/bin/kokkos-translate" --kokkos-to-cuda $IN -o tests/dialect/gpu/atomics_reducers_cuda.cu
"$B/bin/kokkos-translate" --kokkos-to-cuda-rtc $IN -o tests/dialect/gpu/atomics_reducers_rtc.cu
