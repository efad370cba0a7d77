/* libsitu-kokkos API behaviour: the cache, errors carrying MLIR diagnostics,
 * signature checks, bad arguments. */
#include "situ_kokkos.h"
#include "check.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *scale =
    "func.func @scale(%a: f32, %x: memref<8xf32>) {\n"
    "  %c0 = arith.constant 0 : index\n"
    "  %c8 = arith.constant 8 : index\n"
    "  kokkos.parallel_for openmp (%i) = (%c0) to (%c8) {\n"
    "    %v = memref.load %x[%i] : memref<8xf32>\n"
    "    %s = arith.mulf %a, %v : f32\n"
    "    memref.store %s, %x[%i] : memref<8xf32>\n"
    "  }\n"
    "  return\n"
    "}\n";

static const char *device_on_host =
    "func.func @bad(%x: memref<?xf64, #kokkos.space<device>>, %n: index) {\n"
    "  %c0 = arith.constant 0 : index\n"
    "  kokkos.parallel_for openmp (%i) = (%c0) to (%n) {\n"
    "    %v = memref.load %x[%i] : memref<?xf64, #kokkos.space<device>>\n"
    "  }\n"
    "  return\n"
    "}\n";

/* Threads sharing one context: each compiles the same kernel (one compile
 * in all) and calls it on its own buffer. */
typedef struct {
  situ_kk_ctx *ctx;
  const char *ir;
  situ_kk_kernel *k;
  float x[8];
  int rc;
} worker;

static void *work(void *p) {
  worker *w = p;
  w->rc = situ_kk_compile(w->ctx, w->ir, strlen(w->ir), "scale", &w->k);
  for (int rep = 0; rep < 200 && !w->rc; ++rep) {
    situ_kk_arg a[2] = {situ_kk_f32(1.0f), situ_kk_view1(w->x, SITU_KK_F32, 8)};
    w->rc = situ_kk_call(w->k, a, 2, NULL, 0);
  }
  if (!w->rc) {
    situ_kk_arg a[2] = {situ_kk_f32(-2.0f), situ_kk_view1(w->x, SITU_KK_F32, 8)};
    w->rc = situ_kk_call(w->k, a, 2, NULL, 0);
  }
  return NULL;
}

static void test_threads(void) {
  situ_kk_ctx *ctx = NULL;
  CHECK(situ_kk_ctx_create(NULL, &ctx) == SITU_KK_OK, "create");
  worker w[4];
  pthread_t t[4];
  for (int i = 0; i < 4; ++i) {
    w[i] = (worker){.ctx = ctx, .ir = scale};
    for (int j = 0; j < 8; ++j)
      w[i].x[j] = (float)(i * 8 + j);
    pthread_create(&t[i], NULL, work, &w[i]);
  }
  for (int i = 0; i < 4; ++i)
    pthread_join(t[i], NULL);
  int64_t n = 0;
  situ_kk_ctx_compiles(ctx, &n);
  CHECK(n == 1, "%lld compiles for one kernel shared by 4 threads", (long long)n);
  for (int i = 0; i < 4; ++i) {
    CHECK(w[i].rc == SITU_KK_OK && w[i].k == w[0].k, "thread %d: %s", i, situ_kk_strerror(w[i].rc));
    for (int j = 0; j < 8; ++j)
      CHECK(w[i].x[j] == -2.0f * (float)(i * 8 + j), "thread %d x[%d] = %g", i, j, w[i].x[j]);
  }
  situ_kk_ctx_destroy(ctx);
}

int main(void) {
  test_threads();
  situ_kk_ctx *ctx = NULL;
  situ_kk_kernel *k1 = NULL, *k2 = NULL, *k3 = NULL;
  CHECK(situ_kk_ctx_create(NULL, NULL) == SITU_KK_EINVAL, "NULL out accepted");
  CHECK(situ_kk_ctx_create(NULL, &ctx) == SITU_KK_OK, "create");
  if (!ctx)
    return 1;

  /* Cache: same text and entry -> same kernel, one compilation. */
  CHECK(situ_kk_compile(ctx, scale, strlen(scale), "scale", &k1) == SITU_KK_OK,
        "compile: %s", situ_kk_ctx_errmsg(ctx));
  CHECK(situ_kk_compile(ctx, scale, strlen(scale), "scale", &k2) == SITU_KK_OK, "recompile");
  int64_t n = 0;
  situ_kk_ctx_compiles(ctx, &n);
  CHECK(k1 && k1 == k2 && n == 1, "cache miss on identical IR (%lld compiles)", (long long)n);

  /* Signature introspection. */
  int na = -1, nr = -1;
  situ_kk_arg p;
  CHECK(situ_kk_kernel_arity(k1, &na, &nr) == SITU_KK_OK && na == 2 && nr == 0, "arity");
  CHECK(situ_kk_kernel_param(k1, 1, &p) == SITU_KK_OK && p.is_view && p.rank == 1 &&
            p.extents[0] == 8 && p.dtype == SITU_KK_F32, "param 1");
  CHECK(situ_kk_kernel_param(k1, 2, &p) == SITU_KK_EINVAL, "param out of range");

  /* Call, and signature mismatches. */
  float x[8], ref[8];
  for (int i = 0; i < 8; ++i)
    x[i] = (float)i - 3.5f, ref[i] = 2.5f * x[i];
  situ_kk_arg a[2] = {situ_kk_f32(2.5f), situ_kk_view1(x, SITU_KK_F32, 8)};
  CHECK(situ_kk_call(k1, a, 2, NULL, 0) == SITU_KK_OK, "call");
  CHECK(memcmp(x, ref, sizeof x) == 0, "scale result");
  situ_kk_arg wrong_extent[2] = {situ_kk_f32(1), situ_kk_view1(x, SITU_KK_F32, 7)};
  CHECK(situ_kk_call(k1, wrong_extent, 2, NULL, 0) == SITU_KK_ESIG, "static extent unchecked");
  situ_kk_arg wrong_type[2] = {situ_kk_f64(1), situ_kk_view1(x, SITU_KK_F32, 8)};
  CHECK(situ_kk_call(k1, wrong_type, 2, NULL, 0) == SITU_KK_ESIG, "scalar type unchecked");
  CHECK(situ_kk_call(k1, a, 1, NULL, 0) == SITU_KK_ESIG, "arity unchecked");
  CHECK(memcmp(x, ref, sizeof x) == 0, "a rejected call wrote data");

  /* A different text is a different kernel. */
  const char *other = "func.func @scale(%a: f32, %x: memref<8xf32>) { return }";
  CHECK(situ_kk_compile(ctx, other, strlen(other), "scale", &k3) == SITU_KK_OK, "other");
  CHECK(k3 && k3 != k1, "different IR hit the cache");

  /* Source emission: the same kernel as C and as CUDA. */
  char *src = NULL;
  CHECK(situ_kk_emit_source(ctx, scale, strlen(scale), "scale", SITU_KK_SOURCE_C, &src) == SITU_KK_OK,
        "emit C: %s", situ_kk_ctx_errmsg(ctx));
  CHECK(src && strstr(src, "void scale(float a0, float *a1, int64_t a1_n0)") && strstr(src, "omp parallel for"),
        "C source: %s", src ? src : "(null)");
  free(src);
  src = NULL;
  CHECK(situ_kk_emit_source(ctx, scale, strlen(scale), NULL, SITU_KK_SOURCE_CUDA, &src) == SITU_KK_OK,
        "emit CUDA");
  CHECK(src && strstr(src, "extern \"C\" void scale(") && strstr(src, "__global__"), "CUDA source");
  free(src);
  src = NULL;
  CHECK(situ_kk_emit_source(ctx, scale, strlen(scale), "nope", SITU_KK_SOURCE_C, &src) == SITU_KK_ENOENT &&
            !src && strstr(situ_kk_ctx_errmsg(ctx), "nope"), "unknown entry");
  CHECK(situ_kk_emit_source(ctx, scale, strlen(scale), NULL, (situ_kk_source)7, &src) == SITU_KK_EINVAL,
        "bad flavour");

  /* Errors carry MLIR's diagnostics. */
  situ_kk_kernel *bad = NULL;
  const char *garbage = "func.func @f( {";
  CHECK(situ_kk_compile(ctx, garbage, strlen(garbage), "f", &bad) == SITU_KK_EPARSE, "parse");
  CHECK(strstr(situ_kk_ctx_errmsg(ctx), "error:") != NULL, "no parse diagnostic: '%s'",
        situ_kk_ctx_errmsg(ctx));
  CHECK(situ_kk_compile(ctx, device_on_host, strlen(device_on_host), "bad", &bad) ==
            SITU_KK_EPARSE, "verify");
  CHECK(strstr(situ_kk_ctx_errmsg(ctx),
               "view in memory space 'device' is not accessible from execution space 'openmp'"),
        "no verifier diagnostic: '%s'", situ_kk_ctx_errmsg(ctx));
  CHECK(strstr(situ_kk_ctx_errmsg(ctx), "loc(") || strstr(situ_kk_ctx_errmsg(ctx), ":4:"),
        "diagnostic without location: '%s'", situ_kk_ctx_errmsg(ctx));
  CHECK(situ_kk_compile(ctx, scale, strlen(scale), "nope", &bad) == SITU_KK_ENOENT, "entry");
  CHECK(strstr(situ_kk_ctx_errmsg(ctx), "@nope"), "entry message: '%s'", situ_kk_ctx_errmsg(ctx));
  CHECK(bad == NULL, "failed compile returned a kernel");
  /* A success clears the message. */
  CHECK(situ_kk_compile(ctx, scale, strlen(scale), "scale", &k2) == SITU_KK_OK &&
            situ_kk_ctx_errmsg(ctx)[0] == '\0', "stale error message");

  CHECK(situ_kk_compile(NULL, scale, 1, "scale", &k2) == SITU_KK_EINVAL, "NULL ctx");
  CHECK(situ_kk_call(NULL, a, 2, NULL, 0) == SITU_KK_EINVAL, "NULL kernel");
  CHECK(strcmp(situ_kk_strerror(SITU_KK_ESIG), "arguments do not match the kernel signature") == 0,
        "strerror");
  CHECK(situ_kk_ctx_destroy(ctx) == SITU_KK_OK && situ_kk_ctx_destroy(NULL) == SITU_KK_OK, "destroy");
  if (failures)
    fprintf(stderr, "%d failure(s)\n", failures);
  return failures != 0;
}
