/*
 * situ.h — hand a running MPI simulation's distributed arrays to Dask analytics.
 *
 * Lifetime: situ_init → situ_array_define… → per step: situ_expose…, situ_step_end
 * → situ_finalize. Every function returns SITU_OK or a negative situ_status; the
 * last error's message (naming the array, key or line) is in situ_errmsg(ctx).
 * Nothing aborts, nothing prints to stdout. With no analytics attached every call is
 * a few checks.
 *
 *   situ_ctx *ctx;
 *   situ_init(MPI_COMM_WORLD, "situ.yml", &ctx);
 *   int64_t shape[2] = {NX, NY}, start[2] = {x0, y0}, count[2] = {nx, ny};
 *   situ_array_define(ctx, "T", SITU_F64, 2, shape, start, count);
 *   for (step = 0; step < nsteps; ++step) {
 *       solve(T);
 *       situ_expose(ctx, "T", step, T);
 *       situ_step_end(ctx, step);
 *       double q;
 *       if (situ_steer_get_f64(ctx, "source", &q) == SITU_OK) source = q;
 *   }
 *   situ_finalize(&ctx);
 */
#ifndef SITU_H
#define SITU_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SITU_MAX_DIMS 6
#define SITU_PROTOCOL_VERSION 1

typedef struct situ_ctx situ_ctx;

typedef enum situ_status {
    SITU_OK = 0,
    SITU_NOT_SET = 1,          /* steering key has no value yet (not an error) */
    SITU_ERR_ARG = -1,         /* bad argument: NULL pointer, bad rank, bad ndim... */
    SITU_ERR_CONFIG = -2,      /* malformed or invalid YAML config */
    SITU_ERR_NOMEM = -3,
    SITU_ERR_UNKNOWN_ARRAY = -4,
    SITU_ERR_DTYPE = -5,       /* steering value of another type, unknown dtype */
    SITU_ERR_SHAPE = -6,       /* block outside the global shape, bad dims */
    SITU_ERR_LAYOUT = -7,      /* blocks inconsistent across ranks (overlap, mismatch) */
    SITU_ERR_EXISTS = -8,      /* array defined twice */
    SITU_ERR_CONNECT = -9,     /* analytics required but unreachable */
    SITU_ERR_PROTOCOL = -10,   /* peer sent a bad frame or refused ours */
    SITU_ERR_MPI = -11,
    SITU_ERR_SYSTEM = -12,     /* an OS call failed (errno in the message) */
    SITU_ERR_STATE = -13       /* call out of order (step going backwards...) */
} situ_status;

typedef enum situ_dtype {
    SITU_F32 = 0,
    SITU_F64 = 1,
    SITU_I32 = 2,
    SITU_I64 = 3,
    SITU_U8 = 4
} situ_dtype;

typedef struct situ_stats {
    int64_t steps;          /* steps that ended (situ_step_end calls) */
    int64_t steps_sent;     /* steps with data selected by the contract */
    int64_t blocks_sent;
    int64_t bytes_sent;     /* payload bytes handed to the transport */
    int64_t dropped_steps;  /* drop_oldest */
    int64_t lost_steps;     /* a worker died with them */
    int64_t reconnects;
    double wait_seconds;    /* time expose spent waiting for staging room */
    double expose_seconds;  /* total time inside situ_expose */
    double copy_seconds;    /* of which copying blocks into staging (the floor) */
    int attached;           /* 1 if connected to a worker now */
    int shm;                /* 1 if that connection uses shared memory */
    double kernel_seconds;  /* in-process stages of placed analyses (docs/placement.md) */
    int64_t kernel_runs;
    /* What each path costs, for auto's recheck (docs/placement.md, Cost model),
     * measured only with analytics attached: */
    double raw_seconds;     /* situ_expose for blocks sent raw: CPU time of the calling thread
                               (staging slot, copy, queueing) plus any wait for staging room */
    int64_t raw_bytes;      /* the bytes of those blocks */
    double send_seconds;    /* CPU time of the I/O thread sending those blocks */
    double kernel_cpu_seconds; /* CPU time of the calling thread in the kernels (kernel_seconds:
                               wall clock, which includes the time others ran on its core) */
} situ_stats;

/* Collective over comm. config_path may be NULL (defaults; env SITU_CONFIG, then
 * SITU_CONNECTION, are read). Fails on malformed YAML with the line number. Even on
 * failure *out holds a context for situ_errmsg; release it with situ_finalize. */
int situ_init(MPI_Comm comm, const char *config_path, situ_ctx **out);

/* Collective: flushes what is queued (bounded by `finalize_timeout`), says BYE,
 * frees everything and sets *ctx to NULL. Safe on NULL. */
int situ_finalize(situ_ctx **ctx);

/* Collective. start/count describe this rank's block (count may hold zeros: a rank
 * that owns nothing). Checked across ranks: same dtype/shape everywhere, blocks
 * inside the shape, no two blocks overlapping. */
int situ_array_define(situ_ctx *ctx, const char *name, situ_dtype dtype, int ndim,
                      const int64_t *global_shape, const int64_t *start,
                      const int64_t *count);

/* Hands this rank's block of `name` at `step` (C-order, contiguous, count elements)
 * to situ. Returns when `data` may be overwritten. Steps increase. */
int situ_expose(situ_ctx *ctx, const char *name, int64_t step, const void *data);

/* Marks the end of `step` on this rank (after its exposes). */
int situ_step_end(situ_ctx *ctx, int64_t step);

/* Waits up to timeout seconds (< 0: finalize_timeout) until everything exposed so far
 * has been handed to the transport. SITU_ERR_CONNECT if it could not be. */
int situ_flush(situ_ctx *ctx, double timeout);

/* Steering: the latest value the analytics set for key. SITU_NOT_SET if none;
 * SITU_ERR_DTYPE if it holds another type. Non-blocking. */
int situ_steer_get_f64(situ_ctx *ctx, const char *key, double *value);
int situ_steer_get_i64(situ_ctx *ctx, const char *key, int64_t *value);
/* Copies at most len-1 bytes and a NUL; SITU_ERR_ARG if it does not fit. */
int situ_steer_get_str(situ_ctx *ctx, const char *key, char *buf, size_t len);

int situ_get_stats(const situ_ctx *ctx, situ_stats *stats);

const char *situ_strerror(int status);
/* The last error's detailed message for this context ("" if none). */
const char *situ_errmsg(const situ_ctx *ctx);

size_t situ_dtype_size(situ_dtype dtype);

#ifdef __cplusplus
}
#endif
#endif /* SITU_H */
