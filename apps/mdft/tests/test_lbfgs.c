/* The minimiser (two-loop recursion on the Gram matrix of a history held in
 * single precision) against the textbook two-loop recursion written out here on
 * the same rounded pairs and the same direction rounded to float: same iterates, same line search decisions, same
 * skipped pairs, on a convex quadratic with a known minimum (reached to 1e-5
 * with the rounded history) and on a non-convex double well whose first steps
 * have no curvature;
 * vector lengths that end in a partial block, memories 1, 3, 5 and 8. */
#include <string.h>
#include "internal.h"
#include "test_util.h"

typedef struct {
  int64_t n;
  int kind;           /* 0: quadratic, 1: double well */
  const double *xs;   /* quadratic: the minimiser */
  double trace[200];  /* f at each iteration */
  int64_t ntrace;
} problem;

/* quadratic: f = 1/2 (x - xs)^T A (x - xs), A tridiagonal (4 + i mod 7, -1):
 * diagonally dominant, condition number about 3 */
static int fg(void *ctx, const double *x, double *g, double *f) {
  problem *p = ctx;
  double s = 0;
  for (int64_t i = 0; i < p->n; i++) {
    if (p->kind == 0) {
      double e = x[i] - p->xs[i], el = i > 0 ? x[i - 1] - p->xs[i - 1] : 0;
      double er = i + 1 < p->n ? x[i + 1] - p->xs[i + 1] : 0;
      g[i] = (4 + (double)(i % 7)) * e - el - er;
      s += 0.5 * e * g[i];
    } else { /* sum (x_i^2 - 1)^2 + 0.1 sum (x_i - x_{i+1})^2 */
      double w = x[i] * x[i] - 1;
      s += w * w;
      g[i] = 4 * x[i] * w;
      if (i + 1 < p->n) {
        double dx = x[i] - x[i + 1];
        s += 0.1 * dx * dx;
        g[i] += 0.2 * dx;
      }
      if (i > 0) g[i] -= 0.2 * (x[i - 1] - x[i]);
    }
  }
  *f = s;
  return 0;
}
static int record(void *ctx, int64_t iter, int64_t nfeval, double f, double df, double gnorm) {
  (void)nfeval; (void)df; (void)gnorm;
  problem *p = ctx;
  if (iter < 200) p->trace[iter] = f;
  p->ntrace = iter + 1;
  return 0;
}

static double vdot(int64_t n, const double *a, const double *b) {
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}
static void vaxpy(int64_t n, double a, const double *x, double *y) {
  for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

/* the textbook L-BFGS with the same line search and stopping rule */
static void reference(int64_t n, double *x, problem *p, const mdft_lbfgs_opts *o, mdft_lbfgs_result *r) {
  int m = o->m;
  double *g = malloc(sizeof(double) * (size_t)n), *gn = malloc(sizeof(double) * (size_t)n);
  double *d = malloc(sizeof(double) * (size_t)n);
  double *s = malloc(sizeof(double) * (size_t)(n * m)), *y = malloc(sizeof(double) * (size_t)(n * m));
  double rho[16], alpha[16], f, fn, df = INFINITY;
  memset(r, 0, sizeof *r);
  fg(p, x, g, &f);
  r->nfeval = 1;
  int k = 0, head = 0;
  for (r->iter = 0; r->iter < o->max_iter; r->iter++) {
    double gnorm = sqrt(vdot(n, g, g));
    record(p, r->iter, r->nfeval, f, df, gnorm);
    if (gnorm == 0 || fabs(df) < o->ftol) { r->converged = 1; break; }
    for (int64_t i = 0; i < n; i++) d[i] = -g[i];
    for (int j = 0; j < k; j++) {
      int c = (head - 1 - j + m) % m;
      alpha[c] = rho[c] * vdot(n, s + c * n, d);
      vaxpy(n, -alpha[c], y + c * n, d);
    }
    double h0 = 1 / gnorm;
    if (k > 0) {
      int c = (head - 1 + m) % m;
      h0 = 1 / (rho[c] * vdot(n, y + c * n, y + c * n));
    }
    for (int64_t i = 0; i < n; i++) d[i] *= h0;
    for (int j = k - 1; j >= 0; j--) {
      int c = (head - 1 - j + m) % m;
      vaxpy(n, alpha[c] - rho[c] * vdot(n, y + c * n, d), s + c * n, d);
    }
    double slope = vdot(n, g, d);
    if (slope >= 0) {
      k = 0;
      for (int64_t i = 0; i < n; i++) d[i] = -g[i] / gnorm;
      slope = -gnorm;
    }
    /* the minimiser moves x along the direction rounded to float (the s it stores) */
    for (int64_t i = 0; i < n; i++) d[i] = (double)(float)d[i];
    double step = 1, taken = 0;
    int ok = 0;
    for (int ls = 0; ls < 40; ls++) {
      vaxpy(n, step - taken, d, x);
      taken = step;
      fg(p, x, gn, &fn);
      r->nfeval++;
      if (isfinite(fn) && fn <= f + 1e-4 * step * slope) { ok = 1; break; }
      step *= isfinite(fn) ? 0.5 : 0.1;
    }
    if (!ok) { vaxpy(n, -taken, d, x); break; }
    /* the pair goes into the history only with curvature: with the history full, writing it
     * first would overwrite the oldest pair even when it is then skipped (the minimiser's
     * earlier version did that: its oldest pair then mixed a rejected s, y with the old rho) */
    /* the minimiser keeps its pairs rounded to float: s~ = step float(d), y~ = float(gn - g) */
    double sy = 0;
    for (int64_t i = 0; i < n; i++) sy += step * (double)(float)d[i] * (double)(float)(gn[i] - g[i]);
    if (sy > 0) {
      for (int64_t i = 0; i < n; i++) {
        s[head * n + i] = step * (double)(float)d[i];
        y[head * n + i] = (double)(float)(gn[i] - g[i]);
      }
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      if (k < m) k++;
    } else
      r->skipped++;
    memcpy(g, gn, sizeof(double) * (size_t)n);
    df = fn - f;
    f = fn;
  }
  r->f = f;
  free(g); free(gn); free(d); free(s); free(y);
}

static unsigned seed = 11;
static double urand(void) { seed = seed * 1103515245u + 12345u; return ((seed >> 8) & 0xffffff) / 16777216.0; }

int main(void) {
  const int64_t sizes[] = {1, 700, 3 * 512 + 37};
  const int mems[] = {1, 3, 5, 8};
  mdft_error err = {0, ""};
  int64_t skipped = 0;
  for (int kind = 0; kind < 2; kind++)
    for (int si = 0; si < 3; si++)
      for (int mi = 0; mi < 4; mi++) {
        int64_t n = sizes[si];
        double *xs = malloc(sizeof(double) * (size_t)n), *x0 = malloc(sizeof(double) * (size_t)n);
        double *xa = malloc(sizeof(double) * (size_t)n), *xb = malloc(sizeof(double) * (size_t)n);
        for (int64_t i = 0; i < n; i++) {
          xs[i] = 2 * urand() - 1;
          /* double well: start near the barrier top, where the curvature is negative */
          x0[i] = kind == 0 ? 3 * urand() - 1.5 : 0.2 * urand() - 0.1;
        }
        memcpy(xa, x0, sizeof(double) * (size_t)n);
        memcpy(xb, x0, sizeof(double) * (size_t)n);
        /* the double well stops well above the rounding of its f (~1e-13 here): the two recursions round
         * differently, and a stopping test at that level would end them at different iterations */
        mdft_lbfgs_opts o = {mems[mi], 150, kind == 0 ? 1e-13 : 1e-8};
        problem pa = {n, kind, xs, {0}, 0}, pb = pa;
        mdft_lbfgs_result ra, rb;
        OK(mdft_lbfgs(n, xa, fg, record, &pa, &o, &ra, &err));
        reference(n, xb, &pb, &o, &rb);
        CHECK(ra.iter == rb.iter && ra.nfeval == rb.nfeval && ra.skipped == rb.skipped,
              "kind %d n %lld m %d: iterations %lld/%lld, evaluations %lld/%lld, skipped %lld/%lld", kind,
              (long long)n, mems[mi], (long long)ra.iter, (long long)rb.iter, (long long)ra.nfeval,
              (long long)rb.nfeval, (long long)ra.skipped, (long long)rb.skipped);
        if (kind == 1) skipped += ra.skipped;
        int64_t nt = pa.ntrace < pb.ntrace ? pa.ntrace : pb.ntrace;
        for (int64_t i = 0; i < nt && i < 200; i++) {
          double scale = fmax(fabs(pb.trace[0]), 1e-300);
          if (fabs(pa.trace[i] - pb.trace[i]) > 1e-9 * scale) {
            CHECK(0, "kind %d n %lld m %d: f at iteration %lld %.17g vs textbook %.17g", kind, (long long)n,
                  mems[mi], (long long)i, pa.trace[i], pb.trace[i]);
            break;
          }
        }
        if (kind == 0) { /* converged onto the known minimum */
          double e = 0;
          for (int64_t i = 0; i < n; i++) e = fmax(e, fabs(xa[i] - xs[i]));
          CHECK(ra.converged && e < 1e-5, "quadratic n %lld m %d: converged %d, max |x - x*| %g", (long long)n,
                mems[mi], ra.converged, e);
        } else { /* the wells: every x_i near +-1, F below its start */
          double e = 0;
          for (int64_t i = 0; i < n; i++) e = fmax(e, fabs(fabs(xa[i]) - 1));
          CHECK(e < 0.2 && ra.f < pa.trace[0], "double well n %lld m %d: max ||x|-1| %g, f %g from %g",
                (long long)n, mems[mi], e, ra.f, pa.trace[0]);
        }
        free(xs); free(x0); free(xa); free(xb);
      }
  CHECK(skipped > 0, "the double wells never skipped a pair: the no-curvature path is untested");
  mdft_lbfgs_opts big = {101, 10, 0};
  mdft_lbfgs_result r;
  double x1 = 0;
  problem p1 = {1, 0, &x1, {0}, 0};
  CHECK(mdft_lbfgs(1, &x1, fg, NULL, &p1, &big, &r, &err) == MDFT_ERR_INPUT && strstr(err.msg, "101"),
        "memory 101 refused: %s", err.msg);
  if (t_failures) fprintf(stderr, "%d failures\n", t_failures);
  else printf("lbfgs: compact two-loop equals the textbook recursion\n");
  return t_failures != 0;
}
