/* The blocked angular transforms, MDFT_PB points at once: real arithmetic, point index fastest,
 * so that every inner loop is a vector operation over PV points. Compiled once per x86-64
 * level with that level's vector width (simd.h); projection.c picks one at run time. */
#include "internal.h"

/* PV lanes as one vector (GCC/clang vector extensions) */
#define PV MDFT_LANES
typedef double pv __attribute__((vector_size(PV * sizeof(double)), aligned(sizeof(double)), may_alias));
/* the complex numbers (re[b], im[b]) interleaved: PV_LO the first half of the lanes, PV_HI the
 * second; and back, the real and imaginary parts of 2 PV interleaved doubles */
#if PV == 8
#define PV_LO(re, im) MDFT_SHUF(re, im, 0, 8, 1, 9, 2, 10, 3, 11)
#define PV_HI(re, im) MDFT_SHUF(re, im, 4, 12, 5, 13, 6, 14, 7, 15)
#define PV_RE(lo, hi) MDFT_SHUF(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14)
#define PV_IM(lo, hi) MDFT_SHUF(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15)
#elif PV == 4
#define PV_LO(re, im) MDFT_SHUF(re, im, 0, 4, 1, 5)
#define PV_HI(re, im) MDFT_SHUF(re, im, 2, 6, 3, 7)
#define PV_RE(lo, hi) MDFT_SHUF(lo, hi, 0, 2, 4, 6)
#define PV_IM(lo, hi) MDFT_SHUF(lo, hi, 1, 3, 5, 7)
#else
#define PV_LO(re, im) MDFT_SHUF(re, im, 0, 2)
#define PV_HI(re, im) MDFT_SHUF(re, im, 1, 3)
#define PV_RE(lo, hi) MDFT_SHUF(lo, hi, 0, 2)
#define PV_IM(lo, hi) MDFT_SHUF(lo, hi, 1, 3)
#endif
#define PB MDFT_PB

_Static_assert(MDFT_PB % PV == 0, "a block is a whole number of vectors");
#define LD(ptr) (*(const pv *)(ptr))

/* The blocked transforms run the whole transform for PV points at a time: each stage's
 * sums stay in registers, and the scratch of the PV points (a few KiB) stays in L1. */
void MDFT_KERN(mdft_proj_forward_block)(const mdft_proj *p, int64_t nb, const double *restrict f,
                                         double complex *out, int64_t stride, double *restrict work) {
  const mdft_angles *a = p->ang;
  const int64_t nt = a->ntheta, nph = a->nphi, nps = a->npsi, na = p->na, mmax = p->mmax;
  const int64_t nmu = 2 * mmax + 1, np = p->np;
  pv *restrict f1 = (pv *)work;       /* (i,j,ia) x {re,im} */
  pv *restrict f2 = f1 + nt * nph * na * 2; /* (i,mu,ia) x {re,im} */
  pv *restrict pr = f2 + nt * nmu * na * 2; /* node pairs: sums and differences */
  for (int64_t q = 0; q < np; q++) {
    const double *o = (const double *)(out + q * stride);
    for (int l = 0; l < 2 * PB; l += 8) MDFT_PFW(o, 2 * PB * MDFT_PREFETCH + l);
  }
  for (int64_t c0 = 0; c0 < nb; c0 += PV) {
    const double *fc = f + c0; /* row r of the chunk at fc + r PB */
    /* psi: f1 = <f e^{i mu' psi}>_psi; the psi nodes 2 pi k / (npsi mrso) pair as k, npsi - k
     * (mu' psi: same cosines, opposite sines; npsi is odd, node 0 has sine 0), so the sums
     * run over the pairs' sums and differences */
    const int64_t kh = nps / 2;
    for (int64_t ij = 0; ij < nt * nph; ij++) {
      const double *fk = fc + ij * nps * PB;
      const pv f0 = LD(fk);
      for (int64_t k = 1; k <= kh; k++) {
        const pv u = LD(fk + k * PB), v = LD(fk + (nps - k) * PB);
        pr[2 * k - 2] = u + v;
        pr[2 * k - 1] = u - v;
      }
      for (int64_t ia = 0; ia < na; ia++) {
        pv re = p->fpsi[ia * 2] * f0, im = {0};
        for (int64_t k = 1; k <= kh; k++) {
          re += p->fpsi[(k * na + ia) * 2] * pr[2 * k - 2];
          im += p->fpsi[(k * na + ia) * 2 + 1] * pr[2 * k - 1];
        }
        f1[(ij * na + ia) * 2] = re;
        f1[(ij * na + ia) * 2 + 1] = im;
      }
    }
    /* phi: f2[mu] = <f1 e^{i mu phi}>_phi, mu and -mu from the same four sums; the phi
     * nodes 2 pi j / nph pair as j, nph - j (nph = 2 mmax + 1 is odd): half the products */
    const int64_t nh = nph / 2;
    for (int64_t i = 0; i < nt; i++)
      for (int64_t ia = 0; ia < na; ia++) {
        const pv zr = f1[(i * nph * na + ia) * 2], zi = f1[(i * nph * na + ia) * 2 + 1];
        for (int64_t j = 1; j <= nh; j++) {
          const pv *u = f1 + ((i * nph + j) * na + ia) * 2, *v = f1 + ((i * nph + nph - j) * na + ia) * 2;
          pr[4 * j - 4] = u[0] + v[0];
          pr[4 * j - 3] = u[1] + v[1];
          pr[4 * j - 2] = u[0] - v[0];
          pr[4 * j - 1] = u[1] - v[1];
        }
        for (int64_t mu = 0; mu <= mmax; mu++) {
          const double c0w = p->fphi[mu * 2];
          pv A = c0w * zr, D = c0w * zi, B = {0}, C = {0};
          for (int64_t j = 1; j <= nh; j++) {
            const double c = p->fphi[(j * (mmax + 1) + mu) * 2], s = p->fphi[(j * (mmax + 1) + mu) * 2 + 1];
            A += c * pr[4 * j - 4];
            D += c * pr[4 * j - 3];
            C += s * pr[4 * j - 2];
            B += s * pr[4 * j - 1];
          }
          pv *pp = f2 + ((i * nmu + mu + mmax) * na + ia) * 2, *pm = f2 + ((i * nmu - mu + mmax) * na + ia) * 2;
          pp[0] = A - B;
          pp[1] = C + D;
          if (mu) {
            pm[0] = A + B;
            pm[1] = D - C;
          }
        }
      }
    /* theta: f^m_{mu mu'} = (2m+1) sum_i w_i d^m_{mu mu'}(theta_i) f2_i */
    for (int64_t q = 0; q < np; q++) {
      const int64_t col = p->pcol[q];
      pv re = {0}, im = {0};
      for (int64_t i = 0; i < nt; i++) {
        const double c = p->wd[i * np + q];
        re += c * f2[(i * nmu * na + col) * 2];
        im += c * f2[(i * nmu * na + col) * 2 + 1];
      }
      double *o = (double *)(out + q * stride) + 2 * c0;
      if (c0 + PV <= nb) {
        *(pv *)o = PV_LO(re, im);
        *(pv *)(o + PV) = PV_HI(re, im);
      } else
        for (int64_t b = 0; b < nb - c0; b++) {
          o[2 * b] = re[b];
          o[2 * b + 1] = im[b];
        }
    }
  }
}

void MDFT_KERN(mdft_proj_backward_block)(const mdft_proj *p, int64_t nb, const double complex *in,
                                          int64_t stride, double *restrict f, double *restrict work) {
  const mdft_angles *a = p->ang;
  const int64_t nt = a->ntheta, nph = a->nphi, nps = a->npsi, na = p->na, mmax = p->mmax;
  const int64_t nmu = 2 * mmax + 1, np = p->np;
  pv *restrict g1 = (pv *)work;             /* (i,j,ia) x {re,im} */
  pv *restrict g2 = g1 + nt * nph * na * 2; /* (i,mu,ia) x {re,im} */
  pv *restrict sd = g2 + nt * nmu * na * 2; /* per mu > 0: sum re, sum im, diff re, diff im */
  pv *restrict qv = sd + 4 * (mmax + 1);    /* the chunk's projections, {re,im} each */
  /* the np streams are too many for the hardware prefetchers: fetch a few blocks ahead
   * (past the end of a field this touches the next one or nothing; prefetches never fault) */
  for (int64_t q = 0; q < np; q++) {
    const double *src = (const double *)(in + q * stride);
    for (int l = 0; l < 2 * PB; l += 8) MDFT_PF(src, 2 * PB * MDFT_PREFETCH + l);
  }
  for (int64_t c0 = 0; c0 < nb; c0 += PV) {
    for (int64_t q = 0; q < np; q++) {
      const double *src = (const double *)(in + q * stride) + 2 * c0;
      if (c0 + PV <= nb) {
        const pv lo = LD(src), hi = LD(src + PV);
        qv[2 * q] = PV_RE(lo, hi);
        qv[2 * q + 1] = PV_IM(lo, hi);
      } else {
        pv re = {0}, im = {0};
        for (int64_t b = 0; b < nb - c0; b++) {
          re[b] = src[2 * b];
          im[b] = src[2 * b + 1];
        }
        qv[2 * q] = re;
        qv[2 * q + 1] = im;
      }
    }
    /* theta: g2_i[mu,mu'] = sum_m f^m_{mu mu'} d^m_{mu mu'}(theta_i) */
    for (int64_t i = 0; i < nt; i++)
      for (int64_t c = 0; c < nmu * na; c++) {
        pv sr = {0}, si = {0};
        for (int64_t e = p->cstart[c]; e < p->cstart[c + 1]; e++) {
          const int64_t q = p->cq[e];
          const double d = p->dtheta[i * np + q];
          sr += d * qv[2 * q];
          si += d * qv[2 * q + 1];
        }
        g2[(i * nmu * na + c) * 2] = sr;
        g2[(i * nmu * na + c) * 2 + 1] = si;
      }
    /* phi: g1_{ij}[mu'] = sum_mu g2_i[mu,mu'] e^{-i mu phi_j}
     *   = g2[0] + sum_{mu>0} cos(mu phi_j) (g2[mu] + g2[-mu]) - i sin(mu phi_j) (g2[mu] - g2[-mu])
     * (real part only for mu' = 0); the phi nodes pair as j, nph - j (same cosines, opposite
     * sines): each pair's two outputs from the same cosine and sine sums */
    for (int64_t i = 0; i < nt; i++)
      for (int64_t ia = 0; ia < na; ia++) {
        const pv *z = g2 + ((i * nmu + mmax) * na + ia) * 2;
        for (int64_t mu = 1; mu <= mmax; mu++) {
          const pv *u = g2 + ((i * nmu + mmax + mu) * na + ia) * 2, *v = g2 + ((i * nmu + mmax - mu) * na + ia) * 2;
          sd[4 * mu - 4] = u[0] + v[0];
          sd[4 * mu - 3] = u[1] + v[1];
          sd[4 * mu - 2] = u[0] - v[0];
          sd[4 * mu - 1] = u[1] - v[1];
        }
        for (int64_t j = 0; j <= nph / 2; j++) {
          pv pr = z[0], pi = z[1], qr = {0}, qi = {0};
          for (int64_t mu = 1; mu <= mmax; mu++) {
            const double c = p->bphi[(j * nmu + mu + mmax) * 2], s = p->bphi[(j * nmu + mu + mmax) * 2 + 1];
            pr += c * sd[4 * mu - 4];
            qr += s * sd[4 * mu - 1];
            if (ia) {
              pi += c * sd[4 * mu - 3];
              qi += s * sd[4 * mu - 2];
            }
          }
          pv *o = g1 + ((i * nph + j) * na + ia) * 2;
          o[0] = pr + qr;
          o[1] = pi - qi;
          if (j) {
            pv *u = g1 + ((i * nph + nph - j) * na + ia) * 2;
            u[0] = pr - qr;
            u[1] = pi + qi;
          }
        }
      }
    /* psi: f = Re g1[0] + 2 sum_{mu'>0} Re(g1[mu'] e^{-i mu' psi}); the nodes k, npsi - k
     * share the cosine sums and take the sine sums with opposite signs */
    for (int64_t ij = 0; ij < nt * nph; ij++)
      for (int64_t k = 0; k <= nps / 2; k++) {
        pv cs = p->bpsi[k * na * 2] * g1[ij * na * 2], sn = {0};
        for (int64_t ia = 1; ia < na; ia++) {
          cs += p->bpsi[(k * na + ia) * 2] * g1[(ij * na + ia) * 2];
          sn += p->bpsi[(k * na + ia) * 2 + 1] * g1[(ij * na + ia) * 2 + 1];
        }
        *(pv *)(f + (ij * nps + k) * PB + c0) = cs + sn;
        if (k) *(pv *)(f + (ij * nps + nps - k) * PB + c0) = cs - sn;
      }
  }
}
