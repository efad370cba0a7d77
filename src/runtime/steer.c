/* Steering values set by the analytics: a small typed table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

const situ_steer_value *situ_steer_find(const situ_steer_table *t, const char *key) {
    for (int i = 0; i < t->n; ++i)
        if (!strcmp(t->v[i].key, key)) return &t->v[i];
    return NULL;
}

int situ_steer_set_json(situ_steer_table *t, const char *key, const void *value) {
    const cJSON *v = value;
    if (strlen(key) >= SITU_NAME_MAX) return SITU_ERR_PROTOCOL;
    situ_steer_value nv = {0};
    snprintf(nv.key, sizeof nv.key, "%s", key);
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        /* JSON has one number type: integral values read as both i64 and f64. */
        nv.kind = (d == floor(d) && fabs(d) < 9.2e18) ? STEER_I64 : STEER_F64;
        nv.f = d;
        nv.i = (int64_t)d;
    } else if (cJSON_IsString(v)) {
        nv.kind = STEER_STR;
        nv.s = strdup(v->valuestring);
        if (!nv.s) return SITU_ERR_NOMEM;
    } else {
        return SITU_ERR_PROTOCOL;
    }
    situ_steer_value *old = (situ_steer_value *)situ_steer_find(t, key);
    if (old) {
        free(old->s);
        *old = nv;
        return SITU_OK;
    }
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 8;
        situ_steer_value *n = realloc(t->v, (size_t)cap * sizeof *n);
        if (!n) {
            free(nv.s);
            return SITU_ERR_NOMEM;
        }
        t->v = n;
        t->cap = cap;
    }
    t->v[t->n++] = nv;
    return SITU_OK;
}

void situ_steer_free(situ_steer_table *t) {
    for (int i = 0; i < t->n; ++i) free(t->v[i].s);
    free(t->v);
    memset(t, 0, sizeof *t);
}
