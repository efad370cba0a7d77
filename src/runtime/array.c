/* Distributed array definitions, checked collectively across ranks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
    char name[SITU_NAME_MAX];
    int64_t dtype, ndim, shape[SITU_MAX_DIMS], start[SITU_MAX_DIMS], count[SITU_MAX_DIMS];
    int64_t local_error;
} define_record;

static void fmt_box(char *buf, size_t len, int nd, const int64_t *start, const int64_t *count) {
    size_t k = 0;
    for (int d = 0; d < nd && k < len; ++d)
        k += (size_t)snprintf(buf + k, len - k, "%s%lld:%lld", d ? ", " : "[", (long long)start[d],
                              (long long)(start[d] + count[d]));
    if (k < len) snprintf(buf + k, len - k, "]");
}

static int64_t volume(int nd, const int64_t *count) {
    int64_t v = 1;
    for (int d = 0; d < nd; ++d) v *= count[d];
    return v;
}

static bool overlap(int nd, const define_record *a, const define_record *b) {
    for (int d = 0; d < nd; ++d)
        if (a->start[d] + a->count[d] <= b->start[d] || b->start[d] + b->count[d] <= a->start[d])
            return false;
    return true;
}

int situ_array_define(situ_ctx *ctx, const char *name, situ_dtype dtype, int ndim,
                      const int64_t *global_shape, const int64_t *start, const int64_t *count) {
    if (!ctx) return SITU_ERR_ARG;
    define_record me = {0};
    int rc = SITU_OK;
    char msg[1024] = "";
    /* Local checks first; every rank still joins the collective below so that no
     * rank hangs when another one got bad input. */
    if (!name || !*name || strlen(name) >= SITU_NAME_MAX)
        rc = SITU_ERR_ARG, snprintf(msg, sizeof msg, "array name must be 1..%d characters", SITU_NAME_MAX - 1);
    else if (ndim < 1 || ndim > SITU_MAX_DIMS)
        rc = SITU_ERR_SHAPE, snprintf(msg, sizeof msg, "array '%s': ndim %d outside 1..%d", name, ndim, SITU_MAX_DIMS);
    else if (!global_shape || !start || !count)
        rc = SITU_ERR_ARG, snprintf(msg, sizeof msg, "array '%s': shape, start and count are required", name);
    else if (situ_dtype_size(dtype) == 0)
        rc = SITU_ERR_DTYPE, snprintf(msg, sizeof msg, "array '%s': unknown dtype %d", name, (int)dtype);
    else if (ctx->narrays == SITU_MAX_ARRAYS)
        rc = SITU_ERR_ARG, snprintf(msg, sizeof msg, "array '%s': more than %d arrays", name, SITU_MAX_ARRAYS);
    else
        for (int i = 0; i < ctx->narrays; ++i)
            if (!strcmp(ctx->arrays[i].name, name))
                rc = SITU_ERR_EXISTS, snprintf(msg, sizeof msg, "array '%s' is already defined", name);
    if (rc == SITU_OK) {
        snprintf(me.name, sizeof me.name, "%s", name);
        me.dtype = dtype;
        me.ndim = ndim;
        for (int d = 0; d < ndim; ++d) {
            me.shape[d] = global_shape[d], me.start[d] = start[d], me.count[d] = count[d];
            bool empty = count[d] == 0;
            if (global_shape[d] <= 0 || count[d] < 0 || start[d] < 0 ||
                (!empty && start[d] + count[d] > global_shape[d])) {
                char box[256];
                fmt_box(box, sizeof box, ndim, start, count);
                rc = SITU_ERR_SHAPE;
                snprintf(msg, sizeof msg, "array '%s': rank %d's block %s is outside the shape (dim %d of size %lld)",
                         name, ctx->rank, box, d, (long long)global_shape[d]);
                break;
            }
        }
    }
    me.local_error = rc;
    define_record *all = malloc((size_t)ctx->nranks * sizeof *all);
    if (!all) return situ_set_error(ctx, SITU_ERR_NOMEM, "array '%s': out of memory", name ? name : "");
    if (MPI_Allgather(&me, (int)sizeof me, MPI_BYTE, all, (int)sizeof me, MPI_BYTE, ctx->comm) != MPI_SUCCESS) {
        free(all);
        return situ_set_error(ctx, SITU_ERR_MPI, "array '%s': MPI_Allgather failed", name ? name : "");
    }
    if (rc) {
        free(all);
        return situ_set_error(ctx, rc, "%s", msg);
    }
    for (int r = 0; r < ctx->nranks && rc == SITU_OK; ++r) {
        const define_record *o = &all[r];
        if (o->local_error) {
            rc = SITU_ERR_LAYOUT;
            snprintf(msg, sizeof msg, "array '%s': rank %d rejected its definition (%s)", name, r,
                     situ_strerror((int)o->local_error));
        } else if (strcmp(o->name, name)) {
            rc = SITU_ERR_LAYOUT;
            snprintf(msg, sizeof msg, "array '%s': rank %d defines '%s' at the same call", name, r, o->name);
        } else if (o->dtype != dtype || o->ndim != ndim ||
                   memcmp(o->shape, me.shape, sizeof me.shape)) {
            rc = SITU_ERR_LAYOUT;
            snprintf(msg, sizeof msg, "array '%s': rank %d declares another dtype or global shape than rank %d",
                     name, r, ctx->rank);
        }
    }
    for (int r = 0; r < ctx->nranks && rc == SITU_OK; ++r) {
        if (volume(ndim, all[r].count) == 0) continue;
        for (int q = r + 1; q < ctx->nranks; ++q) {
            if (volume(ndim, all[q].count) == 0 || !overlap(ndim, &all[r], &all[q])) continue;
            char b1[256], b2[256];
            fmt_box(b1, sizeof b1, ndim, all[r].start, all[r].count);
            fmt_box(b2, sizeof b2, ndim, all[q].start, all[q].count);
            rc = SITU_ERR_LAYOUT;
            snprintf(msg, sizeof msg, "array '%s': block %s of rank %d overlaps block %s of rank %d",
                     name, b1, r, b2, q);
            break;
        }
    }
    free(all);
    if (rc) return situ_set_error(ctx, rc, "%s", msg);

    pthread_mutex_lock(&ctx->mu);
    int id = ctx->narrays;
    situ_array *a = &ctx->arrays[id];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", name);
    a->dtype = dtype;
    a->ndim = ndim;
    a->nbytes = situ_dtype_size(dtype);
    for (int d = 0; d < ndim; ++d) {
        a->shape[d] = global_shape[d], a->start[d] = start[d], a->count[d] = count[d];
        a->nbytes *= (size_t)count[d];
    }
    a->last_step = INT64_MIN;
    ctx->narrays++;
    if (atomic_load(&ctx->attached)) { /* announce it on the live connection */
        situ_item *it = calloc(1, sizeof *it);
        if (it) {
            it->kind = ITEM_FRAME;
            it->type = MSG_ARRAY;
            it->payload = situ_array_json(ctx, id, &it->payload_len);
            if (it->payload) situ_io_enqueue(ctx, it, true);
            else free(it);
        }
    }
    pthread_mutex_unlock(&ctx->mu);
    return SITU_OK;
}
