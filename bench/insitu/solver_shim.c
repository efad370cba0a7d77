/* The heat2d solver behind a flat C ABI for ctypes: how the Deisa baseline (which needs
 * Python in every rank) drives the very same solver as the C runs. */
#include <stdlib.h>

#include <mpi.h>

#include "solver.h"

heat2d *shim_create(int64_t nx, int64_t ny) {
    heat2d *h = calloc(1, sizeof *h);
    if (h && heat2d_init(h, MPI_COMM_WORLD, nx, ny, 0, 0, 1.0)) {
        free(h);
        return NULL;
    }
    return h;
}
void shim_step(heat2d *h, double q) { heat2d_step(h, q); }
double *shim_field(heat2d *h) { return h->T; }
void shim_block(const heat2d *h, int64_t out[4]) {
    out[0] = h->x0, out[1] = h->y0, out[2] = h->nx, out[3] = h->ny;
}
void shim_destroy(heat2d *h) {
    heat2d_free(h);
    free(h);
}
