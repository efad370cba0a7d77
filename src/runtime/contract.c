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

static int dtype_from_name(const char *s, situ_dtype *out) {
    static const char *names[] = {"f32", "f64", "i32", "i64", "u8"};
    static const situ_dtype types[] = {SITU_F32, SITU_F64, SITU_I32, SITU_I64, SITU_U8};
    for (int i = 0; i < 5; ++i)
        if (!strcmp(s, names[i])) return *out = types[i], 0;
    return -1;
}

static bool has_rank(const cJSON *ranks, int rank) {
    const cJSON *r;
    cJSON_ArrayForEach(r, ranks) if (cJSON_IsNumber(r) && (int)r->valuedouble == rank) return true;
    return false;
}

/* "plans": [{"id", "array", "start", "stop", "every",
 *            "kernels": [{"ranks": [...], "entry", "ir", "outputs": [{"dtype", "count"}]}]}] */
static int parse_plan(situ_plan *p, const cJSON *o, int rank, char *err, size_t errlen) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "array");
    if (!cJSON_IsString(id) || !cJSON_IsString(arr) || strlen(id->valuestring) >= 24 ||
        strlen(arr->valuestring) >= SITU_NAME_MAX - 28) {
        snprintf(err, errlen, "plan without a short string 'id' and 'array'");
        return SITU_ERR_PROTOCOL;
    }
    snprintf(p->id, sizeof p->id, "%s", id->valuestring);
    snprintf(p->array, sizeof p->array, "%s", arr->valuestring);
    p->raw_id = -1;
    if (entry_int(o, "start", 0, false, &p->start) || entry_int(o, "stop", -1, true, &p->stop) ||
        entry_int(o, "every", 1, false, &p->every) || p->every < 1) {
        snprintf(err, errlen, "plan '%s': bad start/stop/every", p->id);
        return SITU_ERR_PROTOCOL;
    }
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(o, "kernels")) {
        if (!has_rank(cJSON_GetObjectItemCaseSensitive(k, "ranks"), rank)) continue;
        const cJSON *ir = cJSON_GetObjectItemCaseSensitive(k, "ir");
        const cJSON *entry = cJSON_GetObjectItemCaseSensitive(k, "entry");
        const cJSON *outs = cJSON_GetObjectItemCaseSensitive(k, "outputs"), *out;
        if (!cJSON_IsString(ir) || !cJSON_IsString(entry) || strlen(entry->valuestring) >= SITU_NAME_MAX ||
            !cJSON_IsArray(outs) || cJSON_GetArraySize(outs) > SITU_PLAN_MAX_OUT) {
            snprintf(err, errlen, "plan '%s': kernel needs 'ir', 'entry' and at most %d 'outputs'", p->id,
                     SITU_PLAN_MAX_OUT);
            return SITU_ERR_PROTOCOL;
        }
        cJSON_ArrayForEach(out, outs) {
            const cJSON *dt = cJSON_GetObjectItemCaseSensitive(out, "dtype");
            situ_plan_output *po = &p->out[p->nout];
            if (!cJSON_IsString(dt) || dtype_from_name(dt->valuestring, &po->dtype) ||
                entry_int(out, "count", -1, false, &po->count) || po->count < 1) {
                snprintf(err, errlen, "plan '%s': output %d needs a dtype and a count >= 1", p->id, p->nout);
                return SITU_ERR_PROTOCOL;
            }
            po->array_id = -1;
            p->nout++;
        }
        snprintf(p->entry, sizeof p->entry, "%s", entry->valuestring);
        p->ir = strdup(ir->valuestring);
        if (!p->ir) return SITU_ERR_NOMEM;
        break;
    }
    return SITU_OK;
}

static void free_plans(situ_plan *plans, int n) {
    for (int i = 0; i < n; ++i) free(plans[i].ir);
    free(plans);
}

int situ_contract_parse(situ_contract *c, const char *json, size_t len, int rank, char *err,
                        size_t errlen) {
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
    const cJSON *plans = cJSON_GetObjectItemCaseSensitive(root, "plans"), *po;
    int np = cJSON_IsArray(plans) ? cJSON_GetArraySize(plans) : 0, j = 0;
    situ_plan *ps = rc ? NULL : calloc((size_t)(np ? np : 1), sizeof *ps);
    if (!rc && !ps) rc = SITU_ERR_NOMEM;
    if (!rc && plans && !cJSON_IsArray(plans)) {
        snprintf(err, errlen, "contract 'plans' is not a list");
        rc = SITU_ERR_PROTOCOL;
    }
    if (!rc) cJSON_ArrayForEach(po, plans) {
        if ((rc = parse_plan(&ps[j++], po, rank, err, errlen))) break;
    }
    cJSON_Delete(root);
    if (rc) {
        free(es);
        if (ps) free_plans(ps, j);
        return rc;
    }
    /* A plan already compiled keeps its kernel (the same IR compiles to the same one). */
    for (int q = 0; q < np; ++q)
        for (int o = 0; o < c->nplans; ++o)
            if (ps[q].ir && c->plans[o].ir && !strcmp(ps[q].ir, c->plans[o].ir) &&
                !strcmp(ps[q].id, c->plans[o].id) && !strcmp(ps[q].array, c->plans[o].array)) {
                ps[q].kernel = c->plans[o].kernel;
                ps[q].failed = c->plans[o].failed;
                ps[q].raw_id = c->plans[o].raw_id;
                ps[q].kernel_cpu_seconds = c->plans[o].kernel_cpu_seconds;
                ps[q].kernel_runs = c->plans[o].kernel_runs;
                for (int k = 0; k < ps[q].nout && k < c->plans[o].nout; ++k)
                    ps[q].out[k].array_id = c->plans[o].out[k].array_id;
            }
    situ_contract_free(c);
    c->entries = es;
    c->n = n;
    c->plans = ps;
    c->nplans = np;
    return SITU_OK;
}

void situ_contract_free(situ_contract *c) {
    free(c->entries);
    c->entries = NULL;
    c->n = 0;
    free_plans(c->plans, c->nplans);
    c->plans = NULL;
    c->nplans = 0;
}

bool situ_plan_selects(const situ_plan *p, int64_t step) {
    if (step < p->start || (p->stop >= 0 && step >= p->stop)) return false;
    return (step - p->start) % p->every == 0;
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
    for (int i = 0; i < c->nplans; ++i)
        if (situ_plan_selects(&c->plans[i], step)) return true;
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
