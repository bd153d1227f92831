/*
 * log.h — a partition's log: an ordered list of segments in the directory
 * <log.dir>/<topic>-<partition>, with the offsets Kafka tracks for it.
 *
 *   log start offset  ≤  high watermark  ≤  log end offset (LEO)
 *   recovery point    ≤  LEO  (everything below it is fsynced)
 *
 * Invariants:
 *  1. Segments are sorted by base offset; each segment's offsets lie in
 *     [base, next segment's base). Only the last (active) segment is written.
 *  2. The LEO is the active segment's next offset; offsets are assigned
 *     contiguously from it by lode_log_append (the leader path).
 *  3. durable_offset (= recovery point) only moves forward except on
 *     truncation; a batch is acknowledged as durable only once fsynced.
 *  4. Readers never see bytes beyond the LEO of the moment they started
 *     (segment sizes are published after writes).
 *
 * Locking: `append_lock` (mutex) serialises appends, rolls and truncation;
 * `segs_lock` (rwlock) protects the segment array: readers hold it shared
 * only to pick a segment and take a reference, and use the file after
 * releasing it. Segment objects are refcounted so retention can remove a
 * segment while a fetch still sends from it.
 */
#ifndef LODE_STORAGE_LOG_H
#define LODE_STORAGE_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/log_config.h"
#include "storage/producer_state.h"
#include "storage/segment.h"

typedef struct lode_log lode_log_t;

/* Result of an append. */
typedef struct lode_log_append_info {
    int64_t first_offset;  /* offset given to the first record */
    int64_t last_offset;   /* offset of the last record */
    int64_t max_timestamp; /* largest timestamp appended */
    int64_t offset_of_max_timestamp;
    int64_t log_append_time_ms; /* -1 unless the log uses LogAppendTime */
    int64_t log_start_offset;   /* after the append */
    int32_t record_count;
    size_t bytes;
} lode_log_append_info_t;

/*
 * Validates one batch (CRC, lengths, record count…) before it is written;
 * supplied by the caller so storage stays independent of the full batch
 * parser. Returns 0 or a negative LODE_E* and fills `why`.
 */
typedef struct lode_log_hooks {
    int (*validate)(const uint8_t *batch, size_t len, void *arg);
    void *arg;
} lode_log_hooks_t;

/*
 * Opens the log in `dir` (created if missing). Segments at or after
 * `recovery_point` are re-validated and their indexes rebuilt unless
 * `clean_shutdown`; interrupted swaps (.swap), leftovers (.cleaned, .tmp,
 * .deleted) are resolved. `log_start_offset` comes from the checkpoint (-1:
 * unknown, use the first segment's base). On success *out owns the log.
 */
int lode_log_open(const char *dir, const lode_log_config_t *cfg, int64_t recovery_point,
                  int64_t log_start_offset, bool clean_shutdown, const lode_log_hooks_t *hooks,
                  int64_t now_ms, lode_log_t **out);
/* Seals the active segment's indexes, closes files, frees — for the sole
 * owner. Shared logs use keep/release: the last release closes. */
int lode_log_close(lode_log_t *log);
lode_log_t *lode_log_keep(lode_log_t *log);
void lode_log_release(lode_log_t *log);

/* Replaces the config (dynamic topic config change). Thread-safe. */
void lode_log_set_config(lode_log_t *log, const lode_log_config_t *cfg);
void lode_log_get_config(lode_log_t *log, lode_log_config_t *cfg);

/*
 * Leader append: `batches` (one or more v2 batches, already validated by the
 * caller) get offsets from the LEO by rewriting each base offset in place
 * (and, for LogAppendTime logs, their max timestamp and CRC); then they are
 * written to the active segment, rolling first if needed. The buffer is
 * modified but stays the caller's. Thread-safe.
 *
 * Idempotent batches (producer id >= 0) are checked against the producer
 * state under the append lock: LODE_EDUPLICATE (nothing appended; info holds
 * the original first/last offsets), LODE_ESEQUENCE, LODE_EFENCED. Such
 * batches must come one per append (Kafka's Produce v3+ rule): LODE_EINVAL
 * otherwise.
 * LODE_ETOOBIG: a batch exceeds max.message.bytes.
 */
int lode_log_append(lode_log_t *log, uint8_t *batches, size_t len, int32_t leader_epoch,
                    int64_t now_ms, lode_log_append_info_t *info);

/*
 * Follower / recovery append: batches keep their offsets, which must start at
 * the LEO or later (LODE_EINVAL otherwise). Thread-safe.
 */
int lode_log_append_as_follower(lode_log_t *log, const uint8_t *batches, size_t len, int64_t now_ms,
                                lode_log_append_info_t *info);

/* A fetch read: slice + the segment it refers to, kept alive until
 * lode_log_read_release(). */
typedef struct lode_log_read {
    lode_file_slice_t slice;
    lode_segment_t *seg; /* reference held; NULL when nothing to read */
} lode_log_read_t;

/*
 * Reads from `offset`, at most max_bytes (min_one: the first batch whole even
 * if larger), never past `max_offset` (exclusive upper bound: the high
 * watermark for consumers, the LEO for followers). LODE_ERANGE when offset is
 * below the log start offset or above the LEO (OFFSET_OUT_OF_RANGE). An empty
 * read (slice.bytes == 0) at the LEO.
 */
int lode_log_read(lode_log_t *log, int64_t offset, uint32_t max_bytes, int64_t max_offset,
                  bool min_one, lode_log_read_t *out);
void lode_log_read_release(lode_log_read_t *r);

/* Offsets (atomic reads). */
int64_t lode_log_start_offset(lode_log_t *log);
int64_t lode_log_end_offset(lode_log_t *log);
int64_t lode_log_high_watermark(lode_log_t *log);
int64_t lode_log_recovery_point(lode_log_t *log);
/* Bytes in all segments. */
int64_t lode_log_size_bytes(lode_log_t *log);
int lode_log_segment_count(lode_log_t *log);

/* Sets the high watermark (clamped to [log start, LEO]). */
void lode_log_set_high_watermark(lode_log_t *log, int64_t hw);

/*
 * ListOffsets by timestamp: the first offset whose record timestamp is >=
 * ts (a batch granularity answer refined by reading the batch's records is
 * the caller's job when it needs the exact record). *offset = -1 when none.
 * Also returns the batch's max timestamp.
 */
int lode_log_offset_for_timestamp(lode_log_t *log, int64_t ts, int64_t *offset,
                                  int64_t *batch_max_ts, lode_log_read_t *batch);
/* The offset and timestamp of the record with the largest timestamp (KIP-734). */
int lode_log_max_timestamp(lode_log_t *log, int64_t *ts, int64_t *offset);

/* Truncates the log so that the LEO becomes `offset` (follower
 * reconciliation). Removes whole segments above it. */
int lode_log_truncate_to(lode_log_t *log, int64_t offset);

/* DeleteRecords: moves the log start offset forward (never back, never past
 * the high watermark: LODE_ERANGE). Segments entirely below it are removed by
 * the next retention pass. */
int lode_log_advance_start_offset(lode_log_t *log, int64_t offset);

/* fsyncs everything up to the LEO; advances the recovery point. */
int lode_log_flush(lode_log_t *log);
/* For an owner that makes the file system durable itself (syncfs at
 * shutdown): the log's files are durable up to offset (advances the recovery
 * point as lode_log_flush would), and the last release need not fsync what
 * it writes (the producer snapshot) because the owner syncs afterwards. */
void lode_log_synced_by_owner(lode_log_t *log, int64_t offset);
void lode_log_close_unsynced(lode_log_t *log);
/* flush.ms: flushes when unflushed data is older than the config allows
 * (measured from the last time-based flush). */
int lode_log_maybe_flush(lode_log_t *log, int64_t now_ms);

/*
 * Retention (cleanup.policy=delete): removes whole non-active segments that
 * are older than retention.ms (by their max timestamp), exceed retention.bytes
 * (oldest first), or lie below the log start offset. Files are renamed to
 * .deleted and unlinked by lode_log_delete_expired_files() after
 * file.delete.delay.ms. Returns the number of segments removed.
 */
int lode_log_apply_retention(lode_log_t *log, int64_t now_ms);
/* Unlinks .deleted files whose delay has passed (or all with force). */
void lode_log_delete_expired_files(lode_log_t *log, int64_t now_ms, bool force);

/* Rolls the active segment if segment.ms has passed (the time-based roll
 * needs no append to trigger it). */
int lode_log_maybe_roll(lode_log_t *log, int64_t now_ms);

const char *lode_log_dir(const lode_log_t *log);

/*
 * OffsetForLeaderEpoch: the largest epoch <= requested and its end offset
 * (the next epoch's start, or the LEO for the latest); (-1, -1) when unknown.
 */
void lode_log_end_offset_for_epoch(lode_log_t *log, int32_t requested, int32_t *epoch,
                                   int64_t *end_offset);
/* The latest leader epoch written to the log, or -1. */
int32_t lode_log_latest_epoch(lode_log_t *log);
/* The leader epoch of the record at offset (by the epoch cache), or -1. */
int32_t lode_log_epoch_for_offset(lode_log_t *log, int64_t offset);

/* A copy of a producer's state; false when unknown. */
bool lode_log_get_producer(lode_log_t *log, int64_t producer_id, lode_producer_entry_t *out);
/* Drops producers idle for producer.id.expiration.ms. Returns how many. */
int lode_log_expire_producers(lode_log_t *log, int64_t now_ms);

#endif
