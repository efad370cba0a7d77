// RUN: kokkos-opt %s -split-input-file -verify-diagnostics

func.func @device_view_on_host(%d: memref<?xf64, #kokkos.space<device>>, %n: index) {
  %c0 = arith.constant 0 : index
  kokkos.parallel_for openmp (%i) = (%c0) to (%n) {
    // expected-error @+1 {{view in memory space 'device' is not accessible from execution space 'openmp'}}
    %v = memref.load %d[%i] : memref<?xf64, #kokkos.space<device>>
  }
  return
}

// -----

func.func @host_view_on_cuda(%h: memref<?xf64>, %n: index) {
  %c0 = arith.constant 0 : index
  kokkos.parallel_for cuda (%i) = (%c0) to (%n) {
    %z = arith.constant 0.0 : f64
    // expected-error @+1 {{view in memory space 'host' is not accessible from execution space 'cuda'}}
    memref.store %z, %h[%i] : memref<?xf64>
  }
  return
}

// -----

func.func @seven_dims(%n: index) {
  // expected-error @+1 {{an MDRangePolicy 2 to 6 (Kokkos::Rank<2..6>); got 7}}
  kokkos.parallel_for openmp (%a, %b, %c, %d, %e, %f, %g) = (%n, %n, %n, %n, %n, %n, %n) to (%n, %n, %n, %n, %n, %n, %n) {
  }
  return
}

// -----

func.func @bad_tile(%n: index) {
  // expected-error @+1 {{tile hints need one extent per dimension: 3 tiles for a rank-2 policy}}
  kokkos.parallel_for openmp (%a, %b) = (%n, %n) to (%n, %n) tile [4, 4, 4] {
  }
  return
}

// -----

func.func @nested(%n: index) {
  kokkos.parallel_for openmp (%i) = (%n) to (%n) {
    // expected-error @+1 {{nested parallel dispatch: a parallel_for inside a parallel_for body is not allowed in Kokkos}}
    kokkos.parallel_for openmp (%j) = (%n) to (%n) {
    }
  }
  return
}

// -----

func.func @reducer_count(%n: index) -> f64 {
  // expected-error @+1 {{has 2 reducer(s) but 1 result(s)}}
  %r = kokkos.parallel_reduce openmp (%i) = (%n) to (%n) reduce [sum, max] -> f64 {
    %z = arith.constant 0.0 : f64
    kokkos.yield %z : f64
  }
  return %r : f64
}

// -----

func.func @yield_mismatch(%n: index) -> (f64, f64) {
  // expected-error @+1 {{body must yield one contribution per reducer (2 value(s)}}
  %r:2 = kokkos.parallel_reduce openmp (%i) = (%n) to (%n) reduce [sum, max] -> f64, f64 {
    %z = arith.constant 0.0 : f64
    kokkos.yield %z : f64
  }
  return %r#0, %r#1 : f64, f64
}

// -----

func.func @logical_on_float(%n: index) -> f64 {
  // expected-error @+1 {{reducer #0 (land) is a logical reduction of booleans (i1), not 'f64'; use band/bor}}
  %r = kokkos.parallel_reduce openmp (%i) = (%n) to (%n) reduce [land] -> f64 {
    %z = arith.constant 0.0 : f64
    kokkos.yield %z : f64
  }
  return %r : f64
}

// -----

func.func @unknown_reducer(%n: index) -> f64 {
  // expected-error @+1 {{unknown reducer 'avg'; built-in reducers are sum, prod, min, max, land, lor, band, bor}}
  %r = kokkos.parallel_reduce openmp (%i) = (%n) to (%n) reduce [avg] -> f64 {
  }
  return %r : f64
}

// -----

func.func @missing_custom(%n: index) -> f64 {
  // expected-error @+1 {{custom reducer @absmax is not defined; declare it with kokkos.reducer}}
  %r = kokkos.parallel_reduce openmp (%i) = (%n) to (%n) reduce [@absmax] -> f64 {
    %z = arith.constant 0.0 : f64
    kokkos.yield %z : f64
  }
  return %r : f64
}

// -----

kokkos.reducer @imax : i32 init {
  %z = arith.constant 0 : i32
  kokkos.yield %z : i32
} join {
^bb0(%a: i32, %b: i32):
  %m = arith.maxsi %a, %b : i32
  kokkos.yield %m : i32
}
func.func @custom_type(%n: index) -> f64 {
  // expected-error @+1 {{custom reducer @imax joins 'i32' but result #0 is 'f64'}}
  %r = kokkos.parallel_reduce openmp (%i) = (%n) to (%n) reduce [@imax] -> f64 {
    %z = arith.constant 0.0 : f64
    kokkos.yield %z : f64
  }
  return %r : f64
}

// -----

// expected-error @+1 {{join takes two values of type 'f64'}}
kokkos.reducer @bad : f64 init {
  %z = arith.constant 0.0 : f64
  kokkos.yield %z : f64
} join {
^bb0(%a: f64):
  kokkos.yield %a : f64
}

// -----

func.func @scan_2d(%n: index) -> i64 {
  // expected-error @+1 {{parallel_scan takes a 1-D RangePolicy}}
  %t = kokkos.parallel_scan openmp (%i, %j) = (%n, %n) to (%n, %n) scan (%p, %f) -> i64 {
  }
  return %t : i64
}

// -----

func.func @team_thread_outside(%n: index) {
  // expected-error @+1 {{TeamThreadRange (team_thread_for) is only valid inside a TeamPolicy body (kokkos.team_parallel)}}
  kokkos.team_thread_for (%j) = (%n) to (%n) {
  }
  return
}

// -----

func.func @barrier_in_thread_range(%n: index) {
  kokkos.team_parallel openmp league(%n) team(auto) (%lr, %tr, %ls, %ts) {
    kokkos.team_thread_for (%j) = (%n) to (%n) {
      // expected-error @+1 {{team_barrier cannot be nested in a team_thread_for; it belongs directly in the team body}}
      kokkos.team_barrier
    }
  }
  return
}

// -----

func.func @vector_in_parallel_for(%n: index) {
  kokkos.parallel_for openmp (%i) = (%n) to (%n) {
    // expected-error @+1 {{ThreadVectorRange (thread_vector_for) is only valid inside a TeamPolicy body}}
    kokkos.thread_vector_for (%j) = (%n) to (%n) {
    }
  }
  return
}

// -----

func.func @scratch_overflow(%n: index) {
  // expected-error @+1 {{team scratch views need 1024 bytes but the policy reserves 512 (TeamPolicy::set_scratch_size)}}
  kokkos.team_parallel openmp league(%n) team(auto) scratch(512) (%lr, %tr, %ls, %ts) {
    %s = kokkos.team_scratch : memref<128xf64, #kokkos.space<scratch>>
  }
  return
}

// -----

func.func @scratch_space(%n: index) {
  kokkos.team_parallel openmp league(%n) team(auto) scratch(512) (%lr, %tr, %ls, %ts) {
    // expected-error @+1 {{team scratch views live in #kokkos.space<scratch>, not device}}
    %s = kokkos.team_scratch : memref<8xf64, #kokkos.space<device>>
  }
  return
}

// -----

func.func @deep_copy_extent(%a: memref<10xf64>, %b: memref<12xf64, #kokkos.space<device>>) {
  // expected-error @+1 {{deep_copy needs views of equal extents; extent(0) is 10 vs 12}}
  kokkos.deep_copy %a, %b : memref<10xf64>, memref<12xf64, #kokkos.space<device>>
  return
}

// -----

func.func @deep_copy_type(%a: memref<10xf64>, %b: memref<10xf32>) {
  // expected-error @+1 {{deep_copy needs views of the same value type ('f64' vs 'f32')}}
  kokkos.deep_copy %a, %b : memref<10xf64>, memref<10xf32>
  return
}

// -----

func.func @mirror_not_host(%d: memref<?xf64, #kokkos.space<device>>) {
  // expected-error @+1 {{create_mirror_view returns a HostSpace view, not one in device}}
  %m = kokkos.create_mirror_view %d : memref<?xf64, #kokkos.space<device>> to memref<?xf64, #kokkos.space<device>>
  return
}

// -----

func.func @atomic_rank(%h: memref<?x?xi64>, %i: index) {
  %one = arith.constant 1 : i64
  // expected-error @+1 {{needs one index per view dimension (rank 2), got 1}}
  %o = kokkos.atomic add %one, %h[%i] : memref<?x?xi64>
  return
}

// -----

func.func @atomic_bor_float(%h: memref<?xf64>, %i: index, %v: f64) {
  // expected-error @+1 {{atomic bor needs an integer view}}
  %o = kokkos.atomic bor %v, %h[%i] : memref<?xf64>
  return
}

// -----

func.func @subview_rank(%d: memref<?x?xf64>, %i: index) {
  // expected-error @+1 {{subview takes one begin and one extent per dimension of the view (rank 2)}}
  %s = kokkos.subview %d[%i] [%i] : memref<?x?xf64> to memref<?x?xf64, strided<[?, 1], offset: ?>>
  return
}

// -----

func.func @bad_exec(%n: index) {
  // expected-error @+1 {{unknown execution space 'hip'; expected default, default_host, serial, openmp or cuda}}
  kokkos.parallel_for hip (%i) = (%n) to (%n) {
  }
  return
}
