/*
 * producer_state.c — idempotent producer bookkeeping (see producer_state.h).
 */
#include "storage/producer_state.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/crc32c.h"
#include "core/err.h"
#include "core/mem.h"
#include "storage/checkpoint.h"

#define SNAPSHOT_VERSION 1
#define SNAPSHOT_ENTRY_BYTES (8 + 2 + 4 + 8 + 4 + 8 + 4 + 8)
#define SNAPSHOT_HEADER_BYTES (2 + 4 + 4)

static void key_of(uint8_t key[8], int64_t pid)
{
    lode_be64_store(key, (uint64_t)pid);
}

void lode_pstate_init(lode_pstate_t *ps)
{
    lode_hmap_init(&ps->producers);
    ps->map_end_offset = 0;
}

void lode_pstate_clear(lode_pstate_t *ps)
{
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&ps->producers, &it)))
        free(e->value);
    lode_hmap_clear(&ps->producers);
    ps->map_end_offset = 0;
}

void lode_pstate_free(lode_pstate_t *ps)
{
    lode_pstate_clear(ps);
    lode_hmap_free(&ps->producers);
}

const lode_producer_entry_t *lode_pstate_get(const lode_pstate_t *ps, int64_t producer_id)
{
    uint8_t key[8];
    key_of(key, producer_id);
    return lode_hmap_get(&ps->producers, key, sizeof key);
}

static bool in_sequence(int32_t last_seq, int32_t next_seq)
{
    return next_seq == (last_seq == INT32_MAX ? 0 : last_seq + 1);
}

int lode_pstate_check(const lode_pstate_t *ps, const lode_producer_append_t *a,
                      lode_producer_batch_t *dup)
{
    const lode_producer_entry_t *e = lode_pstate_get(ps, a->producer_id);
    if (!e)
        return 0; /* unknown producer: any sequence is accepted */
    if (a->epoch < e->epoch)
        return LODE_EFENCED;
    if (a->epoch == e->epoch) {
        for (int i = 0; i < e->nbatches; i++) {
            const lode_producer_batch_t *b = &e->batches[i];
            if (b->first_seq == a->first_seq && b->last_seq == a->last_seq) {
                if (dup)
                    *dup = *b;
                return LODE_EDUPLICATE;
            }
        }
        if (e->nbatches > 0 && !in_sequence(e->batches[e->nbatches - 1].last_seq, a->first_seq))
            return LODE_ESEQUENCE;
        return 0;
    }
    /* A bumped epoch restarts the sequence at 0. */
    return a->first_seq == 0 ? 0 : LODE_ESEQUENCE;
}

void lode_pstate_update(lode_pstate_t *ps, const lode_producer_append_t *a)
{
    uint8_t key[8];
    key_of(key, a->producer_id);
    bool created;
    lode_hmap_entry_t *he = lode_hmap_upsert(&ps->producers, key, sizeof key, &created);
    lode_producer_entry_t *e = he->value;
    if (created) {
        e = lode_xcalloc(1, sizeof *e);
        e->producer_id = a->producer_id;
        e->epoch = a->epoch;
        e->coordinator_epoch = -1;
        e->current_txn_first_offset = -1;
        he->value = e;
    }
    if (a->epoch != e->epoch) {
        e->epoch = a->epoch;
        e->nbatches = 0;
    }
    if (e->nbatches == LODE_PRODUCER_BATCHES_RETAINED) {
        memmove(e->batches, e->batches + 1,
                (LODE_PRODUCER_BATCHES_RETAINED - 1) * sizeof *e->batches);
        e->nbatches--;
    }
    e->batches[e->nbatches++] =
        (lode_producer_batch_t){a->first_seq, a->last_seq, a->last_offset,
                                (int32_t)(a->last_offset - a->first_offset), a->max_timestamp};
    e->last_timestamp = a->max_timestamp;
    if (a->transactional && e->current_txn_first_offset < 0)
        e->current_txn_first_offset = a->first_offset;
    if (a->last_offset + 1 > ps->map_end_offset)
        ps->map_end_offset = a->last_offset + 1;
}

int lode_pstate_expire(lode_pstate_t *ps, int64_t now_ms, int64_t expiration_ms)
{
    int n = 0;
    size_t it = 0;
    lode_hmap_entry_t *he;
    while ((he = lode_hmap_next(&ps->producers, &it))) {
        lode_producer_entry_t *e = he->value;
        if (e->current_txn_first_offset < 0 && now_ms - e->last_timestamp >= expiration_ms) {
            uint8_t key[8];
            key_of(key, e->producer_id);
            lode_hmap_remove(&ps->producers, key, sizeof key, NULL);
            free(e);
            n++;
        }
    }
    return n;
}

static void snapshot_path(char *out, size_t len, const char *dir, int64_t offset)
{
    snprintf(out, len, "%s/%020" PRId64 ".snapshot", dir, offset);
}

int lode_pstate_write_snapshot(const lode_pstate_t *ps, const char *dir, bool durable)
{
    lode_buf_t b = LODE_BUF_INIT;
    lode_buf_put_i16(&b, SNAPSHOT_VERSION);
    lode_buf_put_u32(&b, 0); /* CRC, filled below */
    lode_buf_put_i32(&b, (int32_t)lode_hmap_count(&ps->producers));
    size_t it = 0;
    lode_hmap_entry_t *he;
    while ((he = lode_hmap_next(&ps->producers, &it))) {
        const lode_producer_entry_t *e = he->value;
        const lode_producer_batch_t *last = e->nbatches
                                                ? &e->batches[e->nbatches - 1]
                                                : &(lode_producer_batch_t){-1, -1, -1, 0, -1};
        lode_buf_put_i64(&b, e->producer_id);
        lode_buf_put_i16(&b, e->epoch);
        lode_buf_put_i32(&b, last->last_seq);
        lode_buf_put_i64(&b, last->last_offset);
        lode_buf_put_i32(&b, last->offset_delta);
        lode_buf_put_i64(&b, e->last_timestamp);
        lode_buf_put_i32(&b, e->coordinator_epoch);
        lode_buf_put_i64(&b, e->current_txn_first_offset);
    }
    lode_be32_store(b.data + 2, lode_crc32c(0, b.data + 6, b.len - 6));
    char path[4096];
    snapshot_path(path, sizeof path, dir, ps->map_end_offset);
    int rc = durable ? lode_write_file_atomic(path, b.data, b.len)
                     : lode_write_file_replace(path, b.data, b.len);
    lode_buf_free(&b);
    return rc;
}

int lode_pstate_read_snapshot(lode_pstate_t *ps, const char *path, int64_t offset)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return LODE_ENOTFOUND;
    lode_buf_t b = LODE_BUF_INIT;
    uint8_t chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        lode_buf_put(&b, chunk, n);
    fclose(f);
    int rc = LODE_ECORRUPT;
    lode_reader_t r;
    lode_reader_init(&r, b.data, b.len);
    int16_t version = lode_read_i16(&r);
    uint32_t crc = lode_read_u32(&r);
    int32_t count = lode_read_i32(&r);
    if (r.err || version != SNAPSHOT_VERSION || count < 0 ||
        (size_t)count * SNAPSHOT_ENTRY_BYTES != lode_reader_remaining(&r) ||
        crc != lode_crc32c(0, b.data + 6, b.len - 6))
        goto out;
    lode_pstate_clear(ps);
    for (int32_t i = 0; i < count; i++) {
        lode_producer_entry_t *e = lode_xcalloc(1, sizeof *e);
        e->producer_id = lode_read_i64(&r);
        e->epoch = lode_read_i16(&r);
        int32_t last_seq = lode_read_i32(&r);
        int64_t last_offset = lode_read_i64(&r);
        int32_t delta = lode_read_i32(&r);
        e->last_timestamp = lode_read_i64(&r);
        e->coordinator_epoch = lode_read_i32(&r);
        e->current_txn_first_offset = lode_read_i64(&r);
        if (last_offset >= 0) {
            /* Kafka derives the first sequence from the delta. */
            int64_t first = (int64_t)last_seq - delta;
            if (first < 0)
                first += (int64_t)INT32_MAX + 1;
            e->batches[0] = (lode_producer_batch_t){(int32_t)first, last_seq, last_offset, delta,
                                                    e->last_timestamp};
            e->nbatches = 1;
        }
        uint8_t key[8];
        key_of(key, e->producer_id);
        void *old = NULL;
        lode_hmap_put(&ps->producers, key, sizeof key, e, &old);
        free(old);
    }
    ps->map_end_offset = offset;
    rc = 0;
out:
    lode_buf_free(&b);
    return rc;
}

/* Calls fn for each "<20 digits>.snapshot" in dir. */
static void each_snapshot(const char *dir, void (*fn)(void *arg, const char *name, int64_t off),
                          void *arg)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        if (strlen(n) != 29 || strcmp(n + 20, ".snapshot"))
            continue;
        int64_t v = 0;
        bool ok = true;
        for (int i = 0; i < 20 && ok; i++) {
            ok = n[i] >= '0' && n[i] <= '9';
            v = v * 10 + (n[i] - '0');
        }
        if (ok)
            fn(arg, n, v);
    }
    closedir(d);
}

typedef struct latest_ctx {
    int64_t max, best;
} latest_ctx_t;

static void latest_fn(void *arg, const char *name, int64_t off)
{
    (void)name;
    latest_ctx_t *c = arg;
    if (off <= c->max && off > c->best)
        c->best = off;
}

int64_t lode_pstate_latest_snapshot(const char *dir, int64_t max_offset)
{
    latest_ctx_t c = {max_offset, -1};
    each_snapshot(dir, latest_fn, &c);
    return c.best;
}

typedef struct del_ctx {
    const char *dir;
    int64_t offset;
    bool below;
    int64_t keep;
} del_ctx_t;

static void del_fn(void *arg, const char *name, int64_t off)
{
    del_ctx_t *c = arg;
    bool go = c->below ? off < c->offset && off != c->keep : off > c->offset;
    if (go) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", c->dir, name);
        unlink(path);
    }
}

void lode_pstate_delete_snapshots(const char *dir, int64_t offset, bool below)
{
    del_ctx_t c = {dir, offset, below, -1};
    if (below)
        c.keep = lode_pstate_latest_snapshot(dir, offset);
    each_snapshot(dir, del_fn, &c);
}
