/* Orientation space <-> generalized spherical harmonic projections.
 * f(Omega) = sum_{m,mu,mu'} f^m_{mu mu'} D^m_{mu mu'}(Omega),
 * f^m_{mu mu'} = (2m+1) <D^m_{mu mu'}* f>_Omega.
 * f is real, so f^m_{-mu,-mu'} = (-1)^(mu-mu') conj(f^m_{mu mu'}): only mu' >= 0
 * is stored. The transform is separable (psi, then phi, then theta), which costs
 * O(no * mmax) per point instead of O(no * np). */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

static int proj_tables(mdft_proj *p);

int mdft_proj_init(mdft_proj *p, const mdft_angles *a, const mdft_wigner *w, mdft_error *err) {
  int mmax = a->mmax, mrso = a->mrso, nmu = 2 * mmax + 1, isa, rc;
  if ((rc = mdft_isa_select(&isa, err))) return rc;
  p->mmax = mmax;
  p->isa = isa;
  p->mrso = mrso;
  p->na = mmax / mrso + 1;
  p->ang = a;
  p->fpsi = p->fphi = p->bpsi = p->bphi = p->wd = NULL;
  p->pcol = p->cstart = p->cq = NULL;
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
  if (proj_tables(p)) {
    mdft_proj_free(p);
    return mdft_fail(err, MDFT_ERR_NOMEM, "projection tables");
  }
  return MDFT_OK;
}

void mdft_proj_free(mdft_proj *p) {
  free(p->pm); free(p->pmu); free(p->pmup); free(p->pindex);
  free(p->dtheta); free(p->ephi); free(p->epsi);
  p->pm = p->pmu = p->pmup = NULL; p->pindex = NULL; p->dtheta = NULL;
  p->ephi = p->epsi = NULL;
  free(p->fpsi); free(p->fphi); free(p->bpsi); free(p->bphi); free(p->wd); free(p->pcol);
  free(p->cstart); free(p->cq);
  p->fpsi = p->fphi = p->bpsi = p->bphi = p->wd = NULL;
  p->pcol = p->cstart = p->cq = NULL;
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

/* ---- tables of the blocked transforms (projection_block.c) ---- */
static int proj_tables(mdft_proj *p) {
  const mdft_angles *a = p->ang;
  const int mmax = p->mmax, nmu = 2 * mmax + 1;
  const int64_t na = p->na;
  p->fpsi = malloc(sizeof(double) * (size_t)(a->npsi * na * 2));
  p->bpsi = malloc(sizeof(double) * (size_t)(a->npsi * na * 2));
  p->fphi = malloc(sizeof(double) * (size_t)(a->nphi * (mmax + 1) * 2));
  p->bphi = malloc(sizeof(double) * (size_t)(a->nphi * nmu * 2));
  p->wd = malloc(sizeof(double) * (size_t)(a->ntheta * p->np));
  p->pcol = malloc(sizeof(int64_t) * (size_t)p->np);
  p->cstart = calloc((size_t)(nmu * na + 1), sizeof(int64_t));
  p->cq = malloc(sizeof(int64_t) * (size_t)p->np);
  if (!p->fpsi || !p->bpsi || !p->fphi || !p->bphi || !p->wd || !p->pcol || !p->cstart || !p->cq)
    return 1;
  for (int64_t k = 0; k < a->npsi; k++)
    for (int64_t ia = 0; ia < na; ia++) {
      double ang = (double)(ia * p->mrso) * a->psi[k];
      p->fpsi[(k * na + ia) * 2] = cos(ang) / (double)a->npsi;
      p->fpsi[(k * na + ia) * 2 + 1] = sin(ang) / (double)a->npsi;
      p->bpsi[(k * na + ia) * 2] = (ia ? 2 : 1) * cos(ang);
      p->bpsi[(k * na + ia) * 2 + 1] = (ia ? 2 : 1) * sin(ang);
    }
  for (int64_t j = 0; j < a->nphi; j++) {
    for (int mu = 0; mu <= mmax; mu++) {
      p->fphi[(j * (mmax + 1) + mu) * 2] = cos(mu * a->phi[j]) / (double)a->nphi;
      p->fphi[(j * (mmax + 1) + mu) * 2 + 1] = sin(mu * a->phi[j]) / (double)a->nphi;
    }
    for (int mu = -mmax; mu <= mmax; mu++) {
      p->bphi[(j * nmu + mu + mmax) * 2] = cos(mu * a->phi[j]);
      p->bphi[(j * nmu + mu + mmax) * 2 + 1] = sin(mu * a->phi[j]);
    }
  }
  for (int64_t q = 0; q < p->np; q++) {
    p->pcol[q] = (int64_t)(p->pmu[q] + mmax) * na + p->pmup[q] / p->mrso;
    for (int64_t i = 0; i < a->ntheta; i++)
      p->wd[i * p->np + q] = (2 * p->pm[q] + 1) * a->wtheta[i] * p->dtheta[i * p->np + q];
  }
  for (int64_t q = 0; q < p->np; q++) p->cstart[p->pcol[q] + 1]++;
  for (int64_t c = 0; c < nmu * na; c++) p->cstart[c + 1] += p->cstart[c];
  for (int64_t c = 0, e = 0; c < nmu * na; c++)
    for (int64_t q = 0; q < p->np; q++)
      if (p->pcol[q] == c) p->cq[e++] = q;
  return 0;
}

int64_t mdft_proj_block_work(const mdft_proj *p) {
  const mdft_angles *a = p->ang;
  return (a->ntheta * a->nphi * p->na * 2 + a->ntheta * (2 * p->mmax + 1) * p->na * 2 +
          4 * (p->mmax + 1) + 2 * p->np) * MDFT_LANES_MAX;
}

/* the block transforms of the vector width this CPU runs best (projection_block.c) */
void mdft_proj_forward_block(const mdft_proj *p, int64_t nb, const double *f, double complex *out, int64_t stride,
                             double *work) {
  MDFT_DISPATCH(p->isa, mdft_proj_forward_block, p, nb, f, out, stride, work);
}

void mdft_proj_backward_block(const mdft_proj *p, int64_t nb, const double complex *in, int64_t stride, double *f,
                              double *work) {
  MDFT_DISPATCH(p->isa, mdft_proj_backward_block, p, nb, in, stride, f, work);
}
