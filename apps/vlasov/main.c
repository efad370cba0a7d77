/* vlasov — the Gysela-style proxy, instrumented with situ.
 *
 * Exposes the 4D distribution function "f" every step (what the analytics' fluid-moment
 * diagnostics reduce over v∥ and μ). --check compares the density after the run with
 * the exact solution and fails if the error exceeds --tol.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

#include "situ.h"
#include "vlasov.h"

static int parse(int argc, char **argv, vlasov_params *p, int64_t *steps, int *check,
                 double *tol, const char **config, const char **moments, const char **timeline) {
    *p = (vlasov_params){.nx = 32, .ny = 32, .nv = 32, .nmu = 8, .cfl = 0.8};
    *steps = 50, *check = 0, *tol = 1e-3, *config = NULL, *moments = NULL, *timeline = NULL;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--check")) { *check = 1; continue; }
        if (!v) { fprintf(stderr, "vlasov: %s needs a value\n", a); return -1; }
        char *end = NULL;
        if (!strcmp(a, "--nx")) p->nx = strtoll(v, &end, 10);
        else if (!strcmp(a, "--ny")) p->ny = strtoll(v, &end, 10);
        else if (!strcmp(a, "--nv")) p->nv = strtoll(v, &end, 10);
        else if (!strcmp(a, "--nmu")) p->nmu = strtoll(v, &end, 10);
        else if (!strcmp(a, "--px")) p->px = (int)strtol(v, &end, 10);
        else if (!strcmp(a, "--py")) p->py = (int)strtol(v, &end, 10);
        else if (!strcmp(a, "--cfl")) p->cfl = strtod(v, &end);
        else if (!strcmp(a, "--steps")) *steps = strtoll(v, &end, 10);
        else if (!strcmp(a, "--tol")) *tol = strtod(v, &end);
        else if (!strcmp(a, "--config")) { *config = v; end = (char *)v + strlen(v); }
        else if (!strcmp(a, "--moments")) { *moments = v; end = (char *)v + strlen(v); }
        else if (!strcmp(a, "--timeline")) { *timeline = v; end = (char *)v + strlen(v); }
        else { fprintf(stderr, "vlasov: unknown option %s\n", a); return -1; }
        if (!end || *end) { fprintf(stderr, "vlasov: bad value '%s' for %s\n", v, a); return -1; }
        ++i;
    }
    return 0;
}

/* Max relative error of the density against the exact solution f0(x - v t, y - c μ t). */
/* --moments FILE: the solver's own moments after the run — density n, mean parallel
 * velocity u, temperature T — gathered on rank 0 and written as raw float64, shape
 * (3, gnx, gny) in C order: what the tests compare the analytics' results with. */
static void write_moments(const vlasov *s, const char *path) {
    int64_t nc = s->nx * s->ny, ng = s->gnx * s->gny;
    double *m = malloc((size_t)nc * 3 * sizeof(double));
    vlasov_moments(s, m, m + nc, m + 2 * nc);
    int rank, size;
    MPI_Comm_rank(s->cart, &rank);
    MPI_Comm_size(s->cart, &size);
    int64_t box[4] = {s->x0, s->y0, s->nx, s->ny}, *boxes = NULL;
    double *all = NULL;
    int *counts = NULL, *displs = NULL;
    if (rank == 0) {
        boxes = malloc((size_t)size * 4 * sizeof(int64_t));
        counts = malloc((size_t)size * sizeof(int));
        displs = malloc((size_t)size * sizeof(int));
        all = malloc((size_t)(3 * ng) * sizeof(double));
    }
    MPI_Gather(box, 4, MPI_INT64_T, boxes, 4, MPI_INT64_T, 0, s->cart);
    if (rank == 0)
        for (int r = 0, off = 0; r < size; off += counts[r++]) {
            counts[r] = (int)(3 * boxes[4 * r + 2] * boxes[4 * r + 3]);
            displs[r] = off;
        }
    MPI_Gatherv(m, (int)(3 * nc), MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, s->cart);
    if (rank == 0) {
        double *grid = malloc((size_t)(3 * ng) * sizeof(double));
        for (int r = 0; r < size; ++r) {
            const int64_t *b = boxes + 4 * r, bn = b[2] * b[3];
            for (int q = 0; q < 3; ++q)
                for (int64_t i = 0; i < b[2]; ++i)
                    for (int64_t j = 0; j < b[3]; ++j)
                        grid[q * ng + (b[0] + i) * s->gny + b[1] + j] = all[displs[r] + q * bn + i * b[3] + j];
        }
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(grid, sizeof(double), (size_t)(3 * ng), f) != (size_t)(3 * ng))
            fprintf(stderr, "vlasov: cannot write %s\n", path);
        if (f) fclose(f);
        free(grid);
    }
    free(m); free(all); free(boxes); free(counts); free(displs);
}

static double density_error(const vlasov *s, double time) {
    int64_t nc = s->nx * s->ny;
    double *n = malloc((size_t)nc * 3 * sizeof(double)), err = 0;
    vlasov_moments(s, n, n + nc, n + 2 * nc);
    for (int64_t i = 0; i < s->nx; ++i)
        for (int64_t j = 0; j < s->ny; ++j) {
            double x = (double)(s->x0 + i) * s->dx, y = (double)(s->y0 + j) * s->dy, exact = 0;
            for (int64_t k = 0; k < s->nv; ++k)
                for (int64_t m = 0; m < s->nmu; ++m) {
                    double v = -s->vmax + (double)k * s->dv, mu = ((double)m + 0.5) * s->dmu;
                    exact += vlasov_f0(s, x - v * time, y - s->drift * mu * time, v, mu);
                }
            exact *= s->dv * s->dmu;
            err = fmax(err, fabs(n[i * s->ny + j] - exact) / exact);
        }
    free(n);
    double global;
    MPI_Allreduce(&err, &global, 1, MPI_DOUBLE, MPI_MAX, s->cart);
    return global;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    vlasov_params p;
    int64_t steps;
    int check;
    double tol;
    const char *config, *moments, *timeline_path;
    vlasov s;
    if (parse(argc, argv, &p, &steps, &check, &tol, &config, &moments, &timeline_path) ||
        vlasov_init(&s, MPI_COMM_WORLD, &p)) {
        if (rank == 0)
            fprintf(stderr, "usage: vlasov [--nx N --ny N --nv N --nmu N] [--px P --py P] [--cfl C]\n"
                            "              [--steps N] [--check [--tol E]] [--config situ.yml] [--moments FILE]\n"
                            "              [--timeline FILE]\n");
        MPI_Finalize();
        return 2;
    }
    situ_ctx *ctx = NULL;
    int rc = situ_init(s.cart, config, &ctx);
    if (rc < 0) {
        fprintf(stderr, "vlasov: situ_init: %s (%s)\n", situ_strerror(rc), situ_errmsg(ctx));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    const int64_t shape[4] = {p.nx, p.ny, p.nv, p.nmu}, start[4] = {s.x0, s.y0, 0, 0},
                  count[4] = {s.nx, s.ny, p.nv, p.nmu};
    rc = situ_array_define(ctx, "f", SITU_F64, 4, shape, start, count);
    if (rc < 0) fprintf(stderr, "vlasov: define f: %s\n", situ_errmsg(ctx));
    /* --timeline: rank 0 logs the wall-clock end of each step (time to result in bench/) */
    FILE *timeline = rank == 0 && timeline_path ? fopen(timeline_path, "w") : NULL;
    double t0 = MPI_Wtime();
    for (int64_t step = 0; step < steps; ++step) {
        vlasov_step(&s);
        if ((rc = situ_expose(ctx, "f", step, s.f)) < 0) fprintf(stderr, "vlasov: %s\n", situ_errmsg(ctx));
        situ_step_end(ctx, step);
        if (timeline) {
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            fprintf(timeline, "%lld %.6f\n", (long long)step, (double)now.tv_sec + 1e-9 * (double)now.tv_nsec);
        }
    }
    double elapsed = MPI_Wtime() - t0;
    if (timeline) fclose(timeline);
    situ_finalize(&ctx);
    if (moments) write_moments(&s, moments);
    int status = 0;
    if (check) {
        double err = density_error(&s, (double)steps * s.dt);
        if (rank == 0)
            fprintf(stderr, "vlasov: density error after %lld steps (t = %.3f): %.3e (tol %.1e)\n",
                    (long long)steps, (double)steps * s.dt, err, tol);
        status = err <= tol ? 0 : 1;
    }
    if (rank == 0)
        fprintf(stderr, "vlasov: %lld steps of %lldx%lldx%lldx%lld in %.3f s\n", (long long)steps,
                (long long)p.nx, (long long)p.ny, (long long)p.nv, (long long)p.nmu, elapsed);
    vlasov_free(&s);
    MPI_Finalize();
    return status;
}
