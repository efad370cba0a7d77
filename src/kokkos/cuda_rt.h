/* The table through which the host part of `--kokkos-to-cuda-rtc` output
 * reaches the CUDA driver: the loader (cuda.c) fills it, tests may fake it.
 * The emitter (dialect/lib/EmitSource.cpp) writes the same declaration into
 * every host part, with `situ_kk_cuda_rt_version`; change both together.
 * Internal to libsitu-kokkos. */
#ifndef SITU_KK_CUDA_RT_H
#define SITU_KK_CUDA_RT_H

#include <stddef.h>

typedef struct situ_kk_cuda_rt {
  void *self;
  int (*launch)(void *self, const char *kernel, unsigned grid, unsigned block, void **args);
  void *(*scratch)(void *self, size_t bytes); /* grows; reduction partials */
  void *(*alloc)(void *self, size_t bytes);
  void (*release)(void *self, void *p);
  void (*copy)(void *self, void *dst, const void *src, size_t bytes);
  void *(*symbol)(void *self, const char *name); /* a __device__ global */
  void (*sync)(void *self);
} situ_kk_cuda_rt;

enum { SITU_KK_CUDA_RT_VERSION = 1 };

/* `<entry>_packed` of an emitted host part. */
typedef void (*situ_kk_cuda_packed_fn)(const situ_kk_cuda_rt *, void **);

#endif
