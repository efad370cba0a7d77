/* Four processes compile the same kernel at once over an empty on-disk
 * cache: one compiles (and stores it), the others wait for it and load the
 * stored object; all get a working kernel. */
#define _POSIX_C_SOURCE 200809L
#include "situ_kokkos.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ir =
    "func.func @sum(%x: memref<?xf64>) -> f64 {\n"
    "  %c0 = arith.constant 0 : index\n"
    "  %n = memref.dim %x, %c0 : memref<?xf64>\n"
    "  %s = kokkos.parallel_reduce serial (%i) = (%c0) to (%n) reduce [sum] -> f64 {\n"
    "    %v = memref.load %x[%i] : memref<?xf64>\n"
    "    kokkos.yield %v : f64\n"
    "  }\n"
    "  return %s : f64\n"
    "}\n";

/* Exit status: 10 + compiles (0 or 1) when the kernel sums correctly. */
static int child(void) {
  situ_kk_options o = {.sequential = 1};
  situ_kk_ctx *ctx;
  situ_kk_kernel *k;
  if (situ_kk_ctx_create(&o, &ctx) || situ_kk_compile(ctx, ir, __builtin_strlen(ir), "sum", &k))
    return 1;
  double x[1000], want = 0;
  for (int i = 0; i < 1000; ++i)
    want += x[i] = 0.5 * i;
  situ_kk_arg a = situ_kk_view1(x, SITU_KK_F64, 1000), r;
  if (situ_kk_call(k, &a, 1, &r, 1) || r.s.f64 != want)
    return 2;
  int64_t n = -1;
  situ_kk_ctx_compiles(ctx, &n);
  situ_kk_ctx_destroy(ctx);
  return 10 + (int)n;
}

int main(void) {
  char dir[] = "/tmp/situ-kk-race-XXXXXX";
  if (!mkdtemp(dir))
    return 2;
  setenv("SITU_KK_CACHE", dir, 1);
  enum { N = 4 };
  pid_t pids[N];
  for (int i = 0; i < N; ++i)
    if ((pids[i] = fork()) == 0)
      _exit(child());
  int compiled = 0, bad = 0;
  for (int i = 0; i < N; ++i) {
    int st = 0;
    waitpid(pids[i], &st, 0);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (code == 10 || code == 11)
      compiled += code - 10;
    else
      bad++, fprintf(stderr, "child %d: status %d\n", i, code);
  }
  char rm[128];
  snprintf(rm, sizeof rm, "rm -rf %s", dir);
  if (system(rm) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  if (bad || compiled != 1) {
    fprintf(stderr, "FAIL: %d bad children, %d compiles (want 1)\n", bad, compiled);
    return 1;
  }
  printf("jit_cache_race: 4 processes, 1 compile, all correct\n");
  return 0;
}
