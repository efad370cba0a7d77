/* Orientation space <-> generalized spherical harmonic projections.
 * f(Omega) = sum_{m,mu,mu'} f^m_{mu mu'} D^m_{mu mu'}(Omega),
 * f^m_{mu mu'} = (2m+1) <D^m_{mu mu'}* f>_Omega.
 * f is real, so f^m_{-mu,-mu'} = (-1)^(mu-mu') conj(f^m_{mu mu'}): only mu' >= 0
 * is stored. The transform is separable (psi, then phi, then theta), which costs
 * O(no * mmax) per point instead of O(no * np). */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

int mdft_proj_init(mdft_proj *p, const mdft_angles *a, const mdft_wigner *w, mdft_error *err) {
  int mmax = a->mmax, mrso = a->mrso, nmu = 2 * mmax + 1;
  p->mmax = mmax;
  p->mrso = mrso;
  p->na = mmax / mrso + 1;
  p->ang = a;
  p->np = 0;
  for (int m = 0; m <= mmax; m++) p->np += (int64_t)(2 * m + 1) * (m / mrso + 1);
  size_t np = (size_t)p->np, npi = (size_t)((mmax + 1) * nmu * p->na);
  p->pm = malloc(sizeof(int) * np);
  p->pmu = malloc(sizeof(int) * np);
  p->pmup = malloc(sizeof(int) * np);
  p->pindex = malloc(sizeof(int64_t) * npi);
  p->dtheta = malloc(sizeof(double) * np * (size_t)a->ntheta);
  p->ephi = malloc(sizeof(double complex) * (size_t)(a->nphi * nmu));
  p->epsi = malloc(sizeof(double complex) * (size_t)(a->npsi * p->na));
  double *d = malloc(sizeof(double) * (size_t)w->size);
  if (!p->pm || !p->pmu || !p->pmup || !p->pindex || !p->dtheta || !p->ephi || !p->epsi || !d) {
    free(d);
    mdft_proj_free(p);
    return mdft_fail(err, MDFT_ERR_NOMEM, "projection tables");
  }
  for (size_t i = 0; i < npi; i++) p->pindex[i] = -1;
  int64_t ip = 0;
  for (int m = 0; m <= mmax; m++)
    for (int mu = -m; mu <= m; mu++)
      for (int ia = 0; ia * mrso <= m; ia++, ip++) {
        p->pm[ip] = m; p->pmu[ip] = mu; p->pmup[ip] = ia * mrso;
        p->pindex[((int64_t)m * nmu + mu + mmax) * p->na + ia] = ip;
      }
  for (int64_t i = 0; i < a->ntheta; i++) {
    mdft_wigner_d(w, a->ctheta[i], d);
    for (int64_t q = 0; q < p->np; q++)
      p->dtheta[i * p->np + q] = d[mdft_wig_idx(p->pm[q], p->pmu[q], p->pmup[q])];
  }
  for (int64_t j = 0; j < a->nphi; j++)
    for (int mu = -mmax; mu <= mmax; mu++) p->ephi[j * nmu + mu + mmax] = cexp(I * mu * a->phi[j]);
  for (int64_t k = 0; k < a->npsi; k++)
    for (int ia = 0; ia < p->na; ia++) p->epsi[k * p->na + ia] = cexp(I * ia * mrso * a->psi[k]);
  free(d);
  return MDFT_OK;
}

void mdft_proj_free(mdft_proj *p) {
  free(p->pm); free(p->pmu); free(p->pmup); free(p->pindex);
  free(p->dtheta); free(p->ephi); free(p->epsi);
  p->pm = p->pmu = p->pmup = NULL; p->pindex = NULL; p->dtheta = NULL;
  p->ephi = p->epsi = NULL;
}

int64_t mdft_proj_work(const mdft_proj *p) {
  const mdft_angles *a = p->ang;
  return a->ntheta * a->nphi * p->na + a->ntheta * (2 * p->mmax + 1) * p->na;
}

void mdft_proj_forward(const mdft_proj *p, const double *f, double complex *out, int64_t stride,
                       double complex *work) {
  const mdft_angles *a = p->ang;
  const int64_t nt = a->ntheta, nph = a->nphi, nps = a->npsi, na = p->na, nmu = 2 * p->mmax + 1;
  double complex *f1 = work, *f2 = work + nt * nph * na;
  const double ipsi = 1.0 / (double)nps, iphi = 1.0 / (double)nph;
  for (int64_t ij = 0; ij < nt * nph; ij++)
    for (int64_t ia = 0; ia < na; ia++) {
      double complex s = 0;
      for (int64_t k = 0; k < nps; k++) s += f[ij * nps + k] * p->epsi[k * na + ia];
      f1[ij * na + ia] = s * ipsi;
    }
  for (int64_t i = 0; i < nt; i++)
    for (int64_t mu = 0; mu < nmu; mu++)
      for (int64_t ia = 0; ia < na; ia++) {
        double complex s = 0;
        for (int64_t j = 0; j < nph; j++) s += f1[(i * nph + j) * na + ia] * p->ephi[j * nmu + mu];
        f2[(i * nmu + mu) * na + ia] = s * iphi;
      }
  for (int64_t q = 0; q < p->np; q++) {
    int64_t col = (int64_t)(p->pmu[q] + p->mmax) * na + p->pmup[q] / p->mrso;
    double complex s = 0;
    for (int64_t i = 0; i < nt; i++) s += a->wtheta[i] * p->dtheta[i * p->np + q] * f2[i * nmu * na + col];
    out[q * stride] = (2 * p->pm[q] + 1) * s;
  }
}

void mdft_proj_backward(const mdft_proj *p, const double complex *in, int64_t stride, double *f,
                        double complex *work) {
  const mdft_angles *a = p->ang;
  const int64_t nt = a->ntheta, nph = a->nphi, nps = a->npsi, na = p->na, nmu = 2 * p->mmax + 1;
  double complex *g1 = work, *g2 = work + nt * nph * na;
  for (int64_t i = 0; i < nt * nmu * na; i++) g2[i] = 0;
  for (int64_t q = 0; q < p->np; q++) {
    double complex v = in[q * stride];
    int64_t col = (int64_t)(p->pmu[q] + p->mmax) * na + p->pmup[q] / p->mrso;
    for (int64_t i = 0; i < nt; i++) g2[i * nmu * na + col] += v * p->dtheta[i * p->np + q];
  }
  for (int64_t i = 0; i < nt; i++)
    for (int64_t j = 0; j < nph; j++)
      for (int64_t ia = 0; ia < na; ia++) {
        double complex s = 0;
        for (int64_t mu = 0; mu < nmu; mu++) s += g2[(i * nmu + mu) * na + ia] * conj(p->ephi[j * nmu + mu]);
        g1[(i * nph + j) * na + ia] = s;
      }
  for (int64_t ij = 0; ij < nt * nph; ij++)
    for (int64_t k = 0; k < nps; k++) {
      double s = creal(g1[ij * na] * conj(p->epsi[k * na]));
      for (int64_t ia = 1; ia < na; ia++) s += 2 * creal(g1[ij * na + ia] * conj(p->epsi[k * na + ia]));
      f[ij * nps + k] = s;
    }
}
