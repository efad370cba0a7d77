/* Limited-memory BFGS (two-loop recursion) with a backtracking Armijo line
 * search; stops on the absolute change of the objective. Holds x, g, the
 * search direction, the trial gradient and 2m history vectors, nothing more. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static double dot(int64_t n, const double *a, const double *b) {
  double s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static)
  for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}
static void axpy(int64_t n, double a, const double *x, double *y) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

int mdft_lbfgs(int64_t n, double *x, mdft_fg_fn fg, mdft_iter_fn it, void *ctx,
               const mdft_lbfgs_opts *o, mdft_lbfgs_result *r, mdft_error *err) {
  const int m = o->m > 0 ? o->m : 5;
  memset(r, 0, sizeof *r);
  double *g = malloc(sizeof(double) * (size_t)n), *gn = malloc(sizeof(double) * (size_t)n);
  double *d = malloc(sizeof(double) * (size_t)n);
  double *s = malloc(sizeof(double) * (size_t)n * (size_t)m), *y = malloc(sizeof(double) * (size_t)n * (size_t)m);
  double *rho = malloc(sizeof(double) * (size_t)m), *alpha = malloc(sizeof(double) * (size_t)m);
  int rc = MDFT_OK;
  if (!g || !gn || !d || !s || !y || !rho || !alpha) {
    rc = mdft_fail(err, MDFT_ERR_NOMEM, "L-BFGS needs %d vectors of %lld doubles", 2 * m + 3, (long long)n);
    goto done;
  }
  double f, fn;
  if ((rc = fg(ctx, x, g, &f))) goto done;
  r->nfeval = 1;
  int k = 0, head = 0; /* history entries, next slot */
  double df = INFINITY;
  for (r->iter = 0; r->iter < o->max_iter; r->iter++) {
    double gnorm = sqrt(dot(n, g, g));
    if (it && (rc = it(ctx, r->iter, r->nfeval, f, df, gnorm))) goto done;
    if (gnorm == 0 || fabs(df) < o->ftol) { r->converged = 1; break; }
    /* two-loop recursion: d = -H g */
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) d[i] = -g[i];
    for (int j = 0; j < k; j++) {
      int c = (head - 1 - j + m) % m;
      alpha[c] = rho[c] * dot(n, s + (size_t)c * (size_t)n, d);
      axpy(n, -alpha[c], y + (size_t)c * (size_t)n, d);
    }
    double h0 = 1.0 / gnorm; /* first step: unit length */
    if (k > 0) {
      int c = (head - 1 + m) % m;
      const double *yc = y + (size_t)c * (size_t)n;
      h0 = 1.0 / (rho[c] * dot(n, yc, yc));
    }
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; i++) d[i] *= h0;
    for (int j = k - 1; j >= 0; j--) {
      int c = (head - 1 - j + m) % m;
      double b = rho[c] * dot(n, y + (size_t)c * (size_t)n, d);
      axpy(n, alpha[c] - b, s + (size_t)c * (size_t)n, d);
    }
    double slope = dot(n, g, d);
    if (slope >= 0) { /* not a descent direction: restart from steepest descent */
      k = 0;
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < n; i++) d[i] = -g[i] / gnorm;
      slope = -gnorm;
    }
    double step = 1, taken = 0;
    int ok = 0;
    for (int ls = 0; ls < 40; ls++) {
      axpy(n, step - taken, d, x);
      taken = step;
      if ((rc = fg(ctx, x, gn, &fn))) goto done;
      r->nfeval++;
      if (isfinite(fn) && fn <= f + 1e-4 * step * slope) { ok = 1; break; }
      step *= isfinite(fn) ? 0.5 : 0.1;
    }
    if (!ok) { /* no decrease along d: undo the step and stop */
      axpy(n, -taken, d, x);
      break;
    }
    /* history: s = step d, y = gn - g */
    double *sc = s + (size_t)head * (size_t)n, *yc = y + (size_t)head * (size_t)n;
    double sy = 0;
#pragma omp parallel for reduction(+ : sy) schedule(static)
    for (int64_t i = 0; i < n; i++) {
      sc[i] = step * d[i];
      yc[i] = gn[i] - g[i];
      sy += sc[i] * yc[i];
    }
    if (sy > 0) {
      rho[head] = 1.0 / sy;
      head = (head + 1) % m;
      if (k < m) k++;
    } else
      r->skipped++; /* without curvature the pair would make H indefinite */
    double *t = g; g = gn; gn = t;
    df = fn - f;
    f = fn;
  }
  r->f = f;
  if (!r->converged && r->iter >= o->max_iter) {
    double gnorm = sqrt(dot(n, g, g));
    if (it && (rc = it(ctx, r->iter, r->nfeval, f, df, gnorm))) goto done;
    if (fabs(df) < o->ftol) r->converged = 1;
  }
done:
  free(g); free(gn); free(d); free(s); free(y); free(rho); free(alpha);
  return rc;
}
