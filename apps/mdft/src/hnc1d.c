/* 1D Ornstein-Zernike equation with the HNC closure, by damped Picard
 * iteration on gamma = h - c: the bulk isotropic fluid (to generate c(q)) and
 * an infinitely dilute spherical solute in it (the reference the 3D solver is
 * validated against). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static int check(const mdft_hnc_params *p, mdft_error *err) {
  if (p->nr < 16 || !(p->dr > 0) || !(p->temperature > 0) || !(p->n0 > 0) || !(p->sigma > 0) ||
      !(p->mix > 0 && p->mix <= 1) || p->max_iter < 1)
    return mdft_fail(err, MDFT_ERR_INPUT, "HNC: bad parameters (nr >= 16, dr, T, n0, sigma > 0, 0 < mix <= 1)");
  return MDFT_OK;
}

/* exp(-beta u(r)) for the pair potential on r = i dr. The hard-sphere step is averaged over
 * the cell [r - dr/2, r + dr/2] (1/2 where r = sigma): sampled as a plain step, the
 * discontinuity made the radial transforms, hence c(q) and g, first order in dr
 * (contact value 1% off at eta = 0.4 with sigma/dr = 300). */
static double boltz(int kind, double sig, double eps, double rc, double beta, double r, double dr) {
  if (kind == MDFT_FLUID_HS) return fmin(1, fmax(0, (r - sig) / dr + 0.5));
  if (r <= 0) return 0;
  if (rc > 0 && r > rc) return 1;
  double s6 = pow(sig / r, 6);
  double bu = beta * 4 * eps * (s6 * s6 - s6);
  return bu > 700 ? 0 : exp(-bu);
}

/* Damped Picard iteration to |dgamma| <= tol: c = e^{-beta u + gamma} - 1 - gamma, then in q
 * space w = c(q) times the OZ factor (closure_q turns c(q) into gamma(q) in place), back to r,
 * gamma mixed towards it. eb: e^{-beta u}; c, w: scratch of t's size. */
static int hnc_iterate(const mdft_hnc_params *p, mdft_radial *t, const double *eb, double *gam, double *c,
                       double *w, void (*closure_q)(double *w, int64_t n, const void *ctx), const void *ctx,
                       const char *what, mdft_error *err) {
  const int64_t n = p->nr;
  int64_t it;
  double diff = INFINITY;
  for (it = 0; it < p->max_iter && diff > p->tol; it++) {
    for (int64_t i = 0; i < n; i++) c[i] = eb[i] * exp(gam[i]) - 1 - gam[i];
    mdft_radial_forward(t, c, w);
    closure_q(w, n, ctx);
    mdft_radial_backward(t, w, c);
    diff = 0;
    for (int64_t i = 0; i < n; i++) {
      diff = fmax(diff, fabs(c[i] - gam[i]));
      gam[i] += p->mix * (c[i] - gam[i]);
    }
    if (!isfinite(diff)) break;
  }
  if (!(diff <= p->tol))
    return mdft_fail(err, MDFT_ERR_NOT_CONVERGED, "%s HNC: |dgamma| = %g after %lld iterations", what, diff,
                     (long long)it);
  return MDFT_OK;
}

/* the pure fluid: gamma(q) = n0 c(q)^2 / (1 - n0 c(q)) */
static void bulk_q(double *w, int64_t n, const void *ctx) {
  const double n0 = *(const double *)ctx;
  for (int64_t j = 0; j < n; j++) w[j] = n0 * w[j] * w[j] / (1 - n0 * w[j]);
}

/* a solute in it: gamma(q) = c_uv(q) n0 c_vv(q) / (1 - n0 c_vv(q)), the factor tabulated */
static void solute_q(double *w, int64_t n, const void *ctx) {
  const double *s = ctx;
  for (int64_t j = 0; j < n; j++) w[j] *= s[j];
}

int mdft_hnc_bulk(const mdft_hnc_params *p, double *cq, double *dq, double *g, mdft_error *err) {
  int rc = check(p, err);
  if (rc) return rc;
  const int64_t n = p->nr;
  mdft_radial t;
  if ((rc = mdft_radial_init(&t, n, p->dr, err))) return rc;
  double *eb = malloc(sizeof(double) * (size_t)n), *gam = calloc((size_t)n, sizeof(double));
  double *c = malloc(sizeof(double) * (size_t)n), *gq = malloc(sizeof(double) * (size_t)n);
  if (!eb || !gam || !c || !gq) { rc = mdft_fail(err, MDFT_ERR_NOMEM, "HNC"); goto done; }
  const double beta = 1 / (MDFT_KB * p->temperature);
  for (int64_t i = 0; i < n; i++) eb[i] = boltz(p->kind, p->sigma, p->epsilon, p->cutoff, beta, (double)i * p->dr, p->dr);
  if ((rc = hnc_iterate(p, &t, eb, gam, c, gq, bulk_q, &p->n0, "bulk", err))) goto done;
  for (int64_t i = 0; i < n; i++) c[i] = eb[i] * exp(gam[i]) - 1 - gam[i];
  mdft_radial_forward(&t, c, cq);
  *dq = t.dq;
  if (g)
    for (int64_t i = 0; i < n; i++) g[i] = eb[i] * exp(gam[i]);
done:
  free(eb); free(gam); free(c); free(gq);
  mdft_radial_free(&t);
  return rc;
}

int mdft_hnc_solute(const mdft_hnc_params *p, double sigma_u, double eps_u, int64_t nq, double dq,
                    const double *cqv, double *dG, double *g, mdft_error *err) {
  int rc = check(p, err);
  if (rc) return rc;
  const int64_t n = p->nr;
  mdft_radial t;
  if ((rc = mdft_radial_init(&t, n, p->dr, err))) return rc;
  double *eb = malloc(sizeof(double) * (size_t)n), *gam = calloc((size_t)n, sizeof(double));
  double *c = malloc(sizeof(double) * (size_t)n), *w = malloc(sizeof(double) * (size_t)n);
  double *s = malloc(sizeof(double) * (size_t)n);
  if (!eb || !gam || !c || !w || !s) { rc = mdft_fail(err, MDFT_ERR_NOMEM, "HNC"); goto done; }
  const double beta = 1 / (MDFT_KB * p->temperature);
  const double sig = 0.5 * (sigma_u + p->sigma), eps = sqrt(eps_u * p->epsilon);
  for (int64_t i = 0; i < n; i++) eb[i] = boltz(MDFT_FLUID_LJ, sig, eps, p->cutoff, beta, (double)i * p->dr, p->dr);
  /* n0 c_vv/(1 - n0 c_vv) on this grid's q, linear interpolation of the table */
  for (int64_t j = 0; j < n; j++) {
    double x = (double)j * t.dq / dq;
    int64_t k = (int64_t)x;
    double cv = k + 1 < nq ? (1 - (x - (double)k)) * cqv[k] + (x - (double)k) * cqv[k + 1] : 0;
    s[j] = p->n0 * cv / (1 - p->n0 * cv);
  }
  if ((rc = hnc_iterate(p, &t, eb, gam, c, w, solute_q, s, "solute", err))) goto done;
  double sum = 0;
  for (int64_t i = 1; i < n; i++) {
    double r = (double)i * p->dr, h = eb[i] * exp(gam[i]) - 1, cc = h - gam[i];
    sum += 4 * MDFT_PI * r * r * p->dr * (0.5 * h * h - cc - 0.5 * h * cc);
    if (g) g[i] = h + 1;
  }
  if (g) g[0] = eb[0] * exp(gam[0]);
  *dG = p->n0 * sum / beta;
done:
  free(eb); free(gam); free(c); free(w); free(s);
  mdft_radial_free(&t);
  return rc;
}
