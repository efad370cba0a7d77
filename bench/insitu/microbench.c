/* Two floors measured on this machine: the cost of situ_expose with no analytics
 * attached (ns per call) and one copy of a block at memory bandwidth (the unavoidable
 * cost of handing a block over). Prints JSON. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "situ.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    unsetenv("SITU_CONNECTION");
    situ_ctx *ctx;
    situ_init(MPI_COMM_SELF, NULL, &ctx);
    int64_t shape[2] = {1024, 1024}, start[2] = {0, 0};
    situ_array_define(ctx, "a", SITU_F64, 2, shape, start, shape);
    situ_array_define(ctx, "b", SITU_F64, 2, shape, start, shape);
    double *data = calloc(1024 * 1024, sizeof *data);
    const int64_t n = 5000000;
    double best = 1e9;
    for (int rep = 0; rep < 5; ++rep) {
        double t = now();
        for (int64_t s = rep * n; s < (rep + 1) * n; ++s) {
            situ_expose(ctx, "b", s, data);
            situ_step_end(ctx, s);
        }
        double per = (now() - t) / (double)n;
        if (per < best) best = per;
    }
    printf("{\"expose_no_analytics_ns\": %.2f, \"copy\": [", best * 1e9);
    situ_finalize(&ctx);
    for (int mib = 1; mib <= 64; mib *= 2) {
        size_t bytes = (size_t)mib << 20;
        char *src = malloc(bytes), *dst = malloc(bytes);
        memset(src, 1, bytes);
        memset(dst, 0, bytes);
        double bt = 1e9;
        for (int rep = 0; rep < 7; ++rep) {
            double t = now();
            memcpy(dst, src, bytes);
            double e = now() - t;
            if (e < bt) bt = e;
        }
        printf("%s{\"mib\": %d, \"seconds\": %.6e}", mib > 1 ? ", " : "", mib, bt);
        free(src);
        free(dst);
    }
    printf("]}\n");
    free(data);
    MPI_Finalize();
    return 0;
}
