/*
 * log_int.h — the partition log's internals, shared by the files that
 * implement it (log.c, cleaner.c). Not a public interface.
 */
#ifndef LODE_STORAGE_LOG_INT_H
#define LODE_STORAGE_LOG_INT_H

#include <pthread.h>

#include "storage/epoch_cache.h"
#include "storage/log.h"
#include "storage/producer_state.h"

typedef struct pending_delete {
    char *path;
    int64_t deadline_ms;
} pending_delete_t;

struct lode_log {
    char *dir;
    bool close_unsynced; /* lode_log_close_unsynced: the owner syncs the file system */
    pthread_mutex_t append_lock;
    pthread_rwlock_t segs_lock;
    lode_segment_t **segs; /* sorted by base offset; last is active */
    int nsegs;
    int segs_cap;
    pthread_mutex_t cfg_lock;
    lode_log_config_t cfg;
    int64_t log_start_offset; /* atomics */
    int64_t leo;
    int64_t hw;
    int64_t recovery_point;
    int64_t unflushed_messages; /* under append_lock */
    int64_t last_flush_ms;
    pthread_mutex_t pending_lock;
    pending_delete_t *pending;
    int npending;
    uint64_t jitter_seed;
    int refs;
    lode_pstate_t ps;          /* under append_lock */
    lode_epoch_cache_t epochs; /* under append_lock */
};

/* Index of the segment holding offset (caller holds segs_lock or append_lock). */
int lode_log__seg_floor(lode_log_t *log, int64_t offset);
/* Appends a segment to the array (caller holds segs_lock exclusively). */
void lode_log__segs_push(lode_log_t *log, lode_segment_t *seg);
/* Renames a removed segment's files to .deleted and unlinks them after
 * deadline_ms; releases the log's reference. */
void lode_log__schedule_delete(lode_log_t *log, lode_segment_t *seg, int64_t deadline_ms);
/* Removes a segment's files at once and releases the log's reference. */
void lode_log__discard_now(lode_log_t *log, lode_segment_t *seg);

#endif
