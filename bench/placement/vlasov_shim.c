/* The vlasov solver behind a flat C ABI for ctypes: how the Deisa baseline (which needs
 * Python in every rank) drives the very same solver as the C runs. Built by run.py. */
#include <stdlib.h>

#include <mpi.h>

#include "vlasov.h"

vlasov *shim_create(int64_t nx, int64_t ny, int64_t nv, int64_t nmu) {
    vlasov *s = calloc(1, sizeof *s);
    vlasov_params p = {.nx = nx, .ny = ny, .nv = nv, .nmu = nmu, .cfl = 0.8};
    if (s && vlasov_init(s, MPI_COMM_WORLD, &p)) {
        free(s);
        return NULL;
    }
    return s;
}
void shim_step(vlasov *s) { vlasov_step(s); }
double *shim_field(vlasov *s) { return s->f; }
void shim_block(const vlasov *s, int64_t out[4]) {
    out[0] = s->x0, out[1] = s->y0, out[2] = s->nx, out[3] = s->ny;
}
void shim_destroy(vlasov *s) {
    vlasov_free(s);
    free(s);
}
