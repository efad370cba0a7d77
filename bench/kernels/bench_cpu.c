/* CPU benchmark: each kernel of kernels.mlir JIT-compiled by libsitu-kokkos
 * against the hand-written C/OpenMP in hand.c, on the same inputs, results
 * compared. Prints one JSON object per kernel on stdout; parse-to-callable
 * times cold (SITU_KK_CACHE=off) and from the on-disk cache ($SITU_KK_CACHE
 * as given; run.py gives a fresh directory).
 * Usage: bench_cpu kernels.mlir [scale] */
#define _POSIX_C_SOURCE 200809L
#include "hand.h"
#include "situ_kokkos.h"
#include "../../tests/dialect/slurp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

enum { REPS = 15 };
typedef void (*run_fn)(void *);

/* Median over REPS runs, after two warm-ups, in milliseconds. */
static double time_ms(run_fn f, void *arg) {
  double t[REPS];
  f(arg);
  f(arg);
  for (int r = 0; r < REPS; ++r) {
    double t0 = now();
    f(arg);
    t[r] = (now() - t0) * 1e3;
  }
  qsort(t, REPS, sizeof *t, cmp);
  return t[REPS / 2];
}

static uint64_t rng = 88172645463325252ull;
static double urand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (double)(rng >> 11) / 9007199254740992.0;
}
static double *randv(int64_t n) {
  double *p = malloc(sizeof(double) * (size_t)n);
  for (int64_t i = 0; i < n; ++i)
    p[i] = urand();
  return p;
}
static double *nanv(int64_t n) {
  double *p = malloc(sizeof(double) * (size_t)n);
  for (int64_t i = 0; i < n; ++i)
    p[i] = NAN;
  return p;
}
static double max_rel(const double *a, const double *b, int64_t n) {
  double e = 0;
  for (int64_t i = 0; i < n; ++i) {
    double d = fabs(a[i] - b[i]) / (1e-300 + fabs(b[i]));
    if (!(d <= e))
      e = d; /* NaN counts as an error */
  }
  return e;
}

/* One benchmark case: JIT call vs hand call. */
typedef struct {
  situ_kk_kernel *k;
  situ_kk_arg args[4];
  int nargs, nres;
  situ_kk_arg res[1];
  void (*hand)(void *);
  void *state;
} bcase;

static void run_jit(void *p) {
  bcase *c = p;
  situ_kk_call(c->k, c->args, c->nargs, c->res, c->nres);
}
static void run_hand(void *p) {
  bcase *c = p;
  c->hand(c->state);
}

/* Hand-call adapters: state is the bcase's arguments. */
static double hand_scalar;
static void h_axpy(void *s) {
  situ_kk_arg *a = s;
  hand_axpy(a[0].s.f64, a[1].data, a[2].data, a[1].extents[0]);
}
static void h_fused(void *s) {
  situ_kk_arg *a = s;
  hand_scalar = hand_fused_sum(a[0].s.f64, a[1].s.f64, a[2].data, a[2].extents[0]);
}
static void h_stencil(void *s) {
  situ_kk_arg *a = s;
  hand_stencil(a[0].data, a[1].data, a[0].extents[0], a[0].extents[1]);
}
static void h_dot(void *s) {
  situ_kk_arg *a = s;
  hand_scalar = hand_dot(a[0].data, a[1].data, a[0].extents[0]);
}
static void h_hist(void *s) {
  situ_kk_arg *a = s;
  hand_histogram(a[0].data, a[1].data, a[0].extents[0]);
}
static void h_softmax(void *s) {
  situ_kk_arg *a = s;
  hand_softmax(a[0].data, a[1].data, a[0].extents[0], a[0].extents[1]);
}
static void h_matmul(void *s) {
  situ_kk_arg *a = s;
  hand_matmul(a[0].data, a[1].data, a[2].data, a[0].extents[0], a[0].extents[1], a[1].extents[1]);
}
static void h_transpose(void *s) {
  situ_kk_arg *a = s;
  hand_transpose3d(a[0].data, a[1].data, a[0].extents[0], a[0].extents[1], a[0].extents[2]);
}

static const char *ir;
static size_t ir_len;

/* The SITU_KK_CACHE the process started with (NULL: the default directory). */
static char *cache_env;

/* Median of `reps` parse-to-callable times of `name` in fresh contexts, with
 * SITU_KK_CACHE set to `cache` (NULL: as the process started). */
static double fresh_compile_ms(const char *name, const char *cache, int reps) {
  double t[8];
  if (cache)
    setenv("SITU_KK_CACHE", cache, 1);
  for (int r = 0; r < reps; ++r) {
    situ_kk_ctx *fresh;
    situ_kk_kernel *k;
    t[r] = -1;
    if (situ_kk_ctx_create(NULL, &fresh))
      break;
    double t0 = now();
    int rc = situ_kk_compile(fresh, ir, ir_len, name, &k);
    t[r] = rc ? -1 : (now() - t0) * 1e3;
    situ_kk_ctx_destroy(fresh);
  }
  if (cache_env)
    setenv("SITU_KK_CACHE", cache_env, 1);
  else
    unsetenv("SITU_KK_CACHE");
  qsort(t, (size_t)reps, sizeof *t, cmp);
  return t[0] < 0 ? -1 : t[reps / 2];
}

static int report(const char *name, const char *size, bcase *c, double err, double tol) {
  /* Parse-to-callable: cold (no on-disk cache: parse, lower, LLVM, JIT) and
   * from the on-disk cache, which the main context's compile filled (what a
   * later process or rank pays). */
  double compile_ms = fresh_compile_ms(name, "off", 3);
  double cached_ms = cache_env && !strcmp(cache_env, "off") ? -1 : fresh_compile_ms(name, NULL, 5);
  if (compile_ms < 0)
    return 1;
  double jit = time_ms(run_jit, c), hand = time_ms(run_hand, c);
  printf("{\"kernel\": \"%s\", \"size\": \"%s\", \"jit_ms\": %.4f, \"c_omp_ms\": %.4f, "
         "\"compile_ms\": %.1f, \"cached_ms\": %.2f, \"max_rel_err\": %.3g, \"ok\": %s}\n",
         name, size, jit, hand, compile_ms, cached_ms, err, err <= tol ? "true" : "false");
  fflush(stdout);
  return err <= tol ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_kernels KERNELS.mlir [scale]\n");
    return 2;
  }
  ir = slurp(argv[1], &ir_len);
  if (getenv("SITU_KK_CACHE"))
    cache_env = strdup(getenv("SITU_KK_CACHE"));
  int scale = argc > 2 ? atoi(argv[2]) : 1;
  if (!ir || scale < 1) {
    fprintf(stderr, ir ? "bench_kernels: scale must be a positive integer, not %s\n"
                       : "bench_kernels: cannot read %s\n", ir ? argv[2] : argv[1]);
    return 2;
  }
  situ_kk_ctx *ctx;
  if (situ_kk_ctx_create(NULL, &ctx))
    return 2;
  int fails = 0;
#define GET(name, kp)                                                               \
  if (situ_kk_compile(ctx, ir, ir_len, name, kp)) {                                 \
    fprintf(stderr, "%s: %s\n", name, situ_kk_ctx_errmsg(ctx));                     \
    return 1;                                                                       \
  }
  char size[64];
  const int64_t n = (int64_t)scale << 22;
  { /* axpy */
    double *x = randv(n), *y = randv(n), *y2 = malloc(sizeof(double) * n);
    memcpy(y2, y, sizeof(double) * n);
    bcase c = {.nargs = 3, .hand = h_axpy};
    GET("axpy", &c.k);
    c.args[0] = situ_kk_f64(1.5);
    c.args[1] = situ_kk_view1(x, SITU_KK_F64, n);
    c.args[2] = situ_kk_view1(y, SITU_KK_F64, n);
    situ_kk_arg h[3] = {c.args[0], c.args[1], situ_kk_view1(y2, SITU_KK_F64, n)};
    run_jit(&c);
    h_axpy(h);
    double err = max_rel(y, y2, n);
    c.state = c.args;
    snprintf(size, sizeof size, "n=%lld", (long long)n);
    fails += report("axpy", size, &c, err, 0);
    free(x), free(y), free(y2);
  }
  { /* fused elementwise + sum, dot */
    double *x = randv(n), *y = randv(n);
    bcase c = {.nargs = 3, .nres = 1, .hand = h_fused};
    GET("fused_sum", &c.k);
    c.args[0] = situ_kk_f64(0.5);
    c.args[1] = situ_kk_f64(-0.25);
    c.args[2] = situ_kk_view1(x, SITU_KK_F64, n);
    c.state = c.args;
    c.res[0].s.f64 = NAN;
    run_jit(&c);
    h_fused(c.args);
    snprintf(size, sizeof size, "n=%lld", (long long)n);
    fails += report("fused_sum", size, &c, fabs(c.res[0].s.f64 - hand_scalar) / fabs(hand_scalar), 1e-10);
    bcase d = {.nargs = 2, .nres = 1, .hand = h_dot};
    GET("dot", &d.k);
    d.args[0] = situ_kk_view1(x, SITU_KK_F64, n);
    d.args[1] = situ_kk_view1(y, SITU_KK_F64, n);
    d.state = d.args;
    d.res[0].s.f64 = NAN;
    run_jit(&d);
    h_dot(d.args);
    fails += report("dot", size, &d, fabs(d.res[0].s.f64 - hand_scalar) / fabs(hand_scalar), 1e-10);
    free(x), free(y);
  }
  { /* stencil */
    int64_t ny = 2048 * scale, nx = 2048, e[2] = {ny, nx};
    double *u = randv(ny * nx), *v = nanv(ny * nx), *v2 = nanv(ny * nx);
    bcase c = {.nargs = 2, .hand = h_stencil};
    GET("stencil", &c.k);
    c.args[0] = situ_kk_view(u, SITU_KK_F64, 2, e);
    c.args[1] = situ_kk_view(v, SITU_KK_F64, 2, e);
    situ_kk_arg h[2] = {c.args[0], situ_kk_view(v2, SITU_KK_F64, 2, e)};
    run_jit(&c);
    h_stencil(h);
    double err = 0;
    for (int64_t i = 1; i < ny - 1; ++i) {
      double r = max_rel(v + i * nx + 1, v2 + i * nx + 1, nx - 2);
      err = r > err || r != r ? r : err;
    }
    c.state = c.args;
    snprintf(size, sizeof size, "%lldx%lld", (long long)ny, (long long)nx);
    fails += report("stencil", size, &c, err, 0);
    free(u), free(v), free(v2);
  }
  { /* histogram */
    double *x = randv(n);
    int64_t h1[64] = {0}, h2[64] = {0};
    bcase c = {.nargs = 2, .hand = h_hist};
    GET("histogram", &c.k);
    c.args[0] = situ_kk_view1(x, SITU_KK_F64, n);
    c.args[1] = situ_kk_view1(h1, SITU_KK_I64, 64);
    situ_kk_arg h[2] = {c.args[0], situ_kk_view1(h2, SITU_KK_I64, 64)};
    run_jit(&c);
    h_hist(h);
    double err = memcmp(h1, h2, sizeof h1) ? 1 : 0;
    c.state = c.args;
    snprintf(size, sizeof size, "n=%lld", (long long)n);
    fails += report("histogram", size, &c, err, 0);
    free(x);
  }
  { /* softmax */
    int64_t e[2] = {4096 * scale, 256};
    double *x = randv(e[0] * e[1]), *y = nanv(e[0] * e[1]), *y2 = nanv(e[0] * e[1]);
    bcase c = {.nargs = 2, .hand = h_softmax};
    GET("softmax", &c.k);
    c.args[0] = situ_kk_view(x, SITU_KK_F64, 2, e);
    c.args[1] = situ_kk_view(y, SITU_KK_F64, 2, e);
    situ_kk_arg h[2] = {c.args[0], situ_kk_view(y2, SITU_KK_F64, 2, e)};
    run_jit(&c);
    h_softmax(h);
    c.state = c.args;
    snprintf(size, sizeof size, "%lldx%lld", (long long)e[0], (long long)e[1]);
    fails += report("softmax", size, &c, max_rel(y, y2, e[0] * e[1]), 1e-13);
    free(x), free(y), free(y2);
  }
  { /* matmul */
    int64_t d = 256, e[2] = {d, d};
    double *a = randv(d * d), *b = randv(d * d), *m1 = nanv(d * d), *m2 = nanv(d * d);
    bcase c = {.nargs = 3, .hand = h_matmul};
    GET("matmul", &c.k);
    c.args[0] = situ_kk_view(a, SITU_KK_F64, 2, e);
    c.args[1] = situ_kk_view(b, SITU_KK_F64, 2, e);
    c.args[2] = situ_kk_view(m1, SITU_KK_F64, 2, e);
    situ_kk_arg h[3] = {c.args[0], c.args[1], situ_kk_view(m2, SITU_KK_F64, 2, e)};
    run_jit(&c);
    h_matmul(h);
    c.state = c.args;
    snprintf(size, sizeof size, "%lld^3", (long long)d);
    fails += report("matmul", size, &c, max_rel(m1, m2, d * d), 1e-13);
    free(a), free(b), free(m1), free(m2);
  }
  { /* transpose3d */
    int64_t e[3] = {128 * scale, 128, 128}, t = e[0] * e[1] * e[2], eo[3] = {e[2], e[1], e[0]};
    double *in = randv(t), *o1 = nanv(t), *o2 = nanv(t);
    bcase c = {.nargs = 2, .hand = h_transpose};
    GET("transpose3d", &c.k);
    c.args[0] = situ_kk_view(in, SITU_KK_F64, 3, e);
    c.args[1] = situ_kk_view(o1, SITU_KK_F64, 3, eo);
    situ_kk_arg h[2] = {c.args[0], situ_kk_view(o2, SITU_KK_F64, 3, eo)};
    run_jit(&c);
    h_transpose(h);
    c.state = c.args;
    snprintf(size, sizeof size, "%lldx%lldx%lld", (long long)e[0], (long long)e[1], (long long)e[2]);
    fails += report("transpose3d", size, &c, max_rel(o1, o2, t), 0);
    free(in), free(o1), free(o2);
  }
  situ_kk_ctx_destroy(ctx);
  free((void *)ir);
  return fails != 0;
}
