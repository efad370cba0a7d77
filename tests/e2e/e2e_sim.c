/* A configurable simulation for the end-to-end tests: every dtype, 1–6 dims,
 * uneven / irregular / empty-rank decompositions. Element values are a function of
 * (global index, step) that the Python tests recompute independently.
 *
 * usage: e2e_sim --dtype f64 --shape 7,5,3 --steps 4 --decomp uneven
 *                [--sleep-ms N] [--steer-out FILE] [--config FILE] [--arrays K]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

#include "situ.h"

/* Must match tests/python/e2e.py:expected_values. */
static double value_at(int64_t gidx, int64_t step, int a) {
    return (double)((gidx * 7919 + step * 104729 + a * 31) % 65521) / 3.0 - 1000.0;
}

static void fill(void *buf, situ_dtype dt, int nd, const int64_t *shape, const int64_t *start,
                 const int64_t *count, int64_t step, int a) {
    int64_t n = 1, idx[SITU_MAX_DIMS] = {0};
    for (int d = 0; d < nd; ++d) n *= count[d];
    for (int64_t k = 0; k < n; ++k) {
        int64_t g = 0;
        for (int d = 0; d < nd; ++d) g = g * shape[d] + start[d] + idx[d];
        double v = value_at(g, step, a);
        switch (dt) {
        case SITU_F32: ((float *)buf)[k] = (float)v; break;
        case SITU_F64: ((double *)buf)[k] = v; break;
        case SITU_I32: ((int32_t *)buf)[k] = (int32_t)floor(v * 1000.0); break;
        case SITU_I64: ((int64_t *)buf)[k] = (int64_t)floor(v * 1e6) * 4099; break;
        case SITU_U8: ((uint8_t *)buf)[k] = (uint8_t)((g * 13 + step * 7 + a) % 256); break;
        }
        for (int d = nd - 1; d >= 0; --d) {
            if (++idx[d] < count[d]) break;
            idx[d] = 0;
        }
    }
}

static void split(int64_t n, const int64_t *w, int p, int c, int64_t *start, int64_t *count) {
    int64_t tot = 0, before = 0;
    for (int i = 0; i < p; ++i) tot += w[i];
    for (int i = 0; i < c; ++i) before += w[i];
    *start = n * before / tot;
    *count = n * (before + w[c]) / tot - *start;
}

/* This rank's block under the named decomposition; returns -1 if unknown. */
static int decompose(const char *how, int nd, const int64_t *shape, int rank, int size,
                     int64_t *start, int64_t *count) {
    int64_t w[64];
    for (int d = 0; d < nd; ++d) start[d] = 0, count[d] = shape[d];
    if (!strcmp(how, "uneven") || !strcmp(how, "empty")) {
        for (int i = 0; i < size; ++i) w[i] = i + 1;
        if (!strcmp(how, "empty") && size > 1) w[size - 1] = 0;
        split(shape[0], w, size, rank, &start[0], &count[0]);
        return 0;
    }
    if (!strcmp(how, "irregular") && nd >= 2 && size == 4) {
        /* two rows of two blocks whose column cuts differ: not a grid */
        int top = rank < 2, left = rank % 2 == 0;
        int64_t a = shape[0] / 3, b = shape[1] / 3, c = 2 * shape[1] / 3;
        int64_t cut = top ? b : c;
        start[0] = top ? 0 : a, count[0] = top ? a : shape[0] - a;
        start[1] = left ? 0 : cut, count[1] = left ? cut : shape[1] - cut;
        return 0;
    }
    return -1;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *dts = "f64", *shp = "16", *decomp = "uneven", *steer_out = NULL, *config = NULL;
    int64_t steps = 3, sleep_ms = 0, narrays = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--dtype")) dts = argv[i + 1];
        else if (!strcmp(argv[i], "--shape")) shp = argv[i + 1];
        else if (!strcmp(argv[i], "--steps")) steps = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--decomp")) decomp = argv[i + 1];
        else if (!strcmp(argv[i], "--sleep-ms")) sleep_ms = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--steer-out")) steer_out = argv[i + 1];
        else if (!strcmp(argv[i], "--config")) config = argv[i + 1];
        else if (!strcmp(argv[i], "--arrays")) narrays = atoll(argv[i + 1]);
        else { fprintf(stderr, "e2e_sim: unknown option %s\n", argv[i]); MPI_Abort(MPI_COMM_WORLD, 2); }
    }
    static const char *names[] = {"f32", "f64", "i32", "i64", "u8"};
    situ_dtype dt = SITU_F64;
    int found = 0;
    for (int k = 0; k < 5; ++k)
        if (!strcmp(dts, names[k])) dt = (situ_dtype)k, found = 1;
    int64_t shape[SITU_MAX_DIMS], start[SITU_MAX_DIMS], count[SITU_MAX_DIMS];
    int nd = 0;
    for (const char *p = shp; *p && nd < SITU_MAX_DIMS; ++nd) {
        char *end;
        shape[nd] = strtoll(p, &end, 10);
        p = *end == ',' ? end + 1 : end;
    }
    if (!found || decompose(decomp, nd, shape, rank, size, start, count)) {
        fprintf(stderr, "e2e_sim: bad dtype %s or decomposition %s\n", dts, decomp);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    situ_ctx *ctx;
    int rc = situ_init(MPI_COMM_WORLD, config, &ctx);
    if (rc < 0) {
        fprintf(stderr, "e2e_sim: situ_init: %s: %s\n", situ_strerror(rc), situ_errmsg(ctx));
        MPI_Abort(MPI_COMM_WORLD, 3);
    }
    int64_t n = 1;
    for (int d = 0; d < nd; ++d) n *= count[d];
    void *buf = malloc((size_t)(n > 0 ? n : 1) * situ_dtype_size(dt));
    char name[32];
    for (int a = 0; a < narrays; ++a) {
        snprintf(name, sizeof name, "a%d", a);
        rc = situ_array_define(ctx, name, dt, nd, shape, start, count);
        if (rc < 0) {
            fprintf(stderr, "e2e_sim: define: %s: %s\n", situ_strerror(rc), situ_errmsg(ctx));
            MPI_Abort(MPI_COMM_WORLD, 4);
        }
    }
    int64_t steer_step = -1;
    double steer_val = 0;
    for (int64_t step = 0; step < steps; ++step) {
        for (int a = 0; a < narrays; ++a) {
            snprintf(name, sizeof name, "a%d", a);
            fill(buf, dt, nd, shape, start, count, step, a);
            rc = situ_expose(ctx, name, step, buf);
            if (rc < 0) fprintf(stderr, "e2e_sim: expose: %s\n", situ_errmsg(ctx));
        }
        situ_step_end(ctx, step);
        double v;
        if (steer_step < 0 && situ_steer_get_f64(ctx, "gain", &v) == SITU_OK) steer_step = step, steer_val = v;
        if (sleep_ms > 0) {
            struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    situ_stats st;
    situ_flush(ctx, -1);
    situ_get_stats(ctx, &st);
    if (steer_out && rank == 0) {
        FILE *f = fopen(steer_out, "w");
        if (f) {
            fprintf(f, "{\"steer_step\": %lld, \"steer_value\": %.17g, \"bytes_sent\": %lld, "
                       "\"dropped_steps\": %lld, \"lost_steps\": %lld}\n",
                    (long long)steer_step, steer_val, (long long)st.bytes_sent,
                    (long long)st.dropped_steps, (long long)st.lost_steps);
            fclose(f);
        }
    }
    int64_t mine[3] = {st.bytes_sent, st.dropped_steps, st.lost_steps}, sum[3];
    MPI_Reduce(mine, sum, 3, MPI_INT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0)
        fprintf(stderr, "e2e_sim: bytes_sent=%lld dropped_steps=%lld lost_steps=%lld\n",
                (long long)sum[0], (long long)sum[1], (long long)sum[2]);
    rc = situ_finalize(&ctx);
    free(buf);
    MPI_Finalize();
    return rc < 0 ? 5 : 0;
}
