/* The CLI's in situ hook: hands the minimiser's state to situ analytics once per
 * L-BFGS iteration (through the library's mdft_progress_fn seam). Only the CLI
 * uses it, so the mdft library itself stays free of MPI and libsitu. */
#ifndef MDFT_INSITU_H
#define MDFT_INSITU_H

#include "mdft.h"

typedef struct mdft_insitu mdft_insitu;

/* MPI_Init, situ_init (config may be NULL: SITU_CONFIG / SITU_CONNECTION from the
 * environment, as `situ run` sets them) and the array definitions for solver s.
 * Prints why on stderr and returns nonzero on failure. */
int mdft_insitu_open(int *argc, char ***argv, const char *config, const mdft_solver *s,
                     const mdft_site *solute, int64_t nsite, mdft_insitu **out);
/* mdft_progress_fn: exposes density, convergence and geometry at step p->iter;
 * returns nonzero once the analytics set the steering key "stop" to nonzero. */
int mdft_insitu_progress(void *user, const mdft_progress *p);
/* 1 if the last return of mdft_insitu_progress was a steering stop. */
int mdft_insitu_stopped(const mdft_insitu *h);
/* Flushes, situ_finalize, MPI_Finalize; safe on NULL. */
void mdft_insitu_close(mdft_insitu **h);

#endif
