/* The direct-correlation-function projection file (format read by Mini_MDFT):
 *   10 free header lines; 1 label line; five lines "m ...", "n ...", "mu ...",
 *   "nu ...", "khi ..." giving the indices of the np columns; 1 label line;
 *   then one line per q: "q v_1 ... v_np", each v real or "(re,im)". */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

void mdft_cq_free(mdft_cq *c) {
  free(c->idx);
  free(c->c);
  c->idx = NULL;
  c->c = NULL;
  c->ne = c->nq = 0;
}

static char *read_line(FILE *f, char **buf, size_t *cap) {
  size_t len = 0;
  int ch;
  while ((ch = fgetc(f)) != EOF) {
    if (len + 2 > *cap) {
      size_t nc = *cap ? 2 * *cap : 256;
      char *nb = realloc(*buf, nc);
      if (!nb) return NULL;
      *buf = nb;
      *cap = nc;
    }
    if (ch == '\n') break;
    (*buf)[len++] = (char)ch;
  }
  if (ch == EOF && len == 0) return NULL;
  (*buf)[len] = 0;
  return *buf;
}

static int parse_value(char **s, double complex *v) {
  char *p = *s, *end;
  while (*p == ' ' || *p == '\t' || *p == '\r') p++;
  if (*p == '(') {
    double re = strtod(p + 1, &end);
    if (end == p + 1 || *end != ',') return -1;
    p = end + 1;
    double im = strtod(p, &end);
    if (end == p || *end != ')') return -1;
    *v = re + I * im;
    *s = end + 1;
    return 0;
  }
  *v = strtod(p, &end);
  if (end == p) return -1;
  *s = end;
  return 0;
}

int mdft_cq_read(mdft_cq *c, const char *path, mdft_error *err) {
  memset(c, 0, sizeof *c);
  FILE *f = fopen(path, "r");
  if (!f) return mdft_fail(err, MDFT_ERR_IO, "%s: %s", path, strerror(errno));
  char *buf = NULL;
  size_t cap = 0;
  int rc = MDFT_OK;
  int64_t line = 0, cap_q = 0;
  double complex *vals = NULL;
  static const char *labels[5] = {"m", "n", "mu", "nu", "khi"};
  for (; line < 11; line++)
    if (!read_line(f, &buf, &cap)) {
      rc = mdft_fail(err, MDFT_ERR_PARSE, "%s:%lld: file ends inside the header", path,
                     (long long)line + 1);
      goto done;
    }
  for (int l = 0; l < 5; l++) {
    line++;
    if (!read_line(f, &buf, &cap)) {
      rc = mdft_fail(err, MDFT_ERR_PARSE, "%s:%lld: missing index line '%s'", path,
                     (long long)line, labels[l]);
      goto done;
    }
    char *p = buf, *end;
    while (*p == ' ' || *p == '\t' || *p == '#') p++;
    size_t ll = strlen(labels[l]);
    if (strncmp(p, labels[l], ll) != 0 || (p[ll] != ' ' && p[ll] != '\t')) {
      rc = mdft_fail(err, MDFT_ERR_PARSE, "%s:%lld: expected index line '%s ...'", path,
                     (long long)line, labels[l]);
      goto done;
    }
    p += ll;
    int64_t k = 0;
    for (;;) {
      long v = strtol(p, &end, 10);
      if (end == p) break;
      p = end;
      if (l == 0) {
        int *ni = realloc(c->idx, sizeof(int) * 5 * (size_t)(k + 1));
        if (!ni) { rc = mdft_fail(err, MDFT_ERR_NOMEM, "%s", path); goto done; }
        c->idx = ni;
      } else if (k >= c->ne) {
        rc = mdft_fail(err, MDFT_ERR_PARSE, "%s:%lld: more '%s' indices than 'm' indices",
                       path, (long long)line, labels[l]);
        goto done;
      }
      c->idx[5 * k + l] = (int)v;
      k++;
    }
    while (*p == ' ' || *p == '\t' || *p == '\r') p++;
    if (*p) {
      rc = mdft_fail(err, MDFT_ERR_PARSE, "%s:%lld: bad index '%s'", path, (long long)line, p);
      goto done;
    }
    if (l == 0) c->ne = k;
    if (k == 0 || k != c->ne) {
      rc = mdft_fail(err, MDFT_ERR_PARSE, "%s:%lld: %lld '%s' indices, expected %lld", path,
                     (long long)line, (long long)k, labels[l], (long long)c->ne);
      goto done;
    }
  }
  line++;
  if (!read_line(f, &buf, &cap)) {
    rc = mdft_fail(err, MDFT_ERR_PARSE, "%s:%lld: no data after the index lines", path,
                   (long long)line);
    goto done;
  }
  double q0 = 0, q1 = 0;
  while (read_line(f, &buf, &cap)) {
    line++;
    char *p = buf;
    while (*p == ' ' || *p == '\t' || *p == '\r') p++;
    if (!*p) continue;
    if (c->nq == cap_q) {
      cap_q = cap_q ? 2 * cap_q : 256;
      double complex *nv = realloc(vals, sizeof(double complex) * (size_t)(cap_q * c->ne));
      if (!nv) { rc = mdft_fail(err, MDFT_ERR_NOMEM, "%s", path); goto done; }
      vals = nv;
    }
    double complex qc;
    if (parse_value(&p, &qc)) {
      rc = mdft_fail(err, MDFT_ERR_PARSE, "%s:%lld: bad q value", path, (long long)line);
      goto done;
    }
    double q = creal(qc);
    for (int64_t e = 0; e < c->ne; e++)
      if (parse_value(&p, &vals[c->nq * c->ne + e])) {
        rc = mdft_fail(err, MDFT_ERR_PARSE, "%s:%lld: bad or missing value in column %lld", path,
                       (long long)line, (long long)e + 2);
        goto done;
      }
    if (c->nq == 0) q0 = q;
    if (c->nq == 1) q1 = q;
    if (c->nq >= 1) {
      double dq = q1 - q0, expect = q0 + (double)c->nq * dq;
      if (!(dq > 0) || fabs(q - expect) > 1e-6 * (fabs(expect) + dq)) {
        rc = mdft_fail(err, MDFT_ERR_PARSE, "%s:%lld: q grid is not uniform", path,
                       (long long)line);
        goto done;
      }
    }
    c->nq++;
  }
  if (c->nq < 2) {
    rc = mdft_fail(err, MDFT_ERR_PARSE, "%s: fewer than two q lines", path);
    goto done;
  }
  /* Tables start at q = 0 (iq*dq); a table starting at dq is extended by its first row. */
  c->dq = q1 - q0;
  int64_t shift = (int64_t)(q0 / c->dq + 0.5);
  if (fabs(q0 - (double)shift * c->dq) > 1e-6 * c->dq || shift > 1) {
    rc = mdft_fail(err, MDFT_ERR_PARSE, "%s: first q = %g must be 0 or dq", path, q0);
    goto done;
  }
  c->c = malloc(sizeof(double complex) * (size_t)(c->ne * (c->nq + shift)));
  if (!c->c) { rc = mdft_fail(err, MDFT_ERR_NOMEM, "%s", path); goto done; }
  for (int64_t e = 0; e < c->ne; e++)
    for (int64_t iq = 0; iq < c->nq + shift; iq++) {
      int64_t src = iq - shift < 0 ? 0 : iq - shift;
      c->c[e * (c->nq + shift) + iq] = vals[src * c->ne + e];
    }
  c->nq += shift;
done:
  free(vals);
  free(buf);
  fclose(f);
  if (rc) mdft_cq_free(c);
  return rc;
}

int mdft_write_cq_isotropic(const char *path, int64_t nq, double dq, const double *cq,
                            const char *comment, mdft_error *err) {
  FILE *f = fopen(path, "w");
  if (!f) return mdft_fail(err, MDFT_ERR_IO, "%s: %s", path, strerror(errno));
  fprintf(f, "# direct correlation function projections c^{mn}_{mu nu khi}(q)\n");
  fprintf(f, "# %s\n", comment ? comment : "");
  fprintf(f, "# written by mdft (situ); q in 1/Angstrom, c in Angstrom^3\n");
  for (int i = 3; i < 10; i++) fprintf(f, "#\n");
  fprintf(f, "# projection indices\n");
  fprintf(f, "m 0\nn 0\nmu 0\nnu 0\nkhi 0\n");
  fprintf(f, "# q c\n");
  for (int64_t i = 0; i < nq; i++) fprintf(f, "%.10e (%.15e,0.0)\n", (double)i * dq, cq[i]);
  if (fclose(f) != 0) return mdft_fail(err, MDFT_ERR_IO, "%s: write failed", path);
  return MDFT_OK;
}
