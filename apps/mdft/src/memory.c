/* The large arrays (grid points x orientations or projections): 2 MiB aligned and
 * advised onto transparent huge pages where the kernel gives them on request. An
 * evaluation streams through some 30 of them at once; with 4 KiB pages the TLB misses
 * cost 3-4% of its time at 64^3. */
#define _DEFAULT_SOURCE /* madvise */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "internal.h"

#define HUGE_PAGE ((size_t)2 << 20)

void *mdft_alloc_big(size_t bytes) {
  if (bytes < HUGE_PAGE) return aligned_alloc(64, (bytes + 63) / 64 * 64);
  const size_t n = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
  void *p = aligned_alloc(HUGE_PAGE, n);
#ifdef MADV_HUGEPAGE
  if (p) (void)madvise(p, n, MADV_HUGEPAGE); /* advice only: without it, 4 KiB pages */
#endif
  return p;
}
