/*
 * bench_peers.c — lode beside two peers on the same machine in the same run:
 * Redis Streams (redis-server, XADD/XREAD through hiredis) and NATS JetStream
 * (nats-server -js, file storage, through the NATS C client). Each system is
 * started here in its own temporary directory on free loopback ports and
 * removed at the end.
 *
 * Scenarios, each run on the three systems back to back (lode, Redis, NATS),
 * one partition / stream, every record `size` bytes of value:
 *   - produce, no fsync before the ack: lode acks=1, Redis appendfsync
 *     everysec, JetStream async publish (file storage);
 *   - produce, durable: lode acks=all (lode fsyncs by group commit before the
 *     ack), Redis appendfsync always (fsync before replying, once per event
 *     loop), JetStream again (nats-server 2.9 has no option to fsync before
 *     the ack: it acks after its write(2));
 *   - consume the data of the first produce case from the beginning.
 * Clients keep `depth` records in flight: Redis pipelines `depth` XADDs and
 * reads `depth` replies; JetStream keeps at most `depth` async publishes
 * unacknowledged and fetches `depth` messages per pull; Redis reads with
 * XREAD COUNT `depth`, one call at a time (each starts after the last id);
 * lode is driven by librdkafka (linger.ms=5, batches up to 1 MB, fetches up
 * to 10 MB) as bench_server does.
 *
 * Usage: bench_peers [--quick] [--lode PATH] [--depth N]
 */
#include <hiredis/hiredis.h>
#include <nats/nats.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/kafka.h"
#include "support/lodeproc.h"
#include "support/results.h"

enum { SYS_LODE, SYS_REDIS, SYS_NATS, SYS_N };
static const char *const sys_names[SYS_N] = {"lode", "Redis", "NATS"};

typedef struct result {
    double mbps, cpu_s_per_gb;
    int errors;
} result_t;

typedef struct peer {
    pid_t pid;
    int port;
    char dir[256];
} peer_t;

static int depth = 1000;
static char *value;
/* Consumers' clocks start when the first record arrives (each client's
 * connection, subscription and first round trip excluded) and count the
 * bytes after it; first_record is the size of the record not counted. */
static int64_t first_record;

/* Turns bytes moved in [t0, t1] with cpu server seconds into a result. */
static result_t rate(int64_t bytes, int64_t t0, int64_t t1, double cpu, int errors)
{
    if (!t0) /* a consumer that received nothing */
        t0 = t1 - 1;
    double secs = (double)(t1 - t0) / 1e9;
    result_t r = {.mbps = (double)bytes / secs / 1e6,
                  .cpu_s_per_gb = bytes ? cpu / ((double)bytes / 1e9) : 0,
                  .errors = errors};
    return r;
}

/* ---- lode (librdkafka) ------------------------------------------------------ */

static void lode_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    if (m->err)
        (*(int *)opaque)++;
}

static result_t lode_produce(const char *topic, size_t size, size_t n, const char *acks)
{
    int errors = 0;
    rd_kafka_t *rk = bench_producer(acks, "5", lode_dr, &errors);
    double cpu0 = bench_server_cpu();
    int64_t t0 = bench_now_ns();
    for (size_t i = 0; i < n; i++) {
        while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                                 RD_KAFKA_V_VALUE(value, size),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 1);
        rd_kafka_poll(rk, 0);
    }
    if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        errors++;
    int64_t t1 = bench_now_ns();
    double cpu = bench_server_cpu() - cpu0;
    rd_kafka_destroy(rk);
    return rate((int64_t)(n * size), t0, t1, cpu, errors);
}

static result_t lode_consume(const char *topic, int64_t expect_bytes)
{
    rd_kafka_t *rk = bench_consumer(topic);
    int errors = 0;
    double cpu0 = bench_server_cpu();
    int64_t t0;
    /* the clock starts at the first record (see first_record) */
    int64_t got = bench_consume_bytes(rk, expect_bytes, &t0, &errors) - first_record;
    int64_t t1 = bench_now_ns();
    double cpu = bench_server_cpu() - cpu0;
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rate(got > 0 ? got : 0, t0, t1, cpu, errors + (got + first_record < expect_bytes));
}

/* ---- Redis Streams (hiredis) -------------------------------------------------- */

/* redis-server with an append-only file and no RDB snapshots; the AOF is
 * never rewritten during the run (a rewrite would fork and copy the data set
 * in the middle of a case). */
static void redis_start(peer_t *p)
{
    if (!bench_tempdir(p->dir, sizeof p->dir))
        exit(1);
    p->port = bench_free_port();
    char port[16], log[300];
    snprintf(port, sizeof port, "%d", p->port);
    snprintf(log, sizeof log, "%s/redis.log", p->dir);
    char *argv[] = {"redis-server",
                    "--port",
                    port,
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    p->dir,
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "everysec",
                    "--save",
                    "",
                    "--auto-aof-rewrite-percentage",
                    "0",
                    NULL};
    p->pid = bench_proc_start(argv, log, p->port);
    if (p->pid < 0)
        exit(1);
}

static redisContext *redis_connect(const peer_t *p)
{
    redisContext *rc = redisConnect("127.0.0.1", p->port);
    if (!rc || rc->err) {
        fprintf(stderr, "bench_peers: redis: %s\n", rc ? rc->errstr : "out of memory");
        exit(1);
    }
    return rc;
}

/* One command whose reply is not needed; false if it fails. */
static bool redis_do(redisContext *rc, const char *cmd)
{
    redisReply *r = redisCommand(rc, cmd);
    bool ok = r && r->type != REDIS_REPLY_ERROR;
    if (r)
        freeReplyObject(r);
    return ok;
}

/* XADDs n records in pipelined rounds of `depth` commands: all sent, then
 * all replies read. */
static result_t redis_produce(const peer_t *p, const char *key, size_t size, size_t n,
                              const char *fsync)
{
    redisContext *rc = redis_connect(p);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "CONFIG SET appendfsync %s", fsync);
    int errors = redis_do(rc, cmd) ? 0 : 1;
    double cpu0 = bench_proc_cpu(p->pid);
    int64_t t0 = bench_now_ns();
    for (size_t sent = 0; sent < n && !rc->err;) {
        size_t k = n - sent < (size_t)depth ? n - sent : (size_t)depth;
        for (size_t i = 0; i < k; i++)
            redisAppendCommand(rc, "XADD %s * v %b", key, value, size);
        for (size_t i = 0; i < k; i++) {
            redisReply *r = NULL;
            if (redisGetReply(rc, (void **)&r) != REDIS_OK) {
                errors++;
                break;
            }
            errors += r->type == REDIS_REPLY_ERROR;
            freeReplyObject(r);
        }
        sent += k;
    }
    int64_t t1 = bench_now_ns();
    double cpu = bench_proc_cpu(p->pid) - cpu0;
    redisFree(rc);
    return rate((int64_t)(n * size), t0, t1, cpu, errors);
}

/* Reads the stream from the start with XREAD COUNT depth, each call after the
 * last id returned. */
static result_t redis_consume(const peer_t *p, const char *key, int64_t expect_bytes)
{
    redisContext *rc = redis_connect(p);
    char last[64] = "0-0";
    int64_t got = 0, t0 = 0;
    int errors = 0;
    double cpu0 = 0;
    while (got + first_record < expect_bytes) {
        redisReply *r = redisCommand(rc, "XREAD COUNT %d STREAMS %s %s", depth, key, last);
        /* [[key, [[id, [field, value]], ...]]], or nil at the end */
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 1) {
            errors += !r || r->type != REDIS_REPLY_NIL;
            if (r)
                freeReplyObject(r);
            break;
        }
        redisReply *entries = r->element[0]->element[1];
        for (size_t i = 0; i < entries->elements; i++) {
            redisReply *e = entries->element[i];
            got += (int64_t)e->element[1]->element[1]->len;
            if (!t0)
                t0 = bench_now_ns(), cpu0 = bench_proc_cpu(p->pid), got = 0;
            if (i + 1 == entries->elements)
                snprintf(last, sizeof last, "%s", e->element[0]->str);
        }
        freeReplyObject(r);
    }
    int64_t t1 = bench_now_ns();
    double cpu = bench_proc_cpu(p->pid) - cpu0;
    redisFree(rc);
    return rate(got, t0, t1, cpu, errors + (got + first_record < expect_bytes));
}

/* ---- NATS JetStream (NATS C client) ------------------------------------------- */

static void nats_start(peer_t *p)
{
    if (!bench_tempdir(p->dir, sizeof p->dir))
        exit(1);
    p->port = bench_free_port();
    char port[16], store[300], log[300];
    snprintf(port, sizeof port, "%d", p->port);
    snprintf(store, sizeof store, "%s/js", p->dir);
    snprintf(log, sizeof log, "%s/nats.log", p->dir);
    char *argv[] = {"nats-server", "-js", "-sd", store, "-a", "127.0.0.1",
                    "-p",          port,  "-m",  "0",   NULL};
    p->pid = bench_proc_start(argv, log, p->port);
    if (p->pid < 0)
        exit(1);
}

typedef struct nats_client {
    natsConnection *nc;
    jsCtx *js;
    int errors;
} nats_client_t;

static void nats_pub_err(jsCtx *js, jsPubAckErr *pae, void *closure)
{
    ((nats_client_t *)closure)->errors++;
}

/* Connects and creates the file-storage stream `name` holding subject
 * `name`. */
static void nats_open(const peer_t *p, nats_client_t *cl, const char *name)
{
    char url[64];
    snprintf(url, sizeof url, "nats://127.0.0.1:%d", p->port);
    memset(cl, 0, sizeof *cl);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = depth;
    jo.PublishAsync.StallWait = 60000;
    jo.PublishAsync.ErrHandler = nats_pub_err;
    jo.PublishAsync.ErrHandlerClosure = cl;
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    const char *subjects[] = {name};
    sc.Name = name;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = natsConnection_ConnectTo(&cl->nc, url);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&cl->js, cl->nc, &jo);
    if (s == NATS_OK)
        s = js_AddStream(&si, cl->js, &sc, NULL, &jerr);
    if (s != NATS_OK) {
        fprintf(stderr, "bench_peers: nats: %s (JetStream error %d)\n", natsStatus_GetText(s),
                (int)jerr);
        exit(1);
    }
    jsStreamInfo_Destroy(si);
}

static void nats_close(nats_client_t *cl)
{
    jsCtx_Destroy(cl->js);
    natsConnection_Destroy(cl->nc);
}

/* Publishes n records asynchronously, at most `depth` unacknowledged, and
 * waits for every ack. */
static result_t nats_produce(const peer_t *p, const char *name, size_t size, size_t n)
{
    nats_client_t cl;
    nats_open(p, &cl, name);
    double cpu0 = bench_proc_cpu(p->pid);
    int64_t t0 = bench_now_ns();
    for (size_t i = 0; i < n; i++)
        if (js_PublishAsync(cl.js, name, value, (int)size, NULL) != NATS_OK)
            cl.errors++;
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 120000;
    if (js_PublishAsyncComplete(cl.js, &po) != NATS_OK)
        cl.errors++;
    int64_t t1 = bench_now_ns();
    double cpu = bench_proc_cpu(p->pid) - cpu0;
    nats_close(&cl);
    return rate((int64_t)(n * size), t0, t1, cpu, cl.errors);
}

/* Reads the stream from the start through a pull consumer that needs no acks
 * (AckNone, like a Kafka consumer that does not commit), `depth` per fetch. */
static result_t nats_consume(const peer_t *p, const char *name, int64_t expect_bytes)
{
    nats_client_t cl;
    nats_open(p, &cl, name);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = name;
    so.Config.AckPolicy = js_AckNone;
    natsSubscription *sub = NULL;
    jsErrCode jerr = 0;
    if (js_PullSubscribe(&sub, cl.js, name, "bench", NULL, &so, &jerr) != NATS_OK) {
        fprintf(stderr, "bench_peers: nats: pull subscribe failed (%d)\n", (int)jerr);
        exit(1);
    }
    int64_t got = 0, t0 = 0;
    double cpu0 = 0;
    while (got + first_record < expect_bytes) {
        natsMsgList list;
        if (natsSubscription_Fetch(&list, sub, depth, 10000, &jerr) != NATS_OK) {
            cl.errors++;
            break;
        }
        for (int i = 0; i < list.Count; i++) {
            got += natsMsg_GetDataLength(list.Msgs[i]);
            if (!t0)
                t0 = bench_now_ns(), cpu0 = bench_proc_cpu(p->pid), got = 0;
        }
        natsMsgList_Destroy(&list);
    }
    int64_t t1 = bench_now_ns();
    double cpu = bench_proc_cpu(p->pid) - cpu0;
    natsSubscription_Destroy(sub);
    nats_close(&cl);
    return rate(got, t0, t1, cpu, cl.errors + (got + first_record < expect_bytes));
}

/* ---- durable publish latency at a fixed rate ------------------------------------ */

/* One record sent and its acknowledgement awaited; false on an error. */
typedef bool (*send_one_fn)(void *ctx, size_t size);

typedef struct lode_sync {
    rd_kafka_t *rk;
    const char *topic;
    int done, failed;
} lode_sync_t;

static void lode_sync_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    lode_sync_t *l = opaque;
    l->done++;
    l->failed += m->err != 0;
}

static bool lode_send_one(void *ctx, size_t size)
{
    lode_sync_t *l = ctx;
    int want = l->done + 1;
    if (rd_kafka_producev(l->rk, RD_KAFKA_V_TOPIC(l->topic), RD_KAFKA_V_PARTITION(0),
                          RD_KAFKA_V_VALUE(value, size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_END) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return false;
    int failed = l->failed;
    while (l->done < want)
        rd_kafka_poll(l->rk, 1);
    return l->failed == failed;
}

typedef struct redis_sync {
    redisContext *rc;
    const char *key;
} redis_sync_t;

static bool redis_send_one(void *ctx, size_t size)
{
    redis_sync_t *r = ctx;
    redisReply *rep = redisCommand(r->rc, "XADD %s * v %b", r->key, value, size);
    bool ok = rep && rep->type != REDIS_REPLY_ERROR;
    if (rep)
        freeReplyObject(rep);
    return ok;
}

typedef struct nats_sync {
    nats_client_t cl;
    const char *subject;
} nats_sync_t;

static bool nats_send_one(void *ctx, size_t size)
{
    nats_sync_t *n = ctx;
    jsPubAck *pa = NULL;
    jsErrCode jerr = 0;
    natsStatus st = js_Publish(&pa, n->cl.js, n->subject, value, (int)size, NULL, &jerr);
    jsPubAck_Destroy(pa);
    return st == NATS_OK;
}

typedef struct latency {
    double mbps, p50_ms, p99_ms;
    int errors;
} latency_t;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* n records of `size` bytes at `per_s` records a second, each sent when due
 * and its acknowledgement awaited before the next (one in flight): the time
 * from send to acknowledgement, as a client that needs each write durable
 * before going on sees it. */
static latency_t paced(send_one_fn send, void *ctx, size_t size, size_t n, double per_s)
{
    int64_t *ns = malloc(n * sizeof *ns);
    latency_t r = {0};
    int64_t t0 = bench_now_ns();
    for (size_t i = 0; i < n; i++) {
        int64_t due = t0 + (int64_t)((double)i / per_s * 1e9);
        while (bench_now_ns() < due)
            usleep(50);
        int64_t t = bench_now_ns();
        if (!send(ctx, size))
            r.errors++;
        ns[i] = bench_now_ns() - t;
    }
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    qsort(ns, n, sizeof *ns, cmp_i64);
    r.mbps = (double)(n * size) / secs / 1e6;
    r.p50_ms = (double)ns[n / 2] / 1e6;
    r.p99_ms = (double)ns[(size_t)(0.99 * (double)(n - 1))] / 1e6;
    free(ns);
    return r;
}

static latency_t latency_of(int sys, const peer_t *redis, const peer_t *nats, size_t size,
                            size_t n, double per_s)
{
    latency_t r;
    if (sys == SYS_LODE) {
        lode_sync_t l = {.topic = "lat"};
        l.rk = bench_producer("all", "0", lode_sync_dr, &l);
        lode_send_one(&l, size); /* metadata and connection before the clock */
        r = paced(lode_send_one, &l, size, n, per_s);
        rd_kafka_destroy(l.rk);
    } else if (sys == SYS_REDIS) {
        redis_sync_t rs = {redis_connect(redis), "lat"};
        if (!redis_do(rs.rc, "CONFIG SET appendfsync always"))
            exit(1);
        redis_send_one(&rs, size);
        r = paced(redis_send_one, &rs, size, n, per_s);
        redisFree(rs.rc);
    } else {
        nats_sync_t ns = {.subject = "lat"};
        nats_open(nats, &ns.cl, "lat");
        nats_send_one(&ns, size);
        r = paced(nats_send_one, &ns, size, n, per_s);
        nats_close(&ns.cl);
    }
    return r;
}

/* ---- the table ------------------------------------------------------------------ */

typedef enum { PRODUCE_FAST, PRODUCE_DURABLE, CONSUME } kind_t;

typedef struct scenario {
    kind_t kind;
    size_t size;
    const char *what[SYS_N]; /* each system's setting */
    const char *caveat;
} scenario_t;

static const char *const fast[SYS_N] = {"acks=1", "appendfsync everysec", "async publish"};
static const char *const durable[SYS_N] = {"acks=all (fsync)", "appendfsync always",
                                           "async publish (no fsync)"};
static const char *const reads[SYS_N] = {"librdkafka consumer", "XREAD", "pull Fetch, AckNone"};

static const char *const caveat_fast =
    "no fsync before the ack in any; Redis fsyncs once a second, lode and NATS leave it to the "
    "kernel";
static const char *const caveat_durable =
    "**not like for like for NATS**: nats-server 2.9 acks after write(2), never fsyncs before "
    "the ack; lode and Redis fsync before acking";
static const char *const caveat_consume =
    "lode: fetches of up to 10 MB, client parses batches; Redis: one XREAD at a time; NATS: one "
    "Fetch at a time";

static void print_row(const scenario_t *sc, const result_t r[SYS_N])
{
    static const char *const verb[] = {"produce", "produce", "consume"};
    printf("| %s %zu B | %s / %s / %s | %.0f | %.0f | %.2f | %.0f | %.2f | %.1f / %.1f / %.1f | "
           "%d/%d/%d | %s |\n",
           verb[sc->kind], sc->size, sc->what[0], sc->what[1], sc->what[2], r[0].mbps, r[1].mbps,
           r[1].mbps > 0 ? r[0].mbps / r[1].mbps : 0, r[2].mbps,
           r[2].mbps > 0 ? r[0].mbps / r[2].mbps : 0, r[0].cpu_s_per_gb, r[1].cpu_s_per_gb,
           r[2].cpu_s_per_gb, r[0].errors, r[1].errors, r[2].errors, sc->caveat);
    fflush(stdout);
}

static void print_loadavg(const char *when)
{
    char buf[128] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            buf[0] = 0;
        fclose(f);
    }
    buf[strcspn(buf, "\n")] = 0;
    printf("load average %s: %s (%ld cpus)\n\n", when, buf, sysconf(_SC_NPROCESSORS_ONLN));
}

/* The first line of `cmd`'s output (a version string). */
static void print_version(const char *cmd)
{
    char line[256] = "?";
    FILE *f = popen(cmd, "r");
    if (f) {
        if (!fgets(line, sizeof line, f))
            snprintf(line, sizeof line, "?");
        pclose(f);
    }
    line[strcspn(line, "\n")] = 0;
    printf("- %s\n", line);
}

int main(int argc, char **argv)
{
    bool quick;
    const char *lode = bench_args(argc, argv, &quick);
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--depth"))
            depth = atoi(argv[i + 1]);
    if (depth < 1)
        depth = 1;
    int64_t volume = quick ? 20000000LL : 200000000LL; /* bytes per 1 KB case */
    value = malloc(1000);
    for (size_t i = 0; i < 1000; i++)
        value[i] = (char)('a' + i % 26);

    printf("## lode vs Redis Streams vs NATS JetStream (one partition / stream, same machine)\n\n");
    print_version("redis-server --version");
    print_version("nats-server --version");
    printf(
        "- librdkafka %s, hiredis %d.%d.%d, NATS C client %s; in flight per client: %d records\n",
        rd_kafka_version_str(), HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH, NATS_VERSION_STRING,
        depth);
    double loop = bench_iperf3_gbytes(quick ? 1 : 3);
    printf("- iperf3 loopback TCP in this run: %.0f MB/s\n\n", loop * 1000);
    print_loadavg("at start");

    if (nats_Open(-1) != NATS_OK) {
        fprintf(stderr, "bench_peers: nats_Open failed\n");
        return 1;
    }
    bench_server_start(lode, NULL);
    peer_t redis, nats;
    redis_start(&redis);
    nats_start(&nats);

    const scenario_t scenarios[] = {
        {PRODUCE_FAST, 100, {fast[0], fast[1], fast[2]}, caveat_fast},
        {PRODUCE_FAST, 1000, {fast[0], fast[1], fast[2]}, caveat_fast},
        {CONSUME, 100, {reads[0], reads[1], reads[2]}, caveat_consume},
        {CONSUME, 1000, {reads[0], reads[1], reads[2]}, caveat_consume},
        {PRODUCE_DURABLE, 100, {durable[0], durable[1], durable[2]}, caveat_durable},
        {PRODUCE_DURABLE, 1000, {durable[0], durable[1], durable[2]}, caveat_durable},
    };
    printf("| case | lode / Redis / NATS setting | lode MB/s | Redis MB/s | lode/Redis | NATS "
           "MB/s | lode/NATS | server CPU s/GB (lode / Redis / NATS) | errors | not like for "
           "like |\n|---|---|---:|---:|---:|---:|---:|---|---|---|\n");
    for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++) {
        const scenario_t *sc = &scenarios[i];
        int64_t bytes = sc->size == 100 ? volume / 4 : volume;
        size_t n = (size_t)(bytes / (int64_t)sc->size);
        /* one name per size and durability: the consume cases read the
         * fast produce cases' data */
        char name[32];
        snprintf(name, sizeof name, "b%zu%s", sc->size, sc->kind == PRODUCE_DURABLE ? "d" : "");
        result_t r[SYS_N];
        first_record = (int64_t)sc->size;
        for (int s = 0; s < SYS_N; s++) {
            sync(); /* no dirty data of the previous case */
            if (sc->kind == CONSUME)
                r[s] = s == SYS_LODE    ? lode_consume(name, bytes)
                       : s == SYS_REDIS ? redis_consume(&redis, name, bytes)
                                        : nats_consume(&nats, name, bytes);
            else if (s == SYS_LODE)
                r[s] = lode_produce(name, sc->size, n, sc->kind == PRODUCE_DURABLE ? "all" : "1");
            else if (s == SYS_REDIS)
                r[s] = redis_produce(&redis, name, sc->size, n,
                                     sc->kind == PRODUCE_DURABLE ? "always" : "everysec");
            else
                r[s] = nats_produce(&nats, name, sc->size, n);
            fprintf(stderr, "bench_peers: %s %s %zu B: %.0f MB/s\n", sys_names[s],
                    sc->kind == CONSUME ? "consume" : "produce", sc->size, r[s].mbps);
            static const char *const kinds[] = {"produce_fast", "produce_durable", "consume"};
            bench_rec_begin("peers", kinds[sc->kind]);
            bench_rec_str("system", sys_names[s]);
            bench_rec_num("size", (double)sc->size);
            bench_rec_num("mbps", r[s].mbps);
            bench_rec_num("cpu_s_per_gb", r[s].cpu_s_per_gb);
            bench_rec_num("errors", r[s].errors);
            /* the one promise that differs: NATS acks durable writes unsynced */
            bench_rec_num("like_for_like", sc->kind == PRODUCE_DURABLE && s == SYS_NATS ? 0 : 1);
            bench_rec_str("note", sc->what[s]);
            bench_rec_end();
        }
        print_row(sc, r);
    }
    printf("\n");

    /* durable publish latency, one record in flight, at a rate all three
     * sustain with an fsync per record */
    size_t nlat = quick ? 300 : 2000;
    double per_s = 500;
    printf("Durable publish latency: 1 KB records, %.0f a second, one in flight (send → ack)\n\n"
           "| system | setting | MB/s | p50 ms | p99 ms | errors |\n|---|---|---:|---:|---:|---:|\n",
           per_s);
    for (int s = 0; s < SYS_N; s++) {
        sync();
        latency_t l = latency_of(s, &redis, &nats, 1000, nlat, per_s);
        printf("| %s | %s | %.2f | %.2f | %.2f | %d |\n", sys_names[s], durable[s], l.mbps,
               l.p50_ms, l.p99_ms, l.errors);
        fflush(stdout);
        bench_rec_begin("peers", "produce_latency");
        bench_rec_str("system", sys_names[s]);
        bench_rec_num("size", 1000);
        bench_rec_num("mbps", l.mbps);
        bench_rec_num("p50_ms", l.p50_ms);
        bench_rec_num("p99_ms", l.p99_ms);
        bench_rec_num("errors", l.errors);
        bench_rec_num("like_for_like", s == SYS_NATS ? 0 : 1);
        bench_rec_str("note", durable[s]);
        bench_rec_end();
    }
    printf("\n");
    print_loadavg("at end");

    bench_server_stop();
    bench_proc_stop(redis.pid, redis.dir);
    bench_proc_stop(nats.pid, nats.dir);
    nats_Close();
    free(value);
    return 0;
}
