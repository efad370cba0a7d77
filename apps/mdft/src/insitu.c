/* situ hook of the mdft CLI. Arrays, all float64, exposed at every iteration k:
 *   "density"     (nx, ny, nz)   n(r)/n0, the orientation-integrated solvent density
 *   "convergence" (4,)           F (kJ/mol), F_k - F_{k-1} (inf at k = 0), |grad F|, evaluations
 *   "geometry"    (1 + nsite, 3) row 0: box lengths (A); row 1+i: solute site i (A)
 * MDFT is not MPI-parallel: one rank owns every block. The geometry travels with
 * each step (a few doubles) so the analytics needs nothing but the stream. */
#include "insitu.h"

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "situ.h"

struct mdft_insitu {
  situ_ctx *ctx;
  double *density;  /* nx*ny*nz */
  double *geometry; /* 3 * (1 + nsite) */
  int stopped;
};

static int check(situ_ctx *ctx, const char *what, int rc) {
  if (rc < 0) fprintf(stderr, "mdft: %s: %s (%s)\n", what, situ_strerror(rc), situ_errmsg(ctx));
  return rc < 0;
}

static int define(situ_ctx *ctx, const char *name, int ndim, const int64_t *shape) {
  const int64_t start[3] = {0, 0, 0};
  return check(ctx, name, situ_array_define(ctx, name, SITU_F64, ndim, shape, start, shape));
}

int mdft_insitu_open(int *argc, char ***argv, const char *config, const mdft_solver *s,
                     const mdft_site *solute, int64_t nsite, mdft_insitu **out) {
  *out = NULL;
  int inited = 0;
  MPI_Initialized(&inited);
  if (!inited) MPI_Init(argc, argv);
  mdft_insitu *h = calloc(1, sizeof *h);
  if (!h) { fprintf(stderr, "mdft: out of memory (situ)\n"); MPI_Finalize(); return 1; }
  *out = h;
  int64_t n[3];
  double len[3];
  mdft_solver_box(s, n, len);
  h->density = malloc(sizeof(double) * (size_t)(n[0] * n[1] * n[2]));
  h->geometry = malloc(sizeof(double) * 3 * (size_t)(1 + nsite));
  if (!h->density || !h->geometry) { fprintf(stderr, "mdft: out of memory (situ)\n"); return 1; }
  memcpy(h->geometry, len, sizeof len);
  for (int64_t i = 0; i < nsite; i++) {
    h->geometry[3 * (i + 1)] = solute[i].x;
    h->geometry[3 * (i + 1) + 1] = solute[i].y;
    h->geometry[3 * (i + 1) + 2] = solute[i].z;
  }
  /* MDFT runs on one process: its context is private to this rank */
  if (check(h->ctx, "situ_init", situ_init(MPI_COMM_SELF, config, &h->ctx))) return 1;
  const int64_t nconv = 4, geo[2] = {1 + nsite, 3};
  if (define(h->ctx, "density", 3, n) || define(h->ctx, "convergence", 1, &nconv) ||
      define(h->ctx, "geometry", 2, geo))
    return 1;
  return 0;
}

int mdft_insitu_progress(void *user, const mdft_progress *p) {
  mdft_insitu *h = user;
  const double conv[4] = {p->f, p->df, p->gnorm, (double)p->nfeval};
  mdft_solver_density(p->solver, h->density);
  /* a failed expose costs the analytics a step, never the minimisation */
  check(h->ctx, "situ_expose", situ_expose(h->ctx, "density", p->iter, h->density));
  check(h->ctx, "situ_expose", situ_expose(h->ctx, "convergence", p->iter, conv));
  check(h->ctx, "situ_expose", situ_expose(h->ctx, "geometry", p->iter, h->geometry));
  check(h->ctx, "situ_step_end", situ_step_end(h->ctx, p->iter));
  /* steering: "stop" set to any nonzero number (int or float) ends the minimisation */
  int64_t vi = 0;
  double vf = 0;
  if (situ_steer_get_i64(h->ctx, "stop", &vi) == SITU_OK && vi) h->stopped = 1;
  if (situ_steer_get_f64(h->ctx, "stop", &vf) == SITU_OK && vf != 0) h->stopped = 1;
  return h->stopped;
}

int mdft_insitu_stopped(const mdft_insitu *h) { return h && h->stopped; }

void mdft_insitu_close(mdft_insitu **hp) {
  mdft_insitu *h = *hp;
  if (!h) return;
  if (h->ctx) {
    check(h->ctx, "situ_flush", situ_flush(h->ctx, -1));
    check(h->ctx, "situ_finalize", situ_finalize(&h->ctx));
  }
  free(h->density);
  free(h->geometry);
  free(h);
  *hp = NULL;
  MPI_Finalize();
}
