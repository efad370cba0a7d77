// Kernels with temporaries and constant tables, as the JAX/PyTorch front ends
// produce them (linalg-to-kokkos of a tensor softmax: memref.alloc of a dynamic
// buffer and of a 0-d accumulator; memref.global), results written to arguments.
// Not a lit test (inputs/ is excluded); emit-kokkos-alloc.mlir emits it, and
// kokkos_cpp_checks runs its Kokkos C++ against reference loops.
func.func @softmax(%x: memref<?xf64>, %y: memref<?xf64>) {
  %cst = arith.constant 0.000000e+00 : f64
  %c0 = arith.constant 0 : index
  %dim = memref.dim %x, %c0 : memref<?xf64>
  %alloc = memref.alloc(%dim) {alignment = 64 : i64} : memref<?xf64>
  kokkos.parallel_for default (%i) = (%c0) to (%dim) {
    %3 = memref.load %x[%i] : memref<?xf64>
    %4 = math.exp %3 : f64
    memref.store %4, %alloc[%i] : memref<?xf64>
  }
  %alloc_0 = memref.alloc() {alignment = 64 : i64} : memref<f64>
  memref.store %cst, %alloc_0[] : memref<f64>
  %0 = kokkos.parallel_reduce default (%i) = (%c0) to (%dim) reduce [sum] -> f64 {
    %3 = memref.load %alloc[%i] : memref<?xf64>
    kokkos.yield %3 : f64
  }
  %1 = memref.load %alloc_0[] : memref<f64>
  %2 = arith.addf %0, %1 : f64
  memref.store %2, %alloc_0[] : memref<f64>
  kokkos.parallel_for default (%i) = (%c0) to (%dim) {
    %3 = memref.load %alloc[%i] : memref<?xf64>
    %4 = memref.load %alloc_0[] : memref<f64>
    %5 = arith.divf %3, %4 : f64
    memref.store %5, %y[%i] : memref<?xf64>
  }
  memref.dealloc %alloc : memref<?xf64>
  memref.dealloc %alloc_0 : memref<f64>
  return
}

// A statically shaped temporary in device memory: column weights w[j] = j + 1,
// then out[i, j] = a[i, j] * w[j] over an MDRange.
!m = memref<?x8xf64, #kokkos.space<device>>
func.func @colscale(%a: !m, %out: !m) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1 : i64
  %n = memref.dim %a, %c0 : !m
  %w = memref.alloc() : memref<8xf64, #kokkos.space<device>>
  kokkos.parallel_for default (%j) = (%c0) to (%c8) {
    %ji = arith.index_cast %j : index to i64
    %j1 = arith.addi %ji, %one : i64
    %f = arith.sitofp %j1 : i64 to f64
    memref.store %f, %w[%j] : memref<8xf64, #kokkos.space<device>>
  }
  kokkos.parallel_for default (%i, %j) = (%c0, %c0) to (%n, %c8) {
    %v = memref.load %a[%i, %j] : !m
    %s = memref.load %w[%j] : memref<8xf64, #kokkos.space<device>>
    %p = arith.mulf %v, %s : f64
    memref.store %p, %out[%i, %j] : !m
  }
  memref.dealloc %w : memref<8xf64, #kokkos.space<device>>
  return
}

// The same column weights from a constant table (memref.global in device space):
// out[i, j] = a[i, j] * t[j], t = 1/2, 1/4, ..., 1/256.
memref.global "private" constant @halves : memref<8xf64, #kokkos.space<device>> =
    dense<[0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625]>
func.func @coltable(%a: !m, %out: !m) {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %n = memref.dim %a, %c0 : !m
  %t = memref.get_global @halves : memref<8xf64, #kokkos.space<device>>
  kokkos.parallel_for default (%i, %j) = (%c0, %c0) to (%n, %c8) {
    %v = memref.load %a[%i, %j] : !m
    %s = memref.load %t[%j] : memref<8xf64, #kokkos.space<device>>
    %p = arith.mulf %v, %s : f64
    memref.store %p, %out[%i, %j] : !m
  }
  return
}
