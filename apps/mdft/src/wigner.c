/* Wigner small-d matrices through Jacobi polynomials:
 * d^j_{m'm}(b) = (-1)^l sqrt(C(2j-k,k+a)/C(k+b,b)) sin^a(b/2) cos^b(b/2) P^{(a,b)}_k(cos b)
 * with k = min(j+m, j-m, j+m', j-m'). Stable and exact to rounding for j <= 6;
 * D^m_{mu chi}(phi,theta,psi) = exp(-i mu phi) d^m_{mu chi}(theta) exp(-i chi psi). */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

static double binom(int n, int k) {
  double r = 1;
  for (int i = 1; i <= k; i++) r = r * (double)(n - k + i) / (double)i;
  return r;
}

int mdft_wigner_init(mdft_wigner *w, int mmax, mdft_error *err) {
  w->mmax = mmax;
  w->size = mdft_wig_idx(mmax + 1, -(mmax + 1), -(mmax + 1));
  w->norm = malloc(sizeof(double) * (size_t)w->size);
  w->a = malloc(sizeof(int) * (size_t)w->size);
  w->b = malloc(sizeof(int) * (size_t)w->size);
  w->k = malloc(sizeof(int) * (size_t)w->size);
  if (!w->norm || !w->a || !w->b || !w->k) {
    mdft_wigner_free(w);
    return mdft_fail(err, MDFT_ERR_NOMEM, "Wigner tables");
  }
  for (int j = 0; j <= mmax; j++)
    for (int mp = -j; mp <= j; mp++)
      for (int m = -j; m <= j; m++) {
        int k = j + m, a = mp - m, lam = mp - m;
        if (j - m < k) { k = j - m; a = m - mp; lam = 0; }
        if (j + mp < k) { k = j + mp; a = m - mp; lam = 0; }
        if (j - mp < k) { k = j - mp; a = mp - m; lam = mp - m; }
        int b = 2 * j - 2 * k - a;
        int64_t i = mdft_wig_idx(j, mp, m);
        w->k[i] = k; w->a[i] = a; w->b[i] = b;
        w->norm[i] = ((lam & 1) ? -1.0 : 1.0) * sqrt(binom(2 * j - k, k + a) / binom(k + b, b));
      }
  return MDFT_OK;
}

void mdft_wigner_free(mdft_wigner *w) {
  free(w->norm); free(w->a); free(w->b); free(w->k);
  w->norm = NULL; w->a = w->b = w->k = NULL;
}

static double jacobi(int n, int a, int b, double x) {
  double p0 = 1, p1 = 0.5 * (2 * (a + 1) + (a + b + 2) * (x - 1));
  if (n == 0) return p0;
  for (int k = 2; k <= n; k++) {
    double c = 2 * k + a + b;
    double a1 = 2.0 * k * (k + a + b) * (c - 2);
    double a2 = (c - 1) * (c * (c - 2) * x + (double)(a * a - b * b));
    double a3 = 2.0 * (k + a - 1) * (k + b - 1) * c;
    double p2 = (a2 * p1 - a3 * p0) / a1;
    p0 = p1;
    p1 = p2;
  }
  return p1;
}

void mdft_wigner_d(const mdft_wigner *w, double x, double *d) {
  if (x > 1) x = 1;
  if (x < -1) x = -1;
  double c = sqrt(0.5 * (1 + x)), s = sqrt(0.5 * (1 - x));
  double cp[2 * 6 + 2], sp[2 * 6 + 2];
  cp[0] = sp[0] = 1;
  for (int i = 1; i <= 2 * w->mmax; i++) { cp[i] = cp[i - 1] * c; sp[i] = sp[i - 1] * s; }
  for (int64_t i = 0; i < w->size; i++)
    d[i] = w->norm[i] * sp[w->a[i]] * cp[w->b[i]] * jacobi(w->k[i], w->a[i], w->b[i], x);
}
