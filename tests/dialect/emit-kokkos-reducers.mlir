// Kokkos C++ reducers, as Debian's Kokkos 3.4 compiles them (kokkos_cpp_checks
// compiles and runs this output): the built-in Kokkos::Prod/Min/Max/BAnd/BOr;
// LAnd/LOr of i1 over an int (Kokkos has no reduction_identity<bool>); a
// team_thread_reduce of several results as one struct through a generated
// reducer (a nested parallel_reduce takes one reducer).
// RUN: kokkos-translate --kokkos-to-kokkos-cpp %situ_src/tests/dialect/inputs/atomics-reducers.mlir | FileCheck %s
// RUN: kokkos-translate --kokkos-to-kokkos-cpp %s | FileCheck %s --check-prefix=CUSTOM

// CHECK: struct [[F:situ_team_red[0-9]+]] {
// CHECK-NEXT: double v0;
// CHECK-NEXT: double v1;
// CHECK-NEXT: double v2;
// CHECK-NEXT: };
// CHECK-NEXT: struct [[F]]_reducer {
// CHECK: using value_type = [[F]];
// CHECK: void join(value_type &dst, const value_type &src) const { dst.v0 = dst.v0 * src.v0; dst.v1 = fmin(dst.v1, src.v1); dst.v2 = fmax(dst.v2, src.v2); }
// CHECK: void init(value_type &v) const { v.v0 = (double)1; v.v1 = Kokkos::reduction_identity<double>::min(); v.v2 = Kokkos::reduction_identity<double>::max(); }
// CHECK: struct [[I:situ_team_red[0-9]+]] {
// CHECK: void join(value_type &dst, const value_type &src) const { dst.v0 = dst.v0 * src.v0; dst.v1 = src.v1 < dst.v1 ? src.v1 : dst.v1; dst.v2 = src.v2 > dst.v2 ? src.v2 : dst.v2; dst.v3 = dst.v3 & src.v3; dst.v4 = dst.v4 | src.v4; }
// CHECK: struct [[B:situ_team_red[0-9]+]] {
// CHECK-NEXT: bool v0;
// CHECK: void join(value_type &dst, const value_type &src) const { dst.v0 = dst.v0 && src.v0; dst.v1 = dst.v1 || src.v1; }
// CHECK: void init(value_type &v) const { v.v0 = true; v.v1 = (bool)0; }

// CHECK-LABEL: void reduce_f64(
// CHECK: }, Kokkos::Prod<double>(v{{[0-9]+}}), Kokkos::Min<double>(v{{[0-9]+}}), Kokkos::Max<double>(v{{[0-9]+}}));
// CHECK-LABEL: void reduce_f32(
// CHECK: }, Kokkos::Prod<float>(v{{[0-9]+}}), Kokkos::Min<float>(v{{[0-9]+}}), Kokkos::Max<float>(v{{[0-9]+}}));
// CHECK-LABEL: void reduce_i32(
// CHECK: }, Kokkos::Prod<int32_t>(v{{[0-9]+}}), Kokkos::Min<int32_t>(v{{[0-9]+}}), Kokkos::Max<int32_t>(v{{[0-9]+}}), Kokkos::BAnd<int32_t>(v{{[0-9]+}}), Kokkos::BOr<int32_t>(v{{[0-9]+}}));
// CHECK-LABEL: void reduce_i64(
// CHECK: Kokkos::BAnd<int64_t>(v{{[0-9]+}}), Kokkos::BOr<int64_t>(v{{[0-9]+}}));
// CHECK-LABEL: void reduce_bool(
// CHECK: int [[L:v[0-9]+]]_acc;
// CHECK-NEXT: int [[O:v[0-9]+]]_acc;
// CHECK: KOKKOS_LAMBDA(const int64_t v{{[0-9]+}}, int &[[L]]_upd, int &[[O]]_upd) {
// CHECK: [[L]]_upd = [[L]]_upd && v{{[0-9]+}};
// CHECK: }, Kokkos::LAnd<int>([[L]]_acc), Kokkos::LOr<int>([[O]]_acc));
// CHECK-NEXT: const bool [[L]] = [[L]]_acc != 0;
// CHECK-NEXT: const bool [[O]] = [[O]]_acc != 0;
// CHECK-NEXT: r0 = [[L]];
// CHECK-LABEL: void team_reduce_f64(
// CHECK: [[F]] [[R:red[0-9]+]];
// CHECK-NEXT: Kokkos::parallel_reduce(Kokkos::TeamThreadRange(team, v{{[0-9]+}}, v{{[0-9]+}}), [&](const int64_t [[J:v[0-9]+]], [[F]] &upd) {
// CHECK: upd.v0 = upd.v0 * [[X:v[0-9]+]];
// CHECK-NEXT: upd.v1 = fmin(upd.v1, [[X]]);
// CHECK-NEXT: upd.v2 = fmax(upd.v2, [[X]]);
// CHECK-NEXT: }, [[F]]_reducer([[R]]));
// CHECK-NEXT: const double v{{[0-9]+}} = [[R]].v0;
// CHECK-LABEL: void team_reduce_bool(
// CHECK: }, [[B]]_reducer(

// A custom reducer in a combined team reduction: its join is defined before
// the struct that calls it.
// CUSTOM: double absmax_join(double a, double b) {
// CUSTOM: struct [[S:situ_team_red[0-9]+]] {
// CUSTOM: dst.v0 = absmax_join(dst.v0, src.v0); dst.v1 = dst.v1 + src.v1;
// CUSTOM: v.v0 = absmax_init(); v.v1 = (double)0;
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
func.func @rows(%x: memref<?x?xf64>, %out: memref<?x2xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %x, %c0 : memref<?x?xf64>
  %cols = memref.dim %x, %c1 : memref<?x?xf64>
  kokkos.team_parallel default league(%rows) team(auto) (%lr, %tr, %ls, %ts) {
    %r:2 = kokkos.team_thread_reduce (%j) = (%c0) to (%cols) reduce [@absmax, sum] -> f64, f64 {
      %v = memref.load %x[%lr, %j] : memref<?x?xf64>
      kokkos.yield %v, %v : f64, f64
    }
    memref.store %r#0, %out[%lr, %c0] : memref<?x2xf64>
    memref.store %r#1, %out[%lr, %c1] : memref<?x2xf64>
  }
  return
}

// One logical reducer in a team reduction: Kokkos::LAnd over an int too.
// CUSTOM-LABEL: void all_pos(
// CUSTOM: int [[A:v[0-9]+]]_acc;
// CUSTOM: Kokkos::parallel_reduce(Kokkos::TeamThreadRange(team, v{{[0-9]+}}, v{{[0-9]+}}), [&](const int64_t v{{[0-9]+}}, int &[[A]]_upd) {
// CUSTOM: }, Kokkos::LAnd<int>([[A]]_acc));
// CUSTOM-NEXT: const bool [[A]] = [[A]]_acc != 0;
func.func @all_pos(%x: memref<?x?xf64>, %out: memref<?xi1>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f64
  %rows = memref.dim %x, %c0 : memref<?x?xf64>
  %cols = memref.dim %x, %c1 : memref<?x?xf64>
  kokkos.team_parallel default league(%rows) team(auto) (%lr, %tr, %ls, %ts) {
    %r = kokkos.team_thread_reduce (%j) = (%c0) to (%cols) reduce [land] -> i1 {
      %v = memref.load %x[%lr, %j] : memref<?x?xf64>
      %p = arith.cmpf ogt, %v, %z : f64
      kokkos.yield %p : i1
    }
    memref.store %r, %out[%lr] : memref<?xi1>
  }
  return
}
