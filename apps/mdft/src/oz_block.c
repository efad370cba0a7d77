/* The blocked OZ apply: VL wave-vector pairs at once, one per vector lane; compiled once per
 * x86-64 level with its vector width (simd.h), picked by mdft_oz_apply (oz.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "oz_fast.h"
#include "stream.h"

/* VL wave-vector pairs (q, -q) at once, one per vector lane.
 * The rotation tables d^n(theta_q) and phases exp(-i mu phi_q) are built per block
 * (Jacobi recurrence), so nothing per q is stored; the -q frame reuses q's tables:
 * d^n_{mu khi}(pi - theta) = (-1)^(n+mu) d^n_{mu,-khi}(theta), exp(-i mu (phi + pi)) =
 * (-1)^mu exp(-i mu phi). Two symmetries halve the rotations against the reference:
 * (1) the fields are transforms of a real density, A^n_{mu nu}(q) = (-1)^(mu-nu)
 *     conj A^n_{-mu,-nu}(-q) (nu = mu'), hence in the q frame A'(q)^n_{khi nu} =
 *     (-1)^(n+nu+khi) conj A'(-q)^n_{khi,-nu}: the rotation runs for nu >= 0 at q and
 *     nu > 0 at -q only, and the stored nu = 0 values at -q are not read;
 * (2) d^n_{-mu,-khi} = (-1)^(mu-khi) d^n_{mu khi}: with E_mu, O_mu = A_mu +- (-1)^mu A_{-mu}
 *     (mu > 0, E_0 = A_0) and C, S_{mu khi} = (d_{mu khi} +- (-1)^khi d_{mu,-khi})/2
 *     (C_{mu 0} = d_{mu 0}), R_khi = sum_mu A_mu d_{mu khi} is
 *     R_khi, (-1)^khi R_{-khi} = sum_{mu>=0} E_mu C_{mu khi} +- sum_{mu>0} O_mu S_{mu khi}
 *     (khi >= 0): (n+1)^2 + n^2 products instead of (2n+1)^2. The back rotation
 *     out_mu = sum_khi G_khi d_{mu khi} uses the same tables transposed. */
#define VL MDFT_LANES
typedef double ozv __attribute__((vector_size(VL * sizeof(double))));
/* unaligned, aliasing view of VL doubles in the data */
typedef double ozvu __attribute__((vector_size(VL * sizeof(double)), aligned(sizeof(double)), may_alias));
#if (VL == 8 || VL == 4) && defined(__GNUC__) && !defined(__clang__)
#define OZ_SHUF(a, b, ...) MDFT_SHUF(a, b, __VA_ARGS__)
#define OZ_RUNS 1 /* contiguous rows through shuffles; their lane patterns: */
#if VL == 8
#define OZ_DEINT_RE 0, 2, 4, 6, 8, 10, 12, 14         /* lo, hi interleaved -> re, im */
#define OZ_DEINT_IM 1, 3, 5, 7, 9, 11, 13, 15
#define OZ_REV_RE 14, 12, 10, 8, 6, 4, 2, 0           /* the same, lanes reversed */
#define OZ_REV_IM 15, 13, 11, 9, 7, 5, 3, 1
#define OZ_WRAP_RE 0, 14, 12, 10, 8, 6, 4, 2          /* reversed one further, lane 0 apart */
#define OZ_WRAP_IM 1, 15, 13, 11, 9, 7, 5, 3
#define OZ_INT_LO 0, 8, 1, 9, 2, 10, 3, 11            /* re, im -> interleaved lo, hi */
#define OZ_INT_HI 4, 12, 5, 13, 6, 14, 7, 15
#define OZ_RINT_LO 7, 15, 6, 14, 5, 13, 4, 12         /* lanes reversed */
#define OZ_RINT_HI 3, 11, 2, 10, 1, 9, 0, 8
#define OZ_WINT_LO 0, 8, 7, 15, 6, 14, 5, 13          /* reversed one further, lane 0 apart */
#define OZ_WINT_HI 4, 12, 3, 11, 2, 10, 1, 9
#else
#define OZ_DEINT_RE 0, 2, 4, 6
#define OZ_DEINT_IM 1, 3, 5, 7
#define OZ_REV_RE 6, 4, 2, 0
#define OZ_REV_IM 7, 5, 3, 1
#define OZ_WRAP_RE 0, 6, 4, 2
#define OZ_WRAP_IM 1, 7, 5, 3
#define OZ_INT_LO 0, 4, 1, 5
#define OZ_INT_HI 2, 6, 3, 7
#define OZ_RINT_LO 3, 7, 2, 6
#define OZ_RINT_HI 1, 5, 0, 4
#define OZ_WINT_LO 0, 4, 3, 7
#define OZ_WINT_HI 2, 6, 1, 5
#endif
#else
#define OZ_RUNS 0
#endif
/* the -q rows of the mu' = 0 fields are only written: with SSE2, by streaming stores */
#ifndef OZ_STREAM
#if defined(__SSE2__)
#define OZ_STREAM 1
#else
#define OZ_STREAM 0
#endif
#endif
#define OZ_PFD 4 /* prefetch distance of the unstaged blocks, blocks */
/* prefetch the line holding p[off] for writing, into L2 (software prefetches into L1 for
 * 2 x np streams run out of L1 miss buffers) */
#define OZ_PF(p, off) __builtin_prefetch((const void *)((uintptr_t)(p) + (uintptr_t)((off) * 8)), 1, 2)

/* per-thread scratch of the blocked apply; lane b holds the pair q_b, -q_b */
typedef struct {
  ozv *aq, *am;      /* np x (re, im): stored projections at q and -q; then gamma there */
  ozv *t, *tab;      /* Jacobi terms; C and S tables */
  ozv *rq, *rm;      /* nslot x (re, im): the q frame at q and -q */
  ozv *gq, *gm;      /* nslot x (re, im): gamma in the q frame */
  ozv *k;            /* kernel columns */
  ozv *ec, *es;      /* cos, sin(mu phi), mu = 0..mmax */
  ozv *cp, *sp;      /* cos^i, sin^i (theta/2), i = 0..2mmax */
  ozv *tmp;          /* 4 (mmax + 1): the rotations' scratch beyond OZ_NMAX */
  double qx[VL], qy[VL], qz[VL];
  int64_t self[VL], part[VL];
  int nyq; /* lane at the Nyquist plane of a contiguous block, or -1 */
  /* prefetches of the next staged row pair, issued a few at a time through the block
   * (a burst would stall on the miss buffers): rows pfr[0..npf) of pfl lines, at row pfi, line pfc */
  const char **pfr;
  int64_t npf, pfl, pfi, pfc;
} ozblk;

static void *blk_alloc(const mdft_oz *oz, ozblk *w) {
  const ozfast *z = oz->fast;
  const int64_t m1 = oz->mmax + 1;
  const int64_t nv = 4 * z->np + z->ntrip + z->ncs + 8 * z->nslot + z->ncolp +
                     2 * m1 + 2 * (2 * m1 - 1) + 8 * m1;
  ozv *c = aligned_alloc(sizeof(ozv), sizeof(ozv) * (size_t)nv);
  if (!c) return NULL;
  void *base = c;
  w->aq = c; c += 2 * z->np; w->am = c; c += 2 * z->np;
  w->t = c; c += z->ntrip; w->tab = c; c += z->ncs;
  w->rq = c; c += 2 * z->nslot; w->rm = c; c += 2 * z->nslot;
  w->gq = c; c += 2 * z->nslot; w->gm = c; c += 2 * z->nslot;
  w->k = c; c += z->ncolp;
  w->ec = c; c += m1; w->es = c; c += m1;
  w->cp = c; c += 2 * m1 - 1; w->sp = c; c += 2 * m1 - 1;
  w->tmp = c; c += 4 * m1;
  return base;
}

/* load/store lanes of one field: contiguous (run 1: q up from self[0], -q down to
 * part[VL-1]; run 2: the same but lane 0's partner wraps around the row) or per lane */
static inline void ld_q(const double *src, const ozblk *w, int run, ozv *re, ozv *im) {
#if OZ_RUNS
  if (run) {
    const ozvu *s = (const ozvu *)(src + 2 * w->self[0]);
    const ozv lo = s[0], hi = s[1];
    *re = OZ_SHUF(lo, hi, OZ_DEINT_RE);
    *im = OZ_SHUF(lo, hi, OZ_DEINT_IM);
    return;
  }
#endif
  (void)run;
  for (int b = 0; b < VL; b++) { (*re)[b] = src[2 * w->self[b]]; (*im)[b] = src[2 * w->self[b] + 1]; }
}
static inline void ld_m(const double *src, const ozblk *w, int run, ozv *re, ozv *im) {
#if OZ_RUNS
  if (run == 1) {
    const ozvu *s = (const ozvu *)(src + 2 * w->part[VL - 1]);
    const ozv lo = s[0], hi = s[1];
    *re = OZ_SHUF(lo, hi, OZ_REV_RE);
    *im = OZ_SHUF(lo, hi, OZ_REV_IM);
    return;
  }
  if (run == 2) {
    const ozvu *s = (const ozvu *)(src + 2 * (w->part[VL - 1] - 1));
    const ozv lo = s[0], hi = s[1];
    *re = OZ_SHUF(lo, hi, OZ_WRAP_RE);
    *im = OZ_SHUF(lo, hi, OZ_WRAP_IM);
    (*re)[0] = src[2 * w->part[0]];
    (*im)[0] = src[2 * w->part[0] + 1];
    return;
  }
#endif
  (void)run;
  for (int b = 0; b < VL; b++) { (*re)[b] = src[2 * w->part[b]]; (*im)[b] = src[2 * w->part[b] + 1]; }
}
static inline void st_q(double *dst, const ozblk *w, int run, int64_t npairs, const ozv *re, const ozv *im) {
#if OZ_RUNS
  if (run) {
    ozvu *d = (ozvu *)(dst + 2 * w->self[0]);
    d[0] = OZ_SHUF(*re, *im, OZ_INT_LO);
    d[1] = OZ_SHUF(*re, *im, OZ_INT_HI);
    return;
  }
#endif
  (void)run;
  for (int64_t b = 0; b < npairs; b++) { dst[2 * w->self[b]] = (*re)[b]; dst[2 * w->self[b] + 1] = (*im)[b]; }
}
static inline void st_m(double *dst, const ozblk *w, int run, int64_t npairs, const ozv *re, const ozv *im) {
#if OZ_RUNS
  if (run == 1) {
    ozvu *d = (ozvu *)(dst + 2 * w->part[VL - 1]);
    d[0] = OZ_SHUF(*re, *im, OZ_RINT_LO);
    d[1] = OZ_SHUF(*re, *im, OZ_RINT_HI);
    return;
  }
  if (run == 2) { /* lanes VL-1..1 after the value below them (lane VL's partner), which is kept */
    ozvu *d = (ozvu *)(dst + 2 * (w->part[VL - 1] - 1));
    ozv lo = OZ_SHUF(*re, *im, OZ_WINT_LO);
    lo[0] = dst[2 * (w->part[VL - 1] - 1)];
    lo[1] = dst[2 * (w->part[VL - 1] - 1) + 1];
    d[0] = lo;
    d[1] = OZ_SHUF(*re, *im, OZ_WINT_HI);
    dst[2 * w->part[0]] = (*re)[0];
    dst[2 * w->part[0] + 1] = (*im)[0];
    return;
  }
#endif
  (void)run;
  for (int64_t b = 0; b < npairs; b++) { dst[2 * w->part[b]] = (*re)[b]; dst[2 * w->part[b] + 1] = (*im)[b]; }
}

static inline void pf_some(ozblk *w, int64_t k) {
  for (; k > 0 && w->pfi < w->npf; k--) {
    __builtin_prefetch(w->pfr[w->pfi] + 64 * w->pfc, 1, 2);
    if (++w->pfc == w->pfl) { w->pfc = 0; w->pfi++; }
  }
}

/* out[j][b] = in[b][j], j, b < VL */
static inline void tr_vl(const ozv *in, ozv *out) {
#if OZ_RUNS && VL == 8
  ozv t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = OZ_SHUF(in[i], in[i + 1], 0, 8, 2, 10, 4, 12, 6, 14);
    t[i + 1] = OZ_SHUF(in[i], in[i + 1], 1, 9, 3, 11, 5, 13, 7, 15);
  }
  for (int i = 0; i < 8; i += 4)
    for (int k = 0; k < 2; k++) {
      u[i + k] = OZ_SHUF(t[i + k], t[i + k + 2], 0, 1, 8, 9, 4, 5, 12, 13);
      u[i + k + 2] = OZ_SHUF(t[i + k], t[i + k + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    }
  for (int k = 0; k < 4; k++) {
    out[k] = OZ_SHUF(u[k], u[k + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    out[k + 4] = OZ_SHUF(u[k], u[k + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
#elif OZ_RUNS && VL == 4
  const ozv t0 = OZ_SHUF(in[0], in[1], 0, 4, 2, 6), t1 = OZ_SHUF(in[0], in[1], 1, 5, 3, 7);
  const ozv t2 = OZ_SHUF(in[2], in[3], 0, 4, 2, 6), t3 = OZ_SHUF(in[2], in[3], 1, 5, 3, 7);
  out[0] = OZ_SHUF(t0, t2, 0, 1, 4, 5);
  out[1] = OZ_SHUF(t1, t3, 0, 1, 4, 5);
  out[2] = OZ_SHUF(t0, t2, 2, 3, 6, 7);
  out[3] = OZ_SHUF(t1, t3, 2, 3, 6, 7);
#else
  for (int j = 0; j < VL; j++)
    for (int b = 0; b < VL; b++) out[j][b] = in[b][j];
#endif
}

/* One rotation into the q frame, order n, one nu, one point (f = 0: q, 1: -q; src: its
 * stored values, sp: slot -> stored projection, s0: slot of (n, 0, nu)): E, O of
 * A_mu exp(-i mu phi), then R_khi, (-1)^khi R_{-khi} = sum E C +- sum O S, into dst as
 * A'_khi = R_khi at q, A'_{-khi} = (-1)^n R_khi at -q. t: 4 (n + 1) vectors of scratch.
 * Inlined with a constant n (oz_rot_fwd below), every loop unrolls and t stays in registers. */
static inline __attribute__((always_inline)) void rot_fwd(const int n, const int f, const ozv *restrict src,
                                                          const int64_t *restrict sp, int64_t s0, const ozv *restrict ec,
                                                          const ozv *restrict es, const ozv *restrict C,
                                                          const ozv *restrict S, ozv *restrict dst, ozv *restrict t) {
  ozv *er = t, *ei = t + (n + 1), *or = t + 2 * (n + 1), *oi = t + 3 * (n + 1);
  for (int mu = 0; mu <= n; mu++) {
    const int64_t pp = sp[s0 + mu];
    const ozv c = ec[mu], s = es[mu], ar = src[2 * pp], ai = src[2 * pp + 1];
    const ozv tr = ar * c + ai * s, ti = ai * c - ar * s;
    if (mu == 0) { er[0] = tr; ei[0] = ti; continue; }
    const int64_t pm = sp[s0 - mu];
    const ozv br = src[2 * pm], bi = src[2 * pm + 1];
    const ozv sr = br * c - bi * s, si = bi * c + br * s;
    if (mu & 1) { er[mu] = tr - sr; ei[mu] = ti - si; or[mu] = tr + sr; oi[mu] = ti + si; }
    else { er[mu] = tr + sr; ei[mu] = ti + si; or[mu] = tr - sr; oi[mu] = ti - si; }
  }
  const double sn = f && (n & 1) ? -1 : 1;
  const int dir = f ? -1 : 1;
  for (int khi = 0; khi <= n; khi++) {
    ozv ur = er[0] * C[khi], ui = ei[0] * C[khi];
    for (int mu = 1; mu <= n; mu++) {
      const ozv d = C[mu * (n + 1) + khi];
      ur += er[mu] * d; ui += ei[mu] * d;
    }
    if (khi == 0) { dst[2 * s0] = sn * ur; dst[2 * s0 + 1] = sn * ui; continue; }
    ozv vr = or[1] * S[khi - 1], vi = oi[1] * S[khi - 1];
    for (int mu = 2; mu <= n; mu++) {
      const ozv d = S[(mu - 1) * n + khi - 1];
      vr += or[mu] * d; vi += oi[mu] * d;
    }
    const double sk = (khi & 1) ? -sn : sn;
    const int64_t a = s0 + dir * khi, b = s0 - dir * khi;
    dst[2 * a] = sn * (ur + vr); dst[2 * a + 1] = sn * (ui + vi);
    dst[2 * b] = sk * (ur - vr); dst[2 * b + 1] = sk * (ui - vi);
  }
}

/* One rotation back to the lab frame, order m, one mu' >= 0, one point: G_khi = g[s0 + khi]
 * at q, (-1)^m g[s0 - khi] at -q (the (-1)^m in sc); H+-_khi = G_khi +- (-1)^khi G_{-khi};
 * X_mu, Y_mu = sum H+ C, sum H- S; out_mu = X + Y, out_{-mu} = (-1)^mu (X - Y), times
 * exp(i mu phi) sc, into dst at the stored projections. t: 4 (m + 1) vectors. */
static inline __attribute__((always_inline)) void rot_back(const int m, const int f, const ozv *restrict g, int64_t s0,
                                                           double sc, const int64_t *restrict sp,
                                                           const ozv *restrict ec, const ozv *restrict es,
                                                           const ozv *restrict C, const ozv *restrict S,
                                                           ozv *restrict dst, ozv *restrict t) {
  ozv *er = t, *ei = t + (m + 1), *or = t + 2 * (m + 1), *oi = t + 3 * (m + 1);
  const int dir = f ? -1 : 1;
  er[0] = g[2 * s0]; ei[0] = g[2 * s0 + 1];
  for (int khi = 1; khi <= m; khi++) {
    const int64_t a = 2 * (s0 + dir * khi), b = 2 * (s0 - dir * khi);
    if (khi & 1) {
      er[khi] = g[a] - g[b]; ei[khi] = g[a + 1] - g[b + 1];
      or[khi] = g[a] + g[b]; oi[khi] = g[a + 1] + g[b + 1];
    } else {
      er[khi] = g[a] + g[b]; ei[khi] = g[a + 1] + g[b + 1];
      or[khi] = g[a] - g[b]; oi[khi] = g[a + 1] - g[b + 1];
    }
  }
  for (int mu = 0; mu <= m; mu++) {
    const ozv *cr = C + mu * (m + 1);
    ozv xr = er[0] * cr[0], xi = ei[0] * cr[0];
    for (int khi = 1; khi <= m; khi++) { xr += er[khi] * cr[khi]; xi += ei[khi] * cr[khi]; }
    const ozv c = sc * ec[mu], s = sc * es[mu];
    const int64_t pp = sp[s0 + mu];
    if (mu == 0) {
      dst[2 * pp] = xr * c - xi * s; dst[2 * pp + 1] = xi * c + xr * s;
      continue;
    }
    const ozv *srow = S + (mu - 1) * m - 1;
    ozv yr = or[1] * srow[1], yi = oi[1] * srow[1];
    for (int khi = 2; khi <= m; khi++) { yr += or[khi] * srow[khi]; yi += oi[khi] * srow[khi]; }
    const ozv pr_ = xr + yr, pi_ = xi + yi;
    dst[2 * pp] = pr_ * c - pi_ * s; dst[2 * pp + 1] = pi_ * c + pr_ * s;
    const ozv mr_ = (mu & 1) ? yr - xr : xr - yr, mi_ = (mu & 1) ? yi - xi : xi - yi;
    const int64_t pm = sp[s0 - mu];
    dst[2 * pm] = mr_ * c + mi_ * s; dst[2 * pm + 1] = mi_ * c - mr_ * s;
  }
}

/* the rotations with n known at compile time up to OZ_NMAX (scratch in registers), else generic */
#define OZ_NMAX 6
#define OZ_CASES(F, n, ...)                                                                      \
  switch (n) {                                                                                     \
  case 0: { ozv t_[4]; F(0, __VA_ARGS__, t_); } break;                                            \
  case 1: { ozv t_[8]; F(1, __VA_ARGS__, t_); } break;                                            \
  case 2: { ozv t_[12]; F(2, __VA_ARGS__, t_); } break;                                           \
  case 3: { ozv t_[16]; F(3, __VA_ARGS__, t_); } break;                                           \
  case 4: { ozv t_[20]; F(4, __VA_ARGS__, t_); } break;                                           \
  case 5: { ozv t_[24]; F(5, __VA_ARGS__, t_); } break;                                           \
  case 6: { ozv t_[28]; F(6, __VA_ARGS__, t_); } break;                                           \
  default: F(n, __VA_ARGS__, w->tmp); break;                                                      \
  }

/* gamma at the npairs pairs (w->self[b] at q_b in dq, field p at dq + p * nq_; w->part[b] at
 * -q_b in dm, field p at dm + p * nm; the same point only at q = 0): the grid, or for -q a
 * staged row (pf = 0) */
static void oz_block(const mdft_oz *oz, double complex *dq, int64_t nq_, double complex *dm, int64_t nm,
                                 int pf, int64_t npairs, int run, ozblk *w) {
  const ozfast *z = oz->fast;
  const int mmax = oz->mmax, mrso = oz->mrso;
  const int64_t nk = z->nk, np = z->np, nq = oz->nq;
  const double invn = 1.0 / (double)oz->grid->ntot;
  ozv *restrict aq = w->aq, *restrict am = w->am;
  for (int64_t b = npairs; b < VL; b++) { /* pad with copies of the last pair */
    w->self[b] = w->self[npairs - 1]; w->part[b] = w->part[npairs - 1];
    w->qx[b] = w->qx[npairs - 1]; w->qy[b] = w->qy[npairs - 1]; w->qz[b] = w->qz[npairs - 1];
  }
  /* the stored values at q (all) and -q (mu' > 0); prefetch the blocks OZ_PFD ahead
   * (rows run up in q and down in -q; prefetches never fault) */
  const int64_t ahead = 2 * (w->self[0] + OZ_PFD * VL), behind = 2 * (w->part[VL - 1] - OZ_PFD * VL);
  for (int64_t p = 0; p < np; p++) {
    const double *sq = (const double *)(dq + p * nq_), *sm = (const double *)(dm + p * nm);
    if (pf) { OZ_PF(sq, ahead); OZ_PF(sq, ahead + 8); OZ_PF(sm, behind); OZ_PF(sm, behind + 8); }
    ld_q(sq, w, run, &aq[2 * p], &aq[2 * p + 1]);
    if (z->ldm[p]) ld_m(sm, w, run, &am[2 * p], &am[2 * p + 1]);
  }
  const int64_t pfk = (w->npf * w->pfl + 7) / 8; /* prefetches per step, 8 steps */
  pf_some(w, pfk);
  /* geometry: cos theta, exp(i phi), kernel interpolation point */
  ozv x, tq;
  const double *krow[VL];
  int origin = 0;
  for (int b = 0; b < VL; b++) {
    const double qx = w->qx[b], qy = w->qy[b], qz = w->qz[b];
    const double q = sqrt(qx * qx + qy * qy + qz * qz), qp = sqrt(qx * qx + qy * qy);
    const double ct = q > 0 ? qz / q : 1;
    x[b] = ct > 1 ? 1 : (ct < -1 ? -1 : ct);
    w->ec[0][b] = 1; w->es[0][b] = 0;
    if (mmax > 0) { w->ec[1][b] = qp > 0 ? qx / qp : 1; w->es[1][b] = qp > 0 ? qy / qp : 0; }
    double t = q / oz->dq;
    int64_t i = (int64_t)t;
    if (i + 1 >= nq) { i = nq; t = 0; } /* beyond the table: c(q) taken as 0 (row nq) */
    krow[b] = z->kt + i * 2 * z->ncolp;
    tq[b] = t - (double)i;
    origin |= q == 0;
  }
  for (int mu = 2; mu <= mmax; mu++) {
    const ozv c1 = w->ec[1], s1 = w->es[1], c = w->ec[mu - 1], s = w->es[mu - 1];
    w->ec[mu] = c * c1 - s * s1;
    w->es[mu] = s * c1 + c * s1;
  }
  pf_some(w, pfk);
  /* Wigner d^n_{mu khi}(theta_q): powers of cos, sin(theta/2) times Jacobi polynomials,
   * combined into the C and S tables */
  {
    ozv c, s;
    for (int b = 0; b < VL; b++) { c[b] = sqrt(0.5 * (1 + x[b])); s[b] = sqrt(0.5 * (1 - x[b])); }
    w->cp[0] = w->sp[0] = c - c + 1;
    for (int i = 1; i <= 2 * mmax; i++) { w->cp[i] = w->cp[i - 1] * c; w->sp[i] = w->sp[i - 1] * s; }
  }
  for (int64_t u = 0; u < z->ntrip; u++) {
    const int k = z->tk[u], a = z->ta[u], bb = z->tb[u];
    const double *r = z->trc + z->tro[u];
    ozv p0 = x - x + 1, p1 = (double)(a + 1) + 0.5 * (a + bb + 2) * (x - 1);
    for (int kk = 2; kk <= k; kk++, r += 3) {
      const ozv p2 = (r[0] * x + r[1]) * p1 - r[2] * p0;
      p0 = p1;
      p1 = p2;
    }
    w->t[u] = w->sp[a] * w->cp[bb] * (k == 0 ? p0 : p1);
  }
  for (int64_t e = 0; e < z->ncs; e++)
    w->tab[e] = z->cc[2 * e] * w->t[z->cu[2 * e]] + z->cc[2 * e + 1] * w->t[z->cu[2 * e + 1]];
  pf_some(w, pfk);
  /* kernel values at each |q| (linear interpolation; at q = 0 only the isotropic part) */
  const int kr = z->kreal;
  const int64_t ncol = nk * (kr ? 1 : 2), ncolp = z->ncolp;
  for (int64_t c = 0; c < ncolp; c += VL) { /* lane rows of the table, transposed */
    ozv rows[VL];
    for (int b = 0; b < VL; b++) {
      const ozvu *k0 = (const ozvu *)(krow[b] + c), *dk = (const ozvu *)(krow[b] + ncolp + c);
      rows[b] = *k0 + tq[b] * *dk;
    }
    tr_vl(rows, w->k + c);
  }
  if (origin)
    for (int b = 0; b < VL; b++)
      if (w->qx[b] == 0 && w->qy[b] == 0 && w->qz[b] == 0)
        for (int64_t c = 0; c < ncol; c++)
          if (!z->kiso[kr ? c : c / 2]) w->k[c][b] = 0;
  /* into the q frame: rotations at q (nu >= 0) and -q (nu > 0), the rest by symmetry (1) */
  for (int n = 0; n <= mmax; n++) {
    const int nb = n / mrso;
    const ozv *C = w->tab + tc_ofs(n), *S = w->tab + z->ncsc + ts_ofs(n);
    pf_some(w, pfk / 2);
    for (int f = 0; f < 2; f++)
      for (int bb = f; bb <= nb; bb++) {
        const int64_t s0 = z->so[n] + bb * (2 * n + 1);
        OZ_CASES(rot_fwd, n, f, f ? am : aq, z->sp, s0, w->ec, w->es, C, S, f ? w->rm : w->rq)
      }
    /* A'(-q)_{khi,0} = (-1)^(n+khi) conj A'(q)_{khi,0}; nu < 0 from -nu at the other point */
    for (int bb = -nb; bb <= 0; bb++) {
      const int64_t sd = z->so[n] + bb * (2 * n + 1), ss = z->so[n] - bb * (2 * n + 1);
      const int nu = bb * mrso;
      for (int khi = -n; khi <= n; khi++) {
        const double sg = ((n + nu + khi) & 1) ? -1 : 1;
        const int64_t d = 2 * (sd + khi), s = 2 * (ss + khi);
        if (bb == 0) { w->rm[d] = sg * w->rq[s]; w->rm[d + 1] = -sg * w->rq[s + 1]; continue; }
        w->rq[d] = sg * w->rm[s]; w->rq[d + 1] = -sg * w->rm[s + 1];
        w->rm[d] = sg * w->rq[s]; w->rm[d + 1] = -sg * w->rq[s + 1];
      }
    }
  }
  pf_some(w, pfk);
  /* the khi-diagonal coupling, one output slot (mu' >= 0) at a time, both frames */
  for (int n = 0; n <= mmax; n++)
    for (int bb = 0; bb <= n / mrso; bb++)
      for (int khi = -n; khi <= n; khi++) {
        const int64_t s = z->so[n] + bb * (2 * n + 1) + khi;
        ozv sqr = x - x, sqi = sqr, smr = sqr, smi = sqr;
        const int64_t e0 = z->kstart[s], e1 = z->kstart[s + 1];
        if (kr)
          for (int64_t e = e0; e < e1; e++) {
            const int64_t in = 2 * z->kin[e];
            const ozv k = w->k[e];
            sqr += k * w->rq[in]; sqi += k * w->rq[in + 1]; smr += k * w->rm[in]; smi += k * w->rm[in + 1];
          }
        else
          for (int64_t e = e0; e < e1; e++) {
            const int64_t in = 2 * z->kin[e];
            const ozv ar = w->rq[in], ai = w->rq[in + 1], br = w->rm[in], bi = w->rm[in + 1];
            const ozv k = w->k[2 * e], ki = w->k[2 * e + 1];
            sqr += k * ar - ki * ai; sqi += k * ai + ki * ar;
            smr += k * br - ki * bi; smi += k * bi + ki * br;
          }
        w->gq[2 * s] = sqr; w->gq[2 * s + 1] = sqi;
        w->gm[2 * s] = smr; w->gm[2 * s + 1] = smi;
      }
  /* back to the lab frame (mu' >= 0), times exp(i mu phi)/N, into aq and am */
  for (int m = 0; m <= mmax; m++) {
    pf_some(w, pfk / 2);
    const ozv *C = w->tab + tc_ofs(m), *S = w->tab + z->ncsc + ts_ofs(m);
    for (int bb = 0; bb <= m / mrso; bb++)
      for (int f = 0; f < 2; f++) {
        const int64_t s0 = z->so[m] + bb * (2 * m + 1);
        const double sc = f && (m & 1) ? -invn : invn;
        OZ_CASES(rot_back, m, f, f ? w->gm : w->gq, s0, sc, z->sp, w->ec, w->es, C, S, f ? am : aq)
      }
  }
  pf_some(w, w->npf * w->pfl); /* the rest */
  if (w->nyq >= 0) /* the Nyquist plane has no consistent +-q pairing: dropped */
    for (int64_t p = 0; p < 2 * np; p++) aq[p][w->nyq] = am[p][w->nyq] = 0;
  /* -q first (at q = 0 both are the same point and q's value stands) */
  for (int64_t p = 0; p < np; p++) {
    st_m((double *)(dm + p * nm), w, run, npairs, &am[2 * p], &am[2 * p + 1]);
    st_q((double *)(dq + p * nq_), w, run, npairs, &aq[2 * p], &aq[2 * p + 1]);
  }
}

/* the next row after `row` that oz_apply computes (or nrow) */
static int64_t next_row(const mdft_grid *g, int64_t row, int64_t nrow) {
  const int64_t nx = g->n[0], ny = g->n[1];
  for (row++; row < nrow; row++) {
    const int64_t ix = row / ny, iy = row % ny;
    const int64_t R = ix * ny + iy, Rm = mdft_grid_neg(ix, nx) * ny + mdft_grid_neg(iy, ny);
    const int nyq = (nx % 2 == 0 && ix == nx / 2) || (ny % 2 == 0 && iy == ny / 2);
    if (Rm > R && !nyq) return row;
  }
  return nrow;
}

int MDFT_KERN(mdft_oz_apply)(const mdft_oz *oz, double complex *data) {
  const mdft_grid *g = oz->grid;
  const ozfast *z = oz->fast;
  const int64_t N = g->ntot, np = oz->proj->np, nx = g->n[0], ny = g->n[1], nz = g->n[2];
  const int64_t nrow = (nx / 2 + 1) * ny; /* rows (ix, iy) with ix <= nx/2 hold every pair */
  /* rows R != Rm with whole blocks are staged: the row pairs of every field prefetched a
   * pair ahead (np x 2 streams are too many for the hardware prefetchers), row Rm (-q,
   * reversed) copied into ls (fields nz apart), computed there and copied back */
  const int stage = OZ_RUNS && nz >= VL;
  int fail = 0;
#pragma omp parallel
  {
    ozblk w;
    void *base = blk_alloc(oz, &w);
    double complex *ls = stage ? aligned_alloc(64, sizeof(double complex) * (size_t)((nz * np + 3) / 4 * 4)) : NULL;
    const char **pfr = malloc(sizeof(char *) * (size_t)(2 * np));
    w.pfr = pfr; w.npf = w.pfi = w.pfc = 0; w.pfl = 1;
    if (!base || !pfr || (stage && !ls)) {
#pragma omp atomic write
      fail = 1;
    }
#pragma omp for schedule(static)
    for (int64_t row = 0; row < nrow; row++) {
      if (!base || !pfr || (stage && !ls)) continue;
      const int64_t ix = row / ny, iy = row % ny, mx = mdft_grid_neg(ix, nx), my = mdft_grid_neg(iy, ny);
      const int64_t R = ix * ny + iy, Rm = mx * ny + my;
      if (Rm < R) continue; /* handled with its partner row */
      const int nyq = (nx % 2 == 0 && ix == nx / 2) || (ny % 2 == 0 && iy == ny / 2);
      if (nyq) { /* the Nyquist planes have no consistent +-q pairing: dropped */
        for (int64_t p = 0; p < np; p++)
          for (int64_t iz = 0; iz < nz; iz++) data[p * N + R * nz + iz] = data[p * N + Rm * nz + iz] = 0;
        continue;
      }
      const double kx = mdft_grid_k(g, 0, ix), ky = mdft_grid_k(g, 1, iy);
      int64_t iz = 0, npairs = 0;
      if (stage && Rm != R) {
        const int64_t nr = next_row(g, row, nrow), nblk = nz / VL;
        const int64_t R2 = nr < nrow ? nr : R, Rm2 = nr < nrow ? mdft_grid_neg(nr / ny, nx) * ny + mdft_grid_neg(nr % ny, ny) : Rm;
        for (int64_t p = 0; p < np; p++)
          if (z->ldm[p]) memcpy(ls + p * nz, data + p * N + Rm * nz, sizeof(double complex) * (size_t)nz);
        for (int64_t k = 0; k < nblk; k++, iz += VL) {
          w.npf = w.pfi = w.pfc = 0; /* a share of the next pair, prefetched through the block */
          w.pfl = (int64_t)((sizeof(double complex) * (size_t)nz + 63) / 64);
          for (int64_t p = k * np / nblk; p < (k + 1) * np / nblk; p++) {
            w.pfr[w.npf++] = (const char *)(data + p * N + R2 * nz);
            if (!OZ_STREAM || z->ldm[p]) w.pfr[w.npf++] = (const char *)(data + p * N + Rm2 * nz);
          }
          w.nyq = -1;
          for (int b = 0; b < VL; b++) {
            const int64_t zz = iz + b;
            w.self[b] = R * nz + zz; w.part[b] = mdft_grid_neg(zz, nz);
            w.qx[b] = kx; w.qy[b] = ky; w.qz[b] = mdft_grid_k(g, 2, zz);
            if (nz % 2 == 0 && zz == nz / 2) w.nyq = b;
          }
          oz_block(oz, data, N, ls, nz, 0, VL, iz == 0 ? 2 : 1, &w);
        }
        for (; iz < nz; iz++) { /* the rest of the row, lane by lane */
          if (nz % 2 == 0 && iz == nz / 2) {
            for (int64_t p = 0; p < np; p++) data[p * N + R * nz + iz] = ls[p * nz + iz] = 0;
            continue;
          }
          w.self[npairs] = R * nz + iz; w.part[npairs] = mdft_grid_neg(iz, nz);
          w.qx[npairs] = kx; w.qy[npairs] = ky; w.qz[npairs] = mdft_grid_k(g, 2, iz);
          npairs++;
        }
        w.nyq = -1;
        w.npf = 0;
        if (npairs > 0) oz_block(oz, data, N, ls, nz, 0, npairs, 0, &w);
        for (int64_t p = 0; p < np; p++) {
          if (OZ_STREAM && !z->ldm[p]) { /* never read here: written past the caches, without fetching it */
            mdft_stream_doubles((double *)(data + p * N + Rm * nz), (const double *)(ls + p * nz), 2 * nz);
            continue;
          }
          memcpy(data + p * N + Rm * nz, ls + p * nz, sizeof(double complex) * (size_t)nz);
        }
        continue;
      }
      w.nyq = -1;
      w.npf = 0;
      for (; iz < nz; iz++) {
        const int64_t mz = mdft_grid_neg(iz, nz), r = R * nz + iz, mr = Rm * nz + mz;
        if (mr < r) continue;
        if (nz % 2 == 0 && iz == nz / 2) {
          for (int64_t p = 0; p < np; p++) data[p * N + r] = data[p * N + mr] = 0;
          continue;
        }
        w.self[npairs] = r; w.part[npairs] = mr;
        w.qx[npairs] = kx; w.qy[npairs] = ky; w.qz[npairs] = mdft_grid_k(g, 2, iz);
        if (++npairs == VL) {
          oz_block(oz, data, N, data, N, 1, npairs, 0, &w);
          npairs = 0;
        }
      }
      if (npairs > 0) oz_block(oz, data, N, data, N, 1, npairs, 0, &w);
    }
    free(base);
    free(ls);
    free(pfr);
    mdft_stream_fence();
  }
  return fail ? MDFT_ERR_NOMEM : MDFT_OK;
}
