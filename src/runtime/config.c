/* The YAML configuration: a flat mapping of known keys (docs/runtime.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "internal.h"

static void defaults(situ_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->connect_timeout = 10;
    cfg->finalize_timeout = 30;
    cfg->staging_bytes = (size_t)64 << 20;
    cfg->policy = POLICY_BLOCK;
    const char *conn = getenv("SITU_CONNECTION");
    if (conn) snprintf(cfg->connection, sizeof cfg->connection, "%s", conn);
}

static int parse_bool(const char *v, bool *out) {
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on")) return *out = true, 0;
    if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off")) return *out = false, 0;
    return -1;
}

static int parse_seconds(const char *v, double *out) {
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || d < 0) return -1;
    *out = d;
    return 0;
}

static int parse_size(const char *v, size_t *out) {
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || d <= 0) return -1;
    while (*end == ' ') ++end;
    double mult = 1;
    if (!*end || !strcasecmp(end, "B")) mult = 1;
    else if (!strcasecmp(end, "KiB") || !strcasecmp(end, "K")) mult = 1024.0;
    else if (!strcasecmp(end, "MiB") || !strcasecmp(end, "M")) mult = 1048576.0;
    else if (!strcasecmp(end, "GiB") || !strcasecmp(end, "G")) mult = 1073741824.0;
    else return -1;
    *out = (size_t)(d * mult);
    return *out ? 0 : -1;
}

static int set_key(situ_config *cfg, const char *k, const char *v, int line, char *err, size_t errlen) {
    int bad = 0;
    if (!strcmp(k, "connection")) snprintf(cfg->connection, sizeof cfg->connection, "%s", v);
    else if (!strcmp(k, "wait_for_analytics")) bad = parse_bool(v, &cfg->wait_for_analytics);
    else if (!strcmp(k, "connect_timeout")) bad = parse_seconds(v, &cfg->connect_timeout);
    else if (!strcmp(k, "finalize_timeout")) bad = parse_seconds(v, &cfg->finalize_timeout);
    else if (!strcmp(k, "staging_bytes")) bad = parse_size(v, &cfg->staging_bytes);
    else if (!strcmp(k, "policy")) {
        if (!strcmp(v, "block")) cfg->policy = POLICY_BLOCK;
        else if (!strcmp(v, "drop_oldest")) cfg->policy = POLICY_DROP_OLDEST;
        else bad = 1;
    } else if (!strcmp(k, "transport")) {
        if (!strcmp(v, "auto")) cfg->force_tcp = false;
        else if (!strcmp(v, "tcp")) cfg->force_tcp = true;
        else bad = 1;
    } else if (!strcmp(k, "assignment")) {
        if (!strcmp(v, "host")) cfg->round_robin = false;
        else if (!strcmp(v, "round_robin")) cfg->round_robin = true;
        else bad = 1;
    } else if (!strcmp(k, "kokkos_library")) {
        snprintf(cfg->kokkos_library, sizeof cfg->kokkos_library, "%s", v);
    } else if (!strcmp(k, "report")) {
        snprintf(cfg->report, sizeof cfg->report, "%s", strcmp(v, "none") ? v : "");
    } else {
        snprintf(err, errlen,
                 "line %d: unknown key '%s' (known: connection, wait_for_analytics, connect_timeout, "
                 "staging_bytes, policy, transport, assignment, finalize_timeout, report, kokkos_library)",
                 line, k);
        return SITU_ERR_CONFIG;
    }
    if (bad) {
        snprintf(err, errlen, "line %d: bad value '%s' for key '%s'", line, v, k);
        return SITU_ERR_CONFIG;
    }
    return SITU_OK;
}

int situ_config_load(situ_config *cfg, const char *path, char *err, size_t errlen) {
    defaults(cfg);
    if (!path) path = getenv("SITU_CONFIG");
    if (!path || !*path) return SITU_OK;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open config %s: %s", path, strerror(errno));
        return SITU_ERR_CONFIG;
    }
    yaml_parser_t p;
    yaml_event_t ev;
    if (!yaml_parser_initialize(&p)) {
        fclose(f);
        snprintf(err, errlen, "cannot initialise the YAML parser");
        return SITU_ERR_NOMEM;
    }
    yaml_parser_set_input_file(&p, f);
    int rc = SITU_OK, depth = 0;
    char key[128] = "";
    bool have_key = false, done = false;
    while (!done && rc == SITU_OK) {
        if (!yaml_parser_parse(&p, &ev)) {
            int n = snprintf(err, errlen, "%s: malformed YAML at line %zu, column %zu: %s", path,
                             p.problem_mark.line + 1, p.problem_mark.column + 1,
                             p.problem ? p.problem : "parse error");
            if (p.context && n > 0 && (size_t)n < errlen)
                snprintf(err + n, errlen - (size_t)n, " (%s at line %zu)", p.context,
                         p.context_mark.line + 1);
            rc = SITU_ERR_CONFIG;
            break;
        }
        int line = (int)ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_MAPPING_START_EVENT:
            if (++depth > 1) {
                snprintf(err, errlen, "%s: line %d: key '%s' must have a plain value, not a mapping",
                         path, line, key);
                rc = SITU_ERR_CONFIG;
            }
            break;
        case YAML_MAPPING_END_EVENT: --depth; break;
        case YAML_SEQUENCE_START_EVENT:
            snprintf(err, errlen, "%s: line %d: %s must be a plain value, not a list", path, line,
                     have_key ? key : "the config");
            rc = SITU_ERR_CONFIG;
            break;
        case YAML_SCALAR_EVENT: {
            const char *v = (const char *)ev.data.scalar.value;
            if (depth == 0) {
                if (*v) {
                    snprintf(err, errlen, "%s: line %d: the config must be a mapping of keys to values",
                             path, line);
                    rc = SITU_ERR_CONFIG;
                }
            } else if (!have_key) {
                snprintf(key, sizeof key, "%s", v);
                have_key = true;
            } else {
                char msg[768];
                rc = set_key(cfg, key, v, line, msg, sizeof msg);
                if (rc) snprintf(err, errlen, "%s: %s", path, msg);
                have_key = false;
            }
            break;
        }
        default: break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    fclose(f);
    return rc;
}
