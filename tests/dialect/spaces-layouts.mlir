// Views in the host_pinned and shared memory spaces, LayoutStride views
// (strided<[?, ?], offset: ?>) and MDRange policies of rank 4 to 6 with
// tiles: parse, print, round trip (also generic form), CPU lowering, the three
// emitters, and a run of the lowered code through mlir-runner.
// RUN: kokkos-opt %s | FileCheck %s
// RUN: kokkos-opt %s | kokkos-opt | FileCheck %s
// RUN: kokkos-opt %s --mlir-print-op-generic | kokkos-opt | FileCheck %s
// RUN: kokkos-opt %s --kokkos-lower-to-scf | FileCheck %s --check-prefix=SCF
// RUN: kokkos-opt %s --kokkos-to-llvm | FileCheck %s --check-prefix=LLVM
// RUN: kokkos-opt %s --kokkos-to-llvm="openmp=false" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_lib/libmlir_c_runner_utils.so | FileCheck %s --check-prefix=EXEC
// The emitters take the kernels without @main (it calls printing functions):
// RUN: kokkos-opt %s --symbol-privatize=exclude=pinned_shared,stride,rank4,rank5,rank6 --symbol-dce > %t.mlir
// RUN: kokkos-translate --kokkos-to-kokkos-cpp %t.mlir | FileCheck %s --check-prefix=KK
// RUN: kokkos-translate --kokkos-to-c %t.mlir > %t.c
// RUN: FileCheck %s --check-prefix=C < %t.c
// RUN: cc -std=c17 -fopenmp -Wall -Wextra -Werror -c %t.c -o %t.o
// RUN: kokkos-translate --kokkos-to-cuda %t.mlir | FileCheck %s --check-prefix=CU

!pin = memref<?xf64, #kokkos.space<host_pinned>>
!shr = memref<?xf64, #kokkos.space<shared>>
!str = memref<?x?xf64, strided<[?, ?], offset: ?>>

// Pinned and shared views are reachable from host and device execution spaces.
// CHECK-LABEL: func @pinned_shared(%{{.*}}: memref<?xf64, #kokkos.space<host_pinned>>, %{{.*}}: memref<?xf64, #kokkos.space<shared>>) -> f64
// CHECK: kokkos.parallel_for openmp
// CHECK: kokkos.parallel_reduce cuda
// CHECK: kokkos.deep_copy %{{.*}}, %{{.*}} : memref<?xf64, #kokkos.space<host_pinned>>, memref<?xf64, #kokkos.space<shared>>
// KK-LABEL: void pinned_shared(const Kokkos::View<double*, Kokkos::LayoutRight, Kokkos::SharedHostPinnedSpace> &a0, const Kokkos::View<double*, Kokkos::LayoutRight, Kokkos::SharedSpace> &a1, double &r0) {
// KK: Kokkos::RangePolicy<Kokkos::OpenMP>
// KK: Kokkos::RangePolicy<Kokkos::Cuda>
// KK: Kokkos::deep_copy(a0, a1);
// KK-NEXT: Kokkos::fence();
func.func @pinned_shared(%p: !pin, %s: !shr) -> f64 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %p, %c0 : !pin
  kokkos.parallel_for openmp (%i) = (%c0) to (%n) {
    %v = memref.load %p[%i] : !pin
    memref.store %v, %s[%i] : !shr
  }
  %r = kokkos.parallel_reduce cuda (%i) = (%c0) to (%n) reduce [sum] -> f64 {
    %a = memref.load %p[%i] : !pin
    %b = memref.load %s[%i] : !shr
    %m = arith.mulf %a, %b : f64
    kokkos.yield %m : f64
  }
  kokkos.deep_copy %p, %s : !pin, !shr
  kokkos.fence cuda
  return %r : f64
}

// LayoutStride: both strides and the offset are run-time values.
// CHECK-LABEL: func @stride(%{{.*}}: memref<?x?xf64, strided<[?, ?], offset: ?>>, %{{.*}}: memref<?x?xf64>)
// CHECK: memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<?x?xf64, strided<[?, ?], offset: ?>>
// SCF-LABEL: func @stride(
// SCF: scf.parallel
// SCF: memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<?x?xf64, strided<[?, ?], offset: ?>>
// KK-LABEL: void stride(const Kokkos::View<double**, Kokkos::LayoutStride, Kokkos::HostSpace> &a0, const Kokkos::View<double**, Kokkos::LayoutRight, Kokkos::HostSpace> &a1) {
// KK: Kokkos::MDRangePolicy<Kokkos::DefaultExecutionSpace, Kokkos::Rank<2>>
// KK: = a0(v{{[0-9]+}}, v{{[0-9]+}});
// C-LABEL: void stride(double *a0, int64_t a0_n0, int64_t a0_n1, int64_t a0_s0, int64_t a0_s1, double *a1, int64_t a1_n0, int64_t a1_n1) {
// C: = a0[v{{[0-9]+}}*a0_s0 + v{{[0-9]+}}*a0_s1];
// CU: __global__ void situ_k{{[0-9]+}}(double *[[P:p[0-9]+]], int64_t [[P]]_n0, int64_t [[P]]_n1, int64_t [[P]]_s0, int64_t [[P]]_s1,
// CU: = [[P]][v{{[0-9]+}}*[[P]]_s0 + v{{[0-9]+}}*[[P]]_s1];
func.func @stride(%a: !str, %out: memref<?x?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : !str
  %m = memref.dim %a, %c1 : !str
  %two = arith.constant 2.0 : f64
  kokkos.parallel_for default (%i, %j) = (%c0, %c0) to (%n, %m) {
    %v = memref.load %a[%i, %j] : !str
    %w = arith.mulf %v, %two : f64
    memref.store %w, %out[%i, %j] : memref<?x?xf64>
  }
  return
}

// CHECK-LABEL: func @rank4(
// CHECK: kokkos.parallel_reduce default (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) tile [2, 2, 4, 8] reduce [sum] -> f64 {
// Chunks of the outermost dimension, the inner three sequential:
// SCF-LABEL: func @rank4(
// SCF: scf.parallel
// SCF: scf.for
// SCF-NEXT: scf.for
// SCF-NEXT: scf.for
// SCF-NEXT: scf.for
// KK-LABEL: void rank4(
// KK: Kokkos::MDRangePolicy<Kokkos::DefaultExecutionSpace, Kokkos::Rank<4>>({v{{[0-9]+}}, v{{[0-9]+}}, v{{[0-9]+}}, v{{[0-9]+}}}, {v{{[0-9]+}}, v{{[0-9]+}}, v{{[0-9]+}}, v{{[0-9]+}}}, {2, 2, 4, 8}), KOKKOS_LAMBDA(const int64_t v{{[0-9]+}}, const int64_t v{{[0-9]+}}, const int64_t v{{[0-9]+}}, const int64_t v{{[0-9]+}}, double &v{{[0-9]+}}_upd) {
// C-LABEL: void rank4(
// C: #pragma omp parallel for collapse(4) reduction(+:v{{[0-9]+}})
// CU: __global__ void situ_k{{[0-9]+}}(double *{{p[0-9]+}}, int64_t {{.*}}, int64_t lo0, int64_t n0, int64_t lo1, int64_t n1, int64_t lo2, int64_t n2, int64_t lo3, int64_t n3, double *part0) {
// CU: const int64_t total = n0 * n1 * n2 * n3;
func.func @rank4(%a: memref<?x?x?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %n0 = memref.dim %a, %c0 : memref<?x?x?x?xf64>
  %n1 = memref.dim %a, %c1 : memref<?x?x?x?xf64>
  %n2 = memref.dim %a, %c2 : memref<?x?x?x?xf64>
  %n3 = memref.dim %a, %c3 : memref<?x?x?x?xf64>
  %r = kokkos.parallel_reduce default (%i, %j, %k, %l) = (%c0, %c0, %c0, %c0) to (%n0, %n1, %n2, %n3) tile [2, 2, 4, 8] reduce [sum] -> f64 {
    %v = memref.load %a[%i, %j, %k, %l] : memref<?x?x?x?xf64>
    kokkos.yield %v : f64
  }
  return %r : f64
}

// out[i, j, k, l, m] = i + j + k + l + m over a rank-5 MDRange from (1, 0, 0, 0, 0).
// CHECK-LABEL: func @rank5(
// CHECK: kokkos.parallel_for openmp ({{.*}}) tile [1, 2, 3, 4, 5] {
// KK-LABEL: void rank5(
// KK: Kokkos::MDRangePolicy<Kokkos::OpenMP, Kokkos::Rank<5>>({{.*}}, {1, 2, 3, 4, 5}), KOKKOS_LAMBDA(
// C-LABEL: void rank5(
// C: #pragma omp parallel for collapse(5)
func.func @rank5(%o: memref<?x?x?x?x?xi64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %n0 = memref.dim %o, %c0 : memref<?x?x?x?x?xi64>
  %n1 = memref.dim %o, %c1 : memref<?x?x?x?x?xi64>
  %n2 = memref.dim %o, %c2 : memref<?x?x?x?x?xi64>
  %n3 = memref.dim %o, %c3 : memref<?x?x?x?x?xi64>
  %n4 = memref.dim %o, %c4 : memref<?x?x?x?x?xi64>
  kokkos.parallel_for openmp (%i, %j, %k, %l, %m) = (%c1, %c0, %c0, %c0, %c0) to (%n0, %n1, %n2, %n3, %n4) tile [1, 2, 3, 4, 5] {
    %s1 = arith.addi %i, %j : index
    %s2 = arith.addi %s1, %k : index
    %s3 = arith.addi %s2, %l : index
    %s4 = arith.addi %s3, %m : index
    %v = arith.index_cast %s4 : index to i64
    memref.store %v, %o[%i, %j, %k, %l, %m] : memref<?x?x?x?x?xi64>
  }
  return
}

// out[i, j, k, l, m, n] = the decimal digits ijklmn.
// CHECK-LABEL: func @rank6(
// CHECK: kokkos.parallel_for default ({{.*}}) tile [1, 1, 2, 2, 3, 7] {
// SCF-LABEL: func @rank6(
// SCF: scf.parallel
// SCF-COUNT-5: scf.for
// KK-LABEL: void rank6(
// KK: Kokkos::MDRangePolicy<Kokkos::DefaultExecutionSpace, Kokkos::Rank<6>>({{.*}}, {1, 1, 2, 2, 3, 7}), KOKKOS_LAMBDA(
// C-LABEL: void rank6(
// C: #pragma omp parallel for collapse(6)
// CU: const int64_t total = n0 * n1 * n2 * n3 * n4 * n5;
// Host functions after the kernels; deep_copy between pinned and shared:
// CU-LABEL: extern "C" void pinned_shared(
// CU: cudaMemcpy(a0, a1, (1*a0_n0) * sizeof *a0, cudaMemcpyDefault);
// CU-NEXT: cudaDeviceSynchronize();
// LLVM-NOT: kokkos.
// LLVM: llvm.func @rank6
func.func @rank6(%o: memref<2x3x4x5x6x7xi64>) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c6 = arith.constant 6 : index
  %c7 = arith.constant 7 : index
  %t = arith.constant 10 : index
  kokkos.parallel_for default (%i, %j, %k, %l, %m, %n) = (%c0, %c0, %c0, %c0, %c0, %c0) to (%c2, %c3, %c4, %c5, %c6, %c7) tile [1, 1, 2, 2, 3, 7] {
    %d1 = arith.muli %i, %t : index
    %e1 = arith.addi %d1, %j : index
    %d2 = arith.muli %e1, %t : index
    %e2 = arith.addi %d2, %k : index
    %d3 = arith.muli %e2, %t : index
    %e3 = arith.addi %d3, %l : index
    %d4 = arith.muli %e3, %t : index
    %e4 = arith.addi %d4, %m : index
    %d5 = arith.muli %e4, %t : index
    %e5 = arith.addi %d5, %n : index
    %v = arith.index_cast %e5 : index to i64
    memref.store %v, %o[%i, %j, %k, %l, %m, %n] : memref<2x3x4x5x6x7xi64>
  }
  return
}

func.func private @printI64(i64)
func.func private @printF64(f64)
func.func private @printNewline()

// The results against closed forms and plain scf loops:
// sum over a 3x4x5x6 box of 1000i + 100j + 10k + l = 360000 + 54000 + 7200 + 900;
// EXEC: 422100
// rank 5 (3x3x4x5x6 from i = 1) and rank 6: wrong elements;
// EXEC-NEXT: 0
// EXEC-NEXT: 0
// LayoutStride: offset 3, strides [1, 4] into a buffer of 40: wrong elements.
// EXEC-NEXT: 0
func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c6 = arith.constant 6 : index
  %c7 = arith.constant 7 : index
  %c10 = arith.constant 10 : index
  %c40 = arith.constant 40 : index
  %zero = arith.constant 0 : i64
  %one = arith.constant 1 : i64
  // rank 4
  %a = memref.alloc(%c3, %c4, %c5, %c6) : memref<?x?x?x?xf64>
  scf.for %i = %c0 to %c3 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      scf.for %k = %c0 to %c5 step %c1 {
        scf.for %l = %c0 to %c6 step %c1 {
          %x = arith.muli %i, %c10 : index
          %y = arith.addi %x, %j : index
          %y1 = arith.muli %y, %c10 : index
          %z = arith.addi %y1, %k : index
          %z1 = arith.muli %z, %c10 : index
          %w = arith.addi %z1, %l : index
          %wi = arith.index_cast %w : index to i64
          %wf = arith.sitofp %wi : i64 to f64
          memref.store %wf, %a[%i, %j, %k, %l] : memref<?x?x?x?xf64>
        }
      }
    }
  }
  %s = func.call @rank4(%a) : (memref<?x?x?x?xf64>) -> f64
  %si = arith.fptosi %s : f64 to i64
  func.call @printI64(%si) : (i64) -> ()
  func.call @printNewline() : () -> ()
  // rank 5: row i = 0 is outside the range and keeps its -1.
  %o5 = memref.alloc(%c3, %c3, %c4, %c5, %c6) : memref<?x?x?x?x?xi64>
  %m1 = arith.constant -1 : i64
  %o5flat = memref.collapse_shape %o5 [[0, 1, 2, 3, 4]] : memref<?x?x?x?x?xi64> into memref<?xi64>
  %c1080 = arith.constant 1080 : index
  scf.for %f = %c0 to %c1080 step %c1 {
    memref.store %m1, %o5flat[%f] : memref<?xi64>
  }
  func.call @rank5(%o5) : (memref<?x?x?x?x?xi64>) -> ()
  %bad5 = scf.for %i = %c0 to %c3 step %c1 iter_args(%b0 = %zero) -> i64 {
    %r1 = scf.for %j = %c0 to %c3 step %c1 iter_args(%b1 = %b0) -> i64 {
      %r2 = scf.for %k = %c0 to %c4 step %c1 iter_args(%b2 = %b1) -> i64 {
        %r3 = scf.for %l = %c0 to %c5 step %c1 iter_args(%b3 = %b2) -> i64 {
          %r4 = scf.for %m = %c0 to %c6 step %c1 iter_args(%b4 = %b3) -> i64 {
            %t1 = arith.addi %i, %j : index
            %t2 = arith.addi %t1, %k : index
            %t3 = arith.addi %t2, %l : index
            %t4 = arith.addi %t3, %m : index
            %want0 = arith.index_cast %t4 : index to i64
            %outside = arith.cmpi eq, %i, %c0 : index
            %want = arith.select %outside, %m1, %want0 : i64
            %got = memref.load %o5[%i, %j, %k, %l, %m] : memref<?x?x?x?x?xi64>
            %ne = arith.cmpi ne, %got, %want : i64
            %inc = arith.select %ne, %one, %zero : i64
            %nb = arith.addi %b4, %inc : i64
            scf.yield %nb : i64
          }
          scf.yield %r4 : i64
        }
        scf.yield %r3 : i64
      }
      scf.yield %r2 : i64
    }
    scf.yield %r1 : i64
  }
  func.call @printI64(%bad5) : (i64) -> ()
  func.call @printNewline() : () -> ()
  // rank 6: compare with the digits, counted in the flattened row-major order.
  %o6 = memref.alloc() : memref<2x3x4x5x6x7xi64>
  func.call @rank6(%o6) : (memref<2x3x4x5x6x7xi64>) -> ()
  %flat = memref.collapse_shape %o6 [[0, 1, 2, 3, 4, 5]] : memref<2x3x4x5x6x7xi64> into memref<5040xi64>
  %c5040 = arith.constant 5040 : index
  %bad6 = scf.for %f = %c0 to %c5040 step %c1 iter_args(%b = %zero) -> i64 {
    // digits of f in the mixed radix (2, 3, 4, 5, 6, 7)
    %n = arith.remui %f, %c7 : index
    %q1 = arith.divui %f, %c7 : index
    %m = arith.remui %q1, %c6 : index
    %q2 = arith.divui %q1, %c6 : index
    %l = arith.remui %q2, %c5 : index
    %q3 = arith.divui %q2, %c5 : index
    %k = arith.remui %q3, %c4 : index
    %q4 = arith.divui %q3, %c4 : index
    %j = arith.remui %q4, %c3 : index
    %i = arith.divui %q4, %c3 : index
    %d1 = arith.muli %i, %c10 : index
    %e1 = arith.addi %d1, %j : index
    %d2 = arith.muli %e1, %c10 : index
    %e2 = arith.addi %d2, %k : index
    %d3 = arith.muli %e2, %c10 : index
    %e3 = arith.addi %d3, %l : index
    %d4 = arith.muli %e3, %c10 : index
    %e4 = arith.addi %d4, %m : index
    %d5 = arith.muli %e4, %c10 : index
    %e5 = arith.addi %d5, %n : index
    %want = arith.index_cast %e5 : index to i64
    %got = memref.load %flat[%f] : memref<5040xi64>
    %ne = arith.cmpi ne, %got, %want : i64
    %inc = arith.select %ne, %one, %zero : i64
    %nb = arith.addi %b, %inc : i64
    scf.yield %nb : i64
  }
  func.call @printI64(%bad6) : (i64) -> ()
  func.call @printNewline() : () -> ()
  // LayoutStride: a 4x5 view at offset 3 with strides [1, 4] of buf[k] = k.
  %buf = memref.alloc(%c40) : memref<?xf64>
  scf.for %k = %c0 to %c40 step %c1 {
    %ki = arith.index_cast %k : index to i64
    %kf = arith.sitofp %ki : i64 to f64
    memref.store %kf, %buf[%k] : memref<?xf64>
  }
  %v = memref.reinterpret_cast %buf to offset: [%c3], sizes: [%c4, %c5], strides: [%c1, %c4] : memref<?xf64> to !str
  %out = memref.alloc(%c4, %c5) : memref<?x?xf64>
  func.call @stride(%v, %out) : (!str, memref<?x?xf64>) -> ()
  %bads = scf.for %i = %c0 to %c4 step %c1 iter_args(%b0 = %zero) -> i64 {
    %r = scf.for %j = %c0 to %c5 step %c1 iter_args(%b1 = %b0) -> i64 {
      %j4 = arith.muli %j, %c4 : index
      %p = arith.addi %i, %j4 : index
      %p3 = arith.addi %p, %c3 : index
      %pi = arith.index_cast %p3 : index to i64
      %pf = arith.sitofp %pi : i64 to f64
      %two = arith.constant 2.0 : f64
      %want = arith.mulf %pf, %two : f64
      %got = memref.load %out[%i, %j] : memref<?x?xf64>
      %ne = arith.cmpf une, %got, %want : f64
      %inc = arith.select %ne, %one, %zero : i64
      %nb = arith.addi %b1, %inc : i64
      scf.yield %nb : i64
    }
    scf.yield %r : i64
  }
  func.call @printI64(%bads) : (i64) -> ()
  func.call @printNewline() : () -> ()
  return
}
