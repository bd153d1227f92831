/*
 * cleaner.h — log compaction (cleanup.policy=compact), Kafka's LogCleaner:
 * keep the latest record per key, keep every surviving record's offset.
 *
 * One pass over a log:
 *  1. The dirty section is [first dirty offset, end): end is the first
 *     offset the pass may not touch — the active segment's base, the high
 *     watermark, or the first segment younger than min.compaction.lag.ms.
 *  2. An offset map (key → latest offset) is built over the dirty section,
 *     bounded by the dedupe buffer; if it fills, `end` moves back to the last
 *     whole segment mapped.
 *  3. Every segment below `end` is rewritten in groups (consecutive segments
 *     whose sizes fit segment.bytes and whose offsets fit one segment):
 *     a record survives when no later record has its key; keyless records go;
 *     a tombstone (null value) survives until its batch's delete horizon
 *     (set to now + delete.retention.ms when the cleaner first keeps it,
 *     KIP-534) has passed. A batch whose records all survive is copied
 *     byte for byte; otherwise it is rebuilt with the same base offset,
 *     producer fields, codec and last offset delta. An emptied batch that is
 *     its producer's last is kept as an empty batch (producer state needs
 *     it). Control batches (transaction markers) are kept: the transaction
 *     work adds Kafka's rules for dropping them.
 *  4. Crash-safe swap: the group is written to <base>.log.cleaned (and
 *     indexes), fsynced, renamed to .swap, the old segments renamed to
 *     .deleted, the .swap renamed to the final names. Startup (log.c) deletes
 *     .cleaned files, completes .swap files and drops segments a completed
 *     swap covers.
 *
 * Threading: one cleaning pass per log at a time (the caller's cleaner
 * thread); appends and reads continue meanwhile — the log's locks are held
 * only to pick segments and to swap them.
 */
#ifndef LODE_STORAGE_CLEANER_H
#define LODE_STORAGE_CLEANER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/log.h"

typedef struct lode_cleanable {
    int64_t first_dirty;   /* clamped to the log start offset */
    int64_t end;           /* first uncleanable offset */
    int64_t clean_bytes;   /* segment bytes below first_dirty */
    int64_t dirty_bytes;   /* segment bytes in [first_dirty, end) */
    bool max_lag_exceeded; /* max.compaction.lag.ms forces a pass */
} lode_cleanable_t;

/* What a pass could clean now. dirty_bytes == 0 means nothing. */
void lode_log_cleanable(lode_log_t *log, int64_t first_dirty, int64_t now_ms,
                        lode_cleanable_t *out);

/* Whether a pass is due: dirty ratio >= min.cleanable.dirty.ratio, or the
 * max compaction lag is exceeded. */
bool lode_log_needs_cleaning(lode_log_t *log, int64_t first_dirty, int64_t now_ms);

typedef struct lode_clean_stats {
    int64_t next_dirty; /* the new first dirty offset (cleaner checkpoint) */
    int64_t bytes_read;
    int64_t bytes_written;
    int64_t records_read;
    int64_t records_kept;
    int64_t tombstones_dropped;
    int segments_in;
    int segments_out;
} lode_clean_stats_t;

/*
 * Runs one pass (see the top of this file). dedupe_buffer_bytes bounds the
 * offset map (log.cleaner.dedupe.buffer.size; 24 bytes an entry).
 * LODE_ETOOBIG when not even one dirty segment fits the map.
 */
int lode_log_clean(lode_log_t *log, int64_t first_dirty, int64_t now_ms, size_t dedupe_buffer_bytes,
                   lode_clean_stats_t *stats);

#endif
