/* Outputs: JSON summary, Gaussian cube of n(r)/n0, radial distribution
 * functions around each solute site. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "internal.h"

static FILE *open_out(const char *dir, const char *name, char *path, size_t n, mdft_error *err) {
  snprintf(path, n, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) mdft_fail(err, MDFT_ERR_IO, "%s: %s", path, strerror(errno));
  return f;
}

int mdft_write_outputs(const mdft_solver *s, const mdft_result *r, const char *dir, mdft_error *err) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST)
    return mdft_fail(err, MDFT_ERR_IO, "%s: %s", dir, strerror(errno));
  const mdft_grid *g = mdft_solver_grid_(s);
  int64_t nsu;
  const mdft_site *su = mdft_solver_solute_(s, &nsu);
  double *n = malloc(sizeof(double) * (size_t)g->ntot);
  if (!n) return mdft_fail(err, MDFT_ERR_NOMEM, "outputs");
  mdft_solver_density(s, n);
  char path[4096];
  int rc = MDFT_OK;
  FILE *f = open_out(dir, "summary.json", path, sizeof path, err);
  if (!f) { rc = MDFT_ERR_IO; goto done; }
  fprintf(f, "{\n  \"units\": {\"energy\": \"kJ/mol\", \"length\": \"Angstrom\"},\n");
  fprintf(f, "  \"free_energy\": %.10g,\n  \"ideal\": %.10g,\n  \"external\": %.10g,\n  \"excess\": %.10g,\n",
          r->energy.total, r->energy.ideal, r->energy.external, r->energy.excess);
  fprintf(f, "  \"excess_number\": %.10g,\n  \"partial_molar_volume\": %.10g,\n", r->excess_number, r->pmv);
  fprintf(f, "  \"pressure_correction\": %.10g,\n  \"free_energy_pc\": %.10g,\n", r->pressure_correction, r->dG_pc);
  fprintf(f, "  \"iterations\": %lld,\n  \"evaluations\": %lld,\n  \"lbfgs_skipped\": %lld,\n  \"converged\": %s,\n"
          "  \"seconds\": %.6g\n}\n", (long long)r->iterations, (long long)r->evaluations, (long long)r->lbfgs_skipped,
          r->converged ? "true" : "false", r->seconds);
  if (fclose(f)) { rc = mdft_fail(err, MDFT_ERR_IO, "%s: write failed", path); goto done; }
  /* cube: Bohr units, x slowest, six values per line */
  const double bohr = 0.529177210903;
  f = open_out(dir, "density.cube", path, sizeof path, err);
  if (!f) { rc = MDFT_ERR_IO; goto done; }
  fprintf(f, "mdft n(r)/n0\nsolvent number density relative to bulk\n");
  fprintf(f, "%5lld %12.6f %12.6f %12.6f\n", (long long)nsu, 0.0, 0.0, 0.0);
  for (int d = 0; d < 3; d++)
    fprintf(f, "%5lld %12.6f %12.6f %12.6f\n", (long long)g->n[d], d == 0 ? g->dx[0] / bohr : 0.0,
            d == 1 ? g->dx[1] / bohr : 0.0, d == 2 ? g->dx[2] / bohr : 0.0);
  for (int64_t i = 0; i < nsu; i++)
    fprintf(f, "%5d %12.6f %12.6f %12.6f %12.6f\n", 0, su[i].charge, su[i].x / bohr, su[i].y / bohr, su[i].z / bohr);
  for (int64_t i = 0; i < g->ntot; i++) fprintf(f, "%13.5e%s", n[i], (i % g->n[2]) % 6 == 5 || i % g->n[2] == g->n[2] - 1 ? "\n" : "");
  if (fclose(f)) { rc = mdft_fail(err, MDFT_ERR_IO, "%s: write failed", path); goto done; }
  /* rdf around each solute site, bins of half the smallest grid spacing */
  f = open_out(dir, "rdf.dat", path, sizeof path, err);
  if (!f) { rc = MDFT_ERR_IO; goto done; }
  double dr = 0.5 * fmin(g->dx[0], fmin(g->dx[1], g->dx[2]));
  double rmax = 0.5 * fmin(g->len[0], fmin(g->len[1], g->len[2]));
  int64_t nb = (int64_t)(rmax / dr);
  double *acc = calloc((size_t)(2 * nb * (nsu > 0 ? nsu : 1)), sizeof(double));
  if (!acc) { fclose(f); rc = mdft_fail(err, MDFT_ERR_NOMEM, "rdf"); goto done; }
  const int64_t nacc = 2 * nb * nsu;
  for (int64_t u = 0; u < nsu; u++)
#pragma omp parallel for reduction(+ : acc[:nacc]) schedule(static)
    for (int64_t i = 0; i < g->ntot; i++) {
      double p[3] = {(double)(i / (g->n[1] * g->n[2])) * g->dx[0] - su[u].x,
                     (double)((i / g->n[2]) % g->n[1]) * g->dx[1] - su[u].y,
                     (double)(i % g->n[2]) * g->dx[2] - su[u].z};
      double d2 = 0;
      for (int d = 0; d < 3; d++) { p[d] -= g->len[d] * nearbyint(p[d] / g->len[d]); d2 += p[d] * p[d]; }
      int64_t b = (int64_t)(sqrt(d2) / dr);
      if (b < nb) { acc[2 * (u * nb + b)] += n[i]; acc[2 * (u * nb + b) + 1] += 1; }
    }
  fprintf(f, "# r(A)");
  for (int64_t u = 0; u < nsu; u++) fprintf(f, " g_site%lld", (long long)u + 1);
  fprintf(f, "\n");
  for (int64_t b = 0; b < nb; b++) {
    fprintf(f, "%.5f", (b + 0.5) * dr);
    for (int64_t u = 0; u < nsu; u++) {
      double c = acc[2 * (u * nb + b) + 1];
      fprintf(f, " %.6e", c > 0 ? acc[2 * (u * nb + b)] / c : 0.0);
    }
    fprintf(f, "\n");
  }
  free(acc);
  if (fclose(f)) rc = mdft_fail(err, MDFT_ERR_IO, "%s: write failed", path);
done:
  free(n);
  return rc;
}
