/* Outputs: JSON summary, Gaussian cube of n(r)/n0, radial distribution
 * functions around each solute site (of the solvent's centre, and of each of its sites). */
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

/* g(r) of each density in n (relative to bulk) around each solute site, in bins of half the
 * smallest grid spacing up to half the smallest box length; columns g_u<site>[_s<density>] */
static int write_rdf(const mdft_grid *g, const mdft_site *su, int64_t nsu, double *const *n, int64_t nd,
                     const char *dir, const char *name, mdft_error *err) {
  char path[4096];
  FILE *f = open_out(dir, name, path, sizeof path, err);
  if (!f) return MDFT_ERR_IO;
  const double dr = 0.5 * fmin(g->dx[0], fmin(g->dx[1], g->dx[2]));
  const double rmax = 0.5 * fmin(g->len[0], fmin(g->len[1], g->len[2]));
  const int64_t nb = (int64_t)(rmax / dr), nacc = (nd + 1) * nb * nsu; /* per (site, bin): nd sums, a count */
  double *acc = calloc((size_t)(nacc > 0 ? nacc : 1), sizeof(double));
  if (!acc) { fclose(f); return mdft_fail(err, MDFT_ERR_NOMEM, "rdf"); }
  for (int64_t u = 0; u < nsu; u++)
#pragma omp parallel for reduction(+ : acc[:nacc]) schedule(static)
    for (int64_t i = 0; i < g->ntot; i++) {
      double p[3] = {(double)(i / (g->n[1] * g->n[2])) * g->dx[0] - su[u].x,
                     (double)((i / g->n[2]) % g->n[1]) * g->dx[1] - su[u].y,
                     (double)(i % g->n[2]) * g->dx[2] - su[u].z};
      double d2 = 0;
      for (int d = 0; d < 3; d++) { p[d] -= g->len[d] * nearbyint(p[d] / g->len[d]); d2 += p[d] * p[d]; }
      int64_t b = (int64_t)(sqrt(d2) / dr);
      if (b >= nb) continue;
      double *a = acc + (nd + 1) * (u * nb + b);
      for (int64_t k = 0; k < nd; k++) a[k] += n[k][i];
      a[nd] += 1;
    }
  fprintf(f, "# r(A)");
  for (int64_t u = 0; u < nsu; u++)
    for (int64_t k = 0; k < nd; k++)
      nd == 1 ? fprintf(f, " g_site%lld", (long long)u + 1) : fprintf(f, " g_u%lld_s%lld", (long long)u + 1, (long long)k + 1);
  fprintf(f, "\n");
  for (int64_t b = 0; b < nb; b++) {
    fprintf(f, "%.5f", (b + 0.5) * dr);
    for (int64_t u = 0; u < nsu; u++) {
      const double *a = acc + (nd + 1) * (u * nb + b);
      for (int64_t k = 0; k < nd; k++) fprintf(f, " %.6e", a[nd] > 0 ? a[k] / a[nd] : 0.0);
    }
    fprintf(f, "\n");
  }
  free(acc);
  return fclose(f) ? mdft_fail(err, MDFT_ERR_IO, "%s: write failed", path) : MDFT_OK;
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
  /* rdf around each solute site: of the molecular centre, then of every solvent site */
  if ((rc = write_rdf(g, su, nsu, &n, 1, dir, "rdf.dat", err))) goto done;
  int64_t nsv;
  mdft_solver_solvent_(s, &nsv);
  double **ns = calloc((size_t)nsv, sizeof(double *));
  if (!ns) { rc = mdft_fail(err, MDFT_ERR_NOMEM, "site densities"); goto done; }
  for (int64_t k = 0; k < nsv && !rc; k++) {
    ns[k] = malloc(sizeof(double) * (size_t)g->ntot);
    rc = ns[k] ? mdft_solver_site_density(s, k, ns[k], err) : mdft_fail(err, MDFT_ERR_NOMEM, "site densities");
  }
  if (!rc) rc = write_rdf(g, su, nsu, ns, nsv, dir, "rdf_sites.dat", err);
  for (int64_t k = 0; k < nsv; k++) free(ns[k]);
  free(ns);
done:
  free(n);
  return rc;
}
