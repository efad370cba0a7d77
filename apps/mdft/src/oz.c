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
#include "oz_fast.h"

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
  z->ncolp = (nk * cw + MDFT_LANES_MAX - 1) / MDFT_LANES_MAX * MDFT_LANES_MAX;
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

/* the blocked apply of the vector width this CPU runs best (oz_block.c) */
int mdft_oz_apply(const mdft_oz *oz, double complex *data) {
  return MDFT_DISPATCH(oz->proj->isa, mdft_oz_apply, oz, data);
}
