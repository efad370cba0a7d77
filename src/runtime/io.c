/* The per-rank I/O thread: connects to a worker, sends what expose queued, reads
 * contracts, steering values and shared-memory releases, and fails over to the next
 * worker when its connection breaks. The simulation thread never touches the socket. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "internal.h"

char *situ_array_json(const situ_ctx *ctx, int id, size_t *len) {
    const situ_array *a = &ctx->arrays[id];
    cJSON *o = cJSON_CreateObject(), *shape = cJSON_CreateArray(), *start = cJSON_CreateArray(),
          *count = cJSON_CreateArray();
    cJSON_AddNumberToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", a->name);
    cJSON_AddStringToObject(o, "dtype", situ_dtype_name(a->dtype));
    for (int d = 0; d < a->ndim; ++d) {
        cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)a->shape[d]));
        cJSON_AddItemToArray(start, cJSON_CreateNumber((double)a->start[d]));
        cJSON_AddItemToArray(count, cJSON_CreateNumber((double)a->count[d]));
    }
    cJSON_AddItemToObject(o, "shape", shape);
    cJSON_AddItemToObject(o, "start", start);
    cJSON_AddItemToObject(o, "count", count);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    *len = s ? strlen(s) : 0;
    return s;
}

static int send_frame(situ_ctx *ctx, int type, const void *payload, size_t len) {
    unsigned char h[SITU_HEADER_SIZE];
    situ_wire_header(h, type, ctx->conn.token, len);
    if (situ_wire_send_all(ctx->fd, h, sizeof h)) return -1;
    return len ? situ_wire_send_all(ctx->fd, payload, len) : 0;
}

void situ_io_wake(situ_ctx *ctx) {
    uint64_t one = 1;
    if (ctx->wake_fd >= 0) {
        ssize_t n = write(ctx->wake_fd, &one, sizeof one);
        (void)n;
    }
}

void situ_io_enqueue(situ_ctx *ctx, situ_item *it, bool wake) {
    it->next = NULL;
    if (ctx->tail) ctx->tail->next = it;
    else ctx->head = it;
    ctx->tail = it;
    if (wake) situ_io_wake(ctx);
}

static void free_item(situ_item *it) {
    free(it->payload);
    free(it);
}

/* Apply a control frame from the worker (mu held). */
static void apply_control(situ_ctx *ctx, int type, const unsigned char *p, uint64_t len) {
    char err[256];
    if (type == MSG_RELEASE && len == 16) {
        uint64_t off, n;
        memcpy(&off, p, 8);
        memcpy(&n, p + 8, 8);
        situ_staging_free(&ctx->staging, off, n);
        pthread_cond_broadcast(&ctx->cv);
    } else if (type == MSG_CONTRACT) {
        if (situ_contract_parse(&ctx->contract, (const char *)p, len, ctx->rank, err, sizeof err) == SITU_OK)
            pthread_cond_broadcast(&ctx->cv);
    } else if (type == MSG_STEER) {
        cJSON *o = cJSON_ParseWithLength((const char *)p, len);
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "key");
        if (cJSON_IsString(k)) situ_steer_set_json(&ctx->steer, k->valuestring,
                                                   cJSON_GetObjectItemCaseSensitive(o, "value"));
        cJSON_Delete(o);
    }
}

static void apply_welcome(situ_ctx *ctx, const unsigned char *p, uint64_t len) {
    cJSON *o = cJSON_ParseWithLength((const char *)p, len);
    const cJSON *contract = cJSON_GetObjectItemCaseSensitive(o, "contract");
    const cJSON *steer = cJSON_GetObjectItemCaseSensitive(o, "steer"), *v;
    char err[256];
    if (contract) {
        char *c = cJSON_PrintUnformatted(contract);
        if (c) situ_contract_parse(&ctx->contract, c, strlen(c), ctx->rank, err, sizeof err);
        free(c);
    }
    cJSON_ArrayForEach(v, steer) situ_steer_set_json(&ctx->steer, v->string, v);
    cJSON_Delete(o);
}

/* Connect to worker `idx`: staging, HELLO, WELCOME, ARRAYs. Called without mu. */
static int connect_worker(situ_ctx *ctx, int idx, double timeout) {
    situ_endpoint *w = &ctx->conn.workers[idx];
    char err[512];
    int fd = situ_wire_connect(w->address, w->port, timeout, err, sizeof err);
    if (fd < 0) return situ_set_error(ctx, SITU_ERR_CONNECT, "worker %s: %s", w->name, err);
    bool shm = !ctx->cfg.force_tcp && w->shm && !strcmp(w->host, ctx->host);
    char shm_name[128] = "";
    if (shm)
        snprintf(shm_name, sizeof shm_name, "/situ-%.8s-%ld-%d-%d", ctx->conn.token_hex,
                 (long)getpid(), ctx->rank, ctx->shm_generation++);

    pthread_mutex_lock(&ctx->mu);
    /* Whatever the previous connection held is gone with it. */
    if (ctx->staging.base) situ_staging_close(&ctx->staging);
    int rc = situ_staging_open(&ctx->staging, ctx->cfg.staging_bytes, shm ? shm_name : NULL);
    if (rc && shm) { /* no /dev/shm room: fall back to TCP */
        shm = false;
        rc = situ_staging_open(&ctx->staging, ctx->cfg.staging_bytes, NULL);
    }
    pthread_mutex_unlock(&ctx->mu);
    if (rc) {
        close(fd);
        return situ_set_error(ctx, rc, "cannot allocate %zu bytes of staging", ctx->cfg.staging_bytes);
    }
    ctx->fd = fd;
    cJSON *hello = cJSON_CreateObject();
    cJSON_AddNumberToObject(hello, "rank", ctx->rank);
    cJSON_AddNumberToObject(hello, "nranks", ctx->nranks);
    cJSON_AddStringToObject(hello, "host", ctx->host);
    cJSON_AddNumberToObject(hello, "pid", (double)getpid());
    cJSON_AddStringToObject(hello, "policy", ctx->cfg.policy == POLICY_BLOCK ? "block" : "drop_oldest");
    if (shm) cJSON_AddStringToObject(hello, "shm", shm_name);
    else cJSON_AddNullToObject(hello, "shm");
    cJSON_AddNumberToObject(hello, "shm_bytes", shm ? (double)ctx->staging.size : 0);
    char *hs = cJSON_PrintUnformatted(hello);
    cJSON_Delete(hello);
    int type = 0;
    unsigned char *payload = NULL;
    uint64_t len = 0;
    rc = hs && !send_frame(ctx, MSG_HELLO, hs, strlen(hs)) ? SITU_OK : SITU_ERR_CONNECT;
    free(hs);
    if (rc == SITU_OK)
        rc = situ_wire_recv(fd, ctx->conn.token, timeout, &type, &payload, &len, err, sizeof err);
    if (rc == SITU_OK && type != MSG_WELCOME) {
        snprintf(err, sizeof err, "expected WELCOME, got %s",
                 type == MSG_ERROR ? (const char *)payload : "another message");
        rc = SITU_ERR_PROTOCOL;
    }
    if (rc) {
        free(payload);
        close(fd);
        ctx->fd = -1;
        return situ_set_error(ctx, rc, "worker %s refused the connection: %s", w->name, err);
    }
    pthread_mutex_lock(&ctx->mu);
    apply_welcome(ctx, payload, len);
    free(payload);
    /* Announce every array; ones defined from now on are queued by define. */
    for (int i = 0; i < ctx->narrays && rc == SITU_OK; ++i) {
        size_t n;
        char *js = situ_array_json(ctx, i, &n);
        if (!js || send_frame(ctx, MSG_ARRAY, js, n)) rc = SITU_ERR_CONNECT;
        free(js);
    }
    if (rc == SITU_OK) {
        ctx->current = idx;
        ctx->stats.shm = shm;
        atomic_store(&ctx->attached, 1);
        pthread_cond_broadcast(&ctx->cv);
    }
    pthread_mutex_unlock(&ctx->mu);
    if (rc) {
        close(fd);
        ctx->fd = -1;
        return situ_set_error(ctx, rc, "worker %s: connection lost while announcing arrays", w->name);
    }
    return SITU_OK;
}

/* Try the workers in preference order, starting after the current one. */
static int connect_next(situ_ctx *ctx, double timeout) {
    int n = ctx->conn.nworkers, alive = 0;
    for (int i = 0; i < n; ++i) alive += !ctx->conn.workers[i].dead;
    if (!alive)
        for (int i = 0; i < n; ++i) ctx->conn.workers[i].dead = false; /* maybe back: retry all */
    int pos = 0;
    for (int i = 0; i < n; ++i)
        if (ctx->order[i] == ctx->current) pos = i + 1;
    int rc = SITU_ERR_CONNECT;
    for (int j = 0; j < n; ++j) {
        int idx = ctx->order[(pos + j) % n];
        if (ctx->conn.workers[idx].dead) continue;
        if ((rc = connect_worker(ctx, idx, timeout)) == SITU_OK) return SITU_OK;
        ctx->conn.workers[idx].dead = true;
    }
    return rc;
}

int situ_io_connect_initial(situ_ctx *ctx) {
    ctx->current = -1;
    return connect_next(ctx, ctx->cfg.connect_timeout);
}

/* The connection broke: everything queued for it is lost (mu held). */
static void lose_connection(situ_ctx *ctx) {
    if (ctx->fd >= 0) close(ctx->fd);
    ctx->fd = -1;
    atomic_store(&ctx->attached, 0);
    ctx->gen++;
    if (ctx->current >= 0) ctx->conn.workers[ctx->current].dead = true;
    for (situ_item *it = ctx->head, *next; it; it = next) {
        next = it->next;
        if (it->kind == ITEM_STEP_END && !it->dropped) ctx->stats.lost_steps++;
        free_item(it);
    }
    ctx->head = ctx->tail = NULL;
    if (ctx->staging.base) situ_staging_reset(&ctx->staging);
    ctx->next_retry = situ_now();
    pthread_cond_broadcast(&ctx->cv);
}

static char *step_end_json(situ_ctx *ctx, const situ_item *it, size_t *len) {
    char *js = NULL; /* the last plan error as a JSON string, sent once: the analytics log it */
    if (*ctx->plan_error) {
        cJSON *e = cJSON_CreateString(ctx->plan_error);
        js = e ? cJSON_PrintUnformatted(e) : NULL;
        cJSON_Delete(e);
        ctx->plan_error[0] = 0;
    }
    /* Each plan's own kernel counters, so two analyses of one array are costed apart:
     * {"<id>:<array>": [cpu seconds, runs]} for the plans this rank runs. */
    char *pj = NULL;
    cJSON *plans = cJSON_CreateObject();
    for (int i = 0; plans && i < ctx->contract.nplans; ++i) {
        const situ_plan *p = &ctx->contract.plans[i];
        char key[2 * SITU_NAME_MAX + 2];
        if (!p->ir) continue;
        snprintf(key, sizeof key, "%s:%s", p->id, p->array);
        cJSON *v = cJSON_CreateArray();
        cJSON_AddItemToArray(v, cJSON_CreateNumber(p->kernel_cpu_seconds));
        cJSON_AddItemToArray(v, cJSON_CreateNumber((double)p->kernel_runs));
        cJSON_AddItemToObject(plans, key, v);
    }
    if (plans && plans->child) pj = cJSON_PrintUnformatted(plans);
    cJSON_Delete(plans);
    /* Sized for the counters (~400 bytes), the plans and the whole escaped error: a
     * cut could end inside an escape and make the frame invalid JSON. */
    size_t cap = 1024 + (js ? strlen(js) : 0) + (pj ? strlen(pj) : 0);
    char *buf = malloc(cap);
    if (!buf) {
        free(js);
        free(pj);
        return NULL;
    }
    int n = snprintf(buf, cap,
                     "{\"step\": %lld, \"blocks\": %d, \"dropped\": %s, \"dropped_steps\": %lld, "
                     "\"lost_steps\": %lld, \"bytes_sent\": %lld, \"kernel_seconds\": %.9f, "
                     "\"kernel_runs\": %lld, \"raw_seconds\": %.9f, \"raw_bytes\": %lld, "
                     "\"send_seconds\": %.9f, \"kernel_cpu_seconds\": %.9f",
                     (long long)it->step, it->blocks, it->dropped ? "true" : "false",
                     (long long)ctx->stats.dropped_steps, (long long)ctx->stats.lost_steps,
                     (long long)ctx->stats.bytes_sent, ctx->stats.kernel_seconds,
                     (long long)ctx->stats.kernel_runs, ctx->stats.raw_seconds,
                     (long long)ctx->stats.raw_bytes, ctx->stats.send_seconds, ctx->stats.kernel_cpu_seconds);
    if (js) n += snprintf(buf + n, cap - (size_t)n, ", \"plan_error\": %s", js);
    if (pj) n += snprintf(buf + n, cap - (size_t)n, ", \"plans\": %s", pj);
    n += snprintf(buf + n, cap - (size_t)n, "}");
    free(js);
    free(pj);
    *len = (size_t)n;
    return buf;
}

/* Send one item (mu not held; the item is ours). Returns 0 or -1 on a broken socket. */
static int send_item(situ_ctx *ctx, situ_item *it) {
    if (it->kind == ITEM_FRAME) return send_frame(ctx, it->type, it->payload, it->payload_len);
    if (it->kind == ITEM_STEP_END) {
        size_t n;
        pthread_mutex_lock(&ctx->mu);
        char *js = step_end_json(ctx, it, &n);
        pthread_mutex_unlock(&ctx->mu);
        int rc = js ? send_frame(ctx, MSG_STEP_END, js, n) : -1;
        free(js);
        return rc;
    }
    /* BLOCK: metadata, then the data itself unless it waits in shared memory */
    unsigned char h[SITU_HEADER_SIZE];
    bool inline_data = !ctx->staging.is_shm;
    situ_wire_header(h, MSG_BLOCK, ctx->conn.token, SITU_BLOCK_META_SIZE + (inline_data ? it->len : 0));
    if (situ_wire_send_all(ctx->fd, h, sizeof h) ||
        situ_wire_send_all(ctx->fd, it->meta, SITU_BLOCK_META_SIZE))
        return -1;
    if (inline_data && situ_wire_send_all(ctx->fd, ctx->staging.base + it->off, it->len)) return -1;
    return 0;
}

static void read_incoming(situ_ctx *ctx) {
    int type;
    unsigned char *payload;
    uint64_t len;
    char err[256];
    int rc = situ_wire_recv(ctx->fd, ctx->conn.token, 5.0, &type, &payload, &len, err, sizeof err);
    pthread_mutex_lock(&ctx->mu);
    if (rc == SITU_OK && type == MSG_ERROR) {
        snprintf(ctx->errmsg, sizeof ctx->errmsg, "worker error: %.400s", (const char *)payload);
        rc = SITU_ERR_PROTOCOL;
    }
    if (rc == SITU_OK) apply_control(ctx, type, payload, len);
    else lose_connection(ctx);
    pthread_mutex_unlock(&ctx->mu);
    free(payload);
}

static void *io_main(void *arg) {
    situ_ctx *ctx = arg;
    double deadline = 0;
    pthread_mutex_lock(&ctx->mu);
    for (;;) {
        if (ctx->stopping) {
            if (deadline == 0) deadline = situ_now() + ctx->cfg.finalize_timeout;
            if (!ctx->head || !atomic_load(&ctx->attached) || situ_now() > deadline) break;
        }
        if (!atomic_load(&ctx->attached)) {
            if (ctx->stopping) break;
            if (situ_now() >= ctx->next_retry) {
                pthread_mutex_unlock(&ctx->mu);
                int rc = connect_next(ctx, ctx->cfg.connect_timeout < 2 ? ctx->cfg.connect_timeout : 2);
                pthread_mutex_lock(&ctx->mu);
                if (rc == SITU_OK) ctx->stats.reconnects++;
                else ctx->next_retry = situ_now() + 1.0;
                continue;
            }
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
            pthread_cond_timedwait(&ctx->cv, &ctx->mu, &ts);
            continue;
        }
        situ_item *it = ctx->head;
        if (it) {
            ctx->head = it->next;
            if (!ctx->head) ctx->tail = NULL;
        }
        uint64_t gen = ctx->gen;
        ctx->sending = it != NULL;
        pthread_mutex_unlock(&ctx->mu);
        /* a raw block's send, in CPU time: a send blocked on a slow receiver costs nobody
         * (a full staging shows in the expose's wait) */
        bool timed = it && it->kind == ITEM_BLOCK && it->raw;
        double tcpu = timed ? situ_thread_cpu() : 0;
        int failed = it ? send_item(ctx, it) : 0;
        if (timed) tcpu = situ_thread_cpu() - tcpu;
        pthread_mutex_lock(&ctx->mu);
        ctx->sending = false;
        if (it) {
            pthread_cond_broadcast(&ctx->cv); /* situ_flush waits on progress */
            if (failed) {
                if (ctx->gen == gen) {
                    if (it->kind == ITEM_STEP_END && !it->dropped) ctx->stats.lost_steps++;
                    lose_connection(ctx);
                }
            } else if (it->kind == ITEM_BLOCK) {
                ctx->stats.blocks_sent++;
                ctx->stats.bytes_sent += (int64_t)it->len;
                ctx->stats.send_seconds += tcpu;
                if (!ctx->staging.is_shm) { /* TCP: the slot is free once written */
                    situ_staging_free(&ctx->staging, it->off, it->len);
                    pthread_cond_broadcast(&ctx->cv);
                }
            } else if (it->kind == ITEM_STEP_END && !it->dropped) {
                ctx->stats.steps_sent++;
            }
            free_item(it);
        }
        if (!atomic_load(&ctx->attached)) continue;
        /* Wait for incoming frames, or for the simulation to queue more. */
        struct pollfd pf[2] = {{.fd = ctx->fd, .events = POLLIN}, {.fd = ctx->wake_fd, .events = POLLIN}};
        bool more = ctx->head != NULL;
        pthread_mutex_unlock(&ctx->mu);
        int n = poll(pf, 2, more ? 0 : 50);
        if (n > 0 && (pf[1].revents & POLLIN)) {
            uint64_t v;
            ssize_t r = read(ctx->wake_fd, &v, sizeof v);
            (void)r;
        }
        if (n > 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) read_incoming(ctx);
        situ_offload_compile(ctx); /* plans that arrived with a contract */
        pthread_mutex_lock(&ctx->mu);
    }
    if (atomic_load(&ctx->attached)) {
        char bye[256];
        int n = snprintf(bye, sizeof bye,
                         "{\"steps\": %lld, \"blocks\": %lld, \"bytes_sent\": %lld, "
                         "\"dropped_steps\": %lld, \"lost_steps\": %lld}",
                         (long long)ctx->stats.steps, (long long)ctx->stats.blocks_sent,
                         (long long)ctx->stats.bytes_sent, (long long)ctx->stats.dropped_steps,
                         (long long)ctx->stats.lost_steps);
        if (send_frame(ctx, MSG_BYE, bye, (size_t)n) == 0) ctx->bye_sent = true;
    }
    for (situ_item *it = ctx->head, *next; it; it = next) { /* not flushed in time */
        next = it->next;
        if (it->kind == ITEM_STEP_END && !it->dropped) ctx->stats.lost_steps++;
        free_item(it);
    }
    ctx->head = ctx->tail = NULL;
    if (ctx->fd >= 0) close(ctx->fd);
    ctx->fd = -1;
    atomic_store(&ctx->attached, 0);
    pthread_mutex_unlock(&ctx->mu);
    return NULL;
}

int situ_io_start(situ_ctx *ctx) {
    ctx->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ctx->wake_fd < 0) return situ_set_error(ctx, SITU_ERR_SYSTEM, "eventfd: %s", strerror(errno));
    if (pthread_create(&ctx->io, NULL, io_main, ctx)) {
        close(ctx->wake_fd);
        ctx->wake_fd = -1;
        return situ_set_error(ctx, SITU_ERR_SYSTEM, "cannot start the I/O thread");
    }
    ctx->io_running = true;
    return SITU_OK;
}

void situ_io_stop(situ_ctx *ctx) {
    if (!ctx->io_running) return;
    pthread_mutex_lock(&ctx->mu);
    ctx->stopping = true;
    pthread_cond_broadcast(&ctx->cv);
    situ_io_wake(ctx);
    pthread_mutex_unlock(&ctx->mu);
    pthread_join(ctx->io, NULL);
    ctx->io_running = false;
    close(ctx->wake_fd);
    ctx->wake_fd = -1;
}
