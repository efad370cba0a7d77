/* Solvent-site densities against a direct real-space sum. With x^2(r, o) = c + G(r - c_o),
 * G a periodic Gaussian narrow enough to be band-limited on the grid, the site density is
 * n_s(r) = sum_o w_o (c + G(r - R_o s - c_o)) exactly, which the test evaluates point by point
 * (the Gaussian summed over periodic images). Also: the O site of water (at the molecular centre) gives the
 * centre density, and a site index out of range is refused with its number. Then the
 * outputs of minimised water around ions: rdf_sites.dat holds g(r) of O and both H, O's equal to
 * rdf.dat's centre column, and the hydration shells point the right way — around a cation the
 * first O peak is nearer than the H peak (O towards the ion), around an anion the H peak is. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <unistd.h>
#include "internal.h" /* the solvent's sites (struct mdft_solvent) */
#include "test_util.h"

/* the periodic Gaussian: a sum over the 27 nearest images, smooth across the box (the nearest
 * image alone has a kink at half a box, which no grid resolves) */
static double gauss(const double d[3], const double len[3], double sig) {
  double u0[3], s = 0;
  for (int k = 0; k < 3; k++) u0[k] = d[k] - len[k] * nearbyint(d[k] / len[k]);
  for (int i = -1; i <= 1; i++)
    for (int j = -1; j <= 1; j++)
      for (int k = -1; k <= 1; k++) {
        double a = u0[0] + i * len[0], b = u0[1] + j * len[1], c = u0[2] + k * len[2];
        s += exp(-(a * a + b * b + c * c) / (2 * sig * sig));
      }
  return s;
}

/* first maximum above 1.2 of column col of an rdf file (0: r), and the table's shape */
static int read_rdf(const char *path, double tab[][8], int *ncol) {
  FILE *f = fopen(path, "r");
  if (!f) { fprintf(stderr, "no %s\n", path); exit(1); }
  char line[1024];
  int rows = 0;
  *ncol = 0;
  while (fgets(line, sizeof line, f) && rows < 512) {
    if (line[0] == '#') continue;
    char *p = line, *e;
    int c = 0;
    for (double v = strtod(p, &e); e != p && c < 8; v = strtod(p = e, &e)) tab[rows][c++] = v;
    *ncol = c;
    rows++;
  }
  fclose(f);
  return rows;
}
static double first_peak(double tab[][8], int rows, int col) {
  for (int i = 1; i + 1 < rows; i++)
    if (tab[i][col] > 1.2 && tab[i][col] >= tab[i - 1][col] && tab[i][col] >= tab[i + 1][col]) return tab[i][0];
  return -1;
}

int main(void) {
  mdft_error err = {0, ""};
  mdft_solvent *w;
  OK(mdft_solvent_create_model("spce", &w, &err));
  OK(synth_cq(w, 2, 2, 1.0, 1.0, 200, 0.1, &err));
  mdft_params p;
  mdft_params_default(&p);
  const int64_t nn[3] = {24, 20, 28};
  const double len[3] = {12, 10, 14};
  for (int d = 0; d < 3; d++) { p.boxnod[d] = nn[d]; p.boxlen[d] = len[d]; }
  p.mmax = 2;
  mdft_site solute = {6, 5, 7, 0, 3.0, 0.5};
  mdft_solver *s;
  OK(mdft_solver_create(&p, w, &solute, 1, &s, &err));
  const int64_t N = nn[0] * nn[1] * nn[2], no = mdft_solver_norient(s);
  const double sig = 1.2; /* 2.4 grid spacings: the Gaussian's spectrum at Nyquist ~ 1e-12 */
  double *x = mdft_solver_x(s), (*c)[3] = malloc(sizeof(double[3]) * (size_t)no);
  for (int64_t o = 0; o < no; o++) { /* each orientation its own centre */
    c[o][0] = 6 + 0.7 * sin((double)o);
    c[o][1] = 5 + 0.5 * cos(1.3 * (double)o);
    c[o][2] = 7 + 0.3 * (double)(o % 5);
  }
  for (int64_t r = 0; r < N; r++) {
    double pos[3];
    test_grid_point(nn, len, r, pos);
    for (int64_t o = 0; o < no; o++) {
      double d[3] = {pos[0] - c[o][0], pos[1] - c[o][1], pos[2] - c[o][2]};
      x[mdft_solver_index(s, r, o)] = sqrt(0.3 + gauss(d, len, sig));
    }
  }
  double *n = malloc(sizeof(double) * (size_t)N), *nc = malloc(sizeof(double) * (size_t)N);
  const mdft_site *sites = w->site;
  for (int64_t site = 0; site < 3; site++) {
    OK(mdft_solver_site_density(s, site, n, &err));
    double emax = 0, nmax = 0;
    for (int64_t r = 0; r < N; r++) {
      double pos[3];
      test_grid_point(nn, len, r, pos);
      double ref = 0;
      for (int64_t o = 0; o < no; o++) {
        double eul[3], wo, R[3][3];
        mdft_solver_orientation(s, o, eul, &wo);
        test_euler_rot(eul, R);
        double d[3];
        for (int k = 0; k < 3; k++)
          d[k] = pos[k] - c[o][k] - (R[k][0] * sites[site].x + R[k][1] * sites[site].y + R[k][2] * sites[site].z);
        ref += wo * (0.3 + gauss(d, len, sig));
      }
      emax = fmax(emax, fabs(n[r] - ref));
      nmax = fmax(nmax, ref);
    }
    printf("site %lld: max |n - direct| = %.2e (max n %.3f)\n", (long long)site, emax, nmax);
    CHECK(emax < 1e-11 && nmax > 0.5, "site %lld density off by %g", (long long)site, emax);
  }
  /* water's O sits at the molecular centre: its density is the centre density */
  mdft_solver_density(s, nc);
  OK(mdft_solver_site_density(s, 0, n, &err));
  double e0 = 0;
  for (int64_t r = 0; r < N; r++) e0 = fmax(e0, fabs(n[r] - nc[r]));
  CHECK(e0 < 1e-12, "O density differs from the centre density by %g", e0);
  CHECK(mdft_solver_site_density(s, 3, n, &err) == MDFT_ERR_INPUT && strstr(err.msg, "site 3"),
        "site 3 of water refused: %s", err.msg);
  free(n); free(nc); free(c);
  mdft_solver_free(s);

  OK(liquid_cq(w, 2, 2, 2.0, &err));
  for (int sign = 1; sign >= -1; sign -= 2) {
    mdft_site ion = {6, 5, 7, 0.7 * sign, sign > 0 ? 3.0 : 4.4, 0.5}; /* K+ and Cl- sized, charges of 0.7 */
    p.max_iter = 100;
    OK(mdft_solver_create(&p, w, &ion, 1, &s, &err));
    mdft_result res;
    OK(mdft_solver_minimise(s, NULL, NULL, &res, &err));
    char dir[] = "/tmp/mdft_sites_XXXXXX", path[256];
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    OK(mdft_write_outputs(s, &res, dir, &err));
    static double centre[512][8], sites_tab[512][8];
    int nc1, nc3;
    snprintf(path, sizeof path, "%s/rdf.dat", dir);
    int rows = read_rdf(path, centre, &nc1);
    snprintf(path, sizeof path, "%s/rdf_sites.dat", dir);
    int rows3 = read_rdf(path, sites_tab, &nc3);
    CHECK(rows == rows3 && nc1 == 2 && nc3 == 4, "rdf.dat %d x %d, rdf_sites.dat %d x %d", rows, nc1, rows3, nc3);
    double dmax = 0;
    for (int i = 0; i < rows; i++) dmax = fmax(dmax, fabs(sites_tab[i][1] - centre[i][1]));
    CHECK(dmax < 1e-5, "g_O differs from the centre's g by %g", dmax);
    double ro = first_peak(sites_tab, rows3, 1), rh1 = first_peak(sites_tab, rows3, 2), rh2 = first_peak(sites_tab, rows3, 3);
    printf("%s: first peaks O %.3f A, H %.3f / %.3f A (%g iterations)\n", sign > 0 ? "cation" : "anion", ro, rh1, rh2,
           (double)res.iterations);
    CHECK(ro > 0 && rh1 > 0 && rh2 > 0, "no first shell: O %g, H %g %g", ro, rh1, rh2);
    if (sign > 0) CHECK(ro < rh1 && ro < rh2, "cation: O peak %.3f not nearer than H %.3f %.3f", ro, rh1, rh2);
    else CHECK(rh1 < ro && rh2 < ro, "anion: H peaks %.3f %.3f not nearer than O %.3f", rh1, rh2, ro);
    for (const char *fn = "summary.json\0density.cube\0rdf.dat\0rdf_sites.dat\0"; *fn; fn += strlen(fn) + 1) {
      snprintf(path, sizeof path, "%s/%s", dir, fn);
      if (!getenv("MDFT_KEEP")) unlink(path);
    }
    rmdir(dir);
    mdft_solver_free(s);
  }
  mdft_solvent_free(w);
  if (t_failures) fprintf(stderr, "%d failures\n", t_failures);
  return t_failures != 0;
}
