/* libsitu-kokkos: parse -> verify -> lower (kokkos-to-llvm) -> JIT -> call,
 * through MLIR's C API and the kokkos dialect's C API. */
#define _POSIX_C_SOURCE 200809L /* strdup, access */
#include "situ_kokkos.h"
#include "situ_kokkos_cuda.h"

#include "cuda_cache.h"

#include "Kokkos-c/Kokkos.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/ExecutionEngine.h"
#include "mlir-c/IR.h"
#include "mlir-c/RegisterEverything.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void (*packed_fn)(void **);

struct situ_kk_kernel {
  struct situ_kk_kernel *next;
  uint64_t hash;
  char *entry;
  char *ir;
  size_t ir_len;
  MlirExecutionEngine jit;
  packed_fn fn;
  situ_kk_cuda *cuda;   /* SITU_KK_TARGET_CUDA: the loaded module */
  int nargs, nresults;
  situ_kk_arg *params;  /* nargs entries, then nresults */
  bool *identity;       /* per param: LayoutRight (identity layout) view */
  int nslots;           /* packed pointers, results included */
  size_t result_off[SITU_KK_MAX_RANK * 4];
  size_t result_size;
};

struct situ_kk_ctx {
  MlirContext mlir;
  pthread_mutex_t lock;
  situ_kk_options opts;
  const char *omp_lib; /* OpenMP runtime for the JIT, NULL: sequential */
  char *err;
  size_t err_len, err_cap;
  int64_t compiles;
  struct situ_kk_kernel *kernels;
};

const char *situ_kk_strerror(int status) {
  switch (status) {
  case SITU_KK_OK: return "success";
  case SITU_KK_EINVAL: return "invalid argument";
  case SITU_KK_ENOMEM: return "out of memory";
  case SITU_KK_EPARSE: return "kernel IR does not parse or verify";
  case SITU_KK_ENOENT: return "no kernel function with that name";
  case SITU_KK_ELOWER: return "lowering the kernel to LLVM failed";
  case SITU_KK_EJIT: return "JIT compilation failed";
  case SITU_KK_ESIG: return "arguments do not match the kernel signature";
  case SITU_KK_EUNSUP: return "kernel signature has a type the C API cannot pass";
  case SITU_KK_ENODEV: return "target unavailable (no CUDA driver, GPU, NVRTC or C compiler)";
  case SITU_KK_EDEVICE: return "a CUDA operation failed";
  default: return "unknown status";
  }
}

/* ---- error text ------------------------------------------------------ */

static void err_append(situ_kk_ctx *ctx, const char *s, size_t n) {
  if (ctx->err_len + n + 1 > ctx->err_cap) {
    size_t cap = (ctx->err_len + n + 1) * 2;
    char *p = realloc(ctx->err, cap);
    if (!p)
      return; /* keep what we have: diagnostics are best effort */
    ctx->err = p;
    ctx->err_cap = cap;
  }
  memcpy(ctx->err + ctx->err_len, s, n);
  ctx->err_len += n;
  ctx->err[ctx->err_len] = '\0';
}

static void err_str(situ_kk_ctx *ctx, const char *s) { err_append(ctx, s, strlen(s)); }

static void err_cb(MlirStringRef s, void *ud) { err_append(ud, s.data, s.length); }

static void print_diag(MlirDiagnostic d, situ_kk_ctx *ctx, int depth) {
  static const char *sev[] = {"error", "warning", "note", "remark"};
  MlirDiagnosticSeverity s = mlirDiagnosticGetSeverity(d);
  for (int i = 0; i < depth; ++i)
    err_str(ctx, "  ");
  mlirLocationPrint(mlirDiagnosticGetLocation(d), err_cb, ctx);
  err_str(ctx, ": ");
  err_str(ctx, sev[s <= MlirDiagnosticRemark ? s : 0]);
  err_str(ctx, ": ");
  mlirDiagnosticPrint(d, err_cb, ctx);
  err_str(ctx, "\n");
  for (intptr_t i = 0; i < mlirDiagnosticGetNumNotes(d); ++i)
    print_diag(mlirDiagnosticGetNote(d, i), ctx, depth + 1);
}

/* Keeps MLIR's diagnostics for situ_kk_ctx_errmsg instead of stderr. */
static MlirLogicalResult on_diag(MlirDiagnostic d, void *ud) {
  print_diag(d, ud, 0);
  return mlirLogicalResultSuccess();
}

static int fail(situ_kk_ctx *ctx, int status, const char *what) {
  if (ctx->err_len == 0 && what)
    err_str(ctx, what);
  return status;
}

/* ---- context ----------------------------------------------------------- */

static const char *find_omp(void) {
  static const char *candidates[] = {
      "/usr/lib/llvm-22/lib/libomp.so", "/usr/lib/x86_64-linux-gnu/libomp.so.5",
      "/usr/lib/aarch64-linux-gnu/libomp.so.5", "/usr/lib/x86_64-linux-gnu/libomp.so"};
  for (size_t i = 0; i < sizeof candidates / sizeof *candidates; ++i)
    if (access(candidates[i], R_OK) == 0)
      return candidates[i];
  return NULL;
}

int situ_kk_ctx_create(const situ_kk_options *opts, situ_kk_ctx **out) {
  if (!out)
    return SITU_KK_EINVAL;
  *out = NULL;
  situ_kk_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx)
    return SITU_KK_ENOMEM;
  if (opts)
    ctx->opts = *opts;
  if (ctx->opts.opt_level <= 0 || ctx->opts.opt_level > 3)
    ctx->opts.opt_level = 3;
  ctx->omp_lib = ctx->opts.sequential ? NULL : find_omp();
  if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
    free(ctx);
    return SITU_KK_ENOMEM;
  }
  mlirKokkosRegisterPasses();
  /* No MLIR thread pool inside a simulation process. */
  ctx->mlir = mlirContextCreateWithThreading(false);
  MlirDialectRegistry reg = mlirDialectRegistryCreate();
  mlirRegisterAllDialects(reg);
  mlirDialectHandleInsertDialect(mlirGetDialectHandle__kokkos__(), reg);
  mlirContextAppendDialectRegistry(ctx->mlir, reg);
  mlirDialectRegistryDestroy(reg);
  mlirRegisterAllLLVMTranslations(ctx->mlir);
  mlirContextAttachDiagnosticHandler(ctx->mlir, on_diag, ctx, NULL);
  *out = ctx;
  return SITU_KK_OK;
}

static void kernel_free(struct situ_kk_kernel *k) {
  if (!k)
    return;
  if (k->jit.ptr)
    mlirExecutionEngineDestroy(k->jit);
  situ_kk_cuda_free(k->cuda);
  free(k->entry);
  free(k->ir);
  free(k->params);
  free(k->identity);
  free(k);
}

int situ_kk_ctx_destroy(situ_kk_ctx *ctx) {
  if (!ctx)
    return SITU_KK_OK;
  for (struct situ_kk_kernel *k = ctx->kernels, *n; k; k = n) {
    n = k->next;
    kernel_free(k);
  }
  mlirContextDestroy(ctx->mlir);
  pthread_mutex_destroy(&ctx->lock);
  free(ctx->err);
  free(ctx);
  return SITU_KK_OK;
}

const char *situ_kk_ctx_errmsg(const situ_kk_ctx *ctx) {
  return ctx && ctx->err ? ctx->err : "";
}

int situ_kk_ctx_compiles(const situ_kk_ctx *ctx, int64_t *out) {
  if (!ctx || !out)
    return SITU_KK_EINVAL;
  *out = ctx->compiles;
  return SITU_KK_OK;
}

/* ---- signature --------------------------------------------------------- */

static int dtype_of(MlirType t, situ_kk_dtype *out) {
  if (mlirTypeIsAF64(t))
    *out = SITU_KK_F64;
  else if (mlirTypeIsAF32(t))
    *out = SITU_KK_F32;
  else if (mlirTypeIsAIndex(t))
    *out = SITU_KK_I64;
  else if (mlirTypeIsAInteger(t) && mlirIntegerTypeGetWidth(t) == 64)
    *out = SITU_KK_I64;
  else if (mlirTypeIsAInteger(t) && mlirIntegerTypeGetWidth(t) == 32)
    *out = SITU_KK_I32;
  else if (mlirTypeIsAInteger(t) && mlirIntegerTypeGetWidth(t) == 1)
    *out = SITU_KK_BOOL;
  else
    return SITU_KK_EUNSUP;
  return SITU_KK_OK;
}

static size_t dtype_size(situ_kk_dtype t) {
  switch (t) {
  case SITU_KK_BOOL: return 1;
  case SITU_KK_I32: case SITU_KK_F32: return 4;
  default: return 8;
  }
}

/* Views: extents/strides hold the static values, -1 where dynamic. */
static int param_of(MlirType t, situ_kk_arg *p, bool *identity) {
  memset(p, 0, sizeof *p);
  *identity = false;
  if (!mlirTypeIsAMemRef(t))
    return dtype_of(t, &p->dtype);
  p->is_view = 1;
  p->rank = (int)mlirShapedTypeGetRank(t);
  if (p->rank > SITU_KK_MAX_RANK)
    return SITU_KK_EUNSUP;
  int rc = dtype_of(mlirShapedTypeGetElementType(t), &p->dtype);
  if (rc)
    return rc;
  int64_t strides[SITU_KK_MAX_RANK], offset;
  if (mlirLogicalResultIsFailure(mlirMemRefTypeGetStridesAndOffset(t, strides, &offset)))
    return SITU_KK_EUNSUP;
  *identity = mlirAffineMapIsIdentity(mlirMemRefTypeGetAffineMap(t));
  for (int d = 0; d < p->rank; ++d) {
    int64_t e = mlirShapedTypeGetDimSize(t, d);
    p->extents[d] = mlirShapedTypeIsDynamicSize(e) ? -1 : e;
    p->strides[d] = mlirShapedTypeIsDynamicStrideOrOffset(strides[d]) ? -1 : strides[d];
  }
  return SITU_KK_OK;
}

static MlirOperation find_func(MlirModule m, const char *entry) {
  for (MlirOperation op = mlirBlockGetFirstOperation(mlirModuleGetBody(m));
       !mlirOperationIsNull(op); op = mlirOperationGetNextInBlock(op)) {
    MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
    if (name.length != 9 || memcmp(name.data, "func.func", 9) != 0)
      continue;
    MlirAttribute sym = mlirOperationGetAttributeByName(op, mlirStringRefCreateFromCString("sym_name"));
    MlirStringRef s = mlirStringAttrGetValue(sym);
    if (s.length == strlen(entry) && memcmp(s.data, entry, s.length) == 0)
      return op;
  }
  MlirOperation none = {NULL};
  return none;
}

/* func.func @entry of m, or a null operation and ENOENT's message. */
static MlirOperation entry_func(situ_kk_ctx *ctx, MlirModule m, const char *entry) {
  MlirOperation fn = find_func(m, entry);
  if (mlirOperationIsNull(fn)) {
    err_str(ctx, "no func.func @");
    err_str(ctx, entry);
    err_str(ctx, " in the kernel IR");
  }
  return fn;
}

/* Forgets the previous failure's diagnostics (the lock is held). */
static void err_clear(situ_kk_ctx *ctx) {
  ctx->err_len = 0;
  if (ctx->err)
    ctx->err[0] = '\0';
}

static int read_signature(struct situ_kk_kernel *k, MlirOperation fn) {
  MlirType ft = mlirTypeAttrGetValue(
      mlirOperationGetAttributeByName(fn, mlirStringRefCreateFromCString("function_type")));
  k->nargs = (int)mlirFunctionTypeGetNumInputs(ft);
  k->nresults = (int)mlirFunctionTypeGetNumResults(ft);
  int n = k->nargs + k->nresults;
  if (k->nresults > (int)(sizeof k->result_off / sizeof *k->result_off))
    return SITU_KK_EUNSUP;
  k->params = calloc((size_t)n + 1, sizeof *k->params);
  k->identity = calloc((size_t)n + 1, sizeof *k->identity);
  if (!k->params || !k->identity)
    return SITU_KK_ENOMEM;
  k->nslots = k->nresults; /* CUDA: a pointer per result; CPU: one for all */
  for (int i = 0; i < k->nargs; ++i) {
    int rc = param_of(mlirFunctionTypeGetInput(ft, i), &k->params[i], &k->identity[i]);
    if (rc)
      return rc;
    k->nslots += k->params[i].is_view ? 3 + 2 * k->params[i].rank : 1;
  }
  /* Several results come back as an LLVM struct with natural alignment. */
  size_t off = 0, align_max = 1;
  for (int i = 0; i < k->nresults; ++i) {
    situ_kk_arg *p = &k->params[k->nargs + i];
    bool id;
    int rc = param_of(mlirFunctionTypeGetResult(ft, i), p, &id);
    if (rc)
      return rc;
    if (p->is_view)
      return SITU_KK_EUNSUP; /* views are passed in, not returned */
    size_t sz = dtype_size(p->dtype);
    off = (off + sz - 1) / sz * sz;
    k->result_off[i] = off;
    off += sz;
    if (sz > align_max)
      align_max = sz;
  }
  k->result_size = (off + align_max - 1) / align_max * align_max;
  return SITU_KK_OK;
}

/* ---- compile ----------------------------------------------------------- */

static int emit_module(situ_kk_ctx *ctx, MlirModule m, situ_kk_source flavor, char **out);

/* SITU_KK_TARGET_CUDA: the kernel as CUDA for run-time compilation, loaded
 * through the CUDA loader (NVRTC + driver API). */
static int load_cuda(situ_kk_ctx *ctx, MlirModule m, struct situ_kk_kernel *k) {
  char *src = NULL;
  int rc = emit_module(ctx, m, SITU_KK_SOURCE_CUDA_RTC, &src);
  if (rc)
    return rc;
  situ_kk_cuda_options o = {.device = ctx->opts.device};
  rc = situ_kk_cuda_load(src, strlen(src), k->entry, &o, &k->cuda);
  free(src);
  if (rc)
    fail(ctx, rc, situ_kk_cuda_errmsg(k->cuda));
  return rc;
}

static int compile_locked(situ_kk_ctx *ctx, const char *ir, size_t len,
                          const char *entry, uint64_t hash, situ_kk_kernel **out) {
  struct situ_kk_kernel *k = calloc(1, sizeof *k);
  if (!k)
    return SITU_KK_ENOMEM;
  k->hash = hash;
  k->entry = strdup(entry);
  k->ir = malloc(len + 1);
  if (!k->entry || !k->ir) {
    kernel_free(k);
    return SITU_KK_ENOMEM;
  }
  memcpy(k->ir, ir, len);
  k->ir[len] = '\0';
  k->ir_len = len;

  int rc = SITU_KK_OK;
  MlirModule m = mlirModuleCreateParse(ctx->mlir, (MlirStringRef){ir, len});
  if (mlirModuleIsNull(m)) {
    kernel_free(k);
    return fail(ctx, SITU_KK_EPARSE, "kernel IR does not parse");
  }
  MlirOperation fn = entry_func(ctx, m, entry);
  if (mlirOperationIsNull(fn))
    rc = SITU_KK_ENOENT;
  if (!rc)
    rc = read_signature(k, fn);
  if (!rc)
    mlirKokkosKeepOnly(m, mlirStringRefCreateFromCString(entry));
  bool cuda = ctx->opts.target == SITU_KK_TARGET_CUDA;
  if (!rc && cuda)
    rc = load_cuda(ctx, m, k);
  if (!rc && !cuda && mlirLogicalResultIsFailure(mlirKokkosLowerToLLVM(m, ctx->omp_lib != NULL)))
    rc = fail(ctx, SITU_KK_ELOWER, "lowering to LLVM failed");
  if (!rc && !cuda) {
    MlirStringRef libs[1];
    int nlibs = 0;
    if (ctx->omp_lib)
      libs[nlibs++] = mlirStringRefCreateFromCString(ctx->omp_lib);
    k->jit = mlirExecutionEngineCreate(m, ctx->opts.opt_level, nlibs, libs, false, false);
    if (mlirExecutionEngineIsNull(k->jit))
      rc = fail(ctx, SITU_KK_EJIT, "LLVM could not compile the kernel");
  }
  mlirModuleDestroy(m);
  if (!rc && !cuda) {
    k->fn = (packed_fn)mlirExecutionEngineLookupPacked(k->jit, mlirStringRefCreateFromCString(entry));
    if (!k->fn)
      rc = fail(ctx, SITU_KK_EJIT, "JIT lookup of the kernel failed");
  }
  if (rc) {
    kernel_free(k);
    return rc;
  }
  k->next = ctx->kernels;
  ctx->kernels = k;
  ctx->compiles++;
  *out = k;
  return SITU_KK_OK;
}

int situ_kk_compile(situ_kk_ctx *ctx, const char *ir, size_t len,
                    const char *entry, situ_kk_kernel **out) {
  if (!ctx || !ir || !entry || !out)
    return SITU_KK_EINVAL;
  *out = NULL;
  uint64_t h = situ_kk_hash(situ_kk_hash(SITU_KK_HASH_SEED, entry, strlen(entry) + 1), ir, len);
  pthread_mutex_lock(&ctx->lock);
  err_clear(ctx);
  int rc = SITU_KK_OK;
  struct situ_kk_kernel *k = ctx->kernels;
  for (; k; k = k->next)
    if (k->hash == h && k->ir_len == len && strcmp(k->entry, entry) == 0 &&
        memcmp(k->ir, ir, len) == 0)
      break;
  if (k)
    *out = k;
  else
    rc = compile_locked(ctx, ir, len, entry, h, out);
  pthread_mutex_unlock(&ctx->lock);
  return rc;
}

int situ_kk_kernel_arity(const situ_kk_kernel *k, int *nargs, int *nresults) {
  if (!k || !nargs || !nresults)
    return SITU_KK_EINVAL;
  *nargs = k->nargs;
  *nresults = k->nresults;
  return SITU_KK_OK;
}

int situ_kk_kernel_param(const situ_kk_kernel *k, int i, situ_kk_arg *out) {
  if (!k || !out || i < 0 || i >= k->nargs + k->nresults)
    return SITU_KK_EINVAL;
  *out = k->params[i];
  return SITU_KK_OK;
}

/* ---- call -------------------------------------------------------------- */

typedef union {
  void *p;
  int64_t i;
} slot;

static int check_view(const situ_kk_arg *want, bool identity, const situ_kk_arg *a,
                      int64_t *strides) {
  if (!a->is_view || a->dtype != want->dtype || a->rank != want->rank || !a->data ||
      a->rank > SITU_KK_MAX_RANK)
    return SITU_KK_ESIG;
  bool given = false;
  for (int d = 0; d < a->rank; ++d)
    given |= a->strides[d] != 0;
  int64_t s = 1;
  for (int d = a->rank - 1; d >= 0; --d) {
    if (a->extents[d] < 0 || (want->extents[d] >= 0 && want->extents[d] != a->extents[d]))
      return SITU_KK_ESIG;
    strides[d] = given ? a->strides[d] : s;
    s *= a->extents[d];
  }
  for (int d = 0; d < a->rank; ++d) /* static strides of strided layouts */
    if (!identity && want->strides[d] >= 0 && strides[d] != want->strides[d])
      return SITU_KK_ESIG;
  if (identity) { /* LayoutRight: the kernel assumes contiguous rows */
    int64_t c = 1;
    for (int d = a->rank - 1; d >= 0; --d) {
      if (a->extents[d] > 1 && strides[d] != c)
        return SITU_KK_ESIG;
      c *= a->extents[d];
    }
  }
  return SITU_KK_OK;
}

int situ_kk_call(const situ_kk_kernel *k, const situ_kk_arg *args, int nargs,
                 situ_kk_arg *results, int nresults) {
  if (!k || (nargs && !args) || (nresults && !results))
    return SITU_KK_EINVAL;
  if (nargs != k->nargs || nresults != k->nresults)
    return SITU_KK_ESIG;
  enum { SMALL = 128 };
  slot small_slots[SMALL];
  void *small_ptrs[SMALL];
  slot *slots = small_slots;
  void **ptrs = small_ptrs;
  if (k->nslots > SMALL) {
    slots = malloc(sizeof *slots * (size_t)k->nslots);
    ptrs = malloc(sizeof *ptrs * (size_t)k->nslots);
    if (!slots || !ptrs) {
      free(slots);
      free(ptrs);
      return SITU_KK_ENOMEM;
    }
  }
  int rc = SITU_KK_OK, n = 0;
  for (int i = 0; i < nargs && !rc; ++i) {
    const situ_kk_arg *want = &k->params[i], *a = &args[i];
    if (!want->is_view) {
      if (a->is_view || a->dtype != want->dtype)
        rc = SITU_KK_ESIG;
      ptrs[n++] = (void *)&a->s;
      continue;
    }
    int64_t strides[SITU_KK_MAX_RANK];
    rc = check_view(want, k->identity[i], a, strides);
    if (rc)
      break;
    if (k->cuda) { /* the emitted C signature: pointer, extents, strides unless LayoutRight */
      int used = 0;
      slots[n + used++].p = a->data;
      for (int d = 0; d < a->rank; ++d)
        slots[n + used++].i = a->extents[d];
      for (int d = 0; d < a->rank && !k->identity[i]; ++d)
        slots[n + used++].i = strides[d];
      for (int j = 0; j < used; ++j)
        ptrs[n + j] = &slots[n + j];
      n += used;
      continue;
    }
    /* Memref descriptor: allocated, aligned, offset, sizes, strides. */
    slots[n].p = a->data;
    slots[n + 1].p = a->data;
    slots[n + 2].i = 0;
    for (int d = 0; d < a->rank; ++d) {
      slots[n + 3 + d].i = a->extents[d];
      slots[n + 3 + a->rank + d].i = strides[d];
    }
    for (int j = 0; j < 3 + 2 * a->rank; ++j)
      ptrs[n + j] = &slots[n + j];
    n += 3 + 2 * a->rank;
  }
  alignas(16) unsigned char ret[SITU_KK_MAX_RANK * 4 * 8];
  if (!rc && k->cuda) {
    for (int i = 0; i < k->nresults; ++i, ++n) {
      slots[n].p = ret + k->result_off[i];
      ptrs[n] = &slots[n];
    }
    rc = situ_kk_cuda_call(k->cuda, ptrs);
  } else if (!rc) {
    if (k->nresults)
      ptrs[n++] = ret;
    k->fn(ptrs);
  }
  if (!rc) {
    for (int i = 0; i < nresults; ++i) {
      results[i] = k->params[k->nargs + i];
      memcpy(&results[i].s, ret + k->result_off[i], dtype_size(results[i].dtype));
    }
  }
  if (slots != small_slots) {
    free(slots);
    free(ptrs);
  }
  return rc;
}

const char *situ_kk_kernel_errmsg(const situ_kk_kernel *k) {
  return k && k->cuda ? situ_kk_cuda_errmsg(k->cuda) : "";
}

/* ---- builders ------------------------------------------------------------ */

situ_kk_arg situ_kk_f64(double v) {
  situ_kk_arg a = {.dtype = SITU_KK_F64};
  a.s.f64 = v;
  return a;
}
situ_kk_arg situ_kk_f32(float v) {
  situ_kk_arg a = {.dtype = SITU_KK_F32};
  a.s.f32 = v;
  return a;
}
situ_kk_arg situ_kk_i64(int64_t v) {
  situ_kk_arg a = {.dtype = SITU_KK_I64};
  a.s.i64 = v;
  return a;
}
situ_kk_arg situ_kk_i32(int32_t v) {
  situ_kk_arg a = {.dtype = SITU_KK_I32};
  a.s.i32 = v;
  return a;
}
situ_kk_arg situ_kk_view(void *data, situ_kk_dtype t, int rank, const int64_t *extents) {
  situ_kk_arg a = {.is_view = 1, .dtype = t, .data = data, .rank = rank};
  for (int d = 0; d < rank && d < SITU_KK_MAX_RANK; ++d)
    a.extents[d] = extents[d];
  return a;
}
situ_kk_arg situ_kk_view1(void *data, situ_kk_dtype t, int64_t n) {
  return situ_kk_view(data, t, 1, &n);
}

/* ---- source emission ----------------------------------------------------- */

struct text {
  char *buf;
  size_t len, cap;
  int oom;
};

static void text_append(MlirStringRef s, void *ud) {
  struct text *t = ud;
  if (t->oom)
    return;
  if (t->len + s.length + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + s.length + 1)
      cap *= 2;
    char *p = realloc(t->buf, cap);
    if (!p) {
      t->oom = 1;
      return;
    }
    t->buf = p;
    t->cap = cap;
  }
  memcpy(t->buf + t->len, s.data, s.length);
  t->len += s.length;
  t->buf[t->len] = '\0';
}

int situ_kk_emit_source(situ_kk_ctx *ctx, const char *ir, size_t len, const char *entry,
                        situ_kk_source flavor, char **out) {
  if (!ctx || !ir || !out || flavor < SITU_KK_SOURCE_KOKKOS_CPP ||
      flavor > SITU_KK_SOURCE_CUDA_RTC)
    return SITU_KK_EINVAL;
  *out = NULL;
  pthread_mutex_lock(&ctx->lock);
  err_clear(ctx);
  int rc = SITU_KK_OK;
  MlirModule m = mlirModuleCreateParse(ctx->mlir, (MlirStringRef){ir, len});
  if (mlirModuleIsNull(m)) {
    rc = fail(ctx, SITU_KK_EPARSE, "kernel IR does not parse");
    pthread_mutex_unlock(&ctx->lock);
    return rc;
  }
  if (entry) {
    if (mlirOperationIsNull(entry_func(ctx, m, entry)))
      rc = SITU_KK_ENOENT;
    else
      mlirKokkosKeepOnly(m, mlirStringRefCreateFromCString(entry));
  }
  if (!rc)
    rc = emit_module(ctx, m, flavor, out);
  mlirModuleDestroy(m);
  pthread_mutex_unlock(&ctx->lock);
  return rc;
}

/* The source of module `m` (the lock is held). */
static int emit_module(situ_kk_ctx *ctx, MlirModule m, situ_kk_source flavor, char **out) {
  struct text t = {0};
  int rc = SITU_KK_OK;
  if (mlirLogicalResultIsFailure(
          mlirKokkosEmitSource(mlirModuleGetOperation(m), (int)flavor, text_append, &t)))
    rc = fail(ctx, SITU_KK_EUNSUP, "the source emitter cannot print this kernel");
  if (!rc && t.oom)
    rc = SITU_KK_ENOMEM;
  if (rc)
    free(t.buf);
  else
    *out = t.buf;
  return rc;
}
