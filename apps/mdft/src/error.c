/* Status codes and error messages. */
#include <stdio.h>
#include <time.h>
#include "internal.h"

const char *mdft_strerror(int code) {
  switch (code) {
    case MDFT_OK: return "success";
    case MDFT_ERR_NOMEM: return "out of memory";
    case MDFT_ERR_IO: return "file could not be read or written";
    case MDFT_ERR_PARSE: return "malformed input file";
    case MDFT_ERR_INPUT: return "invalid input";
    case MDFT_ERR_FFT: return "FFT planning failed";
    case MDFT_ERR_NOT_CONVERGED: return "minimisation did not converge";
    case MDFT_ERR_STOPPED: return "stopped by the progress callback";
    default: return "unknown mdft error";
  }
}

int mdft_fail(mdft_error *err, int code, const char *fmt, ...) {
  if (err) {
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

double mdft_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
