// Every atomic kind on every element type, in all emitters, from
// inputs/atomics-reducers.mlir (the kernels jit_atomics runs on the CPU and
// gpu/gpu_atomics_reducers.cu on a GPU).
// RUN: kokkos-translate --kokkos-to-cuda %situ_src/tests/dialect/inputs/atomics-reducers.mlir | FileCheck %s --check-prefix=CU
// RUN: kokkos-translate --kokkos-to-c %situ_src/tests/dialect/inputs/atomics-reducers.mlir > %t.c
// RUN: FileCheck %s --check-prefix=C < %t.c
// RUN: cc -std=c17 -fopenmp -Wall -Wextra -Werror -c %t.c -o %t.o
// RUN: kokkos-translate --kokkos-to-kokkos-cpp %situ_src/tests/dialect/inputs/atomics-reducers.mlir | FileCheck %s --check-prefix=KK
// The GPU test runs the committed emitted CUDA (no MLIR on the GPU machine);
// it must be what the emitter writes now (tests/dialect/gpu/regenerate.sh).
// RUN: kokkos-translate --kokkos-to-cuda %situ_src/tests/dialect/inputs/atomics-reducers.mlir | diff - %situ_src/tests/dialect/gpu/atomics_reducers_cuda.cu
// RUN: kokkos-translate --kokkos-to-cuda-rtc %situ_src/tests/dialect/inputs/atomics-reducers.mlir | diff - %situ_src/tests/dialect/gpu/atomics_reducers_rtc.cu
// Atomics on types CUDA has none for are refused by name.
// RUN: kokkos-translate --kokkos-to-cuda %s -verify-diagnostics

// CUDA has no floating-point atomicMin/Max: compare-and-swap loops with
// minnum/maxnum semantics (a NaN value never replaces a number; a NaN in the
// view is replaced).
// CU-LABEL: __device__ static inline float situ_atomic_max_f32(float *p, float v) {
// CU: unsigned int *q = (unsigned int *)p, seen, old = *q;
// CU: if (!(v > cur || (cur != cur && v == v))) break;
// CU-NEXT: old = atomicCAS(q, seen, __float_as_uint(v));
// CU-NEXT: } while (old != seen);
// CU-NEXT: return __uint_as_float(seen);
// CU-LABEL: __device__ static inline double situ_atomic_max_f64(double *p, double v) {
// CU: old = atomicCAS(q, seen, (unsigned long long)__double_as_longlong(v));
// CU-LABEL: __device__ static inline float situ_atomic_min_f32(float *p, float v) {
// CU: if (!(v < cur || (cur != cur && v == v))) break;
// CU-LABEL: __device__ static inline double situ_atomic_min_f64(double *p, double v) {
// In kernel order: add, sub, min, max on i32, i64, f32, f64; band, bor on i32, i64.
// i64: unsigned long long for add/and/or (same bits), long long for min/max
// (a signed compare), add of the unsigned negation for sub (no 64-bit atomicSub).
// CU: const int32_t [[O:v[0-9]+]] = atomicAdd(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], v{{[0-9]+}});
// CU: const int64_t {{v[0-9]+}} = (int64_t)atomicAdd((unsigned long long *)&p{{[0-9]+}}[v{{[0-9]+}}*(1)], (unsigned long long)v{{[0-9]+}});
// CU: const float {{v[0-9]+}} = atomicAdd(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], v{{[0-9]+}});
// CU: const double {{v[0-9]+}} = atomicAdd(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], v{{[0-9]+}});
// CU: const int32_t {{v[0-9]+}} = atomicSub(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], v{{[0-9]+}});
// CU: const int64_t {{v[0-9]+}} = (int64_t)atomicAdd((unsigned long long *)&p{{[0-9]+}}[v{{[0-9]+}}*(1)], 0ULL - (unsigned long long)v{{[0-9]+}});
// CU: const float {{v[0-9]+}} = atomicAdd(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], -v{{[0-9]+}});
// CU: const double {{v[0-9]+}} = atomicAdd(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], -v{{[0-9]+}});
// CU: const int32_t {{v[0-9]+}} = atomicMin(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], v{{[0-9]+}});
// CU: const int64_t {{v[0-9]+}} = (int64_t)atomicMin((long long *)&p{{[0-9]+}}[v{{[0-9]+}}*(1)], (long long)v{{[0-9]+}});
// CU: const float {{v[0-9]+}} = situ_atomic_min_f32(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], v{{[0-9]+}});
// CU: const double {{v[0-9]+}} = situ_atomic_min_f64(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], v{{[0-9]+}});
// CU: const int32_t {{v[0-9]+}} = atomicMax(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], v{{[0-9]+}});
// CU: const int64_t {{v[0-9]+}} = (int64_t)atomicMax((long long *)&p{{[0-9]+}}[v{{[0-9]+}}*(1)], (long long)v{{[0-9]+}});
// CU: const float {{v[0-9]+}} = situ_atomic_max_f32(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], v{{[0-9]+}});
// CU: const double {{v[0-9]+}} = situ_atomic_max_f64(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], v{{[0-9]+}});
// CU: const int32_t {{v[0-9]+}} = atomicAnd(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], v{{[0-9]+}});
// CU: const int64_t {{v[0-9]+}} = (int64_t)atomicAnd((unsigned long long *)&p{{[0-9]+}}[v{{[0-9]+}}*(1)], (unsigned long long)v{{[0-9]+}});
// CU: const int32_t {{v[0-9]+}} = atomicOr(&p{{[0-9]+}}[v{{[0-9]+}}*(1)], v{{[0-9]+}});
// CU: const int64_t {{v[0-9]+}} = (int64_t)atomicOr((unsigned long long *)&p{{[0-9]+}}[v{{[0-9]+}}*(1)], (unsigned long long)v{{[0-9]+}});

// C/OpenMP: atomic capture where OpenMP has the operation, a critical
// section for min/max (floats: minnum/maxnum, as above).
// C-COUNT-2: { [[O:v[0-9]+]] = [[T:a1\[v[0-9]+\*\(1\)\]]]; [[T]] += v{{[0-9]+}}; }
// C-COUNT-2: { [[O:v[0-9]+]] = [[T:a1\[v[0-9]+\*\(1\)\]]]; [[T]] = [[T]] + v{{[0-9]+}}; }
// C-COUNT-2: { [[O:v[0-9]+]] = [[T:a1\[v[0-9]+\*\(1\)\]]]; [[T]] -= v{{[0-9]+}}; }
// C-COUNT-2: { [[O:v[0-9]+]] = [[T:a1\[v[0-9]+\*\(1\)\]]]; [[T]] = [[T]] - v{{[0-9]+}}; }
// C-COUNT-2: { [[O:v[0-9]+]] = [[T:a1\[v[0-9]+\*\(1\)\]]]; if ([[V:v[0-9]+]] < [[T]]) [[T]] = [[V]]; }
// C-COUNT-2: { [[O:v[0-9]+]] = [[T:a1\[v[0-9]+\*\(1\)\]]]; if ([[V:v[0-9]+]] < [[T]] || ([[T]] != [[T]] && [[V]] == [[V]])) [[T]] = [[V]]; }
// C-COUNT-2: { [[O:v[0-9]+]] = [[T:a1\[v[0-9]+\*\(1\)\]]]; if ([[V:v[0-9]+]] > [[T]]) [[T]] = [[V]]; }
// C-COUNT-2: { [[O:v[0-9]+]] = [[T:a1\[v[0-9]+\*\(1\)\]]]; if ([[V:v[0-9]+]] > [[T]] || ([[T]] != [[T]] && [[V]] == [[V]])) [[T]] = [[V]]; }
// C-COUNT-2: { [[O:v[0-9]+]] = [[T:a1\[v[0-9]+\*\(1\)\]]]; [[T]] &= v{{[0-9]+}}; }
// C-COUNT-2: { [[O:v[0-9]+]] = [[T:a1\[v[0-9]+\*\(1\)\]]]; [[T]] |= v{{[0-9]+}}; }

// KK: const int32_t {{v[0-9]+}} = Kokkos::atomic_fetch_add(&a1(v{{[0-9]+}}), v{{[0-9]+}});
// KK: const int64_t {{v[0-9]+}} = Kokkos::atomic_fetch_add(
// KK: const float {{v[0-9]+}} = Kokkos::atomic_fetch_add(
// KK: const double {{v[0-9]+}} = Kokkos::atomic_fetch_add(
// KK-COUNT-4: Kokkos::atomic_fetch_sub(
// KK-COUNT-4: Kokkos::atomic_fetch_min(
// KK-COUNT-4: Kokkos::atomic_fetch_max(
// KK-COUNT-2: Kokkos::atomic_fetch_and(
// KK-COUNT-2: Kokkos::atomic_fetch_or(

func.func @short(%h: memref<?xi16, #kokkos.space<device>>, %v: i16) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %h, %c0 : memref<?xi16, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    // expected-error @+1 {{the CUDA emitter has atomics on i32, i64, f32 and f64 only, not 'i16'}}
    %o = kokkos.atomic add %v, %h[%i] : memref<?xi16, #kokkos.space<device>>
  }
  return
}
