// The Kokkos C++ emitter, compiled and run against a real Kokkos (Debian's
// Trilinos Kokkos, Serial backend): the suite of bench/kernels/kernels.mlir,
// emitted by `kokkos-translate --kokkos-to-kokkos-cpp` into kernels_kokkos.cpp
// at build time, on random inputs with poisoned outputs, against the
// hand-written C of bench/kernels/hand.c.
#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "kernels_kokkos.cpp"
extern "C" {
#include "hand.h"
}

namespace {

int failures = 0;
void check(bool ok, const char *what, double err) {
  if (!ok) {
    std::fprintf(stderr, "FAIL %s (error %g)\n", what, err);
    ++failures;
  }
}

std::vector<double> rand_vec(size_t n, unsigned seed) {
  std::vector<double> v(n);
  uint64_t s = 88172645463325252ull ^ seed;
  for (auto &x : v) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    x = (double)(s >> 11) / 9007199254740992.0;
  }
  return v;
}

double max_rel(const std::vector<double> &a, const std::vector<double> &b) {
  double e = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = std::fabs(a[i] - b[i]) / (1e-300 + std::fabs(b[i]));
    if (!(d <= e))
      e = d; // NaN (a poisoned output left unwritten) counts as an error
  }
  return e;
}

using Mem = Kokkos::DefaultExecutionSpace::memory_space;
template <class T> using V1 = Kokkos::View<T *, Kokkos::LayoutRight, Mem>;
template <class T> using V2 = Kokkos::View<T **, Kokkos::LayoutRight, Mem>;
template <class T> using V3 = Kokkos::View<T ***, Kokkos::LayoutRight, Mem>;

void run(int64_t n) {
  auto x = rand_vec(n, 1), y = rand_vec(n, 2);
  { // axpy
    auto ref = y, out = y;
    hand_axpy(1.5, x.data(), ref.data(), n);
    axpy(1.5, V1<double>(x.data(), n), V1<double>(out.data(), n));
    double e = max_rel(out, ref);
    check(e <= 1e-15, "axpy", e);
  }
  { // fused_sum and dot: reductions
    double r = NAN, ref = hand_fused_sum(0.5, -0.25, x.data(), n);
    fused_sum(0.5, -0.25, V1<double>(x.data(), n), r);
    double e = std::fabs(r - ref) / (1e-300 + std::fabs(ref));
    check(n == 0 ? r == 0 : e <= 1e-12, "fused_sum", e);
    r = NAN;
    ref = hand_dot(x.data(), y.data(), n);
    dot(V1<double>(x.data(), n), V1<double>(y.data(), n), r);
    e = std::fabs(r - ref) / (1e-300 + std::fabs(ref));
    check(n == 0 ? r == 0 : e <= 1e-12, "dot", e);
  }
  { // histogram: atomics
    int64_t ref[64] = {0}, h[64] = {0};
    hand_histogram(x.data(), ref, n);
    histogram(V1<double>(x.data(), n), V1<int64_t>(h, 64));
    check(std::memcmp(h, ref, sizeof h) == 0, "histogram", 1);
  }
  { // prefix: parallel_scan, exclusive, total returned
    std::vector<int64_t> in(n), out(n, -1), ref(n);
    int64_t run_sum = 0, total = -1;
    for (int64_t i = 0; i < n; ++i) {
      in[i] = (int64_t)(x[i] * 1000) - 300;
      ref[i] = run_sum;
      run_sum += in[i];
    }
    prefix(V1<int64_t>(in.data(), n), V1<int64_t>(out.data(), n), total);
    check(out == ref && total == run_sum, "prefix", 1);
  }
}

void run2d(int64_t ny, int64_t nx) {
  auto u = rand_vec(ny * nx, 3);
  { // stencil: MDRange over the interior; the boundary stays poisoned in both
    std::vector<double> ref(ny * nx, NAN), v(ny * nx, NAN);
    hand_stencil(u.data(), ref.data(), ny, nx);
    stencil(V2<double>(u.data(), ny, nx), V2<double>(v.data(), ny, nx));
    double e = 0;
    for (int64_t i = 1; i + 1 < ny; ++i)
      for (int64_t j = 1; j + 1 < nx; ++j)
        e = std::fmax(e, std::isnan(v[i * nx + j]) ? 1.0 : std::fabs(v[i * nx + j] - ref[i * nx + j]));
    check(e == 0, "stencil", e);
  }
  { // softmax: TeamPolicy, team reductions, team barrier
    std::vector<double> ref(ny * nx), out(ny * nx, NAN);
    hand_softmax(u.data(), ref.data(), ny, nx);
    softmax(V2<double>(u.data(), ny, nx), V2<double>(out.data(), ny, nx));
    double e = max_rel(out, ref);
    check(e <= 1e-12, "softmax", e);
  }
  { // matmul (ny x nx) (nx x ny)
    auto b = rand_vec(nx * ny, 4);
    std::vector<double> ref(ny * ny), c(ny * ny, NAN);
    hand_matmul(u.data(), b.data(), ref.data(), ny, nx, ny);
    matmul(V2<double>(u.data(), ny, nx), V2<double>(b.data(), nx, ny), V2<double>(c.data(), ny, ny));
    double e = max_rel(c, ref);
    check(e <= 1e-12, "matmul", e);
  }
  { // transpose3d
    int64_t n0 = ny, n1 = 3, n2 = nx;
    auto in = rand_vec(n0 * n1 * n2, 5);
    std::vector<double> ref(in.size()), out(in.size(), NAN);
    hand_transpose3d(in.data(), ref.data(), n0, n1, n2);
    transpose3d(V3<double>(in.data(), n0, n1, n2), V3<double>(out.data(), n2, n1, n0));
    double e = max_rel(out, ref);
    check(e == 0, "transpose3d", e);
  }
}

} // namespace

int main(int argc, char **argv) {
  Kokkos::initialize(argc, argv);
  for (int64_t n : {0, 1, 7, 255, 256, 257, 100003})
    run(n);
  for (auto [ny, nx] : {std::pair<int64_t, int64_t>{3, 3}, {17, 33}, {130, 65}})
    run2d(ny, nx);
  Kokkos::finalize();
  if (failures)
    std::fprintf(stderr, "%d check(s) failed\n", failures);
  else
    std::printf("kokkos_cpp_run: the emitted Kokkos C++ matches the reference C (Kokkos %d)\n", KOKKOS_VERSION);
  return failures != 0;
}
