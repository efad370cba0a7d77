/* Test helper: CHECK(cond, fmt, ...) reports where a check failed and why, and
 * counts it in `failures` (the test's exit status). */
#ifndef SITU_TEST_CHECK_H
#define SITU_TEST_CHECK_H

#include <stdio.h>

static int failures;
#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                     \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, "\n");                                                   \
      failures++;                                                              \
    }                                                                          \
  } while (0)

#endif
