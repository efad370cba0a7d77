#include "vlasov.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double PI = 3.14159265358979323846;

static void split(int64_t n, int p, int c, int64_t *start, int64_t *count) {
    int64_t base = n / p, extra = n % p;
    *count = base + (c < extra);
    *start = c * base + (c < extra ? c : extra);
}

double vlasov_f0(const vlasov *s, double x, double y, double v, double mu) {
    const double kx = 2 * PI / s->lx, ky = 2 * PI / s->ly;
    double n = 1.0 + 0.2 * cos(kx * x) * cos(ky * y);
    double t = 1.0 + 0.1 * sin(kx * x);
    return n / sqrt(2 * PI * t) * exp(-v * v / (2 * t)) * exp(-mu / t) / t;
}

/* g is [nx+4][ny+4][nv][nmu]; faces are 2-cell slabs in x (dim 0) or y (dim 1). */
static void make_faces(vlasov *s) {
    int sizes[4] = {(int)s->nx + 4, (int)s->ny + 4, (int)s->nv, (int)s->nmu};
    for (int d = 0; d < 2; ++d)
        for (int dir = 0; dir < 2; ++dir)
            for (int side = 0; side < 2; ++side) {
                int sub[4] = {(int)s->nx, (int)s->ny, (int)s->nv, (int)s->nmu};
                int start[4] = {2, 2, 0, 0};
                int n = d == 0 ? (int)s->nx : (int)s->ny;
                sub[d] = 2;
                /* send: our first/last two interior cells; recv: the ghosts beyond them */
                if (dir == 0) start[d] = side == 0 ? 2 : n;
                else start[d] = side == 0 ? 0 : n + 2;
                MPI_Type_create_subarray(4, sizes, sub, start, MPI_ORDER_C, MPI_DOUBLE,
                                         &s->face[d][dir][side]);
                MPI_Type_commit(&s->face[d][dir][side]);
            }
}

int vlasov_init(vlasov *s, MPI_Comm comm, const vlasov_params *p) {
    int size, rank, periods[2] = {1, 1};
    MPI_Comm_size(comm, &size);
    *s = (vlasov){.gnx = p->nx, .gny = p->ny, .nv = p->nv, .nmu = p->nmu,
                  .dims = {p->px, p->py}, .lx = 2 * PI, .ly = 2 * PI, .vmax = 5.0,
                  .mumax = 6.0, .drift = 0.3};
    MPI_Dims_create(size, 2, s->dims);
    MPI_Cart_create(comm, 2, s->dims, periods, 0, &s->cart);
    MPI_Comm_rank(s->cart, &rank);
    MPI_Cart_coords(s->cart, rank, 2, s->coords);
    for (int d = 0; d < 2; ++d) MPI_Cart_shift(s->cart, d, 1, &s->nbr[d][0], &s->nbr[d][1]);
    split(p->nx, s->dims[0], s->coords[0], &s->x0, &s->nx);
    split(p->ny, s->dims[1], s->coords[1], &s->y0, &s->ny);
    if (s->nx < 2 || s->ny < 2 || p->nv < 2 || p->nmu < 1 || p->cfl <= 0 || p->cfl >= 1) {
        if (rank == 0)
            fprintf(stderr, "vlasov: need >= 2 cells per rank in x and y, nv >= 2, nmu >= 1, "
                            "0 < cfl < 1\n");
        MPI_Comm_free(&s->cart);
        return -1;
    }
    s->dx = s->lx / (double)p->nx;
    s->dy = s->ly / (double)p->ny;
    s->dv = 2 * s->vmax / (double)(p->nv - 1);
    s->dmu = s->mumax / (double)p->nmu;
    double vy = s->drift * s->mumax;
    s->dt = p->cfl * fmin(s->dx / s->vmax, s->dy / vy);
    size_t cell = (size_t)(s->nv * s->nmu);
    s->f = malloc((size_t)(s->nx * s->ny) * cell * sizeof(double));
    s->g = calloc((size_t)((s->nx + 4) * (s->ny + 4)) * cell, sizeof(double));
    if (!s->f || !s->g) {
        fprintf(stderr, "vlasov: out of memory\n");
        free(s->f); free(s->g);
        MPI_Comm_free(&s->cart);
        return -1;
    }
    for (int64_t i = 0; i < s->nx; ++i)
        for (int64_t j = 0; j < s->ny; ++j)
            for (int64_t k = 0; k < s->nv; ++k)
                for (int64_t m = 0; m < s->nmu; ++m) {
                    double x = (double)(s->x0 + i) * s->dx, y = (double)(s->y0 + j) * s->dy;
                    double v = -s->vmax + (double)k * s->dv, mu = ((double)m + 0.5) * s->dmu;
                    s->f[((i * s->ny + j) * s->nv + k) * s->nmu + m] = vlasov_f0(s, x, y, v, mu);
                }
    make_faces(s);
    return 0;
}

/* Copy f into g's interior and fill g's ghosts along dim d from the neighbours. */
static void fill_ghosts(vlasov *s, int d) {
    const int64_t cell = s->nv * s->nmu, gny = s->ny + 4;
    for (int64_t i = 0; i < s->nx; ++i)
        memcpy(s->g + ((i + 2) * gny + 2) * cell, s->f + i * s->ny * cell,
               (size_t)(s->ny * cell) * sizeof(double));
    MPI_Sendrecv(s->g, 1, s->face[d][0][0], s->nbr[d][0], 0, s->g, 1, s->face[d][1][1],
                 s->nbr[d][1], 0, s->cart, MPI_STATUS_IGNORE);
    MPI_Sendrecv(s->g, 1, s->face[d][0][1], s->nbr[d][1], 1, s->g, 1, s->face[d][1][0],
                 s->nbr[d][0], 1, s->cart, MPI_STATUS_IGNORE);
}

/* Cubic Lagrange interpolation at offset a ∈ [0,1) between p0 and p1. */
static inline double lagrange3(double pm1, double p0, double p1, double p2, double a) {
    return -a * (a - 1) * (a - 2) / 6 * pm1 + (a + 1) * (a - 1) * (a - 2) / 2 * p0 -
           (a + 1) * a * (a - 2) / 2 * p1 + (a + 1) * a * (a - 1) / 6 * p2;
}

/* Semi-Lagrangian shift along dim d: f(x) <- f(x - w dt), |w dt| <= one cell. */
static void advect(vlasov *s, int d) {
    fill_ghosts(s, d);
    const int64_t nv = s->nv, nmu = s->nmu, cell = nv * nmu, gny = s->ny + 4;
    const int64_t stride = d == 0 ? gny * cell : cell; /* g stride of one cell along d */
#pragma omp parallel for collapse(2)
    for (int64_t i = 0; i < s->nx; ++i)
        for (int64_t j = 0; j < s->ny; ++j)
            for (int64_t k = 0; k < nv; ++k)
                for (int64_t m = 0; m < nmu; ++m) {
                    double w = d == 0 ? -s->vmax + (double)k * s->dv
                                      : s->drift * ((double)m + 0.5) * s->dmu;
                    double shift = w * s->dt / (d == 0 ? s->dx : s->dy); /* in cells */
                    int64_t base = floor(-shift);   /* departure point = base + a */
                    double a = -shift - (double)base;
                    const double *q = s->g + ((i + 2) * gny + (j + 2)) * cell + k * nmu + m +
                                      base * stride;
                    s->f[((i * s->ny + j) * nv + k) * nmu + m] =
                        lagrange3(q[-stride], q[0], q[stride], q[2 * stride], a);
                }
}

void vlasov_step(vlasov *s) {
    advect(s, 0);
    advect(s, 1);
}

void vlasov_moments(const vlasov *s, double *n, double *u, double *t) {
    const int64_t nv = s->nv, nmu = s->nmu;
    for (int64_t c = 0; c < s->nx * s->ny; ++c) {
        const double *fc = s->f + c * nv * nmu;
        double m0 = 0, m1 = 0, m2 = 0;
        for (int64_t k = 0; k < nv; ++k) {
            double v = -s->vmax + (double)k * s->dv, fk = 0;
            for (int64_t m = 0; m < nmu; ++m) fk += fc[k * nmu + m];
            m0 += fk, m1 += v * fk, m2 += v * v * fk;
        }
        m0 *= s->dv * s->dmu, m1 *= s->dv * s->dmu, m2 *= s->dv * s->dmu;
        n[c] = m0;
        u[c] = m1 / m0;
        t[c] = m2 / m0 - u[c] * u[c];
    }
}

void vlasov_free(vlasov *s) {
    for (int d = 0; d < 2; ++d)
        for (int dir = 0; dir < 2; ++dir)
            for (int side = 0; side < 2; ++side)
                if (s->face[d][dir][side] != MPI_DATATYPE_NULL && s->face[d][dir][side])
                    MPI_Type_free(&s->face[d][dir][side]);
    free(s->f);
    free(s->g);
    if (s->cart) MPI_Comm_free(&s->cart);
    *s = (vlasov){0};
}
