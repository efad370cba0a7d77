// arith.maximumf/minimumf propagate NaNs; the built-in max/min reducers
// (maxnum/minnum) drop them, so convert-to-kokkos gives these reductions a
// custom reducer that joins with the op itself, and the results keep the NaN.
// RUN: kokkos-opt %s --convert-to-kokkos | FileCheck %s
// RUN: kokkos-opt %s --convert-to-kokkos --kokkos-to-llvm="openmp=false" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_lib/libmlir_c_runner_utils.so | FileCheck %s --check-prefix=EXEC
// RUN: kokkos-opt %s --convert-to-kokkos --symbol-privatize=exclude=extrema,acc_max --symbol-dce | kokkos-translate --kokkos-to-c | FileCheck %s --check-prefix=C

// One reducer per op and type, at the top of the module (the identity is
// -inf for maximumf, +inf for minimumf).
// CHECK-DAG: kokkos.reducer @situ_maximumf_f32 : f32 init {
// CHECK-DAG: kokkos.reducer @situ_minimumf_f64 : f64 init {
// CHECK: kokkos.reducer @situ_maximumf_f64 : f64 init {
// CHECK-NEXT: arith.constant 0xFFF0000000000000 : f64
// CHECK: join {
// CHECK: arith.maximumf %arg0, %arg1 : f64
// CHECK-LABEL: func @extrema
// CHECK: %[[R:.*]]:3 = kokkos.parallel_reduce default {{.*}} reduce [@situ_maximumf_f64, @situ_minimumf_f64, max] -> f64, f64, f64
// The init value joins with the op of the loop:
// CHECK: arith.maximumf %{{.*}}, %[[R]]#0 : f64
// CHECK: arith.minimumf %{{.*}}, %[[R]]#1 : f64
// CHECK: arith.maxnumf %{{.*}}, %[[R]]#2 : f64
// C: static inline double situ_maximumf_f64_join(double a, double b) {
// C: = a != a ? a : b != b ? b : fmax(a, b);
func.func @extrema(%x: memref<?xf64>, %i0: f64, %i1: f64, %i2: f64) -> (f64, f64, f64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf64>
  %r:3 = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%i0, %i1, %i2) -> (f64, f64, f64) {
    %v = memref.load %x[%i] : memref<?xf64>
    scf.reduce(%v, %v, %v : f64, f64, f64) {
    ^bb0(%a: f64, %b: f64):
      %m = arith.maximumf %a, %b : f64
      scf.reduce.return %m : f64
    }, {
    ^bb0(%a: f64, %b: f64):
      %m = arith.minimumf %a, %b : f64
      scf.reduce.return %m : f64
    }, {
    ^bb0(%a: f64, %b: f64):
      %m = arith.maxnumf %a, %b : f64
      scf.reduce.return %m : f64
    }
  }
  return %r#0, %r#1, %r#2 : f64, f64, f64
}

// The bufferized reduction idiom (acc[] = maximumf(g(i), acc[])) too.
// CHECK-LABEL: func @acc_max
// CHECK: %[[M:.*]] = kokkos.parallel_reduce default {{.*}} reduce [@situ_maximumf_f32] -> f32
// CHECK: arith.maximumf %[[M]], %{{.*}} : f32
func.func @acc_max(%x: memref<?xf32>, %out: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %acc = memref.alloc() : memref<f32>
  %ninf = arith.constant 0xFF800000 : f32
  memref.store %ninf, %acc[] : memref<f32>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %x[%i] : memref<?xf32>
    %a = memref.load %acc[] : memref<f32>
    %m = arith.maximumf %v, %a : f32
    memref.store %m, %acc[] : memref<f32>
  }
  %r = memref.load %acc[] : memref<f32>
  memref.store %r, %out[] : memref<f32>
  memref.dealloc %acc : memref<f32>
  return
}

func.func private @printF64(f64)
func.func private @printComma()
func.func private @printNewline()

func.func @print3(%a: f64, %b: f64, %c: f64) {
  func.call @printF64(%a) : (f64) -> ()
  func.call @printComma() : () -> ()
  func.call @printF64(%b) : (f64) -> ()
  func.call @printComma() : () -> ()
  func.call @printF64(%c) : (f64) -> ()
  func.call @printNewline() : () -> ()
  return
}

// x = [3, NaN, -7, 1000 x 1.5]: maximumf and minimumf give NaN, maxnumf 3.
// EXEC: nan, nan, 3
// Without the NaN: 3, -7, 3.
// EXEC-NEXT: 3, -7, 3
// A NaN init value joins after the reduction: NaN again (maxnumf drops it).
// EXEC-NEXT: nan, nan, 3
// acc_max over the f32 copy with its NaN.
// EXEC-NEXT: nan
// EXEC-NEXT: 3
func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = arith.constant 1003 : index
  %x = memref.alloc(%n) : memref<?xf64>
  %xf = memref.alloc(%n) : memref<?xf32>
  %out = memref.alloc() : memref<f32>
  %fill = arith.constant 1.5 : f64
  scf.for %i = %c0 to %n step %c1 {
    memref.store %fill, %x[%i] : memref<?xf64>
  }
  %three = arith.constant 3.0 : f64
  %nan = arith.constant 0x7FF8000000000000 : f64
  %m7 = arith.constant -7.0 : f64
  %ninf = arith.constant 0xFFF0000000000000 : f64
  %pinf = arith.constant 0x7FF0000000000000 : f64
  memref.store %three, %x[%c0] : memref<?xf64>
  memref.store %nan, %x[%c1] : memref<?xf64>
  memref.store %m7, %x[%c2] : memref<?xf64>
  %a:3 = func.call @extrema(%x, %ninf, %pinf, %ninf) : (memref<?xf64>, f64, f64, f64) -> (f64, f64, f64)
  func.call @print3(%a#0, %a#1, %a#2) : (f64, f64, f64) -> ()
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %x[%i] : memref<?xf64>
    %f = arith.truncf %v : f64 to f32
    memref.store %f, %xf[%i] : memref<?xf32>
  }
  memref.store %fill, %x[%c1] : memref<?xf64>
  %b:3 = func.call @extrema(%x, %ninf, %pinf, %ninf) : (memref<?xf64>, f64, f64, f64) -> (f64, f64, f64)
  func.call @print3(%b#0, %b#1, %b#2) : (f64, f64, f64) -> ()
  %c:3 = func.call @extrema(%x, %nan, %nan, %nan) : (memref<?xf64>, f64, f64, f64) -> (f64, f64, f64)
  func.call @print3(%c#0, %c#1, %c#2) : (f64, f64, f64) -> ()
  func.call @acc_max(%xf, %out) : (memref<?xf32>, memref<f32>) -> ()
  %r = memref.load %out[] : memref<f32>
  %rd = arith.extf %r : f32 to f64
  func.call @printF64(%rd) : (f64) -> ()
  func.call @printNewline() : () -> ()
  %fl = arith.constant 1.5 : f32
  memref.store %fl, %xf[%c1] : memref<?xf32>
  func.call @acc_max(%xf, %out) : (memref<?xf32>, memref<f32>) -> ()
  %r2 = memref.load %out[] : memref<f32>
  %rd2 = arith.extf %r2 : f32 to f64
  func.call @printF64(%rd2) : (f64) -> ()
  func.call @printNewline() : () -> ()
  return
}
