/*
 * Golden bytes from a real client: librdkafka connects to a small fake broker
 * on loopback that answers with lode's generated codecs, and every request it
 * sends — ApiVersions, Metadata, Produce — is captured and decoded with the
 * generated codecs, field by field. A mismatch between Kafka's wire format as
 * librdkafka writes it and our codecs fails here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "proto/gen/ApiVersionsRequest.h"
#include "proto/gen/ApiVersionsResponse.h"
#include "proto/gen/MetadataRequest.h"
#include "proto/gen/MetadataResponse.h"
#include "proto/gen/ProduceRequest.h"
#include "proto/gen/ProduceResponse.h"
#include "proto/gen/api_table.h"
#include "proto/header.h"
#include "proto/record_batch.h"

#define TOPIC "golden"

static int failures;
static void check(bool ok, const char *what, ...)
{
    if (ok)
        return;
    va_list ap;
    va_start(ap, what);
    printf("  mismatch: ");
    vprintf(what, ap);
    printf("\n");
    va_end(ap);
    failures++;
}

/* Captured request frames (header + body), by API key. */
typedef struct capture {
    uint8_t *frame;
    size_t len;
    int16_t version;
} capture_t;
/* ApiVersions, Metadata, then the Produce requests: librdkafka usually sends
 * the three records in one batch, but on a loaded machine it may split them. */
#define MAX_PRODUCE 3
static capture_t captured[2 + MAX_PRODUCE];
static int listen_fd, port;
static volatile int stop;

static void keep(int slot, const uint8_t *frame, size_t len, int16_t version)
{
    while (slot >= 2 && slot < 2 + MAX_PRODUCE - 1 && captured[slot].frame)
        slot++; /* the next Produce */
    if (captured[slot].frame)
        return; /* the first of each kind */
    captured[slot].frame = malloc(len);
    memcpy(captured[slot].frame, frame, len);
    captured[slot].len = len;
    captured[slot].version = version;
}

static bool read_all(int fd, void *p, size_t n)
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

static void send_response(int fd, int32_t corr, int16_t hv, const lode_msg_type_t *t, const void *m,
                          int16_t v)
{
    lode_buf_t out = LODE_BUF_INIT;
    lode_buf_put_i32(&out, 0);
    lode_resp_header_write(&out, corr, hv);
    if (t->encode(m, v, &out) != 0) {
        printf("  encode of %s v%d failed\n", t->name, v);
        failures++;
    }
    lode_be32_store(out.data, (uint32_t)(out.len - 4));
    if (write(fd, out.data, out.len) != (ssize_t)out.len)
        failures++;
    lode_buf_free(&out);
}

static void serve(int fd)
{
    for (;;) {
        uint8_t sz[4];
        if (!read_all(fd, sz, 4))
            return;
        uint32_t n = lode_be32_load(sz);
        uint8_t *frame = malloc(n);
        if (!read_all(fd, frame, n)) {
            free(frame);
            return;
        }
        lode_arena_t a;
        lode_arena_init(&a, 0);
        lode_reader_t r;
        lode_reader_init(&r, frame, n);
        lode_req_header_t h;
        int rc = lode_req_header_parse(&r, &h, &a);
        int16_t rhv = lode_response_header_version(h.api_key, h.api_version);
        if (h.api_key == LODE_API_API_VERSIONS) {
            ApiVersionsResponse resp;
            ApiVersionsResponse_init(&resp);
            /* librdkafka enables features by ranges: message format v2
             * needs Produce 3 and Fetch 4 advertised, lz4 FindCoordinator 0,
             * zstd Produce 7 and Fetch 10 — advertise what a broker has
             * (only these three are answered: a producer needs no more). */
            static const int16_t keys[][3] = {{LODE_API_API_VERSIONS, 0, 3},
                                              {LODE_API_METADATA, 0, 12},
                                              {LODE_API_PRODUCE, 0, 11},
                                              {LODE_API_FETCH, 0, 12},
                                              {LODE_API_FIND_COORDINATOR, 0, 4}};
            enum { NKEYS = sizeof keys / sizeof keys[0] };
            ApiVersionsResponse_ApiVersion av[NKEYS];
            for (int i = 0; i < NKEYS; i++) {
                ApiVersionsResponse_ApiVersion_init(&av[i]);
                av[i].ApiKey = keys[i][0];
                av[i].MinVersion = keys[i][1];
                av[i].MaxVersion = keys[i][2];
            }
            resp.ApiKeys = av;
            resp.ApiKeys_count = NKEYS;
            int16_t v = h.api_version;
            if (rc == LODE_EUNSUPPORTED) { /* a version we don't know: v0 + error */
                resp.ErrorCode = 35;
                v = 0;
            } else {
                keep(0, frame, n, h.api_version);
            }
            send_response(fd, h.correlation_id, 0, &lode_msg_ApiVersionsResponse, &resp, v);
        } else if (h.api_key == LODE_API_METADATA && rc == 0) {
            keep(1, frame, n, h.api_version);
            MetadataResponse resp;
            MetadataResponse_init(&resp);
            MetadataResponse_MetadataResponseBroker b;
            MetadataResponse_MetadataResponseBroker_init(&b);
            b.NodeId = 1;
            b.Host = lode_str_lit("127.0.0.1");
            b.Port = port;
            resp.Brokers = &b;
            resp.Brokers_count = 1;
            resp.ClusterId = lode_str_lit("golden-cluster");
            resp.ControllerId = 1;
            MetadataResponse_MetadataResponseTopic t;
            MetadataResponse_MetadataResponseTopic_init(&t);
            t.Name = lode_str_lit(TOPIC);
            MetadataResponse_MetadataResponsePartition p;
            MetadataResponse_MetadataResponsePartition_init(&p);
            int32_t one = 1;
            p.LeaderId = 1;
            p.ReplicaNodes = &one;
            p.ReplicaNodes_count = 1;
            p.IsrNodes = &one;
            p.IsrNodes_count = 1;
            t.Partitions = &p;
            t.Partitions_count = 1;
            resp.Topics = &t;
            resp.Topics_count = 1;
            send_response(fd, h.correlation_id, rhv, &lode_msg_MetadataResponse, &resp,
                          h.api_version);
        } else if (h.api_key == LODE_API_PRODUCE && rc == 0) {
            keep(2, frame, n, h.api_version);
            ProduceResponse resp;
            ProduceResponse_init(&resp);
            ProduceResponse_TopicProduceResponse t;
            ProduceResponse_TopicProduceResponse_init(&t);
            t.Name = lode_str_lit(TOPIC);
            ProduceResponse_PartitionProduceResponse p;
            ProduceResponse_PartitionProduceResponse_init(&p);
            p.Index = 0;
            p.BaseOffset = 0;
            t.PartitionResponses = &p;
            t.PartitionResponses_count = 1;
            resp.Responses = &t;
            resp.Responses_count = 1;
            send_response(fd, h.correlation_id, rhv, &lode_msg_ProduceResponse, &resp,
                          h.api_version);
        } else {
            printf("  unexpected request: key %d v%d\n", h.api_key, h.api_version);
        }
        lode_arena_free(&a);
        free(frame);
    }
}

static void *broker_main(void *arg)
{
    (void)arg;
    while (!stop) {
        struct pollfd p = {.fd = listen_fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int fd = accept(listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        serve(fd);
        close(fd);
    }
    return NULL;
}

/* ---- decoding what librdkafka sent ----------------------------------------- */

static void *decode_body(int slot, const lode_msg_type_t *t, lode_req_header_t *h, lode_arena_t *a)
{
    lode_reader_t r;
    lode_reader_init(&r, captured[slot].frame, captured[slot].len);
    int rc = lode_req_header_parse(&r, h, a);
    check(rc == 0, "%s header parse: %d", t->name, rc);
    check(lode_str_eq_c(&h->client_id, "golden-client"), "%s client id", t->name);
    void *m = lode_arena_calloc(a, 1, t->size);
    rc = t->decode(m, h->api_version, &r, a);
    check(rc == 0 && lode_reader_remaining(&r) == 0, "%s v%d decode %d, %zu left", t->name,
          h->api_version, rc, lode_reader_remaining(&r));
    return rc == 0 ? m : NULL;
}

static void reencode_equal(int slot, const lode_msg_type_t *t, void *m, int16_t v)
{
    lode_arena_t a;
    lode_arena_init(&a, 0);
    lode_reader_t r;
    lode_reader_init(&r, captured[slot].frame, captured[slot].len);
    lode_req_header_t h;
    lode_req_header_parse(&r, &h, &a);
    size_t body_at = r.pos;
    lode_buf_t out = LODE_BUF_INIT;
    int rc = t->encode(m, v, &out);
    check(rc == 0 && out.len == captured[slot].len - body_at &&
              memcmp(out.data, captured[slot].frame + body_at, out.len) == 0,
          "%s v%d: our encoding differs from librdkafka's bytes", t->name, v);
    lode_buf_free(&out);
    lode_arena_free(&a);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) || listen(listen_fd, 8)) {
        printf("FAIL golden_librdkafka: cannot listen: %s\n", strerror(errno));
        return 1;
    }
    socklen_t sl = sizeof sa;
    getsockname(listen_fd, (struct sockaddr *)&sa, &sl);
    port = ntohs(sa.sin_port);
    pthread_t th;
    pthread_create(&th, NULL, broker_main, NULL);

    char err[512], bootstrap[64];
    snprintf(bootstrap, sizeof bootstrap, "127.0.0.1:%d", port);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err);
    rd_kafka_conf_set(conf, "client.id", "golden-client", err, sizeof err);
    /* One batch of exactly three records however slow the machine is: a long linger
     * and a batch that closes at three records (flush sends at once anyway). */
    rd_kafka_conf_set(conf, "linger.ms", "5000", err, sizeof err);
    rd_kafka_conf_set(conf, "batch.num.messages", "3", err, sizeof err);
    rd_kafka_conf_set(conf, "acks", "all", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        printf("FAIL golden_librdkafka: %s\n", err);
        return 1;
    }
    rd_kafka_headers_t *hdrs = rd_kafka_headers_new(1);
    rd_kafka_header_add(hdrs, "h1", -1, "hv", 2);
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY("k1", 2),
                      RD_KAFKA_V_VALUE("value-one", 9), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(0),
                      RD_KAFKA_V_VALUE("value-two", 9), RD_KAFKA_V_END);
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY("k3", 2),
                      RD_KAFKA_V_END);
    int left = rd_kafka_flush(rk, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : 1;
    rd_kafka_destroy(rk);
    stop = 1;
    pthread_join(th, NULL);
    close(listen_fd);
    if (left) {
        printf("FAIL golden_librdkafka: librdkafka did not finish producing\n");
        return 1;
    }
    for (int i = 0; i < 3; i++)
        if (!captured[i].frame) {
            printf("FAIL golden_librdkafka: request %d not captured\n", i);
            return 1;
        }

    lode_arena_t a;
    lode_arena_init(&a, 0);
    lode_req_header_t h;
    /* ApiVersions */
    ApiVersionsRequest *av = decode_body(0, &lode_msg_ApiVersionsRequest, &h, &a);
    if (av) {
        printf("  ApiVersions v%d from %.*s %.*s\n", h.api_version, av->ClientSoftwareName.len,
               av->ClientSoftwareName.ptr, av->ClientSoftwareVersion.len,
               av->ClientSoftwareVersion.ptr);
        if (h.api_version >= 3) {
            check(lode_str_eq_c(&av->ClientSoftwareName, "librdkafka"), "software name");
            check(av->ClientSoftwareVersion.len > 0, "software version");
        }
        reencode_equal(0, &lode_msg_ApiVersionsRequest, av, h.api_version);
    }
    /* Metadata */
    MetadataRequest *md = decode_body(1, &lode_msg_MetadataRequest, &h, &a);
    if (md) {
        printf("  Metadata v%d, %d topics\n", h.api_version, md->Topics_count);
        reencode_equal(1, &lode_msg_MetadataRequest, md, h.api_version);
    }
    /* Produce: the three records, in one batch or spread over requests */
    int nrec = 0;
    for (int slot = 2; slot < 2 + MAX_PRODUCE && captured[slot].frame; slot++) {
        ProduceRequest *pr = decode_body(slot, &lode_msg_ProduceRequest, &h, &a);
        if (!pr)
            continue;
        printf("  Produce v%d acks %d timeout %d\n", h.api_version, pr->Acks, pr->TimeoutMs);
        check(pr->Acks == -1, "acks");
        check(pr->TopicData_count == 1 && lode_str_eq_c(&pr->TopicData[0].Name, TOPIC), "topic");
        if (pr->TopicData_count == 1) {
            ProduceRequest_TopicProduceData *td = &pr->TopicData[0];
            check(td->PartitionData_count == 1 && td->PartitionData[0].Index == 0, "partition");
            lode_bytes_t *rec = &td->PartitionData[0].Records;
            lode_batch_hdr_t bh;
            int rc = lode_batch_parse_header(rec->ptr, (size_t)rec->len, &bh);
            check(rc == 0 && bh.size == (size_t)rec->len, "one batch (parse %d, %d bytes)", rc,
                  rec->len);
            if (rc != 0) {
                printf("FAIL golden_librdkafka: produced batch unreadable\n");
                lode_arena_free(&a);
                return 1;
            }
            check(lode_batch_validate(&bh, NULL, NULL, NULL, 0) == 0, "batch validates");
            lode_record_iter_t it;
            lode_record_t r;
            lode_record_iter_init(&it, &bh, bh.records, bh.records_bytes);
            while (lode_record_iter_next(&it, &r)) {
                if (nrec == 0)
                    check(r.key_len == 2 && !memcmp(r.key, "k1", 2) && r.value_len == 9 &&
                              !memcmp(r.value, "value-one", 9) && r.header_count == 1,
                          "record 0");
                if (nrec == 1)
                    check(r.key_len == -1 && r.value_len == 9, "record 1");
                if (nrec == 2)
                    check(r.key_len == 2 && r.value_len == -1, "record 2");
                nrec++;
            }
        }
        reencode_equal(slot, &lode_msg_ProduceRequest, pr, h.api_version);
    }
    check(nrec == 3, "3 records produced (%d)", nrec);
    lode_arena_free(&a);
    for (int i = 0; i < 2 + MAX_PRODUCE; i++)
        free(captured[i].frame);
    if (failures) {
        printf("FAIL golden_librdkafka: %d mismatches\n", failures);
        return 1;
    }
    printf("PASS golden_librdkafka (ApiVersions, Metadata, Produce decoded and re-encoded byte for "
           "byte)\n");
    return 0;
}
