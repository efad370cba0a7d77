/* mdft: molecular density functional theory (HNC functional) on CPUs.
 *
 * Units: lengths in Angstrom, energies in kJ/mol, charges in e, temperature in K.
 * Every function that can fail returns an mdft status code (MDFT_OK == 0) and,
 * when given a non-NULL mdft_error, a message naming the key, file or line at fault.
 * The library keeps no global state and never prints. */
#ifndef MDFT_H
#define MDFT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  MDFT_OK = 0,
  MDFT_ERR_NOMEM,     /* allocation failed */
  MDFT_ERR_IO,        /* file missing, unreadable or unwritable */
  MDFT_ERR_PARSE,     /* malformed JSON or c(q) file */
  MDFT_ERR_INPUT,     /* well-formed but invalid input (key missing, value out of range) */
  MDFT_ERR_FFT,       /* FFTW could not plan */
  MDFT_ERR_NOT_CONVERGED,
  MDFT_ERR_STOPPED    /* the progress callback asked to stop */
};

typedef struct {
  int code;
  char msg[512];
} mdft_error;

const char *mdft_strerror(int code);

/* One interaction site (of the solute, or of a solvent molecule in its own frame). */
typedef struct {
  double x, y, z;
  double charge;  /* e */
  double sigma;   /* Angstrom */
  double epsilon; /* kJ/mol */
} mdft_site;

/* ---- solvent: sites, bulk density, direct correlation function c(q) ---- */
typedef struct mdft_solvent mdft_solvent;

/* Built-in models: "spce", "tip3p" (literature sites/charges/LJ, molecular
 * symmetry order 2, density of water at 298 K). */
int mdft_solvent_create_model(const char *name, mdft_solvent **out, mdft_error *err);
/* A custom solvent: sites in the molecular frame (symmetry axis z), rotational
 * symmetry order mrso >= 1 about z, bulk number density n0 (1/A^3). */
int mdft_solvent_create(int64_t nsite, const mdft_site *sites, int mrso, double n0,
                        mdft_solvent **out, mdft_error *err);
void mdft_solvent_free(mdft_solvent *s);
/* Projections c^{mn}_{mu nu khi}(q) of the direct correlation function, read from
 * the text format of Mini_MDFT (docs/mdft.md): the solvent owns them afterwards. */
int mdft_solvent_load_cq(mdft_solvent *s, const char *path, mdft_error *err);
/* Same, from memory: ne entries (m,n,mu,nu,khi in idx[5*e..]) tabulated on
 * q = iq*dq, iq < nq; value of entry e at iq is c[e*nq + iq] (real). */
int mdft_solvent_set_cq(mdft_solvent *s, int64_t ne, const int *idx, int64_t nq, double dq,
                        const double *c, mdft_error *err);
double mdft_solvent_density(const mdft_solvent *s);
int mdft_solvent_mrso(const mdft_solvent *s);

/* ---- isotropic solvents: 1D Ornstein-Zernike + HNC ---- */
typedef struct {
  int64_t nr;        /* radial points (power of two friendly), e.g. 4096 */
  double dr;         /* Angstrom */
  double temperature;
  double n0;         /* number density, 1/A^3 */
  int kind;          /* MDFT_FLUID_LJ or MDFT_FLUID_HS */
  double sigma, epsilon;
  double cutoff;     /* pair potential cut (no shift) beyond this; <= 0: none */
  double mix;        /* Picard mixing, e.g. 0.3 */
  double tol;        /* max |gamma change|, e.g. 1e-10 */
  int64_t max_iter;
} mdft_hnc_params;
enum { MDFT_FLUID_LJ = 0, MDFT_FLUID_HS = 1 };
/* Solves the bulk fluid; writes c(q) on q = iq*dq, iq < nr, dq = pi/(nr*dr)
 * into cq (length nr, caller-owned). g may be NULL, else g(r_i), r_i = i*dr. */
int mdft_hnc_bulk(const mdft_hnc_params *p, double *cq, double *dq, double *g,
                  mdft_error *err);
/* Writes c(q) in the projection file format (one entry, m=n=mu=nu=khi=0). */
int mdft_write_cq_isotropic(const char *path, int64_t nq, double dq, const double *cq,
                            const char *comment, mdft_error *err);
/* Infinite-dilution solute-solvent HNC for a spherical LJ solute in an isotropic
 * solvent of bulk c(q) (tabulated as above): returns the solvation free energy
 * (kJ/mol) and g_uv(r_i) on r_i = i*dr, i < p->nr (g may be NULL). The solute is
 * (sigma_u, eps_u) mixed with the solvent by Lorentz-Berthelot. */
int mdft_hnc_solute(const mdft_hnc_params *p, double sigma_u, double eps_u,
                    int64_t nq, double dq, const double *cq, double *dG, double *g,
                    mdft_error *err);

/* ---- calculation parameters (the dft.json keys) ---- */
typedef struct {
  int64_t boxnod[3];
  double boxlen[3];
  int mmax;                /* 0..6 */
  double temperature;      /* K */
  int64_t max_iter;        /* maximum_iteration_nbr */
  double precision_factor; /* tolerance on |F_k - F_{k-1}| is 1e-5 kJ/mol * factor */
  double charge_scale;     /* solute_charges_scale_factor */
  int hard_sphere;         /* hard_sphere_solute */
  double hs_radius;        /* hard_sphere_solute_radius */
  double lj_cutoff;        /* Angstrom; <= 0 means half the smallest box length */
  int lbfgs_m;             /* L-BFGS memory, default 5 */
  int threads;             /* 0: OpenMP default */
} mdft_params;
void mdft_params_default(mdft_params *p);

/* Reads dft.json (params, solvent) and solute.json (sites); a c(q) file named
 * by "cq_file" (relative to dft.json) is loaded into the solvent. */
int mdft_input_load(const char *dft_json, const char *solute_json, mdft_params *params,
                    mdft_solvent **solvent, mdft_site **solute, int64_t *nsite,
                    mdft_error *err);
/* The same with the c(q) file given by the caller, as Mini_MDFT's -luc_file (a path
 * as is, not relative to dft.json): used instead of "cq_file"; NULL: "cq_file" is required. */
int mdft_input_load_cq(const char *dft_json, const char *solute_json, const char *cq_file,
                       mdft_params *params, mdft_solvent **solvent, mdft_site **solute,
                       int64_t *nsite, mdft_error *err);

/* ---- solver ---- */
typedef struct mdft_solver mdft_solver;

typedef struct {
  double total, ideal, external, excess; /* kJ/mol; 0 for the bulk solvent */
} mdft_energy;

/* Per-iteration state handed to the progress callback (the seam for in situ
 * analytics): the density may be read through the solver while inside it. */
typedef struct {
  int64_t iter;
  int64_t nfeval;
  double f, df, gnorm;
  const mdft_solver *solver;
} mdft_progress;
typedef int (*mdft_progress_fn)(void *user, const mdft_progress *p); /* nonzero: stop */

typedef struct {
  mdft_energy energy;
  int64_t iterations, evaluations;
  int converged;
  double excess_number;      /* n0 * integral of h */
  double pmv;                /* partial molar volume, A^3 */
  double pressure_correction;/* kJ/mol, added to total in dG_pc */
  double dG_pc;              /* total + pressure_correction */
  double seconds;
  int64_t lbfgs_skipped;     /* iterations whose step showed no curvature (s.y <= 0): not
                                added to the L-BFGS history; all of them = steepest descent */
} mdft_result;

int mdft_solver_create(const mdft_params *p, const mdft_solvent *solvent,
                       const mdft_site *solute, int64_t nsite, mdft_solver **out,
                       mdft_error *err);
void mdft_solver_free(mdft_solver *s);
int mdft_solver_minimise(mdft_solver *s, mdft_progress_fn cb, void *user, mdft_result *res,
                         mdft_error *err);

/* Variables: x(r, o), rho = rho0 * x^2, at mdft_solver_index(s, r, o): blocks of 32
 * consecutive grid points, each block orientation-major (the layout the angular
 * transforms read without transposing). The gradient and V use the same layout. */
int64_t mdft_solver_nvar(const mdft_solver *s);
int64_t mdft_solver_norient(const mdft_solver *s);
double *mdft_solver_x(mdft_solver *s);
/* Offset of (grid point r, orientation o) in x, V and the gradient. */
int64_t mdft_solver_index(const mdft_solver *s, int64_t r, int64_t o);
/* F(x) and dF/dx (grad may be NULL). */
int mdft_solver_evaluate(mdft_solver *s, const double *x, double *grad, mdft_energy *e);
/* Orientation o: Euler angles (ZYZ) and quadrature weight (weights sum to 1). */
void mdft_solver_orientation(const mdft_solver *s, int64_t o, double euler[3], double *w);
/* Grid points and box lengths (A) per axis. */
void mdft_solver_box(const mdft_solver *s, int64_t n[3], double len[3]);
/* n(r)/n0 on the grid (length nx*ny*nz, x slowest). */
void mdft_solver_density(const mdft_solver *s, double *g);
/* n_s(r)/n0 of solvent site `site` (0-based, in the solvent's order), same grid and order as
 * mdft_solver_density: a site at the molecular centre (water's O) has the centre's density. */
int mdft_solver_site_density(const mdft_solver *s, int64_t site, double *n, mdft_error *err);
/* External potential V(r,o) (kJ/mol, same layout as x). */
const double *mdft_solver_potential(const mdft_solver *s);

/* Time spent in each phase of the functional since creation (seconds). */
typedef struct {
  double angular; /* local terms + orientations -> projections */
  double fft;     /* forward + backward 3D FFTs */
  double oz;      /* rotation to the q frame, OZ, rotation back */
  double back;    /* projections -> orientations + gradient */
  int64_t neval;
} mdft_timers;
void mdft_solver_timers(const mdft_solver *s, mdft_timers *t);
/* Times nrep forward+backward FFT batches alone (the FFT floor of one evaluation). */
double mdft_solver_fft_floor(mdft_solver *s, int nrep);

/* Outputs: summary.json, density.cube (n/n0), rdf.dat (per solute site). */
int mdft_write_outputs(const mdft_solver *s, const mdft_result *r, const char *dir,
                       mdft_error *err);

#ifdef __cplusplus
}
#endif
#endif
