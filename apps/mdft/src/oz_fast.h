/* Tables of the blocked OZ apply, built once per solver (oz.c), read by its kernels
 * (oz_block.c, one per vector width). */
#ifndef MDFT_OZ_FAST_H
#define MDFT_OZ_FAST_H
#include "internal.h"

typedef struct {
  int64_t nslot, np, nk, ntrip, ncs, ncsc;
  int *tk, *ta, *tb;   /* distinct Jacobi polynomials P_k^(a,b) */
  int64_t *tro;        /* per triple: offset of its recurrence coefficients in trc */
  double *trc;         /* per step kk = 2..k: p_kk = (A x + B) p_{kk-1} - C p_{kk-2} */
  int64_t *cu;         /* per C/S table entry: two triples ... */
  double *cc;          /* ... and their factors */
  int64_t *kout, *kin; /* entries sorted by output slot */
  int64_t *kstart;     /* nslot + 1 */
  int *kiso;           /* entry kept at q = 0 */
  int kreal;           /* all kernel values real */
  int64_t ncolp;       /* kernel columns (nk, x2 if complex: re, im), padded to MDFT_LANES_MAX */
  double *kt;          /* (nq + 1) rows of 2 ncolp: k(iq), k(iq+1) - k(iq); row nq: zeros */
  int *ldm;            /* per stored projection: read at -q (mu' > 0) */
  int64_t *so;         /* per n: slot of (n, khi = 0, nu = 0) */
  int64_t *sp;         /* per slot with nu >= 0: its stored projection */
} ozfast;

/* C table of order n: entries (mu, khi) in [0,n]^2; S: (mu, khi) in [1,n]^2, after all C */
static inline int64_t tc_ofs(int n) { return (int64_t)n * (n + 1) * (2 * n + 1) / 6; }
static inline int64_t ts_ofs(int n) { return (int64_t)(n - 1) * n * (2 * n - 1) / 6; }

#endif
