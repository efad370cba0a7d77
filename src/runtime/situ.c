/* The public API: init, expose, step end, steering, finalize. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static bool file_exists(const char *path) { return path && *path && access(path, R_OK) == 0; }

int situ_init(MPI_Comm comm, const char *config_path, situ_ctx **out) {
    if (!out) return SITU_ERR_ARG;
    *out = NULL;
    situ_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return SITU_ERR_NOMEM;
    ctx->fd = -1;
    ctx->wake_fd = -1;
    ctx->current = -1;
    ctx->cur_step = INT64_MIN;
    pthread_mutex_init(&ctx->mu, NULL);
    pthread_cond_init(&ctx->cv, NULL);
    *out = ctx; /* even on error, so situ_errmsg can explain; situ_finalize frees it */
    if (MPI_Comm_dup(comm, &ctx->comm) != MPI_SUCCESS)
        return situ_set_error(ctx, SITU_ERR_MPI, "MPI_Comm_dup failed");
    MPI_Comm_rank(ctx->comm, &ctx->rank);
    MPI_Comm_size(ctx->comm, &ctx->nranks);
    MPI_Comm node;
    MPI_Comm_split_type(ctx->comm, MPI_COMM_TYPE_SHARED, ctx->rank, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &ctx->local_rank);
    MPI_Comm_free(&node);
    gethostname(ctx->host, sizeof ctx->host - 1);

    char err[1024] = "";
    int rc = situ_config_load(&ctx->cfg, config_path, err, sizeof err);
    /* Every rank reads the same file; agree on failure so all return the same code. */
    int bad = rc != SITU_OK, any_bad = 0;
    MPI_Allreduce(&bad, &any_bad, 1, MPI_INT, MPI_MAX, ctx->comm);
    if (rc) return situ_set_error(ctx, rc, "%s", err);
    if (any_bad) return situ_set_error(ctx, SITU_ERR_CONFIG, "another rank could not read the config");

    const char *path = ctx->cfg.connection;
    if (ctx->cfg.wait_for_analytics) {
        double deadline = situ_now() + ctx->cfg.connect_timeout;
        while (!file_exists(path) && situ_now() < deadline) {
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (!file_exists(path)) {
        if (ctx->cfg.wait_for_analytics)
            return situ_set_error(ctx, SITU_ERR_CONNECT, "no connection file %s after %.0f s (wait_for_analytics)",
                                  *path ? path : "(SITU_CONNECTION unset)", ctx->cfg.connect_timeout);
        return SITU_OK; /* no analytics: every call is a no-op */
    }
    rc = situ_connection_read(&ctx->conn, path, err, sizeof err);
    if (rc) {
        if (ctx->cfg.wait_for_analytics) return situ_set_error(ctx, rc, "%s", err);
        situ_set_error(ctx, SITU_OK, "analytics not attached: %s", err);
        return SITU_OK;
    }
    ctx->have_conn = true;
    ctx->order = malloc((size_t)ctx->conn.nworkers * sizeof *ctx->order);
    if (!ctx->order) return situ_set_error(ctx, SITU_ERR_NOMEM, "out of memory");
    situ_connection_order(&ctx->conn, ctx->host, ctx->rank, ctx->local_rank, ctx->cfg.round_robin, ctx->order);
    rc = situ_io_connect_initial(ctx);
    if (rc && ctx->cfg.wait_for_analytics) return rc;
    if (rc) ctx->next_retry = situ_now() + 1.0; /* the I/O thread keeps trying */
    return situ_io_start(ctx);
}

static void report(situ_ctx *ctx) {
    if (!*ctx->cfg.report) return;
    const situ_stats *s = &ctx->stats;
    char line[512];
    int n = snprintf(line, sizeof line,
                     "situ: rank %d: %lld steps, %lld sent, %lld blocks, %.1f MiB, %lld dropped, "
                     "%lld lost, %lld reconnects, expose %.3f s (waiting %.3f s)\n",
                     ctx->rank, (long long)s->steps, (long long)s->steps_sent, (long long)s->blocks_sent,
                     (double)s->bytes_sent / 1048576.0, (long long)s->dropped_steps,
                     (long long)s->lost_steps, (long long)s->reconnects, s->expose_seconds, s->wait_seconds);
    if (!strcmp(ctx->cfg.report, "stderr")) {
        fputs(line, stderr);
        return;
    }
    int fd = open(ctx->cfg.report, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, line, (size_t)n);
        (void)w;
        close(fd);
    }
}

int situ_finalize(situ_ctx **pctx) {
    if (!pctx || !*pctx) return SITU_OK;
    situ_ctx *ctx = *pctx;
    situ_io_stop(ctx); /* the I/O thread applies finalize_timeout itself */
    report(ctx);
    situ_offload_free(ctx);
    if (ctx->staging.base) situ_staging_close(&ctx->staging);
    situ_contract_free(&ctx->contract);
    situ_steer_free(&ctx->steer);
    situ_connection_free(&ctx->conn);
    free(ctx->order);
    if (ctx->comm != MPI_COMM_NULL && ctx->comm) MPI_Comm_free(&ctx->comm);
    pthread_mutex_destroy(&ctx->mu);
    pthread_cond_destroy(&ctx->cv);
    free(ctx);
    *pctx = NULL;
    return SITU_OK;
}

static situ_array *find_array(situ_ctx *ctx, const char *name) {
    for (int i = 0; i < ctx->narrays; ++i)
        if (!strcmp(ctx->arrays[i].name, name)) return &ctx->arrays[i];
    return NULL;
}

/* A new step begins on this rank (mu held). */
static void begin_step(situ_ctx *ctx, int64_t step) {
    if (ctx->cur_step == step) return;
    ctx->cur_step = step;
    ctx->cur_blocks = 0;
    ctx->cur_dropped = ctx->cur_lost = false;
    ctx->cur_gen = ctx->gen;
}

/* drop_oldest: give up the oldest step still queued, or the current one (mu held).
 * Returns true if something was freed. */
static bool drop_oldest(situ_ctx *ctx) {
    int64_t victim = INT64_MAX;
    for (situ_item *it = ctx->head; it; it = it->next)
        if (it->kind == ITEM_BLOCK && it->step < victim) victim = it->step;
    if (victim == INT64_MAX) victim = ctx->cur_step;
    bool freed = false;
    situ_item **pp = &ctx->head, *last = NULL;
    while (*pp) {
        situ_item *it = *pp;
        if (it->step == victim && it->kind == ITEM_BLOCK) {
            situ_staging_free(&ctx->staging, it->off, it->len);
            *pp = it->next;
            free(it->payload);
            free(it);
            freed = true;
            continue;
        }
        if (it->step == victim && it->kind == ITEM_STEP_END && !it->dropped) {
            it->dropped = true;
            ctx->stats.dropped_steps++;
        }
        last = it;
        pp = &it->next;
    }
    ctx->tail = last;
    if (victim == ctx->cur_step && !ctx->cur_dropped) {
        ctx->cur_dropped = true;
        ctx->stats.dropped_steps++;
    }
    return freed;
}

/* Reserve a staging slot for a block of array `id` (mu held) and fill its metadata.
 * Returns SITU_OK with *out set, SITU_OK with *out NULL when the step was dropped or
 * lost meanwhile, or an error. */
static int stage(situ_ctx *ctx, int id, int64_t step, size_t nbytes, const int64_t *cstart,
                 const int64_t *ccount, situ_item **out) {
    const situ_array *a = &ctx->arrays[id];
    *out = NULL;
    if (nbytes > ctx->staging.size) {
        if (!ctx->cur_dropped) ctx->cur_dropped = true, ctx->stats.dropped_steps++;
        return situ_set_error(ctx, SITU_ERR_CONFIG, "expose: array '%s': a %zu-byte block does not fit in "
                              "staging_bytes (%zu); raise staging_bytes", a->name, nbytes, ctx->staging.size);
    }
    size_t off;
    double tw = situ_now();
    while (situ_staging_alloc(&ctx->staging, nbytes, &off)) {
        if (ctx->cfg.policy == POLICY_DROP_OLDEST) {
            if (!drop_oldest(ctx) || ctx->cur_dropped) goto gone;
            continue;
        }
        situ_io_wake(ctx); /* queued blocks must leave to make room */
        pthread_cond_wait(&ctx->cv, &ctx->mu);
        if (ctx->gen != ctx->cur_gen || !atomic_load(&ctx->attached)) { /* worker gone meanwhile */
            ctx->cur_lost = true;
            goto gone;
        }
    }
    ctx->stats.wait_seconds += situ_now() - tw;
    situ_item *it = calloc(1, sizeof *it);
    if (!it) {
        situ_staging_free(&ctx->staging, off, nbytes);
        return situ_set_error(ctx, SITU_ERR_NOMEM, "expose: out of memory");
    }
    /* BLOCK metadata (docs/protocol.md) */
    unsigned char *m = it->meta;
    uint32_t uid = (uint32_t)id, nd = (uint32_t)a->ndim;
    uint64_t nb = nbytes, shm_off = ctx->staging.is_shm ? off : UINT64_MAX;
    memcpy(m, &step, 8);
    memcpy(m + 8, &uid, 4);
    memcpy(m + 12, &nd, 4);
    memcpy(m + 16, cstart, 8 * (size_t)a->ndim);
    memcpy(m + 64, ccount, 8 * (size_t)a->ndim);
    memcpy(m + 112, &nb, 8);
    memcpy(m + 120, &shm_off, 8);
    it->kind = ITEM_BLOCK;
    it->step = step;
    it->off = off;
    it->len = nbytes;
    *out = it;
    return SITU_OK;
gone:
    ctx->stats.wait_seconds += situ_now() - tw;
    return SITU_OK;
}

static void unstage(situ_ctx *ctx, situ_item *it) {
    situ_staging_free(&ctx->staging, it->off, it->len);
    free(it);
}

static void enqueue_block(situ_ctx *ctx, situ_item *it) {
    situ_io_enqueue(ctx, it, false);
    ctx->cur_blocks++;
}

/* Define (or redefine) a 1-d or block-shaped array the runtime sends for a plan (mu held). */
static int derived_array(situ_ctx *ctx, const char *name, situ_dtype dt, int ndim, const int64_t *shape,
                         const int64_t *start, const int64_t *count) {
    int id = -1;
    for (int i = 0; i < ctx->narrays && id < 0; ++i)
        if (!strcmp(ctx->arrays[i].name, name)) id = i;
    if (id < 0) {
        if (ctx->narrays == SITU_MAX_ARRAYS) return -1;
        id = ctx->narrays++;
    }
    situ_array *a = &ctx->arrays[id];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%.*s", (int)sizeof a->name - 1, name);
    a->dtype = dt;
    a->ndim = ndim;
    a->nbytes = situ_dtype_size(dt);
    for (int d = 0; d < ndim; ++d) {
        a->shape[d] = shape[d], a->start[d] = start[d], a->count[d] = count[d];
        a->nbytes *= (size_t)count[d];
    }
    a->last_step = INT64_MIN;
    situ_item *it = calloc(1, sizeof *it);
    if (!it) return -1;
    it->kind = ITEM_FRAME;
    it->type = MSG_ARRAY;
    it->payload = situ_array_json(ctx, id, &it->payload_len);
    if (!it->payload) {
        free(it);
        return -1;
    }
    situ_io_enqueue(ctx, it, false);
    return id;
}

/* Run the plan's kernel on the block, its outputs written into staging slots; while
 * no kernel is ready (compiling, or failed), send the block itself (mu held). */
static int run_plan(situ_ctx *ctx, situ_plan *p, int src, int64_t step, const void *data) {
    const situ_array *a = &ctx->arrays[src];
    char name[3 * SITU_NAME_MAX]; /* fits: the contract parser bounds array and id lengths */
    int64_t zero = 0;
    if (!p->kernel) {
        if (p->raw_id < 0) {
            snprintf(name, sizeof name, "%s#%s.raw", p->array, p->id);
            p->raw_id = derived_array(ctx, name, a->dtype, a->ndim, a->shape, a->start, a->count);
            if (p->raw_id < 0) return situ_set_error(ctx, SITU_ERR_NOMEM, "expose: too many arrays");
            a = &ctx->arrays[src];
        }
        situ_item *it;
        double tr = situ_thread_cpu(), w0 = ctx->stats.wait_seconds;
        int rc = stage(ctx, p->raw_id, step, a->nbytes, a->start, a->count, &it);
        if (rc || !it) return rc;
        double tc = situ_now();
        memcpy(ctx->staging.base + it->off, data, a->nbytes);
        ctx->stats.copy_seconds += situ_now() - tc;
        it->raw = true;
        enqueue_block(ctx, it);
        ctx->stats.raw_seconds += situ_thread_cpu() - tr + (ctx->stats.wait_seconds - w0);
        ctx->stats.raw_bytes += (int64_t)a->nbytes;
        return SITU_OK;
    }
    situ_item *items[SITU_PLAN_MAX_OUT];
    void *outs[SITU_PLAN_MAX_OUT];
    for (int j = 0; j < p->nout; ++j) {
        situ_plan_output *o = &p->out[j];
        if (o->array_id < 0) {
            snprintf(name, sizeof name, "%s#%s.%d", p->array, p->id, j);
            o->array_id = derived_array(ctx, name, o->dtype, 1, &o->count, &zero, &o->count);
            if (o->array_id < 0) return situ_set_error(ctx, SITU_ERR_NOMEM, "expose: too many arrays");
        }
        int rc = stage(ctx, o->array_id, step, (size_t)o->count * situ_dtype_size(o->dtype), &zero,
                       &o->count, &items[j]);
        if (rc || !items[j]) {
            while (j-- > 0) unstage(ctx, items[j]);
            return rc;
        }
        outs[j] = ctx->staging.base + items[j]->off;
    }
    int64_t n = 1;
    for (int d = 0; d < a->ndim; ++d) n *= a->count[d];
    double t0 = situ_now(), c0 = situ_thread_cpu();
    int rc = situ_offload_run(ctx, p, data, n, outs);
    double cpu = situ_thread_cpu() - c0;
    ctx->stats.kernel_seconds += situ_now() - t0;
    ctx->stats.kernel_cpu_seconds += cpu;
    p->kernel_cpu_seconds += cpu;
    if (rc) { /* this step goes raw instead */
        for (int j = 0; j < p->nout; ++j) unstage(ctx, items[j]);
        return run_plan(ctx, p, src, step, data);
    }
    ctx->stats.kernel_runs++;
    p->kernel_runs++;
    for (int j = 0; j < p->nout; ++j) enqueue_block(ctx, items[j]);
    return SITU_OK;
}

int situ_expose(situ_ctx *ctx, const char *name, int64_t step, const void *data) {
    if (!ctx || !name) return SITU_ERR_ARG;
    situ_array *a = find_array(ctx, name);
    if (!a) return situ_set_error(ctx, SITU_ERR_UNKNOWN_ARRAY, "expose: no array named '%s' was defined", name);
    if (step <= a->last_step)
        return situ_set_error(ctx, SITU_ERR_STATE, "expose: array '%s' at step %lld after step %lld",
                              name, (long long)step, (long long)a->last_step);
    a->last_step = step;
    if (!atomic_load_explicit(&ctx->attached, memory_order_relaxed) && !ctx->cfg.wait_for_analytics)
        return SITU_OK; /* the no-analytics fast path */
    if (!data && a->nbytes) return situ_set_error(ctx, SITU_ERR_ARG, "expose: NULL data for array '%s'", name);

    double t0 = situ_now();
    int rc = SITU_OK;
    pthread_mutex_lock(&ctx->mu);
    if (ctx->cfg.wait_for_analytics && !atomic_load(&ctx->attached)) {
        /* Configured to never skip a step: wait for a (re)connection. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)ctx->cfg.connect_timeout;
        while (!atomic_load(&ctx->attached) && ctx->io_running)
            if (pthread_cond_timedwait(&ctx->cv, &ctx->mu, &ts) == ETIMEDOUT) break;
        if (!atomic_load(&ctx->attached)) {
            pthread_mutex_unlock(&ctx->mu);
            return situ_set_error(ctx, SITU_ERR_CONNECT, "expose: array '%s' step %lld: no worker reachable",
                                  name, (long long)step);
        }
    }
    begin_step(ctx, step);
    if (ctx->gen != ctx->cur_gen) /* the connection changed mid-step: the step is lost */
        ctx->cur_lost = true;
    int id = (int)(a - ctx->arrays);
    const situ_contract_entry *e = situ_contract_find(&ctx->contract, name);
    int64_t cstart[SITU_MAX_DIMS], ccount[SITU_MAX_DIMS];
    if (e && situ_contract_selects(e, step) && !ctx->cur_dropped && !ctx->cur_lost &&
        situ_contract_cut(e, a->ndim, a->start, a->count, cstart, ccount)) {
        size_t esize = situ_dtype_size(a->dtype), nbytes = esize;
        for (int d = 0; d < a->ndim; ++d) nbytes *= (size_t)ccount[d];
        situ_item *it;
        double tr = situ_thread_cpu(), w0 = ctx->stats.wait_seconds;
        rc = stage(ctx, id, step, nbytes, cstart, ccount, &it);
        a = &ctx->arrays[id];
        if (it) {
            bool whole = true;
            for (int d = 0; d < a->ndim; ++d) whole &= ccount[d] == a->count[d];
            double tc = situ_now();
            if (whole) memcpy(ctx->staging.base + it->off, data, nbytes);
            else situ_copy_cut(ctx->staging.base + it->off, data, esize, a->ndim, a->start, a->count, cstart, ccount);
            ctx->stats.copy_seconds += situ_now() - tc;
            it->raw = true;
            enqueue_block(ctx, it);
            ctx->stats.raw_seconds += situ_thread_cpu() - tr + (ctx->stats.wait_seconds - w0);
            ctx->stats.raw_bytes += (int64_t)nbytes;
        }
    }
    for (int i = 0; i < ctx->contract.nplans && !rc; ++i) {
        situ_plan *p = &ctx->contract.plans[i];
        if (!p->ir || strcmp(p->array, name) || !situ_plan_selects(p, step) || ctx->cur_dropped || ctx->cur_lost)
            continue;
        rc = run_plan(ctx, p, id, step, data);
    }
    ctx->stats.expose_seconds += situ_now() - t0;
    pthread_mutex_unlock(&ctx->mu);
    return rc;
}

int situ_step_end(situ_ctx *ctx, int64_t step) {
    if (!ctx) return SITU_ERR_ARG;
    if (!ctx->io_running) {
        ctx->stats.steps++;
        return SITU_OK;
    }
    pthread_mutex_lock(&ctx->mu);
    ctx->stats.steps++;
    begin_step(ctx, step);
    if (ctx->gen != ctx->cur_gen && ctx->cur_blocks) ctx->cur_lost = true;
    if (ctx->cur_lost) {
        ctx->stats.lost_steps++;
    } else if (atomic_load(&ctx->attached) && situ_contract_any(&ctx->contract, step)) {
        situ_item *it = calloc(1, sizeof *it);
        if (it) {
            it->kind = ITEM_STEP_END;
            it->step = step;
            it->blocks = ctx->cur_blocks;
            it->dropped = ctx->cur_dropped;
            situ_io_enqueue(ctx, it, true);
        }
    }
    pthread_mutex_unlock(&ctx->mu);
    return SITU_OK;
}

int situ_flush(situ_ctx *ctx, double timeout) {
    if (!ctx) return SITU_ERR_ARG;
    if (!ctx->io_running) return SITU_OK;
    if (timeout < 0) timeout = ctx->cfg.finalize_timeout;
    double deadline = situ_now() + timeout;
    pthread_mutex_lock(&ctx->mu);
    situ_io_wake(ctx);
    while ((ctx->head || ctx->sending) && atomic_load(&ctx->attached) && situ_now() < deadline) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&ctx->cv, &ctx->mu, &ts);
    }
    int rc = ctx->head || ctx->sending ? SITU_ERR_CONNECT : SITU_OK;
    pthread_mutex_unlock(&ctx->mu);
    return rc ? situ_set_error(ctx, rc, "flush: data still queued after %.1f s", timeout) : SITU_OK;
}

static int steer_lookup(situ_ctx *ctx, const char *key, situ_steer_value *out, char **str) {
    if (!ctx || !key) return SITU_ERR_ARG;
    if (!ctx->io_running) return SITU_NOT_SET;
    pthread_mutex_lock(&ctx->mu);
    const situ_steer_value *v = situ_steer_find(&ctx->steer, key);
    int rc = v ? SITU_OK : SITU_NOT_SET;
    if (v) {
        *out = *v;
        if (str && v->kind == STEER_STR) *str = strdup(v->s);
    }
    pthread_mutex_unlock(&ctx->mu);
    return rc;
}

int situ_steer_get_f64(situ_ctx *ctx, const char *key, double *value) {
    situ_steer_value v;
    if (!value) return SITU_ERR_ARG;
    int rc = steer_lookup(ctx, key, &v, NULL);
    if (rc) return rc;
    if (v.kind == STEER_STR)
        return situ_set_error(ctx, SITU_ERR_DTYPE, "steering key '%s' holds a string, not a number", key);
    *value = v.f;
    return SITU_OK;
}

int situ_steer_get_i64(situ_ctx *ctx, const char *key, int64_t *value) {
    situ_steer_value v;
    if (!value) return SITU_ERR_ARG;
    int rc = steer_lookup(ctx, key, &v, NULL);
    if (rc) return rc;
    if (v.kind != STEER_I64)
        return situ_set_error(ctx, SITU_ERR_DTYPE, "steering key '%s' holds %s, not an integer", key,
                              v.kind == STEER_STR ? "a string" : "a non-integral number");
    *value = v.i;
    return SITU_OK;
}

int situ_steer_get_str(situ_ctx *ctx, const char *key, char *buf, size_t len) {
    situ_steer_value v;
    char *s = NULL;
    if (!buf || !len) return SITU_ERR_ARG;
    int rc = steer_lookup(ctx, key, &v, &s);
    if (rc) return rc;
    if (v.kind != STEER_STR)
        return situ_set_error(ctx, SITU_ERR_DTYPE, "steering key '%s' holds a number, not a string", key);
    if (!s) return SITU_ERR_NOMEM;
    size_t n = strlen(s);
    if (n >= len) {
        free(s);
        return situ_set_error(ctx, SITU_ERR_ARG, "steering key '%s': %zu-byte value does not fit in %zu",
                              key, n, len);
    }
    memcpy(buf, s, n + 1);
    free(s);
    return SITU_OK;
}

int situ_get_stats(const situ_ctx *ctx, situ_stats *stats) {
    if (!ctx || !stats) return SITU_ERR_ARG;
    situ_ctx *c = (situ_ctx *)ctx;
    pthread_mutex_lock(&c->mu);
    *stats = ctx->stats;
    stats->attached = atomic_load(&c->attached);
    pthread_mutex_unlock(&c->mu);
    return SITU_OK;
}
