/* 3D Fourier transforms of radial functions by a discrete sine transform:
 * F(q) = 4 pi / q int r f(r) sin(qr) dr on r_i = i dr, q_j = j pi/(n dr). */
#include <stdlib.h>
#include "internal.h"

int mdft_radial_init(mdft_radial *t, int64_t n, double dr, mdft_error *err) {
  t->n = n;
  t->dr = dr;
  t->dq = MDFT_PI / ((double)n * dr);
  t->buf = fftw_malloc(sizeof(double) * (size_t)n);
  t->plan = t->buf ? fftw_plan_r2r_1d((int)(n - 1), t->buf, t->buf, FFTW_RODFT00, FFTW_ESTIMATE) : NULL;
  if (!t->plan) {
    fftw_free(t->buf);
    return mdft_fail(err, MDFT_ERR_FFT, "radial transform of %lld points", (long long)n);
  }
  return MDFT_OK;
}

void mdft_radial_free(mdft_radial *t) {
  if (t->plan) fftw_destroy_plan(t->plan);
  fftw_free(t->buf);
  t->plan = NULL;
  t->buf = NULL;
}

static void transform(mdft_radial *t, const double *in, double *out, double dx, double dy,
                      double pref0, double pref) {
  double s0 = 0;
  for (int64_t i = 1; i < t->n; i++) {
    double x = (double)i * dx;
    t->buf[i - 1] = x * in[i];
    s0 += x * x * in[i];
  }
  fftw_execute(t->plan);
  out[0] = pref0 * s0;
  for (int64_t j = 1; j < t->n; j++) out[j] = pref * t->buf[j - 1] / ((double)j * dy);
}

void mdft_radial_forward(mdft_radial *t, const double *f, double *fq) {
  transform(t, f, fq, t->dr, t->dq, 4 * MDFT_PI * t->dr, 2 * MDFT_PI * t->dr);
}

void mdft_radial_backward(mdft_radial *t, const double *fq, double *f) {
  transform(t, fq, f, t->dq, t->dr, t->dq / (2 * MDFT_PI * MDFT_PI), t->dq / (4 * MDFT_PI * MDFT_PI));
}
