// The Kokkos C++ emitter against a real Kokkos (Debian's Trilinos Kokkos,
// Serial backend), for the test inputs beyond the benchmark suite
// (kokkos_cpp_run.cpp): inputs/atomics-reducers.mlir — every atomic kind and
// the reducers prod/min/max/land/lor/band/bor, with the checks of
// atomics_reducers.h — and inputs/kernels.mlir (its `openmp` kernels
// retargeted to `default`: that Kokkos has no OpenMP backend) — custom
// reducer, logical reducers, TeamPolicy with scratch and ThreadVectorRange,
// LayoutLeft subview + create_mirror_view + deep_copy — and
// inputs/alloc-kernels.mlir (temporaries from memref.alloc and constant
// tables from memref.global, as the front ends produce them), against
// reference loops here. All emitted at build time.
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "kokkos_atomics_reducers.cpp"
#include "kokkos_input_kernels.cpp"
#include "kokkos_alloc_kernels.cpp"
#include "atomics_reducers.h"

namespace {

using Mem = Kokkos::DefaultExecutionSpace::memory_space;
template <class T> using V1 = Kokkos::View<T *, Kokkos::LayoutRight, Mem>;
template <class T> using V2 = Kokkos::View<T **, Kokkos::LayoutRight, Mem>;
template <class T> using H1 = Kokkos::View<T *, Kokkos::LayoutRight, Kokkos::HostSpace>;
template <class T> using H2 = Kokkos::View<T **, Kokkos::LayoutRight, Kokkos::HostSpace>;

// ar_backend over the emitted functions (Serial: views wrap host buffers).
#define ATOMIC(K, T, C)                                                                       \
  if (!strcmp(entry, "atomic_" #K "_" #T)) {                                                  \
    atomic_##K##_##T(V1<C>((C *)x, n), V1<C>((C *)t, m), V1<C>((C *)old, n));                 \
    return 0;                                                                                 \
  }
int kk_atomic(const char *entry, ar_type, void *x, int64_t n, void *t, int64_t m, void *old) {
  ATOMIC(add, i32, int32_t) ATOMIC(add, i64, int64_t) ATOMIC(add, f32, float) ATOMIC(add, f64, double)
  ATOMIC(sub, i32, int32_t) ATOMIC(sub, i64, int64_t) ATOMIC(sub, f32, float) ATOMIC(sub, f64, double)
  ATOMIC(min, i32, int32_t) ATOMIC(min, i64, int64_t) ATOMIC(min, f32, float) ATOMIC(min, f64, double)
  ATOMIC(max, i32, int32_t) ATOMIC(max, i64, int64_t) ATOMIC(max, f32, float) ATOMIC(max, f64, double)
  ATOMIC(band, i32, int32_t) ATOMIC(band, i64, int64_t) ATOMIC(bor, i32, int32_t) ATOMIC(bor, i64, int64_t)
  return 1;
}

int kk_reduce(const char *entry, ar_type, void *x, int64_t n, ar_type, int, void *res) {
  if (!strcmp(entry, "reduce_f64")) {
    double *r = (double *)res;
    reduce_f64(V1<double>((double *)x, n), r[0], r[1], r[2]);
  } else if (!strcmp(entry, "reduce_f32")) {
    float *r = (float *)res;
    reduce_f32(V1<float>((float *)x, n), r[0], r[1], r[2]);
  } else if (!strcmp(entry, "reduce_i32")) {
    int32_t *r = (int32_t *)res;
    reduce_i32(V1<int32_t>((int32_t *)x, n), r[0], r[1], r[2], r[3], r[4]);
  } else if (!strcmp(entry, "reduce_i64")) {
    int64_t *r = (int64_t *)res;
    reduce_i64(V1<int64_t>((int64_t *)x, n), r[0], r[1], r[2], r[3], r[4]);
  } else if (!strcmp(entry, "reduce_bool")) {
    bool r[2];
    reduce_bool(V1<int32_t>((int32_t *)x, n), r[0], r[1]);
    ((uint8_t *)res)[0] = r[0], ((uint8_t *)res)[1] = r[1];
  } else {
    return 1;
  }
  return 0;
}

int kk_team(const char *entry, ar_type, void *x, int64_t rows, int64_t cols, int64_t team, ar_type, int nres,
            void *out) {
  // Debian's Serial backend runs teams of one thread; a larger team is refused.
  team = 1;
  if (!strcmp(entry, "team_reduce_f64"))
    team_reduce_f64(V2<double>((double *)x, rows, cols), team, V2<double>((double *)out, rows, nres));
  else if (!strcmp(entry, "team_reduce_i64"))
    team_reduce_i64(V2<int64_t>((int64_t *)x, rows, cols), team, V2<int64_t>((int64_t *)out, rows, nres));
  else if (!strcmp(entry, "team_reduce_bool"))
    team_reduce_bool(V2<int32_t>((int32_t *)x, rows, cols), team, V2<bool>((bool *)out, rows, nres));
  else
    return 1;
  return 0;
}

// inputs/kernels.mlir, the constructs kokkos_cpp_run does not cover.
void input_kernels(int64_t n) {
  std::vector<double> x(n);
  std::vector<int32_t> k(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = (ar_unit() - 0.5) * 100;
    k[i] = (int32_t)(ar_bits() % 1000) + 1;
  }
  if (n > 3)
    k[n / 2] = -k[n / 2];
  { // stats: sum, min, max and the custom @absmax in one pass
    double s = NAN, mn = NAN, mx = NAN, am = NAN, rs = 0, rmn = DBL_MAX, rmx = -DBL_MAX, ram = 0;
    stats(H1<double>(x.data(), n), s, mn, mx, am);
    for (double v : x)
      rs += v, rmn = std::fmin(rmn, v), rmx = std::fmax(rmx, v), ram = std::fmax(ram, std::fabs(v));
    CHECK(std::fabs(s - rs) <= 1e-12 * (1 + std::fabs(rs)) && mn == rmn && mx == rmx && am == ram,
          "stats n=%lld: %g %g %g %g, expected %g %g %g %g", (long long)n, s, mn, mx, am, rs, rmn, rmx, ram);
  }
  { // ints: land, lor (int accumulators), band, bor, prod (mod 2^32), sum
    bool land = false, lor = true;
    int32_t band = 0, bor = -1, prod = 0;
    int64_t sum = -1;
    ints(H1<int32_t>(k.data(), n), land, lor, band, bor, prod, sum);
    bool rl = true, ro = false;
    int32_t rb = -1, rr = 0;
    uint32_t rp = 1;
    int64_t rs = 0;
    for (int32_t v : k)
      rl = rl && v > 0, ro = ro || v < 0, rb &= v, rr |= v, rp *= (uint32_t)v, rs += v;
    CHECK(land == rl && lor == ro && band == rb && bor == rr && prod == (int32_t)rp && sum == rs,
          "ints n=%lld: %d %d %d %d %d %lld", (long long)n, land, lor, band, bor, prod, (long long)sum);
  }
  { // rowsum: TeamPolicy, team scratch, ThreadVectorRange, team reduction
    std::vector<double> a(16 * n), out(n, NAN);
    for (auto &v : a)
      v = ar_unit();
    rowsum(Kokkos::View<double **, Kokkos::LayoutRight, Kokkos::HostSpace>(a.data(), n, 16),
           H1<double>(out.data(), n));
    int64_t bad = 0;
    for (int64_t r = 0; r < n; ++r) {
      double s = 0;
      for (int j = 0; j < 16; ++j)
        s += a[r * 16 + j];
      bad += !(std::fabs(out[r] - s) <= 1e-13 * s);
    }
    CHECK(bad == 0, "rowsum n=%lld: %lld wrong rows", (long long)n, (long long)bad);
  }
}

// copy_block: a LayoutLeft subview, its mirror, deep_copy both ways.
void copy_block_case(int64_t rows, int64_t cols, int64_t r0, int64_t c0, int64_t nr, int64_t nc) {
  std::vector<double> src(rows * cols), dst(nr * nc, NAN);
  for (int64_t i = 0; i < rows * cols; ++i)
    src[i] = (double)i;
  copy_block(Kokkos::View<double **, Kokkos::LayoutLeft, Mem>(src.data(), rows, cols),
             H2<double>(dst.data(), nr, nc), r0, c0);
  int64_t bad = 0;
  for (int64_t i = 0; i < nr; ++i)
    for (int64_t j = 0; j < nc; ++j)
      bad += dst[i * nc + j] != src[(r0 + i) + (c0 + j) * rows]; // column-major source
  CHECK(bad == 0, "copy_block %lldx%lld at (%lld, %lld): %lld wrong", (long long)nr, (long long)nc,
        (long long)r0, (long long)c0, (long long)bad);
}

// alloc-kernels: softmax through a dynamic and a 0-d temporary View;
// colscale through a static device-space temporary; coltable through a
// memref.global table copied into a device-space View.
void alloc_kernels(int64_t n) {
  std::vector<double> x(n), y(n, NAN), a(8 * n), out(8 * n, NAN);
  for (auto &v : x)
    v = (ar_unit() - 0.5) * 10;
  for (auto &v : a)
    v = ar_unit();
  softmax(H1<double>(x.data(), n), H1<double>(y.data(), n));
  double s = 0;
  for (double v : x)
    s += std::exp(v);
  int64_t bad = 0;
  for (int64_t i = 0; i < n; ++i)
    bad += !(std::fabs(y[i] - std::exp(x[i]) / s) <= 1e-14 * (std::exp(x[i]) / s));
  CHECK(bad == 0, "softmax n=%lld: %lld wrong", (long long)n, (long long)bad);
  colscale(V2<double>(a.data(), n, 8), V2<double>(out.data(), n, 8));
  bad = 0;
  for (int64_t i = 0; i < 8 * n; ++i)
    bad += out[i] != a[i] * (double)(i % 8 + 1);
  CHECK(bad == 0, "colscale n=%lld: %lld wrong", (long long)n, (long long)bad);
  std::fill(out.begin(), out.end(), NAN);
  coltable(V2<double>(a.data(), n, 8), V2<double>(out.data(), n, 8));
  bad = 0;
  for (int64_t i = 0; i < 8 * n; ++i)
    bad += out[i] != a[i] * std::ldexp(1.0, -(int)(i % 8) - 1); // exact: powers of two
  CHECK(bad == 0, "coltable n=%lld: %lld wrong", (long long)n, (long long)bad);
}

} // namespace

int main(int argc, char **argv) {
  Kokkos::initialize(argc, argv);
  {
    // Kokkos' conventions (atomics_reducers.h): its float atomic min/max
    // let a NaN value in, and empty float Min/Max give -+DBL_MAX.
    ar_backend b = {kk_atomic, kk_reduce, kk_team};
    ar_kokkos = 1;
    ar_run_all(&b);
    for (int64_t n : {0, 1, 7, 255, 256, 257, 100003}) {
      input_kernels(n);
      alloc_kernels(n);
    }
    copy_block_case(1, 1, 0, 0, 1, 1);
    copy_block_case(9, 7, 2, 3, 4, 3);
    copy_block_case(64, 50, 10, 0, 54, 50);
  }
  Kokkos::finalize();
  if (failures)
    std::fprintf(stderr, "%d check(s) failed\n", failures);
  else
    std::printf("kokkos_cpp_checks: the emitted Kokkos C++ matches the references (Kokkos %d)\n", KOKKOS_VERSION);
  return failures != 0;
}
