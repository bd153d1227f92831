/*
 * console_props.c — the console tools' client properties (see console_props.h).
 */
#include "console_props.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

int console_props_load(lode_props_t *p, const char *tool, const char *const *files, size_t nfiles,
                       char *const *props, size_t nprops)
{
    lode_props_init(p);
    char err[512];
    for (size_t f = 0; f < nfiles; f++) {
        if (files[f] && lode_props_load_file(p, files[f], LODE_PROPS_LATIN1, err, sizeof err)) {
            fprintf(stderr, "%s: cannot read %s: %s\n", tool, files[f], err);
            return 1;
        }
    }
    for (size_t i = 0; i < nprops; i++) {
        const char *eq = strchr(props[i], '=');
        size_t klen = eq ? (size_t)(eq - props[i]) : strlen(props[i]);
        if (klen == 0) {
            fprintf(stderr, "%s: invalid property '%s': expected key=value\n", tool, props[i]);
            return 1;
        }
        const char *v = eq ? eq + 1 : "";
        lode_props_set_len(p, props[i], klen, v, strlen(v));
    }
    return 0;
}

char **console_props_kv(const lode_props_t *p, const char *const *skip, size_t *n)
{
    char **kv = lode_xcalloc(lode_props_count(p) + 1, sizeof *kv);
    size_t it = 0;
    const char *k, *v;
    *n = 0;
    while (lode_props_next(p, &it, &k, &v)) {
        bool skipped = false;
        for (size_t i = 0; skip && skip[i]; i++)
            skipped |= strcmp(skip[i], k) == 0;
        if (skipped)
            continue;
        size_t len = strlen(k) + strlen(v) + 2;
        kv[*n] = lode_xmalloc(len);
        snprintf(kv[*n], len, "%s=%s", k, v);
        (*n)++;
    }
    return kv;
}

void console_props_free_kv(char **kv, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(kv[i]);
    free(kv);
}

int console_check_class(const cli_opts_t *o, const char *flag, const char *cls, const char *old_cls)
{
    const char *v = cli_get(o, flag, NULL);
    if (v && strcmp(v, cls) && strcmp(v, old_cls))
        return cli_usage_error(o, "--%s %s is not supported: only %s", flag, v, cls);
    return 0;
}
