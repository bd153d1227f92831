/*
 * timer.h — deadlines for delayed operations: a min-heap of (deadline,
 * callback) with an optional thread that fires them on time.
 *
 * With a thread (lode_timer_start), callbacks run on the timer thread. Without
 * one, the owner calls lode_timer_run_due() — deterministic tests do so after
 * advancing a manual clock (core/clock.h).
 *
 * Threading: add/cancel from any thread. A callback runs at most once, never
 * after its cancel returned true; cancel returns false when the callback has
 * already started or finished.
 */
#ifndef LODE_CORE_TIMER_H
#define LODE_CORE_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"

typedef struct lode_timer lode_timer_t;

typedef void (*lode_timer_fn)(void *arg);

/* A scheduled callback. The caller owns the memory (typically embedded in
 * the object the deadline belongs to) and must keep it valid until the
 * callback has run or lode_timer_cancel returned true. */
typedef struct lode_timer_task {
    int64_t deadline_ms;
    uint64_t seq; /* FIFO among equal deadlines */
    lode_timer_fn fn;
    void *arg;
    size_t index; /* position in the heap; SIZE_MAX when not queued */
} lode_timer_task_t;

/* A timer reading time from `clock` (lode_clock_real() for production). */
lode_timer_t *lode_timer_new(lode_clock_t *clock);
/* Starts the thread that fires due tasks. */
int lode_timer_start(lode_timer_t *t);
/* Stops the thread (if any) and frees; tasks not yet due are dropped
 * without running (their owners cancel or complete them first). */
void lode_timer_free(lode_timer_t *t);

/* Schedules fn(arg) at monotonic time deadline_ms (lode_clock_monotonic_ms)
 * using the caller's `task` (not queued already). */
void lode_timer_add(lode_timer_t *t, lode_timer_task_t *task, int64_t deadline_ms, lode_timer_fn fn,
                    void *arg);
/* Cancels; true when the callback will never run. */
bool lode_timer_cancel(lode_timer_t *t, lode_timer_task_t *task);
/* Cancels, and waits for the callback to return when it is running on
 * another thread (it may have re-added the task: that is cancelled too).
 * Never from the callback itself, nor holding a lock the callback takes. */
void lode_timer_cancel_wait(lode_timer_t *t, lode_timer_task_t *task);
/* Runs every task due now (manual mode); returns how many ran. */
size_t lode_timer_run_due(lode_timer_t *t);
/* Tasks waiting. */
size_t lode_timer_pending(lode_timer_t *t);
/* The clock's monotonic milliseconds. */
int64_t lode_timer_now_ms(lode_timer_t *t);

#endif
