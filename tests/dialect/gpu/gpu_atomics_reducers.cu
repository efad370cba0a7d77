// The checks of atomics_reducers.h (every atomic kind on i32/i64/f32/f64;
// reducers prod, min, max, land, lor, band, bor in parallel_reduce and
// team_thread_reduce) on a GPU, against reference C, for the CUDA that
// kokkos-translate emitted from inputs/atomics-reducers.mlir (committed
// here: the GPU machine has no MLIR). Two builds (run.sh):
//   default:    the --kokkos-to-cuda form, compiled in by nvcc;
//   -DSITU_RTC: the --kokkos-to-cuda-rtc form, loaded at run time through
//               libsitu-kokkos' loader (NVRTC + C host part + driver API).
#include "atomics_reducers.h"

#include <cuda_runtime.h>
#include <stdio.h>

#ifdef SITU_RTC
#include "situ_kokkos_cuda.h"
static char *rtc_source;
#else
#include "atomics_reducers_cuda.cu"
#endif

static void *dev(size_t bytes) {
  void *p = nullptr;
  if (cudaMalloc(&p, bytes ? bytes : 1) != cudaSuccess) {
    fprintf(stderr, "cudaMalloc(%zu) failed\n", bytes);
    exit(2);
  }
  return p;
}
static void *dev_copy(const void *host, size_t bytes) {
  void *p = dev(bytes);
  if (bytes) cudaMemcpy(p, host, bytes, cudaMemcpyHostToDevice);
  return p;
}
static void back(void *host, const void *d, size_t bytes) {
  if (bytes) cudaMemcpy(host, d, bytes, cudaMemcpyDeviceToHost);
}

// Runs the emitted host function `entry` with its C parameters in p (the
// loader's convention: a pointer to each parameter's value).
static int run(const char *entry, void **p);

static int gpu_atomic(const char *entry, ar_type ty, void *x, int64_t n, void *t, int64_t m, void *old) {
  size_t es = ar_size[ty];
  void *dx = dev_copy(x, es * n), *dt = dev_copy(t, es * m), *dold = dev_copy(old, es * n);
  void *p[] = {&dx, &n, &dt, &m, &dold, &n};
  int rc = run(entry, p);
  back(t, dt, es * m);
  back(old, dold, es * n);
  cudaFree(dx), cudaFree(dt), cudaFree(dold);
  return rc;
}

static int gpu_reduce(const char *entry, ar_type ty, void *x, int64_t n, ar_type rt, int nres, void *res) {
  void *dx = dev_copy(x, ar_size[ty] * n);
  void *r[5], *p[7] = {&dx, &n};
  for (int k = 0; k < nres; ++k) {
    r[k] = (char *)res + k * ar_size[rt]; // results: host pointers
    p[2 + k] = &r[k];
  }
  int rc = run(entry, p);
  cudaFree(dx);
  return rc;
}

static int gpu_team(const char *entry, ar_type ty, void *x, int64_t rows, int64_t cols, int64_t team,
                    ar_type rt, int nres, void *out) {
  size_t ob = ar_size[rt] * rows * nres;
  int64_t nr = nres;
  void *dx = dev_copy(x, ar_size[ty] * rows * cols), *dout = dev_copy(out, ob);
  void *p[] = {&dx, &rows, &cols, &team, &dout, &rows, &nr};
  int rc = run(entry, p);
  back(out, dout, ob);
  cudaFree(dx), cudaFree(dout);
  return rc;
}

#ifdef SITU_RTC
static int run(const char *entry, void **p) {
  static struct { char name[64]; situ_kk_cuda *m; } loaded[64];
  static int nloaded = 0;
  situ_kk_cuda *m = nullptr;
  for (int i = 0; i < nloaded && !m; ++i)
    if (!strcmp(loaded[i].name, entry)) m = loaded[i].m;
  if (!m) {
    int rc = situ_kk_cuda_load(rtc_source, strlen(rtc_source), entry, nullptr, &m);
    if (rc) {
      fprintf(stderr, "load %s: %s\n", entry, m ? situ_kk_cuda_errmsg(m) : "out of memory");
      situ_kk_cuda_free(m);
      return rc;
    }
    if (nloaded < 64) {
      snprintf(loaded[nloaded].name, sizeof loaded[0].name, "%s", entry);
      loaded[nloaded++].m = m;
    }
  }
  int rc = situ_kk_cuda_call(m, p);
  if (rc) fprintf(stderr, "call %s: %s\n", entry, situ_kk_cuda_errmsg(m));
  return rc;
}
#else
// The nvcc-built functions, called with the parameters unpacked.
#define P(i, T) (*(T *)p[i])
#define ATOMIC(K, T, C)                                                                     \
  if (!strcmp(entry, "atomic_" #K "_" #T))                                                  \
    atomic_##K##_##T(P(0, C *), P(1, int64_t), P(2, C *), P(3, int64_t), P(4, C *), P(5, int64_t)), found = 1;
#define REDUCE3(T, C)                                                                       \
  if (!strcmp(entry, "reduce_" #T)) reduce_##T(P(0, C *), P(1, int64_t), P(2, C *), P(3, C *), P(4, C *)), found = 1;
#define REDUCE5(T, C)                                                                       \
  if (!strcmp(entry, "reduce_" #T))                                                         \
    reduce_##T(P(0, C *), P(1, int64_t), P(2, C *), P(3, C *), P(4, C *), P(5, C *), P(6, C *)), found = 1;
#define TEAM(T, X, C)                                                                       \
  if (!strcmp(entry, "team_reduce_" #T))                                                    \
    team_reduce_##T(P(0, X *), P(1, int64_t), P(2, int64_t), P(3, int64_t), P(4, C *), P(5, int64_t), \
                    P(6, int64_t)), found = 1;
static int run(const char *entry, void **p) {
  int found = 0;
  ATOMIC(add, i32, int32_t) ATOMIC(add, i64, int64_t) ATOMIC(add, f32, float) ATOMIC(add, f64, double)
  ATOMIC(sub, i32, int32_t) ATOMIC(sub, i64, int64_t) ATOMIC(sub, f32, float) ATOMIC(sub, f64, double)
  ATOMIC(min, i32, int32_t) ATOMIC(min, i64, int64_t) ATOMIC(min, f32, float) ATOMIC(min, f64, double)
  ATOMIC(max, i32, int32_t) ATOMIC(max, i64, int64_t) ATOMIC(max, f32, float) ATOMIC(max, f64, double)
  ATOMIC(band, i32, int32_t) ATOMIC(band, i64, int64_t) ATOMIC(bor, i32, int32_t) ATOMIC(bor, i64, int64_t)
  REDUCE3(f64, double) REDUCE3(f32, float) REDUCE5(i32, int32_t) REDUCE5(i64, int64_t)
  if (!strcmp(entry, "reduce_bool"))
    reduce_bool(P(0, int32_t *), P(1, int64_t), P(2, bool *), P(3, bool *)), found = 1;
  TEAM(f64, double, double) TEAM(i64, int64_t, int64_t) TEAM(bool, int32_t, bool)
  if (!found) {
    fprintf(stderr, "no function %s\n", entry);
    return 1;
  }
  cudaError_t e = cudaDeviceSynchronize();
  if (e == cudaSuccess) e = cudaGetLastError();
  if (e != cudaSuccess) fprintf(stderr, "%s: %s\n", entry, cudaGetErrorString(e));
  return e != cudaSuccess;
}
#endif

int main(int argc, char **argv) {
#ifdef SITU_RTC
  if (argc < 2) {
    fprintf(stderr, "usage: %s atomics_reducers_rtc.cu\n", argv[0]);
    return 2;
  }
  FILE *in = fopen(argv[1], "rb");
  if (!in) {
    fprintf(stderr, "cannot open %s\n", argv[1]);
    return 2;
  }
  static char text[1 << 22];
  text[fread(text, 1, sizeof text - 1, in)] = '\0';
  fclose(in);
  rtc_source = text;
  const char *form = "NVRTC-loaded";
#else
  (void)argc, (void)argv;
  const char *form = "nvcc-built";
#endif
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    fprintf(stderr, "no CUDA device\n");
    return 2;
  }
  ar_backend b = {gpu_atomic, gpu_reduce, gpu_team};
  int bad = ar_run_all(&b);
  printf("%s on %s (sm_%d%d): %s (%d failed checks)\n", form, prop.name, prop.major, prop.minor,
         bad ? "FAILED" : "all atomics and reducers correct", bad);
  return bad != 0;
}
