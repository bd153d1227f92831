/*
 * bench_server.c — a real `lode server` end to end, driven by librdkafka over
 * loopback TCP from the same machine (client and broker share its cores): the
 * scenario matrix of the performance suite (bench/suite, docs/performance.md).
 *
 * Sweeps (--only=a,b,… picks some; all by default):
 *   size         records of 100 B, 1 KB, 10 KB and 100 KB, acks=1 and acks=all
 *                (1 partition, 1 producer, no compression)
 *   scale        1, 8 and 64 partitions × 1 and 4 producers, 1 KB records,
 *                acks=1 and acks=all
 *   groupcommit  1 KB acks=all from 8 producers over 8 partitions (8
 *                producers' worth of in-flight requests sharing fsyncs)
 *   compression  none, lz4 and zstd, 1 KB records of JSON-like text, acks=1
 *   consume      the 1 KB records back from one partition: page-cached and
 *                cold (the partition's files evicted from the page cache),
 *                with librdkafka's consumer and with a raw Fetch client that
 *                walks batch headers only (the broker's own serving rate)
 *   latency      1 KB records at a fixed 10, 25, 50, 100 and 200 MB/s with
 *                acks=all and acks=1 (linger.ms=1): produce latency (send →
 *                delivery report) and end-to-end latency (send → a
 *                consumer's poll, the send time travels in the record)
 *   raw          a Produce client without a client library: 1 MB batches of
 *                1 KB records built once, acks=1 (one connection, 4 requests
 *                in flight), acks=all (the same, and 8 connections × 1) —
 *                the broker's own ingest rate
 *   connections  the server's memory per idle connection (10,000 of them)
 *
 * Producers: linger.ms=5 (the default of librdkafka 2.0 and of Kafka 4.0's
 * Java client) unless stated, batches up to 1 MB, no idempotence; more than
 * one partition means keyless records to RD_KAFKA_PARTITION_UA (librdkafka's
 * sticky partitioner, as Kafka's). Each case writes `volume` bytes (a quarter
 * at 100 B) into a topic of its own, deleted afterwards. Broker CPU is the
 * server's user+system time (/proc/<pid>/stat), client CPU this process's.
 * Record values are windows into a 4 MiB buffer of JSON-like text (what
 * compression sees; it compresses about 3:1 with lz4).
 *
 * Every measurement is printed as a table row and, with LODE_BENCH_RESULTS
 * set, appended as a JSON line (bench "server") for bench/report.
 *
 * Usage: bench_server [--quick] [--lode PATH] [--only=size,scale,…]
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "proto/compress.h"
#include "proto/gen/FetchRequest.h"
#include "proto/gen/FetchResponse.h"
#include "proto/gen/ProduceRequest.h"
#include "proto/gen/ProduceResponse.h"
#include "proto/gen/api_table.h"
#include "proto/header.h"
#include "proto/record_batch.h"
#include "support/kafka.h"
#include "support/lodeproc.h"
#include "support/results.h"

static bool quick;
static int inflight;    /* raw Produce requests outstanding per connection (records) */
static int64_t volume;  /* bytes per produce case */
static double loop_gbs; /* iperf3 loopback GB/s measured at the start */

static double client_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- record values ---------------------------------------------------------- */

enum { PAYLOAD = 4 << 20 };
static char *payload;

static void make_payload(void)
{
    static const char *const events[] = {"view", "click", "add_to_cart", "purchase", "search"};
    payload = malloc(PAYLOAD + 256);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    size_t n = 0;
    for (int64_t i = 0; n < PAYLOAD; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        n += (size_t)snprintf(payload + n, 256,
                              "{\"id\":%" PRId64 ",\"user\":\"user-%05u\",\"event\":\"%s\","
                              "\"page\":\"/p/%u\",\"amount\":%u.%02u,\"ts\":%" PRIu64 "}\n",
                              i, (unsigned)(x % 100000), events[x % 5], (unsigned)(x >> 20) % 5000,
                              (unsigned)(x >> 32) % 1000, (unsigned)(x >> 40) % 100,
                              (uint64_t)1764900000000 + (uint64_t)i * 3);
    }
}

/* The i-th record's value: a window of the payload. */
static const char *value_of(size_t i, size_t size)
{
    return payload + (i * 4099) % (PAYLOAD - size);
}

/* ---- latency samples ---------------------------------------------------------- */

typedef struct lat {
    int64_t *ns;
    size_t n, cap;
    int errors;
} lat_t;

static void lat_init(lat_t *l, size_t cap)
{
    *l = (lat_t){.ns = malloc((cap ? cap : 1) * sizeof(int64_t)), .cap = cap};
}

static void lat_add(lat_t *l, int64_t ns)
{
    if (l->n < l->cap)
        l->ns[l->n++] = ns;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Merges src into dst (dst grows). */
static void lat_merge(lat_t *dst, const lat_t *src)
{
    dst->ns = realloc(dst->ns, (dst->n + src->n + 1) * sizeof(int64_t));
    memcpy(dst->ns + dst->n, src->ns, src->n * sizeof(int64_t));
    dst->n += src->n;
    dst->cap = dst->n;
    dst->errors += src->errors;
}

/* Percentile p of sorted samples, in ms. */
static double pct(const lat_t *l, double p)
{
    if (!l->n)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)(l->n - 1));
    return (double)l->ns[i] / 1e6;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)opaque;
    lat_t *l = rd_kafka_opaque(rk);
    if (m->err) {
        l->errors++;
        return;
    }
    lat_add(l, bench_now_ns() - (int64_t)(intptr_t)m->_private);
}

/* ---- produce ------------------------------------------------------------------ */

typedef struct spec {
    const char *sweep;
    size_t size;
    const char *acks;
    int partitions, producers;
    const char *compression; /* "none", "lz4", "zstd" */
    const char *linger;      /* linger.ms */
    double rate;             /* total bytes/s; 0 = as fast as possible */
} spec_t;

typedef struct result {
    double mbps, recs_per_s, p50, p99, p999, broker_cpu_gb, client_cpu_gb, stored_mb;
    int errors;
} result_t;

typedef struct pjob {
    const spec_t *s;
    const char *topic;
    size_t first, n; /* this producer's records: first … first+n-1 */
    bool stamp;      /* carry the send time in the value's first 8 bytes */
    lat_t lat;
    pthread_barrier_t *go;
    int64_t t0, t1;
} pjob_t;

static void *producer_main(void *arg)
{
    pjob_t *j = arg;
    const spec_t *s = j->s;
    const char *extra[] = {"compression.type", s->compression, NULL};
    lat_init(&j->lat, j->n);
    rd_kafka_t *rk = bench_producer_with(s->acks, s->linger, extra, dr_cb, &j->lat);
    int32_t part = s->partitions == 1 ? 0 : RD_KAFKA_PARTITION_UA;
    double rate = s->rate / s->producers;
    char *buf = j->stamp ? malloc(s->size) : NULL;
    /* Warm up: one 8-byte record (ignored by the latency consumer, which
     * counts only s->size records) fetches the metadata and opens the
     * connection before the clock starts. */
    static const int64_t zero;
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(j->topic), RD_KAFKA_V_PARTITION(part),
                      RD_KAFKA_V_VALUE((void *)&zero, sizeof zero),
                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                      RD_KAFKA_V_OPAQUE((void *)(intptr_t)bench_now_ns()), RD_KAFKA_V_END);
    rd_kafka_flush(rk, 30000);
    j->lat.n = 0;
    j->lat.errors = 0;
    pthread_barrier_wait(j->go);
    int64_t t0 = bench_now_ns();
    j->t0 = t0;
    for (size_t i = 0; i < j->n; i++) {
        if (rate > 0) {
            int64_t due = t0 + (int64_t)((double)(i * s->size) / rate * 1e9);
            while (bench_now_ns() < due)
                rd_kafka_poll(rk, 0);
        }
        const char *v = value_of(j->first + i, s->size);
        int64_t now = bench_now_ns();
        if (buf) {
            memcpy(buf, v, s->size);
            memcpy(buf, &now, sizeof now);
            v = buf;
        }
        while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(j->topic), RD_KAFKA_V_PARTITION(part),
                                 RD_KAFKA_V_VALUE((void *)v, s->size),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_OPAQUE((void *)(intptr_t)now),
                                 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 1);
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 120000);
    j->t1 = bench_now_ns();
    rd_kafka_destroy(rk);
    free(buf);
    return NULL;
}

/* Bytes of the .log files of topic's partitions. */
static int64_t stored_sum;
static const char *stored_topic;

static int add_log_file(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw;
    const char *base = strrchr(path, '/');
    const char *dir = base ? base - 1 : path;
    while (dir > path && *dir != '/')
        dir--;
    size_t tl = strlen(stored_topic);
    if (flag == FTW_F && strlen(path) > 4 && !strcmp(path + strlen(path) - 4, ".log") &&
        !strncmp(dir + 1, stored_topic, tl) && dir[1 + tl] == '-')
        stored_sum += sb->st_size;
    return 0;
}

static int64_t stored_bytes(const char *topic)
{
    char data[300];
    snprintf(data, sizeof data, "%s/data", bench_server_dir);
    stored_sum = 0;
    stored_topic = topic;
    nftw(data, add_log_file, 16, FTW_PHYS);
    return stored_sum;
}

/* Produces `bytes` of s->size records to a new topic, from s->producers
 * threads. With stamp, values carry their send time (for a consumer). */
static result_t produce(const spec_t *s, const char *topic, int64_t bytes, bool stamp)
{
    size_t n = (size_t)(bytes / (int64_t)s->size);
    int np = s->producers;
    pjob_t *jobs = calloc((size_t)np, sizeof *jobs);
    pthread_t *th = calloc((size_t)np, sizeof *th);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, (unsigned)np + 1);
    for (int k = 0; k < np; k++) {
        jobs[k] = (pjob_t){.s = s, .topic = topic, .stamp = stamp, .go = &go};
        jobs[k].first = n / (size_t)np * (size_t)k;
        jobs[k].n = k == np - 1 ? n - jobs[k].first : n / (size_t)np;
        pthread_create(&th[k], NULL, producer_main, &jobs[k]);
    }
    double bcpu0 = bench_server_cpu(), ccpu0 = client_cpu();
    pthread_barrier_wait(&go);
    int64_t t0 = bench_now_ns(), t1 = t0;
    lat_t all;
    lat_init(&all, 0);
    for (int k = 0; k < np; k++) {
        pthread_join(th[k], NULL);
        if (jobs[k].t1 > t1)
            t1 = jobs[k].t1;
        lat_merge(&all, &jobs[k].lat);
        free(jobs[k].lat.ns);
    }
    double bcpu = bench_server_cpu() - bcpu0, ccpu = client_cpu() - ccpu0;
    pthread_barrier_destroy(&go);
    qsort(all.ns, all.n, sizeof *all.ns, cmp64);
    double secs = (double)(t1 - t0) / 1e9, gb = (double)(n * s->size) / 1e9;
    result_t r = {.mbps = gb * 1e3 / secs,
                  .recs_per_s = (double)n / secs,
                  .p50 = pct(&all, 50),
                  .p99 = pct(&all, 99),
                  .p999 = pct(&all, 99.9),
                  .broker_cpu_gb = bcpu / gb,
                  .client_cpu_gb = ccpu / gb,
                  .stored_mb = (double)stored_bytes(topic) / 1e6,
                  .errors = all.errors + (int)(n - all.n - (size_t)all.errors)};
    free(all.ns);
    free(jobs);
    free(th);
    return r;
}

static void print_header(const char *title)
{
    printf("\n### %s\n\n| case | MB/s | vs iperf3 | records/s | p50 ms | p99 ms | p99.9 ms | "
           "broker CPU s/GB | client CPU s/GB | errors |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
           title);
}

static void report_produce(const spec_t *s, const result_t *r, const char *label)
{
    char name[160];
    if (label)
        snprintf(name, sizeof name, "%s", label);
    else
        snprintf(name, sizeof name, "%s: %zu B acks=%s, %d partition%s, %d producer%s%s%s%s",
                 s->sweep, s->size, s->acks, s->partitions, s->partitions > 1 ? "s" : "",
                 s->producers, s->producers > 1 ? "s" : "",
                 strcmp(s->compression, "none") ? ", " : "",
                 strcmp(s->compression, "none") ? s->compression : "",
                 s->rate > 0 ? " (fixed rate)" : "");
    printf("| %s | %.0f | %.0f%% | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %d |\n", name, r->mbps,
           r->mbps / (loop_gbs * 10), r->recs_per_s, r->p50, r->p99, r->p999, r->broker_cpu_gb,
           r->client_cpu_gb, r->errors);
    fflush(stdout);
    bench_rec_begin("server", "produce");
    bench_rec_str("sweep", s->sweep);
    bench_rec_num("size", (double)s->size);
    bench_rec_str("acks", s->acks);
    bench_rec_num("partitions", s->partitions);
    bench_rec_num("producers", s->producers);
    bench_rec_str("compression", s->compression);
    bench_rec_num("linger_ms", atof(s->linger));
    bench_rec_num("rate_mbps", s->rate / 1e6);
    if (!strcmp(s->sweep, "raw"))
        bench_rec_num("inflight", inflight);
    bench_rec_num("mbps", r->mbps);
    bench_rec_num("recs_per_s", r->recs_per_s);
    bench_rec_num("p50_ms", r->p50);
    bench_rec_num("p99_ms", r->p99);
    bench_rec_num("p999_ms", r->p999);
    bench_rec_num("broker_cpu_s_per_gb", r->broker_cpu_gb);
    bench_rec_num("client_cpu_s_per_gb", r->client_cpu_gb);
    bench_rec_num("stored_mb", r->stored_mb);
    bench_rec_num("errors", r->errors);
    bench_rec_end();
}

/* Deletes topic and waits until the server has removed its files (the
 * server runs with log.segment.delete.delay.ms=0), so that the work of
 * deleting one case's data is not charged to the next case. */
static void drop_topic(const char *topic)
{
    bench_delete_topic(topic);
    char data[300];
    snprintf(data, sizeof data, "%s/data", bench_server_dir);
    size_t tl = strlen(topic);
    for (int i = 0; i < 600; i++) {
        bool left = false;
        DIR *d = opendir(data);
        for (struct dirent *e; d && (e = readdir(d));)
            if (!strncmp(e->d_name, topic, tl) && e->d_name[tl] == '-')
                left = true;
        if (d)
            closedir(d);
        if (!left)
            return;
        usleep(50000);
    }
    fprintf(stderr, "bench_server: %s's files are still there after 30 s\n", topic);
}

/* One produce case in a topic of its own; the topic is deleted afterwards
 * unless keep names the buffer to receive its name. */
static result_t run_case(const spec_t *s, char *keep, size_t keep_size)
{
    static int seq;
    char topic[64];
    snprintf(topic, sizeof topic, "bench-%s-%d", s->sweep, seq++);
    bench_create_topic(topic, s->partitions);
    sync(); /* each case starts with no dirty data of the previous one */
    int64_t bytes = s->size <= 100 ? volume / 4 : volume;
    result_t r = produce(s, topic, bytes, false);
    report_produce(s, &r, NULL);
    if (keep)
        snprintf(keep, keep_size, "%s", topic);
    else
        drop_topic(topic);
    return r;
}

static void sweep_size(char *consume_topic, size_t cap)
{
    print_header("Record size (1 partition, 1 producer)");
    static const size_t sizes[] = {100, 1000, 10000, 100000};
    static const char *const acks[] = {"1", "all"};
    for (size_t a = 0; a < 2; a++)
        for (size_t i = 0; i < 4; i++) {
            spec_t s = {"size", sizes[i], acks[a], 1, 1, "none", "5", 0};
            bool keep = a == 0 && sizes[i] == 1000 && consume_topic;
            run_case(&s, keep ? consume_topic : NULL, cap);
        }
}

static void sweep_scale(void)
{
    print_header("Partitions and producers (1 KB records)");
    static const int parts[] = {1, 8, 64}, prods[] = {1, 4};
    static const char *const acks[] = {"1", "all"};
    for (size_t a = 0; a < 2; a++)
        for (size_t p = 0; p < 3; p++)
            for (size_t q = 0; q < 2; q++) {
                spec_t s = {"scale", 1000, acks[a], parts[p], prods[q], "none", "5", 0};
                run_case(&s, NULL, 0);
            }
}

static void sweep_groupcommit(void)
{
    print_header("Group commit: 8 producers, acks=all (fsync), 1 KB, 8 partitions");
    spec_t s = {"groupcommit", 1000, "all", 8, 8, "none", "5", 0};
    run_case(&s, NULL, 0);
}

static void sweep_compression(void)
{
    print_header("Compression (1 KB JSON-like records, acks=1, 1 partition; MB/s of "
                 "uncompressed values)");
    static const char *const codecs[] = {"none", "lz4", "zstd"};
    for (size_t c = 0; c < 3; c++) {
        spec_t s = {"compression", 1000, "1", 1, 1, codecs[c], "5", 0};
        result_t r = run_case(&s, NULL, 0);
        printf("|   stored: %.0f MB on disk for %.0f MB of values | | | | | | | | | |\n",
               r.stored_mb, (double)volume / 1e6);
    }
}

/* ---- consume ------------------------------------------------------------------ */

static int evict_file(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)ftw;
    if (flag != FTW_F)
        return 0;
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
    }
    return 0;
}

/* Drops the server's data from the page cache (written back first). */
static void evict_data(void)
{
    char data[300];
    snprintf(data, sizeof data, "%s/data", bench_server_dir);
    sync();
    nftw(data, evict_file, 16, FTW_PHYS);
}

static result_t consume_rdkafka(const char *topic, int64_t expect_bytes)
{
    rd_kafka_t *rk = bench_consumer(topic);
    result_t r = {0};
    double bcpu0 = bench_server_cpu(), ccpu0 = client_cpu();
    int64_t first_ns, t0 = bench_now_ns();
    int64_t got = bench_consume_bytes(rk, expect_bytes, &first_ns, &r.errors);
    int64_t t1 = bench_now_ns();
    double bcpu = bench_server_cpu() - bcpu0, ccpu = client_cpu() - ccpu0;
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    double secs = (double)(t1 - t0) / 1e9, gb = (double)got / 1e9;
    r.mbps = gb * 1e3 / secs;
    r.recs_per_s = (double)got / 1000 / secs;
    r.broker_cpu_gb = got ? bcpu / gb : 0;
    r.client_cpu_gb = got ? ccpu / gb : 0;
    if (got < expect_bytes)
        r.errors++;
    return r;
}

/* Opens n idle connections (each completes an ApiVersions round trip so the
 * server has set it up fully) and reports the server's memory per
 * connection. */
static void idle_connections(int n)
{
    int port = atoi(strchr(bench_bootstrap, ':') + 1);
    int *fds = malloc((size_t)n * sizeof *fds);
    long before = bench_server_rss_kb();
    /* ApiVersions v0, correlation id 1, client id "b" */
    static const uint8_t req[] = {0, 0, 0, 11, 0, 18, 0, 0, 0, 0, 0, 1, 0, 1, 'b'};
    int open_ok = 0;
    for (int i = 0; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&a, sizeof a) != 0 ||
            write(fds[i], req, sizeof req) != (ssize_t)sizeof req) {
            if (fds[i] >= 0)
                close(fds[i]);
            fds[i] = -1;
            continue;
        }
        uint8_t resp[4096];
        if (read(fds[i], resp, sizeof resp) > 0)
            open_ok++;
    }
    long after = bench_server_rss_kb();
    printf("idle connections: %d of %d open and answered; server RSS %ld MiB → %ld MiB, %.1f KiB "
           "per connection\n\n",
           open_ok, n, before / 1024, after / 1024,
           open_ok ? (double)(after - before) / open_ok : 0.0);
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
}

/* The broker's serving rate without a client library's per-record work: Fetch
 * requests (v12, 10 MiB per partition) whose record batches are walked by
 * header only. */
static bool read_full(int fd, void *p, size_t n)
{
    uint8_t *b = p;
    while (n) {
        ssize_t r = read(fd, b, n);
        if (r <= 0)
            return false;
        b += r;
        n -= (size_t)r;
    }
    return true;
}

/* A TCP connection to the server under test (-1 on failure). */
static int raw_connect(void)
{
    int port = atoi(strchr(bench_bootstrap, ':') + 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Sets the 4-byte size prefix of the frame in out. */
static void raw_frame_size(lode_buf_t *out)
{
    uint32_t n = (uint32_t)(out->len - 4);
    out->data[0] = (uint8_t)(n >> 24), out->data[1] = (uint8_t)(n >> 16);
    out->data[2] = (uint8_t)(n >> 8), out->data[3] = (uint8_t)n;
}

/* Reads one response frame (without its size) into in. */
static bool raw_read_frame(int fd, lode_buf_t *in, size_t *len)
{
    uint8_t sz[4];
    if (!read_full(fd, sz, 4))
        return false;
    *len = (size_t)sz[0] << 24 | (size_t)sz[1] << 16 | (size_t)sz[2] << 8 | sz[3];
    lode_buf_reset(in);
    lode_buf_reserve(in, *len);
    return read_full(fd, in->data, *len);
}

static result_t consume_raw(const char *topic)
{
    result_t res = {0};
    int fd = raw_connect();
    if (fd < 0) {
        res.errors = 1;
        return res;
    }
    int64_t offset = 0, bytes = 0, hw = 1;
    lode_buf_t out, in;
    lode_buf_init(&out);
    lode_buf_init(&in);
    lode_arena_t arena;
    lode_arena_init(&arena, 1 << 16);
    double cpu0 = bench_server_cpu(), ccpu0 = client_cpu();
    int64_t t0 = bench_now_ns();
    for (int32_t corr = 1; offset < hw; corr++) {
        FetchRequest req;
        FetchRequest_init(&req);
        req.ReplicaId = -1;
        req.MaxWaitMs = 500;
        req.MinBytes = 1;
        req.MaxBytes = 52428800;
        req.SessionEpoch = -1;
        FetchRequest_FetchTopic t;
        FetchRequest_FetchTopic_init(&t);
        t.Topic = lode_str_c(topic);
        FetchRequest_FetchPartition p;
        FetchRequest_FetchPartition_init(&p);
        p.FetchOffset = offset;
        p.PartitionMaxBytes = 10485760;
        t.Partitions = &p;
        t.Partitions_count = 1;
        req.Topics = &t;
        req.Topics_count = 1;
        lode_buf_reset(&out);
        lode_buf_put_i32(&out, 0);
        lode_str_t client = lode_str_lit("raw");
        lode_req_header_write(&out, LODE_API_FETCH, 12, corr, &client);
        FetchRequest_encode(&req, 12, &out);
        raw_frame_size(&out);
        size_t len;
        if (write(fd, out.data, out.len) != (ssize_t)out.len || !raw_read_frame(fd, &in, &len)) {
            res.errors++;
            break;
        }
        lode_reader_t r;
        lode_reader_init(&r, in.data, len);
        int32_t got_corr;
        FetchResponse resp;
        lode_arena_reset(&arena);
        if (lode_resp_header_parse(&r, 1, &got_corr) != 0 ||
            FetchResponse_decode(&resp, 12, &r, &arena) != 0 || resp.Responses_count != 1 ||
            resp.Responses[0].Partitions_count != 1 ||
            resp.Responses[0].Partitions[0].ErrorCode != 0) {
            res.errors++;
            break;
        }
        const FetchResponse_PartitionData *pd = &resp.Responses[0].Partitions[0];
        hw = pd->HighWatermark;
        lode_batch_iter_t it;
        lode_batch_iter_init(&it, pd->Records.ptr,
                             pd->Records.len > 0 ? (size_t)pd->Records.len : 0);
        lode_batch_hdr_t h;
        while (lode_batch_iter_next(&it, &h)) {
            offset = lode_batch_last_offset(&h) + 1;
            bytes += (int64_t)h.size;
        }
    }
    int64_t t1 = bench_now_ns();
    double cpu = bench_server_cpu() - cpu0, ccpu = client_cpu() - ccpu0;
    close(fd);
    lode_buf_free(&out);
    lode_buf_free(&in);
    lode_arena_free(&arena);
    double secs = (double)(t1 - t0) / 1e9;
    res.mbps = (double)bytes / secs / 1e6;
    res.broker_cpu_gb = bytes ? cpu / ((double)bytes / 1e9) : 0;
    res.client_cpu_gb = bytes ? ccpu / ((double)bytes / 1e9) : 0;
    return res;
}

/* ---- raw produce ---------------------------------------------------------------- */

/* The broker's ingest rate without a client library's per-record work:
 * Produce v9 requests on `conns` connections, each keeping `inflight`
 * requests outstanding; every request carries the same batch of 1 KB records
 * (built once; the broker assigns its offsets), to partition 0. */
typedef struct rawp {
    const char *topic;
    const lode_buf_t *batch;
    int16_t acks;
    int64_t nreq;
    int inflight, errors;
    pthread_barrier_t *go;
} rawp_t;

static bool write_full(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static void *raw_producer_main(void *arg)
{
    rawp_t *j = arg;
    int fd = raw_connect();
    lode_buf_t req, in;
    lode_buf_init(&req);
    lode_buf_init(&in);
    lode_arena_t arena;
    lode_arena_init(&arena, 1 << 14);
    ProduceRequest m;
    ProduceRequest_init(&m);
    m.Acks = j->acks;
    m.TimeoutMs = 30000;
    ProduceRequest_TopicProduceData t;
    ProduceRequest_TopicProduceData_init(&t);
    t.Name = lode_str_c(j->topic);
    ProduceRequest_PartitionProduceData pd;
    ProduceRequest_PartitionProduceData_init(&pd);
    pd.Index = 0;
    pd.Records = (lode_bytes_t){.ptr = j->batch->data, .len = (int32_t)j->batch->len};
    t.PartitionData = &pd;
    t.PartitionData_count = 1;
    m.TopicData = &t;
    m.TopicData_count = 1;
    lode_buf_put_i32(&req, 0);
    lode_str_t client = lode_str_lit("raw");
    lode_req_header_write(&req, LODE_API_PRODUCE, 9, 0, &client);
    ProduceRequest_encode(&m, 9, &req);
    raw_frame_size(&req);
    int16_t hv = lode_response_header_version(LODE_API_PRODUCE, 9);
    pthread_barrier_wait(j->go);
    int64_t sent = 0, done = 0;
    while (fd >= 0 && done < j->nreq) {
        for (; sent < j->nreq && sent - done < j->inflight; sent++) {
            uint32_t corr = (uint32_t)sent; /* after size, api key and version */
            req.data[8] = (uint8_t)(corr >> 24), req.data[9] = (uint8_t)(corr >> 16);
            req.data[10] = (uint8_t)(corr >> 8), req.data[11] = (uint8_t)corr;
            if (!write_full(fd, req.data, req.len))
                goto fail;
        }
        size_t len;
        if (!raw_read_frame(fd, &in, &len))
            goto fail;
        lode_reader_t r;
        lode_reader_init(&r, in.data, len);
        int32_t corr;
        ProduceResponse resp;
        lode_arena_reset(&arena);
        if (lode_resp_header_parse(&r, hv, &corr) != 0 ||
            ProduceResponse_decode(&resp, 9, &r, &arena) != 0 || resp.Responses_count != 1 ||
            resp.Responses[0].PartitionResponses_count != 1 ||
            resp.Responses[0].PartitionResponses[0].ErrorCode != 0) {
            if (!j->errors++)
                fprintf(stderr, "bench_server: raw produce: error %d %.*s\n",
                        resp.Responses_count == 1 && resp.Responses[0].PartitionResponses_count == 1
                            ? resp.Responses[0].PartitionResponses[0].ErrorCode
                            : -1,
                        resp.Responses_count == 1 && resp.Responses[0].PartitionResponses_count == 1
                            ? (int)resp.Responses[0].PartitionResponses[0].ErrorMessage.len
                            : 0,
                        resp.Responses_count == 1 && resp.Responses[0].PartitionResponses_count == 1
                            ? resp.Responses[0].PartitionResponses[0].ErrorMessage.ptr
                            : "");
        }
        done++;
    }
    goto out;
fail:
    fprintf(stderr, "bench_server: raw produce: connection failed after %" PRId64 " requests\n",
            done);
    j->errors += (int)(j->nreq - done);
out:
    if (fd >= 0)
        close(fd);
    lode_buf_free(&req);
    lode_buf_free(&in);
    lode_arena_free(&arena);
    return NULL;
}

static void sweep_raw_produce(void)
{
    print_header("Raw Produce client: 1 MB batches of 1 KB records built once, partition 0 "
                 "(the broker's ingest rate without a client library)");
    enum { RECORDS = 1000, SIZE = 1000 };
    lode_batch_builder_t bb;
    lode_batch_builder_init(&bb, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    int64_t now_ms = (int64_t)time(NULL) * 1000;
    for (int i = 0; i < RECORDS; i++)
        lode_batch_builder_add(&bb, now_ms, NULL, -1, value_of((size_t)i, SIZE), SIZE, NULL, 0);
    lode_buf_t batch;
    lode_buf_init(&batch);
    if (lode_batch_builder_finish(&bb, &batch) != 0) {
        fprintf(stderr, "bench_server: cannot build the raw produce batch\n");
        exit(1);
    }
    lode_batch_builder_free(&bb);
    static const struct {
        int16_t acks;
        int conns, inflight;
    } cases[] = {{1, 1, 4}, {-1, 1, 4}, {-1, 8, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        static int seq;
        char topic[64];
        snprintf(topic, sizeof topic, "bench-raw-%d", seq++);
        bench_create_topic(topic, 1);
        sync();
        int n = cases[c].conns;
        int64_t per = volume / (RECORDS * SIZE) / n;
        rawp_t *jobs = calloc((size_t)n, sizeof *jobs);
        pthread_t *th = calloc((size_t)n, sizeof *th);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, (unsigned)n + 1);
        for (int k = 0; k < n; k++) {
            jobs[k] = (rawp_t){topic, &batch, cases[c].acks, per, cases[c].inflight, 0, &go};
            pthread_create(&th[k], NULL, raw_producer_main, &jobs[k]);
        }
        double bcpu0 = bench_server_cpu(), ccpu0 = client_cpu();
        pthread_barrier_wait(&go);
        int64_t t0 = bench_now_ns();
        int errors = 0;
        for (int k = 0; k < n; k++) {
            pthread_join(th[k], NULL);
            errors += jobs[k].errors;
        }
        int64_t t1 = bench_now_ns();
        double gb = (double)(per * n * RECORDS * SIZE) / 1e9, secs = (double)(t1 - t0) / 1e9;
        result_t r = {.mbps = gb * 1e3 / secs,
                      .recs_per_s = (double)(per * n * RECORDS) / secs,
                      .broker_cpu_gb = (bench_server_cpu() - bcpu0) / gb,
                      .client_cpu_gb = (client_cpu() - ccpu0) / gb,
                      .errors = errors};
        spec_t s = {"raw", SIZE, cases[c].acks == 1 ? "1" : "all", 1, n, "none", "0", 0};
        inflight = cases[c].inflight;
        char label[96];
        snprintf(label, sizeof label, "raw: 1 KB acks=%s, %d connection%s × %d in flight", s.acks,
                 n, n > 1 ? "s" : "", cases[c].inflight);
        report_produce(&s, &r, label);
        pthread_barrier_destroy(&go);
        free(jobs);
        free(th);
        drop_topic(topic);
    }
    lode_buf_free(&batch);
}

static void report_consume(const char *client, const char *cache, const result_t *r)
{
    printf("| consume 1 KB, %s, %s | %.0f | %.0f%% | | | | | %.2f | %.2f | %d |\n", client, cache,
           r->mbps, r->mbps / (loop_gbs * 10), r->broker_cpu_gb, r->client_cpu_gb, r->errors);
    fflush(stdout);
    bench_rec_begin("server", "consume");
    bench_rec_str("client", client);
    bench_rec_str("cache", cache);
    bench_rec_num("size", 1000);
    bench_rec_num("mbps", r->mbps);
    bench_rec_num("broker_cpu_s_per_gb", r->broker_cpu_gb);
    bench_rec_num("client_cpu_s_per_gb", r->client_cpu_gb);
    bench_rec_num("errors", r->errors);
    bench_rec_end();
}

static void sweep_consume(const char *topic)
{
    print_header("Consume 1 KB records (1 partition)");
    result_t r = consume_rdkafka(topic, volume);
    report_consume("librdkafka", "page cache", &r);
    r = consume_raw(topic);
    report_consume("raw Fetch", "page cache", &r);
    evict_data();
    r = consume_raw(topic);
    report_consume("raw Fetch", "cold", &r);
    evict_data();
    r = consume_rdkafka(topic, volume);
    report_consume("librdkafka", "cold", &r);
}

/* ---- end-to-end latency ------------------------------------------------------ */

typedef struct cjob {
    const char *topic;
    size_t expect, size;
    atomic_bool ready;
    lat_t lat;
} cjob_t;

static void *consumer_main(void *arg)
{
    cjob_t *j = arg;
    const char *extra[] = {"enable.partition.eof", "true", "fetch.wait.max.ms", "100", NULL};
    rd_kafka_t *rk = bench_consumer_with(j->topic, extra);
    lat_init(&j->lat, j->expect);
    int64_t last = bench_now_ns();
    while (j->lat.n + (size_t)j->lat.errors < j->expect &&
           bench_now_ns() - last < 10 * 1000000000LL) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            atomic_store(&j->ready, true);
        } else if (m->err) {
            j->lat.errors++;
        } else if (m->len == j->size) {
            int64_t sent;
            memcpy(&sent, m->payload, sizeof sent);
            last = bench_now_ns();
            lat_add(&j->lat, last - sent);
        }
        rd_kafka_message_destroy(m);
    }
    atomic_store(&j->ready, true);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return NULL;
}

static void sweep_latency(void)
{
    printf("\n### End-to-end latency (1 KB, 1 partition, linger.ms=1, fixed rate)\n\n"
           "| acks | rate MB/s | achieved MB/s | produce p50 / p99 / p99.9 ms | "
           "end-to-end p50 / p99 / p99.9 ms | broker CPU s/GB | errors |\n"
           "|---|---:|---:|---|---|---:|---:|\n");
    static const double rates[] = {10, 25, 50, 100, 200};
    static const char *const acks[] = {"all", "1"};
    double seconds = quick ? 1.5 : 4;
    for (size_t a = 0; a < 2; a++)
        for (size_t i = 0; i < 5; i++) {
            static int seq;
            char topic[64];
            snprintf(topic, sizeof topic, "bench-latency-%d", seq++);
            bench_create_topic(topic, 1);
            spec_t s = {"latency", 1000, acks[a], 1, 1, "none", "1", rates[i] * 1e6};
            int64_t bytes = (int64_t)(rates[i] * 1e6 * seconds);
            cjob_t cj = {.topic = topic, .expect = (size_t)bytes / s.size, .size = s.size};
            pthread_t th;
            pthread_create(&th, NULL, consumer_main, &cj);
            while (!atomic_load(&cj.ready))
                usleep(10000);
            sync();
            result_t r = produce(&s, topic, bytes, true);
            pthread_join(th, NULL);
            qsort(cj.lat.ns, cj.lat.n, sizeof *cj.lat.ns, cmp64);
            int errors = r.errors + cj.lat.errors + (int)(cj.expect - cj.lat.n);
            printf("| %s | %.0f | %.1f | %.2f / %.2f / %.2f | %.2f / %.2f / %.2f | %.2f | %d |\n",
                   acks[a], rates[i], r.mbps, r.p50, r.p99, r.p999, pct(&cj.lat, 50),
                   pct(&cj.lat, 99), pct(&cj.lat, 99.9), r.broker_cpu_gb, errors);
            fflush(stdout);
            bench_rec_begin("server", "latency");
            bench_rec_str("acks", acks[a]);
            bench_rec_num("size", 1000);
            bench_rec_num("linger_ms", 1);
            bench_rec_num("rate_mbps", rates[i]);
            bench_rec_num("mbps", r.mbps);
            bench_rec_num("produce_p50_ms", r.p50);
            bench_rec_num("produce_p99_ms", r.p99);
            bench_rec_num("produce_p999_ms", r.p999);
            bench_rec_num("e2e_p50_ms", pct(&cj.lat, 50));
            bench_rec_num("e2e_p99_ms", pct(&cj.lat, 99));
            bench_rec_num("e2e_p999_ms", pct(&cj.lat, 99.9));
            bench_rec_num("broker_cpu_s_per_gb", r.broker_cpu_gb);
            bench_rec_num("errors", errors);
            bench_rec_end();
            free(cj.lat.ns);
            drop_topic(topic);
        }
}

/* ---- main ---------------------------------------------------------------------- */

static bool wanted(const char *only, const char *sweep)
{
    if (!only)
        return true;
    size_t n = strlen(sweep);
    for (const char *p = only; (p = strstr(p, sweep)); p += n)
        if ((p == only || p[-1] == ',') && (p[n] == ',' || !p[n]))
            return true;
    return false;
}

int main(int argc, char **argv)
{
    const char *lode = bench_args(argc, argv, &quick);
    const char *only = NULL;
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--only=", 7))
            only = argv[i] + 7;
    volume = quick ? 200000000LL : 1000000000LL;
    make_payload();
    loop_gbs = bench_iperf3_gbytes(quick ? 2 : 5);
    printf("## lode server end to end (librdkafka %s, client on the same machine)\n\n",
           rd_kafka_version_str());
    printf("iperf3 loopback TCP: %.2f GB/s (%.0f MB/s)\n", loop_gbs, loop_gbs * 1000);
    bench_rec_begin("server", "limit");
    bench_rec_str("name", "iperf3");
    bench_rec_num("gbps", loop_gbs);
    bench_rec_end();
    bench_server_start(lode, "log.segment.delete.delay.ms=0\n");
    if (wanted(only, "connections"))
        idle_connections(quick ? 2000 : 10000);
    char consume_topic[64] = "";
    bool consume = wanted(only, "consume");
    if (wanted(only, "size"))
        sweep_size(consume ? consume_topic : NULL, sizeof consume_topic);
    if (consume) {
        if (!consume_topic[0]) {
            spec_t s = {"size", 1000, "1", 1, 1, "none", "5", 0};
            print_header("Data for the consume cases");
            run_case(&s, consume_topic, sizeof consume_topic);
        }
        sweep_consume(consume_topic);
        drop_topic(consume_topic);
    }
    if (wanted(only, "raw"))
        sweep_raw_produce();
    if (wanted(only, "scale"))
        sweep_scale();
    if (wanted(only, "groupcommit"))
        sweep_groupcommit();
    if (wanted(only, "compression"))
        sweep_compression();
    if (wanted(only, "latency"))
        sweep_latency();
    bench_server_stop();
    return 0;
}
