/* libsitu against a fake worker: bytes on the wire, contracts, steering, backpressure,
 * a misbehaving worker. One rank; run under ASan+UBSan too. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "fake_worker.h"
#include "situ.h"

static int failures;
#define CHECK(cond, ...)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);              \
            fprintf(stderr, __VA_ARGS__);                                                \
            fprintf(stderr, "\n");                                                       \
            ++failures;                                                                  \
        }                                                                                \
    } while (0)

static const char *write_config(const char *conn, const char *extra) {
    static char path[256];
    snprintf(path, sizeof path, "/tmp/situ-test-cfg-%d.yml", (int)getpid());
    FILE *f = fopen(path, "w");
    fprintf(f, "connection: %s\n%s", conn, extra);
    fclose(f);
    return path;
}

/* Blocks of a 3D i64 array, with a contract region cut, over TCP or shared memory. */
static void test_bytes_and_region(bool shm) {
    fake_worker w = {.release_shm = true};
    const char *welcome = "{\"worker\": \"fake\", \"contract\": {\"arrays\": {\"x\": {\"start\": 1, "
                          "\"stop\": null, \"every\": 2, \"region\": [[1, 4], [0, 5], [2, 3]]}}}, "
                          "\"steer\": {}}";
    CHECK(fake_worker_start(&w, welcome, shm) == 0, "fake worker");
    situ_ctx *ctx;
    CHECK(situ_init(MPI_COMM_WORLD, write_config(w.conn_path, ""), &ctx) == SITU_OK, "%s", situ_errmsg(ctx));
    int64_t shape[3] = {6, 5, 4}, start[3] = {0, 0, 0}, count[3] = {6, 5, 4};
    CHECK(situ_array_define(ctx, "x", SITU_I64, 3, shape, start, count) == SITU_OK, "%s", situ_errmsg(ctx));
    CHECK(situ_array_define(ctx, "y", SITU_U8, 1, (int64_t[]){7}, (int64_t[]){0}, (int64_t[]){7}) == SITU_OK,
          "%s", situ_errmsg(ctx));
    int64_t data[120];
    uint8_t bytes[7] = {0};
    for (int64_t step = 0; step < 6; ++step) {
        for (int i = 0; i < 120; ++i) data[i] = step * 1000003 + i * 7919;
        CHECK(situ_expose(ctx, "x", step, data) == SITU_OK, "%s", situ_errmsg(ctx));
        CHECK(situ_expose(ctx, "y", step, bytes) == SITU_OK, "%s", situ_errmsg(ctx)); /* not contracted */
        CHECK(situ_step_end(ctx, step) == SITU_OK, "step end");
    }
    situ_stats st;
    CHECK(situ_flush(ctx, 10) == SITU_OK, "%s", situ_errmsg(ctx));
    situ_get_stats(ctx, &st);
    CHECK(st.shm == (int)shm, "shm %d", st.shm);
    CHECK(st.blocks_sent == 3 && st.bytes_sent == 3 * 3 * 5 * 1 * 8, "sent %lld blocks %lld bytes",
          (long long)st.blocks_sent, (long long)st.bytes_sent);
    /* the raw path's cost, measured for the cost model (docs/placement.md) */
    CHECK(st.raw_bytes == 3 * 3 * 5 * 1 * 8 && st.raw_seconds > 0 && st.raw_seconds < 1 &&
              st.send_seconds >= 0 && st.send_seconds < 1 && st.kernel_cpu_seconds == 0,
          "raw %lld bytes in %g s, send %g s", (long long)st.raw_bytes, st.raw_seconds, st.send_seconds);
    situ_finalize(&ctx);
    fake_worker_join(&w);
    CHECK(w.shm_used == shm, "worker saw shm=%d", w.shm_used);
    CHECK(w.nblocks == 3 && w.step_ends == 3 && w.byes == 1 && w.arrays == 2,
          "blocks %d step_ends %d byes %d arrays %d", w.nblocks, w.step_ends, w.byes, w.arrays);
    for (int b = 0; b < w.nblocks; ++b) {
        fake_block *k = &w.blocks[b];
        CHECK(k->step == 2 * b + 1, "block %d step %lld", b, (long long)k->step);
        CHECK(k->ndim == 3 && k->start[0] == 1 && k->start[1] == 0 && k->start[2] == 2 &&
                  k->count[0] == 3 && k->count[1] == 5 && k->count[2] == 1,
              "block %d geometry", b);
        const int64_t *v = (const int64_t *)k->data;
        int n = 0, bad = 0;
        for (int i = 1; i < 4; ++i)
            for (int j = 0; j < 5; ++j) bad += v[n++] != k->step * 1000003 + ((i * 5 + j) * 4 + 2) * 7919;
        CHECK(!bad, "block %d: %d wrong values", b, bad);
    }
    fake_worker_free(&w);
}

static void test_steering(void) {
    fake_worker w = {.release_shm = true, .push_steer = "{\"key\": \"gain\", \"value\": 0.5}"};
    CHECK(fake_worker_start(&w, "{\"worker\": \"f\", \"contract\": {\"arrays\": {\"x\": {}}}, "
                                "\"steer\": {\"gain\": 3, \"label\": \"hot\"}}", false) == 0, "start");
    situ_ctx *ctx;
    CHECK(situ_init(MPI_COMM_WORLD, write_config(w.conn_path, ""), &ctx) == SITU_OK, "%s", situ_errmsg(ctx));
    double f;
    int64_t i;
    char buf[8];
    CHECK(situ_steer_get_i64(ctx, "gain", &i) == SITU_OK && i == 3, "gain as i64");
    CHECK(situ_steer_get_f64(ctx, "gain", &f) == SITU_OK && f == 3.0, "gain as f64");
    CHECK(situ_steer_get_str(ctx, "gain", buf, sizeof buf) == SITU_ERR_DTYPE, "gain as str");
    CHECK(situ_steer_get_str(ctx, "label", buf, sizeof buf) == SITU_OK && !strcmp(buf, "hot"), "label");
    CHECK(situ_steer_get_str(ctx, "label", buf, 3) == SITU_ERR_ARG, "short buffer");
    CHECK(situ_steer_get_f64(ctx, "label", &f) == SITU_ERR_DTYPE && strstr(situ_errmsg(ctx), "label"),
          "label as f64: %s", situ_errmsg(ctx));
    CHECK(situ_steer_get_f64(ctx, "nope", &f) == SITU_NOT_SET, "unset key");
    int64_t shape[1] = {4}, zero[1] = {0};
    double d[4] = {1, 2, 3, 4};
    situ_array_define(ctx, "x", SITU_F64, 1, shape, zero, shape);
    situ_expose(ctx, "x", 0, d);
    situ_step_end(ctx, 0);
    int got = 0;
    for (int k = 0; k < 200 && !got; ++k) { /* the pushed value arrives asynchronously */
        got = situ_steer_get_f64(ctx, "gain", &f) == SITU_OK && f == 0.5;
        usleep(10000);
    }
    CHECK(got, "pushed steering value never seen");
    CHECK(situ_steer_get_i64(ctx, "gain", &i) == SITU_ERR_DTYPE, "0.5 is no integer");
    situ_finalize(&ctx);
    fake_worker_join(&w);
    fake_worker_free(&w);
}

/* A worker that never releases shared-memory slots: drop_oldest must drop and say so. */
static void test_drop_oldest(void) {
    fake_worker w = {.release_shm = false};
    CHECK(fake_worker_start(&w, "{\"worker\": \"f\", \"contract\": {\"arrays\": {\"x\": {}}}, \"steer\": {}}",
                            true) == 0, "start");
    situ_ctx *ctx;
    CHECK(situ_init(MPI_COMM_WORLD, write_config(w.conn_path, "staging_bytes: 4KiB\npolicy: drop_oldest\n"),
                    &ctx) == SITU_OK, "%s", situ_errmsg(ctx));
    int64_t shape[1] = {128}, zero[1] = {0};
    double d[128] = {0};
    situ_array_define(ctx, "x", SITU_F64, 1, shape, zero, shape); /* 1 KiB blocks */
    for (int64_t s = 0; s < 20; ++s) {
        CHECK(situ_expose(ctx, "x", s, d) == SITU_OK, "%s", situ_errmsg(ctx));
        situ_step_end(ctx, s);
        situ_flush(ctx, 5);
    }
    situ_stats st;
    situ_get_stats(ctx, &st);
    CHECK(st.dropped_steps == 16 && st.blocks_sent == 4, "dropped %lld sent %lld",
          (long long)st.dropped_steps, (long long)st.blocks_sent);
    situ_finalize(&ctx);
    fake_worker_join(&w);
    CHECK(w.dropped_step_ends == 16 && w.step_ends == 20, "worker saw %d dropped of %d",
          w.dropped_step_ends, w.step_ends);
    fake_worker_free(&w);
}

/* A worker that answers with garbage: the rank drops the connection and goes on. */
static void test_garbage_from_worker(void) {
    fake_worker w = {.garbage_after_welcome = true};
    CHECK(fake_worker_start(&w, "{\"worker\": \"f\", \"contract\": {\"arrays\": {\"x\": {}}}, \"steer\": {}}",
                            false) == 0, "start");
    situ_ctx *ctx;
    CHECK(situ_init(MPI_COMM_WORLD, write_config(w.conn_path, "connect_timeout: 0.5\n"), &ctx) == SITU_OK,
          "%s", situ_errmsg(ctx));
    int64_t shape[1] = {8}, zero[1] = {0};
    float d[8] = {0};
    situ_array_define(ctx, "x", SITU_F32, 1, shape, zero, shape);
    for (int64_t s = 0; s < 30; ++s) {
        CHECK(situ_expose(ctx, "x", s, d) == SITU_OK, "%s", situ_errmsg(ctx));
        situ_step_end(ctx, s);
        usleep(2000);
    }
    situ_stats st;
    situ_get_stats(ctx, &st);
    CHECK(!st.attached, "still attached after garbage");
    situ_finalize(&ctx);
    fake_worker_join(&w);
    fake_worker_free(&w);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    test_bytes_and_region(false);
    test_bytes_and_region(true);
    test_steering();
    test_drop_oldest();
    test_garbage_from_worker();
    unlink(write_config("", ""));
    MPI_Finalize();
    printf("%s: %d failures\n", argv[0], failures);
    return failures ? 1 : 0;
}
