/* libsitu-kokkos: compile a Kokkos-dialect kernel from MLIR text and call it
 * on caller buffers, from C.
 *
 *   situ_kk_ctx *ctx;          situ_kk_ctx_create(NULL, &ctx);
 *   situ_kk_kernel *k;         situ_kk_compile(ctx, ir, strlen(ir), "axpy", &k);
 *   situ_kk_arg a[3] = { situ_kk_f64(2.0), situ_kk_view1(x, SITU_KK_F64, n),
 *                        situ_kk_view1(y, SITU_KK_F64, n) };
 *   situ_kk_call(k, a, 3, NULL, 0);
 *   situ_kk_ctx_destroy(ctx);  // frees every kernel compiled in it
 *
 * Every function returns a status (SITU_KK_OK = 0). On failure
 * situ_kk_ctx_errmsg() holds MLIR's diagnostics. Kernels are cached per
 * context by a hash of (IR text, entry): compiling the same kernel again
 * returns the same handle. A context may be shared between threads
 * (compilation is serialised; calls run concurrently); contexts share
 * nothing. */
#ifndef SITU_KOKKOS_H
#define SITU_KOKKOS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum situ_kk_status {
  SITU_KK_OK = 0,
  SITU_KK_EINVAL,   /* bad argument (NULL handle, bad length, ...) */
  SITU_KK_ENOMEM,
  SITU_KK_EPARSE,   /* the IR does not parse or verify (the parser verifies) */
  SITU_KK_ENOENT,   /* no func.func with the entry name */
  SITU_KK_ELOWER,   /* lowering to LLVM failed */
  SITU_KK_EJIT,     /* LLVM could not compile it */
  SITU_KK_ESIG,     /* call arguments do not match the kernel signature */
  SITU_KK_EUNSUP,   /* signature uses a type the C API cannot pass */
  SITU_KK_ENODEV,   /* target unavailable: no CUDA driver, GPU, NVRTC or C compiler */
  SITU_KK_EDEVICE   /* a CUDA call failed (compile, load, launch, copy) */
};
const char *situ_kk_strerror(int status);

typedef enum situ_kk_dtype {
  SITU_KK_BOOL = 1, /* i1, one byte per element */
  SITU_KK_I32,
  SITU_KK_I64,      /* i64 and index */
  SITU_KK_F32,
  SITU_KK_F64,
  SITU_KK_I8        /* i8: int8 or uint8 bytes (the kernel's ops say which) */
} situ_kk_dtype;

#define SITU_KK_MAX_RANK 8

typedef enum situ_kk_target {
  SITU_KK_TARGET_HOST = 0, /* JIT for this CPU (OpenMP) */
  SITU_KK_TARGET_CUDA = 1  /* NVIDIA GPU: NVRTC + driver API (situ_kokkos_cuda.h);
                              views hold device (or managed) pointers */
} situ_kk_target;

typedef struct situ_kk_options {
  int sequential; /* nonzero: no OpenMP, run parallel loops sequentially */
  int opt_level;  /* LLVM optimisation level 0..3; 0 in the struct means 3 */
  situ_kk_target target;
  int device;     /* CUDA device ordinal for SITU_KK_TARGET_CUDA */
} situ_kk_options;

/** A scalar or a view argument / result. */
typedef struct situ_kk_arg {
  int is_view;
  situ_kk_dtype dtype;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    uint8_t b;
  } s;                    /* scalars */
  void *data;             /* views: first element */
  int rank;
  int64_t extents[SITU_KK_MAX_RANK];
  int64_t strides[SITU_KK_MAX_RANK]; /* in elements; all 0 = LayoutRight */
} situ_kk_arg;

typedef struct situ_kk_ctx situ_kk_ctx;
typedef struct situ_kk_kernel situ_kk_kernel;

int situ_kk_ctx_create(const situ_kk_options *opts, situ_kk_ctx **out);
/** Frees the context and every kernel compiled in it; NULL is fine. */
int situ_kk_ctx_destroy(situ_kk_ctx *ctx);
/** Diagnostics of the last failure in this context ("" if none). Valid until
 *  the next call on the context. */
const char *situ_kk_ctx_errmsg(const situ_kk_ctx *ctx);
/** Number of compilations (cache misses) so far. */
int situ_kk_ctx_compiles(const situ_kk_ctx *ctx, int64_t *out);

/** Parses, verifies, lowers and JIT-compiles `entry` of `ir` (len bytes),
 *  or returns the cached kernel. The kernel belongs to the context. */
int situ_kk_compile(situ_kk_ctx *ctx, const char *ir, size_t len,
                    const char *entry, situ_kk_kernel **out);

/** Signature: numbers of arguments and results, and each one's shape. */
int situ_kk_kernel_arity(const situ_kk_kernel *k, int *nargs, int *nresults);
int situ_kk_kernel_param(const situ_kk_kernel *k, int i, situ_kk_arg *out);

/** Calls the kernel. Views must match the declared rank, value type, static
 *  extents and layout; scalar results are written to `results`. */
int situ_kk_call(const situ_kk_kernel *k, const situ_kk_arg *args, int nargs,
                 situ_kk_arg *results, int nresults);

/** Why the kernel's last call failed, for failures that happen on the
 *  device (SITU_KK_EDEVICE); "" otherwise. */
const char *situ_kk_kernel_errmsg(const situ_kk_kernel *k);

/** Source flavours of situ_kk_emit_source (values of MlirKokkosSourceFlavor). */
typedef enum situ_kk_source {
  SITU_KK_SOURCE_KOKKOS_CPP = 0, /* Kokkos C++: Views, policies, KOKKOS_LAMBDA */
  SITU_KK_SOURCE_C = 1,          /* C with OpenMP */
  SITU_KK_SOURCE_CUDA = 2,       /* CUDA C for nvcc: __global__ kernels + extern "C" host function */
  SITU_KK_SOURCE_CUDA_RTC = 3    /* CUDA for run-time compilation: NVRTC device part, C host
                                    part on the driver API (situ_kokkos_cuda.h loads it) */
} situ_kk_source;

/** Prints `ir` (only `entry` and what it uses, if entry is not NULL) as source
 *  of the given flavour. *out is NUL-terminated, malloc'd: free() it. */
int situ_kk_emit_source(situ_kk_ctx *ctx, const char *ir, size_t len, const char *entry,
                        situ_kk_source flavor, char **out);

/* Argument builders. */
situ_kk_arg situ_kk_f64(double v);
situ_kk_arg situ_kk_f32(float v);
situ_kk_arg situ_kk_i64(int64_t v);
situ_kk_arg situ_kk_i32(int32_t v);
/** A LayoutRight (row-major, contiguous) view. */
situ_kk_arg situ_kk_view(void *data, situ_kk_dtype t, int rank,
                         const int64_t *extents);
situ_kk_arg situ_kk_view1(void *data, situ_kk_dtype t, int64_t n);

#ifdef __cplusplus
}
#endif
#endif
