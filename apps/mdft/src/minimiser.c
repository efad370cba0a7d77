/* Limited-memory BFGS with a backtracking Armijo line search; stops on the
 * absolute change of the objective. Holds x, g and the trial gradient in double
 * precision, and 2m + 2 vectors in single precision (the m pairs and the candidate
 * pair, whose s is the search direction), nothing more.
 *
 * The history is a model of the inverse Hessian, not part of the answer: its
 * pairs are stored rounded to float (s~ = step d~, d~ = float(d); y~ = float(g' - g)),
 * and every Gram entry is taken from the stored, rounded vectors, so that the
 * recursion is exact for the pairs it holds (curvature s~.y~ > 0 checked on
 * them). x moves along d~ itself (a descent direction as d is, to rounding), so the
 * step taken is the s~ stored; x, g, f and the line search stay in double. The
 * minimum found is the same; the memory and the traffic of the history halve, and
 * the direction is formed, stored and applied to x in one pass.
 *
 * The two-loop recursion runs on the Gram matrix of the history vectors
 * s_i, y_i and g (compact, "vector-free" form): d = -H g is a combination of
 * them, so its coefficients need only their dot products. The vectors, which
 * do not fit in cache, are then streamed twice per iteration (one pass forms
 * d, one takes every new dot product) instead of ~4m times by the textbook
 * recursion; every Gram entry is a dot product of stored vectors, computed
 * directly (no differences of large dot products). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include "internal.h"
#include "stream.h"

enum { CHUNK = 512 }; /* elements per block: the block of every stream stays in L1/L2 */

typedef struct {
  int m, k, head;   /* memory, pairs held, next slot */
  float **S, **Y;   /* slot c holds s_c / sigma_c and y_c */
  float *Sn, *Yn;   /* the candidate pair of the last step */
  double *sigma, *rho;
  double *G;        /* Gram matrix (2m+1)^2: s_c -> c, y_c -> m + c, g -> 2m */
} history;

static int is(const history *h, int c) { (void)h; return c; }
static int iy(const history *h, int c) { return h->m + c; }
static int ig(const history *h) { return 2 * h->m; }
static void gset(history *h, int a, int b, double v) {
  int nb = 2 * h->m + 1;
  h->G[a * nb + b] = v;
  h->G[b * nb + a] = v;
}
static double gget(const history *h, int a, int b) { return h->G[a * (2 * h->m + 1) + b]; }
/* slot of the j-th newest pair */
static int slot(const history *h, int j) { return (h->head - 1 - j + 2 * h->m) % h->m; }

/* coefficients q (over s_c, y_c, g) of d = -H g */
static double row_dot(const history *h, const double *q, int row) {
  double r = q[ig(h)] * gget(h, row, ig(h));
  for (int j = 0; j < h->k; j++) {
    int c = slot(h, j);
    r += q[is(h, c)] * gget(h, row, is(h, c)) + q[iy(h, c)] * gget(h, row, iy(h, c));
  }
  return r;
}
static void two_loop(const history *h, double gnorm, double *q, double *alpha) {
  memset(q, 0, sizeof(double) * (size_t)(2 * h->m + 1));
  q[ig(h)] = -1;
  for (int j = 0; j < h->k; j++) {
    int c = slot(h, j);
    alpha[c] = h->rho[c] * row_dot(h, q, is(h, c));
    q[iy(h, c)] -= alpha[c];
  }
  double h0 = 1.0 / gnorm; /* first step: unit length */
  if (h->k > 0) {
    int c = slot(h, 0);
    h0 = 1.0 / (h->rho[c] * gget(h, iy(h, c), iy(h, c)));
  }
  for (int b = 0; b < 2 * h->m + 1; b++) q[b] *= h0;
  for (int j = h->k - 1; j >= 0; j--) {
    int c = slot(h, j);
    double beta = h->rho[c] * row_dot(h, q, iy(h, c));
    q[is(h, c)] += alpha[c] - beta;
  }
}

/* d = q_g g + sum of q_b v_b over the held vectors, into sn = float(d) and x += sn: the
 * direction and the line search's first trial (step 1) in one pass */
MDFT_VECTOR static void direction_block(int64_t len, int nv, const float *const *v, const double *a, double ag,
                                        const double *gc, double *xc, float *sn) {
  double dc[CHUNK];
#pragma omp simd
  for (int64_t i = 0; i < len; i++) dc[i] = ag * gc[i];
  /* two vectors a sweep, in the order of one at a time (GCC's unroll-and-jam of the one-vector
   * loop left it scalar) */
  int b = 0;
  for (; b + 2 <= nv; b += 2) {
    const float *restrict v0 = v[b], *restrict v1 = v[b + 1];
    const double a0 = a[b], a1 = a[b + 1];
#pragma omp simd
    for (int64_t i = 0; i < len; i++) dc[i] = (dc[i] + a0 * (double)v0[i]) + a1 * (double)v1[i];
  }
  if (b < nv) {
    const float *restrict v0 = v[b];
    const double a0 = a[b];
#pragma omp simd
    for (int64_t i = 0; i < len; i++) dc[i] += a0 * (double)v0[i];
  }
  float sf[CHUNK];
#pragma omp simd
  for (int64_t i = 0; i < len; i++) {
    sf[i] = (float)dc[i];
    xc[i] += (double)sf[i];
  }
  mdft_stream_floats(sn, sf, len);
}
static void direction(int64_t n, const history *h, const double *q, const double *g, double *x, float *sn) {
  int nv = 0;
  const float *v[200];
  double a[200];
  for (int j = 0; j < h->k; j++) {
    int c = slot(h, j);
    v[nv] = h->S[c]; a[nv++] = q[is(h, c)] * h->sigma[c];
    v[nv] = h->Y[c]; a[nv++] = q[iy(h, c)];
  }
#pragma omp parallel
  {
#pragma omp for schedule(static) nowait
    for (int64_t c0 = 0; c0 < n; c0 += CHUNK) {
      const float *vc[200];
      for (int b = 0; b < nv; b++) vc[b] = v[b] + c0;
      direction_block(n - c0 < CHUNK ? n - c0 : CHUNK, nv, vc, a, q[ig(h)], g + c0, x + c0, sn + c0);
    }
    mdft_stream_fence();
  }
}

/* After a step along Sn = d~ from g to the trial gradient gn (g itself is left alone: the
 * caller swaps the two): the candidate Yn = float(gn - g), with the dot products of gn, y~
 * and d~ with every held vector (out[3v..3v+2]), then gn.gn, gn.y~, y~.y~, d~.d~, d~.gn,
 * d~.y~ (out[3 nv ..]), y~ the rounded value. Per-thread partial sums are added in thread
 * order: the result depends only on the thread count. */
enum { EXTRA = 6 };
MDFT_VECTOR static void dots_block(int64_t len, int nv, const float *const *v, const double *gc,
                                   const double *gnc, const float *sn, float *yn, double *acc) {
  double gg = 0, gy = 0, yy = 0, dd = 0, dg = 0, dy = 0;
  float yb[CHUNK]; /* y~ of the block, streamed out after */
#pragma omp simd reduction(+ : gg, gy, yy, dd, dg, dy)
  for (int64_t i = 0; i < len; i++) {
    const float sf = sn[i], yf = (float)(gnc[i] - gc[i]);
    yb[i] = yf;
    double gi = gnc[i], yi = (double)yf, di = (double)sf;
    gg += gi * gi; gy += gi * yi; yy += yi * yi;
    dd += di * di; dg += di * gi; dy += di * yi;
  }
  double *e = acc + 3 * nv;
  e[0] += gg; e[1] += gy; e[2] += yy; e[3] += dd; e[4] += dg; e[5] += dy;
  for (int b = 0; b < nv; b++) {
    const float *vb = v[b];
    double sg = 0, sy = 0, sd = 0;
#pragma omp simd reduction(+ : sg, sy, sd)
    for (int64_t i = 0; i < len; i++) {
      double vi = (double)vb[i];
      sg += gnc[i] * vi;
      sy += (double)yb[i] * vi;
      sd += (double)sn[i] * vi;
    }
    acc[3 * b] += sg; acc[3 * b + 1] += sy; acc[3 * b + 2] += sd;
  }
  mdft_stream_floats(yn, yb, len);
}
static int step_dots(int64_t n, history *h, const double *g, const double *gn, double *out) {
  int nv = 0;
  const float *v[200];
  for (int j = 0; j < h->k; j++) {
    int c = slot(h, j);
    v[nv++] = h->S[c];
    v[nv++] = h->Y[c];
  }
  int na = 3 * nv + EXTRA, nt = omp_get_max_threads();
  double *part = calloc((size_t)nt * (size_t)na, sizeof(double));
  if (!part) return MDFT_ERR_NOMEM;
  const float *sn = h->Sn;
  float *yn = h->Yn;
#pragma omp parallel
  {
    double *acc = part + (size_t)omp_get_thread_num() * (size_t)na;
#pragma omp for schedule(static) nowait
    for (int64_t c0 = 0; c0 < n; c0 += CHUNK) {
      const float *vc[200];
      for (int b = 0; b < nv; b++) vc[b] = v[b] + c0;
      dots_block(n - c0 < CHUNK ? n - c0 : CHUNK, nv, vc, g + c0, gn + c0, sn + c0, yn + c0, acc);
    }
    mdft_stream_fence();
  }
  memset(out, 0, sizeof(double) * (size_t)na);
  for (int t = 0; t < nt; t++)
    for (int a = 0; a < na; a++) out[a] += part[(size_t)t * (size_t)na + (size_t)a];
  free(part);
  return MDFT_OK;
}

static double dot(int64_t n, const double *a, const double *b) {
  double s = 0;
#pragma omp parallel for simd reduction(+ : s) schedule(static)
  for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}
static void axpy(int64_t n, double a, const float *x, double *y) {
#pragma omp parallel for simd schedule(static)
  for (int64_t i = 0; i < n; i++) y[i] += a * (double)x[i];
}

int mdft_lbfgs(int64_t n, double *x, mdft_fg_fn fg, mdft_iter_fn it, void *ctx,
               const mdft_lbfgs_opts *o, mdft_lbfgs_result *r, mdft_error *err) {
  const int m = o->m > 0 ? o->m : 5;
  memset(r, 0, sizeof *r);
  if (m > 100) return mdft_fail(err, MDFT_ERR_INPUT, "L-BFGS memory %d: at most 100", m);
  const size_t bytes = sizeof(double) * (size_t)n, fbytes = sizeof(float) * (size_t)n;
  history h = {m, 0, 0, calloc((size_t)m, sizeof(float *)), calloc((size_t)m, sizeof(float *)), malloc(fbytes),
               malloc(fbytes), calloc((size_t)m, sizeof(double)), calloc((size_t)m, sizeof(double)),
               calloc((size_t)(2 * m + 1) * (size_t)(2 * m + 1), sizeof(double))};
  double *g = malloc(bytes), *gn = malloc(bytes);
  double *q = calloc((size_t)(2 * m + 1), sizeof(double)), *alpha = calloc((size_t)m, sizeof(double));
  double *dots = calloc((size_t)(6 * m + EXTRA), sizeof(double));
  int rc = MDFT_OK;
  int ok = g && gn && q && alpha && dots && h.S && h.Y && h.Sn && h.Yn && h.sigma && h.rho && h.G;
  for (int c = 0; ok && c < m; c++) ok = (h.S[c] = malloc(fbytes)) && (h.Y[c] = malloc(fbytes));
  if (!ok) {
    rc = mdft_fail(err, MDFT_ERR_NOMEM, "L-BFGS needs 2 vectors of %lld doubles and %d of floats", (long long)n,
                   2 * m + 2);
    goto done;
  }
  double f, fn;
  if ((rc = fg(ctx, x, g, &f))) goto done;
  r->nfeval = 1;
  gset(&h, ig(&h), ig(&h), dot(n, g, g));
  double df = INFINITY;
  for (r->iter = 0; r->iter < o->max_iter; r->iter++) {
    double gnorm = sqrt(gget(&h, ig(&h), ig(&h)));
    if (it && (rc = it(ctx, r->iter, r->nfeval, f, df, gnorm))) goto done;
    if (gnorm == 0 || fabs(df) < o->ftol) { r->converged = 1; break; }
    two_loop(&h, gnorm, q, alpha);
    double slope = row_dot(&h, q, ig(&h)); /* g.d */
    if (slope >= 0) { /* not a descent direction: restart from steepest descent */
      h.k = 0;
      memset(q, 0, sizeof(double) * (size_t)(2 * m + 1));
      q[ig(&h)] = -1 / gnorm;
      slope = -gnorm;
    }
    direction(n, &h, q, g, x, h.Sn); /* and x += d~: the first trial */
    double step = 1, taken = 1;
    ok = 0;
    for (int ls = 0; ls < 40; ls++) {
      if (step != taken) axpy(n, step - taken, h.Sn, x);
      taken = step;
      if ((rc = fg(ctx, x, gn, &fn))) goto done;
      r->nfeval++;
      if (isfinite(fn) && fn <= f + 1e-4 * step * slope) { ok = 1; break; }
      step *= isfinite(fn) ? 0.5 : 0.1;
    }
    if (!ok) { /* no decrease along d: undo the step and stop */
      axpy(n, -taken, h.Sn, x);
      break;
    }
    /* the candidate pair and every dot product the new Gram rows need; then g <- gn */
    if ((rc = step_dots(n, &h, g, gn, dots))) {
      rc = mdft_fail(err, rc, "L-BFGS dot products");
      goto done;
    }
    double *t = g; g = gn; gn = t;
    const double *e = dots + 3 * (2 * h.k); /* g.g, g.y, y.y, d.d, d.g, d.y */
    double sy = step * e[5];
    const int c = h.head, accept = sy > 0; /* the pair goes into slot c (the oldest when full) */
    /* the new rows against the pairs held before this step (dots taken newest first) */
    for (int j = 0; j < h.k; j++) {
      int cc = slot(&h, j);
      if (accept && cc == c) continue; /* the pair being replaced */
      const double *ds = dots + 3 * (2 * j), *dy = dots + 3 * (2 * j + 1); /* (g, y, d) . S_cc, . Y_cc */
      gset(&h, ig(&h), is(&h, cc), h.sigma[cc] * ds[0]);
      gset(&h, ig(&h), iy(&h, cc), dy[0]);
      if (accept) {
        gset(&h, is(&h, c), is(&h, cc), step * h.sigma[cc] * ds[2]);
        gset(&h, is(&h, c), iy(&h, cc), step * dy[2]);
        gset(&h, iy(&h, c), is(&h, cc), h.sigma[cc] * ds[1]);
        gset(&h, iy(&h, c), iy(&h, cc), dy[1]);
      }
    }
    if (accept) {
      gset(&h, is(&h, c), is(&h, c), step * step * e[3]);
      gset(&h, is(&h, c), iy(&h, c), sy);
      gset(&h, iy(&h, c), iy(&h, c), e[2]);
      gset(&h, ig(&h), is(&h, c), step * e[4]);
      gset(&h, ig(&h), iy(&h, c), e[1]);
      float *tf = h.S[c]; h.S[c] = h.Sn; h.Sn = tf;
      tf = h.Y[c]; h.Y[c] = h.Yn; h.Yn = tf;
      h.sigma[c] = step;
      h.rho[c] = 1.0 / sy;
      h.head = (h.head + 1) % m;
      if (h.k < m) h.k++;
    } else
      r->skipped++; /* without curvature the pair would make H indefinite */
    gset(&h, ig(&h), ig(&h), e[0]);
    df = fn - f;
    f = fn;
  }
  r->f = f;
  if (!r->converged && r->iter >= o->max_iter) {
    double gnorm = sqrt(gget(&h, ig(&h), ig(&h)));
    if (it && (rc = it(ctx, r->iter, r->nfeval, f, df, gnorm))) goto done;
    if (fabs(df) < o->ftol) r->converged = 1;
  }
done:
  for (int c = 0; c < m && h.S && h.Y; c++) { free(h.S[c]); free(h.Y[c]); }
  free(h.S); free(h.Y); free(h.Sn); free(h.Yn); free(h.sigma); free(h.rho); free(h.G);
  free(g); free(gn); free(q); free(alpha); free(dots);
  return rc;
}
