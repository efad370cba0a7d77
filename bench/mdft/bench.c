/* MDFT timings: per functional evaluation (with its phase breakdown and its
 * FFT floor, each the best of MDFT_BENCH_REPS = 5 runs: the machine may be shared),
 * per L-BFGS iteration (min_iters iterations, history stored: lbfgs_skipped counts the steps
 * without curvature; all of them, and the steady state after the history is full), and peak
 * memory, for one (n, mmax).
 * usage: mdft_bench n mmax [min_iters]   (threads from OMP_NUM_THREADS; MDFT_BENCH_REPS,
 *        MDFT_BENCH_LBFGS_M (default 5), MDFT_BENCH_PREC (> 0: stop on convergence),
 *        MDFT_BENCH_BOX (box length, A, default 30), MDFT_BENCH_FD=1: the gradient check below
 *        instead of the timings, for the largest grids)
 * Prints one JSON line. c(q) of the right shape (liquid_cq in test_util.h), SPC/E sites, a neutral LJ solute. */
#define _POSIX_C_SOURCE 200809L
#include <omp.h>
#include <time.h>
#include <string.h>
#include <sys/resource.h>
#include "../../apps/mdft/tests/test_util.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* MDFT_BENCH_FD=1: the analytic gradient against a central difference along a direction
 * that lives on two Gaussian bumps, one in the first grid planes and one in the last
 * (there, at 256^3 x mmax >= 4, the variables' indices pass 2^31), at x = 1 plus those
 * bumps: bulk elsewhere, so F holds no large sum that would drown the difference. */
static double bumps(const mdft_solver *sv, int64_t r) {
  int64_t nn[3];
  double len[3], e = 0;
  mdft_solver_box(sv, nn, len);
  int64_t ir[3] = {r / (nn[1] * nn[2]), (r / nn[2]) % nn[1], r % nn[2]};
  const double c[2][3] = {{0.2, 0.5, 0.5}, {0.85, 0.45, 0.55}}, w = 0.05 * len[0];
  for (int b = 0; b < 2; b++) {
    double d2 = 0;
    for (int d = 0; d < 3; d++) {
      double u = ((double)ir[d] / (double)nn[d] - c[b][d]) * len[d];
      d2 += u * u;
    }
    e += exp(-d2 / (2 * w * w));
  }
  return e;
}
static void fd_check(mdft_solver *sv, int64_t n3) {
  const int64_t no = mdft_solver_norient(sv), nv = mdft_solver_nvar(sv);
  double *x = mdft_solver_x(sv), *g = malloc(sizeof(double) * (size_t)nv);
  if (!g) { fprintf(stderr, "fd check: no memory for the gradient\n"); exit(1); }
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < n3; r++) {
    double b = bumps(sv, r);
    for (int64_t o = 0; o < no; o++) x[mdft_solver_index(sv, r, o)] = 1 + 0.2 * b * (1 + 0.3 * cos((double)o));
  }
  mdft_energy e0, ep, em;
  double t0 = now();
  OK(mdft_solver_evaluate(sv, x, g, &e0));
  double teval = now() - t0, gd = 0;
#pragma omp parallel for reduction(+ : gd) schedule(static)
  for (int64_t r = 0; r < n3; r++) {
    double b = bumps(sv, r);
    if (b < 1e-300) continue;
    for (int64_t o = 0; o < no; o++) gd += g[mdft_solver_index(sv, r, o)] * b * sin(1.0 + (double)o);
  }
  free(g); /* the two shifted evaluations need no gradient */
  const double h = 1e-4;
  for (int sgn = 1; sgn >= -1; sgn -= 2) {
    double shift = sgn == 1 ? h : -2 * h;
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < n3; r++) {
      double b = bumps(sv, r);
      for (int64_t o = 0; o < no; o++) x[mdft_solver_index(sv, r, o)] += shift * b * sin(1.0 + (double)o);
    }
    OK(mdft_solver_evaluate(sv, x, NULL, sgn == 1 ? &ep : &em));
  }
  double fd = (ep.total - em.total) / (2 * h);
  int64_t last = mdft_solver_index(sv, n3 - 1, no - 1);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"fd_check\": true, \"points\": %lld, \"orientations\": %lld, \"variables\": %lld, "
         "\"largest_index\": %lld, \"over_2_31\": %s, \"eval_with_gradient_s\": %.2f, \"F\": %.10g, "
         "\"ideal\": %.10g, \"external\": %.10g, \"excess\": %.10g, \"dF_analytic\": %.10g, "
         "\"dF_central_difference\": %.10g, \"rel_error\": %.3g, \"peak_rss_gib\": %.1f}\n",
         (long long)n3, (long long)no, (long long)nv, (long long)last, last > 2147483647LL ? "true" : "false",
         teval, e0.total, e0.ideal, e0.external, e0.excess, gd, fd, fabs(fd - gd) / fabs(gd),
         ru.ru_maxrss / 1048576.0);
  fflush(stdout);
}

/* the time of every L-BFGS iteration, for the steady state once every vector has been touched */
typedef struct {
  double t[4096];
  int64_t n, evals[4096];
} iter_times;
static int record_iter(void *user, const mdft_progress *p) {
  iter_times *it = user;
  if (it->n < 4096) { it->t[it->n] = now(); it->evals[it->n] = p->nfeval; it->n++; }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: mdft_bench n mmax [min_iters]\n"); return 2; }
  int n = atoi(argv[1]), mmax = atoi(argv[2]), iters = argc > 3 ? atoi(argv[3]) : 0;
  mdft_error err = {0, ""};
  mdft_solvent *w;
  OK(mdft_solvent_create_model("spce", &w, &err));
  /* (synth_cq's amplitude 20 with its own c000 made every L-BFGS step after the first show no
   * curvature, s.y <= 0: no history, steepest descent) */
  OK(liquid_cq(w, mmax, 2, 2.0, &err)); /* c(q) of the right shape */
  mdft_params p;
  mdft_params_default(&p);
  const char *eb = getenv("MDFT_BENCH_BOX");
  const double box = eb && atof(eb) > 0 ? atof(eb) : 30;
  for (int d = 0; d < 3; d++) { p.boxnod[d] = n; p.boxlen[d] = box; }
  p.mmax = mmax;
  const char *em = getenv("MDFT_BENCH_LBFGS_M");
  if (em && atoi(em) > 0) p.lbfgs_m = atoi(em); /* else the default, 5 */
  p.max_iter = iters;
  /* MDFT_BENCH_PREC > 0: minimise to convergence (at most min_iters); default 0: min_iters iterations */
  const char *ep = getenv("MDFT_BENCH_PREC");
  p.precision_factor = ep ? atof(ep) : 0;
  /* a neutral LJ sphere: with a charge the synthetic c(q), which carries no dielectric screening,
   * piles the first shell up to n/n0 ~ 900 (+1 e) and the minimisation meets local minima whose
   * depth depends on the path (bench/results/mdft.md) */
  mdft_site s = {box / 2, box / 2, box / 2, 0.0, 2.93, 0.759};
  mdft_solver *sv;
  double t0 = now();
  OK(mdft_solver_create(&p, w, &s, 1, &sv, &err));
  double tsetup = now() - t0;
  int64_t nv = mdft_solver_nvar(sv);
  const char *efd = getenv("MDFT_BENCH_FD");
  if (efd && atoi(efd) > 0) {
    fprintf(stderr, "setup %.1f s\n", tsetup);
    fd_check(sv, (int64_t)n * n * n);
    mdft_solver_free(sv);
    mdft_solvent_free(w);
    return 0;
  }
  double *g = malloc(sizeof(double) * (size_t)nv);
  mdft_energy e;
  OK(mdft_solver_evaluate(sv, mdft_solver_x(sv), g, &e)); /* warm-up */
  /* best of reps (the machine is shared): the evaluation with its phases, and the floor */
  const char *re = getenv("MDFT_BENCH_REPS");
  int reps = re && atoi(re) > 0 ? atoi(re) : 5;
  double teval = 1e30, floor = 1e30;
  mdft_timers best = {0};
  for (int i = 0; i < reps; i++) {
    mdft_timers a, b;
    mdft_solver_timers(sv, &a);
    t0 = now();
    OK(mdft_solver_evaluate(sv, mdft_solver_x(sv), g, &e));
    double t = now() - t0;
    mdft_solver_timers(sv, &b);
    if (t < teval) {
      teval = t;
      best.angular = b.angular - a.angular; best.fft = b.fft - a.fft;
      best.oz = b.oz - a.oz; best.back = b.back - a.back;
    }
    double f = mdft_solver_fft_floor(sv, 1);
    if (f < floor) floor = f;
  }
  double tmin = 0, fmin_ = 0;
  int64_t it = 0, skipped = 0, nfe = 0;
  int conv = 0;
  double steady = 0, steady_evals = 0;
  free(g); /* the evaluations' gradient: the minimiser holds its own */
  g = NULL;
  if (iters > 0) {
    mdft_result r;
    static iter_times times;
    int rc = mdft_solver_minimise(sv, record_iter, &times, &r, &err);
    if (rc) { fprintf(stderr, "%s\n", err.msg); return 1; }
    tmin = r.seconds;
    it = r.iterations;
    skipped = r.lbfgs_skipped;
    nfe = r.evaluations;
    fmin_ = r.energy.total;
    conv = r.converged;
    /* steady state: from the iteration after the history is full (the first m + 1 iterations
     * also pay the kernel's first touch of the minimiser's 2m + 3 vectors) */
    int64_t a = p.lbfgs_m + 2, b = times.n - 1;
    if (b > a) {
      steady = (times.t[b] - times.t[a]) / (double)(b - a);
      steady_evals = (double)(times.evals[b] - times.evals[a]) / (double)(b - a);
    }
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  int64_t no = mdft_solver_norient(sv), np = 0;
  for (int m = 0; m <= mmax; m++) np += (2 * m + 1) * (m / 2 + 1);
  /* what the method must hold: x, V, gradient (doubles, N*no) and the
   * projections (complex, N*np); L-BFGS adds 2 x-sized vectors of doubles and
   * 2m + 2 of floats (its history), the evaluations' gradient being freed */
  double must = (3.0 * (double)nv * 8 + (double)n * n * n * (double)np * 16) / 1048576.0;
  double must_min = must + (iters > 0 ? ((2.0 - 1) * 8 + (2.0 * p.lbfgs_m + 2) * 4) * (double)nv / 1048576.0 : 0);
  printf("{\"n\": %d, \"mmax\": %d, \"threads\": %d, \"orientations\": %lld, \"projections\": %lld, "
         "\"setup_s\": %.3f, \"eval_s\": %.4f, \"angular_s\": %.4f, \"fft_s\": %.4f, \"oz_s\": %.4f, \"back_s\": %.4f, "
         "\"fft_floor_s\": %.4f, \"eval_over_floor\": %.2f, \"min_iters\": %lld, \"min_s\": %.3f, \"per_iter_s\": %.4f, "
         "\"steady_iter_s\": %.4f, \"steady_evals_per_iter\": %.2f, \"min_evals\": %lld, \"lbfgs_m\": %d, \"lbfgs_skipped\": %lld, \"min_converged\": %d, \"min_F\": %.6f, "
         "\"peak_rss_mib\": %.1f, \"must_hold_mib\": %.1f, \"rss_over_must\": %.2f}\n",
         n, mmax, omp_get_max_threads(), (long long)no, (long long)np, tsetup, teval,
         best.angular, best.fft, best.oz, best.back,
         floor, teval / floor, (long long)it, tmin, it > 0 ? tmin / (double)it : 0.0, steady, steady_evals, (long long)nfe, p.lbfgs_m,
         (long long)skipped, conv, fmin_, ru.ru_maxrss / 1024.0, must_min,
         ru.ru_maxrss / 1024.0 / must_min);
  mdft_solver_free(sv);
  mdft_solvent_free(w);
  return t_failures;
}
