/* The external potential and the TIP3P model against references written here, independent
 * of external.c and solvent.c:
 * (a) Lennard-Jones: solute and solvent sites with different sigma/epsilon (Lorentz-Berthelot
 *     mixing not trivial), off-centre solvent LJ sites, a solute site next to two box faces
 *     (minimum image) and a cutoff shorter than L/2, on a box with three different lengths:
 *     V(r,o) at every grid point and orientation vs a direct sum over the 27 nearest images,
 *     with rotations built here from the orientations' Euler angles (ZYZ).
 * (b) Electrostatics vs an Ewald sum of the same Gaussian charges (width: the largest grid
 *     spacing), tin-foil boundary, k = 0 dropped (zero mean, neutralising background). The
 *     convention is pinned by (i) the Ewald reference reproducing the simple-cubic constant
 *     psi(r) - 1/r -> -2.837297/L (Nijboer & De Wette, Physica 23, 309 (1957)), (ii) a
 *     one-site charged solvent: V - K q q'/r = K q q' (-2.837297/L + 2 pi r^2/(3 L^3)) near
 *     the solute (the expansion of the periodic potential), (iii) TIP3P at random points.
 * (c) TIP3P (Jorgensen et al., J. Chem. Phys. 79, 926 (1983), Table I): r_OH = 0.9572 A,
 *     HOH = 104.52 deg, q_H = 0.417 e, O-O LJ A = 582.0e3 kcal A^12/mol, C = 595.0 kcal
 *     A^6/mol (sigma = (A/C)^(1/6), epsilon = C^2/(4A)); and short runs that use it: the
 *     water dipoles in a cation's first shell point away from it, in an anion's towards it. */
#include <string.h>
#include "test_util.h"
#include "internal.h" /* the solvent's sites (struct mdft_solvent) */

#define K_COUL 1389.35457644382 /* e^2/(4 pi eps0) in kJ/mol A */
#define XI_SC -2.837297479      /* Madelung-type constant of the simple cubic lattice */

static unsigned seed = 11;
static double urand(void) { seed = seed * 1103515245u + 12345u; return ((seed >> 8) & 0xffffff) / 16777216.0; }

/* position of solvent site s of the molecule at grid point r in orientation o */
static void site_pos(const mdft_solver *s, const mdft_site *site, int64_t r, int64_t o, double p[3]) {
  int64_t n[3];
  double len[3], e[3], w, R[3][3];
  mdft_solver_box(s, n, len);
  mdft_solver_orientation(s, o, e, &w);
  test_euler_rot(e, R);
  double g[3];
  test_grid_point(n, len, r, g);
  const double m[3] = {site->x, site->y, site->z};
  for (int d = 0; d < 3; d++) p[d] = g[d] + R[d][0] * m[0] + R[d][1] * m[1] + R[d][2] * m[2];
}

/* shortest of the 27 image vectors of a - b (images: 0 or +-1 box length per axis) */
static double nearest_image(const double a[3], const double b[3], const double len[3], int images) {
  double best = INFINITY;
  for (int i = -images; i <= images; i++)
    for (int j = -images; j <= images; j++)
      for (int k = -images; k <= images; k++) {
        double dx = a[0] - b[0] + i * len[0], dy = a[1] - b[1] + j * len[1], dz = a[2] - b[2] + k * len[2];
        best = fmin(best, sqrt(dx * dx + dy * dy + dz * dz));
      }
  return best;
}

/* ---- (a) Lennard-Jones ---- */
static double lj_ref(const mdft_solver *s, const mdft_site *solv, int nsv, const mdft_site *solu, int nsu,
                     double cutoff, int images, int64_t r, int64_t o) {
  int64_t n[3];
  double len[3], v = 0;
  mdft_solver_box(s, n, len);
  for (int a = 0; a < nsv; a++) {
    double p[3];
    site_pos(s, &solv[a], r, o, p);
    for (int b = 0; b < nsu; b++) {
      const double u[3] = {solu[b].x, solu[b].y, solu[b].z};
      double d = images ? nearest_image(p, u, len, 1) : nearest_image(p, u, len, 0);
      if (d > cutoff) continue;
      double sig = (solv[a].sigma + solu[b].sigma) / 2, eps = sqrt(solv[a].epsilon * solu[b].epsilon);
      double sr6 = pow(sig / d, 6);
      v += 4 * eps * (sr6 * sr6 - sr6);
    }
  }
  return v;
}

static void test_lj(void) {
  mdft_error err = {0, ""};
  /* O-like centre site and two off-centre LJ sites, symmetric under a half turn about z */
  mdft_site solv[3] = {{0, 0, 0, 0, 3.1, 0.65}, {0.8, 0, 0.6, 0, 1.2, 0.1}, {-0.8, 0, 0.6, 0, 1.2, 0.1}};
  mdft_solvent *sv;
  OK(mdft_solvent_create(3, solv, 2, 0.033, &sv, &err));
  OK(synth_cq(sv, 2, 2, 1.0, 1.0, 64, 0.2, &err));
  mdft_params p;
  mdft_params_default(&p);
  const int64_t nn[3] = {12, 13, 14};
  const double ll[3] = {12, 13, 14.7};
  for (int d = 0; d < 3; d++) { p.boxnod[d] = nn[d]; p.boxlen[d] = ll[d]; }
  p.mmax = 2;
  p.lj_cutoff = 5.0;
  /* site 0 is 0.4 A from the x = 0 face and 1.1 A from the z = L face */
  mdft_site solu[2] = {{0.4, 6.1, 13.6, 0, 2.5, 0.3}, {6.3, 5.2, 7.1, 0, 4.0, 1.2}};
  mdft_solver *s;
  OK(mdft_solver_create(&p, sv, solu, 2, &s, &err));
  const double *V = mdft_solver_potential(s), vmax = 100 * 0.0083144626181532 * p.temperature;
  const int64_t no = mdft_solver_norient(s), N = mdft_solver_nvar(s) / no;
  double worst = 0, noimage = 0, nocut = 0;
  int64_t compared = 0, capped = 0, badcap = 0;
  for (int64_t r = 0; r < N; r++)
    for (int64_t o = 0; o < no; o++) {
      double ref = lj_ref(s, solv, 3, solu, 2, p.lj_cutoff, 1, r, o), v = V[mdft_solver_index(s, r, o)];
      if (ref > 0.9 * vmax) {
        /* the code caps each site's sum and the total at 100 kT: within the other pairs' wells
         * (6 pairs, each at most sqrt(0.65 * 1.2) < 1 kJ/mol deep) below min(ref, 100 kT) */
        const double want = fmin(ref, vmax);
        capped++;
        badcap += !(v > want - 6 && v <= want + 1e-9 * vmax);
        continue;
      }
      compared++;
      worst = fmax(worst, fabs(v - ref) / (1 + fabs(ref)));
      /* the same sum without images, and without the cutoff (x = 0 and 1 planes, next to solute
       * site 0): how much the test depends on them */
      if (r >= 2 * 13 * 14) continue;
      noimage = fmax(noimage, fabs(ref - lj_ref(s, solv, 3, solu, 2, p.lj_cutoff, 0, r, o)));
      nocut = fmax(nocut, fabs(ref - lj_ref(s, solv, 3, solu, 2, 1e9, 1, r, o)));
    }
  printf("LJ: %lld (point, orientation) pairs vs direct sum: max rel err %.2e; %lld capped; "
         "without images the sum differs by up to %.3g, without the cutoff by %.3g kJ/mol\n",
         (long long)compared, worst, (long long)capped, noimage, nocut);
  CHECK(worst < 1e-10, "LJ potential differs from the direct sum: %.3e", worst);
  CHECK(capped > 0 && badcap == 0, "%lld of %lld capped values not at 100 kT", (long long)badcap, (long long)capped);
  CHECK(noimage > 0.1 && nocut > 1e-3, "test does not exercise the minimum image (%g) or the cutoff (%g)", noimage,
        nocut);
  mdft_solver_free(s);
  mdft_solvent_free(sv);
}

/* ---- (b) electrostatics ---- */
/* psi(d) = (4 pi / V) sum_{k != 0} exp(-k^2 sg^2/2) cos(k.d) / k^2: the periodic potential
 * per unit charge of Gaussian charges of width sg (sg = 0: point charges) with a
 * neutralising background, by Ewald's split at width b > sg: a k-space sum of the
 * width-b part, the real-space difference [erf(r/(sqrt2 sg)) - erf(r/(sqrt2 b))]/r over
 * the 27 nearest images, and the k = 0 limit of the difference, -2 pi (b^2 - sg^2)/V. */
static double ewald_psi(const double dd[3], const double len[3], double sg) {
  const double b = 2.0, vol = len[0] * len[1] * len[2];
  const int M = 10; /* exp(-k^2 b^2/2) < 1e-13 beyond */
  double d[3];
  for (int a = 0; a < 3; a++) d[a] = dd[a] - len[a] * round(dd[a] / len[a]);
  double real = 0;
  for (int i = -1; i <= 1; i++)
    for (int j = -1; j <= 1; j++)
      for (int k = -1; k <= 1; k++) {
        double x = d[0] + i * len[0], y = d[1] + j * len[1], z = d[2] + k * len[2], r = sqrt(x * x + y * y + z * z);
        if (r < 1e-12) real += sqrt(2 / MDFT_PI) * ((sg > 0 ? 1 / sg : INFINITY) - 1 / b);
        else real += ((sg > 0 ? erf(r / (sqrt(2) * sg)) : 1) - erf(r / (sqrt(2) * b))) / r;
      }
  double complex ex[2 * M + 1], ey[2 * M + 1], ez[2 * M + 1];
  for (int n = -M; n <= M; n++) {
    ex[n + M] = cexp(I * 2 * MDFT_PI * n * d[0] / len[0]);
    ey[n + M] = cexp(I * 2 * MDFT_PI * n * d[1] / len[1]);
    ez[n + M] = cexp(I * 2 * MDFT_PI * n * d[2] / len[2]);
  }
  double rec = 0;
  for (int i = -M; i <= M; i++)
    for (int j = -M; j <= M; j++)
      for (int k = -M; k <= M; k++) {
        if (!i && !j && !k) continue;
        double kx = 2 * MDFT_PI * i / len[0], ky = 2 * MDFT_PI * j / len[1], kz = 2 * MDFT_PI * k / len[2];
        double k2 = kx * kx + ky * ky + kz * kz;
        rec += exp(-0.5 * k2 * b * b) / k2 * creal(ex[i + M] * ey[j + M] * ez[k + M]);
      }
  return real + 4 * MDFT_PI / vol * rec - 2 * MDFT_PI * (b * b - sg * sg) / vol;
}

/* sum of 4 pi exp(-k^2 sg^2/2) / (V k^2) over the modes a grid of N^3 cannot hold exactly
 * (some |n_i| >= N/2: the code keeps one of each +-Nyquist pair, nothing beyond): a bound on
 * |V - Ewald| per unit K |q q'| for the code's Fourier-space potential */
static double beyond_grid(int N, double L, double sg) {
  const int M = 5 * N / 4; /* exp(-k^2 sg^2/2) < 1e-13 beyond, for sg = L/N */
  double sum = 0;
  for (int i = -M; i <= M; i++)
    for (int j = -M; j <= M; j++)
      for (int k = -M; k <= M; k++) {
        if (abs(i) < N / 2 && abs(j) < N / 2 && abs(k) < N / 2) continue;
        double k2 = (i * i + j * j + k * k) * (2 * MDFT_PI / L) * (2 * MDFT_PI / L);
        sum += exp(-0.5 * k2 * sg * sg) / k2;
      }
  return 4 * MDFT_PI / (L * L * L) * sum;
}

static double elec_ref(const mdft_solver *s, const mdft_site *solv, int nsv, const mdft_site *solu, int nsu,
                       double sg, int64_t r, int64_t o) {
  int64_t n[3];
  double len[3], v = 0;
  mdft_solver_box(s, n, len);
  for (int a = 0; a < nsv; a++) {
    double p[3];
    site_pos(s, &solv[a], r, o, p);
    for (int b = 0; b < nsu; b++) {
      double d[3] = {p[0] - solu[b].x, p[1] - solu[b].y, p[2] - solu[b].z};
      v += K_COUL * solv[a].charge * solu[b].charge * ewald_psi(d, len, sg);
    }
  }
  return v;
}

static void test_elec(void) {
  mdft_error err = {0, ""};
  const double L = 16, len[3] = {L, L, L}, vmax = 100 * 0.0083144626181532 * 298;
  /* (i) the reference: psi - 1/r -> XI/L + 2 pi r^2/(3 L^3) for point charges */
  {
    double d1[3] = {0.01 * L, 0, 0}, d2[3] = {0.1 * L, 0.05 * L, -0.07 * L};
    double r2 = sqrt(d2[0] * d2[0] + d2[1] * d2[1] + d2[2] * d2[2]);
    double e1 = ewald_psi(d1, len, 0) - 1 / d1[0], e2 = ewald_psi(d2, len, 0) - 1 / r2;
    double x1 = XI_SC / L + 2 * MDFT_PI * d1[0] * d1[0] / (3 * L * L * L), x2 = XI_SC / L + 2 * MDFT_PI * r2 * r2 / (3 * L * L * L);
    printf("Ewald reference: psi - 1/r = %.9f (expansion %.9f) at r = %.2f, %.9f (%.9f) at r = %.2f\n", e1, x1,
           d1[0], e2, x2, r2);
    /* at r = 2.1 the next, quartic (cubic-harmonic) term is ~ (r/L)^4/L ~ 2e-5 */
    CHECK(fabs(e1 - x1) < 1e-8 && fabs(e2 - x2) < 1e-4, "Ewald reference off the cubic-lattice expansion");
  }
  mdft_params p;
  mdft_params_default(&p);
  for (int d = 0; d < 3; d++) { p.boxnod[d] = 32; p.boxlen[d] = L; }
  const double sg = L / 32; /* the code's smearing: one grid spacing */
  /* solute: +1 next to three faces, -0.6 elsewhere; no LJ, so V is the electrostatics alone */
  mdft_site solu[2] = {{0.3, 15.2, 8.4, 1.0, 1.0, 0}, {9.1, 6.6, 5.3, -0.6, 1.0, 0}};
  const double B = beyond_grid(32, L, sg);
  printf("modes beyond the grid: weight %.4e per unit K q q' (%.4f kJ/mol for q q' = 1)\n", B, K_COUL * B);
  /* (ii) a one-site charged solvent (q' = 0.5): V itself is K q' phi */
  {
    mdft_site ion = {0, 0, 0, 0.5, 3.0, 0.5};
    mdft_solvent *sv;
    OK(mdft_solvent_create(1, &ion, 1, 0.01, &sv, &err));
    OK(synth_cq(sv, 0, 1, 1.0, 1.0, 64, 0.2, &err));
    p.mmax = 0;
    mdft_site one = {8.05, 7.9, 8.2, 1.0, 1.0, 0};
    mdft_solver *s;
    OK(mdft_solver_create(&p, sv, &one, 1, &s, &err));
    const double *V = mdft_solver_potential(s);
    double worst = 0, worst_exp = 0;
    int64_t ncmp = 0;
    for (int64_t r = 0; r < 32 * 32 * 32; r++) {
      double pos[3];
      site_pos(s, &ion, r, 0, pos);
      double d[3] = {pos[0] - one.x, pos[1] - one.y, pos[2] - one.z};
      double dist = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]), v = V[mdft_solver_index(s, r, 0)];
      if (dist > 3.5 && urand() > 0.05) continue; /* near the solute and 5% of the rest */
      double ref = K_COUL * 0.5 * ewald_psi(d, len, sg);
      if (fabs(ref) > 0.9 * vmax) continue;
      worst = fmax(worst, fabs(v - ref));
      if (dist >= 2.5 && dist <= 3.5) { /* the periodic Coulomb law near the solute, by hand */
        double expn = K_COUL * 0.5 * (1 / dist + XI_SC / L + 2 * MDFT_PI * dist * dist / (3 * L * L * L));
        worst_exp = fmax(worst_exp, fabs(v - expn));
        ncmp++;
      }
    }
    printf("one-site solvent: max |V - Ewald| = %.3e kJ/mol; 2.5-3.5 A from the solute: max |V - K q q' (1/r - "
           "2.837297/L + 2 pi r^2/3L^3)| = %.3e kJ/mol over %lld points (offset K q q' 2.837297/L = %.3f)\n",
           worst, worst_exp, (long long)ncmp, -K_COUL * 0.5 * XI_SC / L);
    CHECK(worst < K_COUL * 0.5 * B, "one-site V vs Ewald: %.3e kJ/mol", worst);
    /* 1 kJ/mol: under 1% of the offset (the expansion's quartic term reaches 0.5 kJ/mol at 3.5 A) */
    CHECK(ncmp > 100 && worst_exp < 1, "V near the solute vs the periodic Coulomb expansion: %.3e kJ/mol", worst_exp);
    mdft_solver_free(s);
    mdft_solvent_free(sv);
  }
  /* (iii) TIP3P at random points and orientations */
  {
    mdft_solvent *w;
    OK(mdft_solvent_create_model("tip3p", &w, &err));
    OK(synth_cq(w, 1, 2, 1.0, 1.0, 64, 0.2, &err));
    p.mmax = 1;
    mdft_solver *s;
    OK(mdft_solver_create(&p, w, solu, 2, &s, &err));
    const double *V = mdft_solver_potential(s);
    const int64_t no = mdft_solver_norient(s);
    double worst = 0, big = 0;
    int ncmp = 0;
    for (int t = 0; t < 300; t++) {
      int64_t r = (int64_t)(urand() * 32768), o = (int64_t)(urand() * (double)no);
      double ref = elec_ref(s, w->site, 3, solu, 2, sg, r, o), v = V[mdft_solver_index(s, r, o)];
      if (fabs(ref) > 0.9 * vmax) continue;
      worst = fmax(worst, fabs(v - ref));
      big = fmax(big, fabs(ref));
      ncmp++;
    }
    printf("TIP3P electrostatics: %d random (point, orientation) pairs, max |V - Ewald| = %.3e kJ/mol (max |V| %.1f)\n",
           ncmp, worst, big);
    /* each (solvent site, solute site) pair within its share of the bound */
    CHECK(ncmp > 250 && worst < K_COUL * (0.834 + 2 * 0.417) * (1.0 + 0.6) * B, "TIP3P V vs Ewald: %.3e kJ/mol", worst);
    mdft_solver_free(s);
    mdft_solvent_free(w);
  }
}

/* ---- (c) TIP3P ---- */
/* orientation-averaged cos(dipole, r - solute) in the shell rlo..rhi, weighted by the density */
static double shell_polarisation(const mdft_solver *s, const double c[3], double rlo, double rhi) {
  int64_t n[3];
  double len[3], num = 0, den = 0;
  mdft_solver_box(s, n, len);
  const int64_t no = mdft_solver_norient(s), N = n[0] * n[1] * n[2];
  const double *x = mdft_solver_x((mdft_solver *)s);
  for (int64_t r = 0; r < N; r++) {
    double d[3];
    test_grid_point(n, len, r, d);
    for (int a = 0; a < 3; a++) { d[a] -= c[a]; d[a] -= len[a] * round(d[a] / len[a]); }
    double dist = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    if (dist < rlo || dist > rhi) continue;
    for (int64_t o = 0; o < no; o++) {
      double e[3], w, R[3][3];
      mdft_solver_orientation(s, o, e, &w);
      test_euler_rot(e, R);
      double xx = x[mdft_solver_index(s, r, o)];
      /* the dipole is along the molecular +z axis (towards the H's) */
      double cosang = (R[0][2] * d[0] + R[1][2] * d[1] + R[2][2] * d[2]) / dist;
      num += w * xx * xx * cosang;
      den += w * xx * xx;
    }
  }
  return num / den;
}

static void test_tip3p(void) {
  mdft_error err = {0, ""};
  mdft_solvent *w;
  OK(mdft_solvent_create_model("tip3p", &w, &err));
  CHECK(w->nsite == 3 && w->mrso == 2, "TIP3P: %lld sites, symmetry order %d", (long long)w->nsite, w->mrso);
  const double A = 582.0e3, C = 595.0, kcal = 4.184; /* Jorgensen 1983, Table I */
  const double sig = pow(A / C, 1.0 / 6), eps = C * C / (4 * A) * kcal;
  const mdft_site *o = &w->site[0], *h1 = &w->site[1], *h2 = &w->site[2];
  /* A and C have four digits: sigma known to 3e-5, epsilon to 3.5e-4 (relative) */
  CHECK(fabs(o->sigma / sig - 1) < 5e-5, "TIP3P sigma %.6f vs (A/C)^(1/6) = %.6f", o->sigma, sig);
  CHECK(fabs(o->epsilon / eps - 1) < 3.5e-4, "TIP3P epsilon %.6f vs C^2/4A = %.6f kJ/mol", o->epsilon, eps);
  CHECK(o->x == 0 && o->y == 0 && o->z == 0, "O not at the molecular centre");
  CHECK(fabs(o->charge + 0.834) < 1e-12 && fabs(h1->charge - 0.417) < 1e-12 && fabs(h2->charge - 0.417) < 1e-12,
        "TIP3P charges %g %g %g", o->charge, h1->charge, h2->charge);
  CHECK(h1->epsilon == 0 && h2->epsilon == 0, "TIP3P H sites carry no LJ");
  double r1 = sqrt(h1->x * h1->x + h1->y * h1->y + h1->z * h1->z), r2 = sqrt(h2->x * h2->x + h2->y * h2->y + h2->z * h2->z);
  double ang = acos((h1->x * h2->x + h1->y * h2->y + h1->z * h2->z) / (r1 * r2)) * 180 / MDFT_PI;
  CHECK(fabs(r1 - 0.9572) < 1e-12 && fabs(r2 - 0.9572) < 1e-12, "r_OH %.6f %.6f", r1, r2);
  CHECK(fabs(ang - 104.52) < 1e-9, "HOH angle %.6f", ang);
  /* symmetry axis z, dipole along +z: H's mirror images under a half turn about z */
  CHECK(fabs(h1->x + h2->x) < 1e-12 && fabs(h1->y + h2->y) < 1e-12 && h1->z > 0 && fabs(h1->z - h2->z) < 1e-12,
        "H's not symmetric about +z");
  printf("TIP3P: sigma %.5f (A, C give %.5f), epsilon %.5f (%.5f) kJ/mol, r_OH %.4f, HOH %.2f\n", o->sigma, sig,
         o->epsilon, eps, r1, ang);
  /* short runs: a cation and an anion in TIP3P (mmax 1, 32^3, a weak water-like c(q)) */
  OK(synth_cq(w, 1, 2, 5.0, 1.0, 128, 0.1, &err));
  for (int sign = 1; sign >= -1; sign -= 2) {
    mdft_params p;
    mdft_params_default(&p);
    /* spacing 0.5 A: the charges are smeared over one spacing, so the potential they give at the
     * ion's centre (~ -1880 kJ/mol for O at 0.5 A) would pull water into the core were it not capped */
    for (int d = 0; d < 3; d++) { p.boxnod[d] = 32; p.boxlen[d] = 16; }
    p.mmax = 1;
    p.max_iter = 20;
    mdft_site ion = {8, 8, 8, sign * 1.0, 2.6, 0.4};
    mdft_solver *s;
    mdft_result res;
    OK(mdft_solver_create(&p, w, &ion, 1, &s, &err));
    OK(mdft_solver_minimise(s, NULL, NULL, &res, &err));
    const double c[3] = {8, 8, 8};
    /* the ion's repulsive core stays empty: V at the cap there whatever the charges, no solvent */
    const double vcap = 100 * 0.0083144626181532 * p.temperature, *V = mdft_solver_potential(s);
    const double *x = mdft_solver_x(s);
    const int64_t no = mdft_solver_norient(s), centre = (16 * 32 + 16) * 32 + 16;
    double vmin_core = INFINITY, xmax_core = 0;
    for (int64_t o = 0; o < no; o++) {
      vmin_core = fmin(vmin_core, V[mdft_solver_index(s, centre, o)]);
      for (int d = 0; d < 3; d++) { /* three neighbours of the centre, 0.5 A from the ion */
        int64_t nb = centre + (d == 0 ? 1024 : d == 1 ? 32 : 1);
        double xx = x[mdft_solver_index(s, nb, o)];
        xmax_core = fmax(xmax_core, xx * xx);
      }
    }
    CHECK(fabs(vmin_core - vcap) < 1e-9 * vcap && xmax_core < 1e-6, "ion %+d: core V down to %g (cap %g), rho/rho0 up to %g", sign,
          vmin_core, vcap, xmax_core);
    double pol = shell_polarisation(s, c, 2.0, 3.5);
    printf("TIP3P, ion %+d: F = %.4f kJ/mol after %lld iterations; first shell <cos(dipole, r)> = %+.3f\n", sign,
           res.energy.total, (long long)res.iterations, pol);
    CHECK(isfinite(res.energy.total) && res.energy.total < 0, "ion %+d: F = %g", sign, res.energy.total);
    CHECK(sign * pol > 0.2, "ion %+d: first-shell dipoles <cos> = %.3f (H's must point %s)", sign, pol,
          sign > 0 ? "away" : "towards the ion");
    mdft_solver_free(s);
  }
  mdft_solvent_free(w);
}

int main(void) {
  test_lj();
  test_elec();
  test_tip3p();
  if (!t_failures) printf("external potential and TIP3P: all checks passed\n");
  return t_failures ? 1 : 0;
}
