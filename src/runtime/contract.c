/* Contracts: which arrays, steps and regions leave the rank; and the cut copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

static int entry_int(const cJSON *e, const char *key, int64_t dflt, bool nullable, int64_t *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);
    if (!v || (nullable && cJSON_IsNull(v))) return *out = dflt, 0;
    if (!cJSON_IsNumber(v)) return -1;
    *out = (int64_t)v->valuedouble;
    return 0;
}

int situ_contract_parse(situ_contract *c, const char *json, size_t len, char *err, size_t errlen) {
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *arrays = root ? cJSON_GetObjectItemCaseSensitive(root, "arrays") : NULL;
    if (!cJSON_IsObject(arrays)) {
        snprintf(err, errlen, "contract is not {\"arrays\": {...}}");
        cJSON_Delete(root);
        return SITU_ERR_PROTOCOL;
    }
    int n = cJSON_GetArraySize(arrays);
    situ_contract_entry *es = calloc((size_t)(n ? n : 1), sizeof *es);
    if (!es) {
        cJSON_Delete(root);
        return SITU_ERR_NOMEM;
    }
    int i = 0, rc = SITU_OK;
    const cJSON *a;
    cJSON_ArrayForEach(a, arrays) {
        situ_contract_entry *e = &es[i];
        snprintf(e->name, sizeof e->name, "%s", a->string);
        if (!cJSON_IsObject(a) || entry_int(a, "start", 0, false, &e->start) ||
            entry_int(a, "stop", -1, true, &e->stop) || entry_int(a, "every", 1, false, &e->every) ||
            e->every < 1) {
            snprintf(err, errlen, "contract for array '%s': bad start/stop/every", e->name);
            rc = SITU_ERR_PROTOCOL;
            break;
        }
        const cJSON *reg = cJSON_GetObjectItemCaseSensitive(a, "region");
        if (reg && !cJSON_IsNull(reg)) {
            int nd = cJSON_GetArraySize(reg);
            if (!cJSON_IsArray(reg) || nd < 1 || nd > SITU_MAX_DIMS) {
                snprintf(err, errlen, "contract for array '%s': bad region", e->name);
                rc = SITU_ERR_PROTOCOL;
                break;
            }
            for (int d = 0; d < nd; ++d) {
                const cJSON *r = cJSON_GetArrayItem(reg, d);
                const cJSON *lo = cJSON_GetArrayItem(r, 0), *hi = cJSON_GetArrayItem(r, 1);
                if (!cJSON_IsNumber(lo) || !cJSON_IsNumber(hi) || lo->valuedouble >= hi->valuedouble) {
                    snprintf(err, errlen, "contract for array '%s': bad region dim %d", e->name, d);
                    rc = SITU_ERR_PROTOCOL;
                    break;
                }
                e->lo[d] = (int64_t)lo->valuedouble;
                e->hi[d] = (int64_t)hi->valuedouble;
            }
            e->nregion = nd;
        }
        if (rc) break;
        ++i;
    }
    cJSON_Delete(root);
    if (rc) {
        free(es);
        return rc;
    }
    situ_contract_free(c);
    c->entries = es;
    c->n = n;
    return SITU_OK;
}

void situ_contract_free(situ_contract *c) {
    free(c->entries);
    c->entries = NULL;
    c->n = 0;
}

const situ_contract_entry *situ_contract_find(const situ_contract *c, const char *name) {
    for (int i = 0; i < c->n; ++i)
        if (!strcmp(c->entries[i].name, name)) return &c->entries[i];
    return NULL;
}

bool situ_contract_selects(const situ_contract_entry *e, int64_t step) {
    if (step < e->start || (e->stop >= 0 && step >= e->stop)) return false;
    return (step - e->start) % e->every == 0;
}

bool situ_contract_any(const situ_contract *c, int64_t step) {
    for (int i = 0; i < c->n; ++i)
        if (situ_contract_selects(&c->entries[i], step)) return true;
    return false;
}

bool situ_contract_cut(const situ_contract_entry *e, int ndim, const int64_t *start,
                       const int64_t *count, int64_t *cstart, int64_t *ccount) {
    for (int d = 0; d < ndim; ++d) {
        int64_t lo = start[d], hi = start[d] + count[d];
        if (d < e->nregion) {
            if (e->lo[d] > lo) lo = e->lo[d];
            if (e->hi[d] < hi) hi = e->hi[d];
        }
        if (hi <= lo) return false;
        cstart[d] = lo;
        ccount[d] = hi - lo;
    }
    return true;
}

void situ_copy_cut(void *dst, const void *src, size_t esize, int ndim, const int64_t *start,
                   const int64_t *count, const int64_t *cstart, const int64_t *ccount) {
    /* Copy contiguous runs along the last dimension; iterate the others. */
    size_t run = (size_t)ccount[ndim - 1] * esize;
    int64_t stride[SITU_MAX_DIMS], idx[SITU_MAX_DIMS] = {0}, nrows = 1;
    stride[ndim - 1] = 1;
    for (int d = ndim - 2; d >= 0; --d) stride[d] = stride[d + 1] * count[d + 1];
    for (int d = 0; d < ndim - 1; ++d) nrows *= ccount[d];
    unsigned char *out = dst;
    const unsigned char *in = src;
    for (int64_t r = 0; r < nrows; ++r) {
        int64_t off = cstart[ndim - 1] - start[ndim - 1];
        for (int d = 0; d < ndim - 1; ++d) off += (cstart[d] - start[d] + idx[d]) * stride[d];
        memcpy(out, in + (size_t)off * esize, run);
        out += run;
        for (int d = ndim - 2; d >= 0; --d) {
            if (++idx[d] < ccount[d]) break;
            idx[d] = 0;
        }
    }
}
