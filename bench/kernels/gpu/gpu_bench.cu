// GPU benchmark: the CUDA that kokkos-translate emits from ../kernels.mlir
// (included as emitted.cu) against the same kernels written by hand in CUDA,
// both checked against the host reference in ../hand.c. One JSON object per
// kernel on stdout. Build: see bench/kernels/README.md.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <algorithm>
#include <chrono>
#include <string>

#include <thrust/execution_policy.h>
#include <thrust/scan.h>

extern "C" {
#include "../hand.h"
}

#ifdef SITU_RTC
// The same kernels emitted with --kokkos-to-cuda-rtc and loaded at run time
// through libsitu-kokkos' CUDA loader (NVRTC + C host part + driver API);
// the wrappers have the signatures of the nvcc-built functions.
#include "situ_kokkos_cuda.h"
static char *rtc_source;
static situ_kk_cuda *rtc_load(const char *entry) {
  situ_kk_cuda *m = nullptr;
  int rc = situ_kk_cuda_load(rtc_source, strlen(rtc_source), entry, nullptr, &m);
  situ_kk_cuda_stats st{};
  situ_kk_cuda_stats_get(m, &st);
  printf("{\"load\": \"%s\", \"status\": %d, \"device_compile_ms\": %.1f, \"host_compile_ms\": %.1f, "
         "\"load_ms\": %.1f, \"device_cached\": %d, \"host_cached\": %d, \"arch\": %d}\n",
         entry, rc, st.device_compile_ms, st.host_compile_ms, st.load_ms, st.device_cached, st.host_cached, st.arch);
  if (rc) {
    fprintf(stderr, "loading %s: %s\n", entry, situ_kk_cuda_errmsg(m));
    exit(1);
  }
  return m;
}
template <class... T> static void rtc_run(situ_kk_cuda *m, T... a) {
  void *p[] = {(void *)&a...};
  if (situ_kk_cuda_call(m, p)) {
    fprintf(stderr, "call failed: %s\n", situ_kk_cuda_errmsg(m));
    exit(1);
  }
}
#define RTC(name) static situ_kk_cuda *m = rtc_load(#name)
static void axpy(double a, double *x, int64_t xn, double *y, int64_t yn) { RTC(axpy); rtc_run(m, a, x, xn, y, yn); }
static void fused_sum(double a, double b, double *x, int64_t n, double *r) { RTC(fused_sum); rtc_run(m, a, b, x, n, r); }
static void stencil(double *u, int64_t u0, int64_t u1, double *v, int64_t v0, int64_t v1) {
  RTC(stencil); rtc_run(m, u, u0, u1, v, v0, v1);
}
static void dot(double *x, int64_t xn, double *y, int64_t yn, double *r) { RTC(dot); rtc_run(m, x, xn, y, yn, r); }
static void histogram(double *x, int64_t n, int64_t *h, int64_t hn) { RTC(histogram); rtc_run(m, x, n, h, hn); }
static void softmax(double *x, int64_t x0, int64_t x1, double *y, int64_t y0, int64_t y1) {
  RTC(softmax); rtc_run(m, x, x0, x1, y, y0, y1);
}
static void matmul(double *a, int64_t a0, int64_t a1, double *b, int64_t b0, int64_t b1, double *c, int64_t c0,
                   int64_t c1) {
  RTC(matmul); rtc_run(m, a, a0, a1, b, b0, b1, c, c0, c1);
}
static void transpose3d(double *i, int64_t i0, int64_t i1, int64_t i2, double *o, int64_t o0, int64_t o1, int64_t o2) {
  RTC(transpose3d); rtc_run(m, i, i0, i1, i2, o, o0, o1, o2);
}
static void prefix(int64_t *x, int64_t xn, int64_t *o, int64_t on, int64_t *t) { RTC(prefix); rtc_run(m, x, xn, o, on, t); }

// --load-only FILE...: loads every function of each emitted file (NVRTC and
// the C compiler accept everything the emitter writes).
static int load_only(int argc, char **argv) {
  int bad = 0;
  for (int f = 2; f < argc; ++f) {
    FILE *in = fopen(argv[f], "rb");
    if (!in) { fprintf(stderr, "cannot open %s\n", argv[f]); return 2; }
    std::vector<char> text(1 << 22);
    size_t n = fread(text.data(), 1, text.size() - 1, in);
    fclose(in);
    text[n] = '\0';
    rtc_source = text.data();
    for (const char *p = rtc_source; (p = strstr(p, "_packed(const situ_kk_cuda_rt")); ++p) {
      const char *b = p;
      while (b > rtc_source && b[-1] != ' ') --b;
      std::string entry(b, p);
      situ_kk_cuda *m = nullptr;
      int rc = situ_kk_cuda_load(rtc_source, n, entry.c_str(), nullptr, &m);
      situ_kk_cuda_stats st{};
      situ_kk_cuda_stats_get(m, &st);
      printf("{\"file\": \"%s\", \"entry\": \"%s\", \"status\": %d, \"device_compile_ms\": %.1f, "
             "\"host_compile_ms\": %.1f, \"load_ms\": %.1f}\n",
             argv[f], entry.c_str(), rc, st.device_compile_ms, st.host_compile_ms, st.load_ms);
      if (rc) { fprintf(stderr, "%s: %s\n", entry.c_str(), situ_kk_cuda_errmsg(m)); ++bad; }
      situ_kk_cuda_free(m);
    }
  }
  return bad != 0;
}
#else
#include "emitted.cu"
#endif

#define CK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { \
  fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, cudaGetErrorString(e)); exit(1); } } while (0)

//===-- Hand-written CUDA -------------------------------------------------===//

__global__ void cu_axpy(double a, const double *x, double *y, int64_t n) {
  int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

__device__ double warp_sum(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;
}

// Grid-stride partial sums, warp shuffles, one atomicAdd per warp.
__global__ void cu_fused(double a, double b, const double *x, int64_t n, double *out) {
  double s = 0;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    double e = a * x[i] + b;
    s += e * e;
  }
  s = warp_sum(s);
  if ((threadIdx.x & 31) == 0) atomicAdd(out, s);
}

__global__ void cu_dot(const double *x, const double *y, int64_t n, double *out) {
  double s = 0;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    s += x[i] * y[i];
  s = warp_sum(s);
  if ((threadIdx.x & 31) == 0) atomicAdd(out, s);
}

__global__ void cu_stencil(const double *u, double *v, int64_t ny, int64_t nx) {
  int64_t j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x + 1;
  int64_t i = (int64_t)blockIdx.y * blockDim.y + threadIdx.y + 1;
  if (i < ny - 1 && j < nx - 1)
    v[i * nx + j] = 0.25 * ((u[(i - 1) * nx + j] + u[(i + 1) * nx + j]) + (u[i * nx + j - 1] + u[i * nx + j + 1]));
}

// Per-block histogram in shared memory, merged with global atomics.
__global__ void cu_hist(const double *x, int64_t n, unsigned long long *h) {
  __shared__ unsigned long long sh[64];
  if (threadIdx.x < 64) sh[threadIdx.x] = 0;
  __syncthreads();
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    atomicAdd(&sh[(int)(x[i] * 64.0)], 1ull);
  __syncthreads();
  if (threadIdx.x < 64) atomicAdd(&h[threadIdx.x], sh[threadIdx.x]);
}

// One warp per row.
__global__ void cu_softmax(const double *x, double *y, int64_t rows, int64_t cols) {
  int64_t r = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) / 32;
  int lane = threadIdx.x & 31;
  if (r >= rows) return;
  const double *xr = x + r * cols;
  double *yr = y + r * cols;
  double m = -INFINITY;
  for (int64_t j = lane; j < cols; j += 32) m = fmax(m, xr[j]);
  for (int o = 16; o > 0; o >>= 1) m = fmax(m, __shfl_xor_sync(0xffffffffu, m, o));
  double s = 0;
  for (int64_t j = lane; j < cols; j += 32) { double e = exp(xr[j] - m); yr[j] = e; s += e; }
  for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
  for (int64_t j = lane; j < cols; j += 32) yr[j] /= s;
}

__global__ void cu_matmul(const double *a, const double *b, double *c, int64_t n, int64_t k, int64_t m) {
  int64_t j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  int64_t i = (int64_t)blockIdx.y * blockDim.y + threadIdx.y;
  if (i >= n || j >= m) return;
  double s = 0;
  for (int64_t p = 0; p < k; ++p) s += a[i * k + p] * b[p * m + j];
  c[i * m + j] = s;
}

__global__ void cu_transpose(const double *in, double *out, int64_t n0, int64_t n1, int64_t n2) {
  int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= n0 * n1 * n2) return;
  int64_t i = t % n0, j = (t / n0) % n1, k = t / (n0 * n1);
  out[t] = in[(i * n1 + j) * n2 + k];
}

//===-- Harness -----------------------------------------------------------===//

static uint64_t rng = 88172645463325252ull;
static double urand() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (double)(rng >> 11) / 9007199254740992.0; }

static double *dev_rand(int64_t n, std::vector<double> &host) {
  host.resize(n);
  for (auto &v : host) v = urand();
  double *d; CK(cudaMalloc(&d, sizeof(double) * n));
  CK(cudaMemcpy(d, host.data(), sizeof(double) * n, cudaMemcpyHostToDevice));
  return d;
}
static double *dev_poison(int64_t n) {
  double *d; CK(cudaMalloc(&d, sizeof(double) * n));
  CK(cudaMemset(d, 0xff, sizeof(double) * n)); // all-ones bytes: a NaN
  return d;
}
static std::vector<double> back(const double *d, int64_t n) {
  std::vector<double> h(n);
  CK(cudaMemcpy(h.data(), d, sizeof(double) * n, cudaMemcpyDeviceToHost));
  return h;
}
static double max_rel(const std::vector<double> &a, const std::vector<double> &b, int64_t from = 0) {
  double e = 0;
  for (size_t i = from; i < a.size(); ++i) {
    double d = std::fabs(a[i] - b[i]) / (1e-300 + std::fabs(b[i]));
    if (!(d <= e)) e = d;
  }
  return e;
}

template <class F> static double time_ms(F f) {
  f(); CK(cudaDeviceSynchronize());
  std::vector<double> t;
  for (int r = 0; r < 20; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f(); CK(cudaDeviceSynchronize());
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

static int fails = 0;
static void report(const char *k, const char *size, double emitted, double hand, double err_e, double err_h, double tol) {
  bool ok = err_e <= tol && err_h <= tol;
  fails += !ok;
  printf("{\"kernel\": \"%s\", \"size\": \"%s\", \"emitted_ms\": %.4f, \"hand_cuda_ms\": %.4f, "
         "\"err_emitted_vs_host\": %.3g, \"err_hand_vs_host\": %.3g, \"ok\": %s}\n",
         k, size, emitted, hand, err_e, err_h, ok ? "true" : "false");
  fflush(stdout);
}

int main(int argc, char **argv) {
#ifdef SITU_RTC
  if (argc > 2 && strcmp(argv[1], "--load-only") == 0)
    return load_only(argc, argv);
  if (argc < 2) { fprintf(stderr, "usage: %s emitted_rtc.cu | --load-only FILE...\n", argv[0]); return 2; }
  FILE *in = fopen(argv[1], "rb");
  if (!in) { fprintf(stderr, "cannot open %s\n", argv[1]); return 2; }
  static char text[1 << 22];
  text[fread(text, 1, sizeof text - 1, in)] = '\0';
  fclose(in);
  rtc_source = text;
#else
  (void)argc; (void)argv;
#endif
  cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
  fprintf(stderr, "device: %s\n", p.name);
  const int64_t n = 1 << 24;
  char size[64];
  snprintf(size, sizeof size, "n=%lld", (long long)n);
  std::vector<double> hx, hy;
  double *x = dev_rand(n, hx), *y = dev_rand(n, hy);
  { // axpy: one run from the same y checks, then timing
    std::vector<double> ref = hy; hand_axpy(1.5, hx.data(), ref.data(), n);
    double *y1 = dev_poison(n), *y2 = dev_poison(n);
    CK(cudaMemcpy(y1, y, sizeof(double) * n, cudaMemcpyDeviceToDevice));
    CK(cudaMemcpy(y2, y, sizeof(double) * n, cudaMemcpyDeviceToDevice));
    axpy(1.5, x, n, y1, n);
    cu_axpy<<<(n + 255) / 256, 256>>>(1.5, x, y2, n);
    double ee = max_rel(back(y1, n), ref), eh = max_rel(back(y2, n), ref);
    double te = time_ms([&] { axpy(1.5, x, n, y1, n); });
    double th = time_ms([&] { cu_axpy<<<(n + 255) / 256, 256>>>(1.5, x, y2, n); });
    report("axpy", size, te, th, ee, eh, 1e-15); // nvcc contracts a*x+y into an FMA
    cudaFree(y1); cudaFree(y2);
  }
  double *acc; CK(cudaMalloc(&acc, sizeof(double)));
  auto hand_reduce = [&](auto launch) {
    CK(cudaMemset(acc, 0, sizeof(double))); launch();
    double r; CK(cudaMemcpy(&r, acc, sizeof r, cudaMemcpyDeviceToHost)); return r;
  };
  { double ref = hand_fused_sum(0.5, -0.25, hx.data(), n), re = NAN, rh = NAN;
    auto e = [&] { fused_sum(0.5, -0.25, x, n, &re); };
    auto h = [&] { rh = hand_reduce([&] { cu_fused<<<1024, 256>>>(0.5, -0.25, x, n, acc); }); };
    e(); h();
    double ee = std::fabs(re - ref) / ref, eh = std::fabs(rh - ref) / ref;
    report("fused_sum", size, time_ms(e), time_ms(h), ee, eh, 1e-10); }
  { double ref = hand_dot(hx.data(), hy.data(), n), re = NAN, rh = NAN;
    auto e = [&] { dot(x, n, y, n, &re); };
    auto h = [&] { rh = hand_reduce([&] { cu_dot<<<1024, 256>>>(x, y, n, acc); }); };
    e(); h();
    report("dot", size, time_ms(e), time_ms(h), std::fabs(re - ref) / ref, std::fabs(rh - ref) / ref, 1e-10); }
  { const int64_t ny = 4096, nx = 4096;
    std::vector<double> hu; double *u = dev_rand(ny * nx, hu), *v1 = dev_poison(ny * nx), *v2 = dev_poison(ny * nx);
    std::vector<double> ref(ny * nx, NAN); hand_stencil(hu.data(), ref.data(), ny, nx);
    dim3 b(32, 8), g((nx - 2 + 31) / 32, (ny - 2 + 7) / 8);
    auto e = [&] { stencil(u, ny, nx, v1, ny, nx); };
    auto h = [&] { cu_stencil<<<g, b>>>(u, v2, ny, nx); };
    e(); h();
    auto r1 = back(v1, ny * nx), r2 = back(v2, ny * nx);
    double ee = 0, eh = 0; // interior only; the boundary stays poisoned in all three
    for (int64_t i = 1; i < ny - 1; ++i)
      for (int64_t j = 1; j < nx - 1; ++j) {
        double a = std::fabs(r1[i * nx + j] - ref[i * nx + j]), c = std::fabs(r2[i * nx + j] - ref[i * nx + j]);
        if (!(a <= ee)) ee = a;
        if (!(c <= eh)) eh = c;
      }
    report("stencil", "4096x4096", time_ms(e), time_ms(h), ee, eh, 0);
    cudaFree(u); cudaFree(v1); cudaFree(v2); }
  { int64_t ref[64] = {0}; hand_histogram(hx.data(), ref, n);
    int64_t *h1; unsigned long long *h2;
    CK(cudaMalloc(&h1, 64 * 8)); CK(cudaMalloc(&h2, 64 * 8));
    CK(cudaMemset(h1, 0, 512)); CK(cudaMemset(h2, 0, 512));
    histogram(x, n, h1, 64);
    cu_hist<<<1024, 256>>>(x, n, h2);
    int64_t r1[64], r2[64];
    CK(cudaMemcpy(r1, h1, 512, cudaMemcpyDeviceToHost)); CK(cudaMemcpy(r2, h2, 512, cudaMemcpyDeviceToHost));
    double ee = memcmp(r1, ref, 512) ? 1 : 0, eh = memcmp(r2, ref, 512) ? 1 : 0;
    report("histogram", size, time_ms([&] { histogram(x, n, h1, 64); }),
           time_ms([&] { cu_hist<<<1024, 256>>>(x, n, h2); }), ee, eh, 0);
    cudaFree(h1); cudaFree(h2); }
  { const int64_t rows = 16384, cols = 256;
    std::vector<double> hx2; double *sx = dev_rand(rows * cols, hx2), *y1 = dev_poison(rows * cols), *y2 = dev_poison(rows * cols);
    std::vector<double> ref(rows * cols); hand_softmax(hx2.data(), ref.data(), rows, cols);
    auto e = [&] { softmax(sx, rows, cols, y1, rows, cols); };
    auto h = [&] { cu_softmax<<<(rows * 32 + 255) / 256, 256>>>(sx, y2, rows, cols); };
    e(); h();
    report("softmax", "16384x256", time_ms(e), time_ms(h), max_rel(back(y1, rows * cols), ref), max_rel(back(y2, rows * cols), ref), 1e-12);
    cudaFree(sx); cudaFree(y1); cudaFree(y2); }
  { const int64_t d = 1024;
    std::vector<double> ha, hb; double *a = dev_rand(d * d, ha), *b = dev_rand(d * d, hb), *c1 = dev_poison(d * d), *c2 = dev_poison(d * d);
    std::vector<double> ref(d * d); hand_matmul(ha.data(), hb.data(), ref.data(), d, d, d);
    dim3 bl(16, 16), g(d / 16, d / 16);
    auto e = [&] { matmul(a, d, d, b, d, d, c1, d, d); };
    auto h = [&] { cu_matmul<<<g, bl>>>(a, b, c2, d, d, d); };
    e(); h();
    report("matmul", "1024^3", time_ms(e), time_ms(h), max_rel(back(c1, d * d), ref), max_rel(back(c2, d * d), ref), 1e-12);
    cudaFree(a); cudaFree(b); cudaFree(c1); cudaFree(c2); }
  { const int64_t m = 256, t = m * m * m;
    std::vector<double> hin; double *in = dev_rand(t, hin), *o1 = dev_poison(t), *o2 = dev_poison(t);
    std::vector<double> ref(t); hand_transpose3d(hin.data(), ref.data(), m, m, m);
    auto e = [&] { transpose3d(in, m, m, m, o1, m, m, m); };
    auto h = [&] { cu_transpose<<<(t + 255) / 256, 256>>>(in, o2, m, m, m); };
    e(); h();
    report("transpose3d", "256^3", time_ms(e), time_ms(h), max_rel(back(o1, t), ref), max_rel(back(o2, t), ref), 0);
    cudaFree(in); cudaFree(o1); cudaFree(o2); }
  { // parallel_scan: emitted chunked scan vs thrust::exclusive_scan
    std::vector<int64_t> hv(n), ref(n);
    int64_t run = 0;
    for (int64_t i = 0; i < n; ++i) { hv[i] = (int64_t)(urand() * 1000) - 300; ref[i] = run; run += hv[i]; }
    int64_t *in, *o1, *o2;
    CK(cudaMalloc(&in, 8 * n)); CK(cudaMalloc(&o1, 8 * n)); CK(cudaMalloc(&o2, 8 * n));
    CK(cudaMemcpy(in, hv.data(), 8 * n, cudaMemcpyHostToDevice));
    CK(cudaMemset(o1, 0xff, 8 * n)); CK(cudaMemset(o2, 0xff, 8 * n));
    int64_t total = 0;
    auto e = [&] { prefix(in, n, o1, n, &total); };
    auto h = [&] { thrust::exclusive_scan(thrust::device, in, in + n, o2); };
    e(); h(); CK(cudaDeviceSynchronize());
    std::vector<int64_t> r1(n), r2(n);
    CK(cudaMemcpy(r1.data(), o1, 8 * n, cudaMemcpyDeviceToHost)); CK(cudaMemcpy(r2.data(), o2, 8 * n, cudaMemcpyDeviceToHost));
    double ee = (r1 == ref && total == run) ? 0 : 1, eh = r2 == ref ? 0 : 1;
    report("prefix_scan (hand = thrust)", size, time_ms(e), time_ms(h), ee, eh, 0);
    cudaFree(in); cudaFree(o1); cudaFree(o2); }
  return fails != 0;
}
