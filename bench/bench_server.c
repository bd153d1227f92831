/*
 * bench_server.c — end-to-end throughput and latency of a real `lode server`
 * driven by librdkafka over loopback TCP, beside the limit of this machine
 * measured in the same run (iperf3 loopback bandwidth).
 *
 * Cases: produce 100 B / 1 KB / 10 KB records with acks=1 and acks=all
 * (fsynced by group commit), p50/p99/p99.9 of the produce latency (enqueue →
 * delivery report), produce latency at a fixed 100 MB/s, and consuming the
 * page-cached data back. Broker CPU seconds per GB come from
 * /proc/<pid>/stat.
 *
 * Usage: bench_server [--quick] [--lode PATH]   (default PATH: build/bin/lode)
 * The server runs in a temporary directory that is removed afterwards.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "proto/gen/FetchRequest.h"
#include "proto/gen/FetchResponse.h"
#include "proto/gen/api_table.h"
#include "proto/header.h"
#include "proto/record_batch.h"
#include "support/kafka.h"
#include "support/lodeproc.h"

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

/* ---- produce ---------------------------------------------------------------- */

typedef struct lat {
    int64_t *ns;
    size_t n, cap;
    int errors;
} lat_t;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)opaque;
    lat_t *l = rd_kafka_opaque(rk);
    if (m->err) {
        l->errors++;
        return;
    }
    int64_t sent = (int64_t)(intptr_t)m->_private;
    if (l->n < l->cap)
        l->ns[l->n++] = bench_now_ns() - sent;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(lat_t *l, double p)
{
    if (!l->n)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)(l->n - 1));
    return (double)l->ns[i] / 1e6;
}

typedef struct result {
    double mbps, recs_per_s, cpu_per_gb, p50, p99, p999;
    int errors;
} result_t;

/* Produces `bytes` of `size`-byte records to `topic` (optionally at a fixed
 * rate in bytes/s, 0 = as fast as possible). */
static result_t produce(const char *topic, size_t size, int64_t bytes, const char *acks,
                        double rate, const char *linger)
{
    size_t n = (size_t)(bytes / (int64_t)size);
    lat_t l = {.ns = malloc(n * sizeof(int64_t)), .cap = n};
    rd_kafka_t *rk = bench_producer(acks, linger, dr_cb, &l);
    char *val = malloc(size);
    for (size_t i = 0; i < size; i++)
        val[i] = (char)('a' + i % 26);
    double cpu0 = bench_server_cpu();
    int64_t t0 = bench_now_ns();
    for (size_t i = 0; i < n; i++) {
        if (rate > 0) {
            int64_t due = t0 + (int64_t)((double)(i * size) / rate * 1e9);
            while (bench_now_ns() < due)
                rd_kafka_poll(rk, 0);
        }
        while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                                 RD_KAFKA_V_VALUE(val, size),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_OPAQUE((void *)(intptr_t)bench_now_ns()),
                                 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 1);
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 120000);
    int64_t t1 = bench_now_ns();
    double cpu = bench_server_cpu() - cpu0;
    rd_kafka_destroy(rk);
    qsort(l.ns, l.n, sizeof *l.ns, cmp64);
    double secs = (double)(t1 - t0) / 1e9;
    result_t r = {.mbps = (double)(n * size) / secs / 1e6,
                  .recs_per_s = (double)n / secs,
                  .cpu_per_gb = cpu / ((double)(n * size) / 1e9),
                  .p50 = pct(&l, 50),
                  .p99 = pct(&l, 99),
                  .p999 = pct(&l, 99.9),
                  .errors = l.errors + (int)(n - l.n - (size_t)l.errors)};
    free(val);
    free(l.ns);
    return r;
}

/* ---- consume ---------------------------------------------------------------- */

static result_t consume(const char *topic, int64_t expect_bytes)
{
    rd_kafka_t *rk = bench_consumer(topic);
    result_t r = {0};
    double cpu0 = bench_server_cpu();
    int64_t first_ns, t0 = bench_now_ns();
    int64_t got = bench_consume_bytes(rk, expect_bytes, &first_ns, &r.errors);
    int64_t t1 = bench_now_ns();
    double cpu = bench_server_cpu() - cpu0;
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    double secs = (double)(t1 - t0) / 1e9;
    r.mbps = (double)got / secs / 1e6;
    r.cpu_per_gb = got ? cpu / ((double)got / 1e9) : 0;
    if (got < expect_bytes)
        r.errors++;
    return r;
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

static result_t raw_consume(const char *topic)
{
    result_t res = {0};
    int port = atoi(strchr(bench_bootstrap, ':') + 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        res.errors = 1;
        return res;
    }
    int64_t offset = 0, bytes = 0, hw = 1;
    lode_buf_t out, in;
    lode_buf_init(&out);
    lode_buf_init(&in);
    lode_arena_t arena;
    lode_arena_init(&arena, 1 << 16);
    double cpu0 = bench_server_cpu();
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
        uint32_t n = (uint32_t)(out.len - 4);
        out.data[0] = (uint8_t)(n >> 24), out.data[1] = (uint8_t)(n >> 16);
        out.data[2] = (uint8_t)(n >> 8), out.data[3] = (uint8_t)n;
        uint8_t sz[4];
        if (write(fd, out.data, out.len) != (ssize_t)out.len || !read_full(fd, sz, 4)) {
            res.errors++;
            break;
        }
        size_t len = (size_t)sz[0] << 24 | (size_t)sz[1] << 16 | (size_t)sz[2] << 8 | sz[3];
        lode_buf_reset(&in);
        lode_buf_reserve(&in, len);
        if (!read_full(fd, in.data, len)) {
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
    double cpu = bench_server_cpu() - cpu0;
    close(fd);
    lode_buf_free(&out);
    lode_buf_free(&in);
    lode_arena_free(&arena);
    double secs = (double)(t1 - t0) / 1e9;
    res.mbps = (double)bytes / secs / 1e6;
    res.cpu_per_gb = bytes ? cpu / ((double)bytes / 1e9) : 0;
    return res;
}

int main(int argc, char **argv)
{
    bool quick;
    const char *lode = bench_args(argc, argv, &quick);
    int64_t volume = quick ? 200000000LL : 1000000000LL;
    double loop = bench_iperf3_gbytes(quick ? 2 : 5);
    printf("## lode server end to end (librdkafka %s, client on the same machine)\n\n",
           rd_kafka_version_str());
    printf("iperf3 loopback TCP: %.2f GB/s (%.0f MB/s)\n\n", loop, loop * 1000);
    bench_server_start(lode, NULL);
    idle_connections(10000);
    printf("| case | MB/s | vs iperf3 | records/s | p50 ms | p99 ms | p99.9 ms | broker CPU s/GB | "
           "errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    static const size_t sizes[] = {100, 1000, 10000};
    static const char *acks[] = {"1", "all"};
    char topic[64];
    int t = 0;
    for (size_t a = 0; a < 2; a++) {
        for (size_t s = 0; s < 3; s++) {
            snprintf(topic, sizeof topic, "bench-%d", t++);
            int64_t vol = sizes[s] == 100 ? volume / 4 : volume;
            sync(); /* each case starts with no dirty data of the previous one */
            result_t r = produce(topic, sizes[s], vol, acks[a], 0, "5");
            printf("| produce %zu B acks=%s | %.0f | %.0f%% | %.0f | %.2f | %.2f | %.2f | %.1f | "
                   "%d |\n",
                   sizes[s], acks[a], r.mbps, r.mbps / (loop * 1000) * 100, r.recs_per_s, r.p50,
                   r.p99, r.p999, r.cpu_per_gb, r.errors);
            fflush(stdout);
            if (a == 0 && s == 1) {
                result_t c = consume(topic, vol);
                printf("| consume 1000 B (page cache) | %.0f | %.0f%% | %.0f | | | | %.1f | %d |\n",
                       c.mbps, c.mbps / (loop * 1000) * 100, c.mbps * 1e6 / 1000, c.cpu_per_gb,
                       c.errors);
                result_t raw = raw_consume(topic);
                printf("| consume 1000 B, raw Fetch client (no per-record work) | %.0f | %.0f%% | "
                       "| | | | %.1f | %d |\n",
                       raw.mbps, raw.mbps / (loop * 1000) * 100, raw.cpu_per_gb, raw.errors);
                fflush(stdout);
            }
        }
    }
    /* Latency at a fixed 100 MB/s, fsynced: with the clients' default
     * linger.ms (5 in librdkafka 2.0 and in the Java client of Kafka 4.0) and
     * with linger.ms=0. */
    static const char *lingers[] = {"5", "0"};
    for (int k = 0; k < 2; k++) {
        snprintf(topic, sizeof topic, "bench-rate-%d", k);
        sync();
        result_t r =
            produce(topic, 1000, quick ? 200000000LL : 1000000000LL, "all", 100e6, lingers[k]);
        printf(
            "| produce 1000 B acks=all at 100 MB/s, linger.ms=%s | %.0f | %.0f%% | %.0f | %.2f | "
            "%.2f | %.2f | %.1f | %d |\n",
            lingers[k], r.mbps, r.mbps / (loop * 1000) * 100, r.recs_per_s, r.p50, r.p99, r.p999,
            r.cpu_per_gb, r.errors);
        fflush(stdout);
    }
    bench_server_stop();
    return 0;
}
