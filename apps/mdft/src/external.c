/* External potential V(r, Omega) of the solute on one solvent molecule. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static double clampv(double v, double vmax) { return v > vmax ? vmax : (v < -vmax ? -vmax : v); }

static double min_image(double d, double len) { return d - len * nearbyint(d / len); }

/* Lennard-Jones between solvent sites and solute sites, Lorentz-Berthelot
 * mixing, truncated at the cutoff, minimum-image convention. Sites placed at
 * the molecule's centre do not depend on orientation and are computed once. */
int mdft_external_lj(const mdft_grid *g, const mdft_angles *a, const mdft_site *solv, int64_t nsv,
                     const mdft_site *solu, int64_t nsu, double cutoff, double vmax, double *v) {
  const int64_t no = a->no, nz = g->n[2], ny = g->n[1];
  const double rc2 = cutoff * cutoff;
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < g->ntot; r++) {
    double pos[3] = {(double)(r / (ny * nz)) * g->dx[0], (double)((r / nz) % ny) * g->dx[1],
                     (double)(r % nz) * g->dx[2]};
    double vc = 0;
    for (int64_t o = 0; o < no; o++) v[r * no + o] = 0;
    for (int64_t s = 0; s < nsv; s++) {
      if (solv[s].epsilon <= 0) continue;
      int centred = solv[s].x == 0 && solv[s].y == 0 && solv[s].z == 0;
      for (int64_t o = 0; o < (centred ? 1 : no); o++) {
        const double *R = a->rot + 9 * o;
        double sp[3];
        for (int d = 0; d < 3; d++)
          sp[d] = pos[d] + R[3 * d] * solv[s].x + R[3 * d + 1] * solv[s].y + R[3 * d + 2] * solv[s].z;
        double e = 0;
        for (int64_t u = 0; u < nsu; u++) {
          if (solu[u].epsilon <= 0) continue;
          double dx = min_image(sp[0] - solu[u].x, g->len[0]);
          double dy = min_image(sp[1] - solu[u].y, g->len[1]);
          double dz = min_image(sp[2] - solu[u].z, g->len[2]);
          double d2 = dx * dx + dy * dy + dz * dz;
          if (d2 > rc2) continue;
          double sig = 0.5 * (solv[s].sigma + solu[u].sigma), eps = sqrt(solv[s].epsilon * solu[u].epsilon);
          if (d2 < 1e-8 * sig * sig) { e = vmax; break; }
          double s6 = sig * sig / d2;
          s6 = s6 * s6 * s6;
          e += 4 * eps * (s6 * s6 - s6);
          if (e > vmax) { e = vmax; break; }
        }
        if (centred) vc += e;
        else v[r * no + o] += e;
      }
    }
    for (int64_t o = 0; o < no; o++) v[r * no + o] = clampv(v[r * no + o] + vc, vmax);
  }
  return MDFT_OK;
}

/* Hard sphere: V = vmax (the cap) wherever the solvent molecule's centre is within radius of c,
 * whatever else acts there; called last, so that it stays exactly the cap. */
int mdft_external_hard_sphere(const mdft_grid *g, const mdft_angles *a, const double c[3],
                              double radius, double vmax, double *v) {
  const int64_t no = a->no, nz = g->n[2], ny = g->n[1];
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < g->ntot; r++) {
    double dx = min_image((double)(r / (ny * nz)) * g->dx[0] - c[0], g->len[0]);
    double dy = min_image((double)((r / nz) % ny) * g->dx[1] - c[1], g->len[1]);
    double dz = min_image((double)(r % nz) * g->dx[2] - c[2], g->len[2]);
    if (dx * dx + dy * dy + dz * dz < radius * radius)
      for (int64_t o = 0; o < no; o++) v[r * no + o] = vmax;
  }
  return MDFT_OK;
}

/* Electrostatics: the solute's charges, smeared by Gaussians of width one grid
 * spacing (no aliasing of point charges), give phi(k) = 4 pi K rho(k) / k^2
 * (tin-foil: k = 0 dropped). The energy of a solvent molecule at r with
 * orientation o is sum_s q_s phi(r + R_o s), evaluated exactly in Fourier space
 * by a phase per site: one inverse FFT per orientation. Where V is at the cap already (the
 * Lennard-Jones core) it stays there. */
int mdft_external_elec(const mdft_grid *g, const mdft_angles *a, const mdft_site *solv,
                       int64_t nsv, const mdft_site *solu, int64_t nsu, double vmax, double *v,
                       mdft_error *err) {
  int any = 0;
  for (int64_t u = 0; u < nsu; u++) any |= solu[u].charge != 0;
  int anys = 0;
  for (int64_t s = 0; s < nsv; s++) anys |= solv[s].charge != 0;
  if (!any || !anys) return MDFT_OK;
  const int64_t nx = g->n[0], ny = g->n[1], nz = g->n[2], nzh = nz / 2 + 1, nk = nx * ny * nzh;
  double complex *phik = fftw_malloc(sizeof(double complex) * (size_t)nk);
  double complex *vk = fftw_malloc(sizeof(double complex) * (size_t)nk);
  double *vr = fftw_malloc(sizeof(double) * (size_t)g->ntot);
  if (!phik || !vk || !vr) {
    fftw_free(phik); fftw_free(vk); fftw_free(vr);
    return mdft_fail(err, MDFT_ERR_NOMEM, "electrostatic potential");
  }
  fftw_plan plan = fftw_plan_dft_c2r_3d((int)nx, (int)ny, (int)nz, (fftw_complex *)vk, vr, FFTW_ESTIMATE);
  if (!plan) {
    fftw_free(phik); fftw_free(vk); fftw_free(vr);
    return mdft_fail(err, MDFT_ERR_FFT, "electrostatics FFT plan");
  }
  double sig = fmax(g->dx[0], fmax(g->dx[1], g->dx[2]));
  double vol = g->len[0] * g->len[1] * g->len[2];
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < nk; i++) {
    int64_t ix = i / (ny * nzh), iy = (i / nzh) % ny, iz = i % nzh;
    double kx = mdft_grid_k(g, 0, ix), ky = mdft_grid_k(g, 1, iy), kz = mdft_grid_k(g, 2, iz);
    double k2 = kx * kx + ky * ky + kz * kz;
    double complex rho = 0;
    for (int64_t u = 0; u < nsu; u++)
      rho += solu[u].charge * cexp(-I * (kx * solu[u].x + ky * solu[u].y + kz * solu[u].z));
    /* phi(r) = (1/V) sum_k phi(k) e^{ikr}; c2r sums without 1/V */
    phik[i] = k2 > 0 ? 4 * MDFT_PI * MDFT_COULOMB * rho * exp(-0.5 * k2 * sig * sig) / k2 / vol : 0;
  }
  for (int64_t o = 0; o < a->no; o++) {
    const double *R = a->rot + 9 * o;
    double ls[64][3];
    int64_t ns = nsv < 64 ? nsv : 64;
    for (int64_t s = 0; s < ns; s++)
      for (int d = 0; d < 3; d++)
        ls[s][d] = R[3 * d] * solv[s].x + R[3 * d + 1] * solv[s].y + R[3 * d + 2] * solv[s].z;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < nk; i++) {
      int64_t ix = i / (ny * nzh), iy = (i / nzh) % ny, iz = i % nzh;
      double kx = mdft_grid_k(g, 0, ix), ky = mdft_grid_k(g, 1, iy), kz = mdft_grid_k(g, 2, iz);
      double complex f = 0;
      for (int64_t s = 0; s < ns; s++)
        if (solv[s].charge != 0) f += solv[s].charge * cexp(I * (kx * ls[s][0] + ky * ls[s][1] + kz * ls[s][2]));
      vk[i] = phik[i] * f;
    }
    fftw_execute(plan);
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < g->ntot; r++) {
      /* inside a repulsive core (V already at the cap) the smeared charges must not pull the
       * solvent in: there the electrostatics of a site overlapping the solute's is meaningless */
      double *vo = &v[r * a->no + o];
      *vo = *vo >= vmax ? vmax : clampv(*vo + vr[r], vmax);
    }
  }
  fftw_destroy_plan(plan);
  fftw_free(phik); fftw_free(vk); fftw_free(vr);
  return MDFT_OK;
}
