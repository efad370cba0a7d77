/* Numerical tests of libsitu-kokkos: JIT each kernel of inputs/kernels.mlir,
 * run it on random inputs with poisoned outputs, compare with reference C.
 * Usage: jit_kernels KERNELS.mlir [sequential] */
#include "situ_kokkos.h"
#include "slurp.h"
#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double urand(void) { /* xorshift64*, uniform in [0, 1) */
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static situ_kk_ctx *ctx;
static const char *ir;
static size_t ir_len;

static situ_kk_kernel *get(const char *entry) {
  situ_kk_kernel *k = NULL;
  int rc = situ_kk_compile(ctx, ir, ir_len, entry, &k);
  CHECK(rc == SITU_KK_OK, "compile %s: %s\n%s", entry, situ_kk_strerror(rc),
        situ_kk_ctx_errmsg(ctx));
  return k;
}

static int close_to(double a, double b, double tol) {
  return fabs(a - b) <= tol * (1.0 + fabs(b));
}

static void test_axpy(int64_t n) {
  situ_kk_kernel *k = get("axpy");
  if (!k)
    return;
  double *x = malloc(sizeof(double) * n), *y = malloc(sizeof(double) * n),
         *ref = malloc(sizeof(double) * n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = urand() - 0.5;
    y[i] = urand() * 3;
    ref[i] = 1.75 * x[i] + y[i];
  }
  situ_kk_arg a[3] = {situ_kk_f64(1.75), situ_kk_view1(x, SITU_KK_F64, n),
                      situ_kk_view1(y, SITU_KK_F64, n)};
  CHECK(situ_kk_call(k, a, 3, NULL, 0) == SITU_KK_OK, "axpy call");
  int bad = 0;
  for (int64_t i = 0; i < n; ++i)
    bad += y[i] != ref[i];
  CHECK(bad == 0, "axpy n=%lld: %d wrong elements", (long long)n, bad);
  free(x), free(y), free(ref);
}

static void test_stats(int64_t n) {
  situ_kk_kernel *k = get("stats");
  if (!k)
    return;
  double *x = malloc(sizeof(double) * n), s = 0, mn = INFINITY, mx = -INFINITY, am = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = (urand() - 0.7) * 100;
    s += x[i];
    mn = x[i] < mn ? x[i] : mn;
    mx = x[i] > mx ? x[i] : mx;
    am = fabs(x[i]) > am ? fabs(x[i]) : am;
  }
  situ_kk_arg a = situ_kk_view1(x, SITU_KK_F64, n), r[4];
  for (int i = 0; i < 4; ++i)
    r[i].s.f64 = NAN;
  CHECK(situ_kk_call(k, &a, 1, r, 4) == SITU_KK_OK, "stats call");
  CHECK(close_to(r[0].s.f64, s, 1e-12), "sum %g vs %g", r[0].s.f64, s);
  CHECK(r[1].s.f64 == mn, "min %g vs %g", r[1].s.f64, mn);
  CHECK(r[2].s.f64 == mx, "max %g vs %g", r[2].s.f64, mx);
  CHECK(r[3].s.f64 == am, "absmax %g vs %g", r[3].s.f64, am);
  free(x);
}

static void test_ints(int64_t n, int with_negative) {
  situ_kk_kernel *k = get("ints");
  if (!k)
    return;
  int32_t *v = malloc(sizeof(int32_t) * n);
  int all_pos = 1, any_neg = 0;
  uint32_t band = 0xFFFFFFFFu, bor = 0, prod = 1;
  int64_t sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    v[i] = (int32_t)(urand() * 2000) + 1;
    if (with_negative && i == n / 2)
      v[i] = -17;
    all_pos &= v[i] > 0;
    any_neg |= v[i] < 0;
    band &= (uint32_t)v[i];
    bor |= (uint32_t)v[i];
    prod *= (uint32_t)v[i];
    sum += v[i];
  }
  situ_kk_arg a = situ_kk_view1(v, SITU_KK_I32, n), r[6];
  memset(r, 0xAB, sizeof r);
  CHECK(situ_kk_call(k, &a, 1, r, 6) == SITU_KK_OK, "ints call");
  CHECK(r[0].s.b == all_pos, "land %d vs %d", r[0].s.b, all_pos);
  CHECK(r[1].s.b == any_neg, "lor %d vs %d", r[1].s.b, any_neg);
  CHECK((uint32_t)r[2].s.i32 == band, "band %x vs %x", (unsigned)r[2].s.i32, band);
  CHECK((uint32_t)r[3].s.i32 == bor, "bor %x vs %x", (unsigned)r[3].s.i32, bor);
  CHECK((uint32_t)r[4].s.i32 == prod, "prod %x vs %x", (unsigned)r[4].s.i32, prod);
  CHECK(r[5].s.i64 == sum, "sum %lld vs %lld", (long long)r[5].s.i64, (long long)sum);
  free(v);
}

static void test_prefix(int64_t n) {
  situ_kk_kernel *k = get("prefix");
  if (!k)
    return;
  int64_t *x = malloc(sizeof(int64_t) * n), *out = malloc(sizeof(int64_t) * n), run = 0;
  int bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = (int64_t)(urand() * 1000) - 300;
    out[i] = INT64_MIN;
  }
  situ_kk_arg a[2] = {situ_kk_view1(x, SITU_KK_I64, n), situ_kk_view1(out, SITU_KK_I64, n)}, r;
  r.s.i64 = INT64_MIN;
  CHECK(situ_kk_call(k, a, 2, &r, 1) == SITU_KK_OK, "prefix call");
  for (int64_t i = 0; i < n; ++i) {
    bad += out[i] != run;
    run += x[i];
  }
  CHECK(bad == 0, "prefix n=%lld: %d wrong", (long long)n, bad);
  CHECK(r.s.i64 == run, "scan total %lld vs %lld", (long long)r.s.i64, (long long)run);
  free(x), free(out);
}

static void test_stencil(int64_t ny, int64_t nx) {
  situ_kk_kernel *k = get("stencil");
  if (!k)
    return;
  double *u = malloc(sizeof(double) * ny * nx), *v = malloc(sizeof(double) * ny * nx);
  for (int64_t i = 0; i < ny * nx; ++i) {
    u[i] = urand();
    v[i] = NAN;
  }
  int64_t ext[2] = {ny, nx};
  situ_kk_arg a[2] = {situ_kk_view(u, SITU_KK_F64, 2, ext), situ_kk_view(v, SITU_KK_F64, 2, ext)};
  CHECK(situ_kk_call(k, a, 2, NULL, 0) == SITU_KK_OK, "stencil call");
  int bad = 0;
  for (int64_t i = 0; i < ny; ++i)
    for (int64_t j = 0; j < nx; ++j) {
      int interior = i > 0 && j > 0 && i < ny - 1 && j < nx - 1;
      double got = v[i * nx + j];
      if (!interior)
        bad += !isnan(got); /* the boundary must stay untouched */
      else
        bad += got != 0.25 * ((u[(i - 1) * nx + j] + u[(i + 1) * nx + j]) +
                              (u[i * nx + j - 1] + u[i * nx + j + 1]));
    }
  CHECK(bad == 0, "stencil %lldx%lld: %d wrong", (long long)ny, (long long)nx, bad);
  free(u), free(v);
}

static void test_rowsum(int64_t n) {
  situ_kk_kernel *k = get("rowsum");
  if (!k)
    return;
  double *a = malloc(sizeof(double) * n * 16), *out = malloc(sizeof(double) * n);
  for (int64_t i = 0; i < n * 16; ++i)
    a[i] = urand();
  for (int64_t i = 0; i < n; ++i)
    out[i] = NAN;
  int64_t ext[2] = {n, 16};
  situ_kk_arg args[2] = {situ_kk_view(a, SITU_KK_F64, 2, ext), situ_kk_view1(out, SITU_KK_F64, n)};
  CHECK(situ_kk_call(k, args, 2, NULL, 0) == SITU_KK_OK, "rowsum call");
  int bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int j = 0; j < 16; ++j)
      s += a[i * 16 + j];
    bad += out[i] != s;
  }
  CHECK(bad == 0, "rowsum: %d wrong rows", bad);
  free(a), free(out);
}

static void test_histogram(int64_t n) {
  situ_kk_kernel *k = get("histogram");
  if (!k)
    return;
  double *x = malloc(sizeof(double) * n);
  int64_t h[64], ref[64] = {0};
  for (int64_t i = 0; i < n; ++i) {
    x[i] = urand();
    ref[(int)(x[i] * 64)]++;
  }
  memset(h, 0, sizeof h); /* the kernel accumulates into h */
  situ_kk_arg a[2] = {situ_kk_view1(x, SITU_KK_F64, n), situ_kk_view1(h, SITU_KK_I64, 64)};
  CHECK(situ_kk_call(k, a, 2, NULL, 0) == SITU_KK_OK, "histogram call");
  CHECK(memcmp(h, ref, sizeof h) == 0, "histogram bins differ");
  free(x);
}

static void test_copy_block(void) {
  situ_kk_kernel *k = get("copy_block");
  if (!k)
    return;
  enum { R = 37, C = 23, NR = 11, NC = 7, R0 = 5, C0 = 9 };
  double src[R * C], dst[NR * NC];
  for (int i = 0; i < R * C; ++i)
    src[i] = urand();
  for (int i = 0; i < NR * NC; ++i)
    dst[i] = NAN;
  /* LayoutLeft: column-major, stride 1 along rows. */
  situ_kk_arg s = {.is_view = 1, .dtype = SITU_KK_F64, .data = src, .rank = 2,
                   .extents = {R, C}, .strides = {1, R}};
  int64_t de[2] = {NR, NC};
  situ_kk_arg a[4] = {s, situ_kk_view(dst, SITU_KK_F64, 2, de), situ_kk_i64(R0), situ_kk_i64(C0)};
  CHECK(situ_kk_call(k, a, 4, NULL, 0) == SITU_KK_OK, "copy_block call");
  int bad = 0;
  for (int i = 0; i < NR; ++i)
    for (int j = 0; j < NC; ++j)
      bad += dst[i * NC + j] != src[(R0 + i) + (C0 + j) * R];
  CHECK(bad == 0, "copy_block: %d wrong", bad);
  /* A LayoutRight buffer where LayoutLeft is declared is rejected. */
  a[0].strides[0] = C, a[0].strides[1] = 1;
  CHECK(situ_kk_call(k, a, 4, NULL, 0) == SITU_KK_ESIG, "layout mismatch accepted");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s kernels.mlir [sequential]\n", argv[0]);
    return 2;
  }
  ir = slurp(argv[1], &ir_len);
  if (!ir) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  situ_kk_options opts = {.sequential = argc > 2};
  if (situ_kk_ctx_create(&opts, &ctx) != SITU_KK_OK)
    return 2;
  int64_t sizes[] = {0, 1, 7, 255, 256, 257, 100003};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; ++i) {
    test_axpy(sizes[i]);
    test_prefix(sizes[i]);
    if (sizes[i] > 0) {
      test_stats(sizes[i]);
      test_ints(sizes[i], 0);
      test_ints(sizes[i], 1);
      test_histogram(sizes[i]);
      test_rowsum(sizes[i]);
    }
  }
  test_stencil(3, 3);
  test_stencil(130, 70);
  test_copy_block();
  int64_t compiles = -1;
  situ_kk_ctx_compiles(ctx, &compiles);
  /* SITU_KK_EXPECT_CACHED: a second process over the same cache directory
   * loads all 8 kernels as shared objects and never maps MLIR or LLVM. */
  const char *cached = getenv("SITU_KK_EXPECT_CACHED");
  int64_t want = cached && *cached == '1' ? 0 : 8;
  CHECK(compiles == want, "expected %lld compilations, got %lld", (long long)want, (long long)compiles);
  if (want == 0) {
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096];
    bool mlir = false;
    while (maps && fgets(line, sizeof line, maps))
      mlir |= strstr(line, "libMLIR") != NULL || strstr(line, "libLLVM") != NULL;
    if (maps)
      fclose(maps);
    CHECK(!mlir, "kernels from the cache, yet MLIR/LLVM is mapped");
  }
  situ_kk_ctx_destroy(ctx);
  free((void *)ir);
  if (failures)
    fprintf(stderr, "%d failure(s)\n", failures);
  return failures != 0;
}
