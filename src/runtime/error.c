/* Error codes, messages and small shared helpers. */
#include <stdio.h>
#include <time.h>

#include "internal.h"

const char *situ_strerror(int status) {
    switch (status) {
    case SITU_OK: return "ok";
    case SITU_NOT_SET: return "steering value not set";
    case SITU_ERR_ARG: return "invalid argument";
    case SITU_ERR_CONFIG: return "invalid configuration";
    case SITU_ERR_NOMEM: return "out of memory";
    case SITU_ERR_UNKNOWN_ARRAY: return "unknown array";
    case SITU_ERR_DTYPE: return "wrong data type";
    case SITU_ERR_SHAPE: return "block outside the array's shape";
    case SITU_ERR_LAYOUT: return "blocks inconsistent across ranks";
    case SITU_ERR_EXISTS: return "array already defined";
    case SITU_ERR_CONNECT: return "analytics unreachable";
    case SITU_ERR_PROTOCOL: return "protocol error";
    case SITU_ERR_MPI: return "MPI error";
    case SITU_ERR_SYSTEM: return "system call failed";
    case SITU_ERR_STATE: return "call out of order";
    default: return "unknown situ status";
    }
}

int situ_set_error(situ_ctx *ctx, int code, const char *fmt, ...) {
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *situ_errmsg(const situ_ctx *ctx) { return ctx ? ctx->errmsg : ""; }

double situ_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double situ_thread_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

size_t situ_dtype_size(situ_dtype dt) {
    switch (dt) {
    case SITU_F32: case SITU_I32: return 4;
    case SITU_F64: case SITU_I64: return 8;
    case SITU_U8: return 1;
    }
    return 0;
}

const char *situ_dtype_name(situ_dtype dt) {
    switch (dt) {
    case SITU_F32: return "f32";
    case SITU_F64: return "f64";
    case SITU_I32: return "i32";
    case SITU_I64: return "i64";
    case SITU_U8: return "u8";
    }
    return "?";
}
