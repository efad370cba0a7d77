/* The heat2d solver, shared by the instrumented app and the benchmark variants. */
#ifndef HEAT2D_SOLVER_H
#define HEAT2D_SOLVER_H
#include <mpi.h>
#include <stdint.h>

typedef struct heat2d {
    MPI_Comm cart;
    int dims[2], coords[2];
    int north, south, west, east;
    int64_t gnx, gny;          /* global grid */
    int64_t x0, y0, nx, ny;    /* this rank's block */
    double r, dt;              /* alpha dt / h², time step */
    double *T, *Tn, *S;        /* block (contiguous, row-major), next, source shape */
    double *hn, *hs, *hw, *he, *cw, *ce; /* halos and packed columns */
} heat2d;

/* Collective. px, py may be 0 (MPI_Dims_create chooses). Returns 0 or -1 (message on stderr). */
int heat2d_init(heat2d *h, MPI_Comm comm, int64_t nx, int64_t ny, int px, int py, double alpha);
/* One explicit Euler step with source strength q; h->T holds the new field after. */
void heat2d_step(heat2d *h, double q);
void heat2d_free(heat2d *h);
#endif
