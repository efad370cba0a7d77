// RUN: kokkos-translate --kokkos-to-kokkos-cpp %s | FileCheck %s --check-prefix=KK
// RUN: kokkos-translate --kokkos-to-c %s | FileCheck %s --check-prefix=C
// RUN: kokkos-translate --kokkos-to-c %s > %t.c && cc -std=c17 -fopenmp -Wall -Wextra -Werror -fsyntax-only %t.c
// RUN: kokkos-translate --kokkos-to-cuda %s | FileCheck %s --check-prefix=CU
// The Kokkos C++ of this file is checked by FileCheck; kokkos_cpp_run and
// kokkos_cpp_checks compile and run the emitter's output for the benchmark
// suite and the test inputs against Debian's Kokkos (when installed).

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
// KK: struct absmax_reducer {
// C: #pragma omp declare reduction(absmax : double : omp_out = absmax_join(omp_out, omp_in)) initializer(omp_priv = absmax_init())
// CU: __host__ __device__ static inline double absmax_join(double a, double b) {

// KK-LABEL: void axpy(double a0, const Kokkos::View<double*, Kokkos::LayoutRight, Kokkos::DefaultExecutionSpace::memory_space> &a1, const Kokkos::View<double*, Kokkos::LayoutRight, Kokkos::DefaultExecutionSpace::memory_space> &a2) {
// KK: Kokkos::parallel_for("parallel_for", Kokkos::RangePolicy<Kokkos::DefaultExecutionSpace>(v{{[0-9]+}}, v{{[0-9]+}}), KOKKOS_LAMBDA(const int64_t [[I:v[0-9]+]]) {
// KK: a2([[I]]) = v
// C-LABEL: void axpy(double a0, double *a1, int64_t a1_n0, double *a2, int64_t a2_n0) {
// C: #pragma omp parallel for
// C-NEXT: for (int64_t [[I:v[0-9]+]] = v{{[0-9]+}}; [[I]] < v{{[0-9]+}}; ++[[I]]) {
// CU: __global__ void situ_k{{[0-9]+}}(double *p{{[0-9]+}}, int64_t p{{[0-9]+}}_n0, double *p{{[0-9]+}}, int64_t p{{[0-9]+}}_n0, double p{{[0-9]+}}, int64_t lo0, int64_t n0) {
// CU: for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < total; t += (int64_t)gridDim.x * blockDim.x) {
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

// KK-LABEL: void stats(
// KK: Kokkos::parallel_reduce("parallel_reduce", Kokkos::MDRangePolicy<Kokkos::OpenMP, Kokkos::Rank<2>>({v{{.*}}, v{{.*}}}, {v{{.*}}, v{{.*}}}, {16, 16}), KOKKOS_LAMBDA(const int64_t v{{.*}}, const int64_t v{{.*}}, double &[[S:v[0-9]+]]_upd, double &[[M:v[0-9]+]]_upd) {
// KK: }, Kokkos::Sum<double>([[S]]), absmax_reducer([[M]]));
// C-LABEL: void stats(double *a0, int64_t a0_n0, int64_t a0_n1, double *r0, double *r1) {
// C: #pragma omp parallel for collapse(2) reduction(+:[[S:v[0-9]+]]) reduction(absmax:[[M:v[0-9]+]])
// C: a0[v{{[0-9]+}}*(a0_n1*1) + v{{[0-9]+}}*(1)]
// C: [[M]] = absmax_join([[M]], v
// C: *r0 = [[S]];
// CU: for (int o = 16; o > 0; o >>= 1) { const double other = __shfl_down_sync(0xffffffffu, [[A:acc[0-9]+]], o); [[A]] = [[A]] + other; }
// CU: __shared__ double warps{{[0-9]+}}[32];
// CU: absmax_join(acc1, other)
// CU: part0[blockIdx.x] = acc0;
// CU: __global__ void situ_k{{[0-9]+}}_final(int nblocks, double *part0, double *part1) {
func.func @stats(%x: memref<?x?xf64>) -> (f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?x?xf64>
  %m = memref.dim %x, %c1 : memref<?x?xf64>
  %r:2 = kokkos.parallel_reduce openmp (%i, %j) = (%c0, %c0) to (%n, %m) tile [16, 16] reduce [sum, @absmax] -> f64, f64 {
    %v = memref.load %x[%i, %j] : memref<?x?xf64>
    kokkos.yield %v, %v : f64, f64
  }
  return %r#0, %r#1 : f64, f64
}


// Host functions follow all kernels.
// CU: void axpy(double a0, double *a1, int64_t a1_n0, double *a2, int64_t a2_n0) {
// CU: situ_k{{[0-9]+}}<<<blocks, 256>>>(a1, a1_n0, a2, a2_n0, a0, v{{[0-9]+}}, (v{{[0-9]+}} - v{{[0-9]+}}));
// CU: _final<<<1, 1024>>>(blocks, part0, part1);
// CU: cudaMemcpy(&v{{[0-9]+}}, part0, sizeof v{{[0-9]+}}, cudaMemcpyDeviceToHost);
