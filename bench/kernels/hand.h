/* The benchmark kernels written by hand in C/OpenMP (baseline). */
#ifndef SITU_BENCH_HAND_H
#define SITU_BENCH_HAND_H
#include <stdint.h>
void hand_axpy(double a, const double *x, double *y, int64_t n);
double hand_fused_sum(double a, double b, const double *x, int64_t n);
void hand_stencil(const double *u, double *v, int64_t ny, int64_t nx);
double hand_dot(const double *x, const double *y, int64_t n);
void hand_histogram(const double *x, int64_t *h, int64_t n);
void hand_softmax(const double *x, double *y, int64_t rows, int64_t cols);
void hand_matmul(const double *a, const double *b, double *c, int64_t n, int64_t k, int64_t m);
void hand_transpose3d(const double *in, double *out, int64_t n0, int64_t n1, int64_t n2);
#endif
