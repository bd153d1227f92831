/*
 * bench_groups.c — the group coordinator under librdkafka consumers, against
 * a real `lode server`:
 *
 *   commits   synchronous offset commits of one consumer for 1, 10 and 100
 *             partitions at a time (each commit is made durable: one fsync
 *             per request, shared by concurrent ones)
 *   rebalance time from an event to a stable group of 10 members (every
 *             member holding its new assignment): 10 members joining an
 *             empty group, an 11th member arriving, and a member crashing
 *             (destroyed without leaving, so the session timeout finds it)
 *
 * Consumers use session.timeout.ms=6000 and heartbeat.interval.ms=500; the
 * server group.initial.rebalance.delay.ms=0 (Kafka's default is 3000, a
 * wait by design). A crash costs the session timeout by definition; the
 * report shows the time beyond it.
 *
 * Usage: bench_groups [--quick] [--lode PATH]   (default PATH: build/bin/lode)
 */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/kafka.h"
#include "support/lodeproc.h"

#define PARTITIONS 20
#define SESSION_MS 6000

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_groups: %s: %s\n", what, why);
    bench_server_stop();
    exit(1);
}

static rd_kafka_conf_t *conf(const char *group)
{
    char err[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    const char *kv[][2] = {{"bootstrap.servers", bench_bootstrap},
                           {"group.id", group},
                           {"session.timeout.ms", "6000"},
                           {"heartbeat.interval.ms", "500"},
                           {"enable.auto.commit", "false"},
                           {"auto.offset.reset", "earliest"},
                           {"log_level", "3"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (rd_kafka_conf_set(c, kv[i][0], kv[i][1], err, sizeof err) != RD_KAFKA_CONF_OK)
            die(kv[i][0], err);
    return c;
}

/* ---- commits ------------------------------------------------------------------ */

static void commits(int nparts, double seconds)
{
    char err[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf("bench-commits"), err, sizeof err);
    if (!rk)
        die("consumer", err);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(nparts);
    for (int p = 0; p < nparts; p++)
        rd_kafka_topic_partition_list_add(l, "commits", p)->offset = 1;
    /* the first commit finds the coordinator */
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__TRANSPORT;
    for (int i = 0; i < 100 && e; i++)
        e = rd_kafka_commit(rk, l, 0);
    if (e)
        die("commit", rd_kafka_err2str(e));
    int64_t t0 = bench_now_ns(), n = 0;
    while (bench_now_ns() - t0 < (int64_t)(seconds * 1e9)) {
        for (int p = 0; p < nparts; p++)
            l->elems[p].offset++;
        if ((e = rd_kafka_commit(rk, l, 0)))
            die("commit", rd_kafka_err2str(e));
        n++;
    }
    double s = (double)(bench_now_ns() - t0) / 1e9;
    printf("| %d | %.0f | %.0f | %.2f |\n", nparts, n / s, n * nparts / s, 1000.0 * s / n);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

/* ---- rebalances ----------------------------------------------------------------- */

typedef struct member {
    rd_kafka_t *rk;
    pthread_t th;
    atomic_bool stop;
    atomic_int assigned;         /* partitions held now; -1 before the first assignment */
    _Atomic int64_t assigned_ns; /* when the last assignment arrived */
} member_t;

static void rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    member_t *m = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, parts);
        atomic_store(&m->assigned_ns, bench_now_ns());
        atomic_store(&m->assigned, parts->cnt);
    } else {
        rd_kafka_assign(rk, NULL);
        atomic_store(&m->assigned, 0);
    }
}

static void *poll_loop(void *arg)
{
    member_t *m = arg;
    while (!atomic_load(&m->stop)) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(m->rk, 50);
        if (msg)
            rd_kafka_message_destroy(msg);
    }
    return NULL;
}

static void member_start(member_t *m)
{
    char err[256];
    rd_kafka_conf_t *c = conf("bench-rebalance");
    rd_kafka_conf_set_rebalance_cb(c, rebalance);
    rd_kafka_conf_set_opaque(c, m);
    atomic_store(&m->assigned, -1);
    atomic_store(&m->assigned_ns, 0);
    atomic_store(&m->stop, false);
    m->rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
    if (!m->rk)
        die("consumer", err);
    rd_kafka_poll_set_consumer(m->rk);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "rebalance", RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(m->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    pthread_create(&m->th, NULL, poll_loop, m);
}

static void member_stop(member_t *m, bool crash)
{
    atomic_store(&m->stop, true);
    pthread_join(m->th, NULL);
    if (crash) {
        rd_kafka_destroy_flags(m->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    } else {
        rd_kafka_consumer_close(m->rk);
        rd_kafka_destroy(m->rk);
    }
}

/* Waits until the live members hold every partition, each holding some,
 * all assigned after `since`; returns the seconds from since to the last
 * of those assignments. */
static double await_stable(member_t *ms, const bool *live, int n, int64_t since)
{
    for (int tries = 0; tries < 6000; tries++) {
        int total = 0;
        bool ok = true;
        int64_t last = since;
        for (int i = 0; i < n; i++) {
            if (!live[i])
                continue;
            int a = atomic_load(&ms[i].assigned);
            int64_t at = atomic_load(&ms[i].assigned_ns);
            if (a <= 0 || at < since)
                ok = false;
            total += a > 0 ? a : 0;
            if (at > last)
                last = at;
        }
        if (ok && total == PARTITIONS)
            return (double)(last - since) / 1e9;
        usleep(10000);
    }
    die("rebalance", "the group did not stabilize within 60 s");
    return 0;
}

int main(int argc, char **argv)
{
    bool quick;
    const char *lode = bench_args(argc, argv, &quick);
    bench_server_start(lode, "offsets.topic.replication.factor=1\n"
                             "group.initial.rebalance.delay.ms=0\n");
    bench_create_topic("commits", 100);
    bench_create_topic("rebalance", PARTITIONS);

    printf("## Offset commits (one consumer, synchronous commits, each fsynced)\n\n");
    printf("| partitions per commit | commits/s | partition offsets/s | ms per commit |\n");
    printf("|---:|---:|---:|---:|\n");
    double secs = quick ? 1.0 : 5.0;
    commits(1, secs);
    commits(10, secs);
    commits(100, secs);

    printf("\n## Rebalance to a stable group (%d partitions, session.timeout.ms=%d, "
           "heartbeat.interval.ms=500)\n\n",
           PARTITIONS, SESSION_MS);
    printf("| event | seconds to stable |\n|---|---:|\n");
    member_t ms[11];
    bool live[11] = {0};
    int rounds = quick ? 1 : 3;
    for (int r = 0; r < rounds; r++) {
        int64_t t0 = bench_now_ns();
        for (int i = 0; i < 10; i++) {
            member_start(&ms[i]);
            live[i] = true;
        }
        printf("| 10 members join an empty group | %.2f |\n", await_stable(ms, live, 11, t0));
        t0 = bench_now_ns();
        member_start(&ms[10]);
        live[10] = true;
        printf("| an 11th member arrives | %.2f |\n", await_stable(ms, live, 11, t0));
        t0 = bench_now_ns();
        member_stop(&ms[10], true);
        live[10] = false;
        double crash = await_stable(ms, live, 11, t0);
        printf("| a member crashes (session timeout %.1f s included) | %.2f (%.2f beyond) |\n",
               SESSION_MS / 1000.0, crash, crash - SESSION_MS / 1000.0);
        for (int i = 0; i < 10; i++) {
            member_stop(&ms[i], false);
            live[i] = false;
        }
    }
    printf("\nbroker CPU: %.2f s, RSS %ld KiB\n", bench_server_cpu(), bench_server_rss_kb());
    bench_server_stop();
    return 0;
}
