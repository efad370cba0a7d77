// RUN: kokkos-opt %s | FileCheck %s
// Round trip: printing the parsed IR and parsing it again gives the same text.
// RUN: kokkos-opt %s | kokkos-opt | FileCheck %s
// And through the generic form (custom parsers and printers bypassed).
// RUN: kokkos-opt %s --mlir-print-op-generic | kokkos-opt | FileCheck %s

!dview = memref<?xf64, #kokkos.space<device>>
!hview = memref<?xf64>

// CHECK-LABEL: func @patterns
func.func @patterns(%x: memref<?xf64, #kokkos.space<host>>, %a: memref<?x?xf64, strided<[1, ?]>>,
                    %n: index, %m: index) -> (f64, f64, i64) {
  %c0 = arith.constant 0 : index
  // CHECK: kokkos.parallel_for openmp (%{{.*}}) = (%{{.*}}) to (%{{.*}}) {
  kokkos.parallel_for openmp (%i) = (%c0) to (%n) {
    %v = memref.load %x[%i] : memref<?xf64, #kokkos.space<host>>
    memref.store %v, %x[%i] : memref<?xf64, #kokkos.space<host>>
  }
  // CHECK: kokkos.parallel_for serial (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) tile [32, 4] {
  kokkos.parallel_for serial (%i, %j) = (%c0, %c0) to (%n, %m) tile [32, 4] {
    %v = memref.load %a[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
    memref.store %v, %a[%i, %j] : memref<?x?xf64, strided<[1, ?]>>
  }
  // CHECK: kokkos.parallel_reduce default_host (%{{.*}}) = (%{{.*}}) to (%{{.*}}) reduce [sum, max, @absmax] -> f64, f64, f64 {
  // CHECK: kokkos.yield %{{.*}}, %{{.*}}, %{{.*}} : f64, f64, f64
  %s, %mx, %am = kokkos.parallel_reduce default_host (%i) = (%c0) to (%n) reduce [sum, max, @absmax] -> f64, f64, f64 {
    %v = memref.load %x[%i] : memref<?xf64, #kokkos.space<host>>
    kokkos.yield %v, %v, %v : f64, f64, f64
  }
  // CHECK: kokkos.parallel_scan openmp (%{{.*}}) = (%{{.*}}) to (%{{.*}}) scan (%{{.*}}, %{{.*}}) -> i64 {
  %t = kokkos.parallel_scan openmp (%i) = (%c0) to (%n) scan (%partial, %final) -> i64 {
    %one = arith.constant 1 : i64
    kokkos.yield %one : i64
  }
  return %s, %am, %t : f64, f64, i64
}

// CHECK: kokkos.reducer @absmax : f64 init {
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

// CHECK-LABEL: func @reducers
func.func @reducers(%b: memref<?xi1>, %k: memref<?xi32>, %n: index) -> (i1, i1, i32, i32, i32, i32) {
  %c0 = arith.constant 0 : index
  // CHECK: reduce [land, lor, band, bor, prod, min] -> i1, i1, i32, i32, i32, i32
  %r:6 = kokkos.parallel_reduce openmp (%i) = (%c0) to (%n) reduce [land, lor, band, bor, prod, min] -> i1, i1, i32, i32, i32, i32 {
    %p = memref.load %b[%i] : memref<?xi1>
    %v = memref.load %k[%i] : memref<?xi32>
    kokkos.yield %p, %p, %v, %v, %v, %v : i1, i1, i32, i32, i32, i32
  }
  return %r#0, %r#1, %r#2, %r#3, %r#4, %r#5 : i1, i1, i32, i32, i32, i32
}

// CHECK-LABEL: func @teams
func.func @teams(%a: memref<?x?xf64, #kokkos.space<device>>, %out: memref<?xf64, #kokkos.space<device>>,
                 %n: index, %m: index, %t: index) {
  %c0 = arith.constant 0 : index
  // CHECK: kokkos.team_parallel cuda league(%{{.*}}) team(%{{.*}}) vector(%{{.*}}) scratch(512) (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {
  kokkos.team_parallel cuda league(%n) team(%t) vector(%t) scratch(512) (%lr, %tr, %ls, %ts) {
    // CHECK: kokkos.team_scratch : memref<64xf64, #kokkos.space<scratch>>
    %tile = kokkos.team_scratch : memref<64xf64, #kokkos.space<scratch>>
    // CHECK: kokkos.team_thread_for (%{{.*}}) = (%{{.*}}) to (%{{.*}}) {
    kokkos.team_thread_for (%j) = (%c0) to (%m) {
      // CHECK: kokkos.thread_vector_for
      kokkos.thread_vector_for (%k) = (%c0) to (%m) {
        %v = memref.load %a[%lr, %k] : memref<?x?xf64, #kokkos.space<device>>
        memref.store %v, %tile[%c0] : memref<64xf64, #kokkos.space<scratch>>
      }
    }
    // CHECK: kokkos.team_barrier
    kokkos.team_barrier
    // CHECK: kokkos.team_thread_reduce (%{{.*}}) = (%{{.*}}) to (%{{.*}}) reduce [sum] -> f64 {
    %s = kokkos.team_thread_reduce (%j) = (%c0) to (%m) reduce [sum] -> f64 {
      %v = memref.load %a[%lr, %j] : memref<?x?xf64, #kokkos.space<device>>
      kokkos.yield %v : f64
    }
    memref.store %s, %out[%lr] : memref<?xf64, #kokkos.space<device>>
  }
  // CHECK: kokkos.team_parallel openmp league(%{{.*}}) team(auto) (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {
  kokkos.team_parallel openmp league(%n) team(auto) (%lr, %tr, %ls, %ts) {
  }
  return
}

// CHECK-LABEL: func @views
func.func @views(%d: !dview, %h: !hview, %hist: memref<64xi64, #kokkos.space<device>>, %i: index, %n: index) {
  // CHECK: %[[M:.*]] = kokkos.create_mirror_view %{{.*}} : memref<?xf64, #kokkos.space<device>> to memref<?xf64>
  %m = kokkos.create_mirror_view %d : !dview to !hview
  // CHECK: kokkos.deep_copy %[[M]], %{{.*}} : memref<?xf64>, memref<?xf64, #kokkos.space<device>>
  kokkos.deep_copy %m, %d : !hview, !dview
  // CHECK: kokkos.fence default
  kokkos.fence default
  // CHECK: kokkos.subview %{{.*}}[%{{.*}}] [%{{.*}}] : memref<?xf64, #kokkos.space<device>> to memref<?xf64, strided<[1], offset: ?>, #kokkos.space<device>>
  %s = kokkos.subview %d[%i] [%n] : !dview to memref<?xf64, strided<[1], offset: ?>, #kokkos.space<device>>
  %one = arith.constant 1 : i64
  // CHECK: kokkos.atomic add %{{.*}}, %{{.*}}[%{{.*}}] : memref<64xi64, #kokkos.space<device>>
  %old = kokkos.atomic add %one, %hist[%i] : memref<64xi64, #kokkos.space<device>>
  // CHECK: kokkos.atomic max
  %old2 = kokkos.atomic max %one, %hist[%i] : memref<64xi64, #kokkos.space<device>>
  return
}
