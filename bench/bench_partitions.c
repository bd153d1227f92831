/*
 * bench_partitions.c — many partitions on one node: a fresh single-node
 * `lode server` given one topic of N partitions (1,000 and 10,000; --quick
 * 1,000 only), driven by librdkafka over loopback TCP.
 *
 * For each N, in order, on one server:
 *   create     CreateTopics of N partitions until the response (create_s),
 *              and until every partition has taken a write (ready_s: one
 *              record produced to each partition by number, acks=1, all
 *              delivered) — the topic is usable;
 *   memory     the server's resident memory and open descriptors before the
 *              topic, after it is ready and after the produce cases;
 *   produce    1 KB keyed records (keys spread over every partition by
 *              librdkafka's default partitioner), acks=1 and then acks=all
 *              (group commit fsyncs before the ack): MB/s, delivery latency
 *              p50/p99, broker CPU per GB;
 *   shutdown   SIGTERM until the process exits (shutdown_s; a clean close of
 *              every log);
 *   restart    a new process on the same directory until it listens
 *              (listen_s) and until every partition has taken a write again
 *              (restart_s).
 *
 * Every measurement is printed and, with LODE_BENCH_RESULTS set, appended as
 * one JSON line (bench "partitions", what "many") for bench/report.
 *
 * Usage: bench_partitions [--quick] [--lode PATH] [--partitions=N,N,…]
 */
#include <dirent.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/kafka.h"
#include "support/lodeproc.h"
#include "support/results.h"

#define TOPIC "many"
#define RECORD 1000

typedef struct lat {
    int64_t *ns;
    size_t n, cap;
    int errors;
} lat_t;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    lat_t *l = opaque;
    if (m->err) {
        if (l->errors++ < 3)
            fprintf(stderr, "bench_partitions: delivery failed: %s\n", rd_kafka_err2str(m->err));
        return;
    }
    if (l->n < l->cap)
        l->ns[l->n++] = bench_now_ns() - (int64_t)(intptr_t)m->_private;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(const lat_t *l, double p)
{
    if (!l->n)
        return 0;
    return (double)l->ns[(size_t)(p / 100.0 * (double)(l->n - 1))] / 1e6;
}

static int open_fds(void)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)bench_server_pid);
    DIR *d = opendir(path);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static double secs_since(int64_t t0)
{
    return (double)(bench_now_ns() - t0) / 1e9;
}

/* One small record to each of the n partitions by number, acks=1; returns
 * the number that failed. Retries are librdkafka's: a partition whose log
 * is not open yet answers with a retriable error. */
static int touch_all(int n)
{
    lat_t l = {.ns = malloc((size_t)n * sizeof(int64_t)), .cap = (size_t)n};
    rd_kafka_t *rk = bench_producer("1", "5", dr_cb, &l);
    static const char v[] = "ready";
    for (int p = 0; p < n; p++)
        while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(p),
                                 RD_KAFKA_V_VALUE((void *)v, sizeof v - 1),
                                 RD_KAFKA_V_OPAQUE((void *)(intptr_t)bench_now_ns()),
                                 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 10);
    rd_kafka_flush(rk, 120000);
    int failed = n - (int)l.n;
    rd_kafka_destroy(rk);
    free(l.ns);
    return failed;
}

typedef struct produce_result {
    double mbps, p50, p99, cpu_s_per_gb;
    int errors;
} produce_result_t;

/* `bytes` of RECORD-byte values with 8-byte keys (the record's number)
 * through the default partitioner, as fast as the producer goes. */
static produce_result_t produce(const char *acks, int64_t bytes)
{
    size_t n = (size_t)(bytes / RECORD);
    lat_t l = {.ns = malloc(n * sizeof(int64_t)), .cap = n};
    rd_kafka_t *rk = bench_producer(acks, "5", dr_cb, &l);
    char *value = malloc(RECORD);
    for (size_t i = 0; i < RECORD; i++)
        value[i] = (char)('a' + i % 26);
    /* warm up: the metadata of all partitions and the connection */
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(0),
                      RD_KAFKA_V_VALUE(value, 8),
                      RD_KAFKA_V_OPAQUE((void *)(intptr_t)bench_now_ns()), RD_KAFKA_V_END);
    rd_kafka_flush(rk, 30000);
    l.n = 0;
    l.errors = 0;
    double cpu0 = bench_server_cpu();
    int64_t t0 = bench_now_ns();
    for (size_t i = 0; i < n; i++) {
        uint64_t key = i;
        while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_KEY(&key, sizeof key),
                                 RD_KAFKA_V_VALUE(value, RECORD),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_OPAQUE((void *)(intptr_t)bench_now_ns()),
                                 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 1);
        if (i % 1024 == 0)
            rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 300000);
    double secs = secs_since(t0);
    double cpu = bench_server_cpu() - cpu0;
    qsort(l.ns, l.n, sizeof *l.ns, cmp64);
    produce_result_t r = {.mbps = (double)l.n * RECORD / secs / 1e6,
                          .p50 = pct_ms(&l, 50),
                          .p99 = pct_ms(&l, 99),
                          .cpu_s_per_gb = l.n ? cpu / ((double)l.n * RECORD / 1e9) : 0,
                          .errors = l.errors + (int)(n - l.n - (size_t)l.errors)};
    rd_kafka_destroy(rk);
    free(value);
    free(l.ns);
    return r;
}

static double rss_mib(void)
{
    return (double)bench_server_rss_kb() / 1024.0;
}

static void run(const char *lode, int n, int64_t volume)
{
    printf("\n%d partitions (one topic), %.0f MB per produce case of 1 KB keyed records\n", n,
           (double)volume / 1e6);
    bench_server_start(lode, "log.segment.delete.delay.ms=0\n");
    double rss0 = rss_mib();
    int fds0 = open_fds();

    int64_t t0 = bench_now_ns();
    bench_create_topic(TOPIC, n);
    double create_s = secs_since(t0);
    int failed = touch_all(n);
    double ready_s = secs_since(t0);
    double rss_created = rss_mib();
    int fds_created = open_fds();
    printf("  create: response %.2f s, every partition written %.2f s%s\n", create_s, ready_s,
           failed ? " (some writes failed)" : "");
    printf("  server: %.1f MiB resident and %d descriptors before, %.1f MiB and %d after\n", rss0,
           fds0, rss_created, fds_created);

    produce_result_t a1 = produce("1", volume);
    printf("  produce acks=1:   %7.1f MB/s, delivery p50 %.1f ms p99 %.1f ms, broker %.2f CPU s/GB%s\n",
           a1.mbps, a1.p50, a1.p99, a1.cpu_s_per_gb, a1.errors ? " (errors)" : "");
    produce_result_t aa = produce("all", volume);
    printf("  produce acks=all: %7.1f MB/s, delivery p50 %.1f ms p99 %.1f ms, broker %.2f CPU s/GB%s\n",
           aa.mbps, aa.p50, aa.p99, aa.cpu_s_per_gb, aa.errors ? " (errors)" : "");
    double rss_produced = rss_mib();
    int fds_produced = open_fds();
    printf("  server after producing: %.1f MiB resident, %d descriptors\n", rss_produced,
           fds_produced);

    double shutdown_s = bench_server_kill();
    t0 = bench_now_ns();
    bench_server_restart(lode, 300);
    double listen_s = secs_since(t0);
    int refailed = touch_all(n);
    double restart_s = secs_since(t0);
    double rss_restarted = rss_mib();
    printf("  clean shutdown %.2f s; restart: listening %.2f s, every partition written %.2f s%s, "
           "%.1f MiB resident\n",
           shutdown_s, listen_s, restart_s, refailed ? " (some writes failed)" : "",
           rss_restarted);
    bench_server_stop();

    bench_rec_begin("partitions", "many");
    bench_rec_num("partitions", n);
    bench_rec_num("create_s", create_s);
    bench_rec_num("ready_s", ready_s);
    bench_rec_num("rss_mib_empty", rss0);
    bench_rec_num("rss_mib_created", rss_created);
    bench_rec_num("fds_created", fds_created);
    bench_rec_num("produce_mbps_acks1", a1.mbps);
    bench_rec_num("produce_p99_ms_acks1", a1.p99);
    bench_rec_num("produce_mbps_acksall", aa.mbps);
    bench_rec_num("produce_p99_ms_acksall", aa.p99);
    bench_rec_num("broker_cpu_s_per_gb_acks1", a1.cpu_s_per_gb);
    bench_rec_num("rss_mib_after_produce", rss_produced);
    bench_rec_num("shutdown_s", shutdown_s);
    bench_rec_num("listen_s", listen_s);
    bench_rec_num("restart_s", restart_s);
    bench_rec_num("rss_mib_restarted", rss_restarted);
    bench_rec_num("errors", failed + refailed + a1.errors + aa.errors);
    bench_rec_end();
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress through bench/suite's tee */
    bool quick;
    const char *lode = bench_args(argc, argv, &quick);
    char counts[256] = "1000,10000";
    if (quick)
        strcpy(counts, "1000");
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--partitions=", 13))
            snprintf(counts, sizeof counts, "%s", argv[i] + 13);
    int64_t volume = quick ? 256000000 : 1000000000;
    printf("bench_partitions: %s, partitions %s\n", lode, counts);
    for (char *s = strtok(counts, ","); s; s = strtok(NULL, ","))
        run(lode, atoi(s), volume);
    return 0;
}
