/* The analytic gradient against central finite differences (mmax 2, water
 * sites with charges, anisotropic c(q), LJ + charged solute), and the empty
 * box: no solute -> F = 0 and grad = 0 at the bulk density, and a perturbed
 * bulk relaxes back to F = 0. */
#include <string.h>
#include "test_util.h"

static unsigned seed = 7;
static double urand(void) { seed = seed * 1103515245u + 12345u; return ((seed >> 8) & 0xffffff) / 16777216.0; }

static mdft_params small(int mmax) {
  mdft_params p;
  mdft_params_default(&p);
  for (int d = 0; d < 3; d++) { p.boxnod[d] = 8 + 2 * d; p.boxlen[d] = 12 + 2 * d; }
  p.mmax = mmax;
  p.temperature = 298;
  return p;
}

int main(void) {
  mdft_error err = {0, ""};
  mdft_solvent *w;
  OK(mdft_solvent_create_model("spce", &w, &err));
  OK(synth_cq(w, 3, 2, 20.0, 1.0, 200, 0.1, &err));
  for (int mmax = 1; mmax <= 3; mmax++) {
    mdft_params p = small(mmax);
    mdft_site solute[2] = {{6, 7, 8, 0.6, 3.0, 0.8}, {7.2, 7, 8, -0.6, 2.5, 0.5}};
    mdft_solver *s;
    OK(mdft_solver_create(&p, w, solute, 2, &s, &err));
    int64_t n = mdft_solver_nvar(s);
    double *x = malloc(sizeof(double) * (size_t)n), *g = malloc(sizeof(double) * (size_t)n);
    double *dir = malloc(sizeof(double) * (size_t)n), *xp = malloc(sizeof(double) * (size_t)n);
    for (int64_t i = 0; i < n; i++) x[i] = 0.6 + 0.8 * urand();
    mdft_energy e0, ep, em;
    OK(mdft_solver_evaluate(s, x, g, &e0));
    CHECK(e0.excess != 0 && e0.external != 0, "degenerate test point");
    for (int t = 0; t < 3; t++) {
      double dd = 0;
      for (int64_t i = 0; i < n; i++) { dir[i] = urand() - 0.5; dd += dir[i] * g[i]; }
      double h = 1e-4;
      for (int64_t i = 0; i < n; i++) xp[i] = x[i] + h * dir[i];
      OK(mdft_solver_evaluate(s, xp, NULL, &ep));
      for (int64_t i = 0; i < n; i++) xp[i] = x[i] - h * dir[i];
      OK(mdft_solver_evaluate(s, xp, NULL, &em));
      double fd = (ep.total - em.total) / (2 * h);
      printf("mmax %d direction %d: analytic %.12e fd %.12e rel %.2e\n", mmax, t, dd, fd, fabs(dd - fd) / fabs(fd));
      CHECK(fabs(dd - fd) < 1e-6 * fabs(fd), "mmax %d: directional derivative %.12e vs fd %.12e", mmax, dd, fd);
    }
    /* single components, including excess-only sensitivity */
    for (int t = 0; t < 4; t++) {
      int64_t i = (int64_t)(urand() * (double)n);
      double h = 1e-5, xi = x[i];
      x[i] = xi + h; OK(mdft_solver_evaluate(s, x, NULL, &ep));
      x[i] = xi - h; OK(mdft_solver_evaluate(s, x, NULL, &em));
      x[i] = xi;
      double fd = (ep.total - em.total) / (2 * h);
      CHECK(fabs(g[i] - fd) < 1e-5 * fabs(g[i]) + 1e-7, "component %lld: %.10e vs %.10e", (long long)i, g[i], fd);
    }
    free(x); free(g); free(dir); free(xp);
    mdft_solver_free(s);
  }
  /* the layout of x (mdft_solver_index) on a grid that ends in a partial block (7 x 9 x 11 =
   * 693 points = 21 blocks of 32 + 21): a bijection onto [0, nvar), the density the solver
   * reports is sum_o w_o x(r,o)^2 at those offsets, and the gradient still matches finite
   * differences there */
  {
    mdft_params p = small(2);
    p.boxnod[0] = 7; p.boxnod[1] = 9; p.boxnod[2] = 11;
    mdft_site solute = {6, 7, 8, 0.7, 3.0, 0.8};
    mdft_solver *s;
    OK(mdft_solver_create(&p, w, &solute, 1, &s, &err));
    const int64_t n = mdft_solver_nvar(s), no = mdft_solver_norient(s), N = n / no;
    char *seen = calloc((size_t)n, 1);
    double *x = mdft_solver_x(s), *g = malloc(sizeof(double) * (size_t)N), worst = 0;
    int64_t bad = 0;
    for (int64_t r = 0; r < N; r++)
      for (int64_t o = 0; o < no; o++) {
        int64_t i = mdft_solver_index(s, r, o);
        if (i < 0 || i >= n || seen[i]++) bad++;
      }
    CHECK(bad == 0 && N == 693, "mdft_solver_index: %lld offsets out of range or repeated", (long long)bad);
    for (int64_t i = 0; i < n; i++) x[i] = 0.5 + urand();
    mdft_solver_density(s, g);
    for (int64_t r = 0; r < N; r++) {
      double sum = 0, eul[3], wo;
      for (int64_t o = 0; o < no; o++) {
        mdft_solver_orientation(s, o, eul, &wo);
        sum += wo * x[mdft_solver_index(s, r, o)] * x[mdft_solver_index(s, r, o)];
      }
      worst = fmax(worst, fabs(sum - g[r]) / sum);
    }
    CHECK(worst < 1e-14, "density vs sum over x at mdft_solver_index: %.2e", worst);
    double *gr = malloc(sizeof(double) * (size_t)n), dd = 0;
    mdft_energy e0, ep, em;
    OK(mdft_solver_evaluate(s, x, gr, &e0));
    const int64_t last = mdft_solver_index(s, N - 1, no - 1); /* the partial block's last element */
    const double h = 1e-5, xi = x[last];
    x[last] = xi + h; OK(mdft_solver_evaluate(s, x, NULL, &ep));
    x[last] = xi - h; OK(mdft_solver_evaluate(s, x, NULL, &em));
    x[last] = xi;
    dd = (ep.total - em.total) / (2 * h);
    CHECK(fabs(gr[last] - dd) < 1e-5 * fabs(gr[last]) + 1e-7, "partial block: gradient %.10e vs fd %.10e", gr[last], dd);
    printf("layout: %lld points x %lld orientations, partial block gradient %.6e (fd %.6e)\n", (long long)N,
           (long long)no, gr[last], dd);
    free(seen); free(g); free(gr);
    mdft_solver_free(s);
  }
  /* empty box */
  for (int mmax = 0; mmax <= 2; mmax++) {
    mdft_params p = small(mmax);
    p.precision_factor = 1e-6;
    mdft_solver *s;
    OK(mdft_solver_create(&p, w, NULL, 0, &s, &err));
    int64_t n = mdft_solver_nvar(s);
    double *x = mdft_solver_x(s), *g = malloc(sizeof(double) * (size_t)n), gmax = 0;
    mdft_energy e;
    OK(mdft_solver_evaluate(s, x, g, &e));
    for (int64_t i = 0; i < n; i++) gmax = fmax(gmax, fabs(g[i]));
    CHECK(e.total == 0 && e.excess == 0 && gmax == 0, "empty box mmax %d: F %g excess %g |g| %g", mmax, e.total, e.excess, gmax);
    for (int64_t i = 0; i < n; i++) x[i] = 1 + 0.05 * (urand() - 0.5);
    OK(mdft_solver_evaluate(s, x, NULL, &e));
    CHECK(e.total > 0, "perturbed bulk must cost free energy: %g", e.total);
    mdft_result r;
    OK(mdft_solver_minimise(s, NULL, NULL, &r, &err));
    printf("empty box mmax %d: relaxed F = %.3e (from %.3e) in %lld iterations\n", mmax, r.energy.total, e.total, (long long)r.iterations);
    CHECK(fabs(r.energy.total) < 1e-6 && fabs(r.excess_number) < 1e-3, "relaxed bulk F %g Nex %g", r.energy.total, r.excess_number);
    free(g);
    mdft_solver_free(s);
  }
  mdft_solvent_free(w);
  return t_failures ? 1 : 0;
}
