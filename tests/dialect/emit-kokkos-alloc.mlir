// Temporaries (memref.alloc/dealloc), as the front ends' bufferized kernels
// have them, in every emitter; kokkos_cpp_checks compiles and runs the
// Kokkos C++ of inputs/alloc-kernels.mlir against real Kokkos.
// RUN: kokkos-translate --kokkos-to-kokkos-cpp %situ_src/tests/dialect/inputs/alloc-kernels.mlir | FileCheck %s --check-prefix=KK
// RUN: kokkos-translate --kokkos-to-c %situ_src/tests/dialect/inputs/alloc-kernels.mlir > %t.c
// RUN: FileCheck %s --check-prefix=C < %t.c
// RUN: cc -std=c17 -fopenmp -Wall -Wextra -Werror -c %t.c -o %t.o
// RUN: kokkos-translate --kokkos-to-cuda-rtc %situ_src/tests/dialect/inputs/alloc-kernels.mlir | FileCheck %s --check-prefix=RTC
// RUN: not kokkos-translate --kokkos-to-kokkos-cpp %s 2>&1 | FileCheck %s --check-prefix=ERR

// Kokkos C++: a View in the alloc's memory space, uninitialised like
// memref.alloc; dynamic sizes become extents; dealloc drops the handle. A
// memref.global is a host table, copied at get_global into a View of its space.
// KK: static const double halves[8] = {0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625};
// KK-LABEL: void softmax(
// KK: Kokkos::View<double*, Kokkos::LayoutRight, Kokkos::HostSpace> [[T:v[0-9]+]](Kokkos::view_alloc("[[T]]", Kokkos::WithoutInitializing), [[N:v[0-9]+]]);
// KK: Kokkos::View<double, Kokkos::LayoutRight, Kokkos::HostSpace> [[A:v[0-9]+]](Kokkos::view_alloc("[[A]]", Kokkos::WithoutInitializing));
// KK: [[A]]() = v{{[0-9]+}};
// KK: Kokkos::parallel_reduce(
// KK: [[T]](v{{[0-9]+}});
// KK: [[T]] = decltype([[T]])();
// KK-NEXT: [[A]] = decltype([[A]])();
// KK-LABEL: void colscale(
// KK: Kokkos::View<double*, Kokkos::LayoutRight, Kokkos::DefaultExecutionSpace::memory_space> [[W:v[0-9]+]](Kokkos::view_alloc("[[W]]", Kokkos::WithoutInitializing), 8);
// KK: [[W]] = decltype([[W]])();
// KK-LABEL: void coltable(
// KK: Kokkos::View<double*, Kokkos::LayoutRight, Kokkos::DefaultExecutionSpace::memory_space> [[H:v[0-9]+]](Kokkos::view_alloc("halves", Kokkos::WithoutInitializing), 8);
// KK-NEXT: Kokkos::deep_copy([[H]], Kokkos::View<const double*, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(halves, 8));
// KK: = [[H]](v{{[0-9]+}});

// C: double *[[T:tmp[0-9]+]] = (double *)malloc(([[N:v[0-9]+]] > 0 ? [[N]] : 1) * sizeof(double));
// C: double *[[A:tmp[0-9]+]] = (double *)malloc(1 * sizeof(double));
// C: free([[T]]);
// C: free([[A]]);
// RTC-LABEL: void softmax(
// RTC: double *[[T:tmp[0-9]+]] = (double *)rt->alloc(rt->self, ([[N:v[0-9]+]] > 0 ? [[N]] : 1) * sizeof(double));
// RTC: rt->release(rt->self, [[T]]);

// ERR: error: the source emitter allocates in host code only
func.func @inner(%x: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %t = memref.alloc() : memref<4xf64>
    memref.dealloc %t : memref<4xf64>
  }
  return
}
