/*
 * delayed.h — delayed operations and their purgatory (Kafka's
 * DelayedOperation / DelayedOperationPurgatory): work that waits for an event
 * or a deadline without blocking a thread — produce with acks=all waiting for
 * durability and replication, fetch waiting for min.bytes, JoinGroup waiting
 * for members.
 *
 * An operation is watched under one or more keys ("topic-partition",
 * "group:<id>"). Whoever changes the state a key stands for calls
 * lode_purgatory_check(key); every operation watching it gets a try_complete.
 * The deadline completes it otherwise (on_expiration, then on_complete).
 *
 * Guarantees:
 *  - on_complete runs exactly once (lode_dop_force_complete wins once).
 *  - try_complete of one operation never runs concurrently with itself (the
 *    operation's lock is held around it).
 *  - An operation added after the event it waits for still completes: add
 *    tries once before watching and once after.
 *
 * Memory: operations are refcounted (the creator's reference, one per watch
 * list, one for the timer); free() runs when the last goes.
 */
#ifndef LODE_BROKER_DELAYED_H
#define LODE_BROKER_DELAYED_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/timer.h"

typedef struct lode_dop lode_dop_t;

typedef struct lode_dop_ops {
    /* Checks the condition; when met, calls lode_dop_force_complete(op) and
     * returns its result. Called with the operation's lock held. */
    bool (*try_complete)(lode_dop_t *op);
    /* The deadline passed first (before on_complete). May be NULL. */
    void (*on_expiration)(lode_dop_t *op);
    /* Exactly once: send the response, release resources. */
    void (*on_complete)(lode_dop_t *op);
    /* The last reference is gone: free the enclosing object. */
    void (*free)(lode_dop_t *op);
} lode_dop_ops_t;

struct lode_dop {
    const lode_dop_ops_t *ops;
    int refs;      /* atomic */
    int completed; /* atomic: 0 until force_complete wins */
    pthread_mutex_t lock;
    lode_timer_task_t timer_task;
    struct lode_purgatory *purgatory;
};

/* Initialises an operation embedded in a larger object; one reference (the
 * caller's) is held. */
void lode_dop_init(lode_dop_t *op, const lode_dop_ops_t *ops);
void lode_dop_keep(lode_dop_t *op);
void lode_dop_release(lode_dop_t *op);
/* Completes the operation unless already completed: cancels its timer, runs
 * on_complete. True when this call did it. Any thread. */
bool lode_dop_force_complete(lode_dop_t *op);
static inline bool lode_dop_is_completed(lode_dop_t *op)
{
    return __atomic_load_n(&op->completed, __ATOMIC_ACQUIRE) != 0;
}

typedef struct lode_purgatory lode_purgatory_t;

/* A purgatory using `timer` for deadlines (shared between purgatories). */
lode_purgatory_t *lode_purgatory_new(const char *name, lode_timer_t *timer);
/* Force-completes (as expired) every operation still waiting, then frees. */
void lode_purgatory_free(lode_purgatory_t *p);

/*
 * Tries to complete op now; otherwise watches it under keys and arms its
 * deadline (monotonic ms, see lode_timer_now_ms). Returns true when it
 * completed during the call. The caller keeps its own reference and releases
 * it when it no longer needs the pointer.
 */
bool lode_purgatory_try_complete_else_watch(lode_purgatory_t *p, lode_dop_t *op,
                                            int64_t deadline_ms, const char *const *keys,
                                            size_t nkeys);

/* An event on key: try_complete every operation watching it. Returns how
 * many completed. Any thread. */
int lode_purgatory_check(lode_purgatory_t *p, const char *key);

/* Operations currently watched (for metrics: Kafka's PurgatorySize). */
size_t lode_purgatory_size(lode_purgatory_t *p);

#endif
