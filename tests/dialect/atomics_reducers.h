/* Checks of inputs/atomics-reducers.mlir, shared by the CPU JIT test
 * (jit_atomics.c) and the GPU driver (gpu/gpu_atomics_reducers.cu): every
 * atomic kind on i32/i64/f32/f64, and the reducers prod, min, max, land,
 * lor, band, bor in parallel_reduce and team_thread_reduce, on random inputs
 * against reference values computed here, sequentially, in plain C.
 * A backend runs one function of the file on host buffers (copying them to
 * and from its memory as needed). C17 and C++ (nvcc) alike. */
#ifndef SITU_ATOMICS_REDUCERS_H
#define SITU_ATOMICS_REDUCERS_H

#include "check.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum ar_type { AR_I32, AR_I64, AR_F32, AR_F64, AR_BOOL } ar_type;
static const size_t ar_size[] = {4, 8, 4, 8, 1};
static const char *const ar_name[] = {"i32", "i64", "f32", "f64", "bool"};

typedef struct ar_backend {
  /* atomic_<kind>_<type>(x[n], t[m], old[n]); t is updated in place. */
  int (*atomic)(const char *entry, ar_type ty, void *x, int64_t n, void *t, int64_t m, void *old);
  /* reduce_<type>(x[n]): the nres results, each of type rt, into res. */
  int (*reduce)(const char *entry, ar_type ty, void *x, int64_t n, ar_type rt, int nres, void *res);
  /* team_reduce_<type>(x[rows][cols], team, out[rows][nres]). */
  int (*team)(const char *entry, ar_type ty, void *x, int64_t rows, int64_t cols, int64_t team,
              ar_type rt, int nres, void *out);
} ar_backend;

static uint64_t ar_rng = 0x2545F4914F6CDD1Dull;
static uint64_t ar_bits(void) { /* xorshift64* */
  ar_rng ^= ar_rng >> 12;
  ar_rng ^= ar_rng << 25;
  ar_rng ^= ar_rng >> 27;
  return ar_rng * 2685821657736338717ull;
}
static double ar_unit(void) { return (double)(ar_bits() >> 11) / 9007199254740992.0; }

/* Element i of a buffer of type ty, as double (floats) or int64_t (integers). */
static double ar_getf(const void *p, ar_type ty, int64_t i) {
  return ty == AR_F32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}
static int64_t ar_geti(const void *p, ar_type ty, int64_t i) {
  return ty == AR_I32 ? (int64_t)((const int32_t *)p)[i]
         : ty == AR_BOOL ? (int64_t)((const uint8_t *)p)[i] : ((const int64_t *)p)[i];
}
static void ar_setf(void *p, ar_type ty, int64_t i, double v) {
  if (ty == AR_F32) ((float *)p)[i] = (float)v;
  else ((double *)p)[i] = v;
}
static void ar_seti(void *p, ar_type ty, int64_t i, int64_t v) {
  if (ty == AR_I32) ((int32_t *)p)[i] = (int32_t)v;
  else if (ty == AR_BOOL) ((uint8_t *)p)[i] = (uint8_t)v;
  else ((int64_t *)p)[i] = v;
}
static int ar_float(ar_type ty) { return ty == AR_F32 || ty == AR_F64; }
/* Same value: equal bits for integers, equal or both NaN for floats. */
static int ar_same(const void *a, const void *b, ar_type ty, int64_t i, int64_t j) {
  if (!ar_float(ty)) return ar_geti(a, ty, i) == ar_geti(b, ty, j);
  double x = ar_getf(a, ty, i), y = ar_getf(b, ty, j);
  return x == y || (isnan(x) && isnan(y));
}
/* Wrap-around integer arithmetic of the type's width (no signed overflow). */
static int64_t ar_wrap(ar_type ty, uint64_t v) {
  return ty == AR_I32 ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v;
}

/* Nonzero for the Kokkos C++ output, which follows Kokkos' conventions: its
 * float atomic min/max are not minnum/maxnum (no NaN inputs then), and the
 * identity of float Min/Max is the largest finite value, not infinity. */
static int ar_kokkos = 0;

/* Fills x with values for kind (see ar_atomics) and t with initial values. */
static void ar_fill_atomic(const char *kind, ar_type ty, int constant, void *x, int64_t n, void *t,
                           int64_t m) {
  int f = ar_float(ty), minmax = !strcmp(kind, "min") || !strcmp(kind, "max");
  for (int64_t i = 0; i < n; ++i) {
    if (constant) { /* add/sub of one value: the old values are init - or + k*c */
      if (f) ar_setf(x, ty, i, ty == AR_F32 ? 0.5 : 0.25);
      else ar_seti(x, ty, i, ty == AR_I32 ? 3 : -((int64_t)1 << 40) - 3);
    } else if (minmax) { /* full range, negatives included; floats with NaNs */
      if (f) ar_setf(x, ty, i, i % 97 == 5 && !ar_kokkos ? NAN : (ar_unit() - 0.5) * 2e6);
      else ar_seti(x, ty, i, ar_wrap(ty, ar_bits()));
    } else if (f) { /* sums stay exact: f32 partial sums below 2^24 */
      ar_setf(x, ty, i, ty == AR_F32 ? (double)(int)(ar_unit() * 17) - 8 : floor(ar_unit() * 4000) / 2 - 1000);
    } else {
      ar_seti(x, ty, i, ar_wrap(ty, ar_bits()));
    }
  }
  for (int64_t j = 0; j < m; ++j) {
    if (f) ar_setf(t, ty, j, minmax && j == 0 && !ar_kokkos ? NAN : floor((ar_unit() - 0.5) * 2000));
    else ar_seti(t, ty, j, ar_wrap(ty, ar_bits()));
  }
}

/* Sequential reference of one atomic kind: minnum/maxnum for floats (a NaN
 * value is ignored, a NaN in the view replaced), wrap-around integers. */
static void ar_ref_atomic(const char *kind, ar_type ty, const void *x, int64_t n, void *t, int64_t m) {
  for (int64_t i = 0; i < n; ++i) {
    int64_t j = i % m;
    if (ar_float(ty)) {
      double a = ar_getf(t, ty, j), v = ar_getf(x, ty, i), r;
      if (!strcmp(kind, "add")) r = a + v;
      else if (!strcmp(kind, "sub")) r = a - v;
      else if (!strcmp(kind, "min")) r = fmin(a, v);
      else r = fmax(a, v);
      ar_setf(t, ty, j, r);
    } else {
      int64_t a = ar_geti(t, ty, j), v = ar_geti(x, ty, i), r;
      if (!strcmp(kind, "add")) r = ar_wrap(ty, (uint64_t)a + (uint64_t)v);
      else if (!strcmp(kind, "sub")) r = ar_wrap(ty, (uint64_t)a - (uint64_t)v);
      else if (!strcmp(kind, "min")) r = v < a ? v : a;
      else if (!strcmp(kind, "max")) r = v > a ? v : a;
      else if (!strcmp(kind, "band")) r = a & v;
      else r = a | v;
      ar_seti(t, ty, j, r);
    }
  }
}

/* Runs atomic_<kind>_<ty> on n elements into m slots and checks the final
 * slots against the reference and the returned old values: for add/sub of
 * one constant c, slot j's old values are init - or + k*c for k = 0..cnt-1,
 * each once; otherwise each slot's first update saw the initial value, and
 * every old value lies between the initial and the final one. */
static void ar_atomic_case(const ar_backend *b, const char *kind, ar_type ty, int constant, int64_t n,
                           int64_t m) {
  char entry[64];
  snprintf(entry, sizeof entry, "atomic_%s_%s", kind, ar_name[ty]);
  size_t es = ar_size[ty];
  void *x = malloc(es * (size_t)(n + 1)), *t = malloc(es * (size_t)m), *init = malloc(es * (size_t)m),
       *ref = malloc(es * (size_t)m), *old = malloc(es * (size_t)(n + 1));
  ar_fill_atomic(kind, ty, constant, x, n, t, m);
  memcpy(init, t, es * (size_t)m);
  memcpy(ref, t, es * (size_t)m);
  memset(old, 0x5A, es * (size_t)(n + 1)); /* poison */
  ar_ref_atomic(kind, ty, x, n, ref, m);
  if (b->atomic(entry, ty, x, n, t, m, old)) {
    CHECK(0, "%s n=%lld m=%lld: call failed", entry, (long long)n, (long long)m);
    goto out;
  }
  {
    int64_t bad = 0, badold = 0;
    for (int64_t j = 0; j < m; ++j)
      bad += !ar_same(t, ref, ty, j, j);
    CHECK(bad == 0, "%s n=%lld m=%lld: %lld wrong slots (slot 0: %g, expected %g)", entry, (long long)n,
          (long long)m, (long long)bad, ar_float(ty) ? ar_getf(t, ty, 0) : (double)ar_geti(t, ty, 0),
          ar_float(ty) ? ar_getf(ref, ty, 0) : (double)ar_geti(ref, ty, 0));
    unsigned char *seen = (unsigned char *)calloc((size_t)n + 1, 1);
    for (int64_t i = 0; i < n; ++i) {
      int64_t j = i % m, cnt = (n - j + m - 1) / m;
      if (constant) { /* which k: old = init + sign*k*c */
        int64_t k;
        int sub = !strcmp(kind, "sub");
        if (ar_float(ty)) {
          double d = (ar_getf(old, ty, i) - ar_getf(init, ty, j)) / ar_getf(x, ty, i);
          if (sub) d = -d;
          k = fabs(d) < 1e15 && d == floor(d) ? (int64_t)d : -1;
        } else {
          uint64_t d = (uint64_t)ar_geti(old, ty, i) - (uint64_t)ar_geti(init, ty, j);
          if (sub) d = 0 - d;
          if (ty == AR_I32) d = (uint64_t)(int64_t)(int32_t)(uint32_t)d;
          int64_t c = ar_geti(x, ty, i);
          k = (int64_t)d % c == 0 ? (int64_t)d / c : -1;
        }
        if (k < 0 || k >= cnt || seen[j + k * m]) ++badold;
        else seen[j + k * m] = 1;
      } else {
        if (ar_same(old, init, ty, i, j)) seen[j] = 1;
        if (!strcmp(kind, "add") || !strcmp(kind, "sub")) {
          /* no order to check */
        } else if (ar_float(ty)) {
          double o = ar_getf(old, ty, i), lo = ar_getf(ref, ty, j), hi = ar_getf(init, ty, j);
          if (!strcmp(kind, "max")) { double s = lo; lo = hi; hi = s; }
          /* min: final <= old <= init (NaN init: old is NaN or a number) */
          badold += isnan(o) ? !isnan(ar_getf(init, ty, j)) : (o < lo || (!isnan(hi) && o > hi));
        } else {
          int64_t o = ar_geti(old, ty, i), fin = ar_geti(ref, ty, j), ini = ar_geti(init, ty, j);
          if (!strcmp(kind, "min")) badold += o < fin || o > ini;
          else if (!strcmp(kind, "max")) badold += o > fin || o < ini;
          else if (!strcmp(kind, "band")) badold += (o & fin) != fin || (o & ~ini) != 0;
          else badold += (o & ~fin) != 0 || (o & ini) != ini;
        }
      }
    }
    if (!constant)
      for (int64_t j = 0; j < m && j < n; ++j)
        badold += !seen[j]; /* no update of slot j returned its initial value */
    CHECK(badold == 0, "%s n=%lld m=%lld: %lld wrong old values", entry, (long long)n, (long long)m,
          (long long)badold);
    free(seen);
  }
out:
  free(x), free(t), free(init), free(ref), free(old);
}

static void ar_atomics(const ar_backend *b) {
  static const char *const kinds[] = {"add", "sub", "min", "max", "band", "bor"};
  static const int64_t ns[] = {0, 1, 7, 256, 100003, (1 << 20) + 3};
  static const int64_t ms[] = {1, 7, 1000};
  for (int k = 0; k < 6; ++k)
    for (int ty = AR_I32; ty <= AR_F64; ++ty) {
      if (k >= 4 && ar_float((ar_type)ty)) continue; /* band/bor: integers only */
      for (size_t a = 0; a < sizeof ns / sizeof *ns; ++a)
        for (size_t c = 0; c < sizeof ms / sizeof *ms; ++c) {
          if (ms[c] > ns[a] && ms[c] > 1) continue;
          ar_atomic_case(b, kinds[k], (ar_type)ty, 0, ns[a], ms[c]);
          if (k < 2) ar_atomic_case(b, kinds[k], (ar_type)ty, 1, ns[a], ms[c]);
        }
    }
}

/* x for the reducers: "safe" values keep products exact or small (integers
 * +-1 with at most 20 factors of 2 or 3; f32 +-1 with at most 20 factors of
 * 2 or 1/2, exact in any order; f64 within 1e-4 of 1); other values are
 * full-range (products then unchecked). */
static void ar_fill_reduce(ar_type ty, int safe, void *x, int64_t n) {
  int64_t every = n / 20 + 1;
  for (int64_t i = 0; i < n; ++i) {
    double sign = ar_unit() < 0.5 ? -1 : 1;
    if (ty == AR_F32 && safe) ar_setf(x, ty, i, sign * (i % every == 3 ? (ar_unit() < 0.5 ? 2 : 0.5) : 1));
    else if (ar_float(ty)) ar_setf(x, ty, i, safe ? 1 + (ar_unit() - 0.5) * 2e-4 : (ar_unit() - 0.5) * 1e6);
    else if (!safe) ar_seti(x, ty, i, ar_wrap(ty, ar_bits()));
    else ar_seti(x, ty, i, i % every == 3 ? (ty == AR_I32 ? 2 : 3) * (ar_unit() < 0.5 ? -1 : 1)
                                          : (ar_unit() < 0.5 ? -1 : 1));
  }
}

/* Reference of reducer k (0 prod, 1 min, 2 max, 3 band, 4 bor) over x. */
static double ar_ref_reducef(int k, ar_type ty, const void *x, int64_t lo, int64_t hi) {
  double big = !ar_kokkos ? INFINITY : ty == AR_F32 ? FLT_MAX : DBL_MAX;
  double r = k == 0 ? 1 : k == 1 ? big : -big;
  for (int64_t i = lo; i < hi; ++i) {
    double v = ar_getf(x, ty, i);
    r = k == 0 ? r * v : k == 1 ? fmin(r, v) : fmax(r, v);
  }
  return ty == AR_F32 && k != 0 ? (double)(float)r : r;
}
static int64_t ar_ref_reducei(int k, ar_type ty, const void *x, int64_t lo, int64_t hi) {
  int64_t r = k == 0 ? 1 : k == 1 ? (ty == AR_I32 ? INT32_MAX : INT64_MAX)
            : k == 2 ? (ty == AR_I32 ? INT32_MIN : INT64_MIN) : k == 3 ? -1 : 0;
  for (int64_t i = lo; i < hi; ++i) {
    int64_t v = ar_geti(x, ty, i);
    r = k == 0 ? ar_wrap(ty, (uint64_t)r * (uint64_t)v) : k == 1 ? (v < r ? v : r)
        : k == 2 ? (v > r ? v : r) : k == 3 ? (r & v) : (r | v);
  }
  return r;
}
/* f64 products are rounded in another order than the reference's. */
static int ar_close(int k, ar_type ty, double got, double want) {
  if (k != 0 || ty != AR_F64) return got == want;
  return fabs(got - want) <= 1e-11 * fabs(want);
}

static void ar_reduce_case(const ar_backend *b, ar_type ty, int safe, int64_t n) {
  char entry[64];
  snprintf(entry, sizeof entry, "reduce_%s", ar_name[ty]);
  int nres = ar_float(ty) ? 3 : 5;
  void *x = malloc(ar_size[ty] * (size_t)(n + 1)), *res = malloc(8 * 5);
  ar_fill_reduce(ty, safe, x, n);
  memset(res, 0x5A, 8 * 5);
  if (b->reduce(entry, ty, x, n, ty, nres, res)) {
    CHECK(0, "%s n=%lld: call failed", entry, (long long)n);
  } else {
    for (int k = safe ? 0 : 1; k < nres; ++k) {
      double got = ar_float(ty) ? ar_getf(res, ty, k) : (double)ar_geti(res, ty, k);
      if (ar_float(ty)) {
        double want = ar_ref_reducef(k, ty, x, 0, n);
        CHECK(ar_close(k, ty, got, want), "%s n=%lld reducer %d: %.17g, expected %.17g", entry, (long long)n,
              k, got, want);
      } else {
        int64_t want = ar_ref_reducei(k, ty, x, 0, n);
        CHECK(ar_geti(res, ty, k) == want, "%s n=%lld reducer %d: %lld, expected %lld", entry,
              (long long)n, k, (long long)ar_geti(res, ty, k), (long long)want);
      }
    }
  }
  free(x), free(res);
}

/* land(x > 0), lor(x < 0); kind 0: all positive, 1: one negative, 2: one zero. */
static void ar_bool_case(const ar_backend *b, int kind, int64_t n) {
  int32_t *x = (int32_t *)malloc(4 * (size_t)(n + 1));
  for (int64_t i = 0; i < n; ++i)
    x[i] = 1 + (int32_t)(ar_bits() % 1000);
  if (n > 0 && kind) x[(int64_t)(ar_unit() * n)] = kind == 1 ? -5 : 0;
  uint8_t res[2] = {0x5A, 0x5A};
  int land = 1, lor = 0;
  for (int64_t i = 0; i < n; ++i)
    land = land && x[i] > 0, lor = lor || x[i] < 0;
  if (b->reduce("reduce_bool", AR_I32, x, n, AR_BOOL, 2, res))
    CHECK(0, "reduce_bool n=%lld: call failed", (long long)n);
  else
    CHECK(res[0] == land && res[1] == lor, "reduce_bool n=%lld case %d: land %d lor %d, expected %d %d",
          (long long)n, kind, res[0], res[1], land, lor);
  free(x);
}

static void ar_reducers(const ar_backend *b) {
  static const int64_t ns[] = {0, 1, 7, 255, 256, 257, 100003, (1 << 20) + 3};
  for (size_t a = 0; a < sizeof ns / sizeof *ns; ++a) {
    for (int ty = AR_I32; ty <= AR_F64; ++ty)
      for (int safe = 0; safe < 2; ++safe)
        ar_reduce_case(b, (ar_type)ty, safe, ns[a]);
    for (int kind = 0; kind < 3; ++kind)
      ar_bool_case(b, kind, ns[a]);
  }
}

/* team_reduce_<f64|i64|bool>: row r of x reduced into out[r][k]. */
static void ar_team_case(const ar_backend *b, ar_type ty, int64_t rows, int64_t cols, int64_t team) {
  int isbool = ty == AR_BOOL;
  ar_type xt = isbool ? AR_I32 : ty;
  int nres = isbool ? 2 : ty == AR_F64 ? 3 : 5;
  char entry[64];
  snprintf(entry, sizeof entry, "team_reduce_%s", ar_name[ty]);
  int64_t nx = rows * cols;
  void *x = malloc(ar_size[xt] * (size_t)(nx + 1)), *out = malloc(ar_size[ty] * (size_t)(rows * nres));
  if (isbool) {
    /* Row r: all positive (r % 3 == 0), with one negative (1), with one zero (2). */
    for (int64_t i = 0; i < nx; ++i) {
      int64_t r = i / cols, kind = r % 3;
      ar_seti(x, xt, i, kind && i % cols == r % cols ? (kind == 1 ? -1 : 0) : 7);
    }
  } else {
    ar_fill_reduce(ty, 1, x, nx);
  }
  memset(out, 0x5A, ar_size[ty] * (size_t)(rows * nres));
  if (b->team(entry, xt, x, rows, cols, team, ty, nres, out)) {
    CHECK(0, "%s %lldx%lld team %lld: call failed", entry, (long long)rows, (long long)cols, (long long)team);
  } else {
    int64_t bad = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t lo = r * cols, hi = lo + cols;
      if (isbool) {
        int land = 1, lor = 0;
        for (int64_t i = lo; i < hi; ++i)
          land = land && ar_geti(x, xt, i) > 0, lor = lor || ar_geti(x, xt, i) < 0;
        bad += ar_geti(out, ty, r * 2) != land || ar_geti(out, ty, r * 2 + 1) != lor;
        continue;
      }
      for (int k = 0; k < nres; ++k) {
        if (ty == AR_F64) bad += !ar_close(k, ty, ar_getf(out, ty, r * nres + k), ar_ref_reducef(k, ty, x, lo, hi));
        else bad += ar_geti(out, ty, r * nres + k) != ar_ref_reducei(k, ty, x, lo, hi);
      }
    }
    CHECK(bad == 0, "%s %lldx%lld team %lld: %lld wrong results", entry, (long long)rows, (long long)cols,
          (long long)team, (long long)bad);
  }
  free(x), free(out);
}

static void ar_teams(const ar_backend *b) {
  static const int64_t cols[] = {0, 1, 31, 32, 33, 1000, 5003};
  static const int64_t teams[] = {1, 32, 48, 128, 256};
  static const ar_type tys[] = {AR_F64, AR_I64, AR_BOOL};
  for (size_t t = 0; t < 3; ++t)
    for (size_t c = 0; c < sizeof cols / sizeof *cols; ++c)
      for (size_t s = 0; s < sizeof teams / sizeof *teams; ++s)
        ar_team_case(b, tys[t], 37, cols[c], teams[s]);
}

/* Everything; returns the number of failed checks. */
static int ar_run_all(const ar_backend *b) {
  ar_atomics(b);
  ar_reducers(b);
  ar_teams(b);
  return failures;
}

#endif
