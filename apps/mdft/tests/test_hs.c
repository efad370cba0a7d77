/* Hard spheres: the 1D OZ-HNC generator (MDFT_FLUID_HS, `mdft hnc-hs`) and the
 * hard_sphere_solute option, against results known independently of the code:
 * - g(r) = 0 inside the core, at a liquid density (eta = 0.3);
 * - the low-density limit c -> Mayer f = -1 inside sigma, 0 outside: c(q) at eta = 1e-5 vs
 *   f(q) = -4 pi (sin q sigma - q sigma cos q sigma) / q^3;
 * - the HNC contact value g(sigma+) = 1 + 5/2 eta + a2 eta^2 + O(eta^3) with a2 = 57/8:
 *   through the virial route (beta P/rho = 1 + 4 eta g(sigma+)), a2 = 16 B4/B2^3, and HNC's
 *   virial B4 is 3/2 the Percus-Yevick compressibility B4 (Santos & Manzano, J. Chem. Phys.
 *   132, 144508 (2010)), which the PY equation of state (1 + eta + eta^2)/(1 - eta)^3 =
 *   1 + 4 eta + 10 eta^2 + 19 eta^3 + ... puts at 19/64 B2^3 (HNC: 0.4453 B2^3, also in
 *   Hansen & McDonald's table of hard-sphere virial coefficients; exact 0.2869, PY 0.25:
 *   a2 = 4.59 and 4, which the test tells apart);
 * - `mdft hnc-hs` writes what the library computes, in a file the c(q) reader takes;
 * - hard_sphere_solute (read from dft.json): V is the 100 kT cap exactly at the grid points
 *   within the radius of solute site 1 (minimum image, the site next to two faces) and 0
 *   elsewhere; in a dilute hard-sphere fluid the solvation free energy is kT n0 V_ex to first
 *   order in n0 (the second virial coefficient of the cavity, exact in HNC).
 *   usage: mdft_test_hs path/to/mdft workdir */
#include <string.h>
#include "test_util.h"
#include "internal.h" /* the solvent's c(q) table */

#define SIG 3.0
#define TEMP 300.0
#define KB 0.0083144626181532

static double n0_of(double eta) { return 6 * eta / (3.14159265358979323846 * SIG * SIG * SIG); }

static mdft_hnc_params hs_params(double eta, int64_t nr, double dr) {
  mdft_hnc_params p = {nr, dr, TEMP, n0_of(eta), MDFT_FLUID_HS, SIG, 0, 0, 0.3, 1e-13, 200000};
  return p;
}

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fclose(f)) { fprintf(stderr, "cannot write %s\n", path); exit(1); }
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s mdft workdir\n", argv[0]); return 2; }
  mdft_error err = {0, ""};
  const int64_t nr = 4096;
  const double dr = 0.01; /* sigma / 300 */
  double *cq = malloc(sizeof(double) * nr), *g = malloc(sizeof(double) * nr), dq;
  const int64_t ic = (int64_t)llround(SIG / dr);

  /* g = 0 inside the core (the cell at r = sigma holds the step's mean) */
  {
    mdft_hnc_params p = hs_params(0.3, nr, dr);
    OK(mdft_hnc_bulk(&p, cq, &dq, g, &err));
    double inside = 0;
    for (int64_t i = 0; i < ic; i++) inside = fmax(inside, fabs(g[i]));
    double far = fabs(g[nr / 2] - 1);
    printf("eta 0.3: max g inside the core %.1e, g(sigma+) %.4f, |g - 1| at %.0f A %.1e\n", inside,
           exp(2 * log(g[ic + 1]) - log(g[ic + 2])), (double)(nr / 2) * dr, far);
    CHECK(inside == 0, "g inside the core: %g", inside);
    CHECK(far < 1e-4, "g(r) does not go to 1: %g", far); /* 6.7 sigma out, correlations ~1e-5 */
  }
  /* low density: c(q) -> Mayer f(q) */
  {
    const double eta = 1e-5;
    mdft_hnc_params p = hs_params(eta, nr, dr);
    OK(mdft_hnc_bulk(&p, cq, &dq, NULL, &err));
    const double f0 = -4 * 3.14159265358979323846 * SIG * SIG * SIG / 3;
    double worst = 0;
    for (int64_t j = 0; j < nr; j++) {
      double q = (double)j * dq, x = q * SIG;
      double f = j ? -4 * 3.14159265358979323846 * (sin(x) - x * cos(x)) / (q * q * q) : f0;
      worst = fmax(worst, fabs(cq[j] - f));
    }
    printf("eta 1e-5: max |c(q) - f(q)| = %.2e (f(0) = %.4f, c(0) = %.4f)\n", worst, f0, cq[0]);
    /* c - f = O(eta) (2.5 eta |f(0)| = 3e-3) plus the step's O(dr^2) */
    CHECK(worst < 1e-2 && fabs(cq[0] / f0 - 1) < 1e-4, "c(q) not the Mayer function: %.3e, c(0) %.6f", worst, cq[0]);
  }
  /* the HNC contact value's eta^2 coefficient: a2(eta) = (g(sigma+) - 1 - 5/2 eta)/eta^2 at
   * eta = 0.01, 0.02, 0.03, extrapolated quadratically to eta = 0 */
  {
    double a2[3];
    for (int k = 0; k < 3; k++) {
      const double eta = 0.01 * (k + 1);
      mdft_hnc_params p = hs_params(eta, nr, dr);
      OK(mdft_hnc_bulk(&p, cq, &dq, g, &err));
      /* g(sigma+) from outside: ln g = gamma is smooth across sigma, linear extrapolation */
      double gc = exp(2 * log(g[ic + 1]) - log(g[ic + 2]));
      a2[k] = (gc - 1 - 2.5 * eta) / (eta * eta);
    }
    double a20 = 3 * a2[0] - 3 * a2[1] + a2[2];
    printf("HNC contact value: a2(eta) = %.4f %.4f %.4f at eta = 0.01 0.02 0.03 -> %.4f at 0 (HNC 57/8 = %.4f, "
           "PY 4, exact 4.59)\n", a2[0], a2[1], a2[2], a20, 57.0 / 8);
    CHECK(fabs(a20 - 57.0 / 8) < 0.05, "HNC contact value eta^2 coefficient %.4f, expected 57/8", a20);
  }
  /* `mdft hnc-hs` writes the library's c(q) (its defaults: 4096 points of 0.02 A, mix 0.3, tol 1e-10) */
  char cmd[8192], path[4096];
  const double eta_cli = 0.2;
  snprintf(cmd, sizeof cmd, "mkdir -p '%s' && '%s' hnc-hs --sigma %.17g --density %.17g --temperature %.17g -o '%s/hs_cq.dat'",
           argv[2], argv[1], SIG, n0_of(eta_cli), TEMP, argv[2]);
  fprintf(stderr, "+ %s\n", cmd);
  CHECK(system(cmd) == 0, "mdft hnc-hs failed");
  snprintf(path, sizeof path, "%s/hs_cq.dat", argv[2]);
  mdft_solvent *hs;
  mdft_site site = {0, 0, 0, 0, SIG, 0}; /* no LJ: the fluid is the hard-sphere one of c(q) */
  OK(mdft_solvent_create(1, &site, 1, n0_of(eta_cli), &hs, &err));
  OK(mdft_solvent_load_cq(hs, path, &err));
  {
    mdft_hnc_params p = {4096, 0.02, TEMP, n0_of(eta_cli), MDFT_FLUID_HS, SIG, 0, 0, 0.3, 1e-10, 100000};
    OK(mdft_hnc_bulk(&p, cq, &dq, NULL, &err));
    const mdft_cq *c = &hs->cq;
    double worst = 0;
    for (int64_t j = 0; j < c->nq && j < 4096; j++) worst = fmax(worst, cabs(c->c[j] - cq[j]));
    printf("mdft hnc-hs: %lld q values, dq %.6g (library %.6g), max |file - library| %.2e\n", (long long)c->nq,
           c->dq, dq, worst);
    CHECK(c->ne == 1 && c->nq == 4096 && fabs(c->dq - dq) < 1e-9 * dq && worst < 1e-8 * fabs(cq[0]),
          "hnc-hs file: %lld entries, %lld q, max diff %g", (long long)c->ne, (long long)c->nq, worst);
  }
  mdft_solvent_free(hs);

  /* hard_sphere_solute from dft.json, in a dilute hard-sphere fluid */
  {
    const double eta = 1e-3, n0 = n0_of(eta), R = 3.0, L = 16, kT = KB * TEMP, vmax = 100 * kT;
    mdft_hnc_params p = hs_params(eta, nr, dr);
    OK(mdft_hnc_bulk(&p, cq, &dq, NULL, &err));
    snprintf(path, sizeof path, "%s/hs_dilute.dat", argv[2]);
    OK(mdft_write_cq_isotropic(path, nr, dq, cq, "HNC hard spheres eta = 1e-3", &err));
    char text[2048], dft[4096], sol[4096];
    snprintf(text, sizeof text,
             "{\"boxnod\": [24, 24, 24], \"boxlen\": [%g, %g, %g], \"mmax\": 0, \"temperature\": %g,\n"
             " \"maximum_iteration_nbr\": 200, \"precision_factor\": 1e-4,\n"
             " \"hard_sphere_solute\": true, \"hard_sphere_solute_radius\": %g,\n"
             " \"solvent\": {\"n0\": %.17g, \"mrso\": 1, \"sites\": [{\"sigma\": %g, \"epsilon\": 0}]},\n"
             " \"cq_file\": \"hs_dilute.dat\"}\n", L, L, L, TEMP, R, n0, SIG);
    snprintf(dft, sizeof dft, "%s/hs_dft.json", argv[2]);
    put(dft, text);
    /* the site 0.5 A from the x = 0 face and 0.2 A from the y = L face: the sphere wraps */
    snprintf(sol, sizeof sol, "%s/hs_solute.json", argv[2]);
    put(sol, "{\"nsite\": 1, \"charge\": [0], \"sigma\": [1], \"epsilon\": [0], \"x\": [0.5], \"y\": [15.8], \"z\": [8.3]}");
    mdft_params par;
    mdft_solvent *sv;
    mdft_site *su;
    int64_t ns;
    OK(mdft_input_load(dft, sol, &par, &sv, &su, &ns, &err));
    CHECK(par.hard_sphere == 1 && par.hs_radius == R, "hard_sphere_solute not read: %d %g", par.hard_sphere, par.hs_radius);
    mdft_solver *s;
    OK(mdft_solver_create(&par, sv, su, ns, &s, &err));
    const double *V = mdft_solver_potential(s), h = L / 24;
    int64_t nin = 0, bad = 0, wrapped = 0;
    for (int64_t r = 0; r < 24 * 24 * 24; r++) {
      double d[3] = {(double)(r / 576) * h - 0.5, (double)((r / 24) % 24) * h - 15.8, (double)(r % 24) * h - 8.3};
      double best = INFINITY; /* nearest of the 27 images */
      for (int i = -1; i <= 1; i++)
        for (int j = -1; j <= 1; j++)
          for (int k = -1; k <= 1; k++)
            best = fmin(best, hypot(hypot(d[0] + i * L, d[1] + j * L), d[2] + k * L));
      int in = best < R;
      nin += in;
      wrapped += in && hypot(hypot(d[0], d[1]), d[2]) >= R;
      const double v = V[mdft_solver_index(s, r, 0)];
      bad += in ? fabs(v - vmax) > 1e-12 * vmax : v != 0;
    }
    mdft_result res;
    OK(mdft_solver_minimise(s, NULL, NULL, &res, &err));
    const double vex = (double)nin * h * h * h, first = kT * n0 * vex * (1 - exp(-100));
    printf("hard_sphere_solute: %lld points inside (%lld through the faces), V_ex %.2f A^3 (sphere %.2f); "
           "F = %.6e kJ/mol, kT n0 V_ex = %.6e (ratio %.4f, n0 V_ex = %.4f)\n",
           (long long)nin, (long long)wrapped, vex, 4.0 / 3 * 3.14159265358979323846 * R * R * R, res.energy.total,
           first, res.energy.total / first, n0 * vex);
    CHECK(bad == 0 && wrapped > 0, "%lld grid points with V not the cap inside / 0 outside", (long long)bad);
    CHECK(res.converged, "hard-sphere solute run not converged");
    /* O(n0^2) terms: of relative order n0 (V_ex + 4/3 pi sigma^3) = 0.01 */
    CHECK(fabs(res.energy.total / first - 1) < 0.01, "F = %g vs kT n0 V_ex = %g", res.energy.total, first);
    mdft_solver_free(s);
    mdft_solvent_free(sv);
    free(su);
  }
  free(cq);
  free(g);
  if (!t_failures) printf("hard spheres: all checks passed\n");
  return t_failures ? 1 : 0;
}
