/*
 * checkpoint.h — Kafka's small text state files, read and written the way
 * Kafka does so either can read the other's data directory:
 *
 *   recovery-point-offset-checkpoint, log-start-offset-checkpoint,
 *   replication-offset-checkpoint, cleaner-offset-checkpoint:
 *       0\n<count>\n<topic> <partition> <offset>\n...
 *   leader-epoch-checkpoint:
 *       0\n<count>\n<epoch> <start offset>\n...
 *
 * Writes are atomic and durable: a temporary file is written and fsynced,
 * renamed over the old one, and the directory fsynced.
 */
#ifndef LODE_STORAGE_CHECKPOINT_H
#define LODE_STORAGE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

/* One "<topic> <partition> <offset>" line. topic is owned by the array. */
typedef struct lode_tp_offset {
    char *topic;
    int32_t partition;
    int64_t offset;
} lode_tp_offset_t;

/* One "<epoch> <start offset>" line. */
typedef struct lode_epoch_entry {
    int32_t epoch;
    int64_t start_offset;
} lode_epoch_entry_t;

/*
 * Reads a topic-partition offset checkpoint. A missing file reads as empty
 * (count 0, returns 0). A malformed file is LODE_ECORRUPT (the caller logs
 * and falls back to recovery, as Kafka does). *out is malloc'd; free with
 * lode_tp_offsets_free().
 */
int lode_checkpoint_read_offsets(const char *path, lode_tp_offset_t **out, size_t *count);
int lode_checkpoint_write_offsets(const char *path, const lode_tp_offset_t *entries, size_t count);
void lode_tp_offsets_free(lode_tp_offset_t *entries, size_t count);

/* Leader-epoch checkpoint; same conventions. *out is malloc'd (free()). */
int lode_checkpoint_read_epochs(const char *path, lode_epoch_entry_t **out, size_t *count);
int lode_checkpoint_write_epochs(const char *path, const lode_epoch_entry_t *entries, size_t count);

/*
 * Writes `len` bytes to `path` atomically and durably (tmp + fsync + rename +
 * directory fsync). Used by every small state file.
 */
int lode_write_file_atomic(const char *path, const void *data, size_t len);
/* The same without the fsyncs: readers see the old or the new content, and
 * the caller makes it durable later (syncfs at shutdown). */
int lode_write_file_replace(const char *path, const void *data, size_t len);
/* fsyncs the directory holding `path` (after creating or renaming in it). */
int lode_fsync_parent_dir(const char *path);
/* fsyncs directory dir itself (its entries). */
int lode_fsync_dir(const char *dir);

#endif
