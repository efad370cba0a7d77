/* Compile latency of the emitted CUDA through NVRTC (to CUBIN for sm_90), the
 * run-time alternative to nvcc: takes the device part of a
 * `kokkos-translate --kokkos-to-cuda` output (between its BEGIN/END DEVICE
 * CODE markers), compiles it N times, prints the median in ms.
 * Build: cc -std=c17 -O2 nvrtc_latency.c -I/usr/local/cuda/include
 *        -L/usr/local/cuda/lib64 -lnvrtc -o nvrtc_latency */
#define _POSIX_C_SOURCE 200809L
#include <nvrtc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* NVRTC has no libc headers: the few names the emitted code uses. */
static const char *prelude =
    "typedef signed char int8_t; typedef short int16_t; typedef int int32_t;\n"
    "typedef long long int64_t; typedef unsigned char uint8_t;\n"
    "typedef unsigned short uint16_t; typedef unsigned int uint32_t;\n"
    "typedef unsigned long long uint64_t;\n"
    "#define INFINITY __int_as_float(0x7f800000)\n#define NAN __int_as_float(0x7fffffff)\n"
    "#define INT32_MAX 2147483647\n#define INT32_MIN (-INT32_MAX - 1)\n"
    "#define INT64_MAX 9223372036854775807LL\n#define INT64_MIN (-INT64_MAX - 1)\n";

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s emitted.cu [reps]\n", argv[0]);
    return 2;
  }
  int reps = argc > 2 ? atoi(argv[2]) : 5;
  if (reps < 1 || reps > 100)
    reps = 5;
  FILE *f = fopen(argv[1], "rb");
  if (!f)
    return 2;
  static char text[1 << 20];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  char *b = strstr(text, "// BEGIN DEVICE CODE"), *e = strstr(text, "// END DEVICE CODE");
  if (!b || !e || e < b) {
    fprintf(stderr, "no device-code markers in %s\n", argv[1]);
    return 2;
  }
  *e = '\0';
  size_t len = strlen(prelude) + strlen(b) + 1;
  char *src = malloc(len);
  snprintf(src, len, "%s%s", prelude, b);
  double t[100];
  const char *opts[] = {"--gpu-architecture=sm_90", "-default-device", "-diag-suppress=177"};
  for (int r = 0; r < reps; ++r) {
    nvrtcProgram prog;
    double t0 = now();
    if (nvrtcCreateProgram(&prog, src, "emitted.cu", 0, NULL, NULL) != NVRTC_SUCCESS)
      return 1;
    nvrtcResult rc = nvrtcCompileProgram(prog, 3, opts);
    size_t cubin = 0;
    if (rc == NVRTC_SUCCESS)
      nvrtcGetCUBINSize(prog, &cubin);
    t[r] = (now() - t0) * 1e3;
    if (rc != NVRTC_SUCCESS) {
      size_t lsz;
      nvrtcGetProgramLogSize(prog, &lsz);
      char *log = malloc(lsz + 1);
      nvrtcGetProgramLog(prog, log);
      fprintf(stderr, "%s\n", log);
      free(log);
      return 1;
    }
    if (r == 0)
      fprintf(stderr, "cubin: %zu bytes\n", cubin);
    nvrtcDestroyProgram(&prog);
  }
  qsort(t, reps, sizeof *t, cmp);
  printf("{\"nvrtc_compile_ms_median\": %.1f, \"reps\": %d}\n", t[reps / 2], reps);
  free(src);
  return 0;
}
