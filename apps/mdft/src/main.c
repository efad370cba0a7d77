/* mdft command line:
 *   mdft run dft.json solute.json [-luc_file cq.dat] [-o outdir] [-q] [--situ [situ.yml]]
 *   mdft run -filename dft.json -solute solute.json -luc_file cq.dat [...]   (Mini_MDFT's flags)
 *   mdft hnc-lj --sigma S --epsilon E --density N --temperature T -o cq.dat [--cutoff RC]
 *   mdft hnc-hs --sigma S --density N --temperature T -o cq.dat */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mdft.h"
#ifdef MDFT_WITH_SITU
#include "insitu.h"
#endif

/* --situ chains the printing callback behind the in situ one */
typedef struct {
  int quiet;
  void *situ;
} cli_progress;

static int progress(void *user, const mdft_progress *p) {
  cli_progress *c = user;
  if (!c->quiet) printf("iter %4lld  F = %.8f kJ/mol  dF = %.3e  |g| = %.3e\n",
                        (long long)p->iter, p->f, p->df, p->gnorm);
#ifdef MDFT_WITH_SITU
  if (c->situ) return mdft_insitu_progress(c->situ, p);
#endif
  return 0;
}

static int usage(void) {
  fprintf(stderr,
          "usage: mdft run dft.json solute.json [-luc_file cq.dat] [-o outdir] [-q] [--situ [situ.yml]]\n"
          "       mdft run -filename dft.json -solute solute.json -luc_file cq.dat [-o outdir] [-q]\n"
          "       mdft hnc-lj --sigma A --epsilon kJmol --density n0 --temperature K -o cq.dat [--cutoff A]\n"
          "       mdft hnc-hs --sigma A --density n0 --temperature K -o cq.dat\n");
  return 2;
}

/* Mini_MDFT's flags: its parser drops every leading '-', so -luc_file and --luc_file are one flag */
static int mini_flag(const char *arg, const char *name) {
  if (arg[0] != '-') return 0;
  while (*arg == '-') arg++;
  return !strcmp(arg, name);
}

static int run(int argc, char **argv) {
  const char *outdir = "mdft-out", *situ_config = NULL, *dft = NULL, *solute_json = NULL, *cq = NULL;
  int quiet = 0, situ = 0;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "-o") && i + 1 < argc) outdir = argv[++i];
    else if (!strcmp(argv[i], "-q")) quiet = 1;
    else if (!strcmp(argv[i], "--situ")) {
      situ = 1;
      if (i + 1 < argc && argv[i + 1][0] != '-') situ_config = argv[++i];
    } else if (mini_flag(argv[i], "filename") && i + 1 < argc) dft = argv[++i];
    else if (mini_flag(argv[i], "solute") && i + 1 < argc) solute_json = argv[++i];
    else if (mini_flag(argv[i], "luc_file") && i + 1 < argc) cq = argv[++i];
    else if (argv[i][0] != '-' && !dft) dft = argv[i];
    else if (argv[i][0] != '-' && !solute_json) solute_json = argv[i];
    else return usage();
  }
  if (!dft || !solute_json) return usage();
#ifndef MDFT_WITH_SITU
  if (situ) {
    fprintf(stderr, "mdft: --situ: this mdft was built without libsitu\n");
    return 2;
  }
  (void)situ_config;
#endif
  mdft_error err = {0, ""};
  mdft_params p;
  mdft_solvent *solv = NULL;
  mdft_site *solute = NULL;
  int64_t ns = 0;
  mdft_solver *s = NULL;
  mdft_result r;
  cli_progress cp = {quiet, NULL};
  int rc = mdft_input_load_cq(dft, solute_json, cq, &p, &solv, &solute, &ns, &err);
  if (!rc) rc = mdft_solver_create(&p, solv, solute, ns, &s, &err);
#ifdef MDFT_WITH_SITU
  mdft_insitu *hook = NULL;
  if (!rc && situ && mdft_insitu_open(&argc, &argv, situ_config, s, solute, ns, &hook)) {
    mdft_insitu_close(&hook);
    mdft_solver_free(s);
    mdft_solvent_free(solv);
    free(solute);
    return 1;
  }
  cp.situ = hook;
#endif
  if (!rc) rc = mdft_solver_minimise(s, progress, &cp, &r, &err);
  int stopped = 0;
#ifdef MDFT_WITH_SITU
  /* a steering stop is a requested end, not a failure: the outputs are written */
  if (rc == MDFT_ERR_STOPPED && mdft_insitu_stopped(hook)) { rc = MDFT_OK; stopped = 1; }
#endif
  if (!rc) rc = mdft_write_outputs(s, &r, outdir, &err);
  if (!rc)
    printf("free energy %.6f kJ/mol (ideal %.6f, external %.6f, excess %.6f)\n"
           "excess number %.6f, partial molar volume %.4f A^3, pressure-corrected %.6f kJ/mol\n"
           "%s after %lld iterations; outputs in %s\n",
           r.energy.total, r.energy.ideal, r.energy.external, r.energy.excess, r.excess_number, r.pmv,
           r.dG_pc, stopped ? "stopped by the analytics" : r.converged ? "converged" : "NOT converged",
           (long long)r.iterations, outdir);
  else
    fprintf(stderr, "mdft: %s: %s\n", mdft_strerror(rc), err.msg);
#ifdef MDFT_WITH_SITU
  mdft_insitu_close(&hook);
#endif
  mdft_solver_free(s);
  mdft_solvent_free(solv);
  free(solute);
  return rc ? 1 : 0;
}

static int hnc(int argc, char **argv, int kind) {
  mdft_hnc_params p = {4096, 0.02, 0, 0, kind, 0, 0, 0, 0.3, 1e-10, 100000};
  const char *out = NULL;
  for (int i = 2; i + 1 < argc; i += 2) {
    double v = atof(argv[i + 1]);
    if (!strcmp(argv[i], "--sigma")) p.sigma = v;
    else if (!strcmp(argv[i], "--epsilon")) p.epsilon = v;
    else if (!strcmp(argv[i], "--density")) p.n0 = v;
    else if (!strcmp(argv[i], "--temperature")) p.temperature = v;
    else if (!strcmp(argv[i], "--cutoff")) p.cutoff = v;
    else if (!strcmp(argv[i], "--dr")) p.dr = v;
    else if (!strcmp(argv[i], "-o")) out = argv[i + 1];
    else return usage();
  }
  if (!out || argc % 2) return usage();
  double *cq = malloc(sizeof(double) * (size_t)p.nr), dq;
  mdft_error err = {0, ""};
  int rc = cq ? mdft_hnc_bulk(&p, cq, &dq, NULL, &err) : MDFT_ERR_NOMEM;
  char note[256];
  snprintf(note, sizeof note, "HNC %s fluid sigma=%g epsilon=%g n0=%g T=%g", kind ? "hard-sphere" : "Lennard-Jones",
           p.sigma, p.epsilon, p.n0, p.temperature);
  if (!rc) rc = mdft_write_cq_isotropic(out, p.nr, dq, cq, note, &err);
  if (rc) fprintf(stderr, "mdft: %s: %s\n", mdft_strerror(rc), err.msg);
  free(cq);
  return rc ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  if (!strcmp(argv[1], "run")) return run(argc, argv);
  if (!strcmp(argv[1], "hnc-lj")) return hnc(argc, argv, 0);
  if (!strcmp(argv[1], "hnc-hs")) return hnc(argc, argv, 1);
  return usage();
}
