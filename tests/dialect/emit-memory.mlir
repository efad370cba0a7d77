// RUN: kokkos-translate --kokkos-to-c %s | FileCheck %s --check-prefix=C
// RUN: kokkos-translate --kokkos-to-c %s > %t.c && cc -std=c17 -fopenmp -Wall -Wextra -Werror -fsyntax-only %t.c
// RUN: kokkos-translate --kokkos-to-cuda %s | FileCheck %s --check-prefix=CU
// RUN: kokkos-translate --kokkos-to-kokkos-cpp %s | FileCheck %s --check-prefix=KK
// RUN: kokkos-translate --kokkos-to-cuda-rtc %s | FileCheck %s --check-prefix=RTC
// The host part of the run-time-compiled CUDA is C that needs no CUDA header:
// RUN: kokkos-translate --kokkos-to-cuda-rtc %s | sed '/BEGIN DEVICE CODE/,/END DEVICE CODE/d' > %t.host.c && cc -std=c11 -Wall -Wextra -Werror -fsyntax-only %t.host.c
// Temporaries, constant arrays and host-side scalar accesses: what kernels
// from the JAX/PyTorch front ends use (situ.kokkos.lower).

// C: static float w[3] = {0.5, -1, INFINITY};
// CU: __device__ float w[3] = {0.5, -1, INFINITY};
// RTC-NOT: cuda_runtime.h
// RTC: typedef struct situ_kk_cuda_rt {
// RTC: const int situ_kk_cuda_rt_version = 1;
// RTC: // BEGIN DEVICE CODE
// RTC: __device__ float w[3] = {0.5, -1, INFINITY};
// RTC: extern "C" __global__ void [[K:situ_k[0-9]+]](
// RTC: // END DEVICE CODE
// KK: KOKKOS_INLINE_FUNCTION float situ_bits_to_f32(int32_t i)
// KK: static const float w[3] = {0.5, -1, INFINITY};
memref.global "private" constant @w : memref<3xf32> = dense<[0.5, -1.0, 0x7F800000]>

// Kokkos C++: the host table copied into a View of the global's space and shape.
// KK-LABEL: void scale(
// KK: Kokkos::View<float*, Kokkos::LayoutRight, Kokkos::HostSpace> [[G:v[0-9]+]](Kokkos::view_alloc("w", Kokkos::WithoutInitializing), 3);
// KK-NEXT: Kokkos::deep_copy([[G]], Kokkos::View<const float*, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(w, 3));
// KK: = [[G]](v{{[0-9]+}});
// KK: situ_f32_to_bits(
// C-LABEL: void scale(float *a0, int64_t a0_n0, float *a1, int64_t a1_n0, float *a2, int64_t a2_n0) {
// C: float *[[T:tmp[0-9]+]] = (float *)malloc(3 * sizeof(float));
// C: float *[[G:glob[0-9]+]] = w;
// C: situ_f32_to_bits(
// C: situ_bits_to_f32(
// C: free([[T]]);
// CU-LABEL: extern "C" void scale(
// CU: cudaMallocAsync((void **)&[[T:tmp[0-9]+]], 3 * sizeof(float), 0);
// CU: cudaGetSymbolAddress((void **)&[[G:glob[0-9]+]], w);
// CU: cudaMemcpy(&{{.*}}, &{{.*}}, sizeof(float), cudaMemcpyDeviceToHost);
// CU: cudaMemcpy(&{{.*}}, &v_, sizeof v_, cudaMemcpyHostToDevice); }
// CU: cudaFreeAsync([[T]], 0);
// RTC-LABEL: void scale(const situ_kk_cuda_rt *rt, float *a0, int64_t a0_n0,
// RTC: float *[[T:tmp[0-9]+]] = (float *)rt->alloc(rt->self, 3 * sizeof(float));
// RTC: float *[[G:glob[0-9]+]] = (float *)rt->symbol(rt->self, "w");
// RTC: { float *k0_ = a0; int64_t k1_ = a0_n0; float *k2_ = [[G]];{{.*}} rt->launch(rt->self, "[[K]]", blocks, 256, args_); }
// RTC: rt->copy(rt->self, &{{.*}}, &{{.*}}, sizeof(float));
// RTC: rt->copy(rt->self, &{{.*}}, &v_, sizeof v_); }
// RTC: rt->release(rt->self, [[T]]);
// RTC-LABEL: void scale_packed(const situ_kk_cuda_rt *rt, void **p) {
// RTC-NEXT: scale(rt, *(float **)p[0], *(int64_t *)p[1], *(float **)p[2], *(int64_t *)p[3], *(float **)p[4], *(int64_t *)p[5]);
func.func @scale(%x: memref<3xf32>, %y: memref<3xf32>, %first: memref<3xf32>) {
  %c0 = arith.constant 0 : index
  %c3 = arith.constant 3 : index
  %t = memref.alloc() : memref<3xf32>
  %g = memref.get_global @w : memref<3xf32>
  kokkos.parallel_for default (%i) = (%c0) to (%c3) {
    %a = memref.load %x[%i] : memref<3xf32>
    %b = memref.load %g[%i] : memref<3xf32>
    %m = arith.mulf %a, %b : f32
    // bit casts and NaN tests, as the vectorised exp uses them
    %bits = arith.bitcast %m : f32 to i32
    %back = arith.bitcast %bits : i32 to f32
    %nan = arith.cmpf uno, %back, %back : f32
    %r = arith.select %nan, %a, %back : f32
    memref.store %r, %t[%i] : memref<3xf32>
  }
  kokkos.parallel_for default (%i) = (%c0) to (%c3) {
    %v = memref.load %t[%i] : memref<3xf32>
    memref.store %v, %y[%i] : memref<3xf32>
  }
  // scalar host access (CUDA: one copy each way)
  %s = memref.load %y[%c0] : memref<3xf32>
  memref.store %s, %first[%c0] : memref<3xf32>
  memref.dealloc %t : memref<3xf32>
  return
}
