/* Angular machinery: Gauss-Legendre exactness, Wigner d against closed forms,
 * unitarity and orthogonality, D(R1 R2) = D(R1) D(R2) for the Euler convention
 * of the orientation grid, and projection round trips on band-limited
 * functions for mmax 0..6, symmetry orders 1 and 2 (to 1e-12). */
#include <complex.h>
#include <string.h>
#include "internal.h"
#include "test_util.h"

static double urand(unsigned *s) { *s = *s * 1103515245u + 12345u; return ((*s >> 8) & 0xffffff) / 16777216.0; }

static void euler_of(const double r[9], double e[3]) {
  e[1] = acos(fmax(-1, fmin(1, r[8])));
  if (fabs(sin(e[1])) > 1e-12) { e[0] = atan2(r[5], r[2]); e[2] = atan2(r[7], -r[6]); }
  else { e[0] = atan2(r[3], r[0]); e[2] = 0; } /* only the sum matters at the poles */
}

static double complex Dfull(const mdft_wigner *w, double *d, int m, int a, int b, const double e[3]) {
  mdft_wigner_d(w, cos(e[1]), d);
  return cexp(-I * a * e[0]) * d[mdft_wig_idx(m, a, b)] * cexp(-I * b * e[2]);
}

int main(void) {
  mdft_error err;
  unsigned seed = 12345;
  /* Gauss-Legendre: exact for degree <= 2n-1 */
  for (int n = 1; n <= 8; n++) {
    double x[8], w[8];
    mdft_gauss_legendre(n, x, w);
    for (int k = 0; k <= 2 * n - 1; k++) {
      double s = 0;
      for (int i = 0; i < n; i++) s += w[i] * pow(x[i], k);
      double exact = k % 2 ? 0 : 2.0 / (k + 1);
      CHECK(fabs(s - exact) < 1e-14, "GL n=%d degree %d: %g vs %g", n, k, s, exact);
    }
  }
  mdft_wigner wg;
  OK(mdft_wigner_init(&wg, 6, &err));
  double *d = malloc(sizeof(double) * (size_t)wg.size);
  /* closed forms */
  for (int t = 0; t < 20; t++) {
    double th = MDFT_PI * urand(&seed), c = cos(th), s = sin(th);
    mdft_wigner_d(&wg, c, d);
    double ref[][4] = {{1, 1, 1, 0.5 * (1 + c)}, {1, 1, 0, -s / sqrt(2)}, {1, 1, -1, 0.5 * (1 - c)},
                       {1, 0, 0, c}, {1, 0, 1, s / sqrt(2)}, {2, 0, 0, 0.5 * (3 * c * c - 1)},
                       {2, 2, 0, sqrt(6) / 4 * s * s}, {2, 1, 0, -sqrt(1.5) * s * c},
                       {2, 2, 2, pow(0.5 * (1 + c), 2)}};
    for (size_t k = 0; k < sizeof ref / sizeof ref[0]; k++) {
      double v = d[mdft_wig_idx((int)ref[k][0], (int)ref[k][1], (int)ref[k][2])];
      CHECK(fabs(v - ref[k][3]) < 1e-14, "d^%g_{%g,%g}(%g) = %.16g vs %.16g", ref[k][0], ref[k][1], ref[k][2], th, v, ref[k][3]);
    }
    /* unitarity: sum_chi d_{mu chi} d_{nu chi} = delta */
    for (int m = 0; m <= 6; m++)
      for (int a = -m; a <= m; a++)
        for (int b = -m; b <= m; b++) {
          double sum = 0;
          for (int k = -m; k <= m; k++) sum += d[mdft_wig_idx(m, a, k)] * d[mdft_wig_idx(m, b, k)];
          CHECK(fabs(sum - (a == b)) < 1e-13, "unitarity m=%d %d %d: %g", m, a, b, sum);
        }
  }
  /* orthogonality in theta with a 40-point rule (exact for degree 79) */
  {
    double x[40], w[40];
    mdft_gauss_legendre(40, x, w);
    double *dd = malloc(sizeof(double) * 40 * (size_t)wg.size);
    for (int i = 0; i < 40; i++) mdft_wigner_d(&wg, x[i], dd + i * wg.size);
    for (int a = -6; a <= 6; a++)
      for (int b = -6; b <= 6; b++)
        for (int m = abs(a) > abs(b) ? abs(a) : abs(b); m <= 6; m++)
          for (int n = m; n <= 6; n++) {
            double s = 0;
            for (int i = 0; i < 40; i++) s += w[i] * dd[i * wg.size + mdft_wig_idx(m, a, b)] * dd[i * wg.size + mdft_wig_idx(n, a, b)];
            double exact = m == n ? 2.0 / (2 * m + 1) : 0;
            CHECK(fabs(s - exact) < 1e-13, "orthogonality m=%d n=%d (%d,%d): %g", m, n, a, b, s);
          }
    free(dd);
  }
  /* representation property with the grid's Euler convention */
  for (int t = 0; t < 10; t++) {
    double e1[3] = {2 * MDFT_PI * urand(&seed), MDFT_PI * urand(&seed), 2 * MDFT_PI * urand(&seed)};
    double e2[3] = {2 * MDFT_PI * urand(&seed), MDFT_PI * urand(&seed), 2 * MDFT_PI * urand(&seed)};
    double r1[9], r2[9], r12[9], e12[3];
    mdft_euler_matrix(e1[0], e1[1], e1[2], r1);
    mdft_euler_matrix(e2[0], e2[1], e2[2], r2);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        r12[3 * i + j] = 0;
        for (int k = 0; k < 3; k++) r12[3 * i + j] += r1[3 * i + k] * r2[3 * k + j];
      }
    euler_of(r12, e12);
    for (int m = 0; m <= 6; m++)
      for (int a = -m; a <= m; a++)
        for (int b = -m; b <= m; b++) {
          double complex s = 0;
          for (int k = -m; k <= m; k++) s += Dfull(&wg, d, m, a, k, e1) * Dfull(&wg, d, m, k, b, e2);
          double complex ref = Dfull(&wg, d, m, a, b, e12);
          CHECK(cabs(s - ref) < 1e-12, "D(R1R2) m=%d (%d,%d): |diff| %g", m, a, b, cabs(s - ref));
        }
  }
  /* projection round trips */
  for (int mrso = 1; mrso <= 2; mrso++)
    for (int mmax = 0; mmax <= 6; mmax++) {
      mdft_angles an;
      mdft_wigner w;
      mdft_proj p;
      OK(mdft_angles_init(&an, mmax, mrso, &err));
      OK(mdft_wigner_init(&w, mmax, &err));
      OK(mdft_proj_init(&p, &an, &w, &err));
      double complex *c = malloc(sizeof(double complex) * (size_t)p.np), *c2 = malloc(sizeof(double complex) * (size_t)p.np);
      double complex *work = malloc(sizeof(double complex) * (size_t)mdft_proj_work(&p));
      double *f = malloc(sizeof(double) * (size_t)an.no);
      for (int64_t q = 0; q < p.np; q++) {
        c[q] = (urand(&seed) - 0.5) + I * (urand(&seed) - 0.5);
        if (p.pmup[q] == 0 && p.pmu[q] == 0) c[q] = creal(c[q]);
      }
      /* reality for mu' = 0: c_{-mu,0} = (-1)^mu conj(c_{mu,0}) */
      for (int64_t q = 0; q < p.np; q++)
        if (p.pmup[q] == 0 && p.pmu[q] < 0) {
          int64_t qq = mdft_proj_p(&p, p.pm[q], -p.pmu[q], 0);
          c[q] = ((p.pmu[q] & 1) ? -1 : 1) * conj(c[qq]);
        }
      mdft_proj_backward(&p, c, 1, f, work);
      /* independent evaluation of f(Omega_o) with all mu' (negative ones by symmetry) */
      double maxe = 0;
      for (int64_t o = 0; o < an.no; o++) {
        double e[3];
        int64_t i = o / (an.nphi * an.npsi), j = (o / an.npsi) % an.nphi, k = o % an.npsi;
        e[0] = an.phi[j]; e[1] = acos(an.ctheta[i]); e[2] = an.psi[k];
        double complex s = 0;
        for (int64_t q = 0; q < p.np; q++) {
          int m = p.pm[q], a = p.pmu[q], b = p.pmup[q];
          s += c[q] * Dfull(&w, d, m, a, b, e);
          if (b > 0) s += (((a - b) & 1) ? -1 : 1) * conj(c[q]) * Dfull(&w, d, m, -a, -b, e);
        }
        CHECK(fabs(cimag(s)) < 1e-12, "reconstruction not real: %g", cimag(s));
        maxe = fmax(maxe, fabs(creal(s) - f[o]));
      }
      CHECK(maxe < 1e-12, "backward vs direct sum mmax=%d mrso=%d: %g", mmax, mrso, maxe);
      mdft_proj_forward(&p, f, c2, 1, work);
      double maxr = 0;
      for (int64_t q = 0; q < p.np; q++) maxr = fmax(maxr, cabs(c2[q] - c[q]));
      CHECK(maxr < 1e-12, "round trip mmax=%d mrso=%d: %g", mmax, mrso, maxr);
      double wsum = 0;
      for (int64_t o = 0; o < an.no; o++) wsum += an.w[o];
      CHECK(fabs(wsum - 1) < 1e-13, "weights sum %g", wsum);
      free(c); free(c2); free(work); free(f);
      mdft_proj_free(&p);
      mdft_wigner_free(&w);
      mdft_angles_free(&an);
    }
  free(d);
  mdft_wigner_free(&wg);
  if (!t_failures) printf("angular: all checks passed\n");
  return t_failures ? 1 : 0;
}
