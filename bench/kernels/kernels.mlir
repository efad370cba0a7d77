// The benchmark suite, written once in the kokkos dialect. The same text is
// JIT-compiled for CPUs (libsitu-kokkos) and emitted as CUDA (kokkos-translate).
!v = memref<?xf64, #kokkos.space<device>>
!m = memref<?x?xf64, #kokkos.space<device>>
!t = memref<?x?x?xf64, #kokkos.space<device>>

// y = a x + y
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

// sum_i (a x_i + b)^2: the elementwise map fused into the reduction.
func.func @fused_sum(%a: f64, %b: f64, %x: !v) -> f64 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : !v
  %s = kokkos.parallel_reduce default (%i) = (%c0) to (%n) reduce [sum] -> f64 {
    %xv = memref.load %x[%i] : !v
    %m = arith.mulf %a, %xv : f64
    %e = arith.addf %m, %b : f64
    %q = arith.mulf %e, %e : f64
    kokkos.yield %q : f64
  }
  return %s : f64
}

// 5-point stencil on the interior of a 2-D grid.
func.func @stencil(%u: !m, %v: !m) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ny = memref.dim %u, %c0 : !m
  %nx = memref.dim %u, %c1 : !m
  %ey = arith.subi %ny, %c1 : index
  %ex = arith.subi %nx, %c1 : index
  %q = arith.constant 0.25 : f64
  kokkos.parallel_for default (%i, %j) = (%c1, %c1) to (%ey, %ex) {
    %im = arith.subi %i, %c1 : index
    %ip = arith.addi %i, %c1 : index
    %jm = arith.subi %j, %c1 : index
    %jp = arith.addi %j, %c1 : index
    %a = memref.load %u[%im, %j] : !m
    %b = memref.load %u[%ip, %j] : !m
    %c = memref.load %u[%i, %jm] : !m
    %d = memref.load %u[%i, %jp] : !m
    %s1 = arith.addf %a, %b : f64
    %s2 = arith.addf %c, %d : f64
    %s = arith.addf %s1, %s2 : f64
    %r = arith.mulf %s, %q : f64
    memref.store %r, %v[%i, %j] : !m
  }
  return
}

func.func @dot(%x: !v, %y: !v) -> f64 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : !v
  %s = kokkos.parallel_reduce default (%i) = (%c0) to (%n) reduce [sum] -> f64 {
    %a = memref.load %x[%i] : !v
    %b = memref.load %y[%i] : !v
    %p = arith.mulf %a, %b : f64
    kokkos.yield %p : f64
  }
  return %s : f64
}

// 64-bin histogram of values in [0, 1).
func.func @histogram(%x: !v, %h: memref<64xi64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : !v
  %one = arith.constant 1 : i64
  %s = arith.constant 64.0 : f64
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %v = memref.load %x[%i] : !v
    %f = arith.mulf %v, %s : f64
    %b = arith.fptosi %f : f64 to i64
    %bi = arith.index_cast %b : i64 to index
    %old = kokkos.atomic add %one, %h[%bi] : memref<64xi64, #kokkos.space<device>>
  }
  return
}

// Softmax of each row: a team per row, TeamThreadRange reductions for the
// row maximum and the sum of exponentials.
func.func @softmax(%x: !m, %y: !m) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : !m
  %cols = memref.dim %x, %c1 : !m
  kokkos.team_parallel default league(%rows) team(auto) (%r, %tr, %ls, %ts) {
    %mx = kokkos.team_thread_reduce (%j) = (%c0) to (%cols) reduce [max] -> f64 {
      %v = memref.load %x[%r, %j] : !m
      kokkos.yield %v : f64
    }
    %sum = kokkos.team_thread_reduce (%j) = (%c0) to (%cols) reduce [sum] -> f64 {
      %v = memref.load %x[%r, %j] : !m
      %d = arith.subf %v, %mx : f64
      %e = math.exp %d : f64
      memref.store %e, %y[%r, %j] : !m
      kokkos.yield %e : f64
    }
    kokkos.team_barrier
    kokkos.team_thread_for (%j) = (%c0) to (%cols) {
      %e = memref.load %y[%r, %j] : !m
      %q = arith.divf %e, %sum : f64
      memref.store %q, %y[%r, %j] : !m
    }
  }
  return
}

// C = A B (naive: one dot product per output element).
func.func @matmul(%a: !m, %b: !m, %c: !m) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : !m
  %k = memref.dim %a, %c1 : !m
  %m = memref.dim %b, %c1 : !m
  %zero = arith.constant 0.0 : f64
  kokkos.parallel_for default (%i, %j) = (%c0, %c0) to (%n, %m) {
    %s = scf.for %p = %c0 to %k step %c1 iter_args(%acc = %zero) -> f64 {
      %x = memref.load %a[%i, %p] : !m
      %y = memref.load %b[%p, %j] : !m
      %q = arith.mulf %x, %y : f64
      %t = arith.addf %acc, %q : f64
      scf.yield %t : f64
    }
    memref.store %s, %c[%i, %j] : !m
  }
  return
}

// out[k][j][i] = in[i][j][k]
func.func @transpose3d(%in: !t, %out: !t) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n0 = memref.dim %in, %c0 : !t
  %n1 = memref.dim %in, %c1 : !t
  %n2 = memref.dim %in, %c2 : !t
  kokkos.parallel_for default (%k, %j, %i) = (%c0, %c0, %c0) to (%n2, %n1, %n0) {
    %v = memref.load %in[%i, %j, %k] : !t
    memref.store %v, %out[%k, %j, %i] : !t
  }
  return
}

// Exclusive prefix sum (GPU correctness of parallel_scan; not in the CPU table).
func.func @prefix(%x: memref<?xi64, #kokkos.space<device>>, %out: memref<?xi64, #kokkos.space<device>>) -> i64 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi64, #kokkos.space<device>>
  %t = kokkos.parallel_scan default (%i) = (%c0) to (%n) scan (%partial, %final) -> i64 {
    %v = memref.load %x[%i] : memref<?xi64, #kokkos.space<device>>
    scf.if %final {
      memref.store %partial, %out[%i] : memref<?xi64, #kokkos.space<device>>
    }
    kokkos.yield %v : i64
  }
  return %t : i64
}
