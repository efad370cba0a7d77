/* Which x86-64 level of the vector kernels to run (simd.h). */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int mdft_isa_cpu(void) {
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
  return best;
}

int mdft_isa_select(int *isa, mdft_error *err) {
  *isa = mdft_isa_cpu();
  const char *want = getenv("MDFT_ISA");
  if (!want || !*want) return MDFT_OK;
  int w;
  if (!strcmp(want, "v4")) w = MDFT_ISA_V4;
  else if (!strcmp(want, "v3")) w = MDFT_ISA_V3;
  else if (!strcmp(want, "base")) w = MDFT_ISA_BASE;
  else return mdft_fail(err, MDFT_ERR_INPUT, "MDFT_ISA=%.40s: expected base, v3 or v4", want);
  if (w < *isa) *isa = w;
  return MDFT_OK;
}

const char *mdft_isa_name(int isa) {
  return isa == MDFT_ISA_V4 ? "v4 (AVX-512, 8 lanes)" : isa == MDFT_ISA_V3 ? "v3 (AVX2, 4 lanes)" : "base (2 lanes)";
}
