/* The blocked angular transforms alone, per n^3 grid: with the block's data in cache
 * (their arithmetic) and to/from a field-major projection array of the solver's size
 * (what the evaluation's passes pay in memory traffic on top). Best of 5 passes.
 * usage: mdft_transforms n mmax [mrso]   Prints one JSON line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "../../apps/mdft/src/internal.h"

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: mdft_transforms n mmax [mrso]\n"); return 2; }
  const int64_t n = atoll(argv[1]);
  const int mmax = atoi(argv[2]), mrso = argc > 3 ? atoi(argv[3]) : 2;
  mdft_error err = {0, ""};
  mdft_angles an;
  mdft_wigner w;
  mdft_proj p;
  if (mdft_angles_init(&an, mmax, mrso, &err) || mdft_wigner_init(&w, mmax, &err) ||
      mdft_proj_init(&p, &an, &w, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  const int64_t N = n * n * n, B = MDFT_PB, nblk = N / B, no = an.no, np = p.np;
  if (n < 1 || N % B) {
    fprintf(stderr, "mdft_transforms: n^3 = %lld must be a positive multiple of the block, %d points\n",
            (long long)N, MDFT_PB);
    return 2;
  }
  double *f = aligned_alloc(64, sizeof(double) * (size_t)(no * B));
  double *work = aligned_alloc(64, sizeof(double) * (size_t)((mdft_proj_block_work(&p) + 7) / 8 * 8));
  double complex *blk = aligned_alloc(64, sizeof(double complex) * (size_t)(np * B));
  double complex *buf = fftw_malloc(sizeof(double complex) * (size_t)(np * N));
  if (!f || !work || !blk || !buf) { fprintf(stderr, "out of memory\n"); return 1; }
  for (int64_t i = 0; i < no * B; i++) f[i] = sin((double)i);
  for (int64_t i = 0; i < np * N; i++) buf[i] = 1e-3 * (double)(i % 97);
  double t[4] = {1e30, 1e30, 1e30, 1e30};
  for (int rep = 0; rep < 5; rep++) {
    double t0 = mdft_now();
    for (int64_t ib = 0; ib < nblk; ib++) mdft_proj_forward_block(&p, B, f, blk, B, work);
    double t1 = mdft_now();
    for (int64_t ib = 0; ib < nblk; ib++) mdft_proj_backward_block(&p, B, blk, B, f, work);
    double t2 = mdft_now();
    for (int64_t ib = 0; ib < nblk; ib++) mdft_proj_forward_block(&p, B, f, buf + ib * B, N, work);
    double t3 = mdft_now();
    for (int64_t ib = 0; ib < nblk; ib++) mdft_proj_backward_block(&p, B, buf + ib * B, N, f, work);
    double t4 = mdft_now();
    const double d[4] = {t1 - t0, t2 - t1, t3 - t2, t4 - t3};
    for (int k = 0; k < 4; k++) t[k] = fmin(t[k], d[k]);
  }
  printf("{\"n\": %lld, \"mmax\": %d, \"mrso\": %d, \"pb\": %d, \"forward_cache_s\": %.4f, \"backward_cache_s\": %.4f, "
         "\"forward_memory_s\": %.4f, \"backward_memory_s\": %.4f, \"projection_mib\": %.1f}\n",
         (long long)n, mmax, mrso, MDFT_PB, t[0], t[1], t[2], t[3], (double)(np * N) * 16 / 1048576.0);
  fftw_free(buf); free(blk); free(work); free(f);
  mdft_proj_free(&p); mdft_wigner_free(&w); mdft_angles_free(&an);
  return 0;
}
