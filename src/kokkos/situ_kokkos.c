/* libsitu-kokkos: compile a Kokkos-dialect kernel and call it on caller
 * buffers. This front needs no MLIR: kernels come from the context's cache,
 * then from the on-disk cache (shared objects compiled by an earlier process,
 * so the ranks of a node compile a kernel once), and only then from the MLIR
 * backend (libsitu-kokkos-mlir.so, loaded with dlopen on first need). */
#define _GNU_SOURCE /* dladdr */
#include "situ_kokkos.h"
#include "situ_kokkos_cuda.h"

#include "backend.h"
#include "cuda_cache.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct situ_kk_kernel {
  struct situ_kk_kernel *next;
  uint64_t hash;
  char *entry;
  char *ir;
  size_t ir_len;
  situ_kk_packed_fn fn;
  void *owner;          /* the backend's JIT engine, or NULL */
  void *so;             /* dlopen handle of a cached shared object, or NULL */
  situ_kk_cuda *cuda;   /* SITU_KK_TARGET_CUDA: the loaded module */
  int nargs, nresults;
  situ_kk_arg *params;  /* nargs entries, then nresults */
  bool *identity;       /* per param: LayoutRight (identity layout) view */
  int nslots;           /* packed pointers, results included */
  size_t result_off[SITU_KK_MAX_RANK * 4];
  size_t result_size;
};

struct situ_kk_ctx {
  pthread_mutex_t lock;
  situ_kk_options opts;
  const char *omp_lib; /* OpenMP runtime for the JIT, NULL: sequential */
  char *err;
  size_t err_len, err_cap;
  int64_t compiles;
  struct situ_kk_kernel *kernels;
  const situ_kk_backend *be; /* NULL until a kernel needs MLIR */
  void *be_ctx;
  void *be_lib;
  uint64_t salt;             /* what makes a cached object valid here */
  bool salted;
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
  case SITU_KK_ENODEV: return "target unavailable (no CUDA driver, GPU, NVRTC, C compiler or MLIR backend)";
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

static void on_diag(void *ctx, const char *s, size_t n) { err_append(ctx, s, n); }

static int fail(situ_kk_ctx *ctx, int status, const char *what) {
  if (ctx->err_len == 0 && what)
    err_str(ctx, what);
  return status;
}

/* Forgets the previous failure's diagnostics (the lock is held). */
static void err_clear(situ_kk_ctx *ctx) {
  ctx->err_len = 0;
  if (ctx->err)
    ctx->err[0] = '\0';
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
  *out = ctx;
  return SITU_KK_OK;
}

/* The MLIR backend's path: $SITU_KK_MLIR_BACKEND, else beside this library. */
static void backend_path(char *buf, size_t cap) {
  const char *env = getenv("SITU_KK_MLIR_BACKEND");
  Dl_info self;
  if (env && *env) {
    snprintf(buf, cap, "%s", env);
  } else if (dladdr((void *)situ_kk_ctx_create, &self) && self.dli_fname && strrchr(self.dli_fname, '/')) {
    int dir = (int)(strrchr(self.dli_fname, '/') - self.dli_fname);
    snprintf(buf, cap, "%.*s/libsitu-kokkos-mlir.so", dir, self.dli_fname);
  } else {
    snprintf(buf, cap, "libsitu-kokkos-mlir.so");
  }
}

/* Loads the MLIR backend on first need (the lock is held). */
static int need_backend(situ_kk_ctx *ctx) {
  if (ctx->be)
    return SITU_KK_OK;
  char path[4096];
  backend_path(path, sizeof path);
  /* RTLD_LOCAL: the process may hold another LLVM (Triton, JAX). */
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  const situ_kk_backend *(*get)(void) = NULL;
  if (lib)
    *(void **)&get = dlsym(lib, "situ_kk_backend_get");
  const situ_kk_backend *be = get ? get() : NULL;
  if (!be || be->version != SITU_KK_BACKEND_VERSION) {
    err_str(ctx, "cannot load the MLIR backend ");
    err_str(ctx, path);
    err_str(ctx, lib ? ": wrong version" : ": ");
    if (!lib)
      err_str(ctx, dlerror());
    if (lib)
      dlclose(lib);
    return SITU_KK_ENODEV;
  }
  ctx->be_ctx = be->open(on_diag, ctx);
  if (!ctx->be_ctx) {
    dlclose(lib);
    return SITU_KK_ENOMEM;
  }
  ctx->be = be;
  ctx->be_lib = lib;
  return SITU_KK_OK;
}

static void kernel_free(situ_kk_ctx *ctx, struct situ_kk_kernel *k) {
  if (!k)
    return;
  if (k->owner)
    ctx->be->release(k->owner);
  if (k->so)
    dlclose(k->so);
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
    kernel_free(ctx, k);
  }
  if (ctx->be) {
    ctx->be->close(ctx->be_ctx);
    /* The backend stays mapped: MLIR registers process-wide state. */
  }
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

static size_t dtype_size(situ_kk_dtype t) {
  switch (t) {
  case SITU_KK_BOOL: case SITU_KK_I8: return 1;
  case SITU_KK_I32: case SITU_KK_F32: return 4;
  default: return 8;
  }
}

/* Takes the signature's arrays; computes the packed-call layout. */
static int set_signature(struct situ_kk_kernel *k, situ_kk_sig *sig) {
  k->nargs = sig->nargs;
  k->nresults = sig->nresults;
  k->params = sig->params;
  k->identity = sig->identity;
  sig->params = NULL;
  sig->identity = NULL;
  if (k->nresults > (int)(sizeof k->result_off / sizeof *k->result_off))
    return SITU_KK_EUNSUP;
  k->nslots = k->nresults; /* CUDA: a pointer per result; CPU: one for all */
  for (int i = 0; i < k->nargs; ++i)
    k->nslots += k->params[i].is_view ? 3 + 2 * k->params[i].rank : 1;
  /* Several results come back as an LLVM struct with natural alignment. */
  size_t off = 0, align_max = 1;
  for (int i = 0; i < k->nresults; ++i) {
    size_t sz = dtype_size(k->params[k->nargs + i].dtype);
    off = (off + sz - 1) / sz * sz;
    k->result_off[i] = off;
    off += sz;
    if (sz > align_max)
      align_max = sz;
  }
  k->result_size = (off + align_max - 1) / align_max * align_max;
  return SITU_KK_OK;
}

static void sig_free(situ_kk_sig *s) {
  free(s->params);
  free(s->identity);
}

/* ---- on-disk cache of CPU kernels ---------------------------------------- */

/* This machine's CPU (model and feature flags: the JIT targets the host) and
 * the backend build that compiled the objects; part of every cache key. */
static uint64_t cache_salt(situ_kk_ctx *ctx) {
  if (ctx->salted)
    return ctx->salt;
  uint64_t h = situ_kk_hash(SITU_KK_HASH_SEED, "situ-kk-cpu-1", 13);
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[8192];
  int seen = 0;
  while (f && seen < 2 && fgets(line, sizeof line, f))
    if (!strncmp(line, "model name", 10) || !strncmp(line, "flags", 5) || !strncmp(line, "Features", 8)) {
      h = situ_kk_hash(h, line, strlen(line));
      ++seen;
    }
  if (f)
    fclose(f);
  char path[4096];
  struct stat st;
  backend_path(path, sizeof path);
  if (stat(path, &st) == 0) {
    h = situ_kk_hash(h, &st.st_mtime, sizeof st.st_mtime);
    h = situ_kk_hash(h, &st.st_size, sizeof st.st_size);
  }
  ctx->salt = h;
  ctx->salted = true;
  return h;
}

static bool cache_enabled(void) {
  const char *c = getenv("SITU_KK_CACHE");
  return !(c && !strcmp(c, "off"));
}

/* Signature file: magic, the argument struct's size, counts, then the arrays. */
static const char SIG_MAGIC[8] = "SKKSIG1";

static int sig_write(const char *path, const situ_kk_sig *s) {
  int n = s->nargs + s->nresults;
  size_t len = sizeof SIG_MAGIC + 3 * sizeof(int) + (size_t)n * (sizeof *s->params + sizeof *s->identity);
  char *buf = malloc(len), *p = buf;
  if (!buf)
    return ENOMEM;
  int head[3] = {(int)sizeof(situ_kk_arg), s->nargs, s->nresults};
  memcpy(p, SIG_MAGIC, sizeof SIG_MAGIC);
  p += sizeof SIG_MAGIC;
  memcpy(p, head, sizeof head);
  p += sizeof head;
  memcpy(p, s->params, (size_t)n * sizeof *s->params);
  p += (size_t)n * sizeof *s->params;
  memcpy(p, s->identity, (size_t)n * sizeof *s->identity);
  int rc = situ_kk_cache_write(path, buf, len);
  free(buf);
  return rc;
}

static bool sig_read(const char *path, situ_kk_sig *s) {
  size_t len = 0;
  char *buf = situ_kk_cache_read(path, &len);
  int head[3];
  bool ok = buf && len >= sizeof SIG_MAGIC + sizeof head && !memcmp(buf, SIG_MAGIC, sizeof SIG_MAGIC);
  if (ok) {
    memcpy(head, buf + sizeof SIG_MAGIC, sizeof head);
    int n = head[1] + head[2];
    ok = head[0] == (int)sizeof(situ_kk_arg) && head[1] >= 0 && head[2] >= 0 &&
         len == sizeof SIG_MAGIC + sizeof head + (size_t)n * (sizeof *s->params + sizeof *s->identity);
    if (ok) {
      s->nargs = head[1];
      s->nresults = head[2];
      s->params = malloc((size_t)n * sizeof *s->params + 1);
      s->identity = malloc((size_t)n * sizeof *s->identity + 1);
      ok = s->params && s->identity;
      if (ok) {
        const char *p = buf + sizeof SIG_MAGIC + sizeof head;
        memcpy(s->params, p, (size_t)n * sizeof *s->params);
        memcpy(s->identity, p + (size_t)n * sizeof *s->params, (size_t)n * sizeof *s->identity);
      } else {
        sig_free(s);
      }
    }
  }
  free(buf);
  return ok;
}

/* A kernel from the cache: its signature file, then its shared object. */
static bool cache_load(const char *base, const char *entry, struct situ_kk_kernel *k) {
  char path[4400], sym[600];
  snprintf(path, sizeof path, "%s.so", base);
  if (access(path, R_OK) != 0)
    return false;
  situ_kk_sig sig = {0};
  snprintf(path, sizeof path, "%s.sig", base);
  if (!sig_read(path, &sig))
    return false;
  snprintf(path, sizeof path, "%s.so", base);
  void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  snprintf(sym, sizeof sym, "_mlir_%s", entry);
  situ_kk_packed_fn fn = NULL;
  if (so)
    *(void **)&fn = dlsym(so, sym);
  if (!fn || set_signature(k, &sig)) {
    if (so)
      dlclose(so);
    sig_free(&sig);
    return false;
  }
  k->so = so;
  k->fn = fn;
  return true;
}

/* Another process holds the lock: wait for its object (up to 2 minutes, or
 * until it gives up). */
static bool cache_wait(const char *base, const char *lock, const char *entry, struct situ_kk_kernel *k) {
  struct timespec nap = {0, 10 * 1000 * 1000};
  for (int i = 0; i < 12000; ++i) {
    if (cache_load(base, entry, k))
      return true;
    struct stat st;
    if (stat(lock, &st) != 0 || time(NULL) - st.st_mtime > 300)
      return cache_load(base, entry, k); /* released (or stale): one last look */
    nanosleep(&nap, NULL);
  }
  return false;
}

/* After compiling: the object linked into <base>.so, the signature beside it
 * (written first: readers take the .so as the sign that both are there). */
static void cache_store(situ_kk_ctx *ctx, const char *base, const char *obj, situ_kk_kernel *k) {
  situ_kk_sig sig = {k->nargs, k->nresults, k->params, k->identity};
  char path[4400], *log = NULL;
  snprintf(path, sizeof path, "%s.sig", base);
  if (sig_write(path, &sig) != 0)
    return;
  snprintf(path, sizeof path, "%s.so", base);
  if (situ_kk_cache_link(obj, path, ctx->omp_lib, &log) != 0)
    free(log); /* best effort: the next process compiles again */
}

/* ---- compile ----------------------------------------------------------- */

static int compile_cuda(situ_kk_ctx *ctx, struct situ_kk_kernel *k) {
  char *src = NULL;
  situ_kk_sig sig = {0};
  int rc = need_backend(ctx);
  if (!rc)
    rc = ctx->be->emit(ctx->be_ctx, k->ir, k->ir_len, k->entry, SITU_KK_SOURCE_CUDA_RTC, &src, &sig);
  if (!rc)
    rc = set_signature(k, &sig);
  sig_free(&sig);
  if (rc) {
    free(src);
    return rc;
  }
  situ_kk_cuda_options o = {.device = ctx->opts.device};
  rc = situ_kk_cuda_load(src, strlen(src), k->entry, &o, &k->cuda);
  free(src);
  if (rc)
    fail(ctx, rc, situ_kk_cuda_errmsg(k->cuda));
  return rc;
}

/* CPU: the disk cache, else the backend (exporting the object for the next
 * process when this one holds the key's lock). */
static int compile_cpu(situ_kk_ctx *ctx, struct situ_kk_kernel *k, bool *compiled) {
  char dir[4096], base[4200], lock[4300], obj[4300];
  bool cache = cache_enabled() && situ_kk_cache_dir(dir, sizeof dir) == 0;
  int lockfd = -1;
  if (cache) {
    uint64_t h = cache_salt(ctx);
    int opts[2] = {ctx->opts.opt_level, ctx->omp_lib != NULL};
    h = situ_kk_hash(h, opts, sizeof opts);
    h = situ_kk_hash(situ_kk_hash(h, k->entry, strlen(k->entry) + 1), k->ir, k->ir_len);
    snprintf(base, sizeof base, "%s/%016llx.cpu", dir, (unsigned long long)h);
    snprintf(lock, sizeof lock, "%s.lock", base);
    if (cache_load(base, k->entry, k))
      return SITU_KK_OK;
    lockfd = open(lock, O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (lockfd < 0 && errno == EEXIST && cache_wait(base, lock, k->entry, k))
      return SITU_KK_OK;
    if (lockfd >= 0 && cache_load(base, k->entry, k)) { /* stored while we took the lock */
      close(lockfd);
      unlink(lock);
      return SITU_KK_OK;
    }
    snprintf(obj, sizeof obj, "%s.%ld.o", base, (long)getpid());
  }
  situ_kk_sig sig = {0};
  int rc = need_backend(ctx);
  if (!rc)
    rc = ctx->be->compile(ctx->be_ctx, k->ir, k->ir_len, k->entry, ctx->opts.opt_level, ctx->omp_lib,
                          lockfd >= 0 ? obj : NULL, &sig, &k->fn, &k->owner);
  if (!rc)
    rc = set_signature(k, &sig);
  sig_free(&sig);
  *compiled = rc == SITU_KK_OK;
  if (lockfd >= 0) {
    if (!rc)
      cache_store(ctx, base, obj, k);
    unlink(obj);
    close(lockfd);
    unlink(lock);
  }
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
    kernel_free(ctx, k);
    return SITU_KK_ENOMEM;
  }
  memcpy(k->ir, ir, len);
  k->ir[len] = '\0';
  k->ir_len = len;
  bool compiled = false;
  int rc = ctx->opts.target == SITU_KK_TARGET_CUDA ? compile_cuda(ctx, k) : compile_cpu(ctx, k, &compiled);
  if (ctx->opts.target == SITU_KK_TARGET_CUDA)
    compiled = rc == SITU_KK_OK;
  if (rc) {
    kernel_free(ctx, k);
    return rc;
  }
  k->next = ctx->kernels;
  ctx->kernels = k;
  ctx->compiles += compiled;
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

int situ_kk_emit_source(situ_kk_ctx *ctx, const char *ir, size_t len, const char *entry,
                        situ_kk_source flavor, char **out) {
  if (!ctx || !ir || !out || flavor < SITU_KK_SOURCE_KOKKOS_CPP ||
      flavor > SITU_KK_SOURCE_CUDA_RTC)
    return SITU_KK_EINVAL;
  *out = NULL;
  pthread_mutex_lock(&ctx->lock);
  err_clear(ctx);
  int rc = need_backend(ctx);
  if (!rc)
    rc = ctx->be->emit(ctx->be_ctx, ir, len, entry, (int)flavor, out, NULL);
  pthread_mutex_unlock(&ctx->lock);
  return rc;
}
