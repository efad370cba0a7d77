/* Tiny test harness shared by the mdft tests. */
#ifndef MDFT_TEST_UTIL_H
#define MDFT_TEST_UTIL_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "mdft.h"

static int t_failures = 0;
#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                        \
      fprintf(stderr, "\n");                                               \
      t_failures++;                                                        \
    }                                                                      \
  } while (0)
#define OK(call)                                                           \
  do {                                                                     \
    mdft_error e_ = {0, ""};                                               \
    (void)e_;                                                              \
    int rc_ = (call);                                                      \
    if (rc_) {                                                             \
      fprintf(stderr, "%s:%d: %s -> %s\n", __FILE__, __LINE__, #call, mdft_strerror(rc_)); \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

/* Argon-like Lennard-Jones fluid at T* = 1.5, rho* = 0.7. */
#define LJ_SIGMA 3.405
#define LJ_EPS 0.99605
#define LJ_T (1.5 * 119.8)
#define LJ_N0 (0.7 / (LJ_SIGMA * LJ_SIGMA * LJ_SIGMA))

static inline mdft_hnc_params lj_hnc_params(void) {
  mdft_hnc_params p = {4096, 0.02, LJ_T, LJ_N0, MDFT_FLUID_LJ, LJ_SIGMA, LJ_EPS, 0, 0.3, 1e-11, 20000};
  return p;
}

/* Bulk LJ solvent with its HNC c(q) set in memory. */
static inline mdft_solvent *lj_solvent(int64_t *nq, double *dq, double **cq) {
  mdft_hnc_params p = lj_hnc_params();
  mdft_error err = {0, ""};
  double *c = malloc(sizeof(double) * (size_t)p.nr);
  if (!c || mdft_hnc_bulk(&p, c, dq, NULL, &err)) {
    fprintf(stderr, "bulk HNC failed: %s\n", err.msg);
    exit(1);
  }
  mdft_site site = {0, 0, 0, 0, LJ_SIGMA, LJ_EPS};
  mdft_solvent *s;
  int idx[5] = {0, 0, 0, 0, 0};
  if (mdft_solvent_create(1, &site, 1, LJ_N0, &s, &err) ||
      mdft_solvent_set_cq(s, 1, idx, p.nr, *dq, c, &err)) {
    fprintf(stderr, "solvent: %s\n", err.msg);
    exit(1);
  }
  *nq = p.nr;
  if (cq) *cq = c;
  else free(c);
  return s;
}

/* A synthetic anisotropic c(q) with the symmetries of a real molecular fluid:
 * c^{mn}_{mu nu khi} = s(q) t_mn e^m_mu e^n_nu / (1+|khi|), symmetric in
 * (m,mu)<->(n,nu), with e^m_{-mu} = (-1)^(m+mu) e^m_mu (reality of c(r)).
 * s(q) = -amp exp(-(q w)^2) (a smooth, short-ranged, negative core). */
static inline double synth_e(int m, int mu) {
  double e = 1.0 / (1 + abs(mu));
  if (mu == 0 && (m & 1)) return 0;
  return mu >= 0 ? e : (((m + mu) & 1) ? -e : e);
}
/* ... with c000 taken from c000[0..nq) instead when not NULL (bench/mdft: a liquid's c000) */
static inline int synth_cq_c000(mdft_solvent *s, int mmax, int mrso, double amp, double width,
                                int64_t nq, double dq, const double *c000, mdft_error *err) {
  int64_t ne = 0, cap = 4096;
  int *idx = malloc(sizeof(int) * 5 * (size_t)cap);
  double *c = malloc(sizeof(double) * (size_t)(cap * nq));
  for (int m = 0; m <= mmax; m++)
    for (int n = 0; n <= mmax; n++)
      for (int mu = 0; mu <= m; mu += mrso)
        for (int nu = -(n / mrso) * mrso; nu <= n; nu += mrso)
          for (int khi = -(m < n ? m : n); khi <= (m < n ? m : n); khi++) {
            double a = synth_e(m, mu) * synth_e(n, nu) / (1.0 + m + n) / (1 + abs(khi));
            if (a == 0 || ne == cap) continue;
            int *ix = idx + 5 * ne;
            ix[0] = m; ix[1] = n; ix[2] = mu; ix[3] = nu; ix[4] = khi;
            for (int64_t iq = 0; iq < nq; iq++) {
              double q = (double)iq * dq;
              c[ne * nq + iq] = c000 && m == 0 && n == 0 ? c000[iq] : -amp * a * exp(-q * q * width * width);
            }
            ne++;
          }
  int rc = mdft_solvent_set_cq(s, ne, idx, nq, dq, c, err);
  free(idx);
  free(c);
  return rc;
}
static inline int synth_cq(mdft_solvent *s, int mmax, int mrso, double amp, double width,
                           int64_t nq, double dq, mdft_error *err) {
  return synth_cq_c000(s, mmax, mrso, amp, width, nq, dq, NULL, err);
}
/* c(q) of a liquid's shape: c000 of a hard-sphere fluid at the solvent's density (1D HNC,
 * sigma = 2.8 A, packing fraction 0.38 at water's density: an oscillating c(q), c(0) ~ -300 A^3)
 * and synth_cq's anisotropic projections at amplitude amp, on the same q table; a functional
 * that L-BFGS minimises with its history (synth_cq's own c000 leaves no curvature). */
static inline int liquid_cq(mdft_solvent *w, int mmax, int mrso, double amp, mdft_error *err) {
  mdft_hnc_params hp = {4096, 0.01, 298, mdft_solvent_density(w), MDFT_FLUID_HS, 2.8, 0, 0, 0.3, 1e-10, 100000};
  double *c0 = malloc(sizeof(double) * (size_t)hp.nr), dq;
  int rc = mdft_hnc_bulk(&hp, c0, &dq, NULL, err);
  if (!rc) rc = synth_cq_c000(w, mmax, mrso, amp, 1.0, 2048, dq, c0, err); /* q up to 157 / A */
  free(c0);
  return rc;
}
/* position (A) of grid point r (x slowest) of a box of n points and lengths len */
static inline void test_grid_point(const int64_t n[3], const double len[3], int64_t r, double p[3]) {
  const int64_t i[3] = {r / (n[1] * n[2]), (r / n[2]) % n[1], r % n[2]};
  for (int d = 0; d < 3; d++) p[d] = (double)i[d] * len[d] / (double)n[d];
}
/* R = Rz(phi) Ry(theta) Rz(psi), lab = R * molecular: the rotation of orientation (phi, theta,
 * psi), written out here so that the tests do not use the library's own */
static inline void test_euler_rot(const double e[3], double R[3][3]) {
  double z1[3][3] = {{cos(e[0]), -sin(e[0]), 0}, {sin(e[0]), cos(e[0]), 0}, {0, 0, 1}};
  double y[3][3] = {{cos(e[1]), 0, sin(e[1])}, {0, 1, 0}, {-sin(e[1]), 0, cos(e[1])}};
  double z2[3][3] = {{cos(e[2]), -sin(e[2]), 0}, {sin(e[2]), cos(e[2]), 0}, {0, 0, 1}};
  double t[3][3] = {{0}};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 3; k++) t[i][j] += z1[i][k] * y[k][j];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      R[i][j] = 0;
      for (int k = 0; k < 3; k++) R[i][j] += t[i][k] * z2[k][j];
    }
}

#endif
