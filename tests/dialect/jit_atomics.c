/* Every atomic kind on i32/i64/f32/f64 and the reducers prod, min, max,
 * land, lor, band, bor (parallel_reduce and team_thread_reduce), lowered for
 * the CPU and run by the JIT against reference C (atomics_reducers.h).
 * Usage: jit_atomics inputs/atomics-reducers.mlir [sequential] */
#include "situ_kokkos.h"
#include "slurp.h"
#include "atomics_reducers.h"

static situ_kk_ctx *ctx;
static const char *ir;
static size_t ir_len;
static const situ_kk_dtype dtype[] = {SITU_KK_I32, SITU_KK_I64, SITU_KK_F32, SITU_KK_F64, SITU_KK_BOOL};

static situ_kk_kernel *get(const char *entry) {
  situ_kk_kernel *k = NULL;
  int rc = situ_kk_compile(ctx, ir, ir_len, entry, &k);
  CHECK(rc == SITU_KK_OK, "compile %s: %s\n%s", entry, situ_kk_strerror(rc), situ_kk_ctx_errmsg(ctx));
  return k;
}

static int jit_atomic(const char *entry, ar_type ty, void *x, int64_t n, void *t, int64_t m, void *old) {
  situ_kk_kernel *k = get(entry);
  if (!k)
    return 1;
  situ_kk_arg a[3] = {situ_kk_view1(x, dtype[ty], n), situ_kk_view1(t, dtype[ty], m),
                      situ_kk_view1(old, dtype[ty], n)};
  return situ_kk_call(k, a, 3, NULL, 0);
}

/* Scalar results back into a packed array of type rt. */
static void unpack(const situ_kk_arg *r, ar_type rt, int nres, void *res) {
  for (int i = 0; i < nres; ++i) {
    switch (rt) {
    case AR_I32: ((int32_t *)res)[i] = r[i].s.i32; break;
    case AR_I64: ((int64_t *)res)[i] = r[i].s.i64; break;
    case AR_F32: ((float *)res)[i] = r[i].s.f32; break;
    case AR_F64: ((double *)res)[i] = r[i].s.f64; break;
    case AR_BOOL: ((uint8_t *)res)[i] = r[i].s.b; break;
    }
  }
}

static int jit_reduce(const char *entry, ar_type ty, void *x, int64_t n, ar_type rt, int nres, void *res) {
  situ_kk_kernel *k = get(entry);
  if (!k)
    return 1;
  situ_kk_arg a[1] = {situ_kk_view1(x, dtype[ty], n)}, r[5];
  int rc = situ_kk_call(k, a, 1, r, nres);
  if (rc == SITU_KK_OK)
    unpack(r, rt, nres, res);
  return rc;
}

static int jit_team(const char *entry, ar_type ty, void *x, int64_t rows, int64_t cols, int64_t team,
                    ar_type rt, int nres, void *out) {
  situ_kk_kernel *k = get(entry);
  if (!k)
    return 1;
  int64_t xe[2] = {rows, cols}, oe[2] = {rows, nres};
  situ_kk_arg a[3] = {situ_kk_view(x, dtype[ty], 2, xe), situ_kk_i64(team),
                      situ_kk_view(out, dtype[rt], 2, oe)};
  return situ_kk_call(k, a, 3, NULL, 0);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s atomics-reducers.mlir [sequential]\n", argv[0]);
    return 2;
  }
  ir = slurp(argv[1], &ir_len);
  if (!ir) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  situ_kk_options o = {0};
  o.sequential = argc > 2 && strcmp(argv[2], "sequential") == 0;
  if (situ_kk_ctx_create(&o, &ctx) != SITU_KK_OK)
    return 2;
  ar_backend b = {jit_atomic, jit_reduce, jit_team};
  int bad = ar_run_all(&b);
  situ_kk_ctx_destroy(ctx);
  free((void *)ir);
  if (bad)
    fprintf(stderr, "%d checks failed\n", bad);
  return bad != 0;
}
