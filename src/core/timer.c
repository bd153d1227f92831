/*
 * timer.c — a binary min-heap of deadlines (see timer.h).
 */
#include "core/timer.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/err.h"
#include "core/mem.h"

struct lode_timer {
    lode_clock_t *clock;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_cond_t fired;       /* a callback returned */
    lode_timer_task_t *firing;  /* the task whose callback runs now */
    lode_timer_task_t **heap;
    size_t n, cap;
    uint64_t next_seq;
    pthread_t thread;
    bool running, stopping;
};

static bool earlier(const lode_timer_task_t *a, const lode_timer_task_t *b)
{
    return a->deadline_ms < b->deadline_ms || (a->deadline_ms == b->deadline_ms && a->seq < b->seq);
}

static void place(lode_timer_t *t, size_t i, lode_timer_task_t *task)
{
    t->heap[i] = task;
    task->index = i;
}

static void sift_up(lode_timer_t *t, size_t i)
{
    lode_timer_task_t *task = t->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!earlier(task, t->heap[parent]))
            break;
        place(t, i, t->heap[parent]);
        i = parent;
    }
    place(t, i, task);
}

static void sift_down(lode_timer_t *t, size_t i)
{
    lode_timer_task_t *task = t->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const lode_timer_task_t *best = task;
        if (l < t->n && earlier(t->heap[l], best)) {
            m = l;
            best = t->heap[l];
        }
        if (r < t->n && earlier(t->heap[r], best))
            m = r;
        if (m == i)
            break;
        place(t, i, t->heap[m]);
        i = m;
    }
    place(t, i, task);
}

static void heap_remove(lode_timer_t *t, size_t i)
{
    t->n--;
    if (i == t->n)
        return;
    place(t, i, t->heap[t->n]);
    sift_down(t, i);
    sift_up(t, t->heap[i]->index);
}

lode_timer_t *lode_timer_new(lode_clock_t *clock)
{
    lode_timer_t *t = lode_xcalloc(1, sizeof *t);
    t->clock = clock ? clock : lode_clock_real();
    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&t->fired, NULL);
    return t;
}

int64_t lode_timer_now_ms(lode_timer_t *t)
{
    return lode_clock_monotonic_ms(t->clock);
}

void lode_timer_add(lode_timer_t *t, lode_timer_task_t *task, int64_t deadline_ms, lode_timer_fn fn,
                    void *arg)
{
    task->deadline_ms = deadline_ms;
    task->fn = fn;
    task->arg = arg;
    pthread_mutex_lock(&t->lock);
    task->seq = t->next_seq++;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->heap = lode_xrealloc(t->heap, t->cap * sizeof *t->heap);
    }
    place(t, t->n++, task);
    sift_up(t, t->n - 1);
    if (task->index == 0)
        pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

bool lode_timer_cancel(lode_timer_t *t, lode_timer_task_t *task)
{
    pthread_mutex_lock(&t->lock);
    bool queued = task->index < t->n && t->heap[task->index] == task;
    if (queued)
        heap_remove(t, task->index);
    if (queued)
        task->index = SIZE_MAX;
    pthread_mutex_unlock(&t->lock);
    return queued;
}

void lode_timer_cancel_wait(lode_timer_t *t, lode_timer_task_t *task)
{
    pthread_mutex_lock(&t->lock);
    for (;;) {
        if (task->index < t->n && t->heap[task->index] == task) {
            heap_remove(t, task->index);
            task->index = SIZE_MAX;
        }
        if (t->firing != task)
            break;
        pthread_cond_wait(&t->fired, &t->lock); /* it may re-add itself */
    }
    pthread_mutex_unlock(&t->lock);
}

/* Runs a popped task's callback (called and returning with the lock held). */
static void fire(lode_timer_t *t, lode_timer_task_t *task)
{
    t->firing = task;
    pthread_mutex_unlock(&t->lock);
    task->fn(task->arg);
    pthread_mutex_lock(&t->lock);
    t->firing = NULL;
    pthread_cond_broadcast(&t->fired);
}

/* Pops one due task (lock held) or NULL. */
static lode_timer_task_t *pop_due(lode_timer_t *t, int64_t now)
{
    if (t->n == 0 || t->heap[0]->deadline_ms > now)
        return NULL;
    lode_timer_task_t *task = t->heap[0];
    heap_remove(t, 0);
    task->index = SIZE_MAX;
    return task;
}

size_t lode_timer_run_due(lode_timer_t *t)
{
    size_t ran = 0;
    int64_t now = lode_timer_now_ms(t);
    for (;;) {
        pthread_mutex_lock(&t->lock);
        lode_timer_task_t *task = pop_due(t, now);
        if (task)
            fire(t, task);
        pthread_mutex_unlock(&t->lock);
        if (!task)
            break;
        ran++;
    }
    return ran;
}

size_t lode_timer_pending(lode_timer_t *t)
{
    pthread_mutex_lock(&t->lock);
    size_t n = t->n;
    pthread_mutex_unlock(&t->lock);
    return n;
}

static void *timer_main(void *arg)
{
    lode_timer_t *t = arg;
    pthread_mutex_lock(&t->lock);
    while (!t->stopping) {
        int64_t now = lode_timer_now_ms(t);
        lode_timer_task_t *task = pop_due(t, now);
        if (task) {
            fire(t, task);
            continue;
        }
        /* Sleep until the earliest deadline (capped: the clock may be a
         * manual one that tests move). */
        int64_t wait = t->n ? t->heap[0]->deadline_ms - now : 1000;
        if (wait > 1000)
            wait = 1000;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = ts.tv_nsec + wait * 1000000;
        ts.tv_sec += (time_t)(ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        pthread_cond_timedwait(&t->cond, &t->lock, &ts);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

int lode_timer_start(lode_timer_t *t)
{
    if (pthread_create(&t->thread, NULL, timer_main, t) != 0)
        return LODE_ENOMEM;
    t->running = true;
    return 0;
}

void lode_timer_free(lode_timer_t *t)
{
    if (t->running) {
        pthread_mutex_lock(&t->lock);
        t->stopping = true;
        pthread_cond_signal(&t->cond);
        pthread_mutex_unlock(&t->lock);
        pthread_join(t->thread, NULL);
    }
    free(t->heap);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    pthread_cond_destroy(&t->fired);
    free(t);
}
