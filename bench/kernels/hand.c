/* Hand-written C/OpenMP versions of bench/kernels/kernels.mlir: the same
 * algorithms, written the way an HPC programmer would. */
#include "hand.h"

#include <math.h>

void hand_axpy(double a, const double *x, double *y, int64_t n) {
#pragma omp parallel for simd
  for (int64_t i = 0; i < n; ++i)
    y[i] = a * x[i] + y[i];
}

double hand_fused_sum(double a, double b, const double *x, int64_t n) {
  double s = 0;
#pragma omp parallel for reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) {
    double e = a * x[i] + b;
    s += e * e;
  }
  return s;
}

void hand_stencil(const double *u, double *v, int64_t ny, int64_t nx) {
#pragma omp parallel for
  for (int64_t i = 1; i < ny - 1; ++i)
    for (int64_t j = 1; j < nx - 1; ++j)
      v[i * nx + j] = 0.25 * ((u[(i - 1) * nx + j] + u[(i + 1) * nx + j]) +
                              (u[i * nx + j - 1] + u[i * nx + j + 1]));
}

double hand_dot(const double *x, const double *y, int64_t n) {
  double s = 0;
#pragma omp parallel for reduction(+ : s)
  for (int64_t i = 0; i < n; ++i)
    s += x[i] * y[i];
  return s;
}

void hand_histogram(const double *x, int64_t *h, int64_t n) {
#pragma omp parallel for
  for (int64_t i = 0; i < n; ++i) {
    int64_t b = (int64_t)(x[i] * 64.0);
#pragma omp atomic
    h[b] += 1;
  }
}

void hand_softmax(const double *x, double *y, int64_t rows, int64_t cols) {
#pragma omp parallel for
  for (int64_t r = 0; r < rows; ++r) {
    const double *xr = x + r * cols;
    double *yr = y + r * cols;
    double m = -INFINITY, s = 0;
    for (int64_t j = 0; j < cols; ++j)
      m = fmax(m, xr[j]);
    for (int64_t j = 0; j < cols; ++j) {
      yr[j] = exp(xr[j] - m);
      s += yr[j];
    }
    for (int64_t j = 0; j < cols; ++j)
      yr[j] /= s;
  }
}

void hand_matmul(const double *a, const double *b, double *c, int64_t n, int64_t k, int64_t m) {
#pragma omp parallel for collapse(2)
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p)
        s += a[i * k + p] * b[p * m + j];
      c[i * m + j] = s;
    }
}

void hand_transpose3d(const double *in, double *out, int64_t n0, int64_t n1, int64_t n2) {
#pragma omp parallel for collapse(3)
  for (int64_t k = 0; k < n2; ++k)
    for (int64_t j = 0; j < n1; ++j)
      for (int64_t i = 0; i < n0; ++i)
        out[(k * n1 + j) * n0 + i] = in[(i * n1 + j) * n2 + k];
}
