/*
 * producer_state.h — per-partition state of idempotent and transactional
 * producers, as Kafka's ProducerStateManager keeps it:
 *
 *   producer id → epoch, the metadata of its last 5 batches (first/last
 *   sequence, last offset, offset delta, timestamp), coordinator epoch, and
 *   the first offset of its ongoing transaction.
 *
 * Sequence rules (Kafka's ProducerAppendInfo):
 *  - an epoch older than the current one is fenced (INVALID_PRODUCER_EPOCH);
 *  - a batch equal (epoch, first and last sequence) to one of the retained
 *    five is a duplicate: answered with its original offsets, not appended;
 *  - a new epoch must start at sequence 0, unless the producer is unknown
 *    (its state expired or was never seen: any sequence is accepted);
 *  - within an epoch, first sequence = previous last sequence + 1 (wrapping
 *    from INT32_MAX to 0), else OUT_OF_ORDER_SEQUENCE_NUMBER.
 *
 * Snapshots (<20-digit offset>.snapshot) use Kafka's format, version 1:
 *   int16 version, uint32 crc32c(of what follows), int32 count, then per
 *   producer: int64 id, int16 epoch, int32 last sequence, int64 last offset,
 *   int32 offset delta, int64 timestamp, int32 coordinator epoch,
 *   int64 current transaction first offset.
 * A snapshot holds only each producer's last batch (as Kafka's does).
 *
 * Threading: none; the owning log calls it under its append lock.
 */
#ifndef LODE_STORAGE_PRODUCER_STATE_H
#define LODE_STORAGE_PRODUCER_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/hmap.h"

#define LODE_PRODUCER_BATCHES_RETAINED 5

typedef struct lode_producer_batch {
    int32_t first_seq;
    int32_t last_seq;
    int64_t last_offset;
    int32_t offset_delta; /* last_offset - first_offset */
    int64_t timestamp;    /* max timestamp of the batch */
} lode_producer_batch_t;

typedef struct lode_producer_entry {
    int64_t producer_id;
    int16_t epoch;
    int32_t coordinator_epoch;
    int64_t current_txn_first_offset; /* -1 when no transaction is open */
    int64_t last_timestamp;
    int nbatches; /* oldest first */
    lode_producer_batch_t batches[LODE_PRODUCER_BATCHES_RETAINED];
} lode_producer_entry_t;

typedef struct lode_pstate {
    lode_hmap_t producers;  /* 8-byte big-endian producer id → entry */
    int64_t map_end_offset; /* state reflects batches below this offset */
} lode_pstate_t;

/* A batch as the producer state sees it. */
typedef struct lode_producer_append {
    int64_t producer_id;
    int16_t epoch;
    int32_t first_seq;
    int32_t last_seq;
    int64_t first_offset;
    int64_t last_offset;
    int64_t max_timestamp;
    bool transactional;
} lode_producer_append_t;

void lode_pstate_init(lode_pstate_t *ps);
void lode_pstate_free(lode_pstate_t *ps);
void lode_pstate_clear(lode_pstate_t *ps);

const lode_producer_entry_t *lode_pstate_get(const lode_pstate_t *ps, int64_t producer_id);

/*
 * Checks a leader append (offsets not needed). Returns 0, LODE_EFENCED,
 * LODE_ESEQUENCE, or LODE_EDUPLICATE with the original batch in *dup.
 */
int lode_pstate_check(const lode_pstate_t *ps, const lode_producer_append_t *a,
                      lode_producer_batch_t *dup);

/* Records an appended batch (leader after a successful check, follower and
 * recovery replay without one). Keeps the last five batches. */
void lode_pstate_update(lode_pstate_t *ps, const lode_producer_append_t *a);

/* Drops producers whose last write is older than expiration_ms (Kafka's
 * producer.id.expiration.ms), except those with an open transaction. */
int lode_pstate_expire(lode_pstate_t *ps, int64_t now_ms, int64_t expiration_ms);

/* Writes <dir>/<offset>.snapshot atomically (offset = map_end_offset); with
 * fsyncs when durable (otherwise the caller syncs the file system). */
int lode_pstate_write_snapshot(const lode_pstate_t *ps, const char *dir, bool durable);
/* Replaces the state with the snapshot at path; map_end_offset = its offset.
 * LODE_ECORRUPT on a bad CRC or length. */
int lode_pstate_read_snapshot(lode_pstate_t *ps, const char *path, int64_t offset);

/* Latest snapshot offset <= max_offset in dir, or -1. */
int64_t lode_pstate_latest_snapshot(const char *dir, int64_t max_offset);
/* Deletes snapshots with offset > max_offset (after truncation) or, with
 * below=true, those with offset < the given one except the newest (after
 * retention: Kafka keeps snapshots only for live segments). */
void lode_pstate_delete_snapshots(const char *dir, int64_t offset, bool below);

#endif
