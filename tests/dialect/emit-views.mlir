// View operations and ThreadVectorRange in every emitter: subview,
// create_mirror_view, deep_copy, fence; TeamThreadRange + ThreadVectorRange.
// RUN: kokkos-translate --kokkos-to-kokkos-cpp %s | FileCheck %s --check-prefix=KK
// RUN: kokkos-translate --kokkos-to-c %s > %t.c
// RUN: FileCheck %s --check-prefix=C < %t.c
// RUN: cc -std=c17 -fopenmp -Wall -Wextra -Werror -c %t.c -o %t.o
// CUDA copies with one cudaMemcpy, so row-major views only:
// RUN: kokkos-opt %s --symbol-privatize=exclude=views_right,vector --symbol-dce > %t.cu.mlir
// RUN: kokkos-translate --kokkos-to-cuda %t.cu.mlir | FileCheck %s --check-prefix=CU
// RUN: kokkos-translate --kokkos-to-cuda %t.cu.mlir | FileCheck %s --check-prefix=CUV
// RUN: kokkos-translate --kokkos-to-cuda-rtc %t.cu.mlir | FileCheck %s --check-prefix=RTC
// RUN: not kokkos-translate --kokkos-to-cuda %s 2>&1 | FileCheck %s --check-prefix=CUERR

!l = memref<?x?xf64, strided<[1, ?]>>
!ls = memref<?x?xf64, strided<[1, ?], offset: ?>>

// A block of a LayoutLeft view: subview, its mirror, deep_copy both ways.
// KK-LABEL: void views_left(const Kokkos::View<double**, Kokkos::LayoutLeft, Kokkos::HostSpace> &a0, const Kokkos::View<double**, Kokkos::LayoutRight, Kokkos::HostSpace> &a1, int64_t a2, int64_t a3) {
// KK: auto [[SV:v[0-9]+]] = Kokkos::subview(a0, Kokkos::make_pair(a2, a2 + [[NR:v[0-9]+]]), Kokkos::make_pair(a3, a3 + [[NC:v[0-9]+]]));
// KK-NEXT: auto [[M:v[0-9]+]] = Kokkos::create_mirror_view([[SV]]);
// KK-NEXT: Kokkos::deep_copy([[M]], [[SV]]);
// KK-NEXT: Kokkos::deep_copy(a1, [[M]]);
// KK-NEXT: Kokkos::fence();
// C-LABEL: void views_left(double *a0, int64_t a0_n0, int64_t a0_n1, int64_t a0_s0, int64_t a0_s1, double *a1, int64_t a1_n0, int64_t a1_n1, int64_t a2, int64_t a3) {
// The subview is a pointer offset with the source's strides; the mirror of
// a host view is the view itself; deep_copy is a strided loop nest.
// C: __typeof__(a0) [[S:sub[0-9]+]] = a0 + a2*a0_s0 + a3*a0_s1;
// C: #pragma omp parallel for collapse(2)
// C: [[S]][{{.*}}*a0_s0 + {{.*}}*a0_s1] = [[S]][{{.*}}*a0_s0 + {{.*}}*a0_s1];
// C: #pragma omp parallel for collapse(2)
// C: for (int64_t [[I:c[0-9]+_0]] = 0; [[I]] < a1_n0; ++[[I]]) {
// C-NEXT: for (int64_t [[J:c[0-9]+_1]] = 0; [[J]] < a1_n1; ++[[J]]) {
// C-NEXT: a1[[[I]]*(a1_n1*1) + [[J]]*(1)] = [[S]][[[I]]*a0_s0 + [[J]]*a0_s1];
// C: /* fence: host loops are synchronous */
// CUERR: error: the CUDA emitter deep_copies row-major (LayoutRight) views only, with one cudaMemcpy; copy other layouts in a parallel_for
func.func @views_left(%src: !l, %dst: memref<?x?xf64>, %r0: index, %c0: index) {
  %z = arith.constant 0 : index
  %o = arith.constant 1 : index
  %nr = memref.dim %dst, %z : memref<?x?xf64>
  %nc = memref.dim %dst, %o : memref<?x?xf64>
  %sv = kokkos.subview %src[%r0, %c0] [%nr, %nc] : !l to !ls
  %m = kokkos.create_mirror_view %sv : !ls to !ls
  kokkos.deep_copy %m, %sv : !ls, !ls
  kokkos.deep_copy %dst, %m : memref<?x?xf64>, !ls
  kokkos.fence default
  return
}

// Row-major views between host and device.
// KK-LABEL: void views_right(
// KK: auto [[S1:v[0-9]+]] = Kokkos::subview(a0, Kokkos::make_pair(a2, a2 + a3));
// KK: auto [[M1:v[0-9]+]] = Kokkos::create_mirror_view(a0);
// KK-NEXT: Kokkos::deep_copy([[M1]], a1);
// KK-NEXT: Kokkos::fence();
// KK-NEXT: Kokkos::deep_copy(a1, [[M1]]);
// C-LABEL: void views_right(
// C: __typeof__(a0) [[S1:sub[0-9]+]] = a0 + a2*(1);
// C: a0[{{.*}}] = a1[{{.*}}];
// C: a1[{{.*}}] = a0[{{.*}}];
// The mirror of a host view is the view itself:
// CU-LABEL: extern "C" void views_right(double *a0, int64_t a0_n0, double *a1, int64_t a1_n0, int64_t a2, int64_t a3, double *r0) {
// CU: __typeof__(a0) [[S1:sub[0-9]+]] = a0 + a2*(1);
// CU: cudaMemcpy(&{{.*}}, &[[S1]][{{.*}}], sizeof(double), cudaMemcpyDeviceToHost);
// CU: cudaMemcpy(a0, a1, (1*a0_n0) * sizeof *a0, cudaMemcpyDeviceToHost);
// CU-NEXT: cudaDeviceSynchronize();
// CU-NEXT: cudaMemcpy(a1, a0, (1*a1_n0) * sizeof *a1, cudaMemcpyHostToDevice);
// RTC-LABEL: void views_right(const situ_kk_cuda_rt *rt,
// RTC: rt->copy(rt->self, a0, a1, (1*a0_n0) * sizeof *a0);
// RTC-NEXT: rt->sync(rt->self);
// RTC-NEXT: rt->copy(rt->self, a1, a0, (1*a1_n0) * sizeof *a1);
func.func @views_right(%h: memref<?xf64>, %d: memref<?xf64, #kokkos.space<device>>, %off: index, %len: index) -> f64 {
  %sv = kokkos.subview %h[%off] [%len] : memref<?xf64> to memref<?xf64, strided<[1], offset: ?>>
  %c0 = arith.constant 0 : index
  %v = memref.load %sv[%c0] : memref<?xf64, strided<[1], offset: ?>>
  %m = kokkos.create_mirror_view %h : memref<?xf64> to memref<?xf64>
  kokkos.deep_copy %m, %d : memref<?xf64>, memref<?xf64, #kokkos.space<device>>
  kokkos.fence default
  kokkos.deep_copy %d, %m : memref<?xf64, #kokkos.space<device>>, memref<?xf64>
  return %v : f64
}

// ThreadVectorRange inside TeamThreadRange: Kokkos' nested parallel_for;
// sequential per thread in C (teams of one) and CUDA (a thread's loop).
// KK-LABEL: void vector(
// KK: Kokkos::TeamPolicy<Kokkos::DefaultExecutionSpace>(v{{[0-9]+}}, Kokkos::AUTO, v{{[0-9]+}})
// KK: Kokkos::parallel_for(Kokkos::TeamThreadRange(team, [[LO:v[0-9]+]], v{{[0-9]+}}), [&](const int64_t [[J:v[0-9]+]]) {
// KK-NEXT: Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, [[LO]], [[J]]), [&](const int64_t [[K:v[0-9]+]]) {
// KK-NEXT: const double [[V:v[0-9]+]] = a0(v{{[0-9]+}}, [[K]]);
// KK-NEXT: a0(v{{[0-9]+}}, [[J]]) = [[V]];
// KK-NEXT: });
// KK-NEXT: });
// C-LABEL: void vector(
// C: for (int64_t [[J:v[0-9]+]] = [[LO:v[0-9]+]]; [[J]] < v{{[0-9]+}}; ++[[J]]) {
// C-NEXT: for (int64_t [[K:v[0-9]+]] = [[LO]]; [[K]] < [[J]]; ++[[K]]) {
// CUV: __global__ void situ_k{{[0-9]+}}(
// CUV: for (int64_t [[J:v[0-9]+]] = [[LO:p[0-9]+]] + threadIdx.x; [[J]] < p{{[0-9]+}}; [[J]] += blockDim.x) {
// CUV-NEXT: for (int64_t [[K:v[0-9]+]] = [[LO]]; [[K]] < [[J]]; ++[[K]]) {
func.func @vector(%a: memref<?x?xf64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?x?xf64, #kokkos.space<device>>
  %m = memref.dim %a, %c1 : memref<?x?xf64, #kokkos.space<device>>
  kokkos.team_parallel default league(%n) team(auto) vector(%c1) (%lr, %tr, %ls, %ts) {
    kokkos.team_thread_for (%j) = (%c0) to (%m) {
      kokkos.thread_vector_for (%k) = (%c0) to (%j) {
        %v = memref.load %a[%lr, %k] : memref<?x?xf64, #kokkos.space<device>>
        memref.store %v, %a[%lr, %j] : memref<?x?xf64, #kokkos.space<device>>
      }
    }
  }
  return
}
