#include "storage/epoch_cache.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

static int persist(lode_epoch_cache_t *c)
{
    return lode_checkpoint_write_epochs(c->path, c->entries, c->n);
}

int lode_epoch_cache_open(lode_epoch_cache_t *c, const char *dir)
{
    memset(c, 0, sizeof *c);
    size_t l = strlen(dir) + sizeof "/leader-epoch-checkpoint";
    c->path = lode_xmalloc(l);
    snprintf(c->path, l, "%s/leader-epoch-checkpoint", dir);
    lode_epoch_entry_t *e;
    size_t n;
    int rc = lode_checkpoint_read_epochs(c->path, &e, &n);
    if (rc == 0) {
        c->entries = e;
        c->n = c->cap = n;
    }
    return rc == LODE_ECORRUPT ? 0 : rc;
}

void lode_epoch_cache_free(lode_epoch_cache_t *c)
{
    free(c->entries);
    free(c->path);
    memset(c, 0, sizeof *c);
}

int32_t lode_epoch_cache_latest(const lode_epoch_cache_t *c)
{
    return c->n ? c->entries[c->n - 1].epoch : -1;
}

int32_t lode_epoch_cache_epoch_for(const lode_epoch_cache_t *c, int64_t offset)
{
    int32_t e = -1;
    for (size_t i = 0; i < c->n && c->entries[i].start_offset <= offset; i++)
        e = c->entries[i].epoch;
    return e;
}

int lode_epoch_cache_assign(lode_epoch_cache_t *c, int32_t epoch, int64_t start_offset)
{
    if (epoch < 0 || (c->n && epoch <= c->entries[c->n - 1].epoch))
        return 0;
    while (c->n && c->entries[c->n - 1].start_offset >= start_offset)
        c->n--;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->entries = lode_xrealloc(c->entries, c->cap * sizeof *c->entries);
    }
    c->entries[c->n++] = (lode_epoch_entry_t){epoch, start_offset};
    return persist(c);
}

void lode_epoch_cache_end_offset_for(const lode_epoch_cache_t *c, int32_t requested, int64_t leo,
                                     int32_t *epoch, int64_t *end_offset)
{
    *epoch = -1;
    *end_offset = -1;
    if (c->n == 0)
        return;
    if (requested >= c->entries[c->n - 1].epoch) {
        *epoch = c->entries[c->n - 1].epoch;
        *end_offset = leo;
        return;
    }
    for (size_t i = c->n; i-- > 0;) {
        if (c->entries[i].epoch <= requested) {
            *epoch = c->entries[i].epoch;
            *end_offset = c->entries[i + 1].start_offset;
            return;
        }
    }
}

int lode_epoch_cache_truncate_end(lode_epoch_cache_t *c, int64_t offset)
{
    size_t n = c->n;
    while (c->n && c->entries[c->n - 1].start_offset >= offset)
        c->n--;
    return n != c->n ? persist(c) : 0;
}

int lode_epoch_cache_truncate_start(lode_epoch_cache_t *c, int64_t offset)
{
    size_t drop = 0;
    while (drop + 1 < c->n && c->entries[drop + 1].start_offset <= offset)
        drop++;
    bool changed = drop > 0;
    if (drop) {
        memmove(c->entries, c->entries + drop, (c->n - drop) * sizeof *c->entries);
        c->n -= drop;
    }
    if (c->n && c->entries[0].start_offset < offset) {
        c->entries[0].start_offset = offset;
        changed = true;
    }
    return changed ? persist(c) : 0;
}

int lode_epoch_cache_clear(lode_epoch_cache_t *c)
{
    c->n = 0;
    return persist(c);
}
