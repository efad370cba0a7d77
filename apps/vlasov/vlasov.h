/* A Gysela-style proxy: a 4D distribution function f(x, y, v∥, μ) on MPI ranks
 * (decomposed in x and y), advected by parallel streaming along x and a μ-dependent
 * drift along y:
 *
 *   ∂f/∂t + v∥ ∂f/∂x + c μ ∂f/∂y = 0      (periodic in x and y)
 *
 * whose exact solution f0(x − v∥t, y − cμt, v∥, μ) lets the tests check the solver.
 * Semi-Lagrangian, dimension-split, cubic Lagrange interpolation, 2-cell halos.
 */
#ifndef VLASOV_H
#define VLASOV_H
#include <mpi.h>
#include <stdint.h>

typedef struct vlasov {
    MPI_Comm cart;
    int dims[2], coords[2], nbr[2][2]; /* nbr[d][0]: lower neighbour in dim d */
    int64_t gnx, gny, nv, nmu;         /* global grid */
    int64_t x0, y0, nx, ny;            /* this rank's block in x, y (v, μ whole) */
    double lx, ly, vmax, mumax, drift; /* box, velocity range, μ range, c */
    double dx, dy, dv, dmu, dt;
    double *f;                         /* [nx][ny][nv][nmu], contiguous */
    double *g;                         /* ghosted work array [nx+4][ny+4][nv][nmu] */
    MPI_Datatype face[2][2][2];        /* [dim][send/recv][low/high] halo faces of g */
} vlasov;

typedef struct vlasov_params {
    int64_t nx, ny, nv, nmu;
    int px, py;
    double cfl; /* |v| dt / dx at vmax, < 1 keeps the stencil inside the 2-cell halos */
} vlasov_params;

int vlasov_init(vlasov *s, MPI_Comm comm, const vlasov_params *p);
/* The initial condition: perturbed Maxwellian, also the exact solution's shape. */
double vlasov_f0(const vlasov *s, double x, double y, double v, double mu);
void vlasov_step(vlasov *s);
/* Local fluid moments of the block: density, mean parallel velocity, temperature,
 * each [nx][ny]. */
void vlasov_moments(const vlasov *s, double *n, double *u, double *t);
void vlasov_free(vlasov *s);
#endif
