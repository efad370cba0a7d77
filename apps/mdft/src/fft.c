/* Batched in-place 3D FFTs of the projection fields, threaded by FFTW. */
#include <limits.h>
#include <omp.h>
#include "internal.h"

int mdft_fft_init(mdft_fft *f, const mdft_grid *g, int64_t howmany, double complex *data,
                  int threads, mdft_error *err) {
  int n[3] = {(int)g->n[0], (int)g->n[1], (int)g->n[2]};
  if (g->ntot > INT_MAX || howmany > INT_MAX)
    return mdft_fail(err, MDFT_ERR_INPUT, "grid too large for FFTW's int sizes");
  /* The planner is not thread-safe; fftw_init_threads is idempotent. */
  fftw_init_threads();
  fftw_plan_with_nthreads(threads > 0 ? threads : omp_get_max_threads());
  fftw_complex *d = (fftw_complex *)data;
  int dist = (int)g->ntot;
  f->fwd = fftw_plan_many_dft(3, n, (int)howmany, d, NULL, 1, dist, d, NULL, 1, dist,
                              FFTW_FORWARD, FFTW_ESTIMATE);
  f->bwd = fftw_plan_many_dft(3, n, (int)howmany, d, NULL, 1, dist, d, NULL, 1, dist,
                              FFTW_BACKWARD, FFTW_ESTIMATE);
  if (!f->fwd || !f->bwd) {
    mdft_fft_free(f);
    return mdft_fail(err, MDFT_ERR_FFT, "FFTW could not plan %lld batched 3D FFTs",
                     (long long)howmany);
  }
  return MDFT_OK;
}

void mdft_fft_free(mdft_fft *f) {
  if (f->fwd) fftw_destroy_plan(f->fwd);
  if (f->bwd) fftw_destroy_plan(f->bwd);
  f->fwd = f->bwd = NULL;
}
