/* The fast paths against their references: the blocked angular transforms
 * (MDFT_PB points at once) against the per-point ones, the blocked OZ apply
 * (+-q pairs, rotation tables shared through d(pi - theta), half the rotations through
 * the reality of the density and d^n_{-mu,-khi} = (-1)^(mu-khi) d^n_{mu khi}) against the
 * one-q-at-a-time apply on random fields with that reality, for mmax 0..6 / 0..5,
 * symmetry orders 1..3, odd and even non-cubic grids, real and complex c(q), all to
 * 1e-12 of the largest value; that the solver's fields (projections of a real f, then
 * the FFT) have that reality to rounding; and the branch-free log against libm's to
 * 2 ulp (normal, subnormal, around the sqrt 2 switch); every vector level the CPU runs;
 * MDFT_ISA choosing a level or failing with its name. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <complex.h>
#include <float.h>
#include <string.h>
#include "internal.h"
#include "test_util.h"

static unsigned seed = 4242;
/* the vector kernels' level under test (simd.h): each one this CPU runs */
static int level;
static double urand(void) { seed = seed * 1103515245u + 12345u; return ((seed >> 8) & 0xffffff) / 16777216.0; }

static void check_log(void) {
  double worst = 0, wx = 0;
  const double special[] = {1, 2, 0.5, 1.4142135623730951, 1.4142135623730950, 0x1p-1074, 0x1p-1030,
                            DBL_MIN, DBL_MAX, 1e-300, 3.7e-44, 1 - 1e-10, 1 + 1e-10, 10, 1e100};
  for (int i = 0; i < 200000 + (int)(sizeof special / sizeof special[0]); i++) {
    double x;
    if (i < (int)(sizeof special / sizeof special[0])) x = special[i];
    else if (i % 2) x = exp((urand() - 0.5) * 1400);
    else x = 0.5 + 1.5 * urand();
    double a = mdft_log(x), b = log(x);
    double ulp = b == 0 ? DBL_MIN : nextafter(fabs(b), INFINITY) - fabs(b);
    double u = fabs(a - b) / ulp;
    if (u > worst) { worst = u; wx = x; }
  }
  printf("mdft_log: worst %.2f ulp (at %.17g)\n", worst, wx);
  CHECK(worst <= 2, "mdft_log error %.2f ulp at %.17g", worst, wx);
  /* ln x^2 as the solver takes it, for x of either sign down to where x^2 underflows */
  const double sq[] = {1, -1, 0.5, -3, 1e-160, -1e-160, 2e-154, 1.4142135623730951, 1e150, -7.25};
  worst = 0;
  for (int i = 0; i < 200000 + (int)(sizeof sq / sizeof sq[0]); i++) {
    double x;
    if (i < (int)(sizeof sq / sizeof sq[0])) x = sq[i];
    else x = (i % 2 ? -1 : 1) * (i % 3 ? exp((urand() - 0.5) * 700) : 0.2 + 2 * urand());
    double a = mdft_log_sq(x), b = 2 * log(fabs(x));
    double ulp = b == 0 ? DBL_MIN : nextafter(fabs(b), INFINITY) - fabs(b);
    double u = fabs(a - b) / ulp;
    if (u > worst) { worst = u; wx = x; }
  }
  printf("mdft_log_sq: worst %.2f ulp (at %.17g)\n", worst, wx);
  CHECK(worst <= 2, "mdft_log_sq error %.2f ulp at %.17g", worst, wx);
}

static void check_projections(void) {
  for (int mrso = 1; mrso <= 3; mrso++)
    for (int mmax = 0; mmax <= 6; mmax++) {
      mdft_error err = {0, ""};
      mdft_angles an;
      mdft_wigner w;
      mdft_proj p;
      OK(mdft_angles_init(&an, mmax, mrso, &err));
      OK(mdft_wigner_init(&w, mmax, &err));
      OK(mdft_proj_init(&p, &an, &w, &err));
      p.isa = level;
      const int64_t no = an.no, np = p.np, B = MDFT_PB;
      double *f = malloc(sizeof(double) * (size_t)(no * B)), *fb = malloc(sizeof(double) * (size_t)(no * B));
      double *f1 = malloc(sizeof(double) * (size_t)no);
      double complex *c = malloc(sizeof(double complex) * (size_t)(np * B));
      double complex *cb = malloc(sizeof(double complex) * (size_t)(np * B));
      double complex *work = malloc(sizeof(double complex) * (size_t)mdft_proj_work(&p));
      double *bw = aligned_alloc(64, sizeof(double) * (size_t)((mdft_proj_block_work(&p) + 7) / 8 * 8));
      for (int nb = B; nb >= 5; nb -= B - 5) {
        for (int64_t i = 0; i < no * B; i++) f[i] = urand() - 0.5;
        for (int64_t b = 0; b < B; b++) {
          for (int64_t o = 0; o < no; o++) f1[o] = f[o * B + b];
          mdft_proj_forward(&p, f1, c + b, B, work);
        }
        for (int64_t i = 0; i < np * B; i++) cb[i] = 99;
        mdft_proj_forward_block(&p, nb, f, cb, B, bw);
        double maxd = 0, maxv = 0;
        for (int64_t q = 0; q < np; q++)
          for (int64_t b = 0; b < B; b++) {
            if (b < nb) { maxd = fmax(maxd, cabs(cb[q * B + b] - c[q * B + b])); maxv = fmax(maxv, cabs(c[q * B + b])); }
            else CHECK(cb[q * B + b] == 99, "forward_block wrote lane %lld >= nb", (long long)b);
          }
        CHECK(maxd <= 1e-12 * maxv, "forward_block mmax %d mrso %d nb %d: %.3e of %.3e", mmax, mrso, nb, maxd, maxv);
        /* backward of the (reality-consistent) projections just computed */
        for (int64_t b = 0; b < B; b++) mdft_proj_backward(&p, c + b, B, f1, work), memcpy(f + b * no, f1, sizeof(double) * (size_t)no);
        mdft_proj_backward_block(&p, nb, c, B, fb, bw);
        maxd = maxv = 0;
        for (int64_t b = 0; b < nb; b++)
          for (int64_t o = 0; o < no; o++) {
            maxd = fmax(maxd, fabs(fb[o * B + b] - f[b * no + o]));
            maxv = fmax(maxv, fabs(f[b * no + o]));
          }
        CHECK(maxd <= 1e-12 * maxv, "backward_block mmax %d mrso %d nb %d: %.3e of %.3e", mmax, mrso, nb, maxd, maxv);
      }
      free(f); free(fb); free(f1); free(c); free(cb); free(work); free(bw);
      mdft_proj_free(&p);
      mdft_wigner_free(&w);
      mdft_angles_free(&an);
    }
}

/* a c(q) with every entry this mmax can use, smooth in q, optionally complex */
static void fill_cq(mdft_cq *cq, int mmax, int mrso, int complex_values) {
  int64_t ne = 0, nq = 120;
  cq->idx = malloc(sizeof(int) * 5 * 20000);
  for (int m = 0; m <= mmax; m++)
    for (int n = 0; n <= mmax; n++)
      for (int mu = 0; mu <= m; mu += mrso)
        for (int nu = -(n / mrso) * mrso; nu <= n; nu += mrso)
          for (int khi = -(m < n ? m : n); khi <= (m < n ? m : n); khi++) {
            int *ix = cq->idx + 5 * ne++;
            ix[0] = m; ix[1] = n; ix[2] = mu; ix[3] = nu; ix[4] = khi;
          }
  cq->ne = ne;
  cq->nq = nq;
  cq->dq = 0.08;
  cq->c = malloc(sizeof(double complex) * (size_t)(ne * nq));
  for (int64_t e = 0; e < ne; e++) {
    double a = urand() - 0.5, ph = complex_values ? 6.28 * urand() : 0, w = 0.5 + urand();
    for (int64_t iq = 0; iq < nq; iq++) {
      double q = (double)iq * cq->dq;
      cq->c[e * nq + iq] = a * exp(-q * q * w * w) * cexp(I * ph * (1 + q));
    }
  }
}

/* the reality of fields made from a real f(r, Omega): A^m_{-mu,0}(-q) = (-1)^mu conj A^m_{mu,0}(q)
 * (mu' = 0: the projections at -q are not independent; mu' > 0 ones are) */
static void set_reality(const mdft_proj *p, const mdft_grid *g, double complex *d) {
  const int64_t N = g->ntot, *n = g->n;
  for (int64_t q = 0; q < p->np; q++) {
    if (p->pmup[q] != 0 || p->pmu[q] < 0) continue;
    const int mu = p->pmu[q];
    const int64_t qm = mdft_proj_p(p, p->pm[q], -mu, 0);
    const double sg = (mu & 1) ? -1 : 1;
    for (int64_t r = 0; r < N; r++) {
      const int64_t ix = r / (n[1] * n[2]), iy = (r / n[2]) % n[1], iz = r % n[2];
      const int64_t mr = (mdft_grid_neg(ix, n[0]) * n[1] + mdft_grid_neg(iy, n[1])) * n[2] + mdft_grid_neg(iz, n[2]);
      if (mu == 0 && mr < r) continue;
      if (mu == 0 && mr == r) d[q * N + r] = creal(d[q * N + r]);
      d[qm * N + mr] = sg * conj(d[q * N + r]);
    }
  }
}

static double reality_error(const mdft_proj *p, const mdft_grid *g, const double complex *d, double *maxv) {
  const int64_t N = g->ntot, *n = g->n;
  double e = 0;
  *maxv = 0;
  for (int64_t q = 0; q < p->np; q++) {
    for (int64_t r = 0; r < N; r++) *maxv = fmax(*maxv, cabs(d[q * N + r]));
    if (p->pmup[q] != 0) continue;
    const int mu = p->pmu[q];
    const int64_t qm = mdft_proj_p(p, p->pm[q], -mu, 0);
    for (int64_t r = 0; r < N; r++) {
      const int64_t ix = r / (n[1] * n[2]), iy = (r / n[2]) % n[1], iz = r % n[2];
      const int64_t mr = (mdft_grid_neg(ix, n[0]) * n[1] + mdft_grid_neg(iy, n[1])) * n[2] + mdft_grid_neg(iz, n[2]);
      e = fmax(e, cabs(d[qm * N + mr] - ((mu & 1) ? -1 : 1) * conj(d[q * N + r])));
    }
  }
  return e;
}

/* the solver's OZ input (blocked forward transform of a real f, then the batched FFT) has
 * the reality the blocked OZ apply relies on */
static void check_reality(void) {
  for (int mrso = 1; mrso <= 2; mrso++)
    for (int mmax = 1; mmax <= 4; mmax++) {
      mdft_error err = {0, ""};
      mdft_grid g;
      mdft_angles a;
      mdft_wigner wg;
      mdft_proj p;
      mdft_fft ft;
      const int64_t n[3] = {6, 5, 4};
      double len[3] = {7, 9.5, 8};
      OK(mdft_grid_init(&g, n, len, &err));
      OK(mdft_angles_init(&a, mmax, mrso, &err));
      OK(mdft_wigner_init(&wg, mmax, &err));
      OK(mdft_proj_init(&p, &a, &wg, &err));
        p.isa = level;
      const int64_t N = g.ntot, no = a.no, B = MDFT_PB;
      double complex *d = fftw_malloc(sizeof(double complex) * (size_t)(N * p.np));
      double *f = malloc(sizeof(double) * (size_t)(no * B));
      double *bw = aligned_alloc(64, sizeof(double) * (size_t)((mdft_proj_block_work(&p) + 7) / 8 * 8));
      OK(mdft_fft_init(&ft, &g, p.np, d, 1, &err));
      for (int64_t r0 = 0; r0 < N; r0 += B) {
        const int64_t nb = mdft_block_len(N, r0);
        for (int64_t i = 0; i < no * B; i++) f[i] = urand() - 0.5;
        mdft_proj_forward_block(&p, nb, f, d + r0, N, bw);
      }
      fftw_execute(ft.fwd);
      double maxv, e = reality_error(&p, &g, d, &maxv);
      CHECK(maxv > 0 && e <= 1e-13 * maxv, "reality of the OZ input: mmax %d mrso %d: %.3e of %.3e", mmax, mrso, e, maxv);
      mdft_fft_free(&ft);
      fftw_free(d); free(f); free(bw);
      mdft_proj_free(&p);
      mdft_wigner_free(&wg);
      mdft_angles_free(&a);
    }
}

static void check_oz(void) {
  /* the last two hold full blocks of one row (q up, -q down: the contiguous path) */
  const int64_t dims[][3] = {{6, 8, 7}, {9, 6, 8}, {5, 5, 5}, {8, 8, 8}, {3, 4, 70}, {4, 3, 67}};
  for (int cv = 0; cv <= 1; cv++)
    for (int mrso = 1; mrso <= 2; mrso++)
      for (int mmax = 0; mmax <= 5; mmax++) {
        const int64_t *n = dims[(mmax + mrso + cv) % 6];
        mdft_error err = {0, ""};
        mdft_grid g;
        mdft_angles a;
        mdft_wigner wg;
        mdft_proj p;
        mdft_oz oz;
        mdft_cq cq;
        double len[3] = {7, 9.5, 8};
        OK(mdft_grid_init(&g, n, len, &err));
        OK(mdft_angles_init(&a, mmax, mrso, &err));
        OK(mdft_wigner_init(&wg, mmax, &err));
        OK(mdft_proj_init(&p, &a, &wg, &err));
        p.isa = level;
        fill_cq(&cq, mmax, mrso, cv);
        OK(mdft_oz_init(&oz, &p, &wg, &g, &cq, &err));
        const int64_t N = g.ntot, sz = N * p.np;
        double complex *d1 = malloc(sizeof(double complex) * (size_t)sz), *d2 = malloc(sizeof(double complex) * (size_t)sz);
        for (int64_t i = 0; i < sz; i++) d1[i] = (urand() - 0.5) + I * (urand() - 0.5);
        set_reality(&p, &g, d1);
        double maxv0, e0 = reality_error(&p, &g, d1, &maxv0);
        CHECK(e0 == 0, "set_reality left %.3e", e0);
        memcpy(d2, d1, sizeof(double complex) * (size_t)sz);
        OK(mdft_oz_apply_ref(&oz, d1));
        OK(mdft_oz_apply(&oz, d2));
        double maxd = 0, maxv = 0;
        for (int64_t i = 0; i < sz; i++) { maxd = fmax(maxd, cabs(d1[i] - d2[i])); maxv = fmax(maxv, cabs(d1[i])); }
        CHECK(maxv > 0 && maxd <= 1e-12 * maxv, "OZ blocked vs reference: mmax %d mrso %d %s c(q), %lldx%lldx%lld: %.3e of %.3e",
              mmax, mrso, cv ? "complex" : "real", (long long)n[0], (long long)n[1], (long long)n[2], maxd, maxv);
        free(d1); free(d2);
        mdft_oz_free(&oz);
        mdft_cq_free(&cq);
        mdft_proj_free(&p);
        mdft_wigner_free(&wg);
        mdft_angles_free(&a);
      }
}

/* MDFT_ISA picks a lower level, or fails the solver's set-up with a message naming it */
static void check_isa_env(void) {
  mdft_error err = {0, ""};
  mdft_angles a;
  mdft_wigner w;
  mdft_proj p;
  OK(mdft_angles_init(&a, 2, 2, &err));
  OK(mdft_wigner_init(&w, 2, &err));
  setenv("MDFT_ISA", "base", 1);
  OK(mdft_proj_init(&p, &a, &w, &err));
  CHECK(p.isa == MDFT_ISA_BASE, "MDFT_ISA=base gave level %d", p.isa);
  mdft_proj_free(&p);
  setenv("MDFT_ISA", "v4", 1); /* higher than some CPUs run: the CPU's best then */
  OK(mdft_proj_init(&p, &a, &w, &err));
  CHECK(p.isa == mdft_isa_cpu(), "MDFT_ISA=v4 gave level %d on a CPU whose best is %d", p.isa, mdft_isa_cpu());
  mdft_proj_free(&p);
  setenv("MDFT_ISA", "avx9", 1);
  const int rc = mdft_proj_init(&p, &a, &w, &err);
  CHECK(rc == MDFT_ERR_INPUT && strstr(err.msg, "MDFT_ISA=avx9"), "MDFT_ISA=avx9: rc %d, '%s'", rc, err.msg);
  unsetenv("MDFT_ISA");
  mdft_wigner_free(&w);
  mdft_angles_free(&a);
}

int main(void) {
  check_log();
  check_isa_env();
  const int best = mdft_isa_cpu(), levels[] = {MDFT_ISA_BASE, MDFT_ISA_V3, MDFT_ISA_V4};
  for (int i = 0; i < 3; i++) {
    if (levels[i] > best) continue;
    level = levels[i];
    const int before = t_failures;
    check_projections();
    check_reality();
    check_oz();
    printf("blocked kernels, level %s: %s\n", mdft_isa_name(level), t_failures == before ? "passed" : "FAILED");
  }
  if (!t_failures) printf("blocked: all checks passed\n");
  return t_failures ? 1 : 0;
}
