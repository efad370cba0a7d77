/* In-process stages of placed analyses: the analytics send Kokkos-dialect kernels in
 * the contract; a compile thread (started by the I/O thread when plans need kernels)
 * compiles them through libsitu-kokkos (loaded with dlopen on the first plan, so a
 * simulation without plans never maps MLIR); expose runs them on the block, writing
 * straight into staging slots. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "situ_kokkos.h"

struct situ_offload {
    void *lib;
    situ_kk_ctx *kk;
    int (*ctx_create)(const situ_kk_options *, situ_kk_ctx **);
    int (*ctx_destroy)(situ_kk_ctx *);
    const char *(*errmsg)(const situ_kk_ctx *);
    const char *(*strerror)(int);
    int (*compile)(situ_kk_ctx *, const char *, size_t, const char *, situ_kk_kernel **);
    int (*call)(const situ_kk_kernel *, const situ_kk_arg *, int, situ_kk_arg *, int);
    char error[512]; /* why it could not be loaded */
};

static void *try_open(const char *path, char *why, size_t n) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) snprintf(why, n, "%s", dlerror());
    return h;
}

/* Explicit config, then $SITU_KOKKOS_LIBRARY, then next to libsitu, then the search path. */
static struct situ_offload *load(const situ_ctx *ctx) {
    struct situ_offload *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    char path[2048], why[512] = "";
    const char *env = getenv("SITU_KOKKOS_LIBRARY");
    if (*ctx->cfg.kokkos_library) o->lib = try_open(ctx->cfg.kokkos_library, why, sizeof why);
    else if (env && *env) o->lib = try_open(env, why, sizeof why);
    else {
        Dl_info self;
        if (dladdr((void *)situ_offload_compile, &self) && self.dli_fname) {
            snprintf(path, sizeof path, "%s", self.dli_fname);
            char *slash = strrchr(path, '/');
            if (slash) {
                snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "libsitu-kokkos.so");
                o->lib = try_open(path, why, sizeof why);
            }
        }
        if (!o->lib) o->lib = try_open("libsitu-kokkos.so", why, sizeof why);
    }
    if (!o->lib) {
        snprintf(o->error, sizeof o->error, "cannot load libsitu-kokkos (set kokkos_library): %.400s", why);
        return o;
    }
#define SYM(field, name) *(void **)&o->field = dlsym(o->lib, name)
    SYM(ctx_create, "situ_kk_ctx_create");
    SYM(ctx_destroy, "situ_kk_ctx_destroy");
    SYM(errmsg, "situ_kk_ctx_errmsg");
    SYM(strerror, "situ_kk_strerror");
    SYM(compile, "situ_kk_compile");
    SYM(call, "situ_kk_call");
#undef SYM
    /* Kernels run on the simulation's thread: no OpenMP team inside the rank. */
    situ_kk_options opts = {.sequential = 1, .opt_level = 3};
    if (!o->ctx_create || !o->ctx_destroy || !o->errmsg || !o->strerror || !o->compile || !o->call)
        snprintf(o->error, sizeof o->error, "libsitu-kokkos lacks the situ_kk_* entry points");
    else if (o->ctx_create(&opts, &o->kk))
        snprintf(o->error, sizeof o->error, "situ_kk_ctx_create failed");
    return o;
}

/* Compiles run on a thread of their own, so the I/O thread goes on sending the raw
 * blocks (and the rank never stalls behind a 0.1-2 s MLIR compile). The thread copies
 * a plan's IR under the lock, compiles unlocked, and attaches the kernel to every plan
 * of the then-current contract with the same (id, array, IR): the I/O thread may have
 * replaced the contract meanwhile. */
static bool needs_compile(const situ_plan *q) { return q->ir && !q->kernel && !q->failed; }

static void *compile_main(void *arg) {
    situ_ctx *ctx = arg;
    for (;;) {
        pthread_mutex_lock(&ctx->mu);
        const situ_plan *p = NULL;
        for (int i = 0; i < ctx->contract.nplans && !p; ++i)
            if (needs_compile(&ctx->contract.plans[i])) p = &ctx->contract.plans[i];
        if (!p || ctx->compile_stop) {
            ctx->compile_running = false;
            pthread_mutex_unlock(&ctx->mu);
            return NULL;
        }
        char *ir = strdup(p->ir), id[sizeof p->id], array[sizeof p->array], entry[sizeof p->entry];
        memcpy(id, p->id, sizeof id);
        memcpy(array, p->array, sizeof array);
        memcpy(entry, p->entry, sizeof entry);
        struct situ_offload *o = ctx->offload;
        pthread_mutex_unlock(&ctx->mu);
        if (!o) {
            o = load(ctx);
            pthread_mutex_lock(&ctx->mu);
            ctx->offload = o;
            pthread_mutex_unlock(&ctx->mu);
        }
        situ_kk_kernel *k = NULL;
        char msg[512] = "";
        if (!ir || !o) snprintf(msg, sizeof msg, "out of memory");
        else if (*o->error) snprintf(msg, sizeof msg, "%.500s", o->error);
        else {
            int rc = o->compile(o->kk, ir, strlen(ir), entry, &k);
            if (rc) snprintf(msg, sizeof msg, "%.60s: %.400s", o->strerror(rc), o->errmsg(o->kk));
        }
        pthread_mutex_lock(&ctx->mu);
        bool any = false;
        for (int i = 0; i < ctx->contract.nplans; ++i) {
            situ_plan *q = &ctx->contract.plans[i];
            if (needs_compile(q) && ir && !strcmp(q->ir, ir) && !strcmp(q->id, id) && !strcmp(q->array, array)) {
                q->kernel = k;
                q->failed = k == NULL;
                any = true;
            }
        }
        if (!k && any)
            snprintf(ctx->plan_error, sizeof ctx->plan_error, "plan '%.23s' on array '%.40s': %.400s", id, array, msg);
        pthread_mutex_unlock(&ctx->mu);
        free(ir);
        if (!ir) { /* no memory for a copy: give up on compiling for now */
            pthread_mutex_lock(&ctx->mu);
            ctx->compile_running = false;
            pthread_mutex_unlock(&ctx->mu);
            return NULL;
        }
    }
}

void situ_offload_compile(situ_ctx *ctx) {
    pthread_mutex_lock(&ctx->mu);
    bool want = false;
    for (int i = 0; i < ctx->contract.nplans && !want; ++i) want = needs_compile(&ctx->contract.plans[i]);
    bool start = want && !ctx->compile_running && !ctx->compile_stop;
    bool join = start && ctx->compile_started;
    if (start) ctx->compile_running = true;
    pthread_mutex_unlock(&ctx->mu);
    if (!start) return;
    if (join) pthread_join(ctx->compile_thread, NULL); /* the previous one has returned */
    ctx->compile_started = pthread_create(&ctx->compile_thread, NULL, compile_main, ctx) == 0;
    if (!ctx->compile_started) compile_main(ctx); /* no thread: compile here */
}

static situ_kk_arg view1(void *data, situ_kk_dtype t, int64_t n) {
    situ_kk_arg a;
    memset(&a, 0, sizeof a);
    a.is_view = 1;
    a.dtype = t;
    a.data = data;
    a.rank = 1;
    a.extents[0] = n;
    return a;
}

static situ_kk_dtype kk_dtype(situ_dtype t) {
    switch (t) {
    case SITU_F32: return SITU_KK_F32;
    case SITU_F64: return SITU_KK_F64;
    case SITU_I32: return SITU_KK_I32;
    case SITU_I64: return SITU_KK_I64;
    case SITU_U8: return SITU_KK_I8;
    default: return (situ_kk_dtype)0;
    }
}

int situ_offload_run(situ_ctx *ctx, situ_plan *p, const void *data, int64_t n, void *const *outs) {
    const situ_array *a = NULL;
    for (int i = 0; i < ctx->narrays && !a; ++i)
        if (!strcmp(ctx->arrays[i].name, p->array)) a = &ctx->arrays[i];
    situ_kk_arg args[1 + SITU_PLAN_MAX_OUT];
    if (!a || !kk_dtype(a->dtype)) return SITU_ERR_DTYPE;
    args[0] = view1((void *)data, kk_dtype(a->dtype), n > 0 ? n : 1);
    for (int j = 0; j < p->nout; ++j)
        args[1 + j] = view1(outs[j], kk_dtype(p->out[j].dtype), p->out[j].count);
    int rc = ctx->offload->call(p->kernel, args, 1 + p->nout, NULL, 0);
    if (rc) {
        snprintf(ctx->plan_error, sizeof ctx->plan_error, "plan '%.23s' on array '%.40s': %.60s: %.300s",
                 p->id, p->array, ctx->offload->strerror(rc), ctx->offload->errmsg(ctx->offload->kk));
        p->failed = true; /* send the block raw from now on */
        p->kernel = NULL;
        return SITU_ERR_STATE;
    }
    return SITU_OK;
}

void situ_offload_free(situ_ctx *ctx) {
    if (ctx->compile_started) { /* after the I/O thread: nothing starts another */
        pthread_mutex_lock(&ctx->mu);
        ctx->compile_stop = true;
        pthread_mutex_unlock(&ctx->mu);
        pthread_join(ctx->compile_thread, NULL);
        ctx->compile_started = false;
    }
    struct situ_offload *o = ctx->offload;
    if (!o) return;
    if (o->kk) o->ctx_destroy(o->kk);
    /* The library stays mapped: MLIR registers process-wide state on load. */
    free(o);
    ctx->offload = NULL;
}
