/*
 * batch_capture.c — record batch interop with librdkafka, the real client.
 *
 * A tiny fake broker on a loopback port speaks just enough Kafka for
 * librdkafka: ApiVersions (v0-v3), Metadata (v1-v4), InitProducerId (v0-v1),
 * Produce (v3-v7) and Fetch (v4), hand-encoded here.
 *
 *  1. librdkafka -> lode: a producer sends known messages with every
 *     compression.codec (none, gzip, snappy, lz4, zstd), plain and
 *     idempotent. The broker keeps the exact `records` bytes of every Produce
 *     request; each batch must then pass lode_batch_validate with Kafka's
 *     client rules and read back field by field: keys (null, empty),
 *     values (null, empty, large), headers (null values), timestamps,
 *     offsets, producer id / epoch / sequences.
 *  2. lode -> librdkafka: batches made by lode_batch_builder in every codec —
 *     plus a LogAppendTime rewrite, offset gaps (compaction output), a
 *     transaction and its commit marker — are served by Fetch, cut with a
 *     partial trailing batch as real brokers do. librdkafka's consumer (CRC
 *     checks on, read_committed) must deliver exactly the expected messages.
 *
 * LODE_CAPTURE_DIR=<dir> also writes every captured batch there
 * (<codec>-<n>.bin), e.g. as fuzzing seeds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "core/buf.h"
#include "proto/compress.h"
#include "proto/record_batch.h"

#define NAME "batch_capture"
#define NODE_ID 1
#define PRODUCER_ID_BASE 4242
#define FETCH_CUT_BYTES 3000 /* whole batches up to this, then a partial one */

static int failures;

static void fail(const char *test, const char *fmt, ...)
{
    va_list ap;
    printf("FAIL " NAME ":%s: ", test);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    failures++;
}

/* ---- the fake broker ------------------------------------------------------ */

typedef struct capture {
    int codec_run; /* which run produced it */
    int16_t produce_version;
    uint8_t *data;
    size_t len;
} capture_t;

static struct {
    pthread_mutex_t lock;
    int listen_fd;
    uint16_t port;
    volatile int stop;
    int run;             /* current producer run, set by the main thread */
    capture_t caps[512]; /* captured Produce records, in arrival order */
    int ncaps;
    int next_pid;
    const uint8_t *log; /* batches served by Fetch (read-only once set) */
    size_t log_len;
    int64_t log_end; /* next offset after the log */
    int unexpected;  /* requests we could not answer */
    int fetch_version;
    int partial_tails; /* Fetch responses that ended inside a batch */
} fb = {.lock = PTHREAD_MUTEX_INITIALIZER};

typedef struct conn {
    int fd;
    lode_buf_t in;
} conn_t;

static void put_str(lode_buf_t *b, const char *s)
{
    if (!s) {
        lode_buf_put_i16(b, -1);
        return;
    }
    lode_buf_put_i16(b, (int16_t)strlen(s));
    lode_buf_put(b, s, strlen(s));
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static const struct {
    int16_t key, min, max;
} apis[] = {
    /* librdkafka 2.0.2 enables features only on these overlaps: lz4 needs
     * FindCoordinator v0, zstd needs Produce v7 and Fetch v10, MsgVer2 needs
     * Produce v3 and Fetch v4 — else it silently sends uncompressed. */
    {0, 0, 7},  /* Produce */
    {1, 4, 10}, /* Fetch */
    {3, 1, 4},  /* Metadata */
    {10, 0, 0}, /* FindCoordinator: advertised for the lz4 gate only */
    {18, 0, 3}, /* ApiVersions */
    {22, 0, 1}, /* InitProducerId */
};
#define NAPIS (sizeof apis / sizeof apis[0])

static void api_versions(lode_buf_t *b, int16_t version)
{
    lode_buf_put_i16(b, 0); /* error_code */
    if (version >= 3) {
        lode_buf_put_uvarint(b, NAPIS + 1);
        for (size_t i = 0; i < NAPIS; i++) {
            lode_buf_put_i16(b, apis[i].key);
            lode_buf_put_i16(b, apis[i].min);
            lode_buf_put_i16(b, apis[i].max);
            lode_buf_put_uvarint(b, 0); /* tagged fields */
        }
        lode_buf_put_i32(b, 0);     /* throttle_time_ms */
        lode_buf_put_uvarint(b, 0); /* tagged fields */
        return;
    }
    lode_buf_put_i32(b, (int32_t)NAPIS);
    for (size_t i = 0; i < NAPIS; i++) {
        lode_buf_put_i16(b, apis[i].key);
        lode_buf_put_i16(b, apis[i].min);
        lode_buf_put_i16(b, apis[i].max);
    }
    if (version >= 1)
        lode_buf_put_i32(b, 0);
}

/* Metadata v1-v4: one broker (us), every asked topic with one partition. */
static void metadata(lode_reader_t *r, lode_buf_t *b, int16_t version)
{
    int32_t ntopics = lode_read_i32(r);
    char names[8][64];
    int n = 0;
    for (int32_t i = 0; i < ntopics && n < 8 && !r->err; i++) {
        int16_t len = lode_read_i16(r);
        const uint8_t *p = lode_read_raw(r, len > 0 ? (size_t)len : 0);
        if (p && len > 0 && len < 64) {
            memcpy(names[n], p, (size_t)len);
            names[n++][len] = '\0';
        }
    }
    if (version >= 3)
        lode_buf_put_i32(b, 0); /* throttle_time_ms */
    lode_buf_put_i32(b, 1);
    lode_buf_put_i32(b, NODE_ID);
    put_str(b, "127.0.0.1");
    lode_buf_put_i32(b, fb.port);
    put_str(b, NULL); /* rack */
    if (version >= 2)
        put_str(b, "lode-test-cluster");
    lode_buf_put_i32(b, NODE_ID); /* controller_id */
    lode_buf_put_i32(b, n);
    for (int i = 0; i < n; i++) {
        lode_buf_put_i16(b, 0);
        put_str(b, names[i]);
        lode_buf_put_bool(b, false); /* is_internal */
        lode_buf_put_i32(b, 1);
        lode_buf_put_i16(b, 0);
        lode_buf_put_i32(b, 0);       /* partition_index */
        lode_buf_put_i32(b, NODE_ID); /* leader */
        lode_buf_put_i32(b, 1);
        lode_buf_put_i32(b, NODE_ID); /* replicas */
        lode_buf_put_i32(b, 1);
        lode_buf_put_i32(b, NODE_ID); /* isr */
    }
}

static void init_producer_id(lode_buf_t *b)
{
    pthread_mutex_lock(&fb.lock);
    int pid = PRODUCER_ID_BASE + fb.next_pid++;
    pthread_mutex_unlock(&fb.lock);
    lode_buf_put_i32(b, 0);   /* throttle_time_ms */
    lode_buf_put_i16(b, 0);   /* error_code */
    lode_buf_put_i64(b, pid); /* producer_id */
    lode_buf_put_i16(b, 0);   /* producer_epoch */
}

/* Produce v3-v7: keep each partition's records bytes, answer success. */
static void produce(lode_reader_t *r, lode_buf_t *b, int16_t version)
{
    int16_t tid_len = lode_read_i16(r); /* transactional_id */
    lode_read_skip(r, tid_len > 0 ? (size_t)tid_len : 0);
    lode_read_i16(r); /* acks */
    lode_read_i32(r); /* timeout_ms */
    int32_t ntopics = lode_read_i32(r);
    lode_buf_put_i32(b, ntopics > 0 ? ntopics : 0);
    for (int32_t t = 0; t < ntopics && !r->err; t++) {
        int16_t nlen = lode_read_i16(r);
        const uint8_t *name = lode_read_raw(r, nlen > 0 ? (size_t)nlen : 0);
        lode_buf_put_i16(b, nlen);
        lode_buf_put(b, name, nlen > 0 ? (size_t)nlen : 0);
        int32_t nparts = lode_read_i32(r);
        lode_buf_put_i32(b, nparts > 0 ? nparts : 0);
        for (int32_t p = 0; p < nparts && !r->err; p++) {
            int32_t index = lode_read_i32(r);
            int32_t len = lode_read_i32(r);
            const uint8_t *records = lode_read_raw(r, len > 0 ? (size_t)len : 0);
            int64_t base = 0;
            if (records && len > 0) {
                pthread_mutex_lock(&fb.lock);
                if (fb.ncaps < (int)(sizeof fb.caps / sizeof fb.caps[0])) {
                    capture_t *c = &fb.caps[fb.ncaps++];
                    c->codec_run = fb.run;
                    c->produce_version = version;
                    c->data = malloc((size_t)len);
                    memcpy(c->data, records, (size_t)len);
                    c->len = (size_t)len;
                }
                base = fb.ncaps * 1000;
                pthread_mutex_unlock(&fb.lock);
            }
            lode_buf_put_i32(b, index);
            lode_buf_put_i16(b, 0);    /* error_code */
            lode_buf_put_i64(b, base); /* base_offset */
            lode_buf_put_i64(b, -1);   /* log_append_time_ms */
            if (version >= 5)
                lode_buf_put_i64(b, 0); /* log_start_offset */
        }
    }
    lode_buf_put_i32(b, 0); /* throttle_time_ms */
}

/*
 * The bytes a Fetch at `offset` returns: from the batch holding it, whole
 * batches up to FETCH_CUT_BYTES, then part of the next batch (as a broker's
 * byte limit cuts it).
 */
static void fetch_slice(int64_t offset, const uint8_t **p, size_t *n)
{
    lode_batch_iter_t it;
    lode_batch_hdr_t h;
    size_t start = fb.log_len, end = fb.log_len;
    lode_batch_iter_init(&it, fb.log, fb.log_len);
    while (lode_batch_iter_next(&it, &h)) {
        size_t at = it.pos - h.size;
        if (start == fb.log_len) {
            if (lode_batch_last_offset(&h) < offset)
                continue;
            start = at; /* the first batch goes whole, whatever its size */
            end = it.pos;
            continue;
        }
        if (it.pos - start > FETCH_CUT_BYTES) {
            end = at + h.size / 2; /* a partial trailing batch */
            fb.partial_tails++;
            break;
        }
        end = it.pos;
    }
    *p = fb.log + start;
    *n = end - start;
}

/* Fetch v4-v10 (no fetch sessions: librdkafka 2.0.2 sends full fetches). */
static void fetch(lode_reader_t *r, lode_buf_t *b, int16_t version)
{
    lode_read_i32(r); /* replica_id */
    lode_read_i32(r); /* max_wait_ms */
    lode_read_i32(r); /* min_bytes */
    lode_read_i32(r); /* max_bytes */
    lode_read_i8(r);  /* isolation_level */
    if (version >= 7) {
        lode_read_i32(r); /* session_id */
        lode_read_i32(r); /* session_epoch */
    }
    int32_t ntopics = lode_read_i32(r);
    lode_buf_put_i32(b, 0); /* throttle_time_ms */
    if (version >= 7) {
        lode_buf_put_i16(b, 0); /* error_code */
        lode_buf_put_i32(b, 0); /* session_id */
    }
    lode_buf_put_i32(b, ntopics > 0 ? ntopics : 0);
    for (int32_t t = 0; t < ntopics && !r->err; t++) {
        int16_t nlen = lode_read_i16(r);
        const uint8_t *name = lode_read_raw(r, nlen > 0 ? (size_t)nlen : 0);
        lode_buf_put_i16(b, nlen);
        lode_buf_put(b, name, nlen > 0 ? (size_t)nlen : 0);
        int32_t nparts = lode_read_i32(r);
        lode_buf_put_i32(b, nparts > 0 ? nparts : 0);
        for (int32_t p = 0; p < nparts && !r->err; p++) {
            int32_t index = lode_read_i32(r);
            if (version >= 9)
                lode_read_i32(r); /* current_leader_epoch */
            int64_t offset = lode_read_i64(r);
            if (version >= 5)
                lode_read_i64(r); /* log_start_offset */
            lode_read_i32(r);     /* partition_max_bytes */
            const uint8_t *slice = NULL;
            size_t n = 0;
            if (offset < fb.log_end)
                fetch_slice(offset, &slice, &n);
            lode_buf_put_i32(b, index);
            lode_buf_put_i16(b, offset > fb.log_end ? 1 : 0); /* OFFSET_OUT_OF_RANGE */
            lode_buf_put_i64(b, fb.log_end);                  /* high_watermark */
            lode_buf_put_i64(b, fb.log_end);                  /* last_stable_offset */
            if (version >= 5)
                lode_buf_put_i64(b, 0); /* log_start_offset */
            lode_buf_put_i32(b, 0);     /* aborted_transactions: [] */
            lode_buf_put_i32(b, (int32_t)n);
            lode_buf_put(b, slice, n);
        }
    }
    /* v7+: forgotten_topics_data follows; nothing to forget without sessions. */
    fb.fetch_version = version;
}

/* Handles every complete request in c->in; -1 to drop the connection. */
static int serve_requests(conn_t *c)
{
    size_t pos = 0;
    while (c->in.len - pos >= 4) {
        uint32_t size = lode_be32_load(c->in.data + pos);
        if (size > (64u << 20))
            return -1;
        if (c->in.len - pos - 4 < size)
            break;
        lode_reader_t r;
        lode_reader_init(&r, c->in.data + pos + 4, size);
        pos += 4 + size;
        int16_t key = lode_read_i16(&r), version = lode_read_i16(&r);
        int32_t corr = lode_read_i32(&r);
        int16_t cid = lode_read_i16(&r);
        lode_read_skip(&r, cid > 0 ? (size_t)cid : 0);
        if (key == 18 && version >= 3) { /* request header v2: tagged fields */
            uint32_t ntags = lode_read_uvarint(&r);
            for (uint32_t i = 0; i < ntags && !r.err; i++) {
                lode_read_uvarint(&r);
                lode_read_skip(&r, lode_read_uvarint(&r));
            }
        }
        lode_buf_t out = LODE_BUF_INIT;
        lode_buf_put_i32(&out, 0); /* size, below */
        lode_buf_put_i32(&out, corr);
        switch (key) {
        case 18:
            api_versions(&out, version);
            break;
        case 3:
            metadata(&r, &out, version);
            break;
        case 22:
            init_producer_id(&out);
            break;
        case 0:
            produce(&r, &out, version);
            break;
        case 1:
            fetch(&r, &out, version);
            break;
        default:
            fprintf(stderr, "fake broker: unexpected ApiKey %d v%d\n", key, version);
            fb.unexpected++;
            lode_buf_free(&out);
            return -1;
        }
        if (r.err) {
            fprintf(stderr, "fake broker: malformed ApiKey %d v%d request\n", key, version);
            fb.unexpected++;
            lode_buf_free(&out);
            return -1;
        }
        lode_be32_store(out.data, (uint32_t)(out.len - 4));
        int rc = write_all(c->fd, out.data, out.len);
        lode_buf_free(&out);
        if (rc != 0)
            return -1;
    }
    memmove(c->in.data, c->in.data + pos, c->in.len - pos);
    c->in.len -= pos;
    return 0;
}

static void *broker_main(void *arg)
{
    (void)arg;
    conn_t conns[32];
    int nconns = 0;
    while (!fb.stop) {
        struct pollfd pfds[33];
        pfds[0].fd = fb.listen_fd;
        pfds[0].events = POLLIN;
        for (int i = 0; i < nconns; i++) {
            pfds[i + 1].fd = conns[i].fd;
            pfds[i + 1].events = POLLIN;
        }
        if (poll(pfds, (nfds_t)nconns + 1, 50) <= 0)
            continue;
        if ((pfds[0].revents & POLLIN) && nconns < 32) {
            int fd = accept(fb.listen_fd, NULL, NULL);
            if (fd >= 0) {
                conns[nconns].fd = fd;
                lode_buf_init(&conns[nconns].in);
                nconns++;
            }
        }
        for (int i = 0; i < nconns; i++) {
            if (!(pfds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            conn_t *c = &conns[i];
            uint8_t *dst = (lode_buf_reserve(&c->in, 65536), c->in.data + c->in.len);
            ssize_t n = recv(c->fd, dst, 65536, 0);
            if (n > 0) {
                c->in.len += (size_t)n;
                if (serve_requests(c) == 0)
                    continue;
            } else if (n < 0 && errno == EINTR) {
                continue;
            }
            close(c->fd);
            lode_buf_free(&c->in);
            conns[i] = conns[--nconns];
            pfds[i + 1] = pfds[nconns + 1];
            i--;
        }
    }
    for (int i = 0; i < nconns; i++) {
        close(conns[i].fd);
        lode_buf_free(&conns[i].in);
    }
    return NULL;
}

static int broker_start(pthread_t *thread)
{
    fb.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fb.listen_fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (bind(fb.listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fb.listen_fd, 16) != 0 ||
        getsockname(fb.listen_fd, (struct sockaddr *)&a, &alen) != 0) {
        close(fb.listen_fd);
        return -1;
    }
    fb.port = ntohs(a.sin_port);
    return pthread_create(thread, NULL, broker_main, NULL) == 0 ? 0 : -1;
}

/* ---- the messages ----------------------------------------------------------- */

#define NMSG 300
#define MAX_HDRS 3

typedef struct msg {
    char key[32];
    int key_len; /* -1 null */
    char *value;
    int value_len; /* -1 null */
    int64_t ts;
    int nh;
    const char *hk[MAX_HDRS];
    const char *hv[MAX_HDRS]; /* NULL = null value */
} msg_t;

static msg_t msgs[NMSG];

/* Compressible values (so librdkafka keeps the compressed form), null and
 * empty keys and values, a few large values, headers with null values. */
static void make_messages(void)
{
    static const char *hk[] = {"trace-id", "", "h2"}, *hv[] = {"abc123", NULL, "x"};
    for (int i = 0; i < NMSG; i++) {
        msg_t *m = &msgs[i];
        if (i % 7 == 0) {
            m->key_len = -1;
        } else if (i % 11 == 0) {
            m->key_len = 0;
        } else {
            m->key_len = snprintf(m->key, sizeof m->key, "key-%d", i % 40);
        }
        if (i % 13 == 0) {
            m->value = NULL;
            m->value_len = -1;
        } else if (i % 17 == 0) {
            m->value = calloc(1, 1);
            m->value_len = 0;
        } else {
            int len = i % 50 == 1 ? 20000 : 40 + i % 200;
            m->value = malloc((size_t)len + 1);
            for (int k = 0; k < len; k++)
                m->value[k] = "lorem ipsum dolor sit amet "[(k + i) % 27];
            m->value_len = len;
        }
        m->ts = 1700000000000 + i * 3 - (i % 5) * 100; /* not monotonic */
        m->nh = i % 4 == 3 ? 0 : i % 4;
        for (int k = 0; k < m->nh; k++) {
            m->hk[k] = hk[(i + k) % 3];
            m->hv[k] = hv[(i + k) % 3];
        }
    }
}

static bool same_bytes(const void *a, int alen, const void *b, int blen)
{
    if (alen != blen)
        return false;
    return alen <= 0 || memcmp(a, b, (size_t)alen) == 0;
}

/* ---- part 1: librdkafka -> lode ------------------------------------------- */

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    if (m->err)
        (*(int *)opaque)++;
}

static int produce_run(const char *codec, bool idempotent, char *err, size_t err_len)
{
    char bootstrap[64];
    snprintf(bootstrap, sizeof bootstrap, "127.0.0.1:%u", fb.port);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int dr_errors = 0;
    const char *kv[][2] = {
        {"bootstrap.servers", bootstrap},
        {"compression.codec", codec},
        {"linger.ms", "20"},
        {"batch.num.messages", "64"},
        {"enable.idempotence", idempotent ? "true" : "false"},
        {"message.timeout.ms", "15000"},
        {"log_level", "3"},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, err_len) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            return -1;
        }
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, &dr_errors);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, err_len);
    if (!rk)
        return -1;
    for (int i = 0; i < NMSG; i++) {
        msg_t *m = &msgs[i];
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(MAX_HDRS);
        for (int k = 0; k < m->nh; k++)
            rd_kafka_header_add(hdrs, m->hk[k], -1, m->hv[k], m->hv[k] ? -1 : 0);
        const void *key = m->key_len < 0 ? NULL : m->key;
        size_t key_len = m->key_len < 0 ? 0 : (size_t)m->key_len;
        size_t value_len = m->value_len < 0 ? 0 : (size_t)m->value_len;
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC("capture"), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY(key, key_len),
            RD_KAFKA_V_VALUE(m->value, value_len), RD_KAFKA_V_TIMESTAMP(m->ts),
            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
        if (e) {
            rd_kafka_headers_destroy(hdrs);
            snprintf(err, err_len, "producev: %s", rd_kafka_err2str(e));
            rd_kafka_destroy(rk);
            return -1;
        }
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_resp_err_t e = rd_kafka_flush(rk, 20000);
    rd_kafka_destroy(rk);
    if (e || dr_errors) {
        snprintf(err, err_len, "flush: %s, %d delivery errors", rd_kafka_err2str(e), dr_errors);
        return -1;
    }
    return 0;
}

/* Checks every batch captured in run `run` against msgs[]. */
static void check_capture(const char *test, int run, int codec, bool idempotent)
{
    static lode_buf_t scratch;
    lode_codec_ctx_t *ctx = lode_codec_ctx_new();
    int next = 0, batches = 0, compressed = 0;
    int32_t next_seq = 0;
    int64_t pid = -2;
    const char *dump = getenv("LODE_CAPTURE_DIR");
    for (int c = 0; c < fb.ncaps; c++) {
        capture_t *cap = &fb.caps[c];
        if (cap->codec_run != run)
            continue;
        lode_batch_iter_t it;
        lode_batch_hdr_t h;
        lode_batch_iter_init(&it, cap->data, cap->len);
        while (lode_batch_iter_next(&it, &h)) {
            char why[256];
            lode_batch_validate_opts_t o = {
                .flags = LODE_BATCH_V_CLIENT | LODE_BATCH_V_STRICT_MAX_TIMESTAMP |
                         LODE_BATCH_V_TIMESTAMPS,
                .min_timestamp = 1600000000000,
                .max_timestamp = 1800000000000,
                .codec = ctx,
                .scratch = &scratch,
            };
            lode_batch_info_t info;
            int rc = lode_batch_validate(&h, &o, &info, why, sizeof why);
            if (rc != 0) {
                fail(test, "batch %d does not validate: %d %s", batches, rc, why);
                goto out;
            }
            if (dump) {
                char path[512];
                snprintf(path, sizeof path, "%s/%s%s-%d.bin", dump, lode_compression_name(codec),
                         idempotent ? "-idem" : "", batches);
                FILE *f = fopen(path, "wb");
                if (f) {
                    fwrite(h.data, 1, h.size, f);
                    fclose(f);
                }
            }
            batches++;
            int bc = lode_batch_compression(&h);
            if (bc != codec && bc != LODE_COMPRESSION_NONE) {
                fail(test, "batch %d uses codec %d, not %d", batches, bc, codec);
                goto out;
            }
            compressed += bc == codec;
            if (idempotent) {
                if (pid == -2)
                    pid = h.producer_id;
                if (h.producer_id < PRODUCER_ID_BASE || h.producer_id != pid ||
                    h.producer_epoch != 0 || h.base_sequence != next_seq) {
                    fail(test,
                         "batch %d: pid %" PRId64 " epoch %d seq %" PRId32 ", expected seq %d",
                         batches, h.producer_id, h.producer_epoch, h.base_sequence, next_seq);
                    goto out;
                }
                next_seq += h.records_count;
            } else if (h.producer_id != -1 || h.producer_epoch != -1 || h.base_sequence != -1) {
                fail(test, "non-idempotent batch has producer fields %" PRId64 "/%d/%" PRId32,
                     h.producer_id, h.producer_epoch, h.base_sequence);
                goto out;
            }
            /* partitionLeaderEpoch is the broker's to set: Java writes -1,
             * librdkafka 0. */
            if (lode_batch_is_transactional(&h) || lode_batch_is_control(&h) ||
                lode_batch_timestamp_type(&h) != LODE_TIMESTAMP_CREATE_TIME) {
                fail(test, "unexpected attributes 0x%x", h.attributes);
                goto out;
            }
            lode_record_iter_t ri;
            lode_record_t rec;
            lode_record_iter_init(&ri, &h, info.records, info.uncompressed_bytes);
            while (lode_record_iter_next(&ri, &rec)) {
                if (next >= NMSG) {
                    fail(test, "more records than produced");
                    goto out;
                }
                msg_t *m = &msgs[next];
                if (rec.offset_delta != ri.index - 1 || rec.timestamp != m->ts ||
                    !same_bytes(rec.key, rec.key_len, m->key, m->key_len) ||
                    !same_bytes(rec.value, rec.value_len, m->value, m->value_len) ||
                    rec.header_count != m->nh) {
                    fail(test,
                         "record %d differs: delta %" PRId32 " ts %" PRId64 "/%" PRId64
                         " key %d/%d value %d/%d headers %d/%d",
                         next, rec.offset_delta, rec.timestamp, m->ts, rec.key_len, m->key_len,
                         rec.value_len, m->value_len, rec.header_count, m->nh);
                    goto out;
                }
                lode_header_iter_t hi;
                lode_header_t hd;
                lode_header_iter_init(&hi, &rec);
                for (int k = 0; lode_header_iter_next(&hi, &hd); k++) {
                    int vlen = m->hv[k] ? (int)strlen(m->hv[k]) : -1;
                    if (!same_bytes(hd.key, hd.key_len, m->hk[k], (int)strlen(m->hk[k])) ||
                        !same_bytes(hd.value, hd.value_len, m->hv[k], vlen)) {
                        fail(test, "record %d header %d differs", next, k);
                        goto out;
                    }
                }
                next++;
            }
        }
        if (it.err || it.partial_bytes) {
            fail(test, "Produce records do not split into whole batches (%d, %zu partial)", it.err,
                 it.partial_bytes);
            goto out;
        }
    }
    if (next != NMSG) {
        fail(test, "read %d of %d records", next, NMSG);
        goto out;
    }
    if (codec != LODE_COMPRESSION_NONE && compressed == 0) {
        fail(test, "librdkafka sent no %s-compressed batch", lode_compression_name(codec));
        goto out;
    }
    printf("PASS " NAME ":%s (%d batches, %d %s, Produce v%d)\n", test, batches, compressed,
           lode_compression_name(codec), fb.ncaps ? fb.caps[fb.ncaps - 1].produce_version : -1);
out:
    lode_codec_ctx_free(ctx);
}

/* ---- part 2: lode -> librdkafka ------------------------------------------- */

typedef struct want {
    int64_t offset;
    int64_t ts;
    bool log_append;
    int msg; /* index into msgs[] */
} want_t;

static want_t wants[NMSG * 2];
static int nwants;

/* Appends one batch of msgs[first..first+n) at *next_offset. */
static void serve_batch(lode_buf_t *log, int codec, int first, int n, int64_t *next_offset,
                        const int32_t *deltas, bool log_append, bool txn)
{
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, codec, LODE_COMPRESSION_LEVEL_DEFAULT);
    if (txn) {
        b.transactional = true;
        lode_batch_builder_set_producer(&b, 77, 0, 0);
    }
    int32_t last = 0;
    for (int i = 0; i < n; i++) {
        msg_t *m = &msgs[first + i];
        lode_header_t hs[MAX_HDRS];
        for (int k = 0; k < m->nh; k++) {
            hs[k].key = (const uint8_t *)m->hk[k];
            hs[k].key_len = (int32_t)strlen(m->hk[k]);
            hs[k].value = (const uint8_t *)m->hv[k];
            hs[k].value_len = m->hv[k] ? (int32_t)strlen(m->hv[k]) : -1;
        }
        last = deltas ? deltas[i] : i;
        int rc = lode_batch_builder_add_at(&b, last, m->ts, m->key, m->key_len, m->value,
                                           m->value_len, hs, m->nh);
        if (rc != 0)
            abort();
        wants[nwants++] = (want_t){*next_offset + last, m->ts, log_append, first + i};
    }
    size_t at = log->len;
    if (lode_batch_builder_finish(&b, log) != 0)
        abort();
    lode_batch_builder_free(&b);
    /* What a leader does on append: offsets, epoch, LogAppendTime. */
    lode_batch_set_base_offset(log->data + at, *next_offset);
    lode_batch_set_partition_leader_epoch(log->data + at, 0);
    if (log_append) {
        lode_batch_set_max_timestamp(log->data + at, log->len - at, LODE_TIMESTAMP_LOG_APPEND_TIME,
                                     1750000000000);
        for (int i = nwants - n; i < nwants; i++)
            wants[i].ts = 1750000000000;
    }
    *next_offset += last + 1;
}

static void build_served_log(lode_buf_t *log)
{
    int64_t next = 0;
    int m = 0;
    for (int codec = 0; codec <= LODE_COMPRESSION_MAX; codec++) {
        serve_batch(log, codec, m, 25, &next, NULL, false, false);
        m += 25;
        serve_batch(log, codec, m, 3, &next, NULL, true, false); /* LogAppendTime */
        m += 3;
    }
    static const int32_t gaps[] = {0, 2, 5, 9};
    serve_batch(log, LODE_COMPRESSION_LZ4, m, 4, &next, gaps, false, false); /* compacted */
    m += 4;
    serve_batch(log, LODE_COMPRESSION_ZSTD, m, 10, &next, NULL, false, true); /* transaction */
    m += 10;
    size_t at = log->len;
    lode_batch_build_txn_marker(log, next, 0, 77, 0, true, 0, 1700000009999);
    (void)at;
    next += 1;
    serve_batch(log, LODE_COMPRESSION_SNAPPY, m, 20, &next, NULL, false, false);
    fb.log_end = next;
}

static void check_served_log_validates(const char *test, const lode_buf_t *log)
{
    lode_batch_iter_t it;
    lode_batch_hdr_t h;
    lode_buf_t scratch = LODE_BUF_INIT;
    lode_batch_iter_init(&it, log->data, log->len);
    while (lode_batch_iter_next(&it, &h)) {
        char why[256];
        lode_batch_validate_opts_t o = {.scratch = &scratch};
        int rc = lode_batch_validate(&h, &o, NULL, why, sizeof why);
        if (rc != 0)
            fail(test, "served batch at %" PRId64 " does not validate: %s", h.base_offset, why);
    }
    lode_buf_free(&scratch);
}

static void consume_served(const char *test)
{
    char err[512], bootstrap[64];
    snprintf(bootstrap, sizeof bootstrap, "127.0.0.1:%u", fb.port);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[][2] = {
        {"bootstrap.servers", bootstrap},      {"check.crcs", "true"},
        {"isolation.level", "read_committed"}, {"fetch.wait.max.ms", "10"},
        {"enable.partition.eof", "true"},      {"log_level", "3"},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (rd_kafka_conf_set(conf, kv[i][0], kv[i][1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fail(test, "%s", err);
            rd_kafka_conf_destroy(conf);
            return;
        }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
        fail(test, "rd_kafka_new: %s", err);
        return;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, "serve", NULL);
    rd_kafka_consume_start(rkt, 0, 0);
    int got = 0, errors = 0;
    bool eof = false;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!eof) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec > 20) {
            fail(test, "timed out after %d of %d messages", got, nwants);
            errors++;
            break;
        }
        rd_kafka_message_t *km = rd_kafka_consume(rkt, 0, 200);
        if (!km)
            continue;
        if (km->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eof = km->offset >= fb.log_end;
        } else if (km->err) {
            fail(test, "consume error: %s", rd_kafka_message_errstr(km));
            errors++;
            eof = true;
        } else if (got >= nwants) {
            fail(test, "extra message at offset %" PRId64, km->offset);
            errors++;
        } else {
            want_t *w = &wants[got];
            msg_t *m = &msgs[w->msg];
            rd_kafka_timestamp_type_t tstype;
            int64_t ts = rd_kafka_message_timestamp(km, &tstype);
            rd_kafka_timestamp_type_t want_type =
                w->log_append ? RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME : RD_KAFKA_TIMESTAMP_CREATE_TIME;
            bool ok =
                km->offset == w->offset && ts == w->ts && tstype == want_type &&
                same_bytes(km->key, km->key ? (int)km->key_len : -1, m->key, m->key_len) &&
                same_bytes(km->payload, km->payload ? (int)km->len : -1, m->value, m->value_len);
            rd_kafka_headers_t *hdrs = NULL;
            size_t nh = 0;
            if (rd_kafka_message_headers(km, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR)
                nh = rd_kafka_header_cnt(hdrs);
            ok = ok && (int)nh == m->nh;
            for (int k = 0; ok && k < m->nh; k++) {
                const char *name;
                const void *val;
                size_t vsize;
                if (rd_kafka_header_get_all(hdrs, (size_t)k, &name, &val, &vsize) != 0 ||
                    strcmp(name, m->hk[k]) != 0 ||
                    !same_bytes(val, val ? (int)vsize : -1, m->hv[k],
                                m->hv[k] ? (int)strlen(m->hv[k]) : -1))
                    ok = false;
            }
            if (!ok) {
                fail(test,
                     "message %d: offset %" PRId64 "/%" PRId64 " ts %" PRId64 "/%" PRId64
                     " type %d key %zu value %zu headers %zu/%d",
                     got, km->offset, w->offset, ts, w->ts, (int)tstype, km->key_len, km->len, nh,
                     m->nh);
                errors++;
                eof = true;
            }
            got++;
        }
        rd_kafka_message_destroy(km);
    }
    rd_kafka_consume_stop(rkt, 0);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    if (!errors && got != nwants)
        fail(test, "got %d of %d messages", got, nwants);
    else if (!errors && fb.partial_tails == 0)
        fail(test, "no Fetch response ended with a partial batch");
    else if (!errors)
        printf("PASS " NAME ":%s (%d messages, every codec, %d partial tails, LogAppendTime, gaps, "
               "txn marker; Fetch v%d)\n",
               test, got, fb.partial_tails, fb.fetch_version);
}

int main(void)
{
    pthread_t thread;
    if (broker_start(&thread) != 0) {
        printf("SKIP " NAME ": cannot listen on a loopback port: %s\n", strerror(errno));
        return 0;
    }
    make_messages();
    static const char *codec_names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    int run = 0;
    for (int idem = 0; idem < 2; idem++) {
        for (int codec = 0; codec <= LODE_COMPRESSION_MAX; codec++) {
            char test[64], err[512];
            snprintf(test, sizeof test, "produce_%s%s", codec_names[codec],
                     idem ? "_idempotent" : "");
            pthread_mutex_lock(&fb.lock);
            fb.run = ++run;
            pthread_mutex_unlock(&fb.lock);
            if (produce_run(codec_names[codec], idem, err, sizeof err) != 0) {
                fail(test, "producer: %s", err);
                continue;
            }
            check_capture(test, run, codec, idem);
        }
    }

    lode_buf_t log = LODE_BUF_INIT;
    build_served_log(&log);
    check_served_log_validates("fetch_librdkafka_consumer", &log);
    fb.log = log.data;
    fb.log_len = log.len;
    consume_served("fetch_librdkafka_consumer");

    fb.stop = 1;
    pthread_join(thread, NULL);
    close(fb.listen_fd);
    if (fb.unexpected)
        fail("fake_broker", "%d requests could not be answered", fb.unexpected);
    for (int c = 0; c < fb.ncaps; c++)
        free(fb.caps[c].data);
    for (int i = 0; i < NMSG; i++)
        free(msgs[i].value);
    lode_buf_free(&log);
    return failures ? 1 : 0;
}
