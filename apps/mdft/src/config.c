/* dft.json / solute.json input, with the keys of Mini_MDFT. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static int slurp(const char *path, char **out, mdft_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return mdft_fail(err, MDFT_ERR_IO, "%s: %s", path, strerror(errno));
  size_t cap = 4096, len = 0;
  char *b = malloc(cap);
  size_t k;
  while (b && (k = fread(b + len, 1, cap - len - 1, f)) > 0) {
    len += k;
    if (len + 1 == cap) {
      char *nb = realloc(b, cap *= 2);
      if (!nb) { free(b); b = NULL; }
      else b = nb;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (!b) return mdft_fail(err, MDFT_ERR_NOMEM, "%s", path);
  if (bad) { free(b); return mdft_fail(err, MDFT_ERR_IO, "%s: read error", path); }
  b[len] = 0;
  *out = b;
  return MDFT_OK;
}

static int parse(const char *path, cJSON **root, mdft_error *err) {
  char *text = NULL;
  int rc = slurp(path, &text, err);
  if (rc) return rc;
  const char *end = NULL;
  *root = cJSON_ParseWithOpts(text, &end, 1);
  if (!*root) {
    int line = 1;
    for (const char *p = text; end && p < end; p++) line += *p == '\n';
    free(text);
    return mdft_fail(err, MDFT_ERR_PARSE, "%s:%d: invalid JSON", path, line);
  }
  free(text);
  if (!cJSON_IsObject(*root)) {
    cJSON_Delete(*root);
    return mdft_fail(err, MDFT_ERR_PARSE, "%s: top level must be an object", path);
  }
  return MDFT_OK;
}

static int get_num(const char *path, const cJSON *o, const char *key, int required, double *v,
                   mdft_error *err) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!it) return required ? mdft_fail(err, MDFT_ERR_INPUT, "%s: missing key \"%s\"", path, key) : MDFT_OK;
  if (!cJSON_IsNumber(it)) return mdft_fail(err, MDFT_ERR_INPUT, "%s: \"%s\" must be a number", path, key);
  *v = it->valuedouble;
  return MDFT_OK;
}

static int get_bool(const char *path, const cJSON *o, const char *key, int *v, mdft_error *err) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!it) return MDFT_OK;
  if (!cJSON_IsBool(it)) return mdft_fail(err, MDFT_ERR_INPUT, "%s: \"%s\" must be true or false", path, key);
  *v = cJSON_IsTrue(it);
  return MDFT_OK;
}

static int get_arr(const char *path, const cJSON *o, const char *key, int64_t n, double *v,
                   mdft_error *err) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!it) return mdft_fail(err, MDFT_ERR_INPUT, "%s: missing key \"%s\"", path, key);
  if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != n)
    return mdft_fail(err, MDFT_ERR_INPUT, "%s: \"%s\" must be an array of %lld numbers", path, key, (long long)n);
  int64_t i = 0;
  for (const cJSON *e = it->child; e; e = e->next, i++) {
    if (!cJSON_IsNumber(e))
      return mdft_fail(err, MDFT_ERR_INPUT, "%s: \"%s\"[%lld] must be a number", path, key, (long long)i);
    v[i] = e->valuedouble;
  }
  return MDFT_OK;
}

static int integral(const char *path, const char *key, double v, double lo, double hi, mdft_error *err) {
  if (v != (double)(int64_t)v || v < lo || v > hi)
    return mdft_fail(err, MDFT_ERR_INPUT, "%s: \"%s\" must be an integer in %g..%g", path, key, lo, hi);
  return MDFT_OK;
}

/* cq_path: the c(q) file given by the caller (Mini_MDFT's -luc_file, relative to the working
 * directory, as there); it takes precedence over "cq_file" (relative to dft.json). */
static int load_dft(const char *path, const char *cq_path, mdft_params *p, mdft_solvent **solvent,
                    mdft_error *err) {
  cJSON *j;
  int rc = parse(path, &j, err);
  if (rc) return rc;
  double nod[3], v;
  mdft_params_default(p);
  if ((rc = get_arr(path, j, "boxnod", 3, nod, err))) goto done;
  for (int d = 0; d < 3; d++) {
    if ((rc = integral(path, "boxnod", nod[d], 1, 4096, err))) goto done;
    p->boxnod[d] = (int64_t)nod[d];
  }
  if ((rc = get_arr(path, j, "boxlen", 3, p->boxlen, err))) goto done;
  v = p->mmax;
  if ((rc = get_num(path, j, "mmax", 1, &v, err)) || (rc = integral(path, "mmax", v, 0, 6, err))) goto done;
  p->mmax = (int)v;
  if ((rc = get_num(path, j, "temperature", 1, &p->temperature, err))) goto done;
  v = (double)p->max_iter;
  if ((rc = get_num(path, j, "maximum_iteration_nbr", 0, &v, err)) ||
      (rc = integral(path, "maximum_iteration_nbr", v, 0, 1e9, err))) goto done;
  p->max_iter = (int64_t)v;
  if ((rc = get_num(path, j, "precision_factor", 0, &p->precision_factor, err))) goto done;
  if ((rc = get_num(path, j, "solute_charges_scale_factor", 0, &p->charge_scale, err))) goto done;
  if ((rc = get_bool(path, j, "hard_sphere_solute", &p->hard_sphere, err))) goto done;
  if ((rc = get_num(path, j, "hard_sphere_solute_radius", 0, &p->hs_radius, err))) goto done;
  if ((rc = get_num(path, j, "lj_cutoff", 0, &p->lj_cutoff, err))) goto done;
  v = p->lbfgs_m;
  if ((rc = get_num(path, j, "lbfgs_memory", 0, &v, err)) || (rc = integral(path, "lbfgs_memory", v, 1, 100, err))) goto done;
  p->lbfgs_m = (int)v;
  const cJSON *sv = cJSON_GetObjectItemCaseSensitive(j, "solvent");
  if (!sv) { rc = mdft_fail(err, MDFT_ERR_INPUT, "%s: missing key \"solvent\"", path); goto done; }
  if (cJSON_IsString(sv)) {
    if ((rc = mdft_solvent_create_model(sv->valuestring, solvent, err))) goto done;
  } else if (cJSON_IsObject(sv)) {
    /* custom solvent: {"n0":..., "mrso":..., "sites":[{"x","y","z","charge","sigma","epsilon"}]} */
    double n0, mrso = 1;
    if ((rc = get_num(path, sv, "n0", 1, &n0, err)) || (rc = get_num(path, sv, "mrso", 0, &mrso, err)) ||
        (rc = integral(path, "solvent.mrso", mrso, 1, 12, err))) goto done;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(sv, "sites");
    int ns = cJSON_IsArray(st) ? cJSON_GetArraySize(st) : 0;
    if (ns < 1 || ns > 64) { rc = mdft_fail(err, MDFT_ERR_INPUT, "%s: \"solvent.sites\" must be an array of 1..64 objects", path); goto done; }
    mdft_site sites[64];
    int i = 0;
    for (const cJSON *e = st->child; e; e = e->next, i++) {
      mdft_site *q = &sites[i];
      memset(q, 0, sizeof *q);
      if ((rc = get_num(path, e, "x", 0, &q->x, err)) || (rc = get_num(path, e, "y", 0, &q->y, err)) ||
          (rc = get_num(path, e, "z", 0, &q->z, err)) || (rc = get_num(path, e, "charge", 0, &q->charge, err)) ||
          (rc = get_num(path, e, "sigma", 1, &q->sigma, err)) || (rc = get_num(path, e, "epsilon", 1, &q->epsilon, err)))
        goto done;
    }
    if ((rc = mdft_solvent_create(ns, sites, (int)mrso, n0, solvent, err))) goto done;
  } else {
    rc = mdft_fail(err, MDFT_ERR_INPUT, "%s: \"solvent\" must be a model name or an object", path);
    goto done;
  }
  const cJSON *cf = cJSON_GetObjectItemCaseSensitive(j, "cq_file");
  if (cf && !cJSON_IsString(cf)) { rc = mdft_fail(err, MDFT_ERR_INPUT, "%s: \"cq_file\" must be a string", path); goto done; }
  if (cq_path) {
    rc = mdft_solvent_load_cq(*solvent, cq_path, err);
    goto done;
  }
  if (!cf) {
    rc = mdft_fail(err, MDFT_ERR_INPUT,
                   "%s: no c(q) file: missing key \"cq_file\" and none given on the command line "
                   "(mdft run ... -luc_file FILE, as Mini_MDFT)", path);
    goto done;
  }
  char full[4096];
  const char *slash = strrchr(path, '/');
  if (cf->valuestring[0] == '/' || !slash) snprintf(full, sizeof full, "%s", cf->valuestring);
  else snprintf(full, sizeof full, "%.*s/%s", (int)(slash - path), path, cf->valuestring);
  rc = mdft_solvent_load_cq(*solvent, full, err);
done:
  if (rc && *solvent) { mdft_solvent_free(*solvent); *solvent = NULL; }
  cJSON_Delete(j);
  return rc;
}

static int load_solute(const char *path, mdft_site **out, int64_t *n, mdft_error *err) {
  cJSON *j;
  int rc = parse(path, &j, err);
  if (rc) return rc;
  double ns = 0;
  mdft_site *s = NULL;
  double *buf = NULL;
  if ((rc = get_num(path, j, "nsite", 1, &ns, err)) || (rc = integral(path, "nsite", ns, 0, 1e7, err))) goto done;
  int64_t k = (int64_t)ns;
  s = calloc((size_t)(k > 0 ? k : 1), sizeof *s);
  buf = malloc(sizeof(double) * (size_t)(k > 0 ? k : 1));
  if (!s || !buf) { rc = mdft_fail(err, MDFT_ERR_NOMEM, "%s", path); goto done; }
  static const char *keys[6] = {"charge", "sigma", "epsilon", "x", "y", "z"};
  for (int f = 0; f < 6 && k > 0; f++) {
    if ((rc = get_arr(path, j, keys[f], k, buf, err))) goto done;
    for (int64_t i = 0; i < k; i++) {
      double *dst = f == 0 ? &s[i].charge : f == 1 ? &s[i].sigma : f == 2 ? &s[i].epsilon
                  : f == 3 ? &s[i].x : f == 4 ? &s[i].y : &s[i].z;
      *dst = buf[i];
    }
  }
  *out = s;
  *n = k;
  s = NULL;
done:
  free(s);
  free(buf);
  cJSON_Delete(j);
  return rc;
}

int mdft_input_load_cq(const char *dft_json, const char *solute_json, const char *cq_file,
                       mdft_params *params, mdft_solvent **solvent, mdft_site **solute, int64_t *nsite,
                       mdft_error *err) {
  *solvent = NULL;
  *solute = NULL;
  *nsite = 0;
  int rc = load_dft(dft_json, cq_file, params, solvent, err);
  if (rc) return rc;
  rc = load_solute(solute_json, solute, nsite, err);
  if (rc) { mdft_solvent_free(*solvent); *solvent = NULL; }
  return rc;
}

int mdft_input_load(const char *dft_json, const char *solute_json, mdft_params *params,
                    mdft_solvent **solvent, mdft_site **solute, int64_t *nsite, mdft_error *err) {
  return mdft_input_load_cq(dft_json, solute_json, NULL, params, solvent, solute, nsite, err);
}
