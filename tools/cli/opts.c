/*
 * opts.c — jopt-simple-like flag parsing for the Kafka tools (see opts.h).
 */
#include "opts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static size_t ndefs(const cli_optdef_t *defs)
{
    size_t n = 0;
    while (defs[n].name)
        n++;
    return n;
}

/* The def named exactly, or the only one the name is a prefix of. *ambiguous is set when the
 * name is a prefix of several. */
static ssize_t find_def(const cli_opts_t *o, const char *name, size_t len, bool *ambiguous)
{
    ssize_t hit = -1;
    size_t hits = 0;
    *ambiguous = false;
    for (size_t i = 0; i < o->ndefs; i++) {
        const char *d = o->tool->defs[i].name;
        if (strncmp(d, name, len) != 0)
            continue;
        if (d[len] == '\0')
            return (ssize_t)i;
        hit = (ssize_t)i;
        hits++;
    }
    if (hits > 1) {
        *ambiguous = true;
        return -1;
    }
    return hit;
}

static void add_value(cli_opts_t *o, size_t i, char *v)
{
    o->values[i] = lode_xrealloc(o->values[i], (o->count[i] + 1) * sizeof *o->values[i]);
    o->values[i][o->count[i]++] = v;
}

int cli_opts_parse(cli_opts_t *o, const cli_tool_t *tool, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->tool = tool;
    o->ndefs = ndefs(tool->defs);
    o->count = lode_xcalloc(o->ndefs + 1, sizeof *o->count);
    o->values = lode_xcalloc(o->ndefs + 1, sizeof *o->values);
    o->positional = lode_xcalloc((size_t)argc + 1, sizeof *o->positional);
    for (int a = 1; a < argc; a++) {
        char *arg = argv[a];
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            o->positional[o->npositional++] = arg;
            continue;
        }
        const char *name = arg + 2;
        char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        bool ambiguous;
        ssize_t i = find_def(o, name, len, &ambiguous);
        if (i < 0 && len == 4 && strncmp(name, "help", 4) == 0) {
            cli_usage(stdout, tool);
            cli_opts_free(o);
            return 2;
        }
        if (i < 0) {
            int rc = cli_usage_error(o,
                                     ambiguous ? "%.*s is not a unique option prefix"
                                               : "%.*s is not a recognized option",
                                     (int)len, name);
            cli_opts_free(o);
            return rc;
        }
        const cli_optdef_t *d = &tool->defs[i];
        if (d->arg == CLI_FLAG) {
            if (eq) {
                int rc = cli_usage_error(o, "Option %s does not take an argument", d->name);
                cli_opts_free(o);
                return rc;
            }
            add_value(o, (size_t)i, NULL);
            continue;
        }
        char *v = eq ? eq + 1 : NULL;
        if (!v) {
            if (a + 1 >= argc) {
                int rc = cli_usage_error(o, "Option %s requires an argument", d->name);
                cli_opts_free(o);
                return rc;
            }
            v = argv[++a];
        }
        add_value(o, (size_t)i, v);
    }
    return 0;
}

void cli_opts_free(cli_opts_t *o)
{
    if (!o->count)
        return;
    for (size_t i = 0; i < o->ndefs; i++)
        free(o->values[i]);
    free(o->values);
    free(o->count);
    free(o->positional);
    memset(o, 0, sizeof *o);
}

static ssize_t def_index(const cli_opts_t *o, const char *name)
{
    for (size_t i = 0; i < o->ndefs; i++)
        if (strcmp(o->tool->defs[i].name, name) == 0)
            return (ssize_t)i;
    /* a tool asking for an option it did not declare is a programming error */
    fprintf(stderr, "%s: internal error: undeclared option --%s\n", o->tool->name, name);
    abort();
}

bool cli_has(const cli_opts_t *o, const char *name)
{
    return o->count[def_index(o, name)] > 0;
}

const char *cli_get(const cli_opts_t *o, const char *name, const char *dflt)
{
    size_t i = (size_t)def_index(o, name);
    if (o->count[i] == 0 || !o->values[i][o->count[i] - 1])
        return dflt;
    return o->values[i][o->count[i] - 1];
}

char *const *cli_list(const cli_opts_t *o, const char *name, size_t *n)
{
    size_t i = (size_t)def_index(o, name);
    *n = o->count[i];
    return o->values[i];
}

void cli_usage(FILE *out, const cli_tool_t *tool)
{
    fprintf(out, "%s\n", tool->synopsis);
    fprintf(out, "Option                                   Description\n"
                 "------                                   -----------\n");
    for (const cli_optdef_t *d = tool->defs; d->name; d++) {
        char left[160];
        if (d->arg == CLI_FLAG)
            snprintf(left, sizeof left, "--%s", d->name);
        else
            snprintf(left, sizeof left, "--%s <%s>", d->name, d->argname ? d->argname : "String");
        if (strlen(left) < 41)
            fprintf(out, "%-41s%s\n", left, d->help ? d->help : "");
        else
            fprintf(out, "%s\n%-41s%s\n", left, "", d->help ? d->help : "");
    }
    fprintf(out, "%-41s%s\n", "--help", "Print usage information.");
}

int cli_usage_error(const cli_opts_t *o, const char *fmt, ...)
{
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    cli_usage(stderr, o->tool);
    return 1;
}

int cli_one_action(const cli_opts_t *o, const char *const *names, size_t n)
{
    int found = -1, count = 0;
    for (size_t i = 0; i < n; i++)
        if (cli_has(o, names[i])) {
            found = (int)i;
            count++;
        }
    if (count == 1)
        return found;
    char list[512];
    size_t off = 0;
    for (size_t i = 0; i < n && off < sizeof list; i++)
        off += (size_t)snprintf(list + off, sizeof list - off, "%s--%s", i ? ", " : "", names[i]);
    cli_usage_error(o, "Command must include exactly one action: %s", list);
    return -1;
}

bool cli_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool cli_parse_i32(const char *s, int32_t *out)
{
    int64_t v;
    if (!cli_parse_i64(s, &v) || v < INT32_MIN || v > INT32_MAX)
        return false;
    *out = (int32_t)v;
    return true;
}
