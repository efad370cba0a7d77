/* The MLIR half of libsitu-kokkos (libsitu-kokkos-mlir.so), loaded with
 * dlopen on the first call that needs MLIR: parsing, lowering, JIT and source
 * emission. The front (situ_kokkos.c) needs no MLIR, so a process that finds
 * its kernels in the on-disk cache never maps MLIR or LLVM. Internal. */
#ifndef SITU_KK_BACKEND_H
#define SITU_KK_BACKEND_H

#include "situ_kokkos.h"

#include <stdbool.h>

/* A kernel's signature: nargs arguments, then nresults results. */
typedef struct situ_kk_sig {
  int nargs, nresults;
  situ_kk_arg *params; /* malloc'd, nargs + nresults */
  bool *identity;      /* per param: a LayoutRight (identity layout) view */
} situ_kk_sig;

typedef void (*situ_kk_packed_fn)(void **);
typedef void (*situ_kk_diag_fn)(void *ud, const char *text, size_t len);

#define SITU_KK_BACKEND_VERSION 1

typedef struct situ_kk_backend {
  int version;
  /* An MLIR context whose diagnostics go to diag(ud, ...). */
  void *(*open)(situ_kk_diag_fn diag, void *ud);
  void (*close)(void *b);
  /* Parses, verifies, reads the signature of `entry`, lowers and JIT-compiles
   * it (CPU); with `object_path`, also writes the compiled object there
   * (position-independent, for a shared library). *owner frees with release. */
  int (*compile)(void *b, const char *ir, size_t len, const char *entry, int opt_level,
                 const char *omp_lib, const char *object_path, situ_kk_sig *sig,
                 situ_kk_packed_fn *fn, void **owner);
  void (*release)(void *owner);
  /* Source of `ir` (only `entry` and what it uses unless entry is NULL); with
   * `sig`, also the entry's signature. *out is malloc'd. */
  int (*emit)(void *b, const char *ir, size_t len, const char *entry, int flavor, char **out,
              situ_kk_sig *sig);
} situ_kk_backend;

/* The backend's one exported symbol. */
const situ_kk_backend *situ_kk_backend_get(void);

#endif
