/*
 * logmgr.h — every partition log of a broker across its log.dirs: loading
 * at startup (in parallel, with crash recovery unless the last shutdown was
 * clean), creation and deletion, the checkpoint files, and the periodic work
 * (retention, flush.ms, time-based rolls, delayed file deletion).
 *
 * Data directory, as Kafka lays it out:
 *   <dir>/<topic>-<partition>/             a log (see log.h)
 *   <dir>/<topic>-<partition>.<id>-delete/ a deleted log awaiting removal
 *   <dir>/recovery-point-offset-checkpoint <dir>/log-start-offset-checkpoint
 *   <dir>/cleaner-offset-checkpoint        first dirty offset of compacted logs
 *   <dir>/replication-offset-checkpoint    high watermarks (restored at load)
 *   <dir>/.kafka_cleanshutdown             written by a clean shutdown,
 *                                          removed once loading is done
 *
 * Threading: all functions are thread-safe. Logs are refcounted: get/create
 * return a reference the caller releases with lode_log_release().
 */
#ifndef LODE_STORAGE_LOGMGR_H
#define LODE_STORAGE_LOGMGR_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/log.h"

typedef struct lode_logmgr lode_logmgr_t;

typedef struct lode_logmgr_config {
    const char *const *log_dirs; /* log.dirs */
    int n_log_dirs;
    int recovery_threads_per_dir;                /* num.recovery.threads.per.data.dir (2) */
    int64_t retention_check_interval_ms;         /* log.retention.check.interval.ms (300000) */
    int64_t flush_scheduler_interval_ms;         /* log.flush.scheduler.interval.ms (INT64_MAX) */
    int64_t flush_offset_checkpoint_interval_ms; /* (60000) */
    int64_t flush_start_offset_checkpoint_interval_ms; /* (60000) */
    lode_log_config_t defaults;                        /* broker-level log.* defaults */
    /* Effective config of a topic (topic overrides over defaults); NULL →
     * defaults for every topic. Returns 0. */
    int (*topic_config)(void *arg, const char *topic, lode_log_config_t *out);
    void *topic_config_arg;
    lode_log_hooks_t hooks;       /* batch validation for recovery */
    int64_t (*now_ms)(void *arg); /* clock (lode_clock_now_ms_cb); NULL → real */
    void *clock_arg;
    bool background;                     /* run a thread calling lode_logmgr_tick */
    bool cleaner_enable;                 /* log.cleaner.enable (true) */
    int64_t cleaner_backoff_ms;          /* log.cleaner.backoff.ms (15000) */
    int64_t cleaner_dedupe_buffer_bytes; /* log.cleaner.dedupe.buffer.size (128 MiB) */
} lode_logmgr_config_t;

/* Fills the intervals and defaults with Kafka's. */
void lode_logmgr_config_defaults(lode_logmgr_config_t *c);

/*
 * Loads every log found in the log dirs (parallel per dir), removes
 * leftovers of deleted logs, and starts the background thread if asked.
 * The directories are created if missing. On success *out owns everything.
 */
int lode_logmgr_open(const lode_logmgr_config_t *cfg, lode_logmgr_t **out);

/*
 * Clean shutdown: stops the background thread, flushes every log, writes the
 * checkpoints, closes the logs (waiting for no one: callers must have
 * released theirs), and writes the clean-shutdown marker in each dir.
 */
int lode_logmgr_close(lode_logmgr_t *m);

/* The log of topic-partition with a reference held, or NULL. */
lode_log_t *lode_logmgr_get(lode_logmgr_t *m, const char *topic, int32_t partition);

/*
 * The log of topic-partition, created (in the dir with the fewest logs) if
 * absent, with a reference held. topic_id (16 bytes, may be NULL) is written
 * to partition.metadata.
 */
int lode_logmgr_get_or_create(lode_logmgr_t *m, const char *topic, int32_t partition,
                              const uint8_t *topic_id, lode_log_t **out);

/* Deletes the log: its directory is renamed to <topic>-<p>.<id>-delete now
 * and removed after file.delete.delay.ms. LODE_ENOTFOUND if absent. */
int lode_logmgr_delete(lode_logmgr_t *m, const char *topic, int32_t partition);

/* Applies a topic's new config to its logs (dynamic config change). */
void lode_logmgr_topic_config_changed(lode_logmgr_t *m, const char *topic);

/* Runs the periodic work that is due at now_ms: retention, flush.ms,
 * segment.ms rolls, delayed deletions, checkpoints. */
void lode_logmgr_tick(lode_logmgr_t *m, int64_t now_ms);

/*
 * One compaction pass on the compacted log that needs it most (highest dirty
 * ratio, or past max.compaction.lag.ms); updates cleaner-offset-checkpoint.
 * Returns 1 when a log was cleaned, 0 when none needed it, or an error.
 * The background cleaner thread calls this every log.cleaner.backoff.ms.
 */
int lode_logmgr_clean_once(lode_logmgr_t *m, int64_t now_ms);

/* Writes the checkpoint files of every dir now. */
int lode_logmgr_checkpoint(lode_logmgr_t *m);

/* Calls fn for every log (with the manager's lock held: fn must not call
 * back into the manager). */
void lode_logmgr_foreach(lode_logmgr_t *m,
                         void (*fn)(void *arg, const char *topic, int32_t partition,
                                    lode_log_t *log),
                         void *arg);

int lode_logmgr_count(lode_logmgr_t *m);

#endif
