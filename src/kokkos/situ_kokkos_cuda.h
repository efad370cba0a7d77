/* libsitu-kokkos, CUDA loader: runs kernels emitted as CUDA for run-time
 * compilation (`kokkos-translate --kokkos-to-cuda-rtc`, or
 * situ_kk_emit_source(..., SITU_KK_SOURCE_CUDA_RTC)) on an NVIDIA GPU.
 *
 *   situ_kk_cuda *m;
 *   int rc = situ_kk_cuda_load(src, strlen(src), "axpy", NULL, &m);
 *   if (rc) fprintf(stderr, "%s\n", situ_kk_cuda_errmsg(m));
 *   double a = 2; int64_t n = N; double *x = dev_x, *y = dev_y;
 *   void *p[] = {&a, &x, &n, &y, &n};   // the emitted host function's parameters
 *   rc = situ_kk_cuda_call(m, p);
 *   situ_kk_cuda_free(m);
 *
 * The device part (between the BEGIN/END DEVICE CODE markers) is compiled
 * by NVRTC to a CUBIN for the GPU's architecture, the host part (plain C,
 * launching through a driver-API table) by the system C compiler; both are
 * cached on disk by a hash of the source, so the ranks of a node compile a
 * kernel once. Nothing here links CUDA: libcuda.so.1 and libnvrtc are opened
 * at run time, so the library loads on machines without a GPU and fails with
 * SITU_KK_ENODEV and a message saying what is missing.
 *
 * Environment: SITU_KK_CACHE (cache directory; default
 * $XDG_CACHE_HOME/situ-kokkos or ~/.cache/situ-kokkos), SITU_KK_CC (C
 * compiler, default cc), SITU_KK_LIBCUDA and SITU_KK_NVRTC (library paths). */
#ifndef SITU_KOKKOS_CUDA_H
#define SITU_KOKKOS_CUDA_H

#include "situ_kokkos.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct situ_kk_cuda situ_kk_cuda;

typedef struct situ_kk_cuda_options {
  int device; /* CUDA device ordinal */
} situ_kk_cuda_options;

/** Where the time of situ_kk_cuda_load went. */
typedef struct situ_kk_cuda_stats {
  double device_compile_ms; /* NVRTC (0 when the CUBIN came from the cache) */
  double host_compile_ms;   /* the C compiler (0 when cached) */
  double load_ms;           /* the whole load, compiles included */
  int device_cached, host_cached;
  int arch;                 /* e.g. 90 for sm_90 */
} situ_kk_cuda_stats;

/** Compiles (or finds in the cache) and loads `entry` of the emitted source.
 *  *out is set unless memory runs out, also on failure: read
 *  situ_kk_cuda_errmsg(*out), then situ_kk_cuda_free(*out). */
int situ_kk_cuda_load(const char *source, size_t len, const char *entry,
                      const situ_kk_cuda_options *opts, situ_kk_cuda **out);

/** Runs the kernel: params[i] points to the value of the i-th parameter of
 *  the emitted host function (views: pointer, then extents, then strides for
 *  non-LayoutRight views; results: a pointer to host storage). Device
 *  pointers from any CUDA runtime that uses the primary context (the CUDA
 *  runtime, PyTorch, JAX) are fine. Returns when the GPU work is done. */
int situ_kk_cuda_call(situ_kk_cuda *m, void **params);

/** Diagnostics of the last failure ("" if none). */
const char *situ_kk_cuda_errmsg(const situ_kk_cuda *m);
int situ_kk_cuda_stats_get(const situ_kk_cuda *m, situ_kk_cuda_stats *out);
/** Unloads the module and frees its device memory; NULL is fine. */
void situ_kk_cuda_free(situ_kk_cuda *m);

#ifdef __cplusplus
}
#endif
#endif
