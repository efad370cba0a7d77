// RUN: kokkos-opt %s --kokkos-lower-to-scf="chunks=8" | FileCheck %s
// RUN: kokkos-opt %s --kokkos-to-llvm | FileCheck %s --check-prefix=LLVM
// RUN: kokkos-opt %s --kokkos-to-llvm="openmp=false" | FileCheck %s --check-prefix=SEQ

// LLVM-LABEL: llvm.func @axpy
// LLVM: omp.parallel
// LLVM: omp.wsloop
// SEQ-LABEL: llvm.func @axpy
// SEQ-NOT: omp.
// CHECK-LABEL: func @axpy
// CHECK: scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%{{.*}}) step
// CHECK: memref.load %{{.*}}[%[[I]]] : memref<?xf64, #kokkos.space<device>>
// CHECK: scf.reduce
func.func @axpy(%a: f64, %x: memref<?xf64, #kokkos.space<device>>, %y: memref<?xf64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf64, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %xv = memref.load %x[%i] : memref<?xf64, #kokkos.space<device>>
    %yv = memref.load %y[%i] : memref<?xf64, #kokkos.space<device>>
    %m = arith.mulf %a, %xv : f64
    %s = arith.addf %m, %yv : f64
    memref.store %s, %y[%i] : memref<?xf64, #kokkos.space<device>>
  }
  return
}

// Serial policies are plain loop nests.
// CHECK-LABEL: func @serial2d
// CHECK-NOT: scf.parallel
// CHECK: scf.for
// CHECK: scf.for
func.func @serial2d(%a: memref<?x?xf32>, %n: index, %m: index) {
  %c0 = arith.constant 0 : index
  kokkos.parallel_for serial (%i, %j) = (%c0, %c0) to (%n, %m) {
    %v = memref.load %a[%i, %j] : memref<?x?xf32>
    memref.store %v, %a[%j, %i] : memref<?x?xf32>
  }
  return
}

// Reductions: chunk partials in parallel, then an ordered join.
// CHECK-LABEL: func @minmax
// CHECK: memref.alloca() : memref<8xf32>
// CHECK: memref.alloca() : memref<8xf32>
// CHECK: scf.parallel
// CHECK-DAG: arith.constant 0x7F800000 : f32
// CHECK-DAG: arith.constant 0xFF800000 : f32
// CHECK: scf.for {{.*}} iter_args
// CHECK: arith.minnumf
// CHECK: arith.maxnumf
// CHECK: scf.for {{.*}} iter_args
// CHECK: arith.minnumf
func.func @minmax(%x: memref<?xf32>, %n: index) -> (f32, f32) {
  %c0 = arith.constant 0 : index
  %r:2 = kokkos.parallel_reduce openmp (%i) = (%c0) to (%n) reduce [min, max] -> f32, f32 {
    %v = memref.load %x[%i] : memref<?xf32>
    kokkos.yield %v, %v : f32, f32
  }
  return %r#0, %r#1 : f32, f32
}

// Custom reducers inline their init and join; the reducer symbol goes away.
// CHECK-NOT: kokkos.reducer
kokkos.reducer @absmax : f64 init {
  %z = arith.constant 0.0 : f64
  kokkos.yield %z : f64
} join {
^bb0(%p: f64, %q: f64):
  %ap = math.absf %p : f64
  %aq = math.absf %q : f64
  %r = arith.maximumf %ap, %aq : f64
  kokkos.yield %r : f64
}
// CHECK-LABEL: func @custom
// CHECK: math.absf
// CHECK: arith.maximumf
func.func @custom(%x: memref<?xf64>, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %r = kokkos.parallel_reduce openmp (%i) = (%c0) to (%n) reduce [@absmax] -> f64 {
    %v = memref.load %x[%i] : memref<?xf64>
    kokkos.yield %v : f64
  }
  return %r : f64
}

// Scans: a pass with final = false, an exclusive scan of chunk sums, a pass
// with final = true.
// CHECK-LABEL: func @scan
// CHECK: scf.parallel
// CHECK: %[[F:.*]] = arith.constant false
// CHECK: scf.if %[[F]]
// CHECK: scf.for
// CHECK: scf.parallel
// CHECK: %[[T:.*]] = arith.constant true
// CHECK: scf.if %[[T]]
func.func @scan(%x: memref<?xi64>, %out: memref<?xi64>, %n: index) -> i64 {
  %c0 = arith.constant 0 : index
  %t = kokkos.parallel_scan openmp (%i) = (%c0) to (%n) scan (%partial, %final) -> i64 {
    %v = memref.load %x[%i] : memref<?xi64>
    scf.if %final {
      memref.store %partial, %out[%i] : memref<?xi64>
    }
    kokkos.yield %v : i64
  }
  return %t : i64
}

// Teams run with team size 1; scratch is per team; barriers vanish.
// CHECK-LABEL: func @team
// CHECK: scf.parallel (%[[LR:.*]]) =
// CHECK: %[[S:.*]] = memref.alloc() : memref<4xf64, #kokkos.space<scratch>>
// CHECK: scf.for
// CHECK-NOT: kokkos.team_barrier
// CHECK: memref.dealloc %[[S]]
func.func @team(%a: memref<?x4xf64>, %n: index) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  kokkos.team_parallel openmp league(%n) team(auto) scratch(32) (%lr, %tr, %ls, %ts) {
    %s = kokkos.team_scratch : memref<4xf64, #kokkos.space<scratch>>
    kokkos.team_thread_for (%j) = (%c0) to (%c4) {
      %v = memref.load %a[%lr, %j] : memref<?x4xf64>
      memref.store %v, %s[%j] : memref<4xf64, #kokkos.space<scratch>>
    }
    kokkos.team_barrier
  }
  return
}

// CHECK-LABEL: func @views
// CHECK: scf.parallel
// CHECK: memref.load %{{.*}} : memref<?xf64, #kokkos.space<device>>
// CHECK: memref.subview
// CHECK: memref.atomic_rmw addi
func.func @views(%d: memref<?xf64, #kokkos.space<device>>, %h: memref<64xi64>, %i: index) -> memref<?xf64> {
  %m = kokkos.create_mirror_view %d : memref<?xf64, #kokkos.space<device>> to memref<?xf64>
  kokkos.deep_copy %m, %d : memref<?xf64>, memref<?xf64, #kokkos.space<device>>
  %s = kokkos.subview %d[%i] [%i] : memref<?xf64, #kokkos.space<device>> to memref<?xf64, strided<[1], offset: ?>, #kokkos.space<device>>
  %one = arith.constant 1 : i64
  %o = kokkos.atomic add %one, %h[%i] : memref<64xi64>
  kokkos.fence default
  return %m : memref<?xf64>
}
