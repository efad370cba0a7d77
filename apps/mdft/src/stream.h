/* Streaming (non-temporal) stores for arrays written once per pass and far beyond the caches
 * (the gradient, the projection fields, the OZ's write-only rows, the L-BFGS vectors): a plain
 * store would read each line first, one more pass over the array. */
#ifndef MDFT_STREAM_H
#define MDFT_STREAM_H
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* d[0..n) = s[0..n); streamed where d is 16-byte aligned (a last odd-sized block's rows may not be) */
static inline void mdft_stream_doubles(double *restrict d, const double *restrict s, int64_t n) {
  int64_t i = 0;
#if defined(__SSE2__)
  if (((uintptr_t)d & 15) == 0)
    for (; i + 2 <= n; i += 2) _mm_stream_pd(d + i, _mm_loadu_pd(s + i));
#endif
  for (; i < n; i++) d[i] = s[i];
}

static inline void mdft_stream_floats(float *restrict d, const float *restrict s, int64_t n) {
  int64_t i = 0;
#if defined(__SSE2__)
  if (((uintptr_t)d & 15) == 0)
    for (; i + 4 <= n; i += 4) _mm_stream_ps(d + i, _mm_loadu_ps(s + i));
#endif
  for (; i < n; i++) d[i] = s[i];
}

/* the streamed data complete before other threads read them: call it before the barrier
 * (the loops that stream are `nowait`) */
static inline void mdft_stream_fence(void) {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

#endif
