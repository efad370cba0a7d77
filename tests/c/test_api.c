/* libsitu's API on bad input and without analytics, on 1, 2 and 4 ranks. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "situ.h"

static int failures, rank, size;
#define CHECK(cond, ...)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "FAIL rank %d %s:%d: %s: ", rank, __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                \
            fprintf(stderr, "\n");                                                       \
            ++failures;                                                                  \
        }                                                                                \
    } while (0)

static const char *yaml(const char *text) {
    static char path[256];
    snprintf(path, sizeof path, "/tmp/situ-api-%d-%d.yml", (int)getpid(), rank);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_config_errors(void) {
    situ_ctx *ctx;
    CHECK(situ_init(MPI_COMM_WORLD, yaml("policy: block\nstaging_bytes: \"64MiB\n"), &ctx) == SITU_ERR_CONFIG,
          "malformed");
    CHECK(strstr(situ_errmsg(ctx), "malformed YAML") && strstr(situ_errmsg(ctx), "quoted scalar at line 2"),
          "%s", situ_errmsg(ctx));
    situ_finalize(&ctx);
    CHECK(situ_init(MPI_COMM_WORLD, yaml("policy: block\nstagin_bytes: 1MiB\n"), &ctx) == SITU_ERR_CONFIG,
          "unknown key");
    CHECK(strstr(situ_errmsg(ctx), "line 2: unknown key 'stagin_bytes'"), "%s", situ_errmsg(ctx));
    situ_finalize(&ctx);
    CHECK(situ_init(MPI_COMM_WORLD, yaml("policy: sometimes\n"), &ctx) == SITU_ERR_CONFIG, "bad value");
    CHECK(strstr(situ_errmsg(ctx), "bad value 'sometimes' for key 'policy'"), "%s", situ_errmsg(ctx));
    situ_finalize(&ctx);
    CHECK(situ_init(MPI_COMM_WORLD, yaml("staging_bytes: 12 parsecs\n"), &ctx) == SITU_ERR_CONFIG, "bad size");
    situ_finalize(&ctx);
    CHECK(situ_init(MPI_COMM_WORLD, "/nonexistent/situ.yml", &ctx) == SITU_ERR_CONFIG, "missing file");
    CHECK(strstr(situ_errmsg(ctx), "/nonexistent/situ.yml"), "%s", situ_errmsg(ctx));
    situ_finalize(&ctx);
    CHECK(situ_init(MPI_COMM_WORLD, yaml("wait_for_analytics: true\nconnect_timeout: 0.2\n"
                                         "connection: /nonexistent/conn.json\n"), &ctx) == SITU_ERR_CONNECT,
          "wait_for_analytics without analytics must fail");
    situ_finalize(&ctx);
}

static void test_define_errors(void) {
    situ_ctx *ctx;
    CHECK(situ_init(MPI_COMM_WORLD, yaml("connection: /nonexistent/conn.json\n"), &ctx) == SITU_OK, "init");
    int64_t shape[2] = {4 * size, 3};
    /* outside the shape on the last rank only: every rank gets an error naming it */
    int64_t start[2] = {4 * rank, 0}, count[2] = {rank == size - 1 ? 5 : 4, 3};
    int rc = situ_array_define(ctx, "a", SITU_F64, 2, shape, start, count);
    if (rank == size - 1) {
        CHECK(rc == SITU_ERR_SHAPE && strstr(situ_errmsg(ctx), "outside the shape"), "%s", situ_errmsg(ctx));
    } else {
        CHECK(rc == SITU_ERR_LAYOUT && strstr(situ_errmsg(ctx), "rejected its definition"), "%s", situ_errmsg(ctx));
    }
    if (size > 1) { /* overlapping blocks */
        int64_t s2[2] = {rank == 1 ? 2 : 4 * rank, 0}, c2[2] = {4, 3};
        rc = situ_array_define(ctx, "b", SITU_F32, 2, shape, s2, c2);
        CHECK(rc == SITU_ERR_LAYOUT && strstr(situ_errmsg(ctx), "overlaps"), "%s", situ_errmsg(ctx));
        /* inconsistent dtypes */
        int64_t s3[2] = {4 * rank, 0};
        rc = situ_array_define(ctx, "c", rank == 0 ? SITU_F32 : SITU_F64, 2, shape, s3, c2);
        CHECK(rc == SITU_ERR_LAYOUT && strstr(situ_errmsg(ctx), "another dtype or global shape"), "%s",
              situ_errmsg(ctx));
    }
    /* uneven blocks and an empty rank are fine */
    int64_t sh[1] = {10}, st[1], ct[1];
    st[0] = rank == 0 ? 0 : 10, ct[0] = rank == 0 ? 10 : 0;
    CHECK(situ_array_define(ctx, "ok", SITU_U8, 1, sh, st, ct) == SITU_OK, "%s", situ_errmsg(ctx));
    CHECK(situ_array_define(ctx, "ok", SITU_U8, 1, sh, st, ct) == SITU_ERR_EXISTS, "redefinition");
    CHECK(situ_array_define(ctx, "seven", SITU_U8, 7, sh, st, ct) == SITU_ERR_SHAPE, "7 dims");
    unsigned char buf[10] = {0};
    CHECK(situ_expose(ctx, "nope", 0, buf) == SITU_ERR_UNKNOWN_ARRAY && strstr(situ_errmsg(ctx), "'nope'"),
          "unknown array: %s", situ_errmsg(ctx));
    CHECK(situ_expose(ctx, "ok", 3, buf) == SITU_OK, "expose");
    CHECK(situ_expose(ctx, "ok", 2, buf) == SITU_ERR_STATE, "steps go forward");
    CHECK(situ_step_end(ctx, 3) == SITU_OK, "step end");
    double v;
    CHECK(situ_steer_get_f64(ctx, "k", &v) == SITU_NOT_SET, "no analytics: not set");
    situ_stats s;
    situ_get_stats(ctx, &s);
    CHECK(s.bytes_sent == 0 && !s.attached && s.steps == 1, "stats");
    CHECK(s.raw_bytes == 0 && s.raw_seconds == 0 && s.send_seconds == 0, "no analytics: nothing measured");
    CHECK(situ_finalize(&ctx) == SITU_OK && ctx == NULL, "finalize");
    CHECK(situ_finalize(&ctx) == SITU_OK, "finalize(NULL)");
    CHECK(!strcmp(situ_strerror(SITU_ERR_LAYOUT), "blocks inconsistent across ranks"), "strerror");
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    unsetenv("SITU_CONNECTION");
    unsetenv("SITU_CONFIG");
    test_config_errors();
    test_define_errors();
    unlink(yaml(""));
    int total = 0;
    MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0) printf("%s (%d ranks): %d failures\n", argv[0], size, total);
    MPI_Finalize();
    return total ? 1 : 0;
}
