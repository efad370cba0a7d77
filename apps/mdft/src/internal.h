/* Internal types shared by the mdft concept files. */
#ifndef MDFT_INTERNAL_H
#define MDFT_INTERNAL_H

#include <complex.h>
#include <fftw3.h>
#include <stdarg.h>
#include <stdint.h>
#include "mdft.h"
#include "simd.h"

#define MDFT_PI 3.14159265358979323846
#define MDFT_KB 0.0083144626181532 /* kJ/mol/K */
#define MDFT_COULOMB 1389.35457644382 /* kJ/mol A / e^2 */

/* The auto-vectorised loops (solver.c, minimiser.c) are compiled for AVX-512 and AVX2 besides
 * the baseline and picked at load time (GCC function multiversioning); elsewhere, baseline only.
 * The kernels written with vector types pick their width by hand (simd.h). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && \
    !defined(MDFT_NO_CLONES)
#define MDFT_VECTOR __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MDFT_VECTOR
#endif

int mdft_fail(mdft_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- grid.c: periodic box, wave vectors in FFTW order ---- */
typedef struct {
  int64_t n[3];
  double len[3], dx[3];
  int64_t ntot;
  double dv;
} mdft_grid;
int mdft_grid_init(mdft_grid *g, const int64_t n[3], const double len[3], mdft_error *err);
double mdft_grid_k(const mdft_grid *g, int axis, int64_t i);
static inline int64_t mdft_grid_neg(int64_t i, int64_t n) { return i == 0 ? 0 : n - i; }

/* ---- quadrature.c: Gauss-Legendre(cos theta) x uniform phi x uniform psi ---- */
typedef struct {
  int mmax, mrso;
  int64_t ntheta, nphi, npsi, no;
  double *ctheta, *wtheta; /* ntheta: cos(theta_i) and weights summing to 1 */
  double *phi, *psi;       /* nphi, npsi */
  double *w;               /* no: product weights, sum 1 */
  double *rot;             /* no x 9: rotation matrices, row-major */
} mdft_angles;
int mdft_angles_init(mdft_angles *a, int mmax, int mrso, mdft_error *err);
void mdft_angles_free(mdft_angles *a);
void mdft_gauss_legendre(int64_t n, double *x, double *w); /* on [-1,1], weights sum 2 */
void mdft_euler_matrix(double phi, double theta, double psi, double r[9]);

/* ---- wigner.c: Wigner small-d matrices d^m_{mu,chi}(theta) for m <= mmax ---- */
typedef struct {
  int mmax;
  int64_t size;    /* sum over m of (2m+1)^2 */
  double *norm;    /* per (m,mu,chi): sqrt(binomial ratio) and sign */
  int *a, *b, *k;  /* Jacobi parameters and degree per (m,mu,chi) */
} mdft_wigner;
static inline int64_t mdft_wig_idx(int m, int mu, int chi) {
  return (int64_t)(m * (4 * m * m - 1)) / 3 + (int64_t)(mu + m) * (2 * m + 1) + (chi + m);
}
int mdft_wigner_init(mdft_wigner *w, int mmax, mdft_error *err);
void mdft_wigner_free(mdft_wigner *w);
void mdft_wigner_d(const mdft_wigner *w, double cos_theta, double *d);

/* ---- projection.c: f(Omega) <-> f^m_{mu mu'} (stored for mu' >= 0) ---- */
typedef struct {
  int mmax, mrso, na;     /* na: number of mu' values kept (mu' = a*mrso, a < na) */
  int isa;                /* the x86-64 level of the vector kernels run (simd.h) */
  int64_t np;             /* stored projections */
  int *pm, *pmu, *pmup;   /* per p */
  int64_t *pindex;        /* (m, mu+mmax, a) -> p or -1 */
  const mdft_angles *ang;
  double *dtheta;         /* ntheta x np: d^m_{mu mu'}(theta_i) */
  double complex *ephi;   /* nphi x (2mmax+1): exp(i mu phi_j) */
  double complex *epsi;   /* npsi x na: exp(i mu' psi_k) */
  /* tables of the blocked transforms (real arithmetic, point index fastest) */
  double *fpsi;           /* npsi x na x 2: cos, sin(mu' psi_k) / npsi */
  double *fphi;           /* nphi x (mmax+1) x 2: cos, sin(mu phi_j) / nphi */
  double *bpsi;           /* npsi x na x 2: 2cos, 2sin(mu' psi_k) (1 for mu' = 0) */
  double *bphi;           /* nphi x (2mmax+1) x 2: cos, sin(mu phi_j), mu signed */
  double *wd;             /* ntheta x np: (2m+1) w_i d^m_{mu mu'}(theta_i) */
  int64_t *pcol;          /* per p: (mu + mmax) * na + mu'/mrso */
  int64_t *cstart, *cq;   /* projections by column: cq[cstart[c] .. cstart[c+1]) */
} mdft_proj;
int mdft_proj_init(mdft_proj *p, const mdft_angles *a, const mdft_wigner *w, mdft_error *err);
void mdft_proj_free(mdft_proj *p);
static inline int64_t mdft_proj_p(const mdft_proj *p, int m, int mu, int a) {
  return p->pindex[((int64_t)m * (2 * p->mmax + 1) + mu + p->mmax) * p->na + a];
}
/* f[no] -> out[p*stride] for all stored p; work: scratch of mdft_proj_work() complex. */
int64_t mdft_proj_work(const mdft_proj *p);
void mdft_proj_forward(const mdft_proj *p, const double *f, double complex *out, int64_t stride,
                       double complex *work);
void mdft_proj_backward(const mdft_proj *p, const double complex *in, int64_t stride, double *f,
                        double complex *work);
/* Blocked transforms of MDFT_PB points at once (nb <= MDFT_PB of them valid): f is
 * no x MDFT_PB (orientation-major, point fastest; forward reads lanes >= nb, so the
 * caller fills them), out/in hold point b, projection p at [p*stride + b];
 * work: mdft_proj_block_work() doubles. Same sums as the per-point transforms. */
#ifndef MDFT_PB
#define MDFT_PB 32
#endif
/* points in the block of grid points starting at r0 (a multiple of MDFT_PB) of N */
static inline int64_t mdft_block_len(int64_t N, int64_t r0) { return N - r0 < MDFT_PB ? N - r0 : MDFT_PB; }
/* offset of (grid point r, orientation o) in the solver's layout of N points x no orientations
 * (x, V, the gradient): blocks of MDFT_PB points, each orientation-major. 64-bit throughout:
 * N no is 5.5e9 at 256^3, mmax 5 (test_index) */
static inline int64_t mdft_layout_index(int64_t N, int64_t no, int64_t r, int64_t o) {
  const int64_t r0 = r / MDFT_PB * MDFT_PB;
  return r0 * no + o * mdft_block_len(N, r0) + (r - r0);
}
#define MDFT_PREFETCH 4 /* blocks ahead */
/* prefetch the line holding p[off] (p a double array); the address is formed in integers,
 * as it may lie outside the array (prefetches never fault) */
#define MDFT_PF(p, off) __builtin_prefetch((const void *)((uintptr_t)(p) + (uintptr_t)((off) * 8)))
#define MDFT_PFW(p, off) __builtin_prefetch((const void *)((uintptr_t)(p) + (uintptr_t)((off) * 8)), 1)
int64_t mdft_proj_block_work(const mdft_proj *p);
void mdft_proj_forward_block(const mdft_proj *p, int64_t nb, const double *f, double complex *out,
                             int64_t stride, double *work);
void mdft_proj_backward_block(const mdft_proj *p, int64_t nb, const double complex *in,
                              int64_t stride, double *f, double *work);
#define MDFT_PROJ_KERNELS(sfx)                                                                           \
  void mdft_proj_forward_block##sfx(const mdft_proj *p, int64_t nb, const double *f, double complex *out, \
                                    int64_t stride, double *work);                                        \
  void mdft_proj_backward_block##sfx(const mdft_proj *p, int64_t nb, const double complex *in,           \
                                     int64_t stride, double *f, double *work);
MDFT_LEVELS(MDFT_PROJ_KERNELS)

/* ---- fft.c: batched in-place 3D complex FFTs over the projections ---- */
typedef struct {
  fftw_plan fwd, bwd;
} mdft_fft;
int mdft_fft_init(mdft_fft *f, const mdft_grid *g, int64_t howmany, double complex *data,
                  int threads, mdft_error *err);
void mdft_fft_free(mdft_fft *f);

/* ---- oz.c: the solvent's c(q) projections and the molecular OZ convolution ---- */
typedef struct {
  int64_t ne, nq;
  double dq;
  int *idx;   /* ne x 5: m n mu nu khi */
  double complex *c;  /* ne x nq */
} mdft_cq;
void mdft_cq_free(mdft_cq *c);
int mdft_cq_read(mdft_cq *c, const char *path, mdft_error *err);

typedef struct {
  const mdft_proj *proj;
  const mdft_wigner *wig;
  const mdft_grid *grid;
  int mmax, mrso, na;
  int64_t nfull;      /* projections with all mu' (both signs) */
  int64_t nk;         /* kernel entries */
  int64_t nq;
  double dq;
  double complex *kc; /* nq x nk: kernel values incl. 8pi^2/(2n+1) */
  void *entries;      /* nk kernel entries: rotated-frame input/output slots */
  void *fast;         /* tables of the blocked apply (oz.c) */
} mdft_oz;
int mdft_oz_init(mdft_oz *oz, const mdft_proj *p, const mdft_wigner *w, const mdft_grid *g,
                 const mdft_cq *cq, mdft_error *err);
void mdft_oz_free(mdft_oz *oz);
/* In place: data[p][r] holds FFT(drho)_p(q); on return FFT(gamma)_p(q) * (1/N). drho is real, and the
 * blocked apply relies on it: the mu' = 0 values at -q follow from those at q and are not read. */
int mdft_oz_apply(const mdft_oz *oz, double complex *data);
#define MDFT_OZ_KERNELS(sfx) int mdft_oz_apply##sfx(const mdft_oz *oz, double complex *data);
MDFT_LEVELS(MDFT_OZ_KERNELS)
/* The same, one q at a time (the reference the blocked apply is tested against). */
int mdft_oz_apply_ref(const mdft_oz *oz, double complex *data);

/* ---- external.c ---- */
int mdft_external_lj(const mdft_grid *g, const mdft_angles *a, const mdft_site *solv, int64_t nsv,
                     const mdft_site *solu, int64_t nsu, double cutoff, double vmax, double *v);
int mdft_external_hard_sphere(const mdft_grid *g, const mdft_angles *a, const double c[3],
                              double radius, double vmax, double *v);
int mdft_external_elec(const mdft_grid *g, const mdft_angles *a, const mdft_site *solv,
                       int64_t nsv, const mdft_site *solu, int64_t nsu, double vmax,
                       double *v, mdft_error *err);

/* ---- minimiser.c: limited-memory BFGS on a flat vector ---- */
typedef int (*mdft_fg_fn)(void *ctx, const double *x, double *g, double *f);
typedef int (*mdft_iter_fn)(void *ctx, int64_t iter, int64_t nfeval, double f, double df,
                            double gnorm);
typedef struct {
  int m;
  int64_t max_iter;
  double ftol; /* stop when |f_k - f_{k-1}| < ftol */
} mdft_lbfgs_opts;
typedef struct {
  int64_t iter, nfeval;
  int64_t skipped; /* iterations whose (s, y) pair was not stored: s.y <= 0 (no curvature) */
  double f;
  int converged;
} mdft_lbfgs_result;
int mdft_lbfgs(int64_t n, double *x, mdft_fg_fn fg, mdft_iter_fn it, void *ctx,
               const mdft_lbfgs_opts *o, mdft_lbfgs_result *r, mdft_error *err);

/* ---- solvent.c ---- */
struct mdft_solvent {
  int64_t nsite;
  mdft_site *site;
  int mrso;
  double n0;
  mdft_cq cq;
};

/* ---- radial.c: 3D radial Fourier transforms on r_i = i dr, q_j = j dq ---- */
typedef struct {
  int64_t n;
  double dr, dq;
  double *buf;
  fftw_plan plan;
} mdft_radial;
int mdft_radial_init(mdft_radial *t, int64_t n, double dr, mdft_error *err);
void mdft_radial_free(mdft_radial *t);
void mdft_radial_forward(mdft_radial *t, const double *f, double *fq);
void mdft_radial_backward(mdft_radial *t, const double *fq, double *f);

/* ---- solver.c accessors for output.c ---- */
const mdft_grid *mdft_solver_grid_(const mdft_solver *s);
const mdft_site *mdft_solver_solute_(const mdft_solver *s, int64_t *n);
const mdft_site *mdft_solver_solvent_(const mdft_solver *s, int64_t *n);
double mdft_solver_kT_(const mdft_solver *s);
const mdft_params *mdft_solver_params_(const mdft_solver *s);

/* ---- solver.c: ln x for x > 0 (normal or subnormal) within 2 ulp, branch-free so
 * that loops over it vectorise; exponent and mantissa m in [sqrt(1/2), sqrt 2),
 * ln m = f - f^2/2 + s (f^2/2 + R(s^2)), f = m - 1, s = f/(2+f), R the atanh series
 * (fdlibm's reduction and minimax coefficients). ---- */
static inline uint64_t mdft_bits(double x) {
  uint64_t u;
  __builtin_memcpy(&u, &x, sizeof u);
  return u;
}
static inline double mdft_double(uint64_t u) {
  double x;
  __builtin_memcpy(&x, &u, sizeof x);
  return x;
}
/* c ? a : b for a mask c of all ones or zeros, as bit operations (GCC keeps both sides
 * computed, so the loop stays branch-free under -ftrapping-math) */
static inline double mdft_pick(uint64_t c, double a, double b) {
  return mdft_double((mdft_bits(a) & c) | (mdft_bits(b) & ~c));
}
/* ln of the double with bits u (normal, > 0) times 2^-eoff */
static inline double mdft_log_bits(uint64_t u, int64_t eoff) {
  const uint64_t mant = u & 0x000fffffffffffffULL;
  const uint64_t big = -(uint64_t)((int64_t)mant > (int64_t)0x6a09e667f3bcdLL); /* m > sqrt 2 */
  const int64_t e = (int64_t)(u >> 52) - 1023 - eoff + (int64_t)(big & 1);
  const double m = mdft_double(mant | (0x3ff0000000000000ULL - (big & 0x0010000000000000ULL)));
  const double de = mdft_double(0x4338000000000000ULL + (uint64_t)e) - 0x1.8p52; /* (double)e */
  const double f = m - 1, s = f / (2 + f), z = s * s, hf = 0.5 * f * f;
  /* R ~ sum_k 2 z^k / (2k+1): fdlibm's degree-7 minimax fit (error below 2^-58.45 on
   * |s| <= 0.1716), split in even and odd powers of z for short dependency chains */
  const double w = z * z;
  const double t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
  const double t2 = z * (6.666666666666735130e-01 +
                         w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  const double r = t2 + t1;
  return de * 0x1.62e42feep-1 + ((f - hf + s * (hf + r)) + de * 1.9082149292705877e-10);
}
static inline double mdft_log(double x) {
  const uint64_t ux = mdft_bits(x), uxs = mdft_bits(x * 0x1p54);
  const uint64_t sub = -(uint64_t)((int64_t)ux < (int64_t)0x0010000000000000LL); /* subnormal */
  return mdft_log_bits((uxs & sub) | (ux & ~sub), (int64_t)(sub & 54));
}
/* ln x^2 for x with x^2 > 0 (any value, masked, where x^2 = 0): 2 ln |x|. Where x^2 > 0,
 * |x| > 1e-162 is normal, so no subnormal scaling, and no rounding of x^2 in the log. */
static inline double mdft_log_sq(double x) {
  return 2 * mdft_log_bits(mdft_bits(x) & 0x7fffffffffffffffULL, 0);
}

/* ---- timers ---- */
double mdft_now(void);

#endif
