/*
 * flusher.h — group commit: "tell me when this log is durable up to offset N"
 * without blocking the caller, at the cost of one fsync per burst.
 *
 * A flusher thread takes every waiter registered so far, fsyncs each log
 * they name once (up to that log's LEO at the moment of the fsync, which
 * covers every waiter registered before it), and completes the waiters whose
 * offsets are now durable. Waiters that arrive during an fsync are served by
 * the next one, so N concurrent appenders cost ~1 fsync, not N. A busy
 * flusher waits briefly (at most 200 us) for a round as large as the last
 * one before starting the next fsync; an idle one starts at once.
 *
 * Threading: lode_flusher_wait() may be called from any thread; callbacks
 * run on the flusher thread and must be quick (hand off to a reactor through
 * its queue). A log must outlive the waiters that name it.
 */
#ifndef LODE_STORAGE_FLUSHER_H
#define LODE_STORAGE_FLUSHER_H

#include <stdint.h>

#include "storage/log.h"

typedef struct lode_flusher lode_flusher_t;

/* status: 0 when durable, LODE_EIO when the fsync failed, LODE_EAGAIN when the
 * flusher stopped first. */
typedef void (*lode_durable_cb)(void *arg, int status);

/* Starts the flusher thread. bound: the most waiters it queues (LODE_EAGAIN
 * beyond it — backpressure). */
int lode_flusher_start(size_t bound, lode_flusher_t **out);
/* Serves every queued waiter, stops the thread, frees. */
void lode_flusher_stop(lode_flusher_t *f);

/*
 * Calls cb(arg, status) once `log` is durable up to `offset` (exclusive: all
 * offsets < offset fsynced). If it already is, the callback still runs on the
 * flusher thread (never re-entrantly in the caller). Returns 0, or
 * LODE_EAGAIN when the queue is full or the flusher is stopping — then cb is
 * never called.
 */
int lode_flusher_wait(lode_flusher_t *f, lode_log_t *log, int64_t offset, lode_durable_cb cb,
                      void *arg);

/* Counters for tests and metrics. */
typedef struct lode_flusher_stats {
    uint64_t fsync_rounds; /* loop iterations that flushed something */
    uint64_t log_flushes;  /* lode_log_flush calls */
    uint64_t waiters_done;
} lode_flusher_stats_t;
void lode_flusher_get_stats(lode_flusher_t *f, lode_flusher_stats_t *out);

#endif
