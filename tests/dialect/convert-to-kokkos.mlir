// RUN: kokkos-opt %s --convert-linalg-to-parallel-loops --convert-to-kokkos="exec=openmp" | FileCheck %s
// RUN: kokkos-opt %s --convert-linalg-to-parallel-loops --convert-to-kokkos | kokkos-opt --kokkos-to-llvm | FileCheck %s --check-prefix=LLVM

// LLVM-NOT: kokkos.
// LLVM: llvm.func @scale

// Elementwise linalg on buffers -> MDRangePolicy.
// CHECK-LABEL: func @scale
// CHECK: kokkos.parallel_for openmp (%[[I:.*]], %[[J:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) {
// CHECK: memref.load %{{.*}}[%[[I]], %[[J]]]
// CHECK: arith.mulf
// CHECK-NOT: scf.parallel
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @scale(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %s: f32) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<?x?xf32>) outs(%b : memref<?x?xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %s : f32
    linalg.yield %m : f32
  }
  return
}

// scf.parallel with scf.reduce -> parallel_reduce; the init value is joined after.
// CHECK-LABEL: func @sum_max
// CHECK: %[[R:.*]]:2 = kokkos.parallel_reduce openmp (%{{.*}}) = (%{{.*}}) to (%{{.*}}) reduce [sum, max] -> f64, f64 {
// CHECK: arith.addf %{{.*}}, %[[R]]#0 : f64
// CHECK: arith.maxnumf %{{.*}}, %[[R]]#1 : f64
func.func @sum_max(%x: memref<?xf64>, %n: index, %init: f64) -> (f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:2 = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%init, %init) -> (f64, f64) {
    %v = memref.load %x[%i] : memref<?xf64>
    scf.reduce(%v, %v : f64, f64) {
    ^bb0(%a: f64, %b: f64):
      %s = arith.addf %a, %b : f64
      scf.reduce.return %s : f64
    }, {
    ^bb0(%a: f64, %b: f64):
      %m = arith.maxnumf %a, %b : f64
      scf.reduce.return %m : f64
    }
  }
  return %r#0, %r#1 : f64, f64
}

// An elementwise producer into a local buffer, then a reduction of that
// buffer: fused, the buffer removed.
// CHECK-LABEL: func @fused
// CHECK-NOT: memref.alloc
// CHECK-NOT: kokkos.parallel_for
// CHECK: kokkos.parallel_reduce openmp (%[[I:.*]]) = {{.*}} reduce [sum] -> f64 {
// CHECK-NEXT: %[[V:.*]] = memref.load %{{.*}}[%[[I]]] : memref<?xf64>
// CHECK-NEXT: %[[Q:.*]] = arith.mulf %[[V]], %[[V]] : f64
// CHECK-NEXT: kokkos.yield %[[Q]] : f64
// CHECK-NOT: memref.dealloc
func.func @fused(%x: memref<?xf64>, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f64
  %tmp = memref.alloc(%n) : memref<?xf64>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %x[%i] : memref<?xf64>
    %q = arith.mulf %v, %v : f64
    memref.store %q, %tmp[%i] : memref<?xf64>
    scf.reduce
  }
  %r = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f64 {
    %t = memref.load %tmp[%i] : memref<?xf64>
    scf.reduce(%t : f64) {
    ^bb0(%a: f64, %b: f64):
      %s = arith.addf %a, %b : f64
      scf.reduce.return %s : f64
    }
  }
  memref.dealloc %tmp : memref<?xf64>
  return %r : f64
}

// Non-unit steps do not fit a policy: left alone.
// CHECK-LABEL: func @strided
// CHECK: scf.parallel
func.func @strided(%x: memref<?xf64>, %n: index) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %z = arith.constant 0.0 : f64
  scf.parallel (%i) = (%c0) to (%n) step (%c2) {
    memref.store %z, %x[%i] : memref<?xf64>
    scf.reduce
  }
  return
}
