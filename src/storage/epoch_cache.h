/*
 * epoch_cache.h — a partition's leader epoch history: (epoch, first offset
 * written in that epoch), strictly increasing in both, persisted as Kafka's
 * leader-epoch-checkpoint in the partition directory. OffsetForLeaderEpoch
 * answers from it, and followers use it to find where they diverge.
 *
 * Threading: none; the log calls it under its append lock.
 */
#ifndef LODE_STORAGE_EPOCH_CACHE_H
#define LODE_STORAGE_EPOCH_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "storage/checkpoint.h"

typedef struct lode_epoch_cache {
    lode_epoch_entry_t *entries;
    size_t n, cap;
    char *path; /* the checkpoint file */
} lode_epoch_cache_t;

/* Loads <dir>/leader-epoch-checkpoint (missing → empty; corrupt → empty, the
 * caller rebuilds it from the log). */
int lode_epoch_cache_open(lode_epoch_cache_t *c, const char *dir);
void lode_epoch_cache_free(lode_epoch_cache_t *c);

/* Records that `epoch` starts at `start_offset`, when epoch is newer than the
 * latest one (entries with start >= start_offset and a lower epoch are
 * dropped, as Kafka's assign does). Persists on change. */
int lode_epoch_cache_assign(lode_epoch_cache_t *c, int32_t epoch, int64_t start_offset);

/* The latest epoch, or -1. */
int32_t lode_epoch_cache_latest(const lode_epoch_cache_t *c);
/* The epoch whose range holds offset (the last entry starting at or before
 * it), or -1. */
int32_t lode_epoch_cache_epoch_for(const lode_epoch_cache_t *c, int64_t offset);

/*
 * Kafka's endOffsetFor(requested, leo): the largest epoch <= requested and
 * the start offset of the next epoch after it (or leo when it is the latest).
 * (-1, -1) when requested precedes every epoch (UNDEFINED).
 */
void lode_epoch_cache_end_offset_for(const lode_epoch_cache_t *c, int32_t requested, int64_t leo,
                                     int32_t *epoch, int64_t *end_offset);

/* Drops entries starting at or after offset (log truncation). */
int lode_epoch_cache_truncate_end(lode_epoch_cache_t *c, int64_t offset);
/* Log start moved to offset: entries wholly below it go; the one spanning it
 * starts at offset. */
int lode_epoch_cache_truncate_start(lode_epoch_cache_t *c, int64_t offset);
/* Forgets everything (and persists the empty file). */
int lode_epoch_cache_clear(lode_epoch_cache_t *c);

#endif
