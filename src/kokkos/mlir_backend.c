/* libsitu-kokkos-mlir: parse -> verify -> lower (kokkos-to-llvm) -> JIT, and
 * source emission, through MLIR's C API and the kokkos dialect's C API.
 * Loaded by the front (situ_kokkos.c) when a kernel is not in the cache. */
#define _POSIX_C_SOURCE 200809L
#include "backend.h"

#include "Kokkos-c/Kokkos.h"
#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/ExecutionEngine.h"
#include "mlir-c/IR.h"
#include "mlir-c/RegisterEverything.h"

#include <stdlib.h>
#include <string.h>

typedef struct backend {
  MlirContext mlir;
  situ_kk_diag_fn diag;
  void *ud;
} backend;

static void say(backend *b, const char *s) { b->diag(b->ud, s, strlen(s)); }
static void say_ref(MlirStringRef s, void *b) { ((backend *)b)->diag(((backend *)b)->ud, s.data, s.length); }

static void print_diag(MlirDiagnostic d, backend *b, int depth) {
  static const char *sev[] = {"error", "warning", "note", "remark"};
  MlirDiagnosticSeverity s = mlirDiagnosticGetSeverity(d);
  for (int i = 0; i < depth; ++i)
    say(b, "  ");
  mlirLocationPrint(mlirDiagnosticGetLocation(d), say_ref, b);
  say(b, ": ");
  say(b, sev[s <= MlirDiagnosticRemark ? s : 0]);
  say(b, ": ");
  mlirDiagnosticPrint(d, say_ref, b);
  say(b, "\n");
  for (intptr_t i = 0; i < mlirDiagnosticGetNumNotes(d); ++i)
    print_diag(mlirDiagnosticGetNote(d, i), b, depth + 1);
}

/* MLIR's diagnostics go to the front's error text, never stderr. */
static MlirLogicalResult on_diag(MlirDiagnostic d, void *b) {
  print_diag(d, b, 0);
  return mlirLogicalResultSuccess();
}

static void *open_backend(situ_kk_diag_fn diag, void *ud) {
  backend *b = calloc(1, sizeof *b);
  if (!b)
    return NULL;
  b->diag = diag;
  b->ud = ud;
  mlirKokkosRegisterPasses();
  /* No MLIR thread pool inside a simulation process. */
  b->mlir = mlirContextCreateWithThreading(false);
  MlirDialectRegistry reg = mlirDialectRegistryCreate();
  mlirRegisterAllDialects(reg);
  mlirDialectHandleInsertDialect(mlirGetDialectHandle__kokkos__(), reg);
  mlirContextAppendDialectRegistry(b->mlir, reg);
  mlirDialectRegistryDestroy(reg);
  mlirRegisterAllLLVMTranslations(b->mlir);
  mlirContextAttachDiagnosticHandler(b->mlir, on_diag, b, NULL);
  return b;
}

static void close_backend(void *p) {
  backend *b = p;
  if (!b)
    return;
  mlirContextDestroy(b->mlir);
  free(b);
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
  else if (mlirTypeIsAInteger(t) && mlirIntegerTypeGetWidth(t) == 8)
    *out = SITU_KK_I8;
  else if (mlirTypeIsAInteger(t) && mlirIntegerTypeGetWidth(t) == 1)
    *out = SITU_KK_BOOL;
  else
    return SITU_KK_EUNSUP;
  return SITU_KK_OK;
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

static int read_signature(MlirOperation fn, situ_kk_sig *sig) {
  MlirType ft = mlirTypeAttrGetValue(
      mlirOperationGetAttributeByName(fn, mlirStringRefCreateFromCString("function_type")));
  sig->nargs = (int)mlirFunctionTypeGetNumInputs(ft);
  sig->nresults = (int)mlirFunctionTypeGetNumResults(ft);
  int n = sig->nargs + sig->nresults;
  sig->params = calloc((size_t)n + 1, sizeof *sig->params);
  sig->identity = calloc((size_t)n + 1, sizeof *sig->identity);
  if (!sig->params || !sig->identity)
    return SITU_KK_ENOMEM;
  for (int i = 0; i < n; ++i) {
    MlirType t = i < sig->nargs ? mlirFunctionTypeGetInput(ft, i) : mlirFunctionTypeGetResult(ft, i - sig->nargs);
    int rc = param_of(t, &sig->params[i], &sig->identity[i]);
    if (rc)
      return rc;
    if (i >= sig->nargs && sig->params[i].is_view)
      return SITU_KK_EUNSUP; /* views are passed in, not returned */
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

/* The module of `ir`, cut down to `entry` (NULL: all of it); its signature
 * when sig is not NULL. A null module and a status on failure. */
static MlirModule parse(backend *b, const char *ir, size_t len, const char *entry, situ_kk_sig *sig,
                        int *rc) {
  MlirModule m = mlirModuleCreateParse(b->mlir, (MlirStringRef){ir, len});
  *rc = SITU_KK_OK;
  if (mlirModuleIsNull(m)) {
    say(b, "kernel IR does not parse");
    *rc = SITU_KK_EPARSE;
    return m;
  }
  if (!entry)
    return m;
  MlirOperation fn = find_func(m, entry);
  if (mlirOperationIsNull(fn)) {
    say(b, "no func.func @");
    say(b, entry);
    say(b, " in the kernel IR");
    *rc = SITU_KK_ENOENT;
  } else if (sig) {
    *rc = read_signature(fn, sig);
  }
  if (*rc) {
    mlirModuleDestroy(m);
    return (MlirModule){NULL};
  }
  mlirKokkosKeepOnly(m, mlirStringRefCreateFromCString(entry));
  return m;
}

/* ---- compile and emit -------------------------------------------------- */

static int compile(void *p, const char *ir, size_t len, const char *entry, int opt_level,
                   const char *omp_lib, const char *object_path, situ_kk_sig *sig,
                   situ_kk_packed_fn *fn, void **owner) {
  backend *b = p;
  int rc;
  MlirModule m = parse(b, ir, len, entry, sig, &rc);
  if (rc)
    return rc;
  if (mlirLogicalResultIsFailure(mlirKokkosLowerToLLVM(m, omp_lib != NULL))) {
    say(b, "lowering to LLVM failed");
    mlirModuleDestroy(m);
    return SITU_KK_ELOWER;
  }
  MlirStringRef libs[1];
  int nlibs = 0;
  if (omp_lib)
    libs[nlibs++] = mlirStringRefCreateFromCString(omp_lib);
  /* Position-independent when the object goes into a shared library. */
  bool dump = object_path != NULL;
  MlirExecutionEngine jit = mlirExecutionEngineCreate(m, opt_level, nlibs, libs, dump, dump);
  mlirModuleDestroy(m);
  if (mlirExecutionEngineIsNull(jit)) {
    say(b, "LLVM could not compile the kernel");
    return SITU_KK_EJIT;
  }
  *fn = (situ_kk_packed_fn)mlirExecutionEngineLookupPacked(jit, mlirStringRefCreateFromCString(entry));
  if (!*fn) {
    mlirExecutionEngineDestroy(jit);
    say(b, "JIT lookup of the kernel failed");
    return SITU_KK_EJIT;
  }
  if (dump)
    mlirExecutionEngineDumpToObjectFile(jit, mlirStringRefCreateFromCString(object_path));
  MlirExecutionEngine *o = malloc(sizeof *o);
  if (!o) {
    mlirExecutionEngineDestroy(jit);
    return SITU_KK_ENOMEM;
  }
  *o = jit;
  *owner = o;
  return SITU_KK_OK;
}

static void release(void *owner) {
  MlirExecutionEngine *o = owner;
  if (!o)
    return;
  mlirExecutionEngineDestroy(*o);
  free(o);
}

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

static int emit(void *p, const char *ir, size_t len, const char *entry, int flavor, char **out,
                situ_kk_sig *sig) {
  backend *b = p;
  int rc;
  MlirModule m = parse(b, ir, len, entry, sig, &rc);
  if (rc)
    return rc;
  struct text t = {0};
  if (mlirLogicalResultIsFailure(mlirKokkosEmitSource(mlirModuleGetOperation(m), flavor, text_append, &t))) {
    say(b, "the source emitter cannot print this kernel");
    rc = SITU_KK_EUNSUP;
  } else if (t.oom) {
    rc = SITU_KK_ENOMEM;
  }
  mlirModuleDestroy(m);
  if (rc)
    free(t.buf);
  else
    *out = t.buf;
  return rc;
}

const situ_kk_backend *situ_kk_backend_get(void) {
  static const situ_kk_backend api = {SITU_KK_BACKEND_VERSION, open_backend, close_backend, compile, release,
                                      emit};
  return &api;
}
