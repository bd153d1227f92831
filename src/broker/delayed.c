/*
 * delayed.c — delayed operations and the purgatory (see delayed.h).
 *
 * Watch lists are arrays per key in a hash map under the purgatory lock;
 * completed operations are dropped from a list when that key is checked (and
 * by a sweep when lists grow), as Kafka purges lazily.
 */
#include "broker/delayed.h"

#include <stdlib.h>
#include <string.h>

#include "core/hmap.h"
#include "core/mem.h"

typedef struct watch_list {
    lode_dop_t **ops;
    size_t n, cap;
} watch_list_t;

struct lode_purgatory {
    char *name;
    lode_timer_t *timer;
    pthread_mutex_t lock;
    lode_hmap_t watchers; /* key → watch_list_t* */
    size_t watched;       /* entries across lists (approximate size) */
};

void lode_dop_init(lode_dop_t *op, const lode_dop_ops_t *ops)
{
    op->ops = ops;
    op->refs = 1;
    op->completed = 0;
    pthread_mutex_init(&op->lock, NULL);
    op->timer_task.index = SIZE_MAX;
    op->purgatory = NULL;
}

void lode_dop_keep(lode_dop_t *op)
{
    __atomic_add_fetch(&op->refs, 1, __ATOMIC_RELAXED);
}

void lode_dop_release(lode_dop_t *op)
{
    if (__atomic_sub_fetch(&op->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        pthread_mutex_destroy(&op->lock);
        op->ops->free(op);
    }
}

bool lode_dop_force_complete(lode_dop_t *op)
{
    int expected = 0;
    if (!__atomic_compare_exchange_n(&op->completed, &expected, 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return false;
    if (op->purgatory && lode_timer_cancel(op->purgatory->timer, &op->timer_task))
        lode_dop_release(op); /* the timer's reference */
    op->ops->on_complete(op);
    return true;
}

static bool try_locked(lode_dop_t *op)
{
    if (lode_dop_is_completed(op))
        return false;
    pthread_mutex_lock(&op->lock);
    bool done = !lode_dop_is_completed(op) && op->ops->try_complete(op);
    pthread_mutex_unlock(&op->lock);
    return done;
}

lode_purgatory_t *lode_purgatory_new(const char *name, lode_timer_t *timer)
{
    lode_purgatory_t *p = lode_xcalloc(1, sizeof *p);
    p->name = lode_xstrdup(name);
    p->timer = timer;
    pthread_mutex_init(&p->lock, NULL);
    lode_hmap_init(&p->watchers);
    return p;
}

static void on_deadline(void *arg)
{
    lode_dop_t *op = arg;
    int expected = 0;
    if (__atomic_compare_exchange_n(&op->completed, &expected, 1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        if (op->ops->on_expiration)
            op->ops->on_expiration(op);
        op->ops->on_complete(op);
    }
    lode_dop_release(op); /* the timer's reference */
}

static void watch(lode_purgatory_t *p, lode_dop_t *op, const char *key)
{
    bool created;
    lode_hmap_entry_t *e = lode_hmap_upsert(&p->watchers, key, strlen(key), &created);
    if (created)
        e->value = lode_xcalloc(1, sizeof(watch_list_t));
    watch_list_t *w = e->value;
    if (w->n == w->cap) {
        /* Purge completed ones before growing. */
        size_t keep = 0;
        for (size_t i = 0; i < w->n; i++) {
            if (lode_dop_is_completed(w->ops[i])) {
                lode_dop_release(w->ops[i]);
                p->watched--;
            } else {
                w->ops[keep++] = w->ops[i];
            }
        }
        w->n = keep;
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 8;
            w->ops = lode_xrealloc(w->ops, w->cap * sizeof *w->ops);
        }
    }
    lode_dop_keep(op);
    w->ops[w->n++] = op;
    p->watched++;
}

bool lode_purgatory_try_complete_else_watch(lode_purgatory_t *p, lode_dop_t *op,
                                            int64_t deadline_ms, const char *const *keys,
                                            size_t nkeys)
{
    op->purgatory = p;
    if (try_locked(op))
        return true;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < nkeys && !lode_dop_is_completed(op); i++)
        watch(p, op, keys[i]);
    pthread_mutex_unlock(&p->lock);
    /* An event between the first try and the watch would have been missed. */
    if (try_locked(op))
        return true;
    lode_dop_keep(op); /* the timer's reference */
    lode_timer_add(p->timer, &op->timer_task, deadline_ms, on_deadline, op);
    /* Completed concurrently before the timer was armed: disarm. */
    if (lode_dop_is_completed(op) && lode_timer_cancel(p->timer, &op->timer_task))
        lode_dop_release(op);
    return false;
}

int lode_purgatory_check(lode_purgatory_t *p, const char *key)
{
    pthread_mutex_lock(&p->lock);
    watch_list_t *w = lode_hmap_gets(&p->watchers, key);
    if (!w || w->n == 0) {
        pthread_mutex_unlock(&p->lock);
        return 0;
    }
    /* Take the list's operations (with their references) and try them
     * without the purgatory lock; survivors go back. */
    lode_dop_t **ops = w->ops;
    size_t n = w->n;
    w->ops = NULL;
    w->n = w->cap = 0;
    pthread_mutex_unlock(&p->lock);
    int done = 0;
    size_t keep = 0;
    for (size_t i = 0; i < n; i++) {
        if (try_locked(ops[i]))
            done++;
        if (lode_dop_is_completed(ops[i]))
            lode_dop_release(ops[i]);
        else
            ops[keep++] = ops[i];
    }
    pthread_mutex_lock(&p->lock);
    p->watched -= n - keep;
    w = lode_hmap_gets(&p->watchers, key);
    if (w) {
        for (size_t i = 0; i < keep; i++) {
            if (w->n == w->cap) {
                w->cap = w->cap ? w->cap * 2 : 8;
                w->ops = lode_xrealloc(w->ops, w->cap * sizeof *w->ops);
            }
            w->ops[w->n++] = ops[i];
        }
    }
    pthread_mutex_unlock(&p->lock);
    free(ops);
    return done;
}

size_t lode_purgatory_size(lode_purgatory_t *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->watched;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void lode_purgatory_free(lode_purgatory_t *p)
{
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&p->watchers, &it))) {
        watch_list_t *w = e->value;
        for (size_t i = 0; i < w->n; i++) {
            lode_dop_t *op = w->ops[i];
            int expected = 0;
            if (__atomic_compare_exchange_n(&op->completed, &expected, 1, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE)) {
                if (lode_timer_cancel(p->timer, &op->timer_task))
                    lode_dop_release(op);
                if (op->ops->on_expiration)
                    op->ops->on_expiration(op);
                op->ops->on_complete(op);
            }
            lode_dop_release(op);
        }
        free(w->ops);
        free(w);
    }
    lode_hmap_free(&p->watchers);
    pthread_mutex_destroy(&p->lock);
    free(p->name);
    free(p);
}
