/* Solvent models: sites in the molecular frame, bulk density, c(q). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define MDFT_MAX_SOLVENT_SITES 64

int mdft_solvent_create(int64_t nsite, const mdft_site *sites, int mrso, double n0,
                        mdft_solvent **out, mdft_error *err) {
  *out = NULL;
  if (nsite < 1 || nsite > MDFT_MAX_SOLVENT_SITES)
    return mdft_fail(err, MDFT_ERR_INPUT, "solvent must have 1..%d sites, got %lld",
                     MDFT_MAX_SOLVENT_SITES, (long long)nsite);
  if (mrso < 1) return mdft_fail(err, MDFT_ERR_INPUT, "solvent symmetry order %d < 1", mrso);
  if (!(n0 > 0)) return mdft_fail(err, MDFT_ERR_INPUT, "solvent density must be > 0");
  mdft_solvent *s = calloc(1, sizeof *s);
  if (!s) return mdft_fail(err, MDFT_ERR_NOMEM, "solvent");
  s->site = malloc(sizeof(mdft_site) * (size_t)nsite);
  if (!s->site) { free(s); return mdft_fail(err, MDFT_ERR_NOMEM, "solvent"); }
  memcpy(s->site, sites, sizeof(mdft_site) * (size_t)nsite);
  s->nsite = nsite;
  s->mrso = mrso;
  s->n0 = n0;
  *out = s;
  return MDFT_OK;
}

/* Water: O at the molecular centre, the H's in the xz plane, dipole along +z.
 * SPC/E: Berendsen, Grigera, Straatsma, J. Phys. Chem. 91, 6269 (1987).
 * TIP3P: Jorgensen et al., J. Chem. Phys. 79, 926 (1983). */
static void water(mdft_site s[3], double qo, double sig, double eps, double roh, double angle_deg) {
  double h = 0.5 * angle_deg * MDFT_PI / 180;
  memset(s, 0, 3 * sizeof(mdft_site));
  s[0].charge = qo; s[0].sigma = sig; s[0].epsilon = eps;
  for (int i = 1; i <= 2; i++) {
    s[i].x = (i == 1 ? 1 : -1) * roh * sin(h);
    s[i].z = roh * cos(h);
    s[i].charge = -0.5 * qo;
  }
}

int mdft_solvent_create_model(const char *name, mdft_solvent **out, mdft_error *err) {
  mdft_site s[3];
  if (!name) return mdft_fail(err, MDFT_ERR_INPUT, "no solvent name");
  if (!strcmp(name, "spce")) water(s, -0.8476, 3.166, 0.650, 1.0, 109.47);
  else if (!strcmp(name, "tip3p")) water(s, -0.834, 3.15061, 0.6364, 0.9572, 104.52);
  else return mdft_fail(err, MDFT_ERR_INPUT, "unknown solvent \"%s\" (spce, tip3p)", name);
  return mdft_solvent_create(3, s, 2, 0.0332891, out, err);
}

void mdft_solvent_free(mdft_solvent *s) {
  if (!s) return;
  mdft_cq_free(&s->cq);
  free(s->site);
  free(s);
}

int mdft_solvent_load_cq(mdft_solvent *s, const char *path, mdft_error *err) {
  mdft_cq c;
  int rc = mdft_cq_read(&c, path, err);
  if (rc) return rc;
  mdft_cq_free(&s->cq);
  s->cq = c;
  return MDFT_OK;
}

int mdft_solvent_set_cq(mdft_solvent *s, int64_t ne, const int *idx, int64_t nq, double dq,
                        const double *c, mdft_error *err) {
  if (ne < 1 || nq < 2 || !(dq > 0)) return mdft_fail(err, MDFT_ERR_INPUT, "c(q): need ne >= 1, nq >= 2, dq > 0");
  mdft_cq n = {ne, nq, dq, malloc(sizeof(int) * 5 * (size_t)ne),
               malloc(sizeof(double complex) * (size_t)(ne * nq))};
  if (!n.idx || !n.c) { mdft_cq_free(&n); return mdft_fail(err, MDFT_ERR_NOMEM, "c(q)"); }
  memcpy(n.idx, idx, sizeof(int) * 5 * (size_t)ne);
  for (int64_t i = 0; i < ne * nq; i++) n.c[i] = c[i];
  mdft_cq_free(&s->cq);
  s->cq = n;
  return MDFT_OK;
}

double mdft_solvent_density(const mdft_solvent *s) { return s->n0; }
int mdft_solvent_mrso(const mdft_solvent *s) { return s->mrso; }
