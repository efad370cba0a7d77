// Kernels the JIT tests (jit_kernels.c) run against reference C.
!v = memref<?xf64, #kokkos.space<device>>

func.func @axpy(%a: f64, %x: !v, %y: !v) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : !v
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %xv = memref.load %x[%i] : !v
    %yv = memref.load %y[%i] : !v
    %m = arith.mulf %a, %xv : f64
    %s = arith.addf %m, %yv : f64
    memref.store %s, %y[%i] : !v
  }
  return
}

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

// Four reductions in one pass.
func.func @stats(%x: memref<?xf64>) -> (f64, f64, f64, f64) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %r:4 = kokkos.parallel_reduce openmp (%i) = (%c0) to (%n) reduce [sum, min, max, @absmax] -> f64, f64, f64, f64 {
    %v = memref.load %x[%i] : memref<?xf64>
    kokkos.yield %v, %v, %v, %v : f64, f64, f64, f64
  }
  return %r#0, %r#1, %r#2, %r#3 : f64, f64, f64, f64
}

// Integer and logical reducers: all positive, any negative, and/or bits, product mod 2^32.
func.func @ints(%k: memref<?xi32>) -> (i1, i1, i32, i32, i32, i64) {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0 : i32
  %n = memref.dim %k, %c0 : memref<?xi32>
  %r:6 = kokkos.parallel_reduce openmp (%i) = (%c0) to (%n) reduce [land, lor, band, bor, prod, sum] -> i1, i1, i32, i32, i32, i64 {
    %v = memref.load %k[%i] : memref<?xi32>
    %pos = arith.cmpi sgt, %v, %z : i32
    %neg = arith.cmpi slt, %v, %z : i32
    %w = arith.extsi %v : i32 to i64
    kokkos.yield %pos, %neg, %v, %v, %v, %w : i1, i1, i32, i32, i32, i64
  }
  return %r#0, %r#1, %r#2, %r#3, %r#4, %r#5 : i1, i1, i32, i32, i32, i64
}

// Exclusive prefix sum; returns the total.
func.func @prefix(%x: memref<?xi64>, %out: memref<?xi64>) -> i64 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi64>
  %t = kokkos.parallel_scan openmp (%i) = (%c0) to (%n) scan (%partial, %final) -> i64 {
    %v = memref.load %x[%i] : memref<?xi64>
    scf.if %final {
      memref.store %partial, %out[%i] : memref<?xi64>
    }
    kokkos.yield %v : i64
  }
  return %t : i64
}

// 5-point stencil on the interior, MDRangePolicy with tile hints.
func.func @stencil(%u: memref<?x?xf64>, %v: memref<?x?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ny = memref.dim %u, %c0 : memref<?x?xf64>
  %nx = memref.dim %u, %c1 : memref<?x?xf64>
  %ey = arith.subi %ny, %c1 : index
  %ex = arith.subi %nx, %c1 : index
  %q = arith.constant 0.25 : f64
  kokkos.parallel_for openmp (%i, %j) = (%c1, %c1) to (%ey, %ex) tile [8, 64] {
    %im = arith.subi %i, %c1 : index
    %ip = arith.addi %i, %c1 : index
    %jm = arith.subi %j, %c1 : index
    %jp = arith.addi %j, %c1 : index
    %a = memref.load %u[%im, %j] : memref<?x?xf64>
    %b = memref.load %u[%ip, %j] : memref<?x?xf64>
    %c = memref.load %u[%i, %jm] : memref<?x?xf64>
    %d = memref.load %u[%i, %jp] : memref<?x?xf64>
    %s1 = arith.addf %a, %b : f64
    %s2 = arith.addf %c, %d : f64
    %s = arith.addf %s1, %s2 : f64
    %r = arith.mulf %s, %q : f64
    memref.store %r, %v[%i, %j] : memref<?x?xf64>
  }
  return
}

// TeamPolicy: one team per row; the row is staged in team scratch, then a
// TeamThreadRange reduction sums it.
func.func @rowsum(%a: memref<?x16xf64>, %out: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %n = memref.dim %a, %c0 : memref<?x16xf64>
  kokkos.team_parallel openmp league(%n) team(auto) scratch(128) (%lr, %tr, %ls, %ts) {
    %s = kokkos.team_scratch : memref<16xf64, #kokkos.space<scratch>>
    kokkos.team_thread_for (%j) = (%c0) to (%c16) {
      kokkos.thread_vector_for (%k) = (%j) to (%j) {
      }
      %v = memref.load %a[%lr, %j] : memref<?x16xf64>
      memref.store %v, %s[%j] : memref<16xf64, #kokkos.space<scratch>>
    }
    kokkos.team_barrier
    %sum = kokkos.team_thread_reduce (%j) = (%c0) to (%c16) reduce [sum] -> f64 {
      %v = memref.load %s[%j] : memref<16xf64, #kokkos.space<scratch>>
      kokkos.yield %v : f64
    }
    memref.store %sum, %out[%lr] : memref<?xf64>
  }
  return
}

// 64-bin histogram with atomics.
func.func @histogram(%x: memref<?xf64>, %h: memref<64xi64>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %one = arith.constant 1 : i64
  %s = arith.constant 64.0 : f64
  kokkos.parallel_for openmp (%i) = (%c0) to (%n) {
    %v = memref.load %x[%i] : memref<?xf64>
    %f = arith.mulf %v, %s : f64
    %b = arith.fptosi %f : f64 to i64
    %bi = arith.index_cast %b : i64 to index
    %old = kokkos.atomic add %one, %h[%bi] : memref<64xi64>
  }
  return
}

// Views: mirror + deep_copy of a subview of a LayoutLeft view.
func.func @copy_block(%src: memref<?x?xf64, strided<[1, ?]>, #kokkos.space<device>>,
                      %dst: memref<?x?xf64>, %r0: index, %c0: index) {
  %z = arith.constant 0 : index
  %o = arith.constant 1 : index
  %nr = memref.dim %dst, %z : memref<?x?xf64>
  %nc = memref.dim %dst, %o : memref<?x?xf64>
  %sv = kokkos.subview %src[%r0, %c0] [%nr, %nc] : memref<?x?xf64, strided<[1, ?]>, #kokkos.space<device>> to memref<?x?xf64, strided<[1, ?], offset: ?>, #kokkos.space<device>>
  %m = kokkos.create_mirror_view %sv : memref<?x?xf64, strided<[1, ?], offset: ?>, #kokkos.space<device>> to memref<?x?xf64, strided<[1, ?], offset: ?>>
  kokkos.deep_copy %m, %sv : memref<?x?xf64, strided<[1, ?], offset: ?>>, memref<?x?xf64, strided<[1, ?], offset: ?>, #kokkos.space<device>>
  kokkos.fence default
  kokkos.deep_copy %dst, %m : memref<?x?xf64>, memref<?x?xf64, strided<[1, ?], offset: ?>>
  return
}
