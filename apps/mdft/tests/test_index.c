/* 64-bit index arithmetic at the largest size, 256^3 x mmax 5 (SPC/E/TIP3P symmetry,
 * mrso 2), without allocating the ~150 GB it would take: the orientation and projection
 * counts, the layout offset of x, V and the gradient (mdft_layout_index: N no = 5.5e9 > 2^32)
 * against the same offsets computed independently in double arithmetic (exact below 2^53),
 * bijectivity on the blocks where r no crosses 2^31 and 2^32 and at the end (also on a grid
 * whose last block is partial), the projection-field offsets p N + r in bytes (> 2^32), and
 * FFTW plans for the batched FFTs of that size (FFTW_ESTIMATE on NULL arrays plans without
 * touching memory), and the refusal of a grid beyond FFTW's int sizes. */
#include <string.h>
#include "test_util.h"
#include "internal.h"

/* the layout by its definition, in doubles: block b = floor(r/32) starts at 32 b no; within
 * it, orientation o's row of len points starts at o len */
static double layout_ref(double N, double no, double r, double o) {
  double b = floor(r / MDFT_PB), r0 = b * MDFT_PB, len = fmin(MDFT_PB, N - r0);
  return r0 * no + o * len + (r - r0);
}

/* every (r, o) of the blocks holding points r_lo..r_hi maps onto their offset range once,
 * as layout_ref says */
static void check_blocks(int64_t N, int64_t no, int64_t r_lo, int64_t r_hi, const char *what) {
  const int64_t b0 = r_lo / MDFT_PB * MDFT_PB, b1 = r_hi / MDFT_PB * MDFT_PB;
  const int64_t end = b1 + mdft_block_len(N, b1), base = b0 * no, span = (end - b0) * no;
  char *seen = calloc((size_t)span, 1);
  int64_t bad = 0, dup = 0, out = 0;
  for (int64_t r = b0; r < end; r++)
    for (int64_t o = 0; o < no; o++) {
      int64_t i = mdft_layout_index(N, no, r, o);
      bad += (double)i != layout_ref((double)N, (double)no, (double)r, (double)o);
      if (i < base || i >= base + span) { out++; continue; }
      dup += seen[i - base]++ > 0;
    }
  printf("%s: points %lld..%lld, offsets %lld..%lld: %lld mismatches, %lld outside, %lld repeated\n", what,
         (long long)b0, (long long)end - 1, (long long)base, (long long)(base + span - 1), (long long)bad,
         (long long)out, (long long)dup);
  CHECK(bad == 0 && out == 0 && dup == 0, "%s: layout not a bijection onto its range", what);
  free(seen);
}

int main(void) {
  mdft_error err = {0, ""};
  /* mmax 5, mrso 2: (mmax + 1) cos theta x (2 mmax + 1) phi x (2 floor(mmax/mrso) + 1) psi
   * = 6 x 11 x 5 = 330 orientations; projections sum_m (2m+1)(floor(m/2)+1) = 88 */
  mdft_angles ang;
  mdft_wigner wig;
  mdft_proj proj;
  OK(mdft_angles_init(&ang, 5, 2, &err));
  OK(mdft_wigner_init(&wig, 5, &err));
  OK(mdft_proj_init(&proj, &ang, &wig, &err));
  const int64_t no = ang.no, np = proj.np;
  CHECK(no == 330 && np == 88, "mmax 5: %lld orientations, %lld projections (330, 88 by hand)", (long long)no,
        (long long)np);
  mdft_grid g;
  const int64_t n256[3] = {256, 256, 256};
  const double len[3] = {60, 60, 60};
  OK(mdft_grid_init(&g, n256, len, &err));
  const int64_t N = g.ntot, nvar = N * no;
  CHECK(N == 16777216 && nvar == 5536481280LL && nvar > (int64_t)UINT32_MAX, "N = %lld, N no = %lld",
        (long long)N, (long long)nvar);
  /* layout: the ends, and the blocks around 2^31 and 2^32 (an int or unsigned product would wrap there) */
  CHECK(mdft_layout_index(N, no, 0, 0) == 0, "first offset");
  CHECK(mdft_layout_index(N, no, N - 1, no - 1) == nvar - 1, "last offset %lld, want %lld",
        (long long)mdft_layout_index(N, no, N - 1, no - 1), (long long)nvar - 1);
  const int64_t r31 = ((int64_t)1 << 31) / no, r32 = ((int64_t)1 << 32) / no;
  check_blocks(N, no, r31 - 40, r31 + 40, "256^3 mmax 5, r no ~ 2^31");
  check_blocks(N, no, r32 - 40, r32 + 40, "256^3 mmax 5, r no ~ 2^32");
  check_blocks(N, no, N - 70, N - 1, "256^3 mmax 5, last blocks");
  /* a grid whose last block is partial: 255 x 255 x 257 = 16711425 = 32 x 522232 + 1 */
  const int64_t Np = 255 * 255 * 257;
  CHECK(Np % MDFT_PB != 0, "grid meant to end in a partial block");
  check_blocks(Np, no, Np - 70, Np - 1, "255x255x257 mmax 5, partial last block");
  CHECK(mdft_layout_index(Np, no, Np - 1, no - 1) == Np * no - 1, "partial grid: last offset");
  /* projection fields: complex value (p, r) at p N + r; in bytes up to 88 x 16777216 x 16 */
  const int64_t last = (np - 1) * N + (N - 1);
  const double last_ref = (double)(np - 1) * (double)N + (double)(N - 1);
  CHECK((double)last == last_ref && (double)(last + 1) * 16 == (double)np * 16777216.0 * 16 &&
            (int64_t)sizeof(double complex) * (last + 1) > (int64_t)UINT32_MAX,
        "projection offsets: last %lld, bytes %lld", (long long)last, (long long)(16 * (last + 1)));
  /* FFTW: 88 batched 256^3 FFTs, planned on NULL (FFTW_ESTIMATE reads no data) */
  mdft_fft f;
  memset(&f, 0, sizeof f);
  int rc = mdft_fft_init(&f, &g, np, NULL, 1, &err);
  CHECK(rc == MDFT_OK && f.fwd && f.bwd, "FFTW cannot plan 88 x 256^3: %s", err.msg);
  mdft_fft_free(&f);
  /* beyond FFTW's int sizes: refused with a message, nothing planned */
  mdft_grid big;
  const int64_t nb[3] = {2048, 2048, 1024};
  OK(mdft_grid_init(&big, nb, len, &err));
  rc = mdft_fft_init(&f, &big, np, NULL, 1, &err);
  CHECK(rc == MDFT_ERR_INPUT && strstr(err.msg, "too large"), "2048^2 x 1024 grid: %s (%s)", mdft_strerror(rc), err.msg);
  printf("256^3 mmax 5: %lld orientations, %lld projections, %lld variables (x: %.1f GiB), projections %.1f GiB\n",
         (long long)no, (long long)np, (long long)nvar, (double)nvar * 8 / 1073741824.0,
         (double)N * (double)np * 16 / 1073741824.0);
  mdft_proj_free(&proj);
  mdft_wigner_free(&wig);
  mdft_angles_free(&ang);
  if (!t_failures) printf("64-bit indices: all checks passed\n");
  return t_failures ? 1 : 0;
}
