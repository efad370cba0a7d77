/* heat2d — explicit 2D heat equation on an MPI Cartesian grid, instrumented with situ.
 *
 *   dT/dt = alpha ∇²T + q·S(x, y),   T = 0 on the boundary of [0,1]²,
 *
 * S a Gaussian bump at the centre, q the source strength (steerable as "source").
 * Every step exposes the rank's block of "temperature"; the analytics' contract
 * decides which steps and which part actually leave the process.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

#include "situ.h"
#include "solver.h"

typedef struct {
    int64_t nx, ny, steps, steer_every;
    double alpha, source;
    int px, py, quiet;
    const char *config, *timeline;
} options;

static int parse(int argc, char **argv, options *o) {
    *o = (options){.nx = 256, .ny = 256, .steps = 200, .alpha = 1.0, .source = 50.0,
                   .steer_every = 10};
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quiet")) { o->quiet = 1; continue; }
        if (!v) { fprintf(stderr, "heat2d: %s needs a value\n", a); return -1; }
        char *end = NULL;
        if (!strcmp(a, "--nx")) o->nx = strtoll(v, &end, 10);
        else if (!strcmp(a, "--ny")) o->ny = strtoll(v, &end, 10);
        else if (!strcmp(a, "--steps")) o->steps = strtoll(v, &end, 10);
        else if (!strcmp(a, "--steer-every")) o->steer_every = strtoll(v, &end, 10);
        else if (!strcmp(a, "--alpha")) o->alpha = strtod(v, &end);
        else if (!strcmp(a, "--source")) o->source = strtod(v, &end);
        else if (!strcmp(a, "--px")) o->px = (int)strtol(v, &end, 10);
        else if (!strcmp(a, "--py")) o->py = (int)strtol(v, &end, 10);
        else if (!strcmp(a, "--config")) { o->config = v; end = (char *)v + strlen(v); }
        else if (!strcmp(a, "--timeline")) { o->timeline = v; end = (char *)v + strlen(v); }
        else { fprintf(stderr, "heat2d: unknown option %s\n", a); return -1; }
        if (!end || *end) { fprintf(stderr, "heat2d: bad value '%s' for %s\n", v, a); return -1; }
        ++i;
    }
    if (o->nx < 1 || o->ny < 1 || o->steps < 0 || o->alpha <= 0) {
        fprintf(stderr, "heat2d: need nx, ny >= 1, steps >= 0, alpha > 0\n");
        return -1;
    }
    return 0;
}

static void report(situ_ctx *ctx, const char *what, int rc) {
    if (rc < 0) fprintf(stderr, "heat2d: %s: %s (%s)\n", what, situ_strerror(rc), situ_errmsg(ctx));
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    options o;
    heat2d h;
    if (parse(argc, argv, &o) ||
        heat2d_init(&h, MPI_COMM_WORLD, o.nx, o.ny, o.px, o.py, o.alpha)) {
        if (rank == 0)
            fprintf(stderr, "usage: heat2d [--nx N] [--ny N] [--steps N] [--alpha A] [--source Q]\n"
                            "              [--px P --py P] [--steer-every K] [--config situ.yml] [--timeline FILE] [--quiet]\n");
        MPI_Finalize();
        return 2;
    }
    situ_ctx *ctx = NULL;
    int rc = situ_init(h.cart, o.config, &ctx);
    if (rc < 0) {
        report(ctx, "situ_init", rc);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    const int64_t shape[2] = {o.nx, o.ny}, start[2] = {h.x0, h.y0}, count[2] = {h.nx, h.ny};
    report(ctx, "situ_array_define",
           situ_array_define(ctx, "temperature", SITU_F64, 2, shape, start, count));

    /* --timeline: rank 0 logs the wall-clock end of each step (time-to-result in bench/) */
    FILE *timeline = rank == 0 && o.timeline ? fopen(o.timeline, "w") : NULL;
    double q = o.source, t0 = MPI_Wtime(), situ_time = 0;
    for (int64_t step = 0; step < o.steps; ++step) {
        heat2d_step(&h, q);
        double ts = MPI_Wtime();
        report(ctx, "situ_expose", situ_expose(ctx, "temperature", step, h.T));
        report(ctx, "situ_step_end", situ_step_end(ctx, step));
        situ_time += MPI_Wtime() - ts;
        if (timeline) {
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            fprintf(timeline, "%lld %.6f\n", (long long)step, (double)now.tv_sec + 1e-9 * (double)now.tv_nsec);
        }
        /* Rank 0 reads the steering value and shares it, so all ranks switch together. */
        if (o.steer_every > 0 && step % o.steer_every == 0) {
            double v = q;
            if (rank == 0) situ_steer_get_f64(ctx, "source", &v);
            MPI_Bcast(&v, 1, MPI_DOUBLE, 0, h.cart);
            if (v != q && rank == 0 && !o.quiet)
                fprintf(stderr, "heat2d: step %lld: source steered %g -> %g\n", (long long)step, q, v);
            q = v;
        }
    }
    double elapsed = MPI_Wtime() - t0, max_elapsed, max_situ, max_wait, max_copy;
    situ_stats st = {0};
    situ_flush(ctx, -1);
    situ_get_stats(ctx, &st);
    MPI_Reduce(&elapsed, &max_elapsed, 1, MPI_DOUBLE, MPI_MAX, 0, h.cart);
    MPI_Reduce(&situ_time, &max_situ, 1, MPI_DOUBLE, MPI_MAX, 0, h.cart);
    MPI_Reduce(&st.wait_seconds, &max_wait, 1, MPI_DOUBLE, MPI_MAX, 0, h.cart);
    MPI_Reduce(&st.copy_seconds, &max_copy, 1, MPI_DOUBLE, MPI_MAX, 0, h.cart);
    int64_t bytes = st.bytes_sent, total = 0;
    MPI_Reduce(&bytes, &total, 1, MPI_INT64_T, MPI_SUM, 0, h.cart);
    report(ctx, "situ_finalize", situ_finalize(&ctx));
    if (rank == 0 && !o.quiet)
        fprintf(stderr,
                "heat2d: %lld steps of %lldx%lld on %dx%d ranks in %.3f s (%.3f ms/step), "
                "situ calls %.6f s (waiting for staging %.6f s, copying %.6f s), %.1f MiB sent\n",
                (long long)o.steps, (long long)o.nx, (long long)o.ny, h.dims[0], h.dims[1],
                max_elapsed, 1e3 * max_elapsed / (double)(o.steps ? o.steps : 1), max_situ, max_wait, max_copy,
                (double)total / 1048576.0);
    if (timeline) fclose(timeline);
    heat2d_free(&h);
    MPI_Finalize();
    return 0;
}
