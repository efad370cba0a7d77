/* The periodic simulation box and its wave vectors. */
#include "internal.h"

int mdft_grid_init(mdft_grid *g, const int64_t n[3], const double len[3], mdft_error *err) {
  g->ntot = 1;
  for (int d = 0; d < 3; d++) {
    if (n[d] < 1 || n[d] > 4096)
      return mdft_fail(err, MDFT_ERR_INPUT, "boxnod[%d] = %lld out of range 1..4096", d,
                       (long long)n[d]);
    if (!(len[d] > 0))
      return mdft_fail(err, MDFT_ERR_INPUT, "boxlen[%d] must be > 0", d);
    g->n[d] = n[d];
    g->len[d] = len[d];
    g->dx[d] = len[d] / (double)n[d];
    g->ntot *= n[d];
  }
  g->dv = g->dx[0] * g->dx[1] * g->dx[2];
  return MDFT_OK;
}

double mdft_grid_k(const mdft_grid *g, int axis, int64_t i) {
  int64_t n = g->n[axis];
  int64_t j = i <= n / 2 ? i : i - n;
  return 2.0 * MDFT_PI * (double)j / g->len[axis];
}
