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

/* ---- blocked apply: MDFT_PB wave vectors at once (pairs q, -q together), real
 * arithmetic with the point index fastest; the rotation matrices d^n(theta_q) and
 * phases exp(-i mu phi_q) are built per block from the Jacobi recurrence, so
 * nothing per q is stored. ---- */
#define PB MDFT_PB

typedef struct {
  int64_t nslot, wsize, np, nk;
  int64_t *sp;   /* per full slot: stored projection it comes from */
  double *ssg;   /* per full slot: 0 = at q itself; +-1 = sign times conj at -q */
  int *smu;      /* per full slot: mu */
  int64_t ntrip; /* distinct Jacobi polynomials P_k^(a,b) */
  int *tk, *ta, *tb;
  int64_t *wt;   /* per Wigner index: its triple */
  double *wn;    /* per Wigner index: normalisation and sign */
  int64_t *kout, *kin; /* entries sorted by output slot */
  int64_t *kstart;     /* nslot + 1 */
  int *kiso;           /* entry kept at q = 0 */
  int kreal;           /* all kernel values real */
  double *k0, *dk;     /* (nk (x2 if complex: re, im) columns) x nq: k(iq), k(iq+1) - k(iq) */
  int64_t *pslot;      /* per stored projection: slot of (m, khi = 0, mu'/mrso) */
} ozfast;

static void ozfast_free(void *v) {
  ozfast *z = v;
  if (!z) return;
  free(z->sp); free(z->ssg); free(z->tk); free(z->ta); free(z->tb); free(z->wt); free(z->wn);
  free(z->kout); free(z->kin); free(z->kstart); free(z->kiso); free(z->k0); free(z->dk);
  free(z->pslot); free(z->smu);
  free(z);
}

static int ozfast_init(mdft_oz *oz) {
  const mdft_proj *p = oz->proj;
  const mdft_wigner *w = oz->wig;
  const kentry *ke = (const kentry *)oz->entries;
  ozfast *z = calloc(1, sizeof *z);
  if (!z) return 1;
  oz->fast = z;
  const int64_t ns = oz->nfull, nk = oz->nk, ws = w->size;
  z->nslot = ns; z->wsize = ws; z->np = p->np; z->nk = nk;
  z->sp = malloc(sizeof(int64_t) * (size_t)ns);
  z->ssg = malloc(sizeof(double) * (size_t)ns);
  z->smu = malloc(sizeof(int) * (size_t)ns);
  z->tk = malloc(sizeof(int) * (size_t)ws);
  z->ta = malloc(sizeof(int) * (size_t)ws);
  z->tb = malloc(sizeof(int) * (size_t)ws);
  z->wt = malloc(sizeof(int64_t) * (size_t)ws);
  z->wn = malloc(sizeof(double) * (size_t)ws);
  z->kout = malloc(sizeof(int64_t) * (size_t)(nk + 1));
  z->kin = malloc(sizeof(int64_t) * (size_t)(nk + 1));
  z->kiso = malloc(sizeof(int) * (size_t)(nk + 1));
  z->kstart = calloc((size_t)ns + 1, sizeof(int64_t));
  z->pslot = malloc(sizeof(int64_t) * (size_t)p->np);
  int64_t *perm = malloc(sizeof(int64_t) * (size_t)(nk + 1));
  if (!z->sp || !z->ssg || !z->smu || !z->tk || !z->ta || !z->tb || !z->wt || !z->wn || !z->kout || !z->kin ||
      !z->kiso || !z->kstart || !z->pslot || !perm) {
    free(perm);
    return 1;
  }
  for (int n = 0; n <= oz->mmax; n++) {
    int nb = n / oz->mrso;
    for (int b = -nb; b <= nb; b++)
      for (int mu = -n; mu <= n; mu++) {
        int64_t s = fidx(oz, n, mu, b);
        z->smu[s] = mu;
        if (b >= 0) { z->sp[s] = mdft_proj_p(p, n, mu, b); z->ssg[s] = 0; }
        else {
          z->sp[s] = mdft_proj_p(p, n, -mu, -b);
          z->ssg[s] = ((mu - b * oz->mrso) & 1) ? -1 : 1;
        }
      }
  }
  for (int64_t q = 0; q < p->np; q++) z->pslot[q] = fidx(oz, p->pm[q], 0, p->pmup[q] / oz->mrso);
  /* the Jacobi polynomials actually needed: one per distinct (k, a, b) */
  z->ntrip = 0;
  for (int64_t i = 0; i < ws; i++) {
    int64_t u = 0;
    while (u < z->ntrip && !(z->tk[u] == w->k[i] && z->ta[u] == w->a[i] && z->tb[u] == w->b[i])) u++;
    if (u == z->ntrip) { z->tk[u] = w->k[i]; z->ta[u] = w->a[i]; z->tb[u] = w->b[i]; z->ntrip++; }
    z->wt[i] = u;
    z->wn[i] = w->norm[i];
  }
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
  const int64_t cw = z->kreal ? 1 : 2;
  z->k0 = malloc(sizeof(double) * (size_t)(oz->nq * nk * cw + 1));
  z->dk = malloc(sizeof(double) * (size_t)(oz->nq * nk * cw + 1));
  if (!z->k0 || !z->dk) { free(perm); return 1; }
  for (int64_t j = 0; j < nk; j++) {
    int64_t e = perm[j];
    z->kout[j] = ke[e].out;
    z->kin[j] = ke[e].in;
    z->kiso[j] = ke[e].out == 0 && ke[e].in == 0;
    for (int64_t iq = 0; iq < oz->nq; iq++) {
      double complex k = oz->kc[iq * nk + e], d = iq + 1 < oz->nq ? oz->kc[(iq + 1) * nk + e] - k : 0;
      z->k0[j * cw * oz->nq + iq] = creal(k);
      z->dk[j * cw * oz->nq + iq] = creal(d);
      if (cw == 2) {
        z->k0[(2 * j + 1) * oz->nq + iq] = cimag(k);
        z->dk[(2 * j + 1) * oz->nq + iq] = cimag(d);
      }
    }
  }
  free(perm);
  return 0;
}

/* per-thread scratch of the blocked apply; lane b of a block holds the pair q_b, -q_b */
typedef struct {
  double *qre, *qim, *mre, *mim;     /* stored projections at q and at -q */
  double *aqr, *aqi, *amr, *ami;     /* full lab projections times exp(-i mu phi) */
  double *rqr, *rqi, *rmr, *rmi;     /* in the q frame */
  double *gqr, *gqi, *gmr, *gmi;     /* gamma in the q frame */
  double *d, *t, *cp, *sp, *ec, *es, *k;
  double *qx, *qy, *qz, *tq;
  int64_t *self, *part, *iq;
  int *zero, *origin;
} ozblk;

static double *blk_alloc(const mdft_oz *oz, ozblk *w) {
  const ozfast *z = oz->fast;
  const int64_t ns = z->nslot, np = z->np, m1 = oz->mmax + 1, m2 = 2 * oz->mmax + 1;
  const int64_t nd = (4 * np + 12 * ns + z->wsize + z->ntrip + 2 * m2 + 2 * m1 +
                      z->nk * (z->kreal ? 1 : 2) + 4) * PB;
  double *base = aligned_alloc(64, sizeof(double) * (size_t)nd + sizeof(int64_t) * 3 * PB +
                                       sizeof(int) * 2 * PB);
  if (!base) return NULL;
  double *c = base;
  double **arr[] = {&w->qre, &w->qim, &w->mre, &w->mim};
  for (int i = 0; i < 4; i++) { *arr[i] = c; c += np * PB; }
  double **sl[] = {&w->aqr, &w->aqi, &w->amr, &w->ami, &w->rqr, &w->rqi,
                   &w->rmr, &w->rmi, &w->gqr, &w->gqi, &w->gmr, &w->gmi};
  for (int i = 0; i < 12; i++) { *sl[i] = c; c += ns * PB; }
  w->d = c; c += z->wsize * PB;
  w->t = c; c += z->ntrip * PB;
  w->cp = c; c += m2 * PB; w->sp = c; c += m2 * PB;
  w->ec = c; c += m1 * PB; w->es = c; c += m1 * PB;
  w->k = c; c += z->nk * (z->kreal ? 1 : 2) * PB;
  w->qx = c; c += PB; w->qy = c; c += PB; w->qz = c; c += PB; w->tq = c; c += PB;
  w->self = (int64_t *)c; w->part = w->self + PB; w->iq = w->part + PB;
  w->zero = (int *)(w->iq + PB); w->origin = w->zero + PB;
  return base;
}

/* gamma at the npairs pairs (w->self[b] at q_b, w->part[b] at -q_b; equal only at q = 0).
 * The -q frame reuses q's tables: d^n_{mu khi}(pi - theta) = (-1)^(n+mu) d^n_{mu,-khi}(theta)
 * and exp(-i mu (phi + pi)) = (-1)^mu exp(-i mu phi), so A'^n_{-khi} at -q is
 * (-1)^n sum_mu A^n_mu e^{-i mu phi} d^n_{mu khi}, and |q| (the kernel) is shared. */
MDFT_VECTOR static void oz_block(const mdft_oz *oz, double complex *data, int64_t npairs, ozblk *w) {
  const ozfast *z = oz->fast;
  const mdft_proj *pr = oz->proj;
  const int mmax = oz->mmax, mrso = oz->mrso;
  const int64_t N = oz->grid->ntot, nk = z->nk, np = z->np;
  const double invn = 1.0 / (double)N;
  double *restrict dd = w->d;
  for (int64_t b = npairs; b < PB; b++) { /* pad with copies of the last pair */
    w->self[b] = w->self[npairs - 1]; w->part[b] = w->part[npairs - 1];
    w->qx[b] = w->qx[npairs - 1]; w->qy[b] = w->qy[npairs - 1]; w->qz[b] = w->qz[npairs - 1];
  }
  /* the next block's points follow the last self point and precede the last partner
   * (rows run up in q and down in -q): fetch them now (prefetches never fault) */
  const int64_t ahead = w->self[PB - 1] + 1, behind = w->part[PB - 1] - PB;
  /* a full block of one row: q runs up from self[0], -q down from part[1] (part[0], the
   * partner of iz = 0, wraps around), which is every full block of a 64^3 grid but those
   * at the axis rows */
  int run = npairs == PB;
  for (int b = 1; b < PB && run; b++) run = w->self[b] == w->self[0] + b && w->part[b] == w->part[1] + 1 - b;
  for (int64_t p = 0; p < np; p++) {
    const double *src = (const double *)(data + p * N);
    for (int l = 0; l < 2 * PB; l += 8) {
      MDFT_PF(src, 2 * ahead + l);
      MDFT_PF(src, 2 * behind + l);
    }
    double *restrict qr = w->qre + p * PB, *restrict qi = w->qim + p * PB;
    double *restrict mr = w->mre + p * PB, *restrict mi = w->mim + p * PB;
    if (run) { /* one contiguous row each way: plain (de-interleaving) loads */
      const double *sq = src + 2 * w->self[0], *sm = src + 2 * w->part[PB - 1];
      LANES { qr[b] = sq[2 * b]; qi[b] = sq[2 * b + 1]; }
      mr[0] = src[2 * w->part[0]]; mi[0] = src[2 * w->part[0] + 1];
      for (int c = 0; c < PB - 1; c++) { mr[PB - 1 - c] = sm[2 * c]; mi[PB - 1 - c] = sm[2 * c + 1]; }
    } else
      LANES {
        qr[b] = src[2 * w->self[b]]; qi[b] = src[2 * w->self[b] + 1];
        mr[b] = src[2 * w->part[b]]; mi[b] = src[2 * w->part[b] + 1];
      }
  }
  /* geometry: cos theta, exp(i mu phi), kernel row and weight */
  double x[PB];
  LANES {
    double qx = w->qx[b], qy = w->qy[b], qz = w->qz[b];
    double q = sqrt(qx * qx + qy * qy + qz * qz), qp = sqrt(qx * qx + qy * qy);
    double ct = q > 0 ? qz / q : 1;
    x[b] = ct > 1 ? 1 : (ct < -1 ? -1 : ct);
    w->ec[b] = 1; w->es[b] = 0;
    if (mmax > 0) { w->ec[PB + b] = qp > 0 ? qx / qp : 1; w->es[PB + b] = qp > 0 ? qy / qp : 0; }
    double t = q / oz->dq;
    int64_t iq = (int64_t)t;
    w->zero[b] = iq + 1 >= oz->nq;
    w->origin[b] = q == 0;
    if (w->zero[b]) { iq = 0; t = 0; }
    w->iq[b] = iq;
    w->tq[b] = t - (double)iq;
  }
  for (int mu = 2; mu <= mmax; mu++)
    LANES {
      double c1 = w->ec[PB + b], s1 = w->es[PB + b], c = w->ec[(mu - 1) * PB + b], s = w->es[(mu - 1) * PB + b];
      w->ec[mu * PB + b] = c * c1 - s * s1;
      w->es[mu * PB + b] = s * c1 + c * s1;
    }
  /* Wigner d^n_{mu khi}(theta_q): powers of cos, sin(theta/2) times Jacobi polynomials */
  LANES {
    w->cp[b] = w->sp[b] = 1;
    double c = sqrt(0.5 * (1 + x[b])), s = sqrt(0.5 * (1 - x[b]));
    for (int i = 1; i <= 2 * mmax; i++) { w->cp[i * PB + b] = w->cp[(i - 1) * PB + b] * c; w->sp[i * PB + b] = w->sp[(i - 1) * PB + b] * s; }
  }
  for (int64_t u = 0; u < z->ntrip; u++) {
    const int k = z->tk[u], a = z->ta[u], bb = z->tb[u];
    double *restrict tu = w->t + u * PB;
    double p0[PB], p1[PB];
    LANES { p0[b] = 1; p1[b] = 0.5 * (2 * (a + 1) + (a + bb + 2) * (x[b] - 1)); }
    for (int kk = 2; kk <= k; kk++) {
      const double c = 2 * kk + a + bb;
      const double a1 = 2.0 * kk * (kk + a + bb) * (c - 2), a2c = (c - 1) * c * (c - 2),
                   a2d = (c - 1) * (double)(a * a - bb * bb), a3 = 2.0 * (kk + a - 1) * (kk + bb - 1) * c;
      const double ia1 = 1 / a1; /* one division per recurrence step, not per lane */
      LANES {
        double p2 = ((a2c * x[b] + a2d) * p1[b] - a3 * p0[b]) * ia1;
        p0[b] = p1[b];
        p1[b] = p2;
      }
    }
    const double *sa = w->sp + a * PB, *cb = w->cp + bb * PB, *pk = k == 0 ? p0 : p1;
    LANES tu[b] = sa[b] * cb[b] * pk[b];
  }
  for (int64_t i = 0; i < z->wsize; i++) {
    const double nrm = z->wn[i];
    const double *tu = w->t + z->wt[i] * PB;
    LANES dd[i * PB + b] = nrm * tu[b];
  }
  /* kernel values at each |q| (linear interpolation; at q = 0 only the isotropic part) */
  const int kr = z->kreal;
  const int64_t ncol = nk * (kr ? 1 : 2), nq = oz->nq;
  {
    double zf[PB];
    LANES zf[b] = w->zero[b] ? 0 : 1;
    for (int64_t c = 0; c < ncol; c++) {
      const double *k0 = z->k0 + c * nq, *dk = z->dk + c * nq;
      double *restrict kc = w->k + c * PB;
      LANES kc[b] = zf[b] * (k0[w->iq[b]] + w->tq[b] * dk[w->iq[b]]);
    }
    for (int b = 0; b < PB; b++)
      if (w->origin[b])
        for (int64_t c = 0; c < ncol; c++)
          if (!z->kiso[kr ? c : c / 2]) w->k[c * PB + b] = 0;
  }
  /* full lab projections at q and -q, times exp(-i mu phi) */
  for (int64_t s = 0; s < z->nslot; s++) {
    const int mu = z->smu[s], amu = abs(mu);
    const double sg = z->ssg[s], ss = mu < 0 ? -1 : 1;
    const int64_t p = z->sp[s];
    const double *c = w->ec + amu * PB, *sn = w->es + amu * PB;
    /* at q: the stored value at q, or sign * conj(stored at -q); at -q: the other way */
    const double *xr = (sg == 0 ? w->qre : w->mre) + p * PB, *xi = (sg == 0 ? w->qim : w->mim) + p * PB;
    const double *yr = (sg == 0 ? w->mre : w->qre) + p * PB, *yi = (sg == 0 ? w->mim : w->qim) + p * PB;
    const double fr = sg == 0 ? 1 : sg, fi = sg == 0 ? 1 : -sg;
    double *restrict aqr = w->aqr + s * PB, *restrict aqi = w->aqi + s * PB;
    double *restrict amr = w->amr + s * PB, *restrict ami = w->ami + s * PB;
    LANES {
      const double cc = c[b], sb = ss * sn[b];
      const double ar = fr * xr[b], ai = fi * xi[b], br = fr * yr[b], bi = fi * yi[b];
      aqr[b] = ar * cc + ai * sb; aqi[b] = ai * cc - ar * sb;
      amr[b] = br * cc + bi * sb; ami[b] = bi * cc - br * sb;
    }
  }
  /* rotate into the q frame (and -q's, khi reversed) */
  for (int n = 0; n <= mmax; n++) {
    const int nb = n / mrso;
    const double sgn = (n & 1) ? -1 : 1;
    for (int bb = -nb; bb <= nb; bb++) {
      const int64_t s0 = fidx(oz, n, 0, bb);
      for (int khi = -n; khi <= n; khi++) {
        double sqr[PB], sqi[PB], smr[PB], smi[PB];
        LANES sqr[b] = sqi[b] = smr[b] = smi[b] = 0;
        for (int mu = -n; mu <= n; mu++) {
          const double *dm = dd + mdft_wig_idx(n, mu, khi) * PB;
          const double *ar = w->aqr + (s0 + mu) * PB, *ai = w->aqi + (s0 + mu) * PB;
          const double *br = w->amr + (s0 + mu) * PB, *bi = w->ami + (s0 + mu) * PB;
          LANES {
            sqr[b] += ar[b] * dm[b]; sqi[b] += ai[b] * dm[b];
            smr[b] += br[b] * dm[b]; smi[b] += bi[b] * dm[b];
          }
        }
        double *restrict rqr = w->rqr + (s0 + khi) * PB, *restrict rqi = w->rqi + (s0 + khi) * PB;
        double *restrict rmr = w->rmr + (s0 - khi) * PB, *restrict rmi = w->rmi + (s0 - khi) * PB;
        LANES {
          rqr[b] = sqr[b]; rqi[b] = sqi[b];
          rmr[b] = sgn * smr[b]; rmi[b] = sgn * smi[b];
        }
      }
    }
  }
  /* the khi-diagonal coupling, one output slot at a time, both frames */
  for (int64_t s = 0; s < z->nslot; s++) {
    double sqr[PB], sqi[PB], smr[PB], smi[PB];
    LANES sqr[b] = sqi[b] = smr[b] = smi[b] = 0;
    for (int64_t e = z->kstart[s]; e < z->kstart[s + 1]; e++) {
      const int64_t in = z->kin[e] * PB;
      const double *ar = w->rqr + in, *ai = w->rqi + in, *br = w->rmr + in, *bi = w->rmi + in;
      if (kr) {
        const double *k = w->k + e * PB;
        LANES {
          sqr[b] += k[b] * ar[b]; sqi[b] += k[b] * ai[b];
          smr[b] += k[b] * br[b]; smi[b] += k[b] * bi[b];
        }
      } else {
        const double *k = w->k + 2 * e * PB, *ki = k + PB;
        LANES {
          sqr[b] += k[b] * ar[b] - ki[b] * ai[b]; sqi[b] += k[b] * ai[b] + ki[b] * ar[b];
          smr[b] += k[b] * br[b] - ki[b] * bi[b]; smi[b] += k[b] * bi[b] + ki[b] * br[b];
        }
      }
    }
    LANES {
      w->gqr[s * PB + b] = sqr[b]; w->gqi[s * PB + b] = sqi[b];
      w->gmr[s * PB + b] = smr[b]; w->gmi[s * PB + b] = smi[b];
    }
  }
  /* back to the lab frame (mu' >= 0), times 1/N, into the stored slots at q and -q
   * (-q first: at q = 0 both are the same point and q's value stands) */
  for (int64_t p = 0; p < np; p++) {
    const int m = pr->pm[p], mu = pr->pmu[p];
    const int64_t s0 = z->pslot[p];
    const double sgn = (m & 1) ? -invn : invn;
    double sqr[PB], sqi[PB], smr[PB], smi[PB];
    LANES sqr[b] = sqi[b] = smr[b] = smi[b] = 0;
    for (int khi = -m; khi <= m; khi++) {
      const double *dm = dd + mdft_wig_idx(m, mu, khi) * PB;
      const double *ar = w->gqr + (s0 + khi) * PB, *ai = w->gqi + (s0 + khi) * PB;
      const double *br = w->gmr + (s0 - khi) * PB, *bi = w->gmi + (s0 - khi) * PB;
      LANES {
        sqr[b] += ar[b] * dm[b]; sqi[b] += ai[b] * dm[b];
        smr[b] += br[b] * dm[b]; smi[b] += bi[b] * dm[b];
      }
    }
    const double *c = w->ec + abs(mu) * PB, *sn = w->es + abs(mu) * PB;
    const double ss = mu < 0 ? -1 : 1;
    double *restrict qr = w->qre + p * PB, *restrict qi = w->qim + p * PB;
    double *restrict mr = w->mre + p * PB, *restrict mi = w->mim + p * PB;
    LANES {
      const double cc = c[b], sb = ss * sn[b];
      qr[b] = (sqr[b] * cc - sqi[b] * sb) * invn;
      qi[b] = (sqi[b] * cc + sqr[b] * sb) * invn;
      mr[b] = (smr[b] * cc - smi[b] * sb) * sgn;
      mi[b] = (smi[b] * cc + smr[b] * sb) * sgn;
    }
  }
  for (int64_t p = 0; p < np; p++) {
    double *dst = (double *)(data + p * N);
    if (run) { /* -q first (at q = 0 both are the same point and q's value stands) */
      const double *mr = w->mre + p * PB, *mi = w->mim + p * PB;
      const double *qr = w->qre + p * PB, *qi = w->qim + p * PB;
      double *dm = dst + 2 * w->part[PB - 1], *dq = dst + 2 * w->self[0];
      dst[2 * w->part[0]] = mr[0]; dst[2 * w->part[0] + 1] = mi[0];
      for (int c = 0; c < PB - 1; c++) { dm[2 * c] = mr[PB - 1 - c]; dm[2 * c + 1] = mi[PB - 1 - c]; }
      for (int b = 0; b < PB; b++) { dq[2 * b] = qr[b]; dq[2 * b + 1] = qi[b]; }
      continue;
    }
    for (int64_t b = 0; b < npairs; b++) {
      dst[2 * w->part[b]] = w->mre[p * PB + b]; dst[2 * w->part[b] + 1] = w->mim[p * PB + b];
      dst[2 * w->self[b]] = w->qre[p * PB + b]; dst[2 * w->self[b] + 1] = w->qim[p * PB + b];
    }
  }
}

int mdft_oz_apply(const mdft_oz *oz, double complex *data) {
  const mdft_grid *g = oz->grid;
  const int64_t N = g->ntot, np = oz->proj->np, nx = g->n[0], ny = g->n[1], nz = g->n[2];
  const int64_t nrow = (nx / 2 + 1) * ny; /* rows (ix, iy) with ix <= nx/2 hold every pair */
  int fail = 0;
#pragma omp parallel
  {
    ozblk w;
    double *base = blk_alloc(oz, &w);
    if (!base) {
#pragma omp atomic write
      fail = 1;
    }
#pragma omp for schedule(static)
    for (int64_t row = 0; row < nrow; row++) {
      if (!base) continue;
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
      int64_t npairs = 0;
      for (int64_t iz = 0; iz < nz; iz++) {
        const int64_t mz = mdft_grid_neg(iz, nz), r = R * nz + iz, mr = Rm * nz + mz;
        if (mr < r) continue;
        if (nz % 2 == 0 && iz == nz / 2) {
          for (int64_t p = 0; p < np; p++) data[p * N + r] = data[p * N + mr] = 0;
          continue;
        }
        w.self[npairs] = r; w.part[npairs] = mr;
        w.qx[npairs] = kx; w.qy[npairs] = ky; w.qz[npairs] = mdft_grid_k(g, 2, iz);
        if (++npairs == PB) {
          oz_block(oz, data, npairs, &w);
          npairs = 0;
        }
      }
      if (npairs > 0) oz_block(oz, data, npairs, &w);
    }
    free(base);
  }
  return fail ? MDFT_ERR_NOMEM : MDFT_OK;
}
