/* Group commit: waiters complete only once their offsets are fsynced. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "storage/flusher.h"
#include "support/fake_batch.h"
#include "test.h"

typedef struct {
    lode_log_t *log;
    lode_flusher_t *f;
    pthread_mutex_t *lock;
    pthread_cond_t *cond;
    int pending;
    int done_ok;
    int bad;
} appender_t;

typedef struct {
    appender_t *a;
    int64_t offset;
} wait_ctx_t;

static void on_durable(void *arg, int status)
{
    wait_ctx_t *w = arg;
    appender_t *a = w->a;
    pthread_mutex_lock(a->lock);
    if (status != 0 || lode_log_recovery_point(a->log) < w->offset)
        a->bad++;
    else
        a->done_ok++;
    a->pending--;
    pthread_cond_broadcast(a->cond);
    pthread_mutex_unlock(a->lock);
    free(w);
}

static void *appender_main(void *arg)
{
    appender_t *a = arg;
    for (int i = 0; i < 200; i++) {
        lode_buf_t b = LODE_BUF_INIT;
        lode_test_put_batch(&b, 0, 4, 1, 1000, -1, 0);
        lode_log_append_info_t info;
        if (lode_log_append(a->log, b.data, b.len, 0, 0, &info) != 0) {
            a->bad++;
            lode_buf_free(&b);
            continue;
        }
        lode_buf_free(&b);
        wait_ctx_t *w = malloc(sizeof *w);
        w->a = a;
        w->offset = info.last_offset + 1;
        pthread_mutex_lock(a->lock);
        a->pending++;
        pthread_mutex_unlock(a->lock);
        if (lode_flusher_wait(a->f, a->log, w->offset, on_durable, w) != 0) {
            pthread_mutex_lock(a->lock);
            a->pending--;
            a->bad++;
            pthread_mutex_unlock(a->lock);
            free(w);
        }
        /* Like a producer with max.in.flight 1: wait for the ack. */
        pthread_mutex_lock(a->lock);
        while (a->pending > 0)
            pthread_cond_wait(a->cond, a->lock);
        pthread_mutex_unlock(a->lock);
    }
    return NULL;
}

TEST(group_commit_concurrent_appenders)
{
    lode_log_config_t c;
    lode_log_config_defaults(&c);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/t-0", lode_test_tmpdir());
    lode_log_t *log;
    REQUIRE(lode_log_open(dir, &c, 0, -1, false, NULL, 0, &log) == 0);
    lode_flusher_t *f;
    REQUIRE(lode_flusher_start(0, &f) == 0);
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
    enum { N = 8 };
    appender_t a[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        a[i] = (appender_t){log, f, &lock, &cond, 0, 0, 0};
        pthread_create(&th[i], NULL, appender_main, &a[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    int ok = 0, bad = 0;
    for (int i = 0; i < N; i++) {
        ok += a[i].done_ok;
        bad += a[i].bad;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(ok, N * 200);
    CHECK_EQ(lode_log_recovery_point(log), N * 200 * 4);
    lode_flusher_stats_t st;
    lode_flusher_get_stats(f, &st);
    CHECK_EQ(st.waiters_done, N * 200);
    CHECK(st.log_flushes <= st.waiters_done);
    fprintf(stderr, "  group commit: %d acks, %llu log flushes\n", ok,
            (unsigned long long)st.log_flushes);
    lode_flusher_stop(f);
    lode_log_close(log);
}

static void count_cb(void *arg, int status)
{
    int *n = arg;
    __atomic_add_fetch(n, status == 0 ? 1 : 1000, __ATOMIC_SEQ_CST);
}

TEST(flusher_already_durable_and_stop_drains)
{
    lode_log_config_t c;
    lode_log_config_defaults(&c);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/t-1", lode_test_tmpdir());
    lode_log_t *log;
    REQUIRE(lode_log_open(dir, &c, 0, -1, false, NULL, 0, &log) == 0);
    lode_flusher_t *f;
    REQUIRE(lode_flusher_start(2, &f) == 0);
    int n = 0;
    /* offset 0 is durable already: the callback still comes, from the thread */
    REQUIRE(lode_flusher_wait(f, log, 0, count_cb, &n) == 0);
    lode_flusher_stop(f); /* drains before stopping */
    CHECK_EQ(n, 1);
    lode_log_close(log);
}
