/*
 * results.c — JSON-lines benchmark results (see results.h).
 */
#include "results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char line[4096];
static size_t len;
static int active;

static void put(const char *s)
{
    size_t n = strlen(s);
    if (len + n < sizeof line) {
        memcpy(line + len, s, n);
        len += n;
        line[len] = 0;
    }
}

static void put_quoted(const char *s)
{
    char esc[8];
    put("\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\', esc[1] = (char)*p, esc[2] = 0;
            put(esc);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            put(esc);
        } else {
            esc[0] = (char)*p, esc[1] = 0;
            put(esc);
        }
    }
    put("\"");
}

static void put_key(const char *key)
{
    put(",");
    put_quoted(key);
    put(":");
}

void bench_rec_begin(const char *bench, const char *what)
{
    active = getenv("LODE_BENCH_RESULTS") != NULL;
    if (!active)
        return;
    len = 0;
    line[0] = 0;
    put("{\"bench\":");
    put_quoted(bench);
    put_key("what");
    put_quoted(what);
}

void bench_rec_str(const char *key, const char *value)
{
    if (!active)
        return;
    put_key(key);
    put_quoted(value);
}

void bench_rec_num(const char *key, double value)
{
    if (!active)
        return;
    char num[64];
    if (isfinite(value))
        snprintf(num, sizeof num, "%.6g", value);
    else
        snprintf(num, sizeof num, "null");
    put_key(key);
    put(num);
}

void bench_rec_end(void)
{
    if (!active)
        return;
    active = 0;
    const char *path = getenv("LODE_BENCH_RESULTS");
    FILE *f = fopen(path, "a");
    if (!f) {
        perror(path);
        return;
    }
    fprintf(f, "%s}\n", line);
    fclose(f);
}
