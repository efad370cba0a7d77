/* Molecular Ornstein-Zernike convolution gamma = c * drho in projection space.
 * For each q, projections are rotated into the frame whose z axis is q
 * (A'^n_{khi nu'} = sum_mu A^n_{mu nu'} D^n_{mu khi}(R_q)), where a rotation-
 * invariant c couples only equal khi:
 *   gamma'^m_{khi mu'} = sum_{n,nu'} c^{mn}_{mu' nu' khi}(q) 8pi^2/(2n+1) A'^n_{khi nu'},
 * for c(q,1,2) = sum c^{mn}_{mu nu khi} D^m_{khi mu}(1') D^n_{khi nu}(2')^*,
 * and rotated back. Fields are real, so gamma at q and -q are computed together
 * from the stored (mu' >= 0) projections at q and -q, in place. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct {
  int64_t out, in; /* rotated-frame slots: (m, mu'>=0, khi) and (n, nu', khi) */
  double fac;      /* 8pi^2/(2n+1) */
} kentry;

static int64_t fofs(const mdft_oz *oz, int n) {
  int64_t o = 0;
  for (int l = 0; l < n; l++) o += (int64_t)(2 * l + 1) * (2 * (l / oz->mrso) + 1);
  return o;
}
/* full index of (n, mu_or_khi, b = nu'/mrso) */
static int64_t fidx(const mdft_oz *oz, int n, int mu, int b) {
  return fofs(oz, n) + (int64_t)(b + n / oz->mrso) * (2 * n + 1) + mu + n;
}

static void ozfast_free(void *z);
static int ozfast_init(mdft_oz *oz);

void mdft_oz_free(mdft_oz *oz) {
  free(oz->kc);
  free(oz->entries);
  ozfast_free(oz->fast);
  oz->kc = NULL;
  oz->entries = NULL;
  oz->fast = NULL;
}

int mdft_oz_init(mdft_oz *oz, const mdft_proj *p, const mdft_wigner *w, const mdft_grid *g,
                 const mdft_cq *cq, mdft_error *err) {
  memset(oz, 0, sizeof *oz);
  oz->proj = p; oz->wig = w; oz->grid = g;
  oz->mmax = p->mmax; oz->mrso = p->mrso; oz->na = p->na;
  oz->nfull = fofs(oz, oz->mmax + 1);
  if (!cq || cq->ne == 0) return mdft_fail(err, MDFT_ERR_INPUT, "the solvent has no c(q)");
  /* keep the entries this mmax and symmetry order can use */
  int64_t nk = 0;
  kentry *ke = malloc(sizeof(kentry) * (size_t)cq->ne);
  int64_t *src = malloc(sizeof(int64_t) * (size_t)cq->ne);
  if (!ke || !src) { free(ke); free(src); return mdft_fail(err, MDFT_ERR_NOMEM, "OZ kernel"); }
  for (int64_t e = 0; e < cq->ne; e++) {
    const int *ix = cq->idx + 5 * e;
    int m = ix[0], n = ix[1], mu = ix[2], nu = ix[3], khi = ix[4];
    if (m < 0 || n < 0 || m > oz->mmax || n > oz->mmax) continue;
    if (abs(khi) > m || abs(khi) > n || mu < 0 || mu > m || abs(nu) > n) continue;
    if (mu % oz->mrso || nu % oz->mrso) continue;
    ke[nk].out = fidx(oz, m, khi, mu / oz->mrso);
    ke[nk].in = fidx(oz, n, khi, nu / oz->mrso);
    ke[nk].fac = 8 * MDFT_PI * MDFT_PI / (2 * n + 1);
    src[nk++] = e;
  }
  oz->nk = nk;
  oz->nq = cq->nq;
  oz->dq = cq->dq;
  oz->entries = ke;
  oz->kc = malloc(sizeof(double complex) * (size_t)(nk * cq->nq + 1));
  if (!oz->kc) { free(src); mdft_oz_free(oz); return mdft_fail(err, MDFT_ERR_NOMEM, "OZ kernel"); }
  for (int64_t iq = 0; iq < cq->nq; iq++)
    for (int64_t k = 0; k < nk; k++) oz->kc[iq * nk + k] = ke[k].fac * cq->c[src[k] * cq->nq + iq];
  free(src);
  if (ozfast_init(oz)) { mdft_oz_free(oz); return mdft_fail(err, MDFT_ERR_NOMEM, "OZ tables"); }
  return MDFT_OK;
}

typedef struct {
  double *d;
  double complex *a, *ar, *gr, *eph;
} ozwork;

/* gamma_p(q) for stored p, from full lab projections a (overwritten). */
static void oz_point(const mdft_oz *oz, const double qv[3], ozwork *w, double complex *out) {
  const int mmax = oz->mmax, mrso = oz->mrso;
  const kentry *ke = (const kentry *)oz->entries;
  double q = sqrt(qv[0] * qv[0] + qv[1] * qv[1] + qv[2] * qv[2]);
  double t = q / oz->dq;
  int64_t iq = (int64_t)t;
  if (iq + 1 >= oz->nq) { /* beyond the table: c(q) taken as 0 */
    for (int64_t p = 0; p < oz->proj->np; p++) out[p] = 0;
    return;
  }
  t -= (double)iq;
  const double complex *k0 = oz->kc + iq * oz->nk, *k1 = k0 + oz->nk;
  if (mmax == 0) {
    double complex k = 0;
    for (int64_t e = 0; e < oz->nk; e++) k += (1 - t) * k0[e] + t * k1[e];
    out[0] = k * w->a[0];
    return;
  }
  double ct = q > 0 ? qv[2] / q : 1, phi = q > 0 ? atan2(qv[1], qv[0]) : 0;
  mdft_wigner_d(oz->wig, ct, w->d);
  for (int mu = -mmax; mu <= mmax; mu++) w->eph[mu + mmax] = cexp(-I * mu * phi);
  /* rotate into the q frame */
  for (int n = 0; n <= mmax; n++) {
    int nb = n / mrso;
    for (int b = -nb; b <= nb; b++) {
      double complex *src = w->a + fidx(oz, n, 0, b), *dst = w->ar + fidx(oz, n, 0, b);
      for (int mu = -n; mu <= n; mu++) src[mu] *= w->eph[mu + mmax];
      for (int khi = -n; khi <= n; khi++) {
        double complex s = 0;
        for (int mu = -n; mu <= n; mu++) s += src[mu] * w->d[mdft_wig_idx(n, mu, khi)];
        dst[khi] = s;
      }
    }
  }
  memset(w->gr, 0, sizeof(double complex) * (size_t)oz->nfull);
  /* at q = 0 the frame is arbitrary: only the isotropic coupling is kept */
  for (int64_t e = 0; e < oz->nk; e++)
    if (q > 0 || (ke[e].out == 0 && ke[e].in == 0))
      w->gr[ke[e].out] += ((1 - t) * k0[e] + t * k1[e]) * w->ar[ke[e].in];
  /* back to the lab frame, mu' >= 0 only */
  for (int64_t p = 0; p < oz->proj->np; p++) {
    int m = oz->proj->pm[p], mu = oz->proj->pmu[p], b = oz->proj->pmup[p] / mrso;
    const double complex *g = w->gr + fidx(oz, m, 0, b);
    double complex s = 0;
    for (int khi = -m; khi <= m; khi++) s += g[khi] * w->d[mdft_wig_idx(m, mu, khi)];
    out[p] = s * conj(w->eph[mu + mmax]);
  }
}

/* full lab projections at q from stored ones at q (sq) and -q (smq) */
static void gather(const mdft_oz *oz, const double complex *data, int64_t iq, int64_t imq,
                   double complex *a) {
  const mdft_proj *p = oz->proj;
  const int64_t N = oz->grid->ntot;
  for (int n = 0; n <= oz->mmax; n++) {
    int nb = n / oz->mrso;
    for (int b = -nb; b <= nb; b++)
      for (int mu = -n; mu <= n; mu++) {
        double complex v;
        if (b >= 0) v = data[mdft_proj_p(p, n, mu, b) * N + iq];
        else {
          int nu = b * oz->mrso;
          v = conj(data[mdft_proj_p(p, n, -mu, -b) * N + imq]);
          if ((mu - nu) & 1) v = -v;
        }
        a[fidx(oz, n, mu, b)] = v;
      }
  }
}

int mdft_oz_apply_ref(const mdft_oz *oz, double complex *data) {
  const mdft_grid *g = oz->grid;
  const int64_t N = g->ntot, np = oz->proj->np, nx = g->n[0], ny = g->n[1], nz = g->n[2];
  const double invn = 1.0 / (double)N;
  int fail = 0;
#pragma omp parallel
  {
    ozwork w;
    w.d = malloc(sizeof(double) * (size_t)oz->wig->size);
    w.a = malloc(sizeof(double complex) * (size_t)(3 * oz->nfull + 2 * oz->mmax + 1 + 2 * np));
    double complex *o1 = NULL, *o2 = NULL;
    if (!w.d || !w.a) {
#pragma omp atomic write
      fail = 1;
    } else {
      w.ar = w.a + oz->nfull;
      w.gr = w.ar + oz->nfull;
      w.eph = w.gr + oz->nfull;
      o1 = w.eph + 2 * oz->mmax + 1;
      o2 = o1 + np;
    }
#pragma omp for schedule(dynamic, 64)
    for (int64_t r = 0; r < N; r++) {
      if (fail) continue;
      int64_t ix = r / (ny * nz), iy = (r / nz) % ny, iz = r % nz;
      int64_t mx = mdft_grid_neg(ix, nx), my = mdft_grid_neg(iy, ny), mz = mdft_grid_neg(iz, nz);
      int64_t mr = (mx * ny + my) * nz + mz;
      if (mr < r) continue; /* handled with its partner */
      int nyq = (nx % 2 == 0 && ix == nx / 2) || (ny % 2 == 0 && iy == ny / 2) ||
                (nz % 2 == 0 && iz == nz / 2);
      if (nyq) { /* the Nyquist planes have no consistent +-q pairing: dropped */
        for (int64_t p = 0; p < np; p++) data[p * N + r] = data[p * N + mr] = 0;
        continue;
      }
      double qv[3] = {mdft_grid_k(g, 0, ix), mdft_grid_k(g, 1, iy), mdft_grid_k(g, 2, iz)};
      gather(oz, data, r, mr, w.a);
      oz_point(oz, qv, &w, o1);
      if (mr != r) {
        double mqv[3] = {-qv[0], -qv[1], -qv[2]};
        gather(oz, data, mr, r, w.a);
        oz_point(oz, mqv, &w, o2);
        for (int64_t p = 0; p < np; p++) data[p * N + mr] = o2[p] * invn;
      }
      for (int64_t p = 0; p < np; p++) data[p * N + r] = o1[p] * invn;
    }
    free(w.d);
    free(w.a);
  }
  return fail ? MDFT_ERR_NOMEM : MDFT_OK;
}

/* ---- blocked apply: VL = 8 wave-vector pairs (q, -q) at once, one per vector lane.
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
 *     out_mu = sum_khi G_khi d_{mu khi} uses the same tables transposed. ---- */
#define VL 8
typedef double ozv __attribute__((vector_size(VL * sizeof(double))));
/* unaligned, aliasing view of VL doubles in the data */
typedef double ozvu __attribute__((vector_size(VL * sizeof(double)), aligned(sizeof(double)), may_alias));
#if defined(__GNUC__) && !defined(__clang__)
typedef int64_t ozvi __attribute__((vector_size(VL * sizeof(int64_t))));
#define OZ_SHUF(a, b, ...) __builtin_shuffle(a, b, (ozvi){__VA_ARGS__})
#define OZ_RUNS 1 /* contiguous rows through shuffles */
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
  int64_t ncolp;       /* kernel columns (nk, x2 if complex: re, im), padded to VL */
  double *kt;          /* (nq + 1) rows of 2 ncolp: k(iq), k(iq+1) - k(iq); row nq: zeros */
  int *ldm;            /* per stored projection: read at -q (mu' > 0) */
  int64_t *so;         /* per n: slot of (n, khi = 0, nu = 0) */
  int64_t *sp;         /* per slot with nu >= 0: its stored projection */
} ozfast;

/* C table of order n: entries (mu, khi) in [0,n]^2; S: (mu, khi) in [1,n]^2, after all C */
static int64_t tc_ofs(int n) { return (int64_t)n * (n + 1) * (2 * n + 1) / 6; }
static int64_t ts_ofs(int n) { return (int64_t)(n - 1) * n * (2 * n - 1) / 6; }

static void ozfast_free(void *v) {
  ozfast *z = v;
  if (!z) return;
  free(z->tk); free(z->ta); free(z->tb); free(z->tro); free(z->trc); free(z->cu); free(z->cc);
  free(z->kout); free(z->kin); free(z->kstart); free(z->kiso); free(z->kt); free(z->ldm); free(z->so); free(z->sp);
  free(z);
}

static int ozfast_init(mdft_oz *oz) {
  const mdft_proj *p = oz->proj;
  const mdft_wigner *w = oz->wig;
  const kentry *ke = (const kentry *)oz->entries;
  const int mmax = oz->mmax;
  ozfast *z = calloc(1, sizeof *z);
  if (!z) return 1;
  oz->fast = z;
  const int64_t ns = oz->nfull, nk = oz->nk, ws = w->size;
  z->nslot = ns; z->np = p->np; z->nk = nk;
  z->ncsc = tc_ofs(mmax + 1);
  z->ncs = z->ncsc + ts_ofs(mmax + 1);
  z->tk = malloc(sizeof(int) * (size_t)ws);
  z->ta = malloc(sizeof(int) * (size_t)ws);
  z->tb = malloc(sizeof(int) * (size_t)ws);
  z->tro = malloc(sizeof(int64_t) * (size_t)ws);
  z->cu = malloc(sizeof(int64_t) * 2 * (size_t)z->ncs);
  z->cc = malloc(sizeof(double) * 2 * (size_t)z->ncs);
  z->kout = malloc(sizeof(int64_t) * (size_t)(nk + 1));
  z->kin = malloc(sizeof(int64_t) * (size_t)(nk + 1));
  z->kiso = malloc(sizeof(int) * (size_t)(nk + 1));
  z->kstart = calloc((size_t)ns + 1, sizeof(int64_t));
  z->ldm = malloc(sizeof(int) * (size_t)p->np);
  z->so = malloc(sizeof(int64_t) * (size_t)(mmax + 1));
  z->sp = malloc(sizeof(int64_t) * (size_t)ns);
  int64_t *wt = malloc(sizeof(int64_t) * (size_t)ws);
  int64_t *perm = malloc(sizeof(int64_t) * (size_t)(nk + 1));
  if (!z->tk || !z->ta || !z->tb || !z->tro || !z->cu || !z->cc || !z->kout || !z->kin || !z->kiso ||
      !z->kstart || !z->ldm || !z->so || !z->sp || !wt || !perm) {
    free(wt); free(perm);
    return 1;
  }
  for (int64_t q = 0; q < p->np; q++) z->ldm[q] = p->pmup[q] > 0;
  for (int n = 0; n <= mmax; n++) {
    z->so[n] = fidx(oz, n, 0, 0);
    for (int b = 0; b <= n / oz->mrso; b++)
      for (int mu = -n; mu <= n; mu++) z->sp[fidx(oz, n, mu, b)] = mdft_proj_p(p, n, mu, b);
  }
  /* the Jacobi polynomials actually needed: one per distinct (k, a, b) */
  z->ntrip = 0;
  int64_t nrc = 0;
  for (int64_t i = 0; i < ws; i++) {
    int64_t u = 0;
    while (u < z->ntrip && !(z->tk[u] == w->k[i] && z->ta[u] == w->a[i] && z->tb[u] == w->b[i])) u++;
    if (u == z->ntrip) {
      z->tk[u] = w->k[i]; z->ta[u] = w->a[i]; z->tb[u] = w->b[i];
      z->tro[u] = nrc;
      nrc += 3 * (w->k[i] > 1 ? w->k[i] - 1 : 0);
      z->ntrip++;
    }
    wt[i] = u;
  }
  z->trc = malloc(sizeof(double) * (size_t)(nrc + 1));
  if (!z->trc) { free(wt); free(perm); return 1; }
  for (int64_t u = 0; u < z->ntrip; u++) {
    const int a = z->ta[u], b = z->tb[u];
    double *r = z->trc + z->tro[u];
    for (int kk = 2; kk <= z->tk[u]; kk++, r += 3) {
      const double c = 2 * kk + a + b, a1 = 2.0 * kk * (kk + a + b) * (c - 2);
      r[0] = (c - 1) * c * (c - 2) / a1;
      r[1] = (c - 1) * (double)(a * a - b * b) / a1;
      r[2] = 2.0 * (kk + a - 1) * (kk + b - 1) * c / a1;
    }
  }
  /* C and S tables as two weighted Jacobi terms each */
  for (int n = 0; n <= mmax; n++)
    for (int mu = 0; mu <= n; mu++)
      for (int khi = 0; khi <= n; khi++) {
        const int64_t i1 = mdft_wig_idx(n, mu, khi), i2 = mdft_wig_idx(n, mu, -khi);
        const double sk = (khi & 1) ? -0.5 : 0.5;
        int64_t e = tc_ofs(n) + mu * (n + 1) + khi;
        z->cu[2 * e] = wt[i1]; z->cu[2 * e + 1] = wt[i2];
        if (khi == 0) { z->cc[2 * e] = w->norm[i1]; z->cc[2 * e + 1] = 0; }
        else { z->cc[2 * e] = 0.5 * w->norm[i1]; z->cc[2 * e + 1] = sk * w->norm[i2]; }
        if (mu == 0 || khi == 0) continue;
        e = z->ncsc + ts_ofs(n) + (mu - 1) * n + (khi - 1);
        z->cu[2 * e] = wt[i1]; z->cu[2 * e + 1] = wt[i2];
        z->cc[2 * e] = 0.5 * w->norm[i1]; z->cc[2 * e + 1] = -sk * w->norm[i2];
      }
  free(wt);
  /* kernel entries grouped by output slot (a counting sort keeps the file order within) */
  for (int64_t e = 0; e < nk; e++) z->kstart[ke[e].out + 1]++;
  for (int64_t s = 0; s < ns; s++) z->kstart[s + 1] += z->kstart[s];
  {
    int64_t *fill = malloc(sizeof(int64_t) * (size_t)ns);
    if (!fill) { free(perm); return 1; }
    for (int64_t s = 0; s < ns; s++) fill[s] = z->kstart[s];
    for (int64_t e = 0; e < nk; e++) perm[fill[ke[e].out]++] = e;
    free(fill);
  }
  z->kreal = 1;
  for (int64_t i = 0; i < nk * oz->nq; i++)
    if (cimag(oz->kc[i]) != 0) z->kreal = 0;
  const int64_t cw = z->kreal ? 1 : 2, nq = oz->nq;
  z->ncolp = (nk * cw + VL - 1) / VL * VL;
  z->kt = calloc((size_t)((nq + 1) * 2 * z->ncolp + 1), sizeof(double));
  if (!z->kt) { free(perm); return 1; }
  for (int64_t j = 0; j < nk; j++) {
    int64_t e = perm[j];
    z->kout[j] = ke[e].out;
    z->kin[j] = ke[e].in;
    z->kiso[j] = ke[e].out == 0 && ke[e].in == 0;
    for (int64_t iq = 0; iq < oz->nq; iq++) {
      double complex k = oz->kc[iq * nk + e], d = iq + 1 < oz->nq ? oz->kc[(iq + 1) * nk + e] - k : 0;
      double *row = z->kt + iq * 2 * z->ncolp;
      row[j * cw] = creal(k);
      row[z->ncolp + j * cw] = creal(d);
      if (cw == 2) {
        row[j * cw + 1] = cimag(k);
        row[z->ncolp + j * cw + 1] = cimag(d);
      }
    }
  }
  free(perm);
  return 0;
}

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
    *re = OZ_SHUF(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14);
    *im = OZ_SHUF(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15);
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
    *re = OZ_SHUF(lo, hi, 14, 12, 10, 8, 6, 4, 2, 0);
    *im = OZ_SHUF(lo, hi, 15, 13, 11, 9, 7, 5, 3, 1);
    return;
  }
  if (run == 2) {
    const ozvu *s = (const ozvu *)(src + 2 * (w->part[VL - 1] - 1));
    const ozv lo = s[0], hi = s[1];
    *re = OZ_SHUF(lo, hi, 0, 14, 12, 10, 8, 6, 4, 2);
    *im = OZ_SHUF(lo, hi, 1, 15, 13, 11, 9, 7, 5, 3);
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
    d[0] = OZ_SHUF(*re, *im, 0, 8, 1, 9, 2, 10, 3, 11);
    d[1] = OZ_SHUF(*re, *im, 4, 12, 5, 13, 6, 14, 7, 15);
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
    d[0] = OZ_SHUF(*re, *im, 7, 15, 6, 14, 5, 13, 4, 12);
    d[1] = OZ_SHUF(*re, *im, 3, 11, 2, 10, 1, 9, 0, 8);
    return;
  }
  if (run == 2) { /* lanes 7..1 after the value below them (lane 8's partner), which is kept */
    ozvu *d = (ozvu *)(dst + 2 * (w->part[VL - 1] - 1));
    ozv lo = OZ_SHUF(*re, *im, 0, 8, 7, 15, 6, 14, 5, 13);
    lo[0] = dst[2 * (w->part[VL - 1] - 1)];
    lo[1] = dst[2 * (w->part[VL - 1] - 1) + 1];
    d[0] = lo;
    d[1] = OZ_SHUF(*re, *im, 4, 12, 3, 11, 2, 10, 1, 9);
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
#if OZ_RUNS
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
MDFT_VECTOR static void oz_block(const mdft_oz *oz, double complex *dq, int64_t nq_, double complex *dm, int64_t nm,
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

int mdft_oz_apply(const mdft_oz *oz, double complex *data) {
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
#if OZ_STREAM
          if (!z->ldm[p]) { /* never read here: written past the caches, without fetching it */
            double *d = (double *)(data + p * N + Rm * nz);
            const double *l = (const double *)(ls + p * nz);
            for (int64_t i = 0; i < 2 * nz; i += 2) _mm_stream_pd(d + i, _mm_load_pd(l + i));
            continue;
          }
#endif
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
#if OZ_STREAM
    _mm_sfence();
#endif
  }
  return fail ? MDFT_ERR_NOMEM : MDFT_OK;
}
