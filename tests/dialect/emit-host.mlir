// RUN: kokkos-translate --kokkos-to-kokkos-cpp %s | FileCheck %s --check-prefix=KK
// RUN: kokkos-translate --kokkos-to-c %s | FileCheck %s --check-prefix=C
// RUN: kokkos-translate --kokkos-to-c %s > %t.c && cc -std=c17 -fopenmp -Wall -Wextra -Werror -fsyntax-only %t.c
// RUN: kokkos-translate --kokkos-to-cuda %s | FileCheck %s --check-prefix=CU
// Scans and teams. The Kokkos C++ of this file is checked by FileCheck
// (kokkos_cpp_run and kokkos_cpp_checks compile and run scans and teams of
// the suite and the test inputs against Debian's Kokkos); the CUDA output is
// compiled by nvcc in emit-nvcc.mlir.

// CUDA scan: chunk sums, exclusive scan of the sums, chunks again.
// CU: __global__ void [[SCAN:situ_k[0-9]+]](int64_t *p{{[0-9]+}}, int64_t p{{[0-9]+}}_n0, int64_t *p{{[0-9]+}}, int64_t p{{[0-9]+}}_n0, int64_t lo0, int64_t n0, int64_t *sums, int pass) {
// CU: const bool v{{[0-9]+}} = pass != 0;
// CU: if (!pass) sums[c] = acc;
// CUDA teams: a block per league rank, TeamThreadRange strided by blockDim.x,
// scratch in __shared__, barriers, team reductions joined through shared memory.
// CU: __global__ void [[TEAM:situ_k[0-9]+]](
// CU: const int64_t v{{[0-9]+}} = blockIdx.x;
// CU: __shared__ double scratch{{[0-9]+}}[16];
// CU: for (int64_t [[J:v[0-9]+]] = p{{[0-9]+}} + threadIdx.x; [[J]] < p{{[0-9]+}}; [[J]] += blockDim.x) {
// CU: __syncthreads();
// CU: __shared__ double red{{[0-9]+}}[1024];
// CU: atomicAdd((unsigned long long *)&
// CU: [[SCAN]]<<<32, 256>>>({{.*}}, sums, 0);
// CU: [[SCAN]]_offsets<<<1, 1>>>(sums, 8192);
// CU: [[SCAN]]<<<32, 256>>>({{.*}}, sums, 1);
// CU: [[TEAM]]<<<(unsigned)v{{[0-9]+}}, (unsigned)128>>>(
// KK-LABEL: void prefix(
// KK: Kokkos::parallel_scan("parallel_scan", Kokkos::RangePolicy<Kokkos::Serial>(v{{.*}}, v{{.*}}), KOKKOS_LAMBDA(const int64_t [[I:v[0-9]+]], int64_t &partial, const bool final) {
// KK: if (final) {
// KK: a1([[I]]) = partial;
// KK: partial += v
// C-LABEL: void prefix(
// C: const bool v{{[0-9]+}} = true;
func.func @prefix(%x: memref<?xi64>, %out: memref<?xi64>) -> i64 {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi64>
  %t = kokkos.parallel_scan serial (%i) = (%c0) to (%n) scan (%partial, %final) -> i64 {
    %v = memref.load %x[%i] : memref<?xi64>
    scf.if %final {
      memref.store %partial, %out[%i] : memref<?xi64>
    }
    kokkos.yield %v : i64
  }
  return %t : i64
}

// KK-LABEL: void rowsum(
// KK: Kokkos::parallel_for("team_parallel", Kokkos::TeamPolicy<Kokkos::OpenMP>(v{{.*}}, Kokkos::AUTO).set_scratch_size(0, Kokkos::PerTeam(128)), KOKKOS_LAMBDA(const Kokkos::TeamPolicy<Kokkos::OpenMP>::member_type &team) {
// KK: Kokkos::View<double[16], Kokkos::DefaultExecutionSpace::scratch_memory_space, Kokkos::MemoryUnmanaged> v{{[0-9]+}}(team.team_scratch(0));
// KK: Kokkos::parallel_for(Kokkos::TeamThreadRange(team, v{{.*}}, v{{.*}}), [&](const int64_t v{{.*}}) {
// KK: team.team_barrier();
// KK: Kokkos::parallel_reduce(Kokkos::TeamThreadRange(team, v{{.*}}, v{{.*}}), [&](const int64_t v{{.*}}, double &[[R:v[0-9]+]]_upd) {
// KK: }, Kokkos::Sum<double>([[R]]));
// KK: Kokkos::atomic_fetch_add(&a2(v
// C-LABEL: void rowsum(
// C: double scratch{{[0-9]+}}[16];
// C: #pragma omp atomic capture
func.func @rowsum(%a: memref<?x16xf64>, %out: memref<?xf64>, %hits: memref<1xi64>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1 : i64
  %n = memref.dim %a, %c0 : memref<?x16xf64>
  kokkos.team_parallel openmp league(%n) team(auto) scratch(128) (%lr, %tr, %ls, %ts) {
    %s = kokkos.team_scratch : memref<16xf64, #kokkos.space<scratch>>
    kokkos.team_thread_for (%j) = (%c0) to (%c16) {
      %v = memref.load %a[%lr, %j] : memref<?x16xf64>
      memref.store %v, %s[%j] : memref<16xf64, #kokkos.space<scratch>>
    }
    kokkos.team_barrier
    %sum = kokkos.team_thread_reduce (%j) = (%c0) to (%c16) reduce [sum] -> f64 {
      %v = memref.load %s[%j] : memref<16xf64, #kokkos.space<scratch>>
      kokkos.yield %v : f64
    }
    memref.store %sum, %out[%lr] : memref<?xf64>
    %o = kokkos.atomic add %one, %hits[%c0] : memref<1xi64>
  }
  return
}
