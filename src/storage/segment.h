/*
 * segment.h — one log segment: a .log file of record batches (magic v2, as
 * stored by Kafka) and its .index and .timeindex, all named after the
 * segment's base offset as a 20-digit zero-padded number.
 *
 * Invariants:
 *  1. The .log holds whole batches back to back from position 0 to `size`;
 *     batch offsets increase strictly and all are >= base_offset and
 *     < base_offset + 2^31.
 *  2. Offset-index entries point at batch starts: (last offset of the batch,
 *     position of the batch). Time-index entries are (max timestamp so far,
 *     offset of the batch holding it). Both are sparse: an entry is added
 *     after more than index.interval.bytes were appended since the last one.
 *  3. `size` only grows by append and is published (release) after the bytes
 *     are written, so a reader on another thread that loads it (acquire)
 *     reads only complete batches. Truncation and deletion happen under the
 *     owning log's exclusive lock.
 *
 * Threading: one appender at a time (the log's append lock); any number of
 * readers concurrently.
 */
#ifndef LODE_STORAGE_SEGMENT_H
#define LODE_STORAGE_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/record_batch.h"
#include "storage/index.h"
#include "storage/log_config.h"

typedef struct lode_segment {
    int64_t base_offset;
    int log_fd;
    char *dir;
    uint32_t size; /* bytes of whole batches in .log (atomic) */
    lode_index_t oidx;
    lode_index_t tidx;
    int64_t max_timestamp; /* largest batch maxTimestamp so far, -1 if none */
    int64_t offset_of_max_timestamp;
    int64_t next_offset;   /* last offset + 1 of the last batch, base if empty */
    int64_t rolling_ts_ms; /* max timestamp of the first batch, -1 if empty */
    uint32_t bytes_since_index;
    int64_t created_ms;       /* when this segment object was created/opened */
    int refs;                 /* see lode_segment_keep / lode_segment_release */
    char suffix[16];          /* extra file-name suffix: "", ".cleaned", ".swap", ".deleted" */
} lode_segment_t;

/* A batch as found in a segment file, without reading its records. */
typedef struct lode_seg_batch {
    int64_t base_offset;
    int64_t last_offset;
    int64_t max_timestamp;
    uint32_t position;    /* of the batch's first byte in .log */
    uint32_t total_bytes; /* LODE_BATCH_LOG_OVERHEAD + batchLength */
    uint8_t magic;
    int16_t attributes;
    int32_t partition_leader_epoch;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
} lode_seg_batch_t;

/* A byte range of a segment file: what a fetch hands to sendfile(2). */
typedef struct lode_file_slice {
    int fd;
    uint32_t position;
    uint32_t bytes;
} lode_file_slice_t;

/* Writes "<dir>/<20-digit base><suffix>" into out (at least 4096 bytes). */
void lode_segment_file_name(char *out, size_t out_len, const char *dir, int64_t base_offset,
                            const char *suffix);

/*
 * Opens (create=false) or creates (create=true) the segment with base
 * `base_offset` in `dir`. Index preallocation follows cfg->segment_index_bytes.
 * An opened segment trusts its files: the log calls lode_segment_recover() for
 * segments past the recovery point and lode_segment_load_tail() otherwise.
 */
int lode_segment_open(lode_segment_t *seg, const char *dir, int64_t base_offset,
                      const lode_log_config_t *cfg, bool create, int64_t now_ms);
/* Trims indexes (writable ones) and closes every file. */
int lode_segment_close(lode_segment_t *seg);

/*
 * Heap segments shared between a log and its readers: lode_segment_new opens
 * like lode_segment_open and returns an object with one reference; the last
 * lode_segment_release closes the files and frees it. keep/release are
 * thread-safe.
 */
int lode_segment_new(const char *dir, int64_t base_offset, const lode_log_config_t *cfg,
                     bool create, int64_t now_ms, lode_segment_t **out);
lode_segment_t *lode_segment_keep(lode_segment_t *seg);
/* Creates a new segment whose files carry `suffix` after their extension
 * (the cleaner writes "<base>.log.cleaned" etc.). */
int lode_segment_new_suffixed(const char *dir, int64_t base_offset, const lode_log_config_t *cfg,
                              const char *suffix, int64_t now_ms, lode_segment_t **out);
void lode_segment_release(lode_segment_t *seg);

static inline uint32_t lode_segment_size(const lode_segment_t *seg)
{
    return __atomic_load_n(&seg->size, __ATOMIC_ACQUIRE);
}

/*
 * Appends whole batches (offsets already assigned; the buffer may hold
 * several). `last_offset` is the last offset in them, `max_ts` and
 * `offset_of_max_ts` their largest timestamp and the offset of the batch that
 * holds it. Writes at the end of .log, adds index entries per invariant 2.
 * LODE_ETOOBIG when the bytes would overflow 2^31 or the relative offset
 * range; LODE_EIO on a write error (the segment is then truncated back).
 */
int lode_segment_append(lode_segment_t *seg, const uint8_t *batches, size_t len,
                        int64_t last_offset, int64_t max_ts, int64_t offset_of_max_ts,
                        int64_t index_interval_bytes);

/*
 * Reads the shallow header of the batch at `position`. 0, LODE_ENOTFOUND at
 * or past `limit`, LODE_ECORRUPT if the header is impossible.
 */
int lode_segment_batch_at(const lode_segment_t *seg, uint32_t position, uint32_t limit,
                          lode_seg_batch_t *out);

/*
 * Finds the first batch whose last offset >= target, starting the scan from
 * the index's floor entry. LODE_ENOTFOUND when the segment ends first.
 */
int lode_segment_find_batch(const lode_segment_t *seg, int64_t target, lode_seg_batch_t *out);

/*
 * The fetch read: the slice starting at the batch that holds `start_offset`
 * (a read inside a batch returns the whole batch) and at most max_bytes long,
 * not past `max_position` (the high watermark's position when reading for a
 * consumer). When min_one is set and the first batch alone exceeds max_bytes,
 * the first batch is returned whole (KIP-74). An empty slice (bytes == 0) when
 * no batch qualifies.
 */
int lode_segment_read(const lode_segment_t *seg, int64_t start_offset, uint32_t max_bytes,
                      uint32_t max_position, bool min_one, lode_file_slice_t *out);

/*
 * The first batch that may hold a timestamp >= target_ts, from the time index
 * and a scan; out->base_offset etc. LODE_ENOTFOUND when no batch has one.
 */
int lode_segment_find_by_timestamp(const lode_segment_t *seg, int64_t target_ts,
                                   int64_t start_offset, lode_seg_batch_t *out);

/* Drops batches with offsets >= offset (a batch holding it is dropped whole),
 * index entries with them, and returns the bytes removed in *removed. */
int lode_segment_truncate_to(lode_segment_t *seg, int64_t offset, uint32_t *removed);

/* fdatasync of .log and msync of the indexes. */
int lode_segment_flush(lode_segment_t *seg);
/* fdatasync of .log only: enough for the active segment, whose indexes are
 * rebuilt by recovery after any unclean shutdown (log.c never trusts the
 * active segment past a crash), so group commit pays one sync, not three. */
int lode_segment_flush_data(lode_segment_t *seg);

/* The segment stops being active: final time-index entry, trimmed indexes. */
int lode_segment_seal(lode_segment_t *seg);

/* Should the active segment roll before appending `len` more bytes whose
 * first batch has max timestamp first_ts? (segment.bytes, segment.ms with
 * jitter, full index, relative-offset overflow.) */
bool lode_segment_should_roll(const lode_segment_t *seg, const lode_log_config_t *cfg, size_t len,
                              int64_t first_ts, int64_t last_offset, int64_t now_ms,
                              int64_t jitter_ms);

/* Renames every file of the segment so that its suffix becomes `suffix`
 * (e.g. "" → ".deleted", ".cleaned" → ".swap" → ""). */
int lode_segment_rename_all(lode_segment_t *seg, const char *suffix);
/* Unlinks every file of the segment (with `suffix` if given) and closes it. */
int lode_segment_delete(lode_segment_t *seg, const char *suffix);

/*
 * Rebuilds this segment's state from its .log after the last trusted point:
 * scans every batch (the caller's `validate` checks it: CRC, sizes), rebuilds
 * both indexes and max timestamp, and truncates the file at the first invalid
 * or torn batch. Returns bytes truncated in *truncated.
 */
typedef int (*lode_batch_validate_fn)(const uint8_t *batch, size_t len, void *arg);
int lode_segment_recover(lode_segment_t *seg, int64_t index_interval_bytes,
                         lode_batch_validate_fn validate, void *arg, uint32_t *truncated);

/* For a segment whose files are trusted: computes next_offset, max timestamp
 * and rolling timestamp from the index tails and the last batches. */
int lode_segment_load_tail(lode_segment_t *seg);

#endif
