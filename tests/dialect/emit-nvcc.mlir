// REQUIRES: nvcc
// The emitted CUDA compiles with nvcc (for sm_90, the H100 the benchmarks ran on).
// RUN: kokkos-translate --kokkos-to-cuda %situ_src/tests/dialect/emit.mlir > %t.a.cu
// RUN: %nvcc -arch=sm_90 -c %t.a.cu -o %t.a.o
// RUN: kokkos-translate --kokkos-to-cuda %situ_src/tests/dialect/emit-host.mlir > %t.b.cu
// RUN: %nvcc -arch=sm_90 -c %t.b.cu -o %t.b.o
// RUN: kokkos-translate --kokkos-to-cuda %situ_src/tests/dialect/emit-memory.mlir > %t.c.cu
// RUN: %nvcc -arch=sm_90 -c %t.c.cu -o %t.c.o
// RUN: kokkos-translate --kokkos-to-cuda %situ_src/tests/dialect/emit-cuda-atomics.mlir > %t.d.cu
// RUN: %nvcc -arch=sm_90 -c %t.d.cu -o %t.d.o
// RUN: kokkos-translate --kokkos-to-cuda %situ_src/tests/dialect/inputs/alloc-kernels.mlir > %t.e.cu
// RUN: %nvcc -arch=sm_90 -c %t.e.cu -o %t.e.o
// RUN: kokkos-opt %situ_src/tests/dialect/emit-views.mlir --symbol-privatize=exclude=views_right,vector --symbol-dce | kokkos-translate --kokkos-to-cuda > %t.f.cu
// RUN: %nvcc -arch=sm_90 -c %t.f.cu -o %t.f.o
// RUN: kokkos-opt %situ_src/tests/dialect/spaces-layouts.mlir --symbol-privatize=exclude=pinned_shared,stride,rank4,rank5,rank6 --symbol-dce | kokkos-translate --kokkos-to-cuda > %t.g.cu
// RUN: %nvcc -arch=sm_90 -c %t.g.cu -o %t.g.o
