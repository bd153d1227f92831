/* Timer and purgatory: completion by event, by deadline (virtual clock),
 * exactly-once under concurrent checks, memory returned. */
#include <pthread.h>
#include <stdlib.h>

#include "broker/delayed.h"
#include "core/clock.h"
#include "test.h"

typedef struct op {
    lode_dop_t dop;
    int *ready; /* condition: *ready >= need */
    int need;
    int completed;
    int expired;
    int *freed;
} op_t;

static bool op_try(lode_dop_t *d)
{
    op_t *o = (op_t *)d;
    if (__atomic_load_n(o->ready, __ATOMIC_ACQUIRE) >= o->need)
        return lode_dop_force_complete(d);
    return false;
}
static void op_expire(lode_dop_t *d)
{
    ((op_t *)d)->expired++;
}
static void op_complete(lode_dop_t *d)
{
    __atomic_add_fetch(&((op_t *)d)->completed, 1, __ATOMIC_SEQ_CST);
}
static void op_free(lode_dop_t *d)
{
    op_t *o = (op_t *)d;
    __atomic_add_fetch(o->freed, 1, __ATOMIC_SEQ_CST);
    /* counters are checked by the test before the last release */
    free(o);
}
static const lode_dop_ops_t OPS = {op_try, op_expire, op_complete, op_free};

static op_t *new_op(int *ready, int need, int *freed)
{
    op_t *o = calloc(1, sizeof *o);
    lode_dop_init(&o->dop, &OPS);
    o->ready = ready;
    o->need = need;
    o->freed = freed;
    return o;
}

static int order[8], norder;
static void record(void *arg)
{
    order[norder++] = (int)(intptr_t)arg;
}

TEST(timer_fires_in_deadline_order)
{
    lode_manual_clock_t mc;
    lode_manual_clock_init(&mc, 0, 0);
    lode_timer_t *t = lode_timer_new(&mc.clock);
    lode_timer_task_t tasks[5];
    int64_t deadlines[5] = {50, 10, 30, 10, 20};
    for (int i = 0; i < 5; i++)
        lode_timer_add(t, &tasks[i], deadlines[i], record, (void *)(intptr_t)i);
    CHECK(lode_timer_cancel(t, &tasks[2]));
    CHECK(!lode_timer_cancel(t, &tasks[2]));
    CHECK_EQ(lode_timer_run_due(t), 0);
    lode_manual_clock_advance_ms(&mc, 20);
    CHECK_EQ(lode_timer_run_due(t), 3);
    CHECK(order[0] == 1 && order[1] == 3 && order[2] == 4); /* FIFO among equal deadlines */
    CHECK(!lode_timer_cancel(t, &tasks[1]));                /* already ran */
    lode_manual_clock_advance_ms(&mc, 100);
    CHECK_EQ(lode_timer_run_due(t), 1);
    CHECK_EQ(order[3], 0);
    CHECK_EQ(lode_timer_pending(t), 0);
    lode_timer_free(t);
}

TEST(purgatory_completes_by_event_and_by_deadline)
{
    lode_manual_clock_t mc;
    lode_manual_clock_init(&mc, 0, 0);
    lode_timer_t *t = lode_timer_new(&mc.clock);
    lode_purgatory_t *p = lode_purgatory_new("Produce", t);
    int ready = 0, freed = 0;
    /* immediately satisfiable */
    op_t *now = new_op(&ready, 0, &freed);
    const char *k1[] = {"t-0"};
    CHECK(lode_purgatory_try_complete_else_watch(p, &now->dop, 100, k1, 1));
    CHECK_EQ(now->completed, 1);
    lode_dop_release(&now->dop);
    CHECK_EQ(freed, 1);
    /* waits for two events on two keys */
    op_t *a = new_op(&ready, 2, &freed);
    const char *k2[] = {"t-0", "t-1"};
    CHECK(!lode_purgatory_try_complete_else_watch(p, &a->dop, 100, k2, 2));
    CHECK_EQ(lode_purgatory_size(p), 2);
    ready = 1;
    CHECK_EQ(lode_purgatory_check(p, "t-0"), 0);
    ready = 2;
    CHECK_EQ(lode_purgatory_check(p, "nothing"), 0);
    CHECK_EQ(lode_purgatory_check(p, "t-1"), 1);
    CHECK_EQ(lode_purgatory_check(p, "t-0"), 0); /* already complete: dropped */
    CHECK(a->completed == 1 && a->expired == 0);
    CHECK_EQ(lode_timer_pending(t), 0); /* timer disarmed on completion */
    lode_dop_release(&a->dop);
    /* expires */
    op_t *b = new_op(&ready, 99, &freed);
    CHECK(!lode_purgatory_try_complete_else_watch(p, &b->dop, 500, k1, 1));
    lode_manual_clock_advance_ms(&mc, 499);
    CHECK_EQ(lode_timer_run_due(t), 0);
    lode_manual_clock_advance_ms(&mc, 1);
    CHECK_EQ(lode_timer_run_due(t), 1);
    CHECK(b->completed == 1 && b->expired == 1);
    CHECK(!lode_dop_force_complete(&b->dop)); /* once only */
    lode_dop_release(&b->dop);
    CHECK_EQ(lode_purgatory_check(p, "t-0"), 0);
    CHECK_EQ(freed, 3);
    /* still waiting when the purgatory closes: completed as expired */
    op_t *c = new_op(&ready, 99, &freed);
    CHECK(!lode_purgatory_try_complete_else_watch(p, &c->dop, 10000, k1, 1));
    lode_purgatory_free(p);
    CHECK(c->completed == 1 && c->expired == 1);
    lode_dop_release(&c->dop);
    CHECK_EQ(freed, 4);
    lode_timer_free(t);
}

typedef struct stress {
    lode_purgatory_t *p;
    int *ready;
} stress_t;

static void *checker(void *arg)
{
    stress_t *s = arg;
    for (int i = 0; i < 2000; i++) {
        if (i == 1000)
            __atomic_store_n(s->ready, 1, __ATOMIC_RELEASE);
        char key[16];
        snprintf(key, sizeof key, "k%d", i % 8);
        lode_purgatory_check(s->p, key);
    }
    for (int k = 0; k < 8; k++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", k);
        lode_purgatory_check(s->p, key);
    }
    return NULL;
}

TEST(purgatory_exactly_once_under_concurrent_checks)
{
    lode_timer_t *t = lode_timer_new(NULL);
    REQUIRE(lode_timer_start(t) == 0);
    lode_purgatory_t *p = lode_purgatory_new("Fetch", t);
    int ready = 0, freed = 0;
    enum { N = 400 };
    op_t *ops[N];
    for (int i = 0; i < N; i++) {
        ops[i] = new_op(&ready, 1, &freed);
        char key[16];
        snprintf(key, sizeof key, "k%d", i % 8);
        const char *keys[] = {key};
        lode_purgatory_try_complete_else_watch(p, &ops[i]->dop, lode_timer_now_ms(t) + 60000, keys,
                                               1);
    }
    stress_t s = {p, &ready};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, checker, &s);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    int total = 0;
    for (int i = 0; i < N; i++) {
        CHECK_EQ(ops[i]->completed, 1);
        total += ops[i]->completed;
        lode_dop_release(&ops[i]->dop);
    }
    CHECK_EQ(total, N);
    CHECK_EQ(freed, N);
    lode_purgatory_free(p);
    lode_timer_free(t);
}
