/*
 * log.c — a partition's log (see log.h for the offsets, invariants and
 * locking).
 */
#include "storage/log.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "storage/checkpoint.h"
#include "storage/log_int.h"

/* Batch header fields the log reads from append buffers it has scanned. */
#define B_BASE_OFFSET LODE_BATCH_BASE_OFFSET_OFFSET
#define B_LENGTH LODE_BATCH_LENGTH_OFFSET
#define B_LAST_OFFSET_DELTA LODE_BATCH_LAST_OFFSET_DELTA_OFFSET
#define B_MAX_TIMESTAMP LODE_BATCH_MAX_TIMESTAMP_OFFSET

static int64_t load64(const int64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
static void store64(int64_t *p, int64_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

int64_t lode_log_start_offset(lode_log_t *log)
{
    return load64(&log->log_start_offset);
}
int64_t lode_log_end_offset(lode_log_t *log)
{
    return load64(&log->leo);
}
int64_t lode_log_high_watermark(lode_log_t *log)
{
    return load64(&log->hw);
}
int64_t lode_log_recovery_point(lode_log_t *log)
{
    return load64(&log->recovery_point);
}
const char *lode_log_dir(const lode_log_t *log)
{
    return log->dir;
}

void lode_log_set_config(lode_log_t *log, const lode_log_config_t *cfg)
{
    pthread_mutex_lock(&log->cfg_lock);
    log->cfg = *cfg;
    pthread_mutex_unlock(&log->cfg_lock);
}

void lode_log_get_config(lode_log_t *log, lode_log_config_t *cfg)
{
    pthread_mutex_lock(&log->cfg_lock);
    *cfg = log->cfg;
    pthread_mutex_unlock(&log->cfg_lock);
}

static lode_segment_t *active(lode_log_t *log)
{
    return log->segs[log->nsegs - 1];
}

/* Appends seg to the array (caller holds segs_lock exclusively or owns log). */
void lode_log__segs_push(lode_log_t *log, lode_segment_t *seg)
{
    if (log->nsegs == log->segs_cap) {
        log->segs_cap = log->segs_cap ? log->segs_cap * 2 : 8;
        log->segs = lode_xrealloc(log->segs, (size_t)log->segs_cap * sizeof *log->segs);
    }
    log->segs[log->nsegs++] = seg;
}

/* Index of the segment that would hold offset: the last with base <= offset
 * (0 when offset precedes every segment). Caller holds segs_lock. */
int lode_log__seg_floor(lode_log_t *log, int64_t offset)
{
    int lo = 0, hi = log->nsegs - 1, found = 0;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (log->segs[mid]->base_offset <= offset) {
            found = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return found;
}

/* segment.jitter.ms: a random amount in [0, jitter) fixed per log. */
static int64_t roll_jitter(lode_log_t *log, const lode_log_config_t *cfg)
{
    if (cfg->segment_jitter_ms <= 0)
        return 0;
    int64_t j = cfg->segment_jitter_ms;
    if (j > cfg->segment_ms)
        j = cfg->segment_ms;
    return (int64_t)(log->jitter_seed % (uint64_t)j);
}

/* ---- opening ----------------------------------------------------------- */

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    size_t n = strlen(dir);
    if (n >= sizeof tmp)
        return LODE_EINVAL;
    memcpy(tmp, dir, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return LODE_EIO;
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return LODE_EIO;
    return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* Parses "<20 digits><suffix>" → base offset. */
static bool parse_base(const char *name, const char *suffix, int64_t *base)
{
    if (!has_suffix(name, suffix) || strlen(name) != 20 + strlen(suffix))
        return false;
    int64_t v = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9')
            return false;
        v = v * 10 + (name[i] - '0');
    }
    *base = v;
    return true;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * First pass over the directory: removes leftovers of interrupted operations
 * and completes interrupted swaps, as Kafka's LogLoader does:
 *   *.deleted, *.cleaned, *.tmp → removed;
 *   *.swap → the cleaner finished writing it: it replaces the segments it
 *   covers, so those are removed and the .swap suffix dropped.
 * Then collects the base offsets of the .log files.
 */
static int scan_dir(const char *dir, int64_t **bases_out, int *n_out)
{
    DIR *d = opendir(dir);
    if (!d)
        return LODE_EIO;
    int64_t *bases = NULL;
    int n = 0, cap = 0;
    char path[4096], to[4096];
    struct dirent *e;
    /* Swaps first: collect and complete them. */
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (has_suffix(name, ".deleted") || has_suffix(name, ".cleaned") ||
            has_suffix(name, ".tmp")) {
            unlink(path);
        } else if (has_suffix(name, ".swap")) {
            size_t l = strlen(path) - strlen(".swap");
            memcpy(to, path, l);
            to[l] = 0;
            /* Replacing the old file of the same name is the swap's commit
             * point; segments merged into it are removed below (their range
             * is covered by this segment's, see drop_covered()). */
            if (rename(path, to) != 0) {
                closedir(d);
                free(bases);
                return LODE_EIO;
            }
        }
    }
    rewinddir(d);
    while ((e = readdir(d)) != NULL) {
        int64_t base;
        if (parse_base(e->d_name, ".log", &base)) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                bases = lode_xrealloc(bases, (size_t)cap * sizeof *bases);
            }
            bases[n++] = base;
        }
    }
    closedir(d);
    /* Index files whose .log is gone are orphans. */
    d = opendir(dir);
    if (d) {
        while ((e = readdir(d)) != NULL) {
            int64_t base;
            bool idx = parse_base(e->d_name, ".index", &base) ||
                       parse_base(e->d_name, ".timeindex", &base) ||
                       parse_base(e->d_name, ".txnindex", &base);
            if (!idx)
                continue;
            bool found = false;
            for (int i = 0; i < n && !found; i++)
                found = bases[i] == base;
            if (!found) {
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                unlink(path);
            }
        }
        closedir(d);
    }
    if (n)
        qsort(bases, (size_t)n, sizeof *bases, cmp_i64);
    *bases_out = bases;
    *n_out = n;
    return 0;
}

/* Feeds batches with offsets in [from, leo) to the producer state (caller
 * holds append_lock or owns the log). Control batches (transaction markers)
 * end transactions: the transaction issue completes that path. */
static void replay_producers(lode_log_t *log, int64_t from)
{
    if (from >= load64(&log->leo)) { /* nothing after the snapshot */
        log->ps.map_end_offset = load64(&log->leo);
        return;
    }
    for (int i = lode_log__seg_floor(log, from); i < log->nsegs; i++) {
        lode_segment_t *seg = log->segs[i];
        uint32_t size = lode_segment_size(seg), pos = 0;
        lode_seg_batch_t b;
        if (seg->base_offset < from && lode_segment_find_batch(seg, from, &b) == 0)
            pos = b.position;
        while (lode_segment_batch_at(seg, pos, size, &b) == 0) {
            pos += b.total_bytes;
            if (b.last_offset < from || b.producer_id < 0 ||
                (b.attributes & LODE_BATCH_ATTR_CONTROL))
                continue;
            int32_t last_seq =
                b.base_sequence < 0
                    ? -1
                    : (int32_t)(((int64_t)b.base_sequence + (b.last_offset - b.base_offset)) %
                                ((int64_t)INT32_MAX + 1));
            lode_producer_append_t a = {
                b.producer_id,   b.producer_epoch,
                b.base_sequence, last_seq,
                b.base_offset,   b.last_offset,
                b.max_timestamp, (b.attributes & LODE_BATCH_ATTR_TRANSACTIONAL) != 0};
            lode_pstate_update(&log->ps, &a);
        }
    }
    log->ps.map_end_offset = load64(&log->leo);
}

/* Re-learns leader epochs from batch headers at or after `from` (after
 * recovery rewrote that part of the log). Caller owns the log. */
static void rebuild_epochs(lode_log_t *log, int64_t from)
{
    lode_epoch_cache_truncate_end(&log->epochs, from);
    for (int i = lode_log__seg_floor(log, from); i < log->nsegs; i++) {
        lode_segment_t *seg = log->segs[i];
        uint32_t size = lode_segment_size(seg), pos = 0;
        lode_seg_batch_t b;
        while (lode_segment_batch_at(seg, pos, size, &b) == 0) {
            pos += b.total_bytes;
            if (b.base_offset >= from)
                lode_epoch_cache_assign(&log->epochs, b.partition_leader_epoch, b.base_offset);
        }
    }
}

/* Rebuilds the producer state for the current LEO: the newest snapshot at
 * or below it, then a replay of the log after it. */
static void rebuild_producers(lode_log_t *log)
{
    int64_t leo = load64(&log->leo);
    lode_pstate_delete_snapshots(log->dir, leo, false);
    lode_pstate_clear(&log->ps);
    int64_t snap = lode_pstate_latest_snapshot(log->dir, leo);
    int64_t from = load64(&log->log_start_offset);
    if (snap >= 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%020" PRId64 ".snapshot", log->dir, snap);
        if (lode_pstate_read_snapshot(&log->ps, path, snap) == 0 && snap > from)
            from = snap;
        else if (snap >= 0)
            lode_pstate_clear(&log->ps);
    }
    replay_producers(log, from);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int lode_log_open(const char *dir, const lode_log_config_t *cfg, int64_t recovery_point,
                  int64_t log_start_offset, bool clean_shutdown, const lode_log_hooks_t *hooks,
                  int64_t now_ms, lode_log_t **out)
{
    int rc = mkdir_p(dir);
    if (rc)
        return rc;
    int64_t *bases;
    int n;
    rc = scan_dir(dir, &bases, &n);
    if (rc)
        return rc;
    lode_log_t *log = lode_xcalloc(1, sizeof *log);
    log->dir = lode_xstrdup(dir);
    log->cfg = *cfg;
    pthread_mutex_init(&log->append_lock, NULL);
    pthread_rwlock_init(&log->segs_lock, NULL);
    pthread_mutex_init(&log->cfg_lock, NULL);
    pthread_mutex_init(&log->pending_lock, NULL);
    log->last_flush_ms = now_ms;
    log->refs = 1;
    lode_pstate_init(&log->ps);
    uint64_t h = 1469598103934665603ull;
    for (const char *p = dir; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    log->jitter_seed = h;

    bool recovered_any = false;
    int64_t first_recovered = INT64_MAX;
    for (int i = 0; i < n; i++) {
        lode_segment_t *seg;
        char ipath[4096];
        if (log->nsegs > 0 && bases[i] < log->segs[log->nsegs - 1]->next_offset) {
            /* Covered by the previous segment: a cleaner swap completed at
             * startup replaced this one (see scan_dir). */
            if (lode_segment_new(dir, bases[i], cfg, false, now_ms, &seg) == 0)
                lode_log__discard_now(log, seg);
            continue;
        }
        lode_segment_file_name(ipath, sizeof ipath, dir, bases[i], ".index");
        bool index_missing = !file_exists(ipath);
        rc = lode_segment_new(dir, bases[i], cfg, false, now_ms, &seg);
        if (rc)
            goto err_after_alloc;
        int64_t next_base = i + 1 < n ? bases[i + 1] : INT64_MAX;
        bool needs_recovery = index_missing || (!clean_shutdown && next_base > recovery_point);
        if (needs_recovery) {
            uint32_t truncated = 0;
            rc =
                lode_segment_recover(seg, cfg->index_interval_bytes, hooks ? hooks->validate : NULL,
                                     hooks ? hooks->arg : NULL, &truncated);
            if (rc) {
                lode_segment_release(seg);
                goto err_after_alloc;
            }
            recovered_any = true;
            if (first_recovered == INT64_MAX)
                first_recovered = seg->base_offset;
            lode_log__segs_push(log, seg);
            if (truncated > 0 && i + 1 < n) {
                /* Everything after a torn or corrupt batch is unflushed data
                 * of a crash: the later segments go (Kafka does the same). */
                for (int k = i + 1; k < n; k++) {
                    lode_segment_t *later;
                    if (lode_segment_new(dir, bases[k], cfg, false, now_ms, &later) == 0)
                        lode_log__discard_now(log, later);
                }
                break;
            }
        } else {
            lode_index_sanitize(&seg->oidx);
            lode_index_sanitize(&seg->tidx);
            rc = lode_segment_load_tail(seg);
            if (rc) {
                /* The trusted tail is not readable: recover it instead. */
                uint32_t truncated;
                rc = lode_segment_recover(seg, cfg->index_interval_bytes,
                                          hooks ? hooks->validate : NULL, hooks ? hooks->arg : NULL,
                                          &truncated);
                if (rc) {
                    lode_segment_release(seg);
                    goto err_after_alloc;
                }
                recovered_any = true;
                if (first_recovered == INT64_MAX)
                    first_recovered = seg->base_offset;
            }
            lode_log__segs_push(log, seg);
        }
    }
    /* Non-active segments keep trimmed indexes. */
    for (int i = 0; i + 1 < log->nsegs; i++)
        lode_segment_seal(log->segs[i]);
    if (log->nsegs == 0) {
        int64_t base = log_start_offset > 0 ? log_start_offset : 0;
        lode_segment_t *seg;
        rc = lode_segment_new(dir, base, cfg, true, now_ms, &seg);
        if (rc)
            goto err_after_alloc;
        lode_log__segs_push(log, seg);
        lode_fsync_parent_dir(dir);
    }
    free(bases);
    bases = NULL;
    int64_t first_base = log->segs[0]->base_offset;
    log->log_start_offset = log_start_offset > first_base ? log_start_offset : first_base;
    log->leo = active(log)->next_offset;
    if (log->log_start_offset > log->leo)
        log->log_start_offset = log->leo;
    log->hw = log->log_start_offset;
    if (recovered_any) {
        /* What recovery kept is now known-good: make it durable before
         * calling it the recovery point. */
        for (int i = 0; i < log->nsegs; i++)
            lode_segment_flush(log->segs[i]);
    }
    log->recovery_point = recovered_any || clean_shutdown ? log->leo
                          : recovery_point < log->leo     ? recovery_point
                                                          : log->leo;
    rebuild_producers(log);
    lode_epoch_cache_open(&log->epochs, dir);
    lode_epoch_cache_truncate_end(&log->epochs, log->leo);
    lode_epoch_cache_truncate_start(&log->epochs, log->log_start_offset);
    if (first_recovered != INT64_MAX)
        rebuild_epochs(log, first_recovered);
    *out = log;
    return 0;

err_after_alloc:
    free(bases);
    lode_log_close(log);
    return rc;
}

int lode_log_close(lode_log_t *log)
{
    int rc = 0;
    /* A snapshot at the LEO even without producers (as Kafka writes one):
     * the next open then replays nothing instead of the whole log. */
    if (log->nsegs > 0) {
        log->ps.map_end_offset = load64(&log->leo);
        if (lode_pstate_write_snapshot(&log->ps, log->dir, !log->close_unsynced))
            rc = LODE_EIO;
    }
    for (int i = 0; i < log->nsegs; i++) {
        if (i == log->nsegs - 1 && lode_segment_seal(log->segs[i]))
            rc = LODE_EIO;
        lode_segment_release(log->segs[i]);
    }
    free(log->segs);
    lode_log_delete_expired_files(log, 0, true);
    free(log->pending);
    lode_pstate_free(&log->ps);
    lode_epoch_cache_free(&log->epochs);
    pthread_mutex_destroy(&log->append_lock);
    pthread_rwlock_destroy(&log->segs_lock);
    pthread_mutex_destroy(&log->cfg_lock);
    pthread_mutex_destroy(&log->pending_lock);
    free(log->dir);
    free(log);
    return rc;
}

lode_log_t *lode_log_keep(lode_log_t *log)
{
    __atomic_add_fetch(&log->refs, 1, __ATOMIC_RELAXED);
    return log;
}

void lode_log_release(lode_log_t *log)
{
    if (__atomic_sub_fetch(&log->refs, 1, __ATOMIC_ACQ_REL) == 0)
        lode_log_close(log);
}

/* ---- appending --------------------------------------------------------- */

/* Shallow facts about the batches in an append buffer. */
typedef struct batch_scan {
    int nbatches;
    int64_t records;                 /* sum of lastOffsetDelta + 1 */
    int64_t first_max_ts;            /* max timestamp of the first batch */
    int producer_batches;            /* batches with a producer id (not control) */
    lode_producer_append_t producer; /* the last such batch (offsets unset) */
} batch_scan_t;

static int scan_batches(const uint8_t *p, size_t len, int64_t max_message_bytes, batch_scan_t *s)
{
    memset(s, 0, sizeof *s);
    lode_batch_iter_t it;
    lode_batch_hdr_t h;
    lode_batch_iter_init(&it, p, len);
    while (lode_batch_iter_next(&it, &h)) {
        if ((int64_t)h.size > max_message_bytes)
            return LODE_ETOOBIG;
        if (h.last_offset_delta < 0)
            return LODE_ECORRUPT;
        if (s->nbatches == 0)
            s->first_max_ts = h.max_timestamp;
        if (lode_batch_has_producer_id(&h) && !lode_batch_is_control(&h)) {
            s->producer_batches++;
            int64_t last_seq =
                h.base_sequence < 0
                    ? -1
                    : ((int64_t)h.base_sequence + h.last_offset_delta) % ((int64_t)INT32_MAX + 1);
            s->producer = (lode_producer_append_t){h.producer_id,
                                                   h.producer_epoch,
                                                   h.base_sequence,
                                                   (int32_t)last_seq,
                                                   0,
                                                   0,
                                                   h.max_timestamp,
                                                   lode_batch_is_transactional(&h)};
        }
        s->records += (int64_t)h.last_offset_delta + 1;
        s->nbatches++;
    }
    if (it.err)
        return it.err;
    if (it.partial_bytes)
        return LODE_ECORRUPT;
    return s->nbatches ? 0 : LODE_EINVAL;
}

/* Rolls to a new active segment at the LEO. Caller holds append_lock. */
static int roll(lode_log_t *log, int64_t now_ms)
{
    lode_segment_t *old = active(log);
    int64_t base = load64(&log->leo);
    if (old->base_offset == base && lode_segment_size(old) == 0)
        return 0;
    lode_log_config_t cfg;
    lode_log_get_config(log, &cfg);
    lode_segment_t *seg;
    int rc = lode_segment_new(log->dir, base, &cfg, true, now_ms, &seg);
    if (rc == LODE_EEXIST) {
        /* A leftover empty segment file of this base (e.g. after truncation):
         * reuse it only if empty. */
        rc = lode_segment_new(log->dir, base, &cfg, false, now_ms, &seg);
        if (!rc && lode_segment_size(seg) != 0) {
            lode_segment_release(seg);
            rc = LODE_EEXIST;
        }
    }
    if (rc)
        return rc;
    lode_segment_seal(old);
    if (lode_hmap_count(&log->ps.producers) > 0) {
        /* Kafka snapshots producer state at every roll, named by the new
         * segment's base offset, so recovery replays at most one segment. */
        log->ps.map_end_offset = base;
        lode_pstate_write_snapshot(&log->ps, log->dir, true);
    }
    lode_fsync_parent_dir(log->dir);
    pthread_rwlock_wrlock(&log->segs_lock);
    lode_log__segs_push(log, seg);
    pthread_rwlock_unlock(&log->segs_lock);
    return 0;
}

static int append_locked(lode_log_t *log, const uint8_t *batches, size_t len, int64_t first_off,
                         int64_t last_off, const batch_scan_t *scan, int64_t now_ms,
                         const lode_log_config_t *cfg, lode_log_append_info_t *info)
{
    lode_segment_t *seg = active(log);
    if (lode_segment_should_roll(seg, cfg, len, scan->first_max_ts, last_off, now_ms,
                                 roll_jitter(log, cfg))) {
        int rc = roll(log, now_ms);
        if (rc)
            return rc;
        seg = active(log);
    }
    /* Max timestamp over the batches, and the last offset of the batch that
     * has it (Kafka's shallowOffsetOfMaxTimestamp). */
    int64_t max_ts = -1, off_max = first_off;
    size_t off = 0;
    while (off < len) {
        const uint8_t *b = batches + off;
        int64_t ts = (int64_t)lode_be64_load(b + B_MAX_TIMESTAMP);
        int64_t last = (int64_t)lode_be64_load(b + B_BASE_OFFSET) +
                       (int32_t)lode_be32_load(b + B_LAST_OFFSET_DELTA);
        if (ts > max_ts) {
            max_ts = ts;
            off_max = last;
        }
        off += lode_be32_load(b + B_LENGTH) + LODE_BATCH_LOG_OVERHEAD;
    }
    int rc = lode_segment_append(seg, batches, len, last_off, max_ts, off_max,
                                 cfg->index_interval_bytes);
    if (rc)
        return rc;
    store64(&log->leo, last_off + 1);
    log->unflushed_messages += last_off - first_off + 1;
    info->first_offset = first_off;
    info->last_offset = last_off;
    info->max_timestamp = max_ts;
    info->offset_of_max_timestamp = off_max;
    info->record_count = (int32_t)(last_off - first_off + 1);
    info->bytes = len;
    info->log_start_offset = load64(&log->log_start_offset);
    if (log->unflushed_messages >= cfg->flush_messages) {
        if (lode_segment_flush_data(seg) == 0) {
            store64(&log->recovery_point, last_off + 1);
            log->unflushed_messages = 0;
        }
    }
    return 0;
}

int lode_log_append(lode_log_t *log, uint8_t *batches, size_t len, int32_t leader_epoch,
                    int64_t now_ms, lode_log_append_info_t *info)
{
    lode_log_config_t cfg;
    lode_log_get_config(log, &cfg);
    batch_scan_t scan;
    int rc = scan_batches(batches, len, cfg.max_message_bytes, &scan);
    if (rc)
        return rc;
    bool append_time = cfg.timestamp_type == LODE_TIMESTAMP_LOG_APPEND_TIME;
    if (append_time) {
        /* LogAppendTime: the broker's clock, in maxTimestamp with the
         * timestamp-type bit; both are under the CRC. Done before taking the
         * lock so the CRC work does not serialise appenders. */
        size_t off = 0;
        while (off < len) {
            uint8_t *b = batches + off;
            size_t total = lode_be32_load(b + B_LENGTH) + LODE_BATCH_LOG_OVERHEAD;
            lode_batch_set_max_timestamp(b, total, LODE_TIMESTAMP_LOG_APPEND_TIME, now_ms);
            off += total;
        }
    }
    if (scan.producer_batches > 0 && scan.nbatches > 1)
        return LODE_EINVAL;
    info->log_append_time_ms = append_time ? now_ms : -1;
    pthread_mutex_lock(&log->append_lock);
    if (scan.producer_batches > 0) {
        lode_producer_batch_t dup;
        rc = lode_pstate_check(&log->ps, &scan.producer, &dup);
        if (rc == LODE_EDUPLICATE) {
            info->first_offset = dup.last_offset - dup.offset_delta;
            info->last_offset = dup.last_offset;
            info->record_count = dup.offset_delta + 1;
            info->max_timestamp = dup.timestamp;
            info->offset_of_max_timestamp = dup.last_offset;
            info->log_start_offset = load64(&log->log_start_offset);
            info->bytes = 0;
        }
        if (rc) {
            pthread_mutex_unlock(&log->append_lock);
            return rc;
        }
    }
    int64_t first = load64(&log->leo);
    int64_t next = first;
    size_t off = 0;
    while (off < len) {
        uint8_t *b = batches + off;
        lode_batch_set_base_offset(b, next);
        lode_batch_set_partition_leader_epoch(b, leader_epoch);
        next += (int32_t)lode_be32_load(b + B_LAST_OFFSET_DELTA) + 1;
        off += lode_be32_load(b + B_LENGTH) + LODE_BATCH_LOG_OVERHEAD;
    }
    rc = append_locked(log, batches, len, first, next - 1, &scan, now_ms, &cfg, info);
    if (rc == 0)
        lode_epoch_cache_assign(&log->epochs, leader_epoch, first);
    if (rc == 0 && scan.producer_batches > 0) {
        scan.producer.first_offset = first;
        scan.producer.last_offset = next - 1;
        if (append_time)
            scan.producer.max_timestamp = now_ms;
        lode_pstate_update(&log->ps, &scan.producer);
    }
    pthread_mutex_unlock(&log->append_lock);
    return rc;
}

int lode_log_append_as_follower(lode_log_t *log, const uint8_t *batches, size_t len, int64_t now_ms,
                                lode_log_append_info_t *info)
{
    lode_log_config_t cfg;
    lode_log_get_config(log, &cfg);
    batch_scan_t scan;
    /* A follower copies what the leader accepted; its size limit is the
     * leader's business (Kafka skips the check for replicas too). */
    int rc = scan_batches(batches, len, INT64_MAX, &scan);
    if (rc)
        return rc;
    pthread_mutex_lock(&log->append_lock);
    int64_t leo = load64(&log->leo);
    int64_t first = (int64_t)lode_be64_load(batches + B_BASE_OFFSET);
    int64_t expect = first, last = first - 1;
    size_t off = 0;
    while (off < len && rc == 0) {
        const uint8_t *b = batches + off;
        int64_t base = (int64_t)lode_be64_load(b + B_BASE_OFFSET);
        if (base < expect)
            rc = LODE_EINVAL;
        last = base + (int32_t)lode_be32_load(b + B_LAST_OFFSET_DELTA);
        expect = last + 1;
        off += lode_be32_load(b + B_LENGTH) + LODE_BATCH_LOG_OVERHEAD;
    }
    if (rc == 0 && first < leo)
        rc = LODE_EINVAL;
    if (rc == 0 && first > leo && active(log)->base_offset != first) {
        /* A gap (e.g. after the leader's compaction): start a segment at the
         * new offset so relative offsets stay in range. */
        store64(&log->leo, first);
        rc = roll(log, now_ms);
    }
    if (rc == 0)
        rc = append_locked(log, batches, len, first, last, &scan, now_ms, &cfg, info);
    if (rc == 0 && scan.producer_batches > 0)
        replay_producers(log, first);
    if (rc == 0) {
        lode_batch_iter_t it;
        lode_batch_hdr_t h;
        lode_batch_iter_init(&it, batches, len);
        while (lode_batch_iter_next(&it, &h))
            lode_epoch_cache_assign(&log->epochs, h.partition_leader_epoch, h.base_offset);
    }
    pthread_mutex_unlock(&log->append_lock);
    info->log_append_time_ms = -1;
    return rc;
}

/* ---- reading ----------------------------------------------------------- */

void lode_log_read_release(lode_log_read_t *r)
{
    if (r->seg)
        lode_segment_release(r->seg);
    r->seg = NULL;
    r->slice.bytes = 0;
}

int lode_log_read(lode_log_t *log, int64_t offset, uint32_t max_bytes, int64_t max_offset,
                  bool min_one, lode_log_read_t *out)
{
    memset(out, 0, sizeof *out);
    out->slice.fd = -1;
    int64_t leo = load64(&log->leo);
    if (offset < load64(&log->log_start_offset) || offset > leo)
        return LODE_ERANGE;
    if (max_offset > leo)
        max_offset = leo;
    if (offset >= max_offset)
        return 0;
    pthread_rwlock_rdlock(&log->segs_lock);
    int i = lode_log__seg_floor(log, offset);
    int rc = 0;
    for (; i < log->nsegs; i++) {
        lode_segment_t *seg = log->segs[i];
        if (seg->base_offset >= max_offset)
            break;
        uint32_t max_pos = UINT32_MAX;
        if (i + 1 == log->nsegs || log->segs[i + 1]->base_offset > max_offset) {
            /* max_offset falls in this segment: stop at its batch. */
            lode_seg_batch_t b;
            int frc = lode_segment_find_batch(seg, max_offset, &b);
            if (frc == 0)
                max_pos = b.position;
            else if (frc != LODE_ENOTFOUND) {
                rc = frc;
                break;
            }
        }
        rc = lode_segment_read(seg, offset, max_bytes, max_pos, min_one, &out->slice);
        if (rc)
            break;
        if (out->slice.bytes > 0) {
            out->seg = lode_segment_keep(seg);
            break;
        }
        /* Nothing at offset here (it is at this segment's end, or in a hole
         * left by compaction): continue with the next segment. */
    }
    pthread_rwlock_unlock(&log->segs_lock);
    return rc;
}

int lode_log_offset_for_timestamp(lode_log_t *log, int64_t ts, int64_t *offset,
                                  int64_t *batch_max_ts, lode_log_read_t *batch)
{
    *offset = -1;
    *batch_max_ts = -1;
    memset(batch, 0, sizeof *batch);
    batch->slice.fd = -1;
    int64_t start = load64(&log->log_start_offset);
    int rc = 0;
    pthread_rwlock_rdlock(&log->segs_lock);
    for (int i = lode_log__seg_floor(log, start); i < log->nsegs; i++) {
        lode_segment_t *seg = log->segs[i];
        if (seg->max_timestamp < ts)
            continue;
        lode_seg_batch_t b;
        rc = lode_segment_find_by_timestamp(seg, ts, start, &b);
        if (rc == LODE_ENOTFOUND) {
            rc = 0;
            continue;
        }
        if (rc)
            break;
        *offset = b.base_offset > start ? b.base_offset : start;
        *batch_max_ts = b.max_timestamp;
        batch->seg = lode_segment_keep(seg);
        batch->slice.fd = seg->log_fd;
        batch->slice.position = b.position;
        batch->slice.bytes = b.total_bytes;
        break;
    }
    pthread_rwlock_unlock(&log->segs_lock);
    return rc;
}

int lode_log_max_timestamp(lode_log_t *log, int64_t *ts, int64_t *offset)
{
    *ts = -1;
    *offset = -1;
    pthread_rwlock_rdlock(&log->segs_lock);
    for (int i = 0; i < log->nsegs; i++) {
        lode_segment_t *seg = log->segs[i];
        if (lode_segment_size(seg) > 0 && seg->max_timestamp > *ts) {
            *ts = seg->max_timestamp;
            *offset = seg->offset_of_max_timestamp;
        }
    }
    pthread_rwlock_unlock(&log->segs_lock);
    return 0;
}

int64_t lode_log_size_bytes(lode_log_t *log)
{
    int64_t total = 0;
    pthread_rwlock_rdlock(&log->segs_lock);
    for (int i = 0; i < log->nsegs; i++)
        total += lode_segment_size(log->segs[i]);
    pthread_rwlock_unlock(&log->segs_lock);
    return total;
}

int lode_log_segment_count(lode_log_t *log)
{
    pthread_rwlock_rdlock(&log->segs_lock);
    int n = log->nsegs;
    pthread_rwlock_unlock(&log->segs_lock);
    return n;
}

void lode_log_set_high_watermark(lode_log_t *log, int64_t hw)
{
    int64_t lso = load64(&log->log_start_offset), leo = load64(&log->leo);
    if (hw < lso)
        hw = lso;
    if (hw > leo)
        hw = leo;
    store64(&log->hw, hw);
}

/* ---- flushing ---------------------------------------------------------- */

int lode_log_flush(lode_log_t *log)
{
    /* Pick the target and the segments under the locks, fsync without them:
     * appends continue while the disk works (group commit depends on it). */
    pthread_mutex_lock(&log->append_lock);
    int64_t target = load64(&log->leo);
    int64_t rp = load64(&log->recovery_point);
    if (target <= rp) {
        pthread_mutex_unlock(&log->append_lock);
        return 0;
    }
    log->unflushed_messages = 0;
    pthread_rwlock_rdlock(&log->segs_lock);
    int first = lode_log__seg_floor(log, rp);
    int n = log->nsegs - first;
    lode_segment_t **to_sync = lode_xmalloc((size_t)n * sizeof *to_sync);
    for (int i = 0; i < n; i++)
        to_sync[i] = lode_segment_keep(log->segs[first + i]);
    pthread_rwlock_unlock(&log->segs_lock);
    pthread_mutex_unlock(&log->append_lock);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        /* The last one was the active segment when picked: data only (see
         * lode_segment_flush_data); sealed segments get their indexes too. */
        int frc = i == n - 1 ? lode_segment_flush_data(to_sync[i]) : lode_segment_flush(to_sync[i]);
        if (frc)
            rc = LODE_EIO;
        lode_segment_release(to_sync[i]);
    }
    free(to_sync);
    if (rc)
        return rc;
    /* Monotonic advance: a concurrent flush may have gone further. */
    int64_t cur = load64(&log->recovery_point);
    while (cur < target && !__atomic_compare_exchange_n(&log->recovery_point, &cur, target, false,
                                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        ;
    return 0;
}

void lode_log_synced_by_owner(lode_log_t *log, int64_t offset)
{
    int64_t cur = load64(&log->recovery_point);
    if (offset > load64(&log->leo))
        offset = load64(&log->leo);
    while (cur < offset && !__atomic_compare_exchange_n(&log->recovery_point, &cur, offset, false,
                                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        ;
}

void lode_log_close_unsynced(lode_log_t *log)
{
    log->close_unsynced = true;
}

int lode_log_maybe_flush(lode_log_t *log, int64_t now_ms)
{
    lode_log_config_t cfg;
    lode_log_get_config(log, &cfg);
    if (cfg.flush_ms == INT64_MAX || now_ms - load64(&log->last_flush_ms) < cfg.flush_ms)
        return 0;
    store64(&log->last_flush_ms, now_ms);
    if (load64(&log->recovery_point) >= load64(&log->leo))
        return 0;
    return lode_log_flush(log);
}

/* ---- truncation, start offset, retention ------------------------------- */

static const char *const seg_suffixes[] = {".log", ".index", ".timeindex", ".txnindex"};

/* Removes a segment's files at once (truncation): renamed to .deleted first
 * so a crash in between leaves nothing that looks live, then unlinked. Open
 * readers keep their descriptors until they release the segment. */
void lode_log__discard_now(lode_log_t *log, lode_segment_t *seg)
{
    lode_segment_rename_all(seg, ".deleted");
    for (size_t k = 0; k < sizeof seg_suffixes / sizeof seg_suffixes[0]; k++) {
        char path[4200];
        lode_segment_file_name(path, sizeof path, log->dir, seg->base_offset, seg_suffixes[k]);
        strcat(path, ".deleted");
        unlink(path);
    }
    lode_segment_release(seg);
}

void lode_log__schedule_delete(lode_log_t *log, lode_segment_t *seg, int64_t deadline_ms)
{
    lode_segment_rename_all(seg, ".deleted");
    pthread_mutex_lock(&log->pending_lock);
    for (size_t i = 0; i < sizeof seg_suffixes / sizeof seg_suffixes[0]; i++) {
        char path[4200];
        lode_segment_file_name(path, sizeof path, log->dir, seg->base_offset, seg_suffixes[i]);
        strcat(path, ".deleted");
        log->pending =
            lode_xrealloc(log->pending, (size_t)(log->npending + 1) * sizeof *log->pending);
        log->pending[log->npending].path = lode_xstrdup(path);
        log->pending[log->npending].deadline_ms = deadline_ms;
        log->npending++;
    }
    pthread_mutex_unlock(&log->pending_lock);
    lode_segment_release(seg);
}

void lode_log_delete_expired_files(lode_log_t *log, int64_t now_ms, bool force)
{
    pthread_mutex_lock(&log->pending_lock);
    int keep = 0;
    for (int i = 0; i < log->npending; i++) {
        if (force || log->pending[i].deadline_ms <= now_ms) {
            unlink(log->pending[i].path);
            free(log->pending[i].path);
        } else {
            log->pending[keep++] = log->pending[i];
        }
    }
    log->npending = keep;
    pthread_mutex_unlock(&log->pending_lock);
}

/* Removes segs[0..count) from the array (caller holds append_lock). */
static void remove_front(lode_log_t *log, int count, int64_t now_ms, int64_t delay_ms)
{
    pthread_rwlock_wrlock(&log->segs_lock);
    lode_segment_t **gone = lode_xmalloc((size_t)count * sizeof *gone);
    memcpy(gone, log->segs, (size_t)count * sizeof *gone);
    memmove(log->segs, log->segs + count, (size_t)(log->nsegs - count) * sizeof *log->segs);
    log->nsegs -= count;
    int64_t base = log->segs[0]->base_offset;
    if (load64(&log->log_start_offset) < base)
        store64(&log->log_start_offset, base);
    if (load64(&log->hw) < base)
        store64(&log->hw, base);
    pthread_rwlock_unlock(&log->segs_lock);
    for (int i = 0; i < count; i++)
        lode_log__schedule_delete(log, gone[i], now_ms + delay_ms);
    free(gone);
}

int lode_log_truncate_to(lode_log_t *log, int64_t offset)
{
    int rc = 0;
    lode_log_config_t cfg;
    lode_log_get_config(log, &cfg);
    pthread_mutex_lock(&log->append_lock);
    if (offset >= load64(&log->leo)) {
        pthread_mutex_unlock(&log->append_lock);
        return 0;
    }
    pthread_rwlock_wrlock(&log->segs_lock);
    if (offset < log->segs[0]->base_offset || offset < load64(&log->log_start_offset)) {
        /* Truncate fully and start at offset (Kafka's truncateFullyAndStartAt). */
        lode_segment_t *seg;
        for (int i = 0; i < log->nsegs; i++)
            lode_log__discard_now(log, log->segs[i]);
        log->nsegs = 0;
        rc = lode_segment_new(log->dir, offset, &cfg, true, 0, &seg);
        if (!rc) {
            lode_log__segs_push(log, seg);
            store64(&log->log_start_offset, offset);
        }
    } else {
        while (log->nsegs > 1 && active(log)->base_offset >= offset) {
            lode_segment_t *old = active(log);
            log->nsegs--;
            lode_log__discard_now(log, old);
        }
        uint32_t removed;
        rc = lode_segment_truncate_to(active(log), offset, &removed);
        if (!rc)
            rc = lode_index_resize(&active(log)->oidx, (size_t)cfg.segment_index_bytes);
        if (!rc)
            rc = lode_index_resize(&active(log)->tidx, (size_t)cfg.segment_index_bytes);
    }
    if (!rc) {
        int64_t leo = active(log)->next_offset;
        if (leo < offset && active(log)->base_offset == offset)
            leo = offset;
        store64(&log->leo, leo);
        if (load64(&log->hw) > leo)
            store64(&log->hw, leo);
        if (load64(&log->recovery_point) > leo)
            store64(&log->recovery_point, leo);
    }
    pthread_rwlock_unlock(&log->segs_lock);
    if (!rc) {
        rebuild_producers(log);
        lode_epoch_cache_truncate_end(&log->epochs, offset);
        lode_epoch_cache_truncate_start(&log->epochs, load64(&log->log_start_offset));
    }
    pthread_mutex_unlock(&log->append_lock);
    return rc;
}

int lode_log_advance_start_offset(lode_log_t *log, int64_t offset)
{
    pthread_mutex_lock(&log->append_lock);
    int rc = 0;
    if (offset > load64(&log->hw))
        rc = LODE_ERANGE;
    else if (offset > load64(&log->log_start_offset)) {
        store64(&log->log_start_offset, offset);
        lode_epoch_cache_truncate_start(&log->epochs, offset);
    }
    pthread_mutex_unlock(&log->append_lock);
    return rc;
}

int lode_log_apply_retention(lode_log_t *log, int64_t now_ms)
{
    lode_log_config_t cfg;
    lode_log_get_config(log, &cfg);
    pthread_mutex_lock(&log->append_lock);
    int64_t total = 0;
    for (int i = 0; i < log->nsegs; i++)
        total += lode_segment_size(log->segs[i]);
    int64_t lso = load64(&log->log_start_offset);
    int64_t hw = load64(&log->hw);
    int count = 0;
    while (count < log->nsegs - 1) {
        lode_segment_t *seg = log->segs[count];
        lode_segment_t *next = log->segs[count + 1];
        bool below_start = next->base_offset <= lso;
        /* Only data below the high watermark may go (Kafka's rule: consumers
         * must be able to read what was acknowledged). */
        bool committed = next->base_offset <= hw;
        bool by_time = cfg.cleanup_delete && cfg.retention_ms >= 0 &&
                       now_ms - seg->max_timestamp > cfg.retention_ms;
        bool by_size = cfg.cleanup_delete && cfg.retention_bytes >= 0 &&
                       total - lode_segment_size(seg) >= cfg.retention_bytes;
        if (!(below_start || (committed && (by_time || by_size))))
            break;
        total -= lode_segment_size(seg);
        count++;
    }
    if (count > 0) {
        remove_front(log, count, now_ms, cfg.file_delete_delay_ms);
        lode_epoch_cache_truncate_start(&log->epochs, load64(&log->log_start_offset));
    }
    pthread_mutex_unlock(&log->append_lock);
    return count;
}

int lode_log_maybe_roll(lode_log_t *log, int64_t now_ms)
{
    lode_log_config_t cfg;
    lode_log_get_config(log, &cfg);
    pthread_mutex_lock(&log->append_lock);
    int rc = 0;
    lode_segment_t *seg = active(log);
    if (lode_segment_should_roll(seg, &cfg, 0, now_ms, load64(&log->leo), now_ms,
                                 roll_jitter(log, &cfg)))
        rc = roll(log, now_ms);
    pthread_mutex_unlock(&log->append_lock);
    return rc;
}

bool lode_log_get_producer(lode_log_t *log, int64_t producer_id, lode_producer_entry_t *out)
{
    pthread_mutex_lock(&log->append_lock);
    const lode_producer_entry_t *e = lode_pstate_get(&log->ps, producer_id);
    if (e)
        *out = *e;
    pthread_mutex_unlock(&log->append_lock);
    return e != NULL;
}

int lode_log_expire_producers(lode_log_t *log, int64_t now_ms)
{
    lode_log_config_t cfg;
    lode_log_get_config(log, &cfg);
    pthread_mutex_lock(&log->append_lock);
    int n = lode_pstate_expire(&log->ps, now_ms, cfg.producer_id_expiration_ms);
    pthread_mutex_unlock(&log->append_lock);
    return n;
}

void lode_log_end_offset_for_epoch(lode_log_t *log, int32_t requested, int32_t *epoch,
                                   int64_t *end_offset)
{
    pthread_mutex_lock(&log->append_lock);
    lode_epoch_cache_end_offset_for(&log->epochs, requested, load64(&log->leo), epoch, end_offset);
    pthread_mutex_unlock(&log->append_lock);
}

int32_t lode_log_epoch_for_offset(lode_log_t *log, int64_t offset)
{
    pthread_mutex_lock(&log->append_lock);
    int32_t e = lode_epoch_cache_epoch_for(&log->epochs, offset);
    pthread_mutex_unlock(&log->append_lock);
    return e;
}

int32_t lode_log_latest_epoch(lode_log_t *log)
{
    pthread_mutex_lock(&log->append_lock);
    int32_t e = lode_epoch_cache_latest(&log->epochs);
    pthread_mutex_unlock(&log->append_lock);
    return e;
}
