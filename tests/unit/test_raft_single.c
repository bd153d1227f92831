/* The single-voter quorum: epochs persist and grow, appends commit once
 * fsynced and are delivered in order, everything replays after a restart. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/err.h"
#include "raft/quorum_single.h"
#include "test.h"

typedef struct seen {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int n;
    char values[256][16];
    int64_t offsets[256];
    int32_t leader, epoch;
} seen_t;

static void on_commit(void *arg, const lode_qrecord_t *r, size_t n, int32_t epoch)
{
    (void)epoch;
    seen_t *s = arg;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < n && s->n < 256; i++) {
        snprintf(s->values[s->n], 16, "%.*s", (int)r[i].len, (const char *)r[i].data);
        s->offsets[s->n] = r[i].offset;
        s->n++;
    }
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static void on_leader(void *arg, int32_t leader, int32_t epoch)
{
    seen_t *s = arg;
    s->leader = leader;
    s->epoch = epoch;
}

static void wait_for(seen_t *s, int n)
{
    pthread_mutex_lock(&s->lock);
    while (s->n < n)
        pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
}

static int committed;
static void on_appended(void *arg, int status, int64_t last)
{
    (void)arg;
    (void)last;
    if (status == 0)
        __atomic_add_fetch(&committed, 1, __ATOMIC_SEQ_CST);
}

TEST(single_voter_commits_delivers_and_replays)
{
    lode_log_config_t c;
    lode_log_config_defaults(&c);
    lode_flusher_t *f;
    REQUIRE(lode_flusher_start(0, &f) == 0);
    seen_t s = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {{0}}, {0}, 0, 0};
    lode_quorum_listener_t l = {&s, on_commit, on_leader, NULL};
    lode_quorum_t *q;
    REQUIRE(lode_quorum_single_open(lode_test_tmpdir(), 1, &c, f, &l, 0, &q) == 0);
    int32_t leader, epoch;
    lode_quorum_leader(q, &leader, &epoch);
    CHECK(leader == 1 && epoch == 1);
    for (int i = 0; i < 20; i++) {
        char v[16];
        int n = snprintf(v, sizeof v, "rec-%d", i);
        lode_qrecord_t r[2] = {{(const uint8_t *)v, (size_t)n, 0}, {(const uint8_t *)"x", 1, 0}};
        REQUIRE(lode_quorum_append(q, epoch, r, 2, on_appended, NULL) == 0);
    }
    lode_qrecord_t r = {(const uint8_t *)"y", 1, 0};
    CHECK_EQ(lode_quorum_append(q, epoch + 1, &r, 1, NULL, NULL), LODE_EFENCED);
    wait_for(&s, 40);
    CHECK_STREQ(s.values[0], "rec-0");
    CHECK_STREQ(s.values[1], "x");
    CHECK_STREQ(s.values[38], "rec-19");
    for (int i = 1; i < 40; i++)
        CHECK_EQ(s.offsets[i], s.offsets[i - 1] + 1);
    CHECK_EQ(s.offsets[0], 1); /* offset 0 is the LeaderChange control record */
    CHECK(s.leader == 1 && s.epoch == 1);
    lode_quorum_close(q);
    CHECK_EQ(committed, 20);
    /* restart: epoch 2, the whole log delivered again */
    seen_t s2 = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {{0}}, {0}, 0, 0};
    lode_quorum_listener_t l2 = {&s2, on_commit, on_leader, NULL};
    REQUIRE(lode_quorum_single_open(lode_test_tmpdir(), 1, &c, f, &l2, 0, &q) == 0);
    lode_quorum_leader(q, &leader, &epoch);
    CHECK_EQ(epoch, 2);
    wait_for(&s2, 40);
    CHECK_STREQ(s2.values[38], "rec-19");
    CHECK(lode_quorum_high_watermark(q) >= 42); /* 2 control + 40 data */
    lode_quorum_close(q);
    lode_flusher_stop(f);
}
