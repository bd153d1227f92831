/*
 * segment.c — a log segment's files (see segment.h for the invariants).
 */
#include "storage/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"

/* batchLength counts from partitionLeaderEpoch: header bytes it covers. */
#define MIN_BATCH_LENGTH (LODE_BATCH_HEADER_BYTES - LODE_BATCH_LOG_OVERHEAD)

void lode_segment_file_name(char *out, size_t out_len, const char *dir, int64_t base_offset,
                            const char *suffix)
{
    snprintf(out, out_len, "%s/%020" PRId64 "%s", dir, base_offset, suffix);
}

static int pread_full(int fd, void *buf, size_t len, off_t pos)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, pos);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return LODE_EIO;
        }
        if (n == 0)
            return LODE_ETRUNC;
        p += n;
        len -= (size_t)n;
        pos += n;
    }
    return 0;
}

static int pwrite_full(int fd, const void *buf, size_t len, off_t pos)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, pos);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return LODE_EIO;
        }
        p += n;
        len -= (size_t)n;
        pos += n;
    }
    return 0;
}

static int segment_open(lode_segment_t *seg, const char *dir, int64_t base_offset,
                        const lode_log_config_t *cfg, bool create, int64_t now_ms,
                        const char *suffix)
{
    char path[4096], ext[32];
    memset(seg, 0, sizeof *seg);
    seg->base_offset = base_offset;
    seg->max_timestamp = -1;
    seg->offset_of_max_timestamp = base_offset;
    seg->next_offset = base_offset;
    seg->rolling_ts_ms = -1;
    seg->created_ms = now_ms;
    snprintf(seg->suffix, sizeof seg->suffix, "%s", suffix);
    snprintf(ext, sizeof ext, ".log%s", suffix);
    lode_segment_file_name(path, sizeof path, dir, base_offset, ext);
    int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
    seg->log_fd = open(path, flags, 0644);
    if (seg->log_fd < 0)
        return errno == EEXIST ? LODE_EEXIST : errno == ENOENT ? LODE_ENOTFOUND : LODE_EIO;
    struct stat st;
    if (fstat(seg->log_fd, &st) != 0)
        goto err_after_log;
    if (st.st_size > INT32_MAX) {
        errno = EFBIG;
        goto err_after_log;
    }
    seg->size = (uint32_t)st.st_size;
    size_t idx_bytes = (size_t)cfg->segment_index_bytes;
    snprintf(ext, sizeof ext, ".index%s", suffix);
    lode_segment_file_name(path, sizeof path, dir, base_offset, ext);
    if (lode_index_open(&seg->oidx, LODE_INDEX_OFFSET, path, base_offset, idx_bytes, true) != 0)
        goto err_after_log;
    snprintf(ext, sizeof ext, ".timeindex%s", suffix);
    lode_segment_file_name(path, sizeof path, dir, base_offset, ext);
    if (lode_index_open(&seg->tidx, LODE_INDEX_TIME, path, base_offset, idx_bytes, true) != 0)
        goto err_after_oidx;
    if (create && cfg->preallocate) {
        /* Kafka's preallocate: reserve the blocks without changing the size. */
        (void)fallocate(seg->log_fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)cfg->segment_bytes);
    }
    seg->dir = lode_xstrdup(dir);
    return 0;

err_after_oidx:
    lode_index_close(&seg->oidx);
err_after_log : {
    int saved = errno;
    close(seg->log_fd);
    seg->log_fd = -1;
    errno = saved;
    return LODE_EIO;
}
}

int lode_segment_open(lode_segment_t *seg, const char *dir, int64_t base_offset,
                      const lode_log_config_t *cfg, bool create, int64_t now_ms)
{
    return segment_open(seg, dir, base_offset, cfg, create, now_ms, "");
}

int lode_segment_close(lode_segment_t *seg)
{
    int rc = 0;
    if (seg->log_fd < 0)
        return 0;
    if (lode_index_close(&seg->oidx))
        rc = LODE_EIO;
    if (lode_index_close(&seg->tidx))
        rc = LODE_EIO;
    if (close(seg->log_fd))
        rc = LODE_EIO;
    seg->log_fd = -1;
    free(seg->dir);
    seg->dir = NULL;
    return rc;
}

int lode_segment_new(const char *dir, int64_t base_offset, const lode_log_config_t *cfg,
                     bool create, int64_t now_ms, lode_segment_t **out)
{
    lode_segment_t *seg = lode_xmalloc(sizeof *seg);
    int rc = lode_segment_open(seg, dir, base_offset, cfg, create, now_ms);
    if (rc) {
        free(seg);
        return rc;
    }
    seg->refs = 1;
    *out = seg;
    return 0;
}

int lode_segment_new_suffixed(const char *dir, int64_t base_offset, const lode_log_config_t *cfg,
                              const char *suffix, int64_t now_ms, lode_segment_t **out)
{
    lode_segment_t *seg = lode_xmalloc(sizeof *seg);
    int rc = segment_open(seg, dir, base_offset, cfg, true, now_ms, suffix);
    if (rc) {
        free(seg);
        return rc;
    }
    seg->refs = 1;
    *out = seg;
    return 0;
}

lode_segment_t *lode_segment_keep(lode_segment_t *seg)
{
    __atomic_add_fetch(&seg->refs, 1, __ATOMIC_RELAXED);
    return seg;
}

void lode_segment_release(lode_segment_t *seg)
{
    if (__atomic_sub_fetch(&seg->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        lode_segment_close(seg);
        free(seg);
    }
}

int lode_segment_batch_at(const lode_segment_t *seg, uint32_t position, uint32_t limit,
                          lode_seg_batch_t *out)
{
    if (position >= limit)
        return LODE_ENOTFOUND;
    if (limit - position < LODE_BATCH_HEADER_BYTES)
        return LODE_ECORRUPT;
    uint8_t h[LODE_BATCH_HEADER_BYTES];
    int rc = pread_full(seg->log_fd, h, sizeof h, position);
    if (rc)
        return rc == LODE_ETRUNC ? LODE_ECORRUPT : rc;
    int32_t blen = (int32_t)lode_be32_load(h + LODE_BATCH_LENGTH_OFFSET);
    if (blen < MIN_BATCH_LENGTH || (uint64_t)blen + LODE_BATCH_LOG_OVERHEAD > limit - position)
        return LODE_ECORRUPT;
    out->base_offset = (int64_t)lode_be64_load(h + LODE_BATCH_BASE_OFFSET_OFFSET);
    int32_t delta = (int32_t)lode_be32_load(h + LODE_BATCH_LAST_OFFSET_DELTA_OFFSET);
    if (delta < 0)
        return LODE_ECORRUPT;
    out->last_offset = out->base_offset + delta;
    out->max_timestamp = (int64_t)lode_be64_load(h + LODE_BATCH_MAX_TIMESTAMP_OFFSET);
    out->magic = h[LODE_BATCH_MAGIC_OFFSET];
    out->attributes = (int16_t)lode_be16_load(h + LODE_BATCH_ATTRIBUTES_OFFSET);
    out->partition_leader_epoch = (int32_t)lode_be32_load(h + LODE_BATCH_LEADER_EPOCH_OFFSET);
    out->producer_id = (int64_t)lode_be64_load(h + LODE_BATCH_PRODUCER_ID_OFFSET);
    out->producer_epoch = (int16_t)lode_be16_load(h + LODE_BATCH_PRODUCER_EPOCH_OFFSET);
    out->base_sequence = (int32_t)lode_be32_load(h + LODE_BATCH_BASE_SEQUENCE_OFFSET);
    out->position = position;
    out->total_bytes = (uint32_t)blen + LODE_BATCH_LOG_OVERHEAD;
    return 0;
}

int lode_segment_append(lode_segment_t *seg, const uint8_t *batches, size_t len,
                        int64_t last_offset, int64_t max_ts, int64_t offset_of_max_ts,
                        int64_t index_interval_bytes)
{
    uint32_t pos = seg->size;
    if (len == 0)
        return 0;
    if (len > (size_t)INT32_MAX - pos || last_offset - seg->base_offset > INT32_MAX)
        return LODE_ETOOBIG;
    int rc = pwrite_full(seg->log_fd, batches, len, pos);
    if (rc) {
        int saved = errno;
        if (ftruncate(seg->log_fd, pos) != 0) {
            /* The tail is garbage now; recovery at the next start cuts it. */
        }
        errno = saved;
        return rc;
    }
    if (seg->rolling_ts_ms < 0)
        seg->rolling_ts_ms = max_ts;
    if (max_ts > seg->max_timestamp) {
        seg->max_timestamp = max_ts;
        seg->offset_of_max_timestamp = offset_of_max_ts;
    }
    /* Index per batch, as Kafka does: walk the batch starts in the buffer. */
    size_t off = 0;
    while (off + LODE_BATCH_HEADER_BYTES <= len) {
        uint32_t blen =
            lode_be32_load(batches + off + LODE_BATCH_LENGTH_OFFSET) + LODE_BATCH_LOG_OVERHEAD;
        if (seg->bytes_since_index > index_interval_bytes) {
            int64_t base = (int64_t)lode_be64_load(batches + off + LODE_BATCH_BASE_OFFSET_OFFSET);
            int64_t last =
                base + (int32_t)lode_be32_load(batches + off + LODE_BATCH_LAST_OFFSET_DELTA_OFFSET);
            /* A full index is noticed by should_roll before the next append. */
            (void)lode_index_append_offset(&seg->oidx, last, pos + (uint32_t)off);
            (void)lode_index_maybe_append_time(&seg->tidx, seg->max_timestamp,
                                               seg->offset_of_max_timestamp, false);
            seg->bytes_since_index = 0;
        }
        seg->bytes_since_index += blen;
        off += blen;
    }
    seg->next_offset = last_offset + 1;
    __atomic_store_n(&seg->size, pos + (uint32_t)len, __ATOMIC_RELEASE);
    return 0;
}

int lode_segment_find_batch(const lode_segment_t *seg, int64_t target, lode_seg_batch_t *out)
{
    int64_t ioff;
    uint32_t pos;
    uint32_t limit = lode_segment_size(seg);
    lode_index_lookup_offset(&seg->oidx, target, &ioff, &pos);
    /* The index entry names a batch whose last offset is ioff <= target; when
     * ioff < target the answer is at or after the next batch, but scanning
     * from this one is always correct. */
    for (;;) {
        int rc = lode_segment_batch_at(seg, pos, limit, out);
        if (rc)
            return rc;
        if (out->last_offset >= target)
            return 0;
        pos += out->total_bytes;
    }
}

/* Slices at least this long are worth a readahead check. */
#define PREFETCH_MIN_BYTES (256u << 10)

/* Whether the page holding byte pos of fd is in the page cache: a one-byte
 * read that may not wait for the disk (RWF_NOWAIT fails with EAGAIN when it
 * would). */
static bool page_cached(int fd, uint32_t pos)
{
    char c;
    struct iovec v = {&c, 1};
    return preadv2(fd, &v, 1, pos, RWF_NOWAIT) >= 0 || errno != EAGAIN;
}

/*
 * A slice about to be sent whose start or end is not in the page cache (a
 * consumer catching up on old data) is read ahead as a whole: the disk gets
 * the slice's reads at once instead of sendfile's window by window, so a cold
 * fetch runs at the disk's sequential rate. Cached slices cost two probes.
 */
static void prefetch(int fd, uint32_t pos, uint32_t bytes)
{
    if (bytes < PREFETCH_MIN_BYTES)
        return;
    if (!page_cached(fd, pos) || !page_cached(fd, pos + bytes - 1))
        posix_fadvise(fd, pos, bytes, POSIX_FADV_WILLNEED);
}

int lode_segment_read(const lode_segment_t *seg, int64_t start_offset, uint32_t max_bytes,
                      uint32_t max_position, bool min_one, lode_file_slice_t *out)
{
    lode_seg_batch_t b;
    out->fd = seg->log_fd;
    out->position = 0;
    out->bytes = 0;
    int rc = lode_segment_find_batch(seg, start_offset, &b);
    if (rc == LODE_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    uint32_t limit = lode_segment_size(seg);
    if (max_position < limit)
        limit = max_position;
    if (b.position >= limit)
        return 0;
    uint32_t avail = limit - b.position;
    uint32_t n = avail < max_bytes ? avail : max_bytes;
    if (min_one && b.total_bytes > n && b.total_bytes <= avail)
        n = b.total_bytes;
    out->position = b.position;
    out->bytes = n;
    prefetch(seg->log_fd, b.position, n);
    return 0;
}

int lode_segment_find_by_timestamp(const lode_segment_t *seg, int64_t target_ts,
                                   int64_t start_offset, lode_seg_batch_t *out)
{
    int64_t ts, off;
    lode_index_lookup_time(&seg->tidx, target_ts, &ts, &off);
    if (off < start_offset)
        off = start_offset;
    int64_t ioff;
    uint32_t pos;
    lode_index_lookup_offset(&seg->oidx, off, &ioff, &pos);
    uint32_t limit = lode_segment_size(seg);
    for (;;) {
        int rc = lode_segment_batch_at(seg, pos, limit, out);
        if (rc)
            return rc;
        if (out->max_timestamp >= target_ts && out->last_offset >= start_offset)
            return 0;
        pos += out->total_bytes;
    }
}

int lode_segment_truncate_to(lode_segment_t *seg, int64_t offset, uint32_t *removed)
{
    *removed = 0;
    uint32_t size = seg->size;
    lode_seg_batch_t b;
    int rc = lode_segment_find_batch(seg, offset, &b);
    if (rc == LODE_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    /* Keep the batch only if it ends before offset (find_batch returns the
     * first with last_offset >= offset: it goes, and everything after). */
    uint32_t cut = b.position;
    lode_index_truncate_to(&seg->oidx, offset);
    lode_index_truncate_to(&seg->tidx, offset);
    if (ftruncate(seg->log_fd, cut) != 0)
        return LODE_EIO;
    __atomic_store_n(&seg->size, cut, __ATOMIC_RELEASE);
    *removed = size - cut;
    seg->bytes_since_index = 0;
    return lode_segment_load_tail(seg);
}

int lode_segment_flush_data(lode_segment_t *seg)
{
    if (fdatasync(seg->log_fd) != 0)
        return LODE_EIO;
    return 0;
}

int lode_segment_flush(lode_segment_t *seg)
{
    int rc = lode_segment_flush_data(seg);
    if (rc == 0 && (lode_index_flush(&seg->oidx) || lode_index_flush(&seg->tidx)))
        rc = LODE_EIO;
    return rc;
}

int lode_segment_seal(lode_segment_t *seg)
{
    if (seg->max_timestamp >= 0)
        (void)lode_index_maybe_append_time(&seg->tidx, seg->max_timestamp,
                                           seg->offset_of_max_timestamp, true);
    int rc = lode_index_trim(&seg->oidx);
    if (!rc)
        rc = lode_index_trim(&seg->tidx);
    return rc;
}

bool lode_segment_should_roll(const lode_segment_t *seg, const lode_log_config_t *cfg, size_t len,
                              int64_t first_ts, int64_t last_offset, int64_t now_ms,
                              int64_t jitter_ms)
{
    uint32_t size = seg->size;
    if (size == 0)
        return false;
    if ((int64_t)size > cfg->segment_bytes - (int64_t)len)
        return true;
    if (lode_index_is_full(&seg->oidx) || lode_index_is_full(&seg->tidx))
        return true;
    if (last_offset - seg->base_offset > INT32_MAX)
        return true;
    /* segment.ms: from the first batch's timestamp when there is one (Kafka's
     * rollingBasedTimestamp), otherwise from when the segment was created. */
    int64_t since = seg->rolling_ts_ms >= 0 ? seg->rolling_ts_ms : seg->created_ms;
    (void)first_ts;
    if (now_ms - since > cfg->segment_ms - jitter_ms)
        return true;
    return false;
}

static const char *const suffixes[] = {".log", ".index", ".timeindex", ".txnindex"};

int lode_segment_rename_all(lode_segment_t *seg, const char *suffix)
{
    char from[4096], to[4200];
    int rc = 0;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char ext[32];
        lode_segment_file_name(to, sizeof to, seg->dir, seg->base_offset, suffixes[i]);
        strcat(to, suffix);
        snprintf(ext, sizeof ext, "%s%s", suffixes[i], seg->suffix);
        lode_segment_file_name(from, sizeof from, seg->dir, seg->base_offset, ext);
        if (i == 1) {
            if (lode_index_rename(&seg->oidx, to))
                rc = LODE_EIO;
        } else if (i == 2) {
            if (lode_index_rename(&seg->tidx, to))
                rc = LODE_EIO;
        } else if (rename(from, to) != 0 && errno != ENOENT) {
            rc = LODE_EIO;
        }
    }
    snprintf(seg->suffix, sizeof seg->suffix, "%s", suffix);
    return rc;
}

int lode_segment_delete(lode_segment_t *seg, const char *suffix)
{
    char path[4096], full[4200];
    int64_t base = seg->base_offset;
    char *dir = lode_xstrdup(seg->dir);
    int rc = lode_segment_close(seg);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        lode_segment_file_name(path, sizeof path, dir, base, suffixes[i]);
        snprintf(full, sizeof full, "%s%s", path, suffix ? suffix : "");
        if (unlink(full) != 0 && errno != ENOENT)
            rc = LODE_EIO;
    }
    free(dir);
    return rc;
}

int lode_segment_recover(lode_segment_t *seg, int64_t index_interval_bytes,
                         lode_batch_validate_fn validate, void *arg, uint32_t *truncated)
{
    uint32_t size = seg->size;
    uint32_t pos = 0;
    lode_index_reset(&seg->oidx);
    lode_index_reset(&seg->tidx);
    seg->max_timestamp = -1;
    seg->offset_of_max_timestamp = seg->base_offset;
    seg->rolling_ts_ms = -1;
    seg->bytes_since_index = 0;
    seg->next_offset = seg->base_offset;
    uint8_t *buf = NULL;
    size_t buf_cap = 0;
    int64_t prev_last = seg->base_offset - 1;
    int rc = 0;
    while (pos < size) {
        lode_seg_batch_t b;
        if (lode_segment_batch_at(seg, pos, size, &b) != 0)
            break;
        if (b.base_offset <= prev_last || b.base_offset < seg->base_offset ||
            b.last_offset - seg->base_offset > INT32_MAX)
            break;
        if (validate) {
            if (buf_cap < b.total_bytes) {
                buf_cap = b.total_bytes;
                buf = lode_xrealloc(buf, buf_cap);
            }
            if (pread_full(seg->log_fd, buf, b.total_bytes, pos) != 0)
                break;
            if (validate(buf, b.total_bytes, arg) != 0)
                break;
        }
        if (seg->rolling_ts_ms < 0)
            seg->rolling_ts_ms = b.max_timestamp;
        if (b.max_timestamp > seg->max_timestamp) {
            seg->max_timestamp = b.max_timestamp;
            seg->offset_of_max_timestamp = b.last_offset;
        }
        if (seg->bytes_since_index > index_interval_bytes) {
            if (lode_index_append_offset(&seg->oidx, b.last_offset, pos) == LODE_ETOOBIG)
                lode_index_resize(&seg->oidx, (lode_index_entries(&seg->oidx) + 1024) * 8);
            if (lode_index_maybe_append_time(&seg->tidx, seg->max_timestamp,
                                             seg->offset_of_max_timestamp, false) == LODE_ETOOBIG)
                lode_index_resize(&seg->tidx, (lode_index_entries(&seg->tidx) + 1024) * 12);
            seg->bytes_since_index = 0;
        }
        seg->bytes_since_index += b.total_bytes;
        prev_last = b.last_offset;
        seg->next_offset = b.last_offset + 1;
        pos += b.total_bytes;
    }
    free(buf);
    *truncated = size - pos;
    if (pos < size) {
        if (ftruncate(seg->log_fd, pos) != 0)
            rc = LODE_EIO;
        __atomic_store_n(&seg->size, pos, __ATOMIC_RELEASE);
    }
    return rc;
}

int lode_segment_load_tail(lode_segment_t *seg)
{
    uint32_t size = seg->size;
    int64_t ioff;
    uint32_t pos = 0;
    size_t n = lode_index_entries(&seg->oidx);
    if (n > 0)
        lode_index_offset_entry(&seg->oidx, n - 1, &ioff, &pos);
    if (pos > size)
        return LODE_ECORRUPT;
    int64_t ts, tsoff;
    lode_index_last_time(&seg->tidx, &ts, &tsoff);
    seg->max_timestamp = ts;
    seg->offset_of_max_timestamp = tsoff;
    seg->next_offset = seg->base_offset;
    seg->bytes_since_index = 0;
    lode_seg_batch_t b;
    if (size > 0 && lode_segment_batch_at(seg, 0, size, &b) == 0)
        seg->rolling_ts_ms = b.max_timestamp;
    else
        seg->rolling_ts_ms = -1;
    while (pos < size) {
        int rc = lode_segment_batch_at(seg, pos, size, &b);
        if (rc)
            return rc;
        if (b.max_timestamp > seg->max_timestamp) {
            seg->max_timestamp = b.max_timestamp;
            seg->offset_of_max_timestamp = b.last_offset;
        }
        seg->next_offset = b.last_offset + 1;
        seg->bytes_since_index += b.total_bytes;
        pos += b.total_bytes;
    }
    return 0;
}
