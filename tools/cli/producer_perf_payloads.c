/*
 * producer_perf_payloads.c — what the producer perf test sends (see
 * producer_perf_payloads.h).
 */
#include "producer_perf_payloads.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t next_random(uint64_t *s)
{
    /* xorshift64*: fast, and the payloads only need to vary */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

/* Kafka regenerates record-size bytes of 'A'..'Z' per record; a slice of a 1 MiB pool of
 * such letters at a random offset varies as much, without a random draw per byte. */
void perf_payloads_random(perf_payloads_t *pl, int record_size)
{
    pl->record_size = record_size;
    pl->pool_len = (size_t)record_size + (1u << 20);
    pl->pool = malloc(pl->pool_len);
    for (size_t i = 0; i < pl->pool_len; i++)
        pl->pool[i] = (char)('A' + next_random(&pl->rng) % 26);
}

/* Splits the file's text at every match of the delimiter (a regular expression, as Java's
 * String.split), dropping trailing empty pieces as Java does. Returns 0 or 1 after printing. */
static int split(perf_payloads_t *pl, size_t len, const char *delim)
{
    regex_t re;
    int rc = regcomp(&re, delim, REG_EXTENDED);
    if (rc) {
        char msg[256];
        regerror(rc, &re, msg, sizeof msg);
        fprintf(stderr, "%s: invalid --payload-delimiter '%s': %s\n", "producer-perf-test", delim,
                msg);
        return 1;
    }
    size_t cap = 16;
    pl->items = malloc(cap * sizeof *pl->items);
    pl->lens = malloc(cap * sizeof *pl->lens);
    size_t piece = 0, from = 0;
    for (;;) {
        regmatch_t m;
        bool hit = from <= len && regexec(&re, pl->file + from, 1, &m, from ? REG_NOTBOL : 0) == 0;
        size_t ms = hit ? from + (size_t)m.rm_so : len, me = hit ? from + (size_t)m.rm_eo : len;
        if (hit && me == ms && ms == piece) { /* an empty match where a piece starts: skip on */
            if (ms >= len)
                hit = false, ms = me = len;
            else {
                from = ms + 1;
                continue;
            }
        }
        if (pl->count == cap) {
            cap *= 2;
            pl->items = realloc(pl->items, cap * sizeof *pl->items);
            pl->lens = realloc(pl->lens, cap * sizeof *pl->lens);
        }
        pl->items[pl->count] = pl->file + piece;
        pl->lens[pl->count++] = ms - piece;
        if (!hit)
            break;
        piece = from = me;
    }
    regfree(&re);
    while (pl->count > 0 && pl->lens[pl->count - 1] == 0)
        pl->count--;
    return 0;
}

int perf_payloads_file(perf_payloads_t *pl, const char *path, const char *delim)
{
    char *abs = realpath(path, NULL);
    if (abs || path[0] == '/') {
        printf("Reading payloads from: %s\n", abs ? abs : path);
    } else {
        char cwd[4096];
        printf("Reading payloads from: %s/%s\n", getcwd(cwd, sizeof cwd) ? cwd : ".", path);
    }
    free(abs);
    FILE *f = fopen(path, "rb");
    long len = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (len <= 0) {
        if (f)
            fclose(f);
        fprintf(stderr, "File does not exist or empty file provided.\n");
        return 1;
    }
    rewind(f);
    pl->file = malloc((size_t)len + 1);
    size_t got = fread(pl->file, 1, (size_t)len, f);
    fclose(f);
    pl->file[got] = '\0';
    if (strcmp(delim, "\\n") == 0) /* Kafka's default is shown as \n and means a newline */
        delim = "\n";
    if (split(pl, got, delim) != 0)
        return 1;
    printf("Number of messages read: %zu\n", pl->count);
    fflush(stdout);
    return 0;
}

void perf_payloads_free(perf_payloads_t *pl)
{
    free(pl->pool);
    free(pl->file);
    free(pl->items);
    free(pl->lens);
}

/* The payload of record i: a pointer into the pool, the file or buf (monotonic). */
const char *perf_payload_next(perf_payloads_t *pl, int64_t i, char *buf, size_t *len)
{
    if (pl->count) {
        size_t k = next_random(&pl->rng) % pl->count;
        *len = pl->lens[k];
        return pl->items[k];
    }
    if (pl->monotonic) {
        *len = (size_t)snprintf(buf, 24, "%lld", (long long)i);
        return buf;
    }
    *len = (size_t)pl->record_size;
    return pl->pool + next_random(&pl->rng) % (pl->pool_len - (size_t)pl->record_size);
}
