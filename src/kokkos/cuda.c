/* CUDA loader: NVRTC-compiled device part + C-compiled host part of an
 * emitted kernel, launched through the driver API (see situ_kokkos_cuda.h).
 * CUDA is opened with dlopen so that the library needs no CUDA to build or
 * load; the few driver and NVRTC types used are declared here. */
#define _POSIX_C_SOURCE 200809L
#include "situ_kokkos_cuda.h"

#include "cuda_cache.h"
#include "cuda_rt.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- driver API and NVRTC, opened at run time ---------------------------- */

typedef int CUresult; /* CUDA_SUCCESS = 0 */
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef unsigned long long CUdeviceptr;
enum { CU_ATTR_CC_MAJOR = 75, CU_ATTR_CC_MINOR = 76 };

typedef struct _nvrtcProgram *nvrtcProgram;
typedef int nvrtcResult; /* NVRTC_SUCCESS = 0 */

static struct {
  int loaded;            /* 1: every symbol found */
  char why[512];         /* otherwise: what is missing */
  CUresult (*Init)(unsigned);
  CUresult (*DeviceGet)(CUdevice *, int);
  CUresult (*DeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*PrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*PrimaryCtxRelease)(CUdevice);
  CUresult (*CtxPushCurrent)(CUcontext);
  CUresult (*CtxPopCurrent)(CUcontext *);
  CUresult (*CtxSynchronize)(void);
  CUresult (*ModuleLoadData)(CUmodule *, const void *);
  CUresult (*ModuleUnload)(CUmodule);
  CUresult (*ModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*ModuleGetGlobal)(CUdeviceptr *, size_t *, CUmodule, const char *);
  CUresult (*LaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                           unsigned, CUstream, void **, void **);
  CUresult (*MemAlloc)(CUdeviceptr *, size_t);
  CUresult (*MemFree)(CUdeviceptr);
  CUresult (*Memcpy)(CUdeviceptr, CUdeviceptr, size_t);
  CUresult (*GetErrorString)(CUresult, const char **);
  nvrtcResult (*rtcCreateProgram)(nvrtcProgram *, const char *, const char *, int, const char *const *,
                                  const char *const *);
  nvrtcResult (*rtcCompileProgram)(nvrtcProgram, int, const char *const *);
  nvrtcResult (*rtcGetProgramLogSize)(nvrtcProgram, size_t *);
  nvrtcResult (*rtcGetProgramLog)(nvrtcProgram, char *);
  nvrtcResult (*rtcGetCUBINSize)(nvrtcProgram, size_t *);
  nvrtcResult (*rtcGetCUBIN)(nvrtcProgram, char *);
  nvrtcResult (*rtcDestroyProgram)(nvrtcProgram *);
} cu;

static pthread_once_t cu_once = PTHREAD_ONCE_INIT;

static void *open_first(const char *env, const char *const *names) {
  const char *given = getenv(env);
  if (given && *given)
    return dlopen(given, RTLD_NOW | RTLD_LOCAL);
  for (; *names; ++names) {
    void *h = dlopen(*names, RTLD_NOW | RTLD_LOCAL);
    if (h)
      return h;
  }
  return NULL;
}

#define SYM(lib, field, name)                                                     \
  do {                                                                            \
    *(void **)&cu.field = dlsym(lib, name);                                       \
    if (!cu.field) {                                                              \
      snprintf(cu.why, sizeof cu.why, "symbol %s missing from the CUDA libraries", name); \
      return;                                                                     \
    }                                                                             \
  } while (0)

/* The process-wide tables of library entry points: read-only once set. */
static void cu_open(void) {
  static const char *const drivers[] = {"libcuda.so.1", "libcuda.so", NULL};
  static const char *const nvrtcs[] = {"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12",
                                       "/usr/local/cuda/lib64/libnvrtc.so", NULL};
  void *drv = open_first("SITU_KK_LIBCUDA", drivers);
  if (!drv) {
    const char *given = getenv("SITU_KK_LIBCUDA");
    snprintf(cu.why, sizeof cu.why, "no CUDA driver: cannot open %s (%s)",
             given && *given ? given : "libcuda.so.1", dlerror());
    return;
  }
  void *rtc = open_first("SITU_KK_NVRTC", nvrtcs);
  if (!rtc) {
    snprintf(cu.why, sizeof cu.why,
             "no NVRTC: cannot open libnvrtc.so (set SITU_KK_NVRTC to its path): %s", dlerror());
    return;
  }
  SYM(drv, Init, "cuInit");
  SYM(drv, DeviceGet, "cuDeviceGet");
  SYM(drv, DeviceGetAttribute, "cuDeviceGetAttribute");
  SYM(drv, PrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  SYM(drv, PrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2");
  SYM(drv, CtxPushCurrent, "cuCtxPushCurrent_v2");
  SYM(drv, CtxPopCurrent, "cuCtxPopCurrent_v2");
  SYM(drv, CtxSynchronize, "cuCtxSynchronize");
  SYM(drv, ModuleLoadData, "cuModuleLoadData");
  SYM(drv, ModuleUnload, "cuModuleUnload");
  SYM(drv, ModuleGetFunction, "cuModuleGetFunction");
  SYM(drv, ModuleGetGlobal, "cuModuleGetGlobal_v2");
  SYM(drv, LaunchKernel, "cuLaunchKernel");
  SYM(drv, MemAlloc, "cuMemAlloc_v2");
  SYM(drv, MemFree, "cuMemFree_v2");
  SYM(drv, Memcpy, "cuMemcpy");
  SYM(drv, GetErrorString, "cuGetErrorString");
  SYM(rtc, rtcCreateProgram, "nvrtcCreateProgram");
  SYM(rtc, rtcCompileProgram, "nvrtcCompileProgram");
  SYM(rtc, rtcGetProgramLogSize, "nvrtcGetProgramLogSize");
  SYM(rtc, rtcGetProgramLog, "nvrtcGetProgramLog");
  SYM(rtc, rtcGetCUBINSize, "nvrtcGetCUBINSize");
  SYM(rtc, rtcGetCUBIN, "nvrtcGetCUBIN");
  SYM(rtc, rtcDestroyProgram, "nvrtcDestroyProgram");
  if (cu.Init(0) != 0) {
    snprintf(cu.why, sizeof cu.why, "cuInit failed: no usable NVIDIA GPU");
    return;
  }
  cu.loaded = 1;
}

/* ---- the module ----------------------------------------------------------- */

struct situ_kk_cuda {
  CUdevice dev;
  CUcontext ctx;    /* the device's primary context, retained */
  CUmodule mod;
  void *host;       /* dlopen handle of the host part */
  situ_kk_cuda_packed_fn entry;
  situ_kk_cuda_rt rt;
  struct { char name[64]; CUfunction fn; } fns[64];
  int nfns;
  CUdeviceptr scratch;
  size_t scratch_len;
  int status;       /* first failure of the current call (sticky) */
  char *err;
  situ_kk_cuda_stats stats;
};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return 1e3 * (double)t.tv_sec + 1e-6 * (double)t.tv_nsec;
}

static int set_err(situ_kk_cuda *m, int status, const char *fmt, ...) {
  if (m->status) /* keep the first failure: later ones follow from it */
    return m->status;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  free(m->err);
  m->err = strdup(buf);
  m->status = status;
  return status;
}

static const char *cu_str(CUresult r) {
  const char *s = NULL;
  if (cu.GetErrorString)
    cu.GetErrorString(r, &s);
  return s ? s : "unknown CUDA error";
}

static CUfunction lookup(situ_kk_cuda *m, const char *name) {
  for (int i = 0; i < m->nfns; ++i)
    if (strcmp(m->fns[i].name, name) == 0)
      return m->fns[i].fn;
  CUfunction fn = NULL;
  CUresult r = cu.ModuleGetFunction(&fn, m->mod, name);
  if (r) {
    set_err(m, SITU_KK_EDEVICE, "kernel %s not in the module: %s", name, cu_str(r));
    return NULL;
  }
  if (m->nfns < (int)(sizeof m->fns / sizeof *m->fns) && strlen(name) < sizeof m->fns[0].name) {
    strcpy(m->fns[m->nfns].name, name);
    m->fns[m->nfns++].fn = fn;
  }
  return fn;
}

static int rt_launch(void *self, const char *kernel, unsigned grid, unsigned block, void **args) {
  situ_kk_cuda *m = self;
  if (m->status)
    return m->status;
  CUfunction fn = lookup(m, kernel);
  if (!fn)
    return m->status;
  CUresult r = cu.LaunchKernel(fn, grid, 1, 1, block, 1, 1, 0, NULL, args, NULL);
  return r ? set_err(m, SITU_KK_EDEVICE, "launching %s<<<%u, %u>>>: %s", kernel, grid, block, cu_str(r)) : 0;
}

static void *rt_scratch(void *self, size_t bytes) {
  situ_kk_cuda *m = self;
  if (bytes > m->scratch_len) {
    if (m->scratch)
      cu.MemFree(m->scratch);
    m->scratch = 0;
    m->scratch_len = 0;
    CUresult r = cu.MemAlloc(&m->scratch, bytes);
    if (r) {
      set_err(m, SITU_KK_EDEVICE, "allocating %zu bytes of reduction scratch: %s", bytes, cu_str(r));
      return NULL;
    }
    m->scratch_len = bytes;
  }
  return (void *)(uintptr_t)m->scratch;
}

static void *rt_alloc(void *self, size_t bytes) {
  situ_kk_cuda *m = self;
  CUdeviceptr p = 0;
  CUresult r = cu.MemAlloc(&p, bytes);
  if (r)
    set_err(m, SITU_KK_EDEVICE, "allocating a %zu-byte temporary: %s", bytes, cu_str(r));
  return (void *)(uintptr_t)p;
}

static void rt_release(void *self, void *p) {
  (void)self;
  if (p)
    cu.MemFree((CUdeviceptr)(uintptr_t)p);
}

static void rt_copy(void *self, void *dst, const void *src, size_t bytes) {
  situ_kk_cuda *m = self;
  if (m->status)
    return;
  /* Unified addressing: the driver tells host from device pointers. */
  CUresult r = cu.Memcpy((CUdeviceptr)(uintptr_t)dst, (CUdeviceptr)(uintptr_t)src, bytes);
  if (r)
    set_err(m, SITU_KK_EDEVICE, "copying %zu bytes: %s", bytes, cu_str(r));
}

static void *rt_symbol(void *self, const char *name) {
  situ_kk_cuda *m = self;
  CUdeviceptr p = 0;
  size_t n = 0;
  CUresult r = cu.ModuleGetGlobal(&p, &n, m->mod, name);
  if (r)
    set_err(m, SITU_KK_EDEVICE, "device global %s: %s", name, cu_str(r));
  return (void *)(uintptr_t)p;
}

static void rt_sync(void *self) {
  situ_kk_cuda *m = self;
  CUresult r = cu.CtxSynchronize();
  if (r)
    set_err(m, SITU_KK_EDEVICE, "kernel execution failed: %s", cu_str(r));
}

/* NVRTC has no libc headers: the names the emitted device code uses. */
static const char device_prelude[] =
    "typedef signed char int8_t; typedef short int16_t; typedef int int32_t;\n"
    "typedef long long int64_t; typedef unsigned char uint8_t;\n"
    "typedef unsigned short uint16_t; typedef unsigned int uint32_t;\n"
    "typedef unsigned long long uint64_t;\n"
    "#define INFINITY (1.0f / 0.0f)\n#define NAN (0.0f / 0.0f)\n"
    "#define INT32_MAX 2147483647\n#define INT32_MIN (-INT32_MAX - 1)\n"
    "#define INT64_MAX 9223372036854775807LL\n#define INT64_MIN (-INT64_MAX - 1)\n"
    "#line 1 \"device part\"\n";

static const char BEGIN[] = "// BEGIN DEVICE CODE\n", END[] = "// END DEVICE CODE\n";

/* A CUBIN for sm_<arch> of the device part, from the cache or NVRTC. */
static void *device_binary(situ_kk_cuda *m, const char *dir, uint64_t h, const char *dev, size_t dev_len,
                           int arch) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%016llx.sm_%d.cubin", dir, (unsigned long long)h, arch);
  size_t len = 0;
  void *bin = situ_kk_cache_read(path, &len);
  if (bin) {
    m->stats.device_cached = 1;
    return bin;
  }
  double t0 = now_ms();
  size_t n = sizeof device_prelude - 1 + dev_len;
  char *src = malloc(n + 1);
  if (!src) {
    set_err(m, SITU_KK_ENOMEM, "out of memory");
    return NULL;
  }
  memcpy(src, device_prelude, sizeof device_prelude - 1);
  memcpy(src + sizeof device_prelude - 1, dev, dev_len);
  src[n] = '\0';
  char archopt[64];
  snprintf(archopt, sizeof archopt, "--gpu-architecture=sm_%d", arch);
  const char *opts[] = {archopt, "-default-device", "-diag-suppress=177", "--std=c++17"};
  nvrtcProgram prog = NULL;
  nvrtcResult r = cu.rtcCreateProgram(&prog, src, "kernel.cu", 0, NULL, NULL);
  if (r == 0)
    r = cu.rtcCompileProgram(prog, 4, opts);
  size_t cubin_len = 0;
  if (r == 0)
    r = cu.rtcGetCUBINSize(prog, &cubin_len);
  if (r == 0 && (bin = malloc(cubin_len)) != NULL)
    r = cu.rtcGetCUBIN(prog, bin);
  if (r != 0) {
    size_t log_len = 0;
    char *log = NULL;
    if (prog && cu.rtcGetProgramLogSize(prog, &log_len) == 0 && (log = malloc(log_len + 1))) {
      log[0] = '\0';
      cu.rtcGetProgramLog(prog, log);
    }
    set_err(m, SITU_KK_EDEVICE, "NVRTC could not compile the device part for sm_%d:\n%s", arch,
            log ? log : "(no log)");
    free(log);
    free(bin);
    bin = NULL;
  }
  if (prog)
    cu.rtcDestroyProgram(&prog);
  free(src);
  m->stats.device_compile_ms = now_ms() - t0;
  if (bin)
    situ_kk_cache_write(path, bin, cubin_len); /* best effort: a miss only costs time */
  return bin;
}

/* The host part's `entry`_packed, compiled by cc (or found in the cache). */
static int host_part(situ_kk_cuda *m, const char *dir, uint64_t h, const char *source, size_t len,
                     const char *dev_begin, const char *dev_end, const char *entry) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%016llx.host.so", dir, (unsigned long long)h);
  m->host = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (m->host) {
    m->stats.host_cached = 1;
  } else {
    double t0 = now_ms();
    /* The host part is the source without the device part. */
    size_t head = (size_t)(dev_begin - source), tail = len - (size_t)(dev_end - source);
    char *c = malloc(head + tail + 1);
    if (!c)
      return set_err(m, SITU_KK_ENOMEM, "out of memory");
    memcpy(c, source, head);
    memcpy(c + head, dev_end, tail);
    c[head + tail] = '\0';
    char *log = NULL;
    int rc = situ_kk_cache_compile_c(c, head + tail, path, &log);
    free(c);
    m->stats.host_compile_ms = now_ms() - t0;
    if (rc) {
      set_err(m, SITU_KK_ENODEV, "%s", log ? log : "the C compiler failed");
      free(log);
      return m->status;
    }
    m->host = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!m->host)
      return set_err(m, SITU_KK_EDEVICE, "cannot load the compiled host part: %s", dlerror());
  }
  const int *version = dlsym(m->host, "situ_kk_cuda_rt_version");
  if (!version || *version != SITU_KK_CUDA_RT_VERSION)
    return set_err(m, SITU_KK_EINVAL, "the source was not emitted for this loader (runtime table version %d, "
                   "expected %d): emit it with --kokkos-to-cuda-rtc", version ? *version : 0,
                   SITU_KK_CUDA_RT_VERSION);
  char sym[512];
  snprintf(sym, sizeof sym, "%s_packed", entry);
  *(void **)&m->entry = dlsym(m->host, sym);
  if (!m->entry)
    return set_err(m, SITU_KK_ENOENT, "no kernel function %s in the emitted source", entry);
  return 0;
}

int situ_kk_cuda_load(const char *source, size_t len, const char *entry,
                      const situ_kk_cuda_options *opts, situ_kk_cuda **out) {
  if (!out)
    return SITU_KK_EINVAL;
  situ_kk_cuda *m = calloc(1, sizeof *m);
  *out = m;
  if (!m)
    return SITU_KK_ENOMEM;
  m->rt = (situ_kk_cuda_rt){m, rt_launch, rt_scratch, rt_alloc, rt_release, rt_copy, rt_symbol, rt_sync};
  if (!source || !entry)
    return set_err(m, SITU_KK_EINVAL, "situ_kk_cuda_load: source and entry are required");
  double t0 = now_ms();
  const char *b = strstr(source, BEGIN), *e = strstr(source, END);
  if (!b || !e || e < b || (size_t)(e - source) > len)
    return set_err(m, SITU_KK_EINVAL, "no BEGIN/END DEVICE CODE markers: not emitted CUDA");
  pthread_once(&cu_once, cu_open);
  if (!cu.loaded)
    return set_err(m, SITU_KK_ENODEV, "%s", cu.why);
  const char *dev = b + sizeof BEGIN - 1, *dev_end = e + sizeof END - 1;
  CUresult r = cu.DeviceGet(&m->dev, opts ? opts->device : 0);
  int major = 0, minor = 0;
  if (!r)
    r = cu.DeviceGetAttribute(&major, CU_ATTR_CC_MAJOR, m->dev);
  if (!r)
    r = cu.DeviceGetAttribute(&minor, CU_ATTR_CC_MINOR, m->dev);
  if (r)
    return set_err(m, SITU_KK_ENODEV, "CUDA device %d: %s", opts ? opts->device : 0, cu_str(r));
  m->stats.arch = 10 * major + minor;
  r = cu.PrimaryCtxRetain(&m->ctx, m->dev);
  if (r) {
    m->ctx = NULL;
    return set_err(m, SITU_KK_EDEVICE, "retaining the primary context: %s", cu_str(r));
  }
  char dir[4096];
  int derr = situ_kk_cache_dir(dir, sizeof dir);
  if (derr)
    return set_err(m, SITU_KK_EINVAL, "cache directory %s: %s", dir, strerror(derr));
  uint64_t h = situ_kk_hash(SITU_KK_HASH_SEED, source, len);
  void *bin = device_binary(m, dir, h, dev, (size_t)(e - dev), m->stats.arch);
  if (!bin)
    return m->status;
  cu.CtxPushCurrent(m->ctx);
  r = cu.ModuleLoadData(&m->mod, bin);
  CUcontext popped;
  cu.CtxPopCurrent(&popped);
  free(bin);
  if (r) {
    m->mod = NULL;
    return set_err(m, SITU_KK_EDEVICE, "loading the CUBIN: %s", cu_str(r));
  }
  int rc = host_part(m, dir, h, source, len, b, dev_end, entry);
  m->stats.load_ms = now_ms() - t0;
  return rc;
}

int situ_kk_cuda_call(situ_kk_cuda *m, void **params) {
  if (!m || !params || !m->entry)
    return SITU_KK_EINVAL;
  m->status = 0;
  cu.CtxPushCurrent(m->ctx);
  m->entry(&m->rt, params);
  rt_sync(m);
  CUcontext popped;
  cu.CtxPopCurrent(&popped);
  return m->status;
}

const char *situ_kk_cuda_errmsg(const situ_kk_cuda *m) {
  return m && m->status && m->err ? m->err : "";
}

int situ_kk_cuda_stats_get(const situ_kk_cuda *m, situ_kk_cuda_stats *out) {
  if (!m || !out)
    return SITU_KK_EINVAL;
  *out = m->stats;
  return SITU_KK_OK;
}

void situ_kk_cuda_free(situ_kk_cuda *m) {
  if (!m)
    return;
  if (m->ctx) {
    cu.CtxPushCurrent(m->ctx);
    if (m->scratch)
      cu.MemFree(m->scratch);
    if (m->mod)
      cu.ModuleUnload(m->mod);
    CUcontext popped;
    cu.CtxPopCurrent(&popped);
    cu.PrimaryCtxRelease(m->dev);
  }
  if (m->host)
    dlclose(m->host);
  free(m->err);
  free(m);
}
