/* Vector widths of the hand-vectorised kernels (projection_block.c, oz_block.c).
 * Their vectors are GCC/clang vector types of a fixed number of lanes; a width the target
 * lacks is lowered lane by lane through memory (8-lane vectors on an AVX2-only CPU ran the
 * transforms 13x slower than 4-lane ones). So each kernel file is compiled once per x86-64
 * level with that level's width, under a suffixed name (MDFT_KERN), and the caller picks the
 * level the CPU runs (mdft_isa_select, isa.c): v4 (AVX-512) 8 lanes, v3 (AVX2 + FMA) 4, the
 * baseline (SSE2, or any other architecture) 2. */
#ifndef MDFT_SIMD_H
#define MDFT_SIMD_H
#include "mdft.h"

enum { MDFT_ISA_BASE = 0, MDFT_ISA_V3 = 3, MDFT_ISA_V4 = 4 };
#define MDFT_LANES_MAX 8

/* The best level compiled in and run by this CPU. */
int mdft_isa_cpu(void);
/* That level, or a lower one asked for by the environment variable MDFT_ISA (base, v3, v4:
 * tests, comparisons; a higher one than the CPU runs gives the CPU's); MDFT_ERR_INPUT for
 * any other value. */
int mdft_isa_select(int *isa, mdft_error *err);
const char *mdft_isa_name(int isa);

/* F(sfx) for every level compiled in (CMake defines MDFT_X86_LEVELS on x86-64) */
#if defined(MDFT_X86_LEVELS)
#define MDFT_LEVELS(F) F(_base) F(_v3) F(_v4)
/* the call of fn at level isa (an expression; void operands are allowed) */
#define MDFT_DISPATCH(isa, fn, ...)                                                       \
  ((isa) == MDFT_ISA_V4 ? fn##_v4(__VA_ARGS__)                                            \
                        : (isa) == MDFT_ISA_V3 ? fn##_v3(__VA_ARGS__) : fn##_base(__VA_ARGS__))
#else
#define MDFT_LEVELS(F) F(_base)
#define MDFT_DISPATCH(isa, fn, ...) ((void)(isa), fn##_base(__VA_ARGS__))
#endif

/* in a kernel file: its level (MDFT_ISA, set by CMake), lanes and name suffix */
#if defined(MDFT_ISA)
#if MDFT_ISA == 4
#define MDFT_LANES 8
#define MDFT_KERN(f) f##_v4
#elif MDFT_ISA == 3
#define MDFT_LANES 4
#define MDFT_KERN(f) f##_v3
#else
#define MDFT_LANES 2
#define MDFT_KERN(f) f##_base
#endif
/* a two-vector shuffle with constant lane indices (GCC >= 12, clang) */
#define MDFT_SHUF(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#endif

#endif
