/*
 * flusher.c — group commit (see flusher.h).
 */
#include "storage/flusher.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    /* Linger (see flusher_main): the last round's size, duration and end. */
    size_t last_n;
    int64_t last_round_ns, last_end_ns;
    bool lingering;
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

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Called with the lock held and waiters queued. Appenders that each wait for
 * their last write before sending the next (N producers with one request in
 * flight) arrive spread over the previous round's fsync; starting the next
 * fsync at the first arrival splits them into alternating groups, each
 * paying an fsync. So when the previous round ended just now (busy: within
 * one round's duration) and fewer are queued than it served, wait for the
 * rest — at most a quarter of that round's duration and 200 µs. An idle
 * flusher (a lone producer) starts at once. Measured in bench_storage
 * --only=gc (docs/performance.md). */
static void linger(lode_flusher_t *f)
{
    int64_t now = mono_ns();
    if (f->n >= f->last_n || now - f->last_end_ns >= f->last_round_ns)
        return;
    int64_t wait = f->last_round_ns / 4 < 200000 ? f->last_round_ns / 4 : 200000;
    int64_t deadline = now + wait;
    struct timespec ts = {.tv_sec = deadline / 1000000000, .tv_nsec = deadline % 1000000000};
    f->lingering = true;
    while (f->n < f->last_n && !f->stopping &&
           pthread_cond_timedwait(&f->cond, &f->lock, &ts) == 0)
        ;
    f->lingering = false;
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
        linger(f);
        size_t n = f->n;
        if (batch_cap < n) {
            batch_cap = f->cap;
            batch = lode_xrealloc(batch, batch_cap * sizeof *batch);
        }
        memcpy(batch, f->queue, n * sizeof *batch);
        f->n = 0;
        pthread_mutex_unlock(&f->lock);
        qsort(batch, n, sizeof *batch, cmp_waiter);
        int64_t t0 = mono_ns();
        serve(f, batch, n);
        int64_t t1 = mono_ns();
        pthread_mutex_lock(&f->lock);
        f->last_n = n;
        f->last_round_ns = t1 - t0;
        f->last_end_ns = t1;
    }
    pthread_mutex_unlock(&f->lock);
    free(batch);
    return NULL;
}

int lode_flusher_start(size_t bound, lode_flusher_t **out)
{
    lode_flusher_t *f = lode_xcalloc(1, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* linger's deadline */
    pthread_cond_init(&f->cond, &ca);
    pthread_condattr_destroy(&ca);
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
    if (f->n == 1 || (f->lingering && f->n >= f->last_n))
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
