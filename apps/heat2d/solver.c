#include "solver.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Split n points over p parts as evenly as possible (the first n % p get one more). */
static void split(int64_t n, int p, int c, int64_t *start, int64_t *count) {
    int64_t base = n / p, extra = n % p;
    *count = base + (c < extra);
    *start = c * base + (c < extra ? c : extra);
}

int heat2d_init(heat2d *h, MPI_Comm comm, int64_t gnx, int64_t gny, int px, int py, double alpha) {
    int size, rank;
    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(comm, &rank);
    *h = (heat2d){.gnx = gnx, .gny = gny, .dims = {px, py}};
    if (px && py && px * py != size) {
        if (rank == 0) fprintf(stderr, "heat2d: px*py = %d but %d ranks\n", px * py, size);
        return -1;
    }
    int periods[2] = {0, 0};
    MPI_Dims_create(size, 2, h->dims);
    MPI_Cart_create(comm, 2, h->dims, periods, 0, &h->cart);
    MPI_Comm_rank(h->cart, &rank);
    MPI_Cart_coords(h->cart, rank, 2, h->coords);
    MPI_Cart_shift(h->cart, 0, 1, &h->north, &h->south);
    MPI_Cart_shift(h->cart, 1, 1, &h->west, &h->east);
    split(gnx, h->dims[0], h->coords[0], &h->x0, &h->nx);
    split(gny, h->dims[1], h->coords[1], &h->y0, &h->ny);
    if (gnx < h->dims[0] || gny < h->dims[1]) {
        if (rank == 0)
            fprintf(stderr, "heat2d: a %lldx%lld grid cannot be split over %dx%d ranks\n",
                    (long long)gnx, (long long)gny, h->dims[0], h->dims[1]);
        MPI_Comm_free(&h->cart);
        return -1;
    }
    size_t n = (size_t)(h->nx * h->ny);
    h->T = calloc(n, sizeof(double));
    h->Tn = calloc(n, sizeof(double));
    h->S = calloc(n, sizeof(double));
    h->hn = calloc((size_t)h->ny + 1, sizeof(double));
    h->hs = calloc((size_t)h->ny + 1, sizeof(double));
    h->hw = calloc((size_t)h->nx + 1, sizeof(double));
    h->he = calloc((size_t)h->nx + 1, sizeof(double));
    h->cw = calloc((size_t)h->nx + 1, sizeof(double));
    h->ce = calloc((size_t)h->nx + 1, sizeof(double));
    if (!h->T || !h->Tn || !h->S || !h->hn || !h->hs || !h->hw || !h->he || !h->cw || !h->ce) {
        fprintf(stderr, "heat2d: out of memory for a %lldx%lld block\n", (long long)h->nx,
                (long long)h->ny);
        heat2d_free(h);
        return -1;
    }
    const double dx = 1.0 / (double)(gnx + 1);
    h->dt = 0.2 * dx * dx / alpha; /* explicit scheme is stable up to 0.25 */
    h->r = alpha * h->dt / (dx * dx);
    for (int64_t i = 0; i < h->nx; ++i)
        for (int64_t j = 0; j < h->ny; ++j) {
            double x = (double)(h->x0 + i + 1) * dx - 0.5, y = (double)(h->y0 + j + 1) * dx - 0.5;
            h->S[i * h->ny + j] = exp(-(x * x + y * y) / (2 * 0.05 * 0.05));
        }
    return 0;
}

static void exchange_halos(heat2d *h) {
    const int64_t nx = h->nx, ny = h->ny;
    const double *T = h->T;
    for (int64_t i = 0; i < nx; ++i) {
        h->cw[i] = T[i * ny];
        h->ce[i] = T[i * ny + ny - 1];
    }
    /* Out-of-domain neighbours are MPI_PROC_NULL: those halos stay 0 (Dirichlet). */
    MPI_Sendrecv(T, (int)ny, MPI_DOUBLE, h->north, 0, h->hs, (int)ny, MPI_DOUBLE, h->south, 0,
                 h->cart, MPI_STATUS_IGNORE);
    MPI_Sendrecv(T + (nx - 1) * ny, (int)ny, MPI_DOUBLE, h->south, 1, h->hn, (int)ny, MPI_DOUBLE,
                 h->north, 1, h->cart, MPI_STATUS_IGNORE);
    MPI_Sendrecv(h->cw, (int)nx, MPI_DOUBLE, h->west, 2, h->he, (int)nx, MPI_DOUBLE, h->east, 2,
                 h->cart, MPI_STATUS_IGNORE);
    MPI_Sendrecv(h->ce, (int)nx, MPI_DOUBLE, h->east, 3, h->hw, (int)nx, MPI_DOUBLE, h->west, 3,
                 h->cart, MPI_STATUS_IGNORE);
}

void heat2d_step(heat2d *h, double q) {
    exchange_halos(h);
    const int64_t nx = h->nx, ny = h->ny;
    const double r = h->r, dq = h->dt * q;
    const double *T = h->T, *S = h->S;
    for (int64_t i = 0; i < nx; ++i) {
        const double *up = i > 0 ? T + (i - 1) * ny : h->hn;
        const double *dn = i < nx - 1 ? T + (i + 1) * ny : h->hs;
        const double *row = T + i * ny, *src = S + i * ny;
        double *out = h->Tn + i * ny;
        /* edges apart so the interior loop vectorises */
        out[0] = row[0] + r * (up[0] + dn[0] + h->hw[i] + (ny > 1 ? row[1] : h->he[i]) - 4 * row[0]) +
                 dq * src[0];
        for (int64_t j = 1; j < ny - 1; ++j)
            out[j] = row[j] + r * (up[j] + dn[j] + row[j - 1] + row[j + 1] - 4 * row[j]) + dq * src[j];
        if (ny > 1) {
            const int64_t j = ny - 1;
            out[j] = row[j] + r * (up[j] + dn[j] + row[j - 1] + h->he[i] - 4 * row[j]) + dq * src[j];
        }
    }
    double *tmp = h->T;
    h->T = h->Tn;
    h->Tn = tmp;
}

void heat2d_free(heat2d *h) {
    free(h->T); free(h->Tn); free(h->S);
    free(h->hn); free(h->hs); free(h->hw); free(h->he); free(h->cw); free(h->ce);
    if (h->cart != MPI_COMM_NULL && h->cart) MPI_Comm_free(&h->cart);
    *h = (heat2d){0};
}
