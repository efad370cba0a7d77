// REQUIRES: nvcc
// The emitted atomics and reducers compile with nvcc, and so does the GPU
// test program of both forms (run on a GPU by tests/dialect/gpu/run.sh).
// RUN: kokkos-translate --kokkos-to-cuda %situ_src/tests/dialect/inputs/atomics-reducers.mlir > %t.cu
// RUN: %nvcc -arch=sm_90 -c %t.cu -o %t.o
// RUN: %nvcc -std=c++17 -arch=sm_90 -I%situ_src/tests/dialect -I%situ_src/tests/dialect/gpu %situ_src/tests/dialect/gpu/gpu_atomics_reducers.cu -o %t.gpu
// RUN: %nvcc -std=c++17 -arch=sm_90 -DSITU_RTC -I%situ_src/tests/dialect -I%situ_src/src/kokkos -c %situ_src/tests/dialect/gpu/gpu_atomics_reducers.cu -o %t.rtc.o
