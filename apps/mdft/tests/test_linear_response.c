/* Linear response: for small solute charges q the electrostatic part of the
 * solvation free energy, E2(q) = (G(q) + G(-q))/2 - G(0), scales as q^2
 * (SPC/E sites, mmax 2, scaled LJ-fluid c(q)). E2/q^2 must agree at
 * q = 0.01, 0.02, 0.04 e to within 1% and be negative (solvation stabilises);
 * at q = 0.05, 0.1, 0.2 the observed drift is 1.6% and 4.8% (saturation). */
#include <string.h>
#include "test_util.h"

static double solve(mdft_solvent *w, double q) {
  mdft_error err = {0, ""};
  mdft_params p;
  mdft_params_default(&p);
  for (int d = 0; d < 3; d++) { p.boxnod[d] = 12; p.boxlen[d] = 14; }
  p.mmax = 2;
  p.max_iter = 500;
  p.precision_factor = 1e-4;
  mdft_site s = {7, 7, 7, q, 3.0, 0.5};
  mdft_solver *sv;
  mdft_result r;
  OK(mdft_solver_create(&p, w, &s, 1, &sv, &err));
  OK(mdft_solver_minimise(sv, NULL, NULL, &r, &err));
  CHECK(r.converged, "q = %g not converged", q);
  mdft_solver_free(sv);
  return r.energy.total;
}

int main(void) {
  int64_t nq;
  double dq, *cq;
  mdft_solvent *lj = lj_solvent(&nq, &dq, &cq);
  mdft_solvent_free(lj);
  for (int64_t i = 0; i < nq; i++) cq[i] *= 0.3;
  mdft_error err = {0, ""};
  mdft_solvent *w;
  int idx[5] = {0, 0, 0, 0, 0};
  OK(mdft_solvent_create_model("spce", &w, &err));
  OK(mdft_solvent_set_cq(w, 1, idx, nq, dq, cq, &err));
  double g0 = solve(w, 0), qs[3] = {0.01, 0.02, 0.04}, ratio[3];
  for (int i = 0; i < 3; i++) {
    double e2 = 0.5 * (solve(w, qs[i]) + solve(w, -qs[i])) - g0;
    ratio[i] = e2 / (qs[i] * qs[i]);
    printf("q = %.2f: E2 = %.6e kJ/mol, E2/q^2 = %.6f\n", qs[i], e2, ratio[i]);
    CHECK(e2 < 0, "E2(%g) = %g must be negative", qs[i], e2);
  }
  for (int i = 1; i < 3; i++)
    CHECK(fabs(ratio[i] / ratio[0] - 1) < 0.01, "E2/q^2 at q=%g differs from q=%g by %.3f%%", qs[i], qs[0], 100 * fabs(ratio[i] / ratio[0] - 1));
  free(cq);
  mdft_solvent_free(w);
  return t_failures ? 1 : 0;
}
