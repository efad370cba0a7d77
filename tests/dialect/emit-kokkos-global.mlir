// RUN: not kokkos-translate --kokkos-to-kokkos-cpp %s 2>&1 | FileCheck %s
// The Kokkos C++ emitter copies a memref.global into a View in host code; a
// get_global inside a kernel has no host code to do it in.

memref.global "private" constant @t : memref<4xf64> = dense<[1.0, 2.0, 3.0, 4.0]>

// CHECK: error: the Kokkos C++ emitter takes memref.get_global in host code only
func.func @inner(%x: memref<4xf64>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  kokkos.parallel_for default (%i) = (%c0) to (%c4) {
    %g = memref.get_global @t : memref<4xf64>
    %v = memref.load %g[%i] : memref<4xf64>
    memref.store %v, %x[%i] : memref<4xf64>
  }
  return
}
