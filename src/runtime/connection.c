/* The connection file written by `situ run` / situ.serve() (docs/protocol.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

static char *slurp(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open connection file %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1) break;
        char *nb = realloc(buf, cap *= 2);
        if (!nb) free(buf);
        buf = nb;
    }
    fclose(f);
    if (!buf) snprintf(err, errlen, "out of memory reading %s", path);
    else buf[n] = 0;
    return buf;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int situ_connection_read(situ_connection_info *info, const char *path, char *err, size_t errlen) {
    memset(info, 0, sizeof *info);
    char *text = slurp(path, err, errlen);
    if (!text) return SITU_ERR_CONNECT;
    cJSON *root = cJSON_Parse(text);
    free(text);
    int rc = SITU_ERR_CONNECT;
    const cJSON *tok, *workers, *w;
    if (!root) {
        snprintf(err, errlen, "connection file %s is not valid JSON", path);
        return rc;
    }
    tok = cJSON_GetObjectItemCaseSensitive(root, "token");
    if (!cJSON_IsString(tok) || strlen(tok->valuestring) != 32) {
        snprintf(err, errlen, "connection file %s: 'token' must be 32 hex digits", path);
        goto out;
    }
    for (int i = 0; i < 16; ++i) {
        int hi = hexval(tok->valuestring[2 * i]), lo = hexval(tok->valuestring[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            snprintf(err, errlen, "connection file %s: 'token' is not hexadecimal", path);
            goto out;
        }
        info->token[i] = (unsigned char)(hi * 16 + lo);
    }
    memcpy(info->token_hex, tok->valuestring, 33);
    workers = cJSON_GetObjectItemCaseSensitive(root, "workers");
    if (!cJSON_IsArray(workers) || cJSON_GetArraySize(workers) == 0) {
        snprintf(err, errlen, "connection file %s: 'workers' must be a non-empty list", path);
        goto out;
    }
    info->nworkers = cJSON_GetArraySize(workers);
    info->workers = calloc((size_t)info->nworkers, sizeof *info->workers);
    if (!info->workers) {
        rc = SITU_ERR_NOMEM;
        goto out;
    }
    int i = 0;
    cJSON_ArrayForEach(w, workers) {
        situ_endpoint *e = &info->workers[i];
        const cJSON *addr = cJSON_GetObjectItemCaseSensitive(w, "address");
        const cJSON *port = cJSON_GetObjectItemCaseSensitive(w, "port");
        const cJSON *host = cJSON_GetObjectItemCaseSensitive(w, "host");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(w, "name");
        if (!cJSON_IsString(addr) || !cJSON_IsNumber(port) || port->valueint <= 0 ||
            port->valueint > 65535) {
            snprintf(err, errlen, "connection file %s: worker %d needs 'address' and 'port'", path, i);
            goto out;
        }
        snprintf(e->address, sizeof e->address, "%s", addr->valuestring);
        e->port = port->valueint;
        snprintf(e->host, sizeof e->host, "%s", cJSON_IsString(host) ? host->valuestring : "");
        snprintf(e->name, sizeof e->name, "%s", cJSON_IsString(name) ? name->valuestring : e->address);
        e->shm = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(w, "shm"));
        ++i;
    }
    rc = SITU_OK;
out:
    cJSON_Delete(root);
    if (rc) situ_connection_free(info);
    return rc;
}

void situ_connection_free(situ_connection_info *info) {
    free(info->workers);
    memset(info, 0, sizeof *info);
}

void situ_connection_order(const situ_connection_info *info, const char *host, int rank,
                           int local_rank, bool round_robin, int *order) {
    int n = info->nworkers, k = 0, nlocal = 0;
    if (!round_robin)
        for (int i = 0; i < n; ++i) nlocal += !strcmp(info->workers[i].host, host);
    if (nlocal) {
        /* same-host workers first (in situ), starting at local_rank % nlocal */
        int local[n], m = 0;
        for (int i = 0; i < n; ++i)
            if (!strcmp(info->workers[i].host, host)) local[m++] = i;
        for (int j = 0; j < m; ++j) order[k++] = local[(local_rank + j) % m];
        for (int j = 0; j < n; ++j) {
            int i = (rank + j) % n;
            if (strcmp(info->workers[i].host, host)) order[k++] = i;
        }
    } else {
        for (int j = 0; j < n; ++j) order[k++] = (rank + j) % n;
    }
}
