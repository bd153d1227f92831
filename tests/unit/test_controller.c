/* The controller over the single-voter quorum: operations commit and show in
 * the published image, survive restarts (through snapshots too), and a crash
 * in the middle of topic creations leaves every topic whole or absent. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controller/controller.h"
#include "core/err.h"
#include "metadata/snapshot.h"
#include "proto/kerr.h"
#include "test.h"

typedef struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
    lode_ctl_error_t err;
} waiter_t;

static void done_cb(void *arg, const lode_ctl_error_t *err, const uint8_t *id)
{
    (void)id;
    waiter_t *w = arg;
    pthread_mutex_lock(&w->lock);
    w->err = *err;
    w->done = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static int16_t wait_op(waiter_t *w)
{
    pthread_mutex_lock(&w->lock);
    while (!w->done)
        pthread_cond_wait(&w->cond, &w->lock);
    w->done = 0;
    pthread_mutex_unlock(&w->lock);
    return w->err.code;
}

static lode_endpoint_t ep = {"PLAINTEXT", "localhost", 9092, 0};

static lode_controller_t *start(lode_flusher_t *f, lode_image_holder_t *h, int64_t snap_bytes)
{
    lode_controller_config_t cfg = {.metadata_dir = lode_test_tmpdir(),
                                    .node_id = 1,
                                    .topic_defaults = {1, 1, 0},
                                    .endpoints = &ep,
                                    .nendpoints = 1,
                                    .snapshot_bytes = snap_bytes,
                                    .flusher = f,
                                    .images = h};
    lode_controller_t *c;
    REQUIRE(lode_controller_start(&cfg, &c) == 0);
    return c;
}

static int16_t create(lode_controller_t *c, waiter_t *w, const char *name, int32_t parts)
{
    lode_new_topic_t req = {.name = name, .partitions = parts, .replication = 1};
    lode_controller_create_topic(c, &req, false, done_cb, w);
    return wait_op(w);
}

TEST(controller_commits_and_restarts)
{
    lode_flusher_t *f;
    REQUIRE(lode_flusher_start(0, &f) == 0);
    lode_image_holder_t *h = lode_image_holder_new();
    lode_controller_t *c = start(f, h, 1 << 20);
    waiter_t w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0, ""}};
    lode_image_t *img = lode_image_acquire(h);
    REQUIRE(lode_image_broker(img, 1) != NULL); /* registered itself */
    CHECK(!lode_image_broker(img, 1)->fenced);
    CHECK_EQ(lode_image_feature(img, "metadata.version"), 25);
    lode_image_release(img);
    CHECK_EQ(create(c, &w, "orders", 3), 0);
    CHECK_EQ(create(c, &w, "orders", 3), LODE_KERR_TOPIC_ALREADY_EXISTS);
    CHECK_EQ(create(c, &w, "bad/name", 3), LODE_KERR_INVALID_TOPIC_EXCEPTION);
    img = lode_image_acquire(h);
    REQUIRE(lode_image_topic(img, "orders"));
    CHECK_EQ(lode_image_topic(img, "orders")->npartitions, 3);
    CHECK_EQ(lode_image_topic(img, "orders")->partitions[2].leader, 1);
    lode_image_release(img);
    lode_controller_create_partitions(c, "orders", 5, NULL, 0, 0, false, done_cb, &w);
    CHECK_EQ(wait_op(&w), 0);
    CHECK_EQ(create(c, &w, "gone", 1), 0);
    lode_controller_delete_topic(c, "gone", NULL, done_cb, &w);
    CHECK_EQ(wait_op(&w), 0);
    int32_t epoch = lode_controller_epoch(c);
    lode_controller_stop(c);
    /* restart: everything replays, a new epoch */
    c = start(f, h, 1 << 20);
    CHECK_EQ(lode_controller_epoch(c), epoch + 1);
    img = lode_image_acquire(h);
    CHECK_EQ(lode_image_topic(img, "orders")->npartitions, 5);
    CHECK(lode_image_topic(img, "gone") == NULL);
    lode_image_release(img);
    lode_controller_stop(c);
    lode_image_holder_free(h);
    lode_flusher_stop(f);
}

TEST(controller_snapshots_and_loads_them)
{
    lode_flusher_t *f;
    REQUIRE(lode_flusher_start(0, &f) == 0);
    lode_image_holder_t *h = lode_image_holder_new();
    lode_controller_t *c = start(f, h, 256); /* snapshot every ~256 bytes of records */
    waiter_t w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0, ""}};
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        REQUIRE(create(c, &w, name, 2) == 0);
    }
    lode_controller_stop(c);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/__cluster_metadata-0", lode_test_tmpdir());
    int64_t end = -1;
    int32_t ep_ = -1;
    REQUIRE(lode_snapshot_latest(dir, &end, &ep_) == 0);
    CHECK(end > 10);
    c = start(f, h, 256);
    lode_image_t *img = lode_image_acquire(h);
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "t%d", i);
        const lode_topic_info_t *t = lode_image_topic(img, name);
        REQUIRE(t && t->npartitions == 2);
    }
    lode_image_release(img);
    lode_controller_stop(c);
    lode_image_holder_free(h);
    lode_flusher_stop(f);
}

static void child_creates_forever(void)
{
    lode_flusher_t *f;
    if (lode_flusher_start(0, &f))
        _exit(3);
    lode_image_holder_t *h = lode_image_holder_new();
    lode_controller_config_t cfg = {.metadata_dir = lode_test_tmpdir(),
                                    .node_id = 1,
                                    .topic_defaults = {1, 1, 0},
                                    .endpoints = &ep,
                                    .nendpoints = 1,
                                    .snapshot_bytes = 4096,
                                    .flusher = f,
                                    .images = h};
    lode_controller_t *c;
    if (lode_controller_start(&cfg, &c))
        _exit(4);
    for (int i = 0;; i++) {
        char name[32];
        snprintf(name, sizeof name, "k%d-%d", getpid(), i);
        /* partition count encoded in the name: every topic must have it */
        lode_new_topic_t req = {.name = name, .partitions = 1 + i % 7, .replication = 1};
        lode_controller_create_topic(c, &req, false, NULL, NULL);
    }
}

TEST(crash_during_topic_creation_leaves_whole_topics)
{
    uint64_t rng = lode_test_seed();
    for (int round = 0; round < 8; round++) {
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0)
            child_creates_forever();
        usleep(20000 + (useconds_t)(lode_test_rand(&rng) % 150000));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        lode_flusher_t *f;
        REQUIRE(lode_flusher_start(0, &f) == 0);
        lode_image_holder_t *h = lode_image_holder_new();
        lode_controller_t *c = start(f, h, 4096);
        lode_image_t *img = lode_image_acquire(h);
        size_t it = 0;
        lode_hmap_entry_t *e;
        int topics = 0;
        while ((e = lode_hmap_next(&img->topics_by_name, &it))) {
            const lode_topic_info_t *t = e->value;
            int p_, i;
            REQUIRE(sscanf(t->name, "k%d-%d", &p_, &i) == 2);
            REQUIRE(t->npartitions == 1 + i % 7);
            for (int32_t k = 0; k < t->npartitions; k++)
                REQUIRE(t->partitions[k].nreplicas == 1 && t->partitions[k].leader == 1);
            topics++;
        }
        lode_image_release(img);
        lode_controller_stop(c);
        lode_image_holder_free(h);
        lode_flusher_stop(f);
        if (round == 7)
            fprintf(stderr, "  %d topics checked whole after 8 crashes\n", topics);
    }
}

typedef struct pids {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
    int16_t err;
    int64_t first;
    int32_t len;
} pids_t;

static void pid_cb(void *arg, int16_t err, int64_t first, int32_t len)
{
    pids_t *p = arg;
    pthread_mutex_lock(&p->lock);
    p->err = err;
    p->first = first;
    p->len = len;
    p->done = 1;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

static void wait_pids(pids_t *p)
{
    pthread_mutex_lock(&p->lock);
    while (!p->done)
        pthread_cond_wait(&p->cond, &p->lock);
    p->done = 0;
    pthread_mutex_unlock(&p->lock);
}

TEST(controller_hands_out_disjoint_producer_id_blocks)
{
    lode_flusher_t *f;
    REQUIRE(lode_flusher_start(0, &f) == 0);
    lode_image_holder_t *h = lode_image_holder_new();
    lode_controller_t *c = start(f, h, 1 << 20);
    lode_image_t *img = lode_image_acquire(h);
    int64_t epoch = lode_image_broker(img, 1)->epoch;
    lode_image_release(img);
    pids_t p = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0};
    lode_controller_alloc_producer_ids(c, 1, epoch, pid_cb, &p);
    wait_pids(&p);
    CHECK(p.err == 0 && p.first == 0 && p.len == 1000);
    lode_controller_alloc_producer_ids(c, 1, epoch, pid_cb, &p);
    wait_pids(&p);
    CHECK(p.err == 0 && p.first == 1000);
    lode_controller_alloc_producer_ids(c, 1, epoch + 99, pid_cb, &p);
    wait_pids(&p);
    CHECK_EQ(p.err, LODE_KERR_STALE_BROKER_EPOCH);
    lode_controller_alloc_producer_ids(c, 7, 0, pid_cb, &p);
    wait_pids(&p);
    CHECK_EQ(p.err, LODE_KERR_BROKER_ID_NOT_REGISTERED);
    lode_controller_stop(c);
    /* blocks are never handed out twice, even after a restart */
    c = start(f, h, 1 << 20);
    img = lode_image_acquire(h);
    epoch = lode_image_broker(img, 1)->epoch;
    lode_image_release(img);
    lode_controller_alloc_producer_ids(c, 1, epoch, pid_cb, &p);
    wait_pids(&p);
    CHECK(p.err == 0 && p.first == 2000);
    lode_controller_stop(c);
    lode_image_holder_free(h);
    lode_flusher_stop(f);
}

static bool fenced_in_image(lode_image_holder_t *h, int32_t id)
{
    lode_image_t *img = lode_image_acquire(h);
    bool f = lode_image_broker(img, id)->fenced;
    lode_image_release(img);
    return f;
}

static void wait_fenced(lode_image_holder_t *h, int32_t id, bool want)
{
    for (int i = 0; i < 2000 && fenced_in_image(h, id) != want; i++)
        usleep(1000);
    CHECK_EQ(fenced_in_image(h, id), want);
}

TEST(controller_heartbeats_fence_and_unfence)
{
    lode_flusher_t *f;
    REQUIRE(lode_flusher_start(0, &f) == 0);
    lode_image_holder_t *h = lode_image_holder_new();
    lode_controller_t *c = start(f, h, 1 << 20);
    lode_image_t *img = lode_image_acquire(h);
    int64_t epoch = lode_image_broker(img, 1)->epoch;
    lode_image_release(img);
    bool fenced = true;
    CHECK_EQ(lode_controller_heartbeat(c, 1, epoch, false, false, 1000, &fenced), 0);
    CHECK(!fenced);
    CHECK_EQ(lode_controller_heartbeat(c, 1, epoch + 1, false, false, 1000, &fenced),
             LODE_KERR_STALE_BROKER_EPOCH);
    CHECK_EQ(lode_controller_heartbeat(c, 9, 0, false, false, 1000, &fenced),
             LODE_KERR_BROKER_ID_NOT_REGISTERED);
    CHECK_EQ(lode_controller_check_sessions(c, 5000, 9000), 0);  /* within the session */
    CHECK_EQ(lode_controller_check_sessions(c, 10001, 9000), 1); /* missed it: fenced */
    wait_fenced(h, 1, true);
    CHECK_EQ(lode_controller_heartbeat(c, 1, epoch, false, false, 10002, &fenced), 0);
    CHECK(!fenced); /* heartbeating again unfences */
    wait_fenced(h, 1, false);
    lode_controller_stop(c);
    lode_image_holder_free(h);
    lode_flusher_stop(f);
}
