/* Angular quadrature: Gauss-Legendre in cos(theta), uniform in phi and psi.
 * With mmax+1 theta nodes, 2mmax+1 phi nodes and 2(mmax/mrso)+1 psi nodes on
 * [0, 2pi/mrso), products of two generalized spherical harmonics of order
 * <= mmax (with mu' multiple of mrso) are integrated exactly. */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

/* P_n'(z) by the three-term recurrence, and P_n(z) into *pn */
static double legendre_deriv(int64_t n, double z, double *pn) {
  double p0 = 1, p1 = 0;
  for (int64_t k = 1; k <= n; k++) {
    double p2 = p1;
    p1 = p0;
    p0 = ((2.0 * (double)k - 1) * z * p1 - ((double)k - 1) * p2) / (double)k;
  }
  *pn = p0;
  return (double)n * (z * p0 - p1) / (z * z - 1);
}

void mdft_gauss_legendre(int64_t n, double *x, double *w) {
  for (int64_t i = 0; i < n; i++) {
    double z = cos(MDFT_PI * ((double)i + 0.75) / ((double)n + 0.5)), pn;
    for (int it = 0; it < 100; it++) { /* Newton on P_n */
      const double dp = legendre_deriv(n, z, &pn), dz = pn / dp;
      z -= dz;
      if (fabs(dz) < 1e-16) break;
    }
    /* the derivative at the converged node, for the weight */
    const double dp = legendre_deriv(n, z, &pn);
    x[n - 1 - i] = z;
    w[n - 1 - i] = 2.0 / ((1 - z * z) * dp * dp);
  }
}

void mdft_euler_matrix(double phi, double theta, double psi, double r[9]) {
  /* R = Rz(phi) Ry(theta) Rz(psi): the molecule frame's z axis points along
   * (sin t cos p, sin t sin p, cos t) in the lab. */
  double ca = cos(phi), sa = sin(phi), cb = cos(theta), sb = sin(theta), cc = cos(psi),
         sc = sin(psi);
  r[0] = ca * cb * cc - sa * sc; r[1] = -ca * cb * sc - sa * cc; r[2] = ca * sb;
  r[3] = sa * cb * cc + ca * sc; r[4] = -sa * cb * sc + ca * cc; r[5] = sa * sb;
  r[6] = -sb * cc;               r[7] = sb * sc;                 r[8] = cb;
}

int mdft_angles_init(mdft_angles *a, int mmax, int mrso, mdft_error *err) {
  if (mmax < 0 || mmax > 6) return mdft_fail(err, MDFT_ERR_INPUT, "mmax = %d out of range 0..6", mmax);
  if (mrso < 1) return mdft_fail(err, MDFT_ERR_INPUT, "molecular symmetry order %d < 1", mrso);
  a->mmax = mmax;
  a->mrso = mrso;
  a->ntheta = mmax + 1;
  a->nphi = 2 * mmax + 1;
  a->npsi = 2 * (mmax / mrso) + 1;
  a->no = a->ntheta * a->nphi * a->npsi;
  a->ctheta = malloc(sizeof(double) * (size_t)a->ntheta);
  a->wtheta = malloc(sizeof(double) * (size_t)a->ntheta);
  a->phi = malloc(sizeof(double) * (size_t)a->nphi);
  a->psi = malloc(sizeof(double) * (size_t)a->npsi);
  a->w = malloc(sizeof(double) * (size_t)a->no);
  a->rot = malloc(sizeof(double) * 9 * (size_t)a->no);
  if (!a->ctheta || !a->wtheta || !a->phi || !a->psi || !a->w || !a->rot) {
    mdft_angles_free(a);
    return mdft_fail(err, MDFT_ERR_NOMEM, "angular grid");
  }
  mdft_gauss_legendre(a->ntheta, a->ctheta, a->wtheta);
  for (int64_t i = 0; i < a->ntheta; i++) a->wtheta[i] *= 0.5;
  for (int64_t j = 0; j < a->nphi; j++) a->phi[j] = 2 * MDFT_PI * (double)j / (double)a->nphi;
  for (int64_t k = 0; k < a->npsi; k++)
    a->psi[k] = 2 * MDFT_PI * (double)k / (double)(a->npsi * mrso);
  for (int64_t i = 0, o = 0; i < a->ntheta; i++)
    for (int64_t j = 0; j < a->nphi; j++)
      for (int64_t k = 0; k < a->npsi; k++, o++) {
        a->w[o] = a->wtheta[i] / (double)(a->nphi * a->npsi);
        mdft_euler_matrix(a->phi[j], acos(a->ctheta[i]), a->psi[k], a->rot + 9 * o);
      }
  return MDFT_OK;
}

void mdft_angles_free(mdft_angles *a) {
  free(a->ctheta); free(a->wtheta); free(a->phi); free(a->psi); free(a->w); free(a->rot);
  a->ctheta = a->wtheta = a->phi = a->psi = a->w = a->rot = NULL;
}
