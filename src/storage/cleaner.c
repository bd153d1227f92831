/*
 * cleaner.c — log compaction (see cleaner.h for the algorithm).
 */
#include "storage/cleaner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/hash.h"
#include "core/mem.h"
#include "proto/compress.h"
#include "proto/record_batch.h"
#include "storage/checkpoint.h"
#include "storage/log_int.h"

/* ---- offset map: key digest → latest offset ---------------------------- */

typedef struct slot {
    uint64_t h1, h2; /* 128-bit key digest; (0, 0) marks an empty slot */
    int64_t offset;
} slot_t;

typedef struct offset_map {
    slot_t *slots;
    size_t cap; /* power of two */
    size_t count;
    size_t max_count; /* 90% of cap (Kafka's dedupe load factor) */
} offset_map_t;

#define SEED1 0x6c6f64652d6b6579ull
#define SEED2 0x636c65616e657221ull

static int map_init(offset_map_t *m, size_t bytes)
{
    size_t want = bytes / sizeof(slot_t);
    size_t cap = 1;
    while (cap * 2 <= want)
        cap *= 2;
    if (cap < 16)
        return LODE_EINVAL;
    m->slots = lode_xcalloc(cap, sizeof(slot_t));
    m->cap = cap;
    m->count = 0;
    m->max_count = cap / 10 * 9;
    return 0;
}

static slot_t *map_find(offset_map_t *m, const void *key, size_t len, uint64_t *h1, uint64_t *h2)
{
    *h1 = lode_hash64(key, len, SEED1);
    *h2 = lode_hash64(key, len, SEED2);
    if (*h1 == 0 && *h2 == 0)
        *h2 = 1;
    size_t i = (size_t)*h1 & (m->cap - 1);
    for (;;) {
        slot_t *s = &m->slots[i];
        if ((s->h1 == 0 && s->h2 == 0) || (s->h1 == *h1 && s->h2 == *h2))
            return s;
        i = (i + 1) & (m->cap - 1);
    }
}

/* Records key at offset; false when the map is full (nothing stored). */
static bool map_put(offset_map_t *m, const void *key, size_t len, int64_t offset)
{
    uint64_t h1, h2;
    slot_t *s = map_find(m, key, len, &h1, &h2);
    if (s->h1 == 0 && s->h2 == 0) {
        if (m->count >= m->max_count)
            return false;
        s->h1 = h1;
        s->h2 = h2;
        m->count++;
    }
    s->offset = offset;
    return true;
}

static int64_t map_get(offset_map_t *m, const void *key, size_t len)
{
    uint64_t h1, h2;
    slot_t *s = map_find(m, key, len, &h1, &h2);
    return s->h1 == 0 && s->h2 == 0 ? -1 : s->offset;
}

/* ---- reading segments -------------------------------------------------- */

typedef struct reader_ctx {
    lode_buf_t batch;   /* the current batch's bytes */
    lode_buf_t scratch; /* its decompressed records */
    lode_codec_ctx_t *codec;
} reader_ctx_t;

/* Reads the batch at pos into ctx->batch and parses it. */
static int read_batch(reader_ctx_t *c, lode_segment_t *seg, uint32_t pos, uint32_t limit,
                      lode_seg_batch_t *sb, lode_batch_hdr_t *h)
{
    int rc = lode_segment_batch_at(seg, pos, limit, sb);
    if (rc)
        return rc;
    lode_buf_reset(&c->batch);
    uint8_t *p = lode_buf_extend(&c->batch, sb->total_bytes);
    size_t got = 0;
    while (got < sb->total_bytes) {
        ssize_t n = pread(seg->log_fd, p + got, sb->total_bytes - got, (off_t)(pos + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return LODE_EIO;
        got += (size_t)n;
    }
    return lode_batch_parse_header(p, sb->total_bytes, h);
}

/* Fills the map from the dirty segments; returns the end actually mapped. */
static int build_map(reader_ctx_t *c, offset_map_t *m, lode_segment_t **segs, int nsegs,
                     int64_t first_dirty, int64_t end, int64_t *mapped_end, lode_clean_stats_t *st)
{
    *mapped_end = first_dirty;
    for (int i = 0; i < nsegs; i++) {
        lode_segment_t *seg = segs[i];
        int64_t seg_end = i + 1 < nsegs ? segs[i + 1]->base_offset : end;
        if (seg_end <= first_dirty)
            continue;
        if (seg->base_offset >= end)
            break;
        uint32_t limit = lode_segment_size(seg), pos = 0;
        lode_seg_batch_t sb;
        lode_batch_hdr_t h;
        int rc;
        bool full = false;
        while ((rc = read_batch(c, seg, pos, limit, &sb, &h)) == 0) {
            pos += sb.total_bytes;
            if (sb.last_offset < first_dirty || lode_batch_is_control(&h))
                continue;
            if (sb.base_offset >= end)
                break;
            const uint8_t *recs;
            size_t nrec;
            rc = lode_batch_records(&h, c->codec, LODE_BATCH_MAX_UNCOMPRESSED_DEFAULT, &c->scratch,
                                    &recs, &nrec);
            if (rc)
                return rc;
            lode_record_iter_t it;
            lode_record_t r;
            lode_record_iter_init(&it, &h, recs, nrec);
            while (lode_record_iter_next(&it, &r)) {
                if (r.offset < first_dirty || r.key_len < 0)
                    continue;
                if (!map_put(m, r.key, (size_t)r.key_len, r.offset)) {
                    full = true;
                    break;
                }
            }
            if (full)
                break;
            if (it.err)
                return LODE_ECORRUPT;
        }
        if (rc && rc != LODE_ENOTFOUND)
            return rc;
        if (full) {
            /* Only whole segments count as mapped. The keys this segment put
             * in the map point at offsets >= the new end; they are harmless
             * there (they only make the clean section keep newer data, which
             * it does not contain). */
            return *mapped_end > first_dirty ? 0 : LODE_ETOOBIG;
        }
        *mapped_end = seg_end < end ? seg_end : end;
        st->bytes_read += limit;
    }
    *mapped_end = end;
    return 0;
}

/* ---- rewriting --------------------------------------------------------- */

/* Writes one retained batch (or the empty remainder of a producer's last
 * batch) into the cleaned segment. */
static int emit(lode_segment_t *out, const uint8_t *batch, size_t len, const lode_log_config_t *cfg,
                lode_clean_stats_t *st)
{
    lode_batch_hdr_t h;
    int rc = lode_batch_parse_header(batch, len, &h);
    if (rc)
        return rc;
    int64_t last = lode_batch_last_offset(&h);
    rc = lode_segment_append(out, batch, len, last, h.max_timestamp, last,
                             cfg->index_interval_bytes);
    if (rc == 0)
        st->bytes_written += (int64_t)len;
    return rc;
}

/* An empty batch that keeps a producer's last sequence and offset. */
static void empty_batch(lode_buf_t *out, const lode_batch_hdr_t *h)
{
    size_t start = out->len;
    lode_buf_put(out, h->data, LODE_BATCH_HEADER_BYTES);
    uint8_t *p = out->data + start;
    lode_be32_store(p + LODE_BATCH_LENGTH_OFFSET,
                    LODE_BATCH_HEADER_BYTES - LODE_BATCH_LOG_OVERHEAD);
    uint16_t attrs = (uint16_t)h->attributes & (uint16_t)~LODE_BATCH_ATTR_COMPRESSION_MASK;
    lode_be16_store(p + LODE_BATCH_ATTRIBUTES_OFFSET, attrs);
    lode_be32_store(p + LODE_BATCH_RECORDS_COUNT_OFFSET, 0);
    lode_batch_update_crc(p, LODE_BATCH_HEADER_BYTES);
}

static bool is_producers_last_batch(lode_log_t *log, const lode_batch_hdr_t *h)
{
    if (!lode_batch_has_producer_id(h))
        return false;
    lode_producer_entry_t e;
    if (!lode_log_get_producer(log, h->producer_id, &e) || e.nbatches == 0)
        return false;
    return e.batches[e.nbatches - 1].last_offset == lode_batch_last_offset(h);
}

/* Kafka's retention rule for one record of a data batch: the key's latest
 * record stays; a tombstone stays until its batch's delete horizon passes. */
static bool retain(offset_map_t *m, const lode_record_t *r, bool horizon_passed)
{
    if (r->key_len < 0 || map_get(m, r->key, (size_t)r->key_len) > r->offset)
        return false;
    return r->value_len >= 0 || !horizon_passed;
}

/* Filters one batch: appends what survives to `out` (nothing when no record
 * survives and the batch need not stay). */
static int filter_batch(reader_ctx_t *c, lode_log_t *log, const lode_batch_hdr_t *h,
                        offset_map_t *m, int64_t now_ms, const lode_log_config_t *cfg,
                        lode_buf_t *out, lode_clean_stats_t *st)
{
    if (lode_batch_is_control(h)) {
        /* Transaction markers: kept until the transaction work adds the
         * rules for removing them (Kafka drops a marker once no data of
         * its transaction remains and its delete horizon passed). */
        lode_buf_put(out, h->data, h->size);
        return 0;
    }
    const uint8_t *recs;
    size_t nrec;
    int rc = lode_batch_records(h, c->codec, LODE_BATCH_MAX_UNCOMPRESSED_DEFAULT, &c->scratch,
                                &recs, &nrec);
    if (rc)
        return rc;
    bool horizon = lode_batch_has_delete_horizon(h);
    bool horizon_passed = horizon && now_ms >= h->base_timestamp;
    int32_t kept = 0, total = 0;
    bool kept_tombstone = false;
    lode_record_iter_t it;
    lode_record_t r;
    /* First pass: decide. */
    lode_record_iter_init(&it, h, recs, nrec);
    while (lode_record_iter_next(&it, &r)) {
        total++;
        bool keep = retain(m, &r, horizon_passed);
        if (r.value_len < 0 && keep)
            kept_tombstone = true;
        else if (r.value_len < 0 && horizon_passed && retain(m, &r, false))
            st->tombstones_dropped++;
        kept += keep;
    }
    if (it.err)
        return LODE_ECORRUPT;
    st->records_read += total;
    st->records_kept += kept;
    bool needs_horizon = kept_tombstone && !horizon;
    if (kept == total && !needs_horizon) {
        lode_buf_put(out, h->data, h->size);
        return 0;
    }
    if (kept == 0) {
        if (is_producers_last_batch(log, h))
            empty_batch(out, h);
        return 0;
    }
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, lode_batch_compression(h), LODE_COMPRESSION_LEVEL_DEFAULT);
    b.base_offset = h->base_offset;
    b.partition_leader_epoch = h->partition_leader_epoch;
    b.producer_id = h->producer_id;
    b.producer_epoch = h->producer_epoch;
    b.base_sequence = h->base_sequence;
    b.transactional = lode_batch_is_transactional(h);
    if (lode_batch_timestamp_type(h) == LODE_TIMESTAMP_LOG_APPEND_TIME)
        lode_batch_builder_set_log_append_time(&b, h->max_timestamp);
    if (horizon || needs_horizon)
        lode_batch_builder_set_delete_horizon(&b, horizon ? h->base_timestamp
                                                          : now_ms + cfg->delete_retention_ms);
    lode_record_iter_init(&it, h, recs, nrec);
    while (rc == 0 && lode_record_iter_next(&it, &r)) {
        if (!retain(m, &r, horizon_passed))
            continue;
        lode_header_t hdrs[64];
        lode_header_t *hp = hdrs;
        if (r.header_count > 64)
            hp = lode_xmalloc((size_t)r.header_count * sizeof *hp);
        lode_header_iter_t hi;
        lode_header_iter_init(&hi, &r);
        int32_t nh = 0;
        while (nh < r.header_count && lode_header_iter_next(&hi, &hp[nh]))
            nh++;
        rc = lode_batch_builder_add_at(&b, r.offset_delta, r.timestamp, r.key, r.key_len, r.value,
                                       r.value_len, hp, nh);
        if (hp != hdrs)
            free(hp);
    }
    size_t start = out->len;
    if (rc == 0)
        rc = lode_batch_builder_finish(&b, out);
    lode_batch_builder_free(&b);
    if (rc)
        return rc;
    /* Keep the original last offset delta: a producer's next sequence and
     * the log's offsets are derived from it (Kafka's overrideLastOffset). */
    uint8_t *p = out->data + start;
    lode_be32_store(p + LODE_BATCH_LAST_OFFSET_DELTA_OFFSET, (uint32_t)h->last_offset_delta);
    lode_batch_update_crc(p, out->len - start);
    return 0;
}

/* Rewrites segs[0..n) into one cleaned segment and swaps it in. */
static int clean_group(reader_ctx_t *c, lode_log_t *log, lode_segment_t **segs, int n,
                       offset_map_t *m, int64_t now_ms, const lode_log_config_t *cfg,
                       lode_clean_stats_t *st)
{
    lode_segment_t *out;
    int rc =
        lode_segment_new_suffixed(log->dir, segs[0]->base_offset, cfg, ".cleaned", now_ms, &out);
    if (rc == LODE_EEXIST) {
        /* A leftover of an interrupted pass in this process's lifetime. */
        char path[4200];
        static const char *const ext[] = {".log", ".index", ".timeindex"};
        for (int k = 0; k < 3; k++) {
            lode_segment_file_name(path, sizeof path, log->dir, segs[0]->base_offset, ext[k]);
            strcat(path, ".cleaned");
            unlink(path);
        }
        rc = lode_segment_new_suffixed(log->dir, segs[0]->base_offset, cfg, ".cleaned", now_ms,
                                       &out);
    }
    if (rc)
        return rc;
    lode_buf_t kept = LODE_BUF_INIT;
    for (int i = 0; i < n && rc == 0; i++) {
        lode_segment_t *seg = segs[i];
        uint32_t limit = lode_segment_size(seg), pos = 0;
        lode_seg_batch_t sb;
        lode_batch_hdr_t h;
        while (rc == 0 && (rc = read_batch(c, seg, pos, limit, &sb, &h)) == 0) {
            pos += sb.total_bytes;
            lode_buf_reset(&kept);
            rc = filter_batch(c, log, &h, m, now_ms, cfg, &kept, st);
            if (rc == 0 && kept.len > 0)
                rc = emit(out, kept.data, kept.len, cfg, st);
        }
        if (rc == LODE_ENOTFOUND)
            rc = 0;
    }
    lode_buf_free(&kept);
    if (rc == 0)
        rc = lode_segment_flush(out);
    if (rc == 0)
        rc = lode_segment_seal(out);
    if (rc == 0)
        rc = lode_segment_rename_all(out, ".swap");
    if (rc) {
        lode_segment_delete(out, out->suffix);
        free(out);
        return rc;
    }
    /* Swap under the log's locks; give up if the segments changed meanwhile
     * (retention or truncation removed one). */
    pthread_mutex_lock(&log->append_lock);
    pthread_rwlock_wrlock(&log->segs_lock);
    int at = -1;
    for (int i = 0; i + n <= log->nsegs && at < 0; i++) {
        if (log->segs[i] != segs[0])
            continue;
        at = i;
        for (int k = 1; k < n; k++)
            if (log->segs[i + k] != segs[k])
                at = -2;
    }
    if (at < 0 || at + n >= log->nsegs) {
        pthread_rwlock_unlock(&log->segs_lock);
        pthread_mutex_unlock(&log->append_lock);
        lode_segment_delete(out, out->suffix);
        free(out);
        return 0;
    }
    for (int k = 0; k < n; k++)
        lode_segment_rename_all(segs[k], ".deleted");
    rc = lode_segment_rename_all(out, "");
    log->segs[at] = out;
    memmove(log->segs + at + 1, log->segs + at + n,
            (size_t)(log->nsegs - at - n) * sizeof *log->segs);
    log->nsegs -= n - 1;
    pthread_rwlock_unlock(&log->segs_lock);
    pthread_mutex_unlock(&log->append_lock);
    lode_fsync_parent_dir(log->dir);
    for (int k = 0; k < n; k++)
        lode_log__schedule_delete(log, segs[k], now_ms + cfg->file_delete_delay_ms);
    st->segments_in += n;
    st->segments_out += 1;
    return rc;
}

/* ---- planning ---------------------------------------------------------- */

void lode_log_cleanable(lode_log_t *log, int64_t first_dirty, int64_t now_ms, lode_cleanable_t *out)
{
    lode_log_config_t cfg;
    lode_log_get_config(log, &cfg);
    memset(out, 0, sizeof *out);
    int64_t lso = lode_log_start_offset(log);
    if (first_dirty < lso)
        first_dirty = lso;
    pthread_rwlock_rdlock(&log->segs_lock);
    int64_t end = log->segs[log->nsegs - 1]->base_offset;
    int64_t hw = lode_log_high_watermark(log);
    if (hw < end)
        end = hw;
    for (int i = 0; i < log->nsegs - 1; i++) {
        lode_segment_t *seg = log->segs[i];
        int64_t seg_end = log->segs[i + 1]->base_offset;
        if (seg_end <= first_dirty)
            continue;
        /* min.compaction.lag.ms: a segment with records younger than the
         * lag is not cleanable, nor anything after it. */
        if (cfg.min_compaction_lag_ms > 0 &&
            seg->max_timestamp > now_ms - cfg.min_compaction_lag_ms) {
            if (seg->base_offset < end)
                end = seg->base_offset;
            break;
        }
    }
    if (end < first_dirty)
        end = first_dirty;
    for (int i = 0; i < log->nsegs - 1; i++) {
        lode_segment_t *seg = log->segs[i];
        int64_t seg_end = log->segs[i + 1]->base_offset;
        int64_t size = lode_segment_size(seg);
        if (seg_end <= first_dirty)
            out->clean_bytes += size;
        else if (seg->base_offset < end && seg_end <= end)
            out->dirty_bytes += size;
        if (seg_end > first_dirty && seg->base_offset < end && seg->rolling_ts_ms >= 0 &&
            cfg.max_compaction_lag_ms != INT64_MAX &&
            now_ms - seg->rolling_ts_ms > cfg.max_compaction_lag_ms)
            out->max_lag_exceeded = true;
    }
    pthread_rwlock_unlock(&log->segs_lock);
    out->first_dirty = first_dirty;
    out->end = end;
}

bool lode_log_needs_cleaning(lode_log_t *log, int64_t first_dirty, int64_t now_ms)
{
    lode_log_config_t cfg;
    lode_log_get_config(log, &cfg);
    if (!cfg.cleanup_compact)
        return false;
    lode_cleanable_t c;
    lode_log_cleanable(log, first_dirty, now_ms, &c);
    if (c.dirty_bytes == 0)
        return false;
    if (c.max_lag_exceeded)
        return true;
    double ratio = (double)c.dirty_bytes / (double)(c.dirty_bytes + c.clean_bytes);
    return ratio >= cfg.min_cleanable_dirty_ratio;
}

int lode_log_clean(lode_log_t *log, int64_t first_dirty, int64_t now_ms, size_t dedupe_buffer_bytes,
                   lode_clean_stats_t *st)
{
    memset(st, 0, sizeof *st);
    lode_log_config_t cfg;
    lode_log_get_config(log, &cfg);
    lode_cleanable_t cl;
    lode_log_cleanable(log, first_dirty, now_ms, &cl);
    st->next_dirty = cl.first_dirty;
    if (cl.end <= cl.first_dirty)
        return 0;
    /* Reference every segment below end: they stay valid whatever retention
     * does meanwhile. */
    pthread_rwlock_rdlock(&log->segs_lock);
    int n = 0;
    lode_segment_t **segs = lode_xmalloc((size_t)log->nsegs * sizeof *segs);
    for (int i = 0; i < log->nsegs - 1 && log->segs[i]->base_offset < cl.end; i++)
        segs[n++] = lode_segment_keep(log->segs[i]);
    pthread_rwlock_unlock(&log->segs_lock);

    offset_map_t m = {0};
    reader_ctx_t c = {LODE_BUF_INIT, LODE_BUF_INIT, lode_codec_ctx_new()};
    int rc = map_init(&m, dedupe_buffer_bytes);
    int64_t end = cl.end;
    if (rc == 0)
        rc = build_map(&c, &m, segs, n, cl.first_dirty, cl.end, &end, st);
    /* Group the segments below end and rewrite each group. */
    int i = 0;
    while (rc == 0 && i < n && segs[i]->base_offset < end) {
        int j = i + 1;
        int64_t bytes = lode_segment_size(segs[i]);
        while (j < n && segs[j]->base_offset < end) {
            int64_t next_bytes = bytes + lode_segment_size(segs[j]);
            int64_t span_end = j + 1 < n ? segs[j + 1]->base_offset : end;
            if (next_bytes > cfg.segment_bytes || span_end - segs[i]->base_offset > INT32_MAX)
                break;
            bytes = next_bytes;
            j++;
        }
        rc = clean_group(&c, log, segs + i, j - i, &m, now_ms, &cfg, st);
        i = j;
    }
    if (rc == 0)
        st->next_dirty = end;
    for (int k = 0; k < n; k++)
        lode_segment_release(segs[k]);
    free(segs);
    free(m.slots);
    lode_buf_free(&c.batch);
    lode_buf_free(&c.scratch);
    lode_codec_ctx_free(c.codec);
    return rc;
}
