// RUN: kokkos-translate --kokkos-to-cuda %s | FileCheck %s
// CUDA: atomic adds into a small static view go to a per-block copy in shared
// memory, added to the view once per block; other atomics stay global.

// CHECK-LABEL: __global__ void situ_k{{[0-9]+}}(
// CHECK: __shared__ int64_t [[SH:sh_p[0-9]+]][64];
// CHECK: [[SH]][s] = 0;
// CHECK: __syncthreads();
// CHECK: atomicAdd((unsigned long long *)&[[SH]][
// CHECK: __syncthreads();
// CHECK: if ([[SH]][s] != 0) atomicAdd((unsigned long long *)&[[G:p[0-9]+]][s], (unsigned long long)[[SH]][s]);
func.func @hist(%x: memref<?xf64>, %h: memref<64xi64>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %s = arith.constant 64.0 : f64
  %one = arith.constant 1 : i64
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %v = memref.load %x[%i] : memref<?xf64>
    %f = arith.mulf %v, %s : f64
    %b = arith.fptosi %f : f64 to i64
    %bi = arith.index_cast %b : i64 to index
    %old = kokkos.atomic add %one, %h[%bi] : memref<64xi64>
  }
  return
}

// The old value is used: the atomic must see the global view.
// CHECK-LABEL: __global__ void situ_k{{[0-9]+}}(
// CHECK-NOT: __shared__
// CHECK: atomicAdd(&p{{[0-9]+}}[
func.func @ticket(%c: memref<1xi32>, %out: memref<?xi32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %out, %c0 : memref<?xi32>
  %one = arith.constant 1 : i32
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %t = kokkos.atomic add %one, %c[%c0] : memref<1xi32>
    memref.store %t, %out[%i] : memref<?xi32>
  }
  return
}

// Too large for shared memory (4096 x 8 bytes): global atomics.
// CHECK-LABEL: __global__ void situ_k{{[0-9]+}}(
// CHECK-NOT: __shared__
// CHECK: atomicAdd(&p{{[0-9]+}}[
// Host launches: fewer blocks where each block ends with a join.
// CHECK-LABEL: extern "C" void hist(
// CHECK: if (blocks > 1024) blocks = 1024;
// CHECK-LABEL: extern "C" void ticket(
// CHECK: if (blocks > 65536) blocks = 65536;
func.func @big(%x: memref<?xf64>, %h: memref<4096xf64>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %v = memref.load %x[%i] : memref<?xf64>
    %old = kokkos.atomic add %v, %h[%c0] : memref<4096xf64>
  }
  return
}
