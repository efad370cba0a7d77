// RUN: kokkos-opt %s --linalg-to-kokkos="exec=openmp" | FileCheck %s
// RUN: kokkos-opt %s --linalg-to-kokkos | kokkos-opt --kokkos-to-llvm | FileCheck %s --check-prefix=LLVM

// A tensor program as a JAX/PyTorch export gives it: an elementwise square,
// then a sum. After bufferization the sum is a sequential accumulator loop;
// it becomes a parallel_reduce, and the square is fused into it (its
// temporary buffer disappears).
// CHECK-LABEL: func @sumsq
// CHECK-NOT: kokkos.parallel_for
// CHECK: %[[R:.*]] = kokkos.parallel_reduce openmp (%[[I:.*]]) = (%{{.*}}) to (%{{.*}}) reduce [sum] -> f64 {
// CHECK-NEXT: %[[X:.*]] = memref.load %{{.*}}[%[[I]]]
// CHECK-NEXT: %[[Q:.*]] = arith.mulf %[[X]], %[[X]] : f64
// CHECK-NEXT: kokkos.yield %[[Q]] : f64
// CHECK: %[[ACC:.*]] = memref.alloc() {{.*}} : memref<f64>
// CHECK: %[[OLD:.*]] = memref.load %[[ACC]][] : memref<f64>
// CHECK: arith.addf %[[R]], %[[OLD]] : f64
// CHECK-NOT: memref.alloc(
// LLVM: omp.wsloop
#id = affine_map<(d0) -> (d0)>
#red = affine_map<(d0) -> ()>
func.func @sumsq(%x: tensor<?xf64>) -> tensor<f64> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?xf64>
  %e = tensor.empty(%n) : tensor<?xf64>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<?xf64>) outs(%e : tensor<?xf64>) {
  ^bb0(%a: f64, %o: f64):
    %m = arith.mulf %a, %a : f64
    linalg.yield %m : f64
  } -> tensor<?xf64>
  %z = arith.constant 0.0 : f64
  %i = tensor.empty() : tensor<f64>
  %init = linalg.fill ins(%z : f64) outs(%i : tensor<f64>) -> tensor<f64>
  %s = linalg.generic {indexing_maps = [#id, #red], iterator_types = ["reduction"]}
      ins(%sq : tensor<?xf64>) outs(%init : tensor<f64>) {
  ^bb0(%a: f64, %acc: f64):
    %t = arith.addf %a, %acc : f64
    linalg.yield %t : f64
  } -> tensor<f64>
  return %s : tensor<f64>
}

// Row maxima of a matrix: the reduction dimension stays a sequential loop
// inside a parallel_for over rows (only the outermost loop nest is mapped).
// CHECK-LABEL: func @rowmax
// CHECK: kokkos.parallel_for openmp
// CHECK: scf.for
// CHECK: arith.maxnumf
#m2 = affine_map<(d0, d1) -> (d0, d1)>
#r2 = affine_map<(d0, d1) -> (d0)>
func.func @rowmax(%x: tensor<?x?xf64>, %init: tensor<?xf64>) -> tensor<?xf64> {
  %s = linalg.generic {indexing_maps = [#m2, #r2], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x?xf64>) outs(%init : tensor<?xf64>) {
  ^bb0(%a: f64, %acc: f64):
    %t = arith.maxnumf %a, %acc : f64
    linalg.yield %t : f64
  } -> tensor<?xf64>
  return %s : tensor<?xf64>
}
