/* The solver: owns grids, tables, the variables x (rho = rho0 x^2), the
 * external potential, and evaluates the functional
 *   F = kT int rho ln(rho/rho0) - rho + rho0  +  int rho V
 *       - kT/2 int int drho(1) c(1,2) drho(2)          (HNC)
 * with its gradient, then minimises it. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "stream.h"

struct mdft_solver {
  mdft_params par;
  mdft_grid grid;
  mdft_angles ang;
  mdft_wigner wig;
  mdft_proj proj;
  mdft_oz oz;
  mdft_fft fft;
  mdft_site *solv, *solu;
  int64_t nsv, nsu;
  double n0, kT, c0;
  double *x, *v;
  double complex *buf;  /* np x N projection fields */
  double *work;         /* per thread: projection scratch + one orientation vector */
  int64_t wstride;
  int nthreads;
  mdft_timers tm;
};

void mdft_params_default(mdft_params *p) {
  memset(p, 0, sizeof *p);
  for (int d = 0; d < 3; d++) { p->boxnod[d] = 64; p->boxlen[d] = 30; }
  p->mmax = 1;
  p->temperature = 298;
  p->max_iter = 100;
  p->precision_factor = 1;
  p->charge_scale = 1;
  p->lbfgs_m = 5;
}

void mdft_solver_free(mdft_solver *s) {
  if (!s) return;
  mdft_fft_free(&s->fft);
  mdft_oz_free(&s->oz);
  mdft_proj_free(&s->proj);
  mdft_wigner_free(&s->wig);
  mdft_angles_free(&s->ang);
  free(s->solv); free(s->solu); free(s->x); free(s->v); free(s->work);
  fftw_free(s->buf);
  free(s);
}

/* point-major (orientation fastest) -> the solver's layout (mdft_solver_index), in place, a
 * block at a time (a block spans the same elements in both) */
static void to_blocked(double *a, int64_t N, int64_t no, double *work, int64_t wstride, int nthreads) {
#pragma omp parallel num_threads(nthreads)
  {
    double *t = work + wstride * omp_get_thread_num();
#pragma omp for schedule(static)
    for (int64_t r0 = 0; r0 < N; r0 += MDFT_PB) {
      const int64_t nb = mdft_block_len(N, r0);
      memcpy(t, a + r0 * no, sizeof(double) * (size_t)(nb * no));
      for (int64_t b = 0; b < nb; b++)
        for (int64_t o = 0; o < no; o++) a[r0 * no + o * nb + b] = t[b * no + o];
    }
  }
}

int mdft_solver_create(const mdft_params *p, const mdft_solvent *solvent, const mdft_site *solute,
                       int64_t nsite, mdft_solver **out, mdft_error *err) {
  *out = NULL;
  if (!p || !solvent) return mdft_fail(err, MDFT_ERR_INPUT, "no parameters or solvent");
  if (!(p->temperature > 0)) return mdft_fail(err, MDFT_ERR_INPUT, "temperature must be > 0");
  if (nsite < 0 || (nsite > 0 && !solute)) return mdft_fail(err, MDFT_ERR_INPUT, "bad solute site list");
  mdft_solver *s = calloc(1, sizeof *s);
  if (!s) return mdft_fail(err, MDFT_ERR_NOMEM, "solver");
  int rc;
  s->par = *p;
  s->nthreads = p->threads > 0 ? p->threads : omp_get_max_threads();
  s->n0 = solvent->n0;
  s->kT = MDFT_KB * p->temperature;
  if ((rc = mdft_grid_init(&s->grid, p->boxnod, p->boxlen, err))) goto fail;
  if ((rc = mdft_angles_init(&s->ang, p->mmax, solvent->mrso, err))) goto fail;
  if ((rc = mdft_wigner_init(&s->wig, p->mmax, err))) goto fail;
  if ((rc = mdft_proj_init(&s->proj, &s->ang, &s->wig, err))) goto fail;
  if ((rc = mdft_oz_init(&s->oz, &s->proj, &s->wig, &s->grid, &solvent->cq, err))) goto fail;
  for (int64_t e = 0; e < solvent->cq.ne; e++) {
    const int *ix = solvent->cq.idx + 5 * e;
    if (!ix[0] && !ix[1] && !ix[2] && !ix[3] && !ix[4]) s->c0 = creal(solvent->cq.c[e * solvent->cq.nq]);
  }
  const int64_t N = s->grid.ntot, no = s->ang.no;
  s->nsv = solvent->nsite;
  s->nsu = nsite;
  s->solv = malloc(sizeof(mdft_site) * (size_t)s->nsv);
  s->solu = malloc(sizeof(mdft_site) * (size_t)(nsite > 0 ? nsite : 1));
  s->x = malloc(sizeof(double) * (size_t)(N * no));
  s->v = calloc((size_t)(N * no), sizeof(double));
  s->buf = fftw_malloc(sizeof(double complex) * (size_t)(N * s->proj.np));
  s->wstride = (no * MDFT_PB + 3 * MDFT_PB + mdft_proj_block_work(&s->proj) + 2 * MDFT_PB * s->proj.np + 7) / 8 * 8; /* 64-byte multiples */
  s->work = aligned_alloc(64, sizeof(double) * (size_t)(s->wstride * s->nthreads));
  if (!s->solv || !s->solu || !s->x || !s->v || !s->buf || !s->work) {
    rc = mdft_fail(err, MDFT_ERR_NOMEM, "solver arrays for %lld points x %lld orientations",
                   (long long)N, (long long)no);
    goto fail;
  }
  memcpy(s->solv, solvent->site, sizeof(mdft_site) * (size_t)s->nsv);
  for (int64_t i = 0; i < nsite; i++) {
    s->solu[i] = solute[i];
    s->solu[i].charge *= p->charge_scale;
  }
  if ((rc = mdft_fft_init(&s->fft, &s->grid, s->proj.np, s->buf, s->nthreads, err))) goto fail;
  double cut = p->lj_cutoff;
  if (!(cut > 0)) cut = 0.5 * fmin(p->boxlen[0], fmin(p->boxlen[1], p->boxlen[2]));
  const double vmax = 100 * s->kT; /* inside the solute core rho ~ rho0 e^-100: nil */
  mdft_external_lj(&s->grid, &s->ang, s->solv, s->nsv, s->solu, s->nsu, cut, vmax, s->v);
  if ((rc = mdft_external_elec(&s->grid, &s->ang, s->solv, s->nsv, s->solu, s->nsu, vmax, s->v, err)))
    goto fail;
  if (p->hard_sphere) { /* around the first solute site (the origin without one), after the rest */
    double c[3] = {0, 0, 0};
    if (nsite > 0) { c[0] = solute[0].x; c[1] = solute[0].y; c[2] = solute[0].z; }
    mdft_external_hard_sphere(&s->grid, &s->ang, c, p->hs_radius, vmax, s->v);
  }
  to_blocked(s->v, N, no, s->work, s->wstride, s->nthreads);
  /* start from rho0 exp(-beta V+), the low-density limit away from attraction */
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < N * no; i++) s->x[i] = exp(-0.5 * fmax(s->v[i], 0) / s->kT);
  *out = s;
  return MDFT_OK;
fail:
  mdft_solver_free(s);
  return rc;
}

int64_t mdft_solver_nvar(const mdft_solver *s) { return s->grid.ntot * s->ang.no; }
int64_t mdft_solver_index(const mdft_solver *s, int64_t r, int64_t o) {
  return mdft_layout_index(s->grid.ntot, s->ang.no, r, o);
}
int64_t mdft_solver_norient(const mdft_solver *s) { return s->ang.no; }
double *mdft_solver_x(mdft_solver *s) { return s->x; }
const double *mdft_solver_potential(const mdft_solver *s) { return s->v; }

void mdft_solver_orientation(const mdft_solver *s, int64_t o, double euler[3], double *w) {
  const mdft_angles *a = &s->ang;
  int64_t i = o / (a->nphi * a->npsi), j = (o / a->npsi) % a->nphi, k = o % a->npsi;
  euler[0] = a->phi[j];
  euler[1] = acos(a->ctheta[i]);
  euler[2] = a->psi[k];
  *w = a->w[o];
}

void mdft_solver_box(const mdft_solver *s, int64_t n[3], double len[3]) {
  for (int d = 0; d < 3; d++) { n[d] = s->grid.n[d]; len[d] = s->grid.len[d]; }
}

void mdft_solver_density(const mdft_solver *s, double *g) {
  const int64_t N = s->grid.ntot, no = s->ang.no;
#pragma omp parallel for schedule(static) num_threads(s->nthreads)
  for (int64_t r0 = 0; r0 < N; r0 += MDFT_PB) {
    const int64_t nb = mdft_block_len(N, r0);
    const double *x = s->x + r0 * no;
    for (int64_t b = 0; b < nb; b++) g[r0 + b] = 0;
    for (int64_t o = 0; o < no; o++)
      for (int64_t b = 0; b < nb; b++) g[r0 + b] += s->ang.w[o] * x[o * nb + b] * x[o * nb + b];
  }
}

/* n_s(r)/n0 = sum_o w_o x_o^2(r - R_o s): the density of solvent site s, each orientation's
 * density shifted by the site's rotated position as a phase in Fourier space (one real FFT per
 * orientation; the phase factorises per axis, and at an axis' Nyquist index it is the cosine,
 * which keeps the transform Hermitian). */
int mdft_solver_site_density(const mdft_solver *s, int64_t site, double *out, mdft_error *err) {
  if (site < 0 || site >= s->nsv)
    return mdft_fail(err, MDFT_ERR_INPUT, "solvent site %lld: the solvent has sites 0..%lld", (long long)site,
                     (long long)s->nsv - 1);
  const mdft_site *sv = &s->solv[site];
  if (sv->x == 0 && sv->y == 0 && sv->z == 0) { /* at the molecular centre (water's O): no shift */
    mdft_solver_density(s, out);
    return MDFT_OK;
  }
  const mdft_grid *g = &s->grid;
  const int64_t N = g->ntot, no = s->ang.no, nzh = g->n[2] / 2 + 1, nk = g->n[0] * g->n[1] * nzh;
  double *in = fftw_malloc(sizeof(double) * (size_t)N);
  double complex *fk = fftw_malloc(sizeof(double complex) * (size_t)nk);
  double complex *acc = fftw_malloc(sizeof(double complex) * (size_t)nk);
  double complex *ph = malloc(sizeof(double complex) * (size_t)(g->n[0] + g->n[1] + nzh));
  fftw_plan fwd = NULL, bwd = NULL;
  int rc = MDFT_OK;
  if (!in || !fk || !acc || !ph) { rc = mdft_fail(err, MDFT_ERR_NOMEM, "site density"); goto done; }
  fwd = fftw_plan_dft_r2c_3d((int)g->n[0], (int)g->n[1], (int)g->n[2], in, fk, FFTW_ESTIMATE);
  bwd = fftw_plan_dft_c2r_3d((int)g->n[0], (int)g->n[1], (int)g->n[2], acc, in, FFTW_ESTIMATE);
  if (!fwd || !bwd) { rc = mdft_fail(err, MDFT_ERR_FFT, "site density FFT plans"); goto done; }
  memset(acc, 0, sizeof(double complex) * (size_t)nk);
  for (int64_t o = 0; o < no; o++) {
    const double *R = s->ang.rot + 9 * o, w = s->ang.w[o];
#pragma omp parallel for schedule(static) num_threads(s->nthreads)
    for (int64_t r0 = 0; r0 < N; r0 += MDFT_PB) {
      const int64_t nb = mdft_block_len(N, r0);
      const double *x = s->x + r0 * no + o * nb;
      for (int64_t b = 0; b < nb; b++) in[r0 + b] = w * x[b] * x[b];
    }
    fftw_execute(fwd);
    double complex *p[3] = {ph, ph + g->n[0], ph + g->n[0] + g->n[1]};
    for (int d = 0; d < 3; d++) {
      double a = R[3 * d] * sv->x + R[3 * d + 1] * sv->y + R[3 * d + 2] * sv->z;
      int64_t n = d == 2 ? nzh : g->n[d];
      for (int64_t i = 0; i < n; i++) {
        double ka = mdft_grid_k(g, d, i) * a;
        p[d][i] = 2 * i == g->n[d] ? cos(ka) : cexp(-I * ka);
      }
    }
#pragma omp parallel for schedule(static) num_threads(s->nthreads)
    for (int64_t i = 0; i < nk; i++) {
      int64_t ix = i / (g->n[1] * nzh), iy = (i / nzh) % g->n[1], iz = i % nzh;
      acc[i] += fk[i] * p[0][ix] * p[1][iy] * p[2][iz];
    }
  }
  fftw_execute(bwd);
  for (int64_t r = 0; r < N; r++) out[r] = in[r] / (double)N;
done:
  if (fwd) fftw_destroy_plan(fwd);
  if (bwd) fftw_destroy_plan(bwd);
  fftw_free(in); fftw_free(fk); fftw_free(acc); free(ph);
  return rc;
}

void mdft_solver_timers(const mdft_solver *s, mdft_timers *t) { *t = s->tm; }

/* The first pass reads x only: drho = rho0 (x^2 - 1) of one block of nb <= MDFT_PB points as
 * no rows of MDFT_PB (lanes >= nb zero) for the angular transform. Everything else that needs
 * x, V or writes the gradient waits for the second pass, which has to read x anyway: an
 * evaluation streams x twice, V and the gradient once (at 64^3, mmax 3 each is 176 MiB; the
 * passes are bound by memory bandwidth). Inlined with nb = MDFT_PB for whole blocks. */
static inline __attribute__((always_inline)) void local_forward_rows(const double *restrict x, int64_t no,
                                                                     int64_t nb, double rho0,
                                                                     double *restrict f) {
  for (int64_t o = 0; o < no; o++) {
    const double *restrict xr = x + o * nb;
    double *restrict fr = f + o * MDFT_PB;
    for (int64_t l = 0; l < nb; l += 8) MDFT_PF(xr, no * nb + l); /* the next block's row */
    for (int64_t b = 0; b < nb; b++) fr[b] = rho0 * (xr[b] * xr[b] - 1);
    for (int64_t b = nb; b < MDFT_PB; b++) fr[b] = 0;
  }
}

MDFT_VECTOR static void local_forward(const double *restrict x, int64_t no, int64_t nb, double rho0,
                                      double *restrict f) {
  if (nb == MDFT_PB)
    local_forward_rows(x, no, MDFT_PB, rho0, f);
  else
    local_forward_rows(x, no, nb, rho0, f);
}

/* The second pass, given gamma (no rows of MDFT_PB): per lane, the ideal, external and excess
 * integrands into acc[0..PB), acc[PB..2PB), acc[2PB..3PB); when g, the gradient
 * g = pref w 2x (kT ln x^2 + V - kT gamma) (ln x^2 taken as 0 where x = 0, where 2x = 0 anyway),
 * streamed (at small sizes, where it would have stayed in the caches, this costs little). */
static inline __attribute__((always_inline)) void local_backward_rows(
    const double *restrict x, const double *restrict v, const double *restrict w, int64_t no, int64_t nb,
    double pref, double kT, double *restrict g, const double *restrict gam, double *restrict acc) {
  double *restrict aid = acc, *restrict aext = acc + MDFT_PB, *restrict aexc = acc + 2 * MDFT_PB;
  double row[MDFT_PB] __attribute__((aligned(64)));
  for (int64_t o = 0; o < no; o++) {
    const double *restrict xr = x + o * nb, *restrict vr = v + o * nb, *restrict t = gam + o * MDFT_PB;
    const double wo = w[o];
    for (int64_t l = 0; l < nb; l += 8) { /* the next block's row (prefetches never fault) */
      MDFT_PF(xr, no * nb + l);
      MDFT_PF(vr, no * nb + l);
    }
    for (int64_t b = 0; b < nb; b++) {
      const double xb = xr[b], xx = xb * xb, l = mdft_log_sq(xb), id = xx * l - xx + 1;
      const uint64_t pos = -(uint64_t)(mdft_bits(xx) != 0); /* xx is +0 or > 0 */
      aid[b] += wo * mdft_pick(pos, id, 1);
      aext[b] += wo * xx * vr[b];
      aexc[b] += wo * (xx - 1) * t[b];
      row[b] = pref * wo * 2 * xb * (mdft_pick(pos, kT * l, 0) + vr[b] - kT * t[b]);
    }
    if (g) mdft_stream_doubles(g + o * nb, row, nb);
  }
}

MDFT_VECTOR static void local_backward(const double *restrict x, const double *restrict v, const double *restrict w,
                                       int64_t no, int64_t nb, double pref, double kT, double *restrict g,
                                       const double *restrict gam, double *restrict acc) {
  if (nb == MDFT_PB)
    local_backward_rows(x, v, w, no, MDFT_PB, pref, kT, g, gam, acc);
  else
    local_backward_rows(x, v, w, no, nb, pref, kT, g, gam, acc);
}

int mdft_solver_evaluate(mdft_solver *s, const double *x, double *grad, mdft_energy *e) {
  const int64_t N = s->grid.ntot, no = s->ang.no, np = s->proj.np;
  const double *w = s->ang.w, *v = s->v, rho0 = s->n0 / (8 * MDFT_PI * MDFT_PI), kT = s->kT;
  double fid = 0, fext = 0, fexc = 0;
  const int64_t nblk = (N + MDFT_PB - 1) / MDFT_PB;
  double t0 = mdft_now();
  /* f = drho(r,o) -> projections, a block at a time */
#pragma omp parallel num_threads(s->nthreads)
  {
    double *f = s->work + s->wstride * omp_get_thread_num(), *pw = f + no * MDFT_PB + 3 * MDFT_PB;
    double complex *pb = (double complex *)(pw + mdft_proj_block_work(&s->proj)); /* np x MDFT_PB */
#pragma omp for schedule(static) nowait
    for (int64_t ib = 0; ib < nblk; ib++) {
      const int64_t r0 = ib * MDFT_PB, nb = mdft_block_len(N, r0);
      local_forward(x + r0 * no, no, nb, rho0, f);
      /* into the thread's block (in L1), then streamed into the fields */
      mdft_proj_forward_block(&s->proj, nb, f, pb, MDFT_PB, pw);
      for (int64_t q = 0; q < np; q++)
        mdft_stream_doubles((double *)(s->buf + q * N + r0), (const double *)(pb + q * MDFT_PB), 2 * nb);
    }
    mdft_stream_fence();
  }
  double t1 = mdft_now();
  fftw_execute(s->fft.fwd);
  double t2 = mdft_now();
  int rc = mdft_oz_apply(&s->oz, s->buf);
  if (rc) return rc;
  double t3 = mdft_now();
  fftw_execute(s->fft.bwd);
  double t4 = mdft_now();
  const double pref = s->n0 * s->grid.dv;
#pragma omp parallel num_threads(s->nthreads) reduction(+ : fid, fext, fexc)
  {
    double *gam = s->work + s->wstride * omp_get_thread_num(), *acc = gam + no * MDFT_PB, *pw = acc + 3 * MDFT_PB;
    for (int64_t b = 0; b < 3 * MDFT_PB; b++) acc[b] = 0;
#pragma omp for schedule(static) nowait
    for (int64_t ib = 0; ib < nblk; ib++) {
      const int64_t r0 = ib * MDFT_PB, nb = mdft_block_len(N, r0);
      mdft_proj_backward_block(&s->proj, nb, s->buf + r0, N, gam, pw);
      local_backward(x + r0 * no, v + r0 * no, w, no, nb, pref, kT, grad ? grad + r0 * no : NULL, gam, acc);
    }
    for (int64_t b = 0; b < MDFT_PB; b++) {
      fid += acc[b];
      fext += acc[MDFT_PB + b];
      fexc += acc[2 * MDFT_PB + b];
    }
    mdft_stream_fence();
  }
  double t5 = mdft_now();
  s->tm.angular += t1 - t0;
  s->tm.fft += (t2 - t1) + (t4 - t3);
  s->tm.oz += t3 - t2;
  s->tm.back += t5 - t4;
  s->tm.neval++;
  e->ideal = kT * pref * fid;
  e->external = pref * fext;
  e->excess = -0.5 * kT * pref * fexc;
  e->total = e->ideal + e->external + e->excess;
  return MDFT_OK;
}

double mdft_solver_fft_floor(mdft_solver *s, int nrep) {
  double t0 = mdft_now();
  for (int i = 0; i < nrep; i++) {
    fftw_execute(s->fft.fwd);
    fftw_execute(s->fft.bwd);
  }
  return (mdft_now() - t0) / nrep;
}

typedef struct {
  mdft_solver *s;
  mdft_progress_fn cb;
  void *user;
} min_ctx;

static int fg(void *ctx, const double *x, double *g, double *f) {
  min_ctx *c = ctx;
  mdft_energy e;
  int rc = mdft_solver_evaluate(c->s, x, g, &e);
  *f = e.total;
  return rc;
}

static int iter_cb(void *ctx, int64_t iter, int64_t nfeval, double f, double df, double gnorm) {
  min_ctx *c = ctx;
  if (!c->cb) return 0;
  mdft_progress p = {iter, nfeval, f, df, gnorm, c->s};
  return c->cb(c->user, &p) ? MDFT_ERR_STOPPED : 0;
}

int mdft_solver_minimise(mdft_solver *s, mdft_progress_fn cb, void *user, mdft_result *res,
                         mdft_error *err) {
  memset(res, 0, sizeof *res);
  double t0 = mdft_now();
  min_ctx ctx = {s, cb, user};
  mdft_lbfgs_opts o = {s->par.lbfgs_m, s->par.max_iter, 1e-5 * s->par.precision_factor};
  mdft_lbfgs_result lr;
  int rc = mdft_lbfgs(mdft_solver_nvar(s), s->x, fg, iter_cb, &ctx, &o, &lr, err);
  if (rc == MDFT_ERR_STOPPED) mdft_fail(err, rc, "minimisation stopped by the progress callback");
  if (rc && rc != MDFT_ERR_STOPPED) return rc;
  int rc2 = mdft_solver_evaluate(s, s->x, NULL, &res->energy);
  if (rc2) return mdft_fail(err, rc2, "final evaluation");
  res->iterations = lr.iter;
  res->evaluations = lr.nfeval + 1;
  res->converged = lr.converged;
  res->lbfgs_skipped = lr.skipped;
  const int64_t N = s->grid.ntot, no = s->ang.no;
  double nex = 0;
#pragma omp parallel for reduction(+ : nex) schedule(static) num_threads(s->nthreads)
  for (int64_t r0 = 0; r0 < N; r0 += MDFT_PB) {
    const int64_t nb = mdft_block_len(N, r0);
    const double *x = s->x + r0 * no;
    for (int64_t o = 0; o < no; o++)
      for (int64_t b = 0; b < nb; b++) nex += s->ang.w[o] * (x[o * nb + b] * x[o * nb + b] - 1);
  }
  res->excess_number = s->n0 * s->grid.dv * nex;
  /* Kirkwood-Buff volume and the HNC overpressure (Sergiievskyi et al. 2014):
   * S(0) = 1/(1 - n0 c(0)), V = (S(0) - Nex)/n0, P_HNC = n0 kT (1 + 1/S(0))/2 */
  double s0 = 1 / (1 - s->n0 * s->c0);
  res->pmv = (s0 - res->excess_number) / s->n0;
  double phnc = 0.5 * s->n0 * s->kT * (1 + 1 / s0);
  res->pressure_correction = -phnc * res->pmv;
  res->dG_pc = res->energy.total + res->pressure_correction;
  res->seconds = mdft_now() - t0;
  if (rc == MDFT_ERR_STOPPED) return rc;
  return MDFT_OK;
}

/* accessors for output.c */
const mdft_grid *mdft_solver_grid_(const mdft_solver *s) { return &s->grid; }
const mdft_site *mdft_solver_solute_(const mdft_solver *s, int64_t *n) { *n = s->nsu; return s->solu; }
const mdft_site *mdft_solver_solvent_(const mdft_solver *s, int64_t *n) { *n = s->nsv; return s->solv; }
double mdft_solver_kT_(const mdft_solver *s) { return s->kT; }
const mdft_params *mdft_solver_params_(const mdft_solver *s) { return &s->par; }
