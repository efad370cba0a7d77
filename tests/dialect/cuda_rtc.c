/* The CUDA path for run-time compilation, on a machine without a GPU:
 *  - the emitted host part (plain C) compiles through the loader's build
 *    cache and, driven by a fake driver-API table, launches the kernels with
 *    the grids the emitter computes and returns scalar results through the
 *    packed calling convention;
 *  - with no CUDA driver, situ_kk_compile for SITU_KK_TARGET_CUDA fails with
 *    SITU_KK_ENODEV and says which library is missing; source without the
 *    device-code markers is rejected by name.
 * On a GPU the same path runs for real: bench/kernels/gpu (SITU_RTC). */
#define _POSIX_C_SOURCE 200809L
#include "cuda_cache.h"
#include "cuda_rt.h"
#include "situ_kokkos.h"
#include "situ_kokkos_cuda.h"
#include "slurp.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures = 0;
#define CHECK(c)                                                        \
  do {                                                                  \
    if (!(c)) {                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
      ++failures;                                                       \
    }                                                                   \
  } while (0)

/* What the fake records: launches and a host buffer standing for device
 * scratch. Its "final" kernels write a known partial, as a GPU would. */
struct fake {
  int nlaunch;
  char names[8][64];
  unsigned grid[8], block[8];
  int first_arg_int[8];
  double scratch[8200];
};

static int f_launch(void *self, const char *k, unsigned grid, unsigned block, void **args) {
  struct fake *f = self;
  if (f->nlaunch < 8) {
    snprintf(f->names[f->nlaunch], sizeof f->names[0], "%s", k);
    f->grid[f->nlaunch] = grid;
    f->block[f->nlaunch] = block;
    f->first_arg_int[f->nlaunch] = *(int *)args[0];
  }
  f->nlaunch++;
  size_t n = strlen(k);
  if (n > 6 && strcmp(k + n - 6, "_final") == 0)
    **(double **)args[1] = 42.5; /* the joined block partials */
  if (n > 8 && strcmp(k + n - 8, "_offsets") == 0)
    (*(int64_t **)args[0])[8192] = 77; /* the scan total */
  return 0;
}
static void *f_scratch(void *self, size_t bytes) {
  struct fake *f = self;
  return bytes <= sizeof f->scratch ? f->scratch : NULL;
}
static void *f_alloc(void *self, size_t bytes) { (void)self; return malloc(bytes); }
static void f_release(void *self, void *p) { (void)self; free(p); }
static void f_copy(void *self, void *dst, const void *src, size_t bytes) { (void)self; memcpy(dst, src, bytes); }
static void *f_symbol(void *self, const char *name) { (void)self; (void)name; return NULL; }
static void f_sync(void *self) { (void)self; }

static void host_part(const char *src, const char *cache) {
  /* The host part: the source without its device part. */
  const char *b = strstr(src, "// BEGIN DEVICE CODE"), *e = strstr(src, "// END DEVICE CODE");
  CHECK(b && e && e > b);
  if (!b || !e)
    return;
  e += strlen("// END DEVICE CODE");
  size_t head = (size_t)(b - src);
  char *c = malloc(strlen(src) + 1);
  memcpy(c, src, head);
  strcpy(c + head, e);
  char so[4200], *log = NULL;
  snprintf(so, sizeof so, "%s/host.so", cache);
  int rc = situ_kk_cache_compile_c(c, strlen(c), so, &log);
  if (rc)
    fprintf(stderr, "%s\n", log ? log : "?");
  CHECK(rc == 0);
  free(log);
  free(c);
  void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  CHECK(h != NULL);
  if (!h)
    return;
  const int *version = dlsym(h, "situ_kk_cuda_rt_version");
  CHECK(version && *version == SITU_KK_CUDA_RT_VERSION);

  struct fake f;
  memset(&f, 0, sizeof f);
  situ_kk_cuda_rt rt = {&f, f_launch, f_scratch, f_alloc, f_release, f_copy, f_symbol, f_sync};
  situ_kk_cuda_packed_fn fn;

  /* axpy over n = 1000: one kernel, ceil(1000 / 256) blocks of 256. */
  *(void **)&fn = dlsym(h, "axpy_packed");
  CHECK(fn != NULL);
  double a = 2, x[1000], y[1000];
  double *xp = x, *yp = y;
  int64_t n = 1000;
  void *p1[] = {&a, &xp, &n, &yp, &n};
  if (fn)
    fn(&rt, p1);
  CHECK(f.nlaunch == 1 && f.grid[0] == 4 && f.block[0] == 256);
  CHECK(strncmp(f.names[0], "situ_k", 6) == 0);

  /* fused_sum: the reduction kernel, then one block joins the partials;
   * the scalar result comes back through the result pointer. */
  memset(&f, 0, sizeof f);
  *(void **)&fn = dlsym(h, "fused_sum_packed");
  CHECK(fn != NULL);
  double c0 = 0.5, c1 = -0.25, result = -1, *rp = &result;
  int64_t big = 1 << 20;
  void *p2[] = {&c0, &c1, &xp, &big, &rp};
  if (fn)
    fn(&rt, p2);
  CHECK(f.nlaunch == 2);
  CHECK(f.grid[0] == 1024 && f.block[0] == 256); /* capped: partials fit one block */
  CHECK(f.grid[1] == 1 && f.block[1] == 1024 && f.first_arg_int[1] == 1024);
  CHECK(strstr(f.names[1], "_final") != NULL);
  CHECK(result == 42.5);

  /* stencil over the interior of 66 x 34: 64 * 32 points, 8 blocks. */
  memset(&f, 0, sizeof f);
  *(void **)&fn = dlsym(h, "stencil_packed");
  CHECK(fn != NULL);
  int64_t ny = 66, nx = 34;
  void *p3[] = {&xp, &ny, &nx, &yp, &ny, &nx};
  if (fn)
    fn(&rt, p3);
  CHECK(f.nlaunch == 1 && f.grid[0] == 8);

  /* prefix (parallel_scan): chunk sums, offsets, final pass; the total. */
  memset(&f, 0, sizeof f);
  *(void **)&fn = dlsym(h, "prefix_packed");
  CHECK(fn != NULL);
  int64_t iv[16], ov[16], total = -1, *ip = iv, *op = ov, *tp = &total, m = 16;
  void *p4[] = {&ip, &m, &op, &m, &tp};
  if (fn)
    fn(&rt, p4);
  CHECK(f.nlaunch == 3 && strstr(f.names[1], "_offsets") != NULL);
  CHECK(total == 77);
  dlclose(h);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s kernels.mlir\n", argv[0]);
    return 2;
  }
  char cache[] = "/tmp/situ-kk-cuda-rtc-XXXXXX";
  if (!mkdtemp(cache))
    return 2;
  setenv("SITU_KK_CACHE", cache, 1);
  /* No driver here, whatever the machine has: the ENODEV path is tested. */
  setenv("SITU_KK_LIBCUDA", "/nonexistent/libcuda.so.1", 1);

  char *ir = slurp(argv[1], NULL);
  CHECK(ir != NULL);
  if (!ir)
    return 1;
  situ_kk_ctx *ctx;
  CHECK(situ_kk_ctx_create(NULL, &ctx) == SITU_KK_OK);
  char *src = NULL;
  int rc = situ_kk_emit_source(ctx, ir, strlen(ir), NULL, SITU_KK_SOURCE_CUDA_RTC, &src);
  CHECK(rc == SITU_KK_OK && src);
  if (src) {
    CHECK(strstr(src, "extern \"C\" __global__ void situ_k") != NULL);
    CHECK(strstr(src, "cuda_runtime.h") == NULL); /* the host part needs no CUDA */
    host_part(src, cache);
  }

  /* Loader input checks, before any CUDA is needed. */
  situ_kk_cuda *m = NULL;
  const char *plain = "void f(void) {}";
  CHECK(situ_kk_cuda_load(plain, strlen(plain), "f", NULL, &m) == SITU_KK_EINVAL);
  CHECK(strstr(situ_kk_cuda_errmsg(m), "DEVICE CODE markers") != NULL);
  situ_kk_cuda_free(m);
  m = NULL;
  CHECK(situ_kk_cuda_load(src, strlen(src), "axpy", NULL, &m) == SITU_KK_ENODEV);
  CHECK(strstr(situ_kk_cuda_errmsg(m), "/nonexistent/libcuda.so.1") != NULL);
  situ_kk_cuda_free(m);
  free(src);

  /* The C API for the CUDA target: the same error, with the same message. */
  situ_kk_ctx *gpu;
  situ_kk_options o = {.target = SITU_KK_TARGET_CUDA};
  CHECK(situ_kk_ctx_create(&o, &gpu) == SITU_KK_OK);
  situ_kk_kernel *k = NULL;
  rc = situ_kk_compile(gpu, ir, strlen(ir), "dot", &k);
  CHECK(rc == SITU_KK_ENODEV && k == NULL);
  CHECK(strstr(situ_kk_ctx_errmsg(gpu), "no CUDA driver") != NULL);
  /* Errors in the IR are still reported as such for the CUDA target. */
  rc = situ_kk_compile(gpu, ir, strlen(ir), "no_such_kernel", &k);
  CHECK(rc == SITU_KK_ENOENT);
  situ_kk_ctx_destroy(gpu);
  situ_kk_ctx_destroy(ctx);
  free(ir);

  char rm[200];
  snprintf(rm, sizeof rm, "rm -rf %s", cache);
  if (system(rm) != 0)
    fprintf(stderr, "could not remove %s\n", cache);
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("cuda_rtc: all checks passed\n");
  return failures != 0;
}
