/*
 * flusher.c — group commit (see flusher.h).
 */
#include "storage/flusher.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"

typedef struct waiter {
    lode_log_t *log;
    int64_t offset;
    lode_durable_cb cb;
    void *arg;
} waiter_t;

struct lode_flusher {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    waiter_t *queue; /* registered, not yet taken by the thread */
    size_t n, cap, bound;
    bool stopping;
    lode_flusher_stats_t stats;
};

static void serve(lode_flusher_t *f, waiter_t *batch, size_t n)
{
    /* Waiters of the same log are adjacent after sorting by log pointer. */
    lode_log_t *last = NULL;
    bool flushed = false;
    int status = 0;
    uint64_t flushes = 0;
    for (size_t i = 0; i < n; i++) {
        waiter_t *w = &batch[i];
        if (w->log != last) {
            last = w->log;
            flushed = false;
            status = 0;
        }
        /* One flush per log per round covers every waiter registered before
         * it (it fsyncs up to the LEO, which is past all their offsets). */
        if (!flushed && lode_log_recovery_point(w->log) < w->offset) {
            status = lode_log_flush(w->log);
            flushed = true;
            flushes++;
        }
        int st = status;
        if (st == 0 && lode_log_recovery_point(w->log) < w->offset)
            st = LODE_EIO; /* truncated under us: the offset was never made durable */
        w->cb(w->arg, st);
    }
    pthread_mutex_lock(&f->lock);
    f->stats.fsync_rounds += flushes ? 1 : 0;
    f->stats.log_flushes += flushes;
    f->stats.waiters_done += n;
    pthread_mutex_unlock(&f->lock);
}

static int cmp_waiter(const void *a, const void *b)
{
    const waiter_t *x = a, *y = b;
    if (x->log != y->log)
        return (uintptr_t)x->log < (uintptr_t)y->log ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void *flusher_main(void *arg)
{
    lode_flusher_t *f = arg;
    waiter_t *batch = NULL;
    size_t batch_cap = 0;
    pthread_mutex_lock(&f->lock);
    for (;;) {
        while (f->n == 0 && !f->stopping)
            pthread_cond_wait(&f->cond, &f->lock);
        if (f->n == 0 && f->stopping)
            break;
        size_t n = f->n;
        if (batch_cap < n) {
            batch_cap = f->cap;
            batch = lode_xrealloc(batch, batch_cap * sizeof *batch);
        }
        memcpy(batch, f->queue, n * sizeof *batch);
        f->n = 0;
        pthread_mutex_unlock(&f->lock);
        qsort(batch, n, sizeof *batch, cmp_waiter);
        serve(f, batch, n);
        pthread_mutex_lock(&f->lock);
    }
    pthread_mutex_unlock(&f->lock);
    free(batch);
    return NULL;
}

int lode_flusher_start(size_t bound, lode_flusher_t **out)
{
    lode_flusher_t *f = lode_xcalloc(1, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
    f->bound = bound ? bound : 65536;
    if (pthread_create(&f->thread, NULL, flusher_main, f) != 0) {
        pthread_mutex_destroy(&f->lock);
        pthread_cond_destroy(&f->cond);
        free(f);
        return LODE_ENOMEM;
    }
    *out = f;
    return 0;
}

void lode_flusher_stop(lode_flusher_t *f)
{
    pthread_mutex_lock(&f->lock);
    f->stopping = true;
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->lock);
    pthread_join(f->thread, NULL);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->cond);
    free(f->queue);
    free(f);
}

int lode_flusher_wait(lode_flusher_t *f, lode_log_t *log, int64_t offset, lode_durable_cb cb,
                      void *arg)
{
    pthread_mutex_lock(&f->lock);
    if (f->stopping || f->n >= f->bound) {
        pthread_mutex_unlock(&f->lock);
        return LODE_EAGAIN;
    }
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->queue = lode_xrealloc(f->queue, f->cap * sizeof *f->queue);
    }
    f->queue[f->n++] = (waiter_t){log, offset, cb, arg};
    if (f->n == 1)
        pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->lock);
    return 0;
}

void lode_flusher_get_stats(lode_flusher_t *f, lode_flusher_stats_t *out)
{
    pthread_mutex_lock(&f->lock);
    *out = f->stats;
    pthread_mutex_unlock(&f->lock);
}
