/* Which x86-64 level of the vector kernels to run (simd.h). */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int mdft_isa_best(void) {
  int best = MDFT_ISA_BASE;
#if defined(MDFT_X86_LEVELS)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2"))
    best = MDFT_ISA_V3;
  if (best == MDFT_ISA_V3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512cd"))
    best = MDFT_ISA_V4;
#endif
  const char *want = getenv("MDFT_ISA");
  if (want) {
    const int w = !strcmp(want, "v4") ? MDFT_ISA_V4 : !strcmp(want, "v3") ? MDFT_ISA_V3 : MDFT_ISA_BASE;
    if (w < best) best = w;
  }
  return best;
}

const char *mdft_isa_name(int isa) {
  return isa == MDFT_ISA_V4 ? "v4 (AVX-512, 8 lanes)" : isa == MDFT_ISA_V3 ? "v3 (AVX2, 4 lanes)" : "base (2 lanes)";
}
