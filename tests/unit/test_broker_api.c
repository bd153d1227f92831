/*
 * test_broker_api.c — a real server started in-process (listeners on
 * ephemeral ports) and driven over TCP with requests encoded by the
 * generated codecs: the APIs and error paths that the client libraries on
 * this machine cannot reach (DeleteRecords, DescribeLogDirs, ApiVersions
 * fallback, malformed frames, each Produce refusal).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "core/props.h"
#include "proto/gen/ApiVersionsRequest.h"
#include "proto/gen/ApiVersionsResponse.h"
#include "proto/gen/CreateTopicsRequest.h"
#include "proto/gen/CreateTopicsResponse.h"
#include "proto/gen/DeleteRecordsRequest.h"
#include "proto/gen/DeleteRecordsResponse.h"
#include "proto/gen/DescribeLogDirsRequest.h"
#include "proto/gen/DescribeLogDirsResponse.h"
#include "proto/gen/DeleteGroupsRequest.h"
#include "proto/gen/DeleteGroupsResponse.h"
#include "proto/gen/DescribeGroupsRequest.h"
#include "proto/gen/DescribeGroupsResponse.h"
#include "proto/gen/FetchRequest.h"
#include "proto/gen/FetchResponse.h"
#include "proto/gen/FindCoordinatorRequest.h"
#include "proto/gen/FindCoordinatorResponse.h"
#include "proto/gen/HeartbeatRequest.h"
#include "proto/gen/HeartbeatResponse.h"
#include "proto/gen/InitProducerIdRequest.h"
#include "proto/gen/InitProducerIdResponse.h"
#include "proto/gen/JoinGroupRequest.h"
#include "proto/gen/JoinGroupResponse.h"
#include "proto/gen/LeaveGroupRequest.h"
#include "proto/gen/LeaveGroupResponse.h"
#include "proto/gen/ListGroupsRequest.h"
#include "proto/gen/ListGroupsResponse.h"
#include "proto/gen/ListOffsetsRequest.h"
#include "proto/gen/ListOffsetsResponse.h"
#include "proto/gen/MetadataRequest.h"
#include "proto/gen/MetadataResponse.h"
#include "proto/gen/OffsetCommitRequest.h"
#include "proto/gen/OffsetCommitResponse.h"
#include "proto/gen/OffsetDeleteRequest.h"
#include "proto/gen/OffsetDeleteResponse.h"
#include "proto/gen/OffsetFetchRequest.h"
#include "proto/gen/OffsetFetchResponse.h"
#include "proto/gen/ProduceRequest.h"
#include "proto/gen/SyncGroupRequest.h"
#include "proto/gen/SyncGroupResponse.h"
#include "proto/gen/ProduceResponse.h"
#include "proto/gen/api_table.h"
#include "proto/header.h"
#include "proto/kerr.h"
#include "proto/record_batch.h"
#include "server/server.h"
#include "test.h"
#include <pthread.h>

typedef struct node {
    lode_config_t *cfg;
    lode_server_t *srv;
    int port;
} node_t;

static void start(node_t *n, const char *extra)
{
    char props_text[2048];
    snprintf(props_text, sizeof props_text,
             "process.roles=broker,controller\nnode.id=1\n"
             "controller.quorum.voters=1@127.0.0.1:9093\n"
             "listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0\n"
             "advertised.listeners=PLAINTEXT://127.0.0.1:9092\n"
             "controller.listener.names=CONTROLLER\n"
             "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n"
             "log.dirs=%s/data\nnum.network.threads=1\n%s",
             lode_test_tmpdir(), extra ? extra : "");
    lode_props_t p;
    lode_props_init(&p);
    char err[512];
    REQUIRE(lode_props_load_buf(&p, props_text, strlen(props_text), 0, err, sizeof err) == 0);
    int rc = lode_config_load(&p, &n->cfg, err, sizeof err);
    lode_props_free(&p);
    if (rc)
        fprintf(stderr, "config: %s\n", err);
    REQUIRE(rc == 0);
    lode_server_options_t o = {.auto_format = true};
    rc = lode_server_start(n->cfg, &o, &n->srv, err, sizeof err);
    if (rc)
        fprintf(stderr, "start: %s\n", err);
    REQUIRE(rc == 0);
    n->port = lode_server_port(n->srv, "PLAINTEXT");
    REQUIRE(n->port > 0);
}

static void stop(node_t *n)
{
    lode_server_stop(n->srv);
    lode_config_free(n->cfg);
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    struct timeval tv = {20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_frame(int fd, const uint8_t *p, size_t n)
{
    uint8_t len[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    REQUIRE(write(fd, len, 4) == 4);
    REQUIRE(write(fd, p, n) == (ssize_t)n);
}

static bool read_all(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

/* Reads one response frame into buf; false when the server closed. */
static bool recv_frame(int fd, lode_buf_t *buf)
{
    uint8_t len[4];
    if (!read_all(fd, len, 4))
        return false;
    size_t n = (size_t)len[0] << 24 | (size_t)len[1] << 16 | (size_t)len[2] << 8 | len[3];
    lode_buf_reset(buf);
    lode_buf_reserve(buf, n);
    if (!read_all(fd, buf->data, n))
        return false;
    buf->len = n;
    return true;
}

static int32_t next_corr = 1;

/* Sends `req` (API key, version) and decodes the response into resp. */
static void call(int fd, int16_t key, int16_t v, const void *req, void *resp, lode_arena_t *a,
                 lode_buf_t *in)
{
    const lode_api_info_t *api = lode_api_info(key);
    lode_buf_t out;
    lode_buf_init(&out);
    lode_str_t client = lode_str_lit("test");
    int32_t corr = next_corr++;
    REQUIRE(lode_req_header_write(&out, key, v, corr, &client) == 0);
    int erc = api->request->encode(req, v, &out);
    if (erc)
        fprintf(stderr, "cannot encode %s v%d\n", api->name, v);
    REQUIRE(erc == 0);
    send_frame(fd, out.data, out.len);
    lode_buf_free(&out);
    REQUIRE(recv_frame(fd, in));
    lode_reader_t r;
    lode_reader_init(&r, in->data, in->len);
    int32_t got;
    REQUIRE(lode_resp_header_parse(&r, lode_response_header_version(key, v), &got) == 0);
    CHECK_EQ(got, corr);
    REQUIRE(api->response->decode(resp, v, &r, a) == 0);
}

static void create_topic(int fd, const char *name, int32_t parts, const char *cfg_key,
                         const char *cfg_val)
{
    CreateTopicsRequest req;
    CreateTopicsRequest_init(&req);
    CreateTopicsRequest_CreatableTopic t;
    CreateTopicsRequest_CreatableTopic_init(&t);
    t.Name = lode_str_c(name);
    t.NumPartitions = parts;
    t.ReplicationFactor = 1;
    CreateTopicsRequest_CreatableTopicConfig c;
    CreateTopicsRequest_CreatableTopicConfig_init(&c);
    if (cfg_key) {
        c.Name = lode_str_c(cfg_key);
        c.Value = lode_str_c(cfg_val);
        t.Configs = &c;
        t.Configs_count = 1;
    }
    req.Topics = &t;
    req.Topics_count = 1;
    req.timeoutMs = 10000;
    CreateTopicsResponse resp;
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    lode_buf_t in;
    lode_buf_init(&in);
    call(fd, LODE_API_CREATE_TOPICS, 7, &req, &resp, &a, &in);
    REQUIRE(resp.Topics_count == 1);
    CHECK_EQ(resp.Topics[0].ErrorCode, 0);
    CHECK_EQ(resp.Topics[0].NumPartitions, parts);
    CHECK(resp.Topics[0].Configs_count > 30); /* v5+: the created topic's configs */
    lode_buf_free(&in);
    lode_arena_free(&a);
}

static void batch(lode_buf_t *out, int n, int64_t pid, int32_t seq)
{
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, 0, LODE_COMPRESSION_LEVEL_DEFAULT);
    if (pid >= 0)
        lode_batch_builder_set_producer(&b, pid, 0, seq);
    for (int i = 0; i < n; i++) {
        char v[32];
        int len = snprintf(v, sizeof v, "value-%d", i);
        REQUIRE(lode_batch_builder_add(&b, 1700000000000 + i, "k", 1, v, len, NULL, 0) == 0);
    }
    REQUIRE(lode_batch_builder_finish(&b, out) == 0);
    lode_batch_builder_free(&b);
}

/* Produces records (one batch) to topic-0 and returns the partition
 * response's error; *base gets the base offset. */
static int16_t produce(int fd, int16_t v, const char *topic, const uint8_t *records, size_t len,
                       int64_t *base)
{
    ProduceRequest req;
    ProduceRequest_init(&req);
    req.Acks = -1;
    req.TimeoutMs = 10000;
    ProduceRequest_TopicProduceData td;
    ProduceRequest_TopicProduceData_init(&td);
    td.Name = lode_str_c(topic);
    ProduceRequest_PartitionProduceData pd;
    ProduceRequest_PartitionProduceData_init(&pd);
    pd.Index = 0;
    pd.Records = (lode_bytes_t){records, (int32_t)len};
    td.PartitionData = &pd;
    td.PartitionData_count = 1;
    req.TopicData = &td;
    req.TopicData_count = 1;
    ProduceResponse resp;
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    lode_buf_t in;
    lode_buf_init(&in);
    call(fd, LODE_API_PRODUCE, v, &req, &resp, &a, &in);
    REQUIRE(resp.Responses_count == 1 && resp.Responses[0].PartitionResponses_count == 1);
    int16_t err = resp.Responses[0].PartitionResponses[0].ErrorCode;
    if (base)
        *base = resp.Responses[0].PartitionResponses[0].BaseOffset;
    lode_buf_free(&in);
    lode_arena_free(&a);
    return err;
}

static int64_t list_offset(int fd, const char *topic, int64_t ts)
{
    ListOffsetsRequest req;
    ListOffsetsRequest_init(&req);
    ListOffsetsRequest_ListOffsetsTopic t;
    ListOffsetsRequest_ListOffsetsTopic_init(&t);
    ListOffsetsRequest_ListOffsetsPartition p;
    ListOffsetsRequest_ListOffsetsPartition_init(&p);
    p.Timestamp = ts;
    t.Name = lode_str_c(topic);
    t.Partitions = &p;
    t.Partitions_count = 1;
    req.Topics = &t;
    req.Topics_count = 1;
    ListOffsetsResponse resp;
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    lode_buf_t in;
    lode_buf_init(&in);
    call(fd, LODE_API_LIST_OFFSETS, 7, &req, &resp, &a, &in);
    REQUIRE(resp.Topics_count == 1 && resp.Topics[0].Partitions_count == 1);
    int64_t off =
        resp.Topics[0].Partitions[0].ErrorCode ? -100 : resp.Topics[0].Partitions[0].Offset;
    lode_buf_free(&in);
    lode_arena_free(&a);
    return off;
}

TEST(api_versions_and_unknown_version_fallback)
{
    node_t n;
    start(&n, NULL);
    int fd = connect_to(n.port);
    ApiVersionsRequest req;
    ApiVersionsRequest_init(&req);
    ApiVersionsResponse resp;
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    lode_buf_t in;
    lode_buf_init(&in);
    call(fd, LODE_API_API_VERSIONS, 3, &req, &resp, &a, &in);
    CHECK_EQ(resp.ErrorCode, 0);
    bool produce0 = false, fetch_min = true;
    for (int32_t i = 0; i < resp.ApiKeys_count; i++) {
        if (resp.ApiKeys[i].ApiKey == LODE_API_PRODUCE)
            produce0 = resp.ApiKeys[i].MinVersion == 0;
        if (resp.ApiKeys[i].ApiKey == LODE_API_LIST_OFFSETS)
            fetch_min = resp.ApiKeys[i].MinVersion == 1;
    }
    CHECK(produce0);
    CHECK(fetch_min);

    /* A version from the future: answered in v0 form with UNSUPPORTED_VERSION. */
    lode_buf_t out;
    lode_buf_init(&out);
    lode_buf_put_i16(&out, LODE_API_API_VERSIONS);
    lode_buf_put_i16(&out, 99);
    lode_buf_put_i32(&out, 77);
    lode_buf_put_i16(&out, 4);
    lode_buf_put(&out, "test", 4);
    lode_buf_put_u8(&out, 0); /* empty tagged fields */
    send_frame(fd, out.data, out.len);
    REQUIRE(recv_frame(fd, &in));
    lode_reader_t r;
    lode_reader_init(&r, in.data, in.len);
    int32_t corr;
    REQUIRE(lode_resp_header_parse(&r, 0, &corr) == 0);
    CHECK_EQ(corr, 77);
    REQUIRE(ApiVersionsResponse_decode(&resp, 0, &r, &a) == 0);
    CHECK_EQ(resp.ErrorCode, LODE_KERR_UNSUPPORTED_VERSION);
    CHECK(resp.ApiKeys_count > 10);
    lode_buf_free(&out);
    lode_buf_free(&in);
    lode_arena_free(&a);
    close(fd);
    stop(&n);
}

TEST(malformed_frame_closes_only_that_connection)
{
    node_t n;
    start(&n, NULL);
    int bad = connect_to(n.port);
    uint8_t junk[] = {0, 3, 0, 1, 0xff, 0xff, 0xff}; /* Metadata v1, truncated header */
    send_frame(bad, junk, sizeof junk);
    uint8_t c;
    CHECK(read(bad, &c, 1) == 0); /* closed, nothing sent */
    close(bad);
    int good = connect_to(n.port);
    create_topic(good, "still-works", 1, NULL, NULL);
    close(good);
    stop(&n);
}

TEST(produce_offsets_and_refusals)
{
    node_t n;
    start(&n, NULL);
    int fd = connect_to(n.port);
    create_topic(fd, "t", 1, "max.message.bytes", "2000");
    lode_buf_t b;
    lode_buf_init(&b);
    int64_t base = -1;
    batch(&b, 3, -1, -1);
    CHECK_EQ(produce(fd, 9, "t", b.data, b.len, &base), 0);
    CHECK_EQ(base, 0);
    CHECK_EQ(produce(fd, 9, "t", b.data, b.len, &base), 0);
    CHECK_EQ(base, 3);
    CHECK_EQ(list_offset(fd, "t", -1), 6);
    CHECK_EQ(list_offset(fd, "t", -2), 0);
    CHECK_EQ(list_offset(fd, "t", 1700000000001), 1);

    /* Versions 0-2 cannot carry v2 batches. */
    CHECK_EQ(produce(fd, 2, "t", b.data, b.len, NULL), LODE_KERR_UNSUPPORTED_VERSION);
    /* Unknown topic. */
    CHECK_EQ(produce(fd, 9, "nope", b.data, b.len, NULL), LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION);
    /* Two batches in one partition. */
    size_t one = b.len;
    uint8_t *copy = malloc(one);
    memcpy(copy, b.data, one);
    lode_buf_put(&b, copy, one);
    free(copy);
    CHECK_EQ(produce(fd, 9, "t", b.data, b.len, NULL), LODE_KERR_INVALID_RECORD);
    /* A flipped byte: CRC mismatch. */
    b.len = one;
    b.data[one - 1] ^= 0x55;
    CHECK_EQ(produce(fd, 9, "t", b.data, b.len, NULL), LODE_KERR_CORRUPT_MESSAGE);
    /* Larger than the topic's max.message.bytes. */
    lode_buf_reset(&b);
    batch(&b, 200, -1, -1);
    CHECK_EQ(produce(fd, 9, "t", b.data, b.len, NULL), LODE_KERR_MESSAGE_TOO_LARGE);
    /* A truncated batch. */
    lode_buf_reset(&b);
    batch(&b, 2, -1, -1);
    CHECK_EQ(produce(fd, 9, "t", b.data, b.len - 5, NULL), LODE_KERR_CORRUPT_MESSAGE);
    CHECK_EQ(list_offset(fd, "t", -1), 6); /* nothing refused was written */
    lode_buf_free(&b);
    close(fd);
    stop(&n);
}

TEST(idempotent_producer_sequences)
{
    node_t n;
    start(&n, NULL);
    int fd = connect_to(n.port);
    create_topic(fd, "idem", 1, NULL, NULL);
    InitProducerIdRequest ireq;
    InitProducerIdRequest_init(&ireq);
    ireq.TransactionalId = LODE_STR_NULL;
    InitProducerIdResponse iresp;
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    lode_buf_t in;
    lode_buf_init(&in);
    call(fd, LODE_API_INIT_PRODUCER_ID, 4, &ireq, &iresp, &a, &in);
    CHECK_EQ(iresp.ErrorCode, 0);
    int64_t pid = iresp.ProducerId;
    CHECK(pid >= 0);
    CHECK_EQ(iresp.ProducerEpoch, 0);
    call(fd, LODE_API_INIT_PRODUCER_ID, 4, &ireq, &iresp, &a, &in);
    CHECK(iresp.ProducerId != pid); /* every producer its own id */

    lode_buf_t b;
    lode_buf_init(&b);
    batch(&b, 2, pid, 0);
    int64_t base;
    CHECK_EQ(produce(fd, 9, "idem", b.data, b.len, &base), 0);
    CHECK_EQ(base, 0);
    /* A retry of the same batch: the original offset, nothing appended. */
    CHECK_EQ(produce(fd, 9, "idem", b.data, b.len, &base), 0);
    CHECK_EQ(base, 0);
    CHECK_EQ(list_offset(fd, "idem", -1), 2);
    /* A gap in the sequence. */
    lode_buf_reset(&b);
    batch(&b, 1, pid, 5);
    CHECK_EQ(produce(fd, 9, "idem", b.data, b.len, NULL), LODE_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    lode_buf_reset(&b);
    batch(&b, 1, pid, 2);
    CHECK_EQ(produce(fd, 9, "idem", b.data, b.len, &base), 0);
    CHECK_EQ(base, 2);
    lode_buf_free(&b);
    lode_buf_free(&in);
    lode_arena_free(&a);
    close(fd);
    stop(&n);
}

TEST(delete_records_and_describe_log_dirs)
{
    node_t n;
    start(&n, NULL);
    int fd = connect_to(n.port);
    create_topic(fd, "dr", 1, NULL, NULL);
    lode_buf_t b;
    lode_buf_init(&b);
    batch(&b, 10, -1, -1);
    CHECK_EQ(produce(fd, 9, "dr", b.data, b.len, NULL), 0);
    lode_buf_free(&b);

    DeleteRecordsRequest req;
    DeleteRecordsRequest_init(&req);
    DeleteRecordsRequest_DeleteRecordsTopic t;
    DeleteRecordsRequest_DeleteRecordsTopic_init(&t);
    DeleteRecordsRequest_DeleteRecordsPartition p[2];
    DeleteRecordsRequest_DeleteRecordsPartition_init(&p[0]);
    DeleteRecordsRequest_DeleteRecordsPartition_init(&p[1]);
    p[0].PartitionIndex = 0;
    p[0].Offset = 4;
    p[1].PartitionIndex = 7;
    p[1].Offset = 1;
    t.Name = lode_str_lit("dr");
    t.Partitions = p;
    t.Partitions_count = 2;
    req.Topics = &t;
    req.Topics_count = 1;
    DeleteRecordsResponse resp;
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    lode_buf_t in;
    lode_buf_init(&in);
    call(fd, LODE_API_DELETE_RECORDS, 2, &req, &resp, &a, &in);
    REQUIRE(resp.Topics_count == 1 && resp.Topics[0].Partitions_count == 2);
    CHECK_EQ(resp.Topics[0].Partitions[0].ErrorCode, 0);
    CHECK_EQ(resp.Topics[0].Partitions[0].LowWatermark, 4);
    CHECK_EQ(resp.Topics[0].Partitions[1].ErrorCode, LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK_EQ(list_offset(fd, "dr", -2), 4);
    /* Past the high watermark. */
    p[0].Offset = 11;
    t.Partitions_count = 1;
    call(fd, LODE_API_DELETE_RECORDS, 2, &req, &resp, &a, &in);
    CHECK_EQ(resp.Topics[0].Partitions[0].ErrorCode, LODE_KERR_OFFSET_OUT_OF_RANGE);

    DescribeLogDirsRequest dreq;
    DescribeLogDirsRequest_init(&dreq);
    dreq.Topics_count = -1;
    DescribeLogDirsResponse dresp;
    call(fd, LODE_API_DESCRIBE_LOG_DIRS, 4, &dreq, &dresp, &a, &in);
    REQUIRE(dresp.Results_count == 1);
    CHECK_EQ(dresp.Results[0].ErrorCode, 0);
    CHECK(dresp.Results[0].TotalBytes > 0);
    bool found = false;
    for (int32_t i = 0; i < dresp.Results[0].Topics_count; i++)
        if (lode_str_eq_c(&dresp.Results[0].Topics[i].Name, "dr"))
            found = dresp.Results[0].Topics[i].Partitions_count == 1 &&
                    dresp.Results[0].Topics[i].Partitions[0].PartitionSize > 0;
    CHECK(found);
    lode_buf_free(&in);
    lode_arena_free(&a);
    close(fd);
    stop(&n);
}

TEST(acks_all_needs_min_insync_replicas)
{
    node_t n;
    start(&n, NULL);
    int fd = connect_to(n.port);
    create_topic(fd, "misr", 1, "min.insync.replicas", "2");
    lode_buf_t b;
    lode_buf_init(&b);
    batch(&b, 1, -1, -1);
    CHECK_EQ(produce(fd, 9, "misr", b.data, b.len, NULL), LODE_KERR_NOT_ENOUGH_REPLICAS);
    CHECK_EQ(list_offset(fd, "misr", -1), 0);
    lode_buf_free(&b);
    close(fd);
    stop(&n);
}

/* The topic id of a topic, from Metadata v12. */
static void topic_id(int fd, const char *topic, uint8_t out[16])
{
    MetadataRequest req;
    MetadataRequest_init(&req);
    MetadataRequest_MetadataRequestTopic t;
    MetadataRequest_MetadataRequestTopic_init(&t);
    t.Name = lode_str_c(topic);
    req.Topics = &t;
    req.Topics_count = 1;
    MetadataResponse resp;
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    lode_buf_t in;
    lode_buf_init(&in);
    call(fd, LODE_API_METADATA, 12, &req, &resp, &a, &in);
    REQUIRE(resp.Topics_count == 1);
    memcpy(out, resp.Topics[0].TopicId.b, 16);
    lode_buf_free(&in);
    lode_arena_free(&a);
}

typedef struct fetch_args {
    int16_t v;
    const char *topic;
    const uint8_t *id;
    int64_t offset;
    int32_t min_bytes, max_wait;
    int32_t session, epoch;
} fetch_args_t;

/* One Fetch; the response decoded by the generated codec into resp. */
static void fetch(int fd, const fetch_args_t *f, FetchResponse *resp, lode_arena_t *a,
                  lode_buf_t *in)
{
    FetchRequest req;
    FetchRequest_init(&req);
    req.ReplicaId = -1;
    req.MaxWaitMs = f->max_wait;
    req.MinBytes = f->min_bytes;
    req.MaxBytes = 1 << 20;
    req.SessionId = f->session;
    req.SessionEpoch = f->epoch;
    FetchRequest_FetchTopic t;
    FetchRequest_FetchTopic_init(&t);
    if (f->v >= 13)
        memcpy(t.TopicId.b, f->id, 16);
    else
        t.Topic = lode_str_c(f->topic);
    FetchRequest_FetchPartition p;
    FetchRequest_FetchPartition_init(&p);
    p.FetchOffset = f->offset;
    p.PartitionMaxBytes = 1 << 20;
    t.Partitions = &p;
    t.Partitions_count = 1;
    req.Topics = &t;
    req.Topics_count = f->topic ? 1 : 0;
    req.ForgottenTopicsData_count = 0;
    call(fd, LODE_API_FETCH, f->v, &req, resp, a, in);
}

/* Records in a Fetch partition's bytes (whole batches). */
static int count_records(const lode_bytes_t *recs)
{
    int n = 0;
    lode_batch_iter_t it;
    lode_batch_iter_init(&it, recs->ptr, recs->len > 0 ? (size_t)recs->len : 0);
    lode_batch_hdr_t h;
    while (lode_batch_iter_next(&it, &h)) {
        CHECK(lode_batch_validate(&h, NULL, NULL, NULL, 0) == 0);
        n += h.records_count;
    }
    return n;
}

TEST(fetch_every_version_decodes_with_the_generated_codec)
{
    node_t n;
    start(&n, NULL);
    int fd = connect_to(n.port);
    create_topic(fd, "f", 1, NULL, NULL);
    uint8_t id[16];
    topic_id(fd, "f", id);
    lode_buf_t b;
    lode_buf_init(&b);
    batch(&b, 3, -1, -1);
    CHECK_EQ(produce(fd, 9, "f", b.data, b.len, NULL), 0);
    lode_buf_free(&b);
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    lode_buf_t in;
    lode_buf_init(&in);
    for (int16_t v = 4; v <= 17; v++) {
        FetchResponse resp;
        fetch_args_t f = {v, "f", id, 1, 1, 0, 0, -1};
        fetch(fd, &f, &resp, &a, &in);
        CHECK_EQ(resp.ErrorCode, 0);
        REQUIRE(resp.Responses_count == 1);
        REQUIRE(resp.Responses[0].Partitions_count == 1);
        if (v >= 13)
            CHECK(!memcmp(resp.Responses[0].TopicId.b, id, 16));
        else
            CHECK(lode_str_eq_c(&resp.Responses[0].Topic, "f"));
        const FetchResponse_PartitionData *p = &resp.Responses[0].Partitions[0];
        CHECK_EQ(p->ErrorCode, 0);
        CHECK_EQ(p->HighWatermark, 3);
        CHECK_EQ(p->LastStableOffset, 3);
        CHECK_EQ(count_records(&p->Records), 3); /* the whole batch holding offset 1 */
        if (v >= 5)
            CHECK_EQ(p->LogStartOffset, 0);
        CHECK_EQ(p->AbortedTransactions_count, -1); /* read_uncommitted: null */
        /* past the end: OFFSET_OUT_OF_RANGE */
        fetch_args_t g = {v, "f", id, 9, 1, 0, 0, -1};
        fetch(fd, &g, &resp, &a, &in);
        CHECK_EQ(resp.Responses[0].Partitions[0].ErrorCode, LODE_KERR_OFFSET_OUT_OF_RANGE);
    }
    /* an unknown topic id */
    FetchResponse resp;
    uint8_t bad[16] = {1, 2, 3};
    fetch_args_t f = {13, "f", bad, 0, 1, 0, 0, -1};
    fetch(fd, &f, &resp, &a, &in);
    CHECK_EQ(resp.Responses[0].Partitions[0].ErrorCode, LODE_KERR_UNKNOWN_TOPIC_ID);
    lode_buf_free(&in);
    lode_arena_free(&a);
    close(fd);
    stop(&n);
}

typedef struct delayed_producer {
    int port;
} delayed_producer_t;

static void *produce_later(void *arg)
{
    delayed_producer_t *d = arg;
    usleep(300 * 1000);
    int fd = connect_to(d->port);
    lode_buf_t b;
    lode_buf_init(&b);
    batch(&b, 2, -1, -1);
    CHECK_EQ(produce(fd, 9, "w", b.data, b.len, NULL), 0);
    lode_buf_free(&b);
    close(fd);
    return NULL;
}

TEST(fetch_waits_for_min_bytes_and_sessions_send_only_changes)
{
    node_t n;
    start(&n, NULL);
    int fd = connect_to(n.port);
    create_topic(fd, "w", 1, NULL, NULL);
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    lode_buf_t in;
    lode_buf_init(&in);
    /* Nothing there yet: the fetch waits (up to 30 s) until records arrive. */
    pthread_t th;
    delayed_producer_t d = {n.port};
    pthread_create(&th, NULL, produce_later, &d);
    FetchResponse resp;
    fetch_args_t f = {12, "w", NULL, 0, 1, 30000, 0, 0}; /* full fetch, new session */
    fetch(fd, &f, &resp, &a, &in);
    pthread_join(th, NULL);
    REQUIRE(resp.Responses_count == 1);
    CHECK_EQ(count_records(&resp.Responses[0].Partitions[0].Records), 2);
    int32_t session = resp.SessionId;
    CHECK(session != 0);
    /* Incremental, nothing new: the partition is left out; waits MaxWait. */
    fetch_args_t g = {12, "w", NULL, 2, 1, 200, session, 1}; /* the new offset */
    fetch(fd, &g, &resp, &a, &in);
    CHECK_EQ(resp.ErrorCode, 0);
    CHECK_EQ(resp.SessionId, session);
    CHECK_EQ(resp.Responses_count, 0);
    /* A wrong epoch. */
    fetch_args_t h = {12, NULL, NULL, 2, 1, 0, session, 7};
    fetch(fd, &h, &resp, &a, &in);
    CHECK_EQ(resp.ErrorCode, LODE_KERR_INVALID_FETCH_SESSION_EPOCH);
    lode_buf_free(&in);
    lode_arena_free(&a);
    close(fd);
    stop(&n);
}

/* ---- consumer groups --------------------------------------------------------------- */

/* FindCoordinator v0 for a group, until __consumer_offsets exists. */
static void await_coordinator(int fd, const char *group)
{
    lode_arena_t a;
    lode_arena_init(&a, 1024);
    lode_buf_t in;
    lode_buf_init(&in);
    FindCoordinatorRequest req;
    FindCoordinatorRequest_init(&req);
    req.Key = lode_str_c(group);
    FindCoordinatorResponse resp;
    for (int i = 0; i < 200; i++) {
        call(fd, LODE_API_FIND_COORDINATOR, 0, &req, &resp, &a, &in);
        if (resp.ErrorCode != LODE_KERR_COORDINATOR_NOT_AVAILABLE)
            break;
        usleep(20000);
    }
    CHECK_EQ(resp.ErrorCode, 0);
    CHECK_EQ(resp.NodeId, 1);
    CHECK_EQ(resp.Port, 9092); /* the advertised listener */
    lode_buf_free(&in);
    lode_arena_free(&a);
}

TEST(find_coordinator_and_offsets_every_version)
{
    node_t n;
    start(&n, "offsets.topic.replication.factor=1\noffsets.topic.num.partitions=3\n");
    int fd = connect_to(n.port);
    create_topic(fd, "t", 2, NULL, NULL);
    await_coordinator(fd, "g");
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    lode_buf_t in;
    lode_buf_init(&in);

    /* batched keys (v4+), and a transaction key: no such coordinator yet */
    FindCoordinatorRequest fc;
    FindCoordinatorRequest_init(&fc);
    lode_str_t keys[] = {lode_str_lit("g"), lode_str_lit("h")};
    fc.CoordinatorKeys = keys;
    fc.CoordinatorKeys_count = 2;
    FindCoordinatorResponse fr;
    call(fd, LODE_API_FIND_COORDINATOR, 6, &fc, &fr, &a, &in);
    REQUIRE(fr.Coordinators_count == 2);
    CHECK_EQ(fr.Coordinators[1].ErrorCode, 0);
    CHECK_EQ(fr.Coordinators[1].NodeId, 1);
    fc.KeyType = 1;
    call(fd, LODE_API_FIND_COORDINATOR, 4, &fc, &fr, &a, &in);
    CHECK_EQ(fr.Coordinators[0].ErrorCode, LODE_KERR_COORDINATOR_NOT_AVAILABLE);

    /* every OffsetCommit version commits; every OffsetFetch version reads */
    for (int16_t v = 2; v <= 9; v++) {
        OffsetCommitRequest oc;
        OffsetCommitRequest_init(&oc);
        OffsetCommitRequest_OffsetCommitRequestTopic t;
        OffsetCommitRequest_OffsetCommitRequestTopic_init(&t);
        OffsetCommitRequest_OffsetCommitRequestPartition p[2];
        for (int i = 0; i < 2; i++) {
            OffsetCommitRequest_OffsetCommitRequestPartition_init(&p[i]);
            p[i].PartitionIndex = i == 0 ? 1 : 7; /* 7 does not exist */
            p[i].CommittedOffset = 100 + v;
            p[i].CommittedMetadata = lode_str_lit("md");
        }
        t.Name = lode_str_lit("t");
        t.Partitions = p;
        t.Partitions_count = 2;
        oc.GroupId = lode_str_lit("g");
        oc.GenerationIdOrMemberEpoch = -1;
        oc.MemberId = lode_str_lit("");
        oc.Topics = &t;
        oc.Topics_count = 1;
        OffsetCommitResponse ocr;
        call(fd, LODE_API_OFFSET_COMMIT, v, &oc, &ocr, &a, &in);
        REQUIRE(ocr.Topics_count == 1 && ocr.Topics[0].Partitions_count == 2);
        CHECK_EQ(ocr.Topics[0].Partitions[0].ErrorCode, 0);
        CHECK_EQ(ocr.Topics[0].Partitions[1].ErrorCode, LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION);
    }
    for (int16_t v = 1; v <= 7; v++) {
        OffsetFetchRequest of;
        OffsetFetchRequest_init(&of);
        OffsetFetchRequest_OffsetFetchRequestTopic t;
        OffsetFetchRequest_OffsetFetchRequestTopic_init(&t);
        int32_t parts[] = {0, 1};
        t.Name = lode_str_lit("t");
        t.PartitionIndexes = parts;
        t.PartitionIndexes_count = 2;
        of.GroupId = lode_str_lit("g");
        of.Topics = &t;
        of.Topics_count = 1;
        OffsetFetchResponse ofr;
        call(fd, LODE_API_OFFSET_FETCH, v, &of, &ofr, &a, &in);
        REQUIRE(ofr.Topics_count == 1 && ofr.Topics[0].Partitions_count == 2);
        CHECK_EQ(ofr.Topics[0].Partitions[0].CommittedOffset, -1);
        CHECK_EQ(ofr.Topics[0].Partitions[1].CommittedOffset, 109);
        CHECK(lode_str_eq_c(&ofr.Topics[0].Partitions[1].Metadata, "md"));
        if (v >= 2) { /* all of the group's offsets */
            of.Topics_count = -1;
            call(fd, LODE_API_OFFSET_FETCH, v, &of, &ofr, &a, &in);
            REQUIRE(ofr.Topics_count == 1 && ofr.Topics[0].Partitions_count == 1);
            CHECK_EQ(ofr.Topics[0].Partitions[0].PartitionIndex, 1);
        }
    }
    /* v8+: several groups in one request */
    OffsetFetchRequest of;
    OffsetFetchRequest_init(&of);
    OffsetFetchRequest_OffsetFetchRequestGroup gs[2];
    for (int i = 0; i < 2; i++) {
        OffsetFetchRequest_OffsetFetchRequestGroup_init(&gs[i]);
        gs[i].GroupId = i == 0 ? lode_str_lit("g") : lode_str_lit("nobody");
        gs[i].Topics_count = -1;
    }
    of.Groups = gs;
    of.Groups_count = 2;
    OffsetFetchResponse ofr;
    call(fd, LODE_API_OFFSET_FETCH, 9, &of, &ofr, &a, &in);
    REQUIRE(ofr.Groups_count == 2);
    REQUIRE(ofr.Groups[0].Topics_count == 1);
    CHECK_EQ(ofr.Groups[0].Topics[0].Partitions[0].CommittedOffset, 109);
    CHECK_EQ(ofr.Groups[1].ErrorCode, 0);
    CHECK_EQ(ofr.Groups[1].Topics_count, 0);

    /* OffsetDelete of an Empty group's offset */
    OffsetDeleteRequest od;
    OffsetDeleteRequest_init(&od);
    OffsetDeleteRequest_OffsetDeleteRequestTopic dt;
    OffsetDeleteRequest_OffsetDeleteRequestTopic_init(&dt);
    OffsetDeleteRequest_OffsetDeleteRequestPartition dp;
    OffsetDeleteRequest_OffsetDeleteRequestPartition_init(&dp);
    dp.PartitionIndex = 1;
    dt.Name = lode_str_lit("t");
    dt.Partitions = &dp;
    dt.Partitions_count = 1;
    od.GroupId = lode_str_lit("g");
    od.Topics = &dt;
    od.Topics_count = 1;
    OffsetDeleteResponse odr;
    call(fd, LODE_API_OFFSET_DELETE, 0, &od, &odr, &a, &in);
    CHECK_EQ(odr.ErrorCode, 0);
    REQUIRE(odr.Topics_count == 1);
    CHECK_EQ(odr.Topics[0].Partitions[0].ErrorCode, 0);
    od.GroupId = lode_str_lit("nobody");
    call(fd, LODE_API_OFFSET_DELETE, 0, &od, &odr, &a, &in);
    CHECK_EQ(odr.ErrorCode, LODE_KERR_GROUP_ID_NOT_FOUND);

    lode_buf_free(&in);
    lode_arena_free(&a);
    close(fd);
    stop(&n);
}

static void join_v(int fd, int16_t v, const char *member, JoinGroupResponse *r, lode_arena_t *a,
                   lode_buf_t *in)
{
    JoinGroupRequest jr;
    JoinGroupRequest_init(&jr);
    JoinGroupRequest_JoinGroupRequestProtocol p;
    JoinGroupRequest_JoinGroupRequestProtocol_init(&p);
    p.Name = lode_str_lit("range");
    p.Metadata = (lode_bytes_t){(const uint8_t *)"\0\1\0\0\0\0\0\0\0\0", 10};
    jr.GroupId = lode_str_lit("jg");
    jr.SessionTimeoutMs = 10000;
    jr.RebalanceTimeoutMs = 10000;
    jr.MemberId = lode_str_c(member);
    jr.ProtocolType = lode_str_lit("consumer");
    jr.Protocols = &p;
    jr.Protocols_count = 1;
    call(fd, LODE_API_JOIN_GROUP, v, &jr, r, a, in);
}

TEST(group_membership_every_version)
{
    node_t n;
    start(&n, "offsets.topic.replication.factor=1\noffsets.topic.num.partitions=2\n"
              "group.initial.rebalance.delay.ms=0\n");
    int fd = connect_to(n.port);
    await_coordinator(fd, "jg");
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    lode_buf_t in;
    lode_buf_init(&in);
    for (int16_t v = 0; v <= 9; v++) {
        JoinGroupResponse jr;
        join_v(fd, v, "", &jr, &a, &in);
        if (v >= 4) { /* KIP-394: come back with the id */
            CHECK_EQ(jr.ErrorCode, LODE_KERR_MEMBER_ID_REQUIRED);
            char id[128];
            snprintf(id, sizeof id, "%.*s", jr.MemberId.len, jr.MemberId.ptr);
            join_v(fd, v, id, &jr, &a, &in);
        }
        CHECK_EQ(jr.ErrorCode, 0);
        CHECK(lode_str_eq(&jr.Leader, &jr.MemberId));
        CHECK_EQ(jr.Members_count, 1);
        CHECK(lode_str_eq_c(&jr.ProtocolName, "range"));
        char member[128];
        snprintf(member, sizeof member, "%.*s", jr.MemberId.len, jr.MemberId.ptr);
        CHECK(strncmp(member, "test-", 5) == 0); /* the client id, then a uuid */
        int32_t gen = jr.GenerationId;

        int16_t sv = v <= 5 ? v : 5;
        SyncGroupRequest sr;
        SyncGroupRequest_init(&sr);
        SyncGroupRequest_SyncGroupRequestAssignment as;
        SyncGroupRequest_SyncGroupRequestAssignment_init(&as);
        as.MemberId = lode_str_c(member);
        as.Assignment = (lode_bytes_t){(const uint8_t *)"ASSIGN", 6};
        sr.GroupId = lode_str_lit("jg");
        sr.GenerationId = gen;
        sr.MemberId = lode_str_c(member);
        sr.ProtocolType = lode_str_lit("consumer");
        sr.ProtocolName = lode_str_lit("range");
        sr.Assignments = &as;
        sr.Assignments_count = 1;
        SyncGroupResponse sresp;
        call(fd, LODE_API_SYNC_GROUP, sv, &sr, &sresp, &a, &in);
        CHECK_EQ(sresp.ErrorCode, 0);
        CHECK_EQ(sresp.Assignment.len, 6);

        int16_t hv = v <= 4 ? v : 4;
        HeartbeatRequest hr;
        HeartbeatRequest_init(&hr);
        hr.GroupId = lode_str_lit("jg");
        hr.GenerationId = gen;
        hr.MemberId = lode_str_c(member);
        HeartbeatResponse hresp;
        call(fd, LODE_API_HEARTBEAT, hv, &hr, &hresp, &a, &in);
        CHECK_EQ(hresp.ErrorCode, 0);
        hr.GenerationId = gen + 1;
        call(fd, LODE_API_HEARTBEAT, hv, &hr, &hresp, &a, &in);
        CHECK_EQ(hresp.ErrorCode, LODE_KERR_ILLEGAL_GENERATION);

        int16_t dv = v <= 5 ? v : 5;
        DescribeGroupsRequest dr;
        DescribeGroupsRequest_init(&dr);
        lode_str_t names[] = {lode_str_lit("jg")};
        dr.Groups = names;
        dr.Groups_count = 1;
        dr.IncludeAuthorizedOperations = dv >= 3;
        DescribeGroupsResponse dresp;
        call(fd, LODE_API_DESCRIBE_GROUPS, dv, &dr, &dresp, &a, &in);
        REQUIRE(dresp.Groups_count == 1);
        CHECK(lode_str_eq_c(&dresp.Groups[0].GroupState, "Stable"));
        REQUIRE(dresp.Groups[0].Members_count == 1);
        CHECK_EQ(dresp.Groups[0].Members[0].MemberAssignment.len, 6);
        CHECK(lode_str_eq_c(&dresp.Groups[0].Members[0].ClientHost, "/127.0.0.1"));
        if (dv >= 3)
            CHECK_EQ(dresp.Groups[0].AuthorizedOperations, (1 << 3) | (1 << 6) | (1 << 8));

        ListGroupsRequest lr;
        ListGroupsRequest_init(&lr);
        lode_str_t states[] = {lode_str_lit("stable")};
        if (dv >= 4) {
            lr.StatesFilter = states;
            lr.StatesFilter_count = 1;
        }
        ListGroupsResponse lresp;
        call(fd, LODE_API_LIST_GROUPS, dv, &lr, &lresp, &a, &in);
        CHECK_EQ(lresp.Groups_count, 1);

        int16_t lv = v <= 5 ? v : 5;
        LeaveGroupRequest leave;
        LeaveGroupRequest_init(&leave);
        LeaveGroupRequest_MemberIdentity mi;
        LeaveGroupRequest_MemberIdentity_init(&mi);
        mi.MemberId = lode_str_c(member);
        leave.GroupId = lode_str_lit("jg");
        if (lv >= 3) {
            leave.Members = &mi;
            leave.Members_count = 1;
        } else {
            leave.MemberId = lode_str_c(member);
        }
        LeaveGroupResponse lgr;
        call(fd, LODE_API_LEAVE_GROUP, lv, &leave, &lgr, &a, &in);
        CHECK_EQ(lgr.ErrorCode, 0);
        if (lv >= 3) {
            REQUIRE(lgr.Members_count == 1);
            CHECK_EQ(lgr.Members[0].ErrorCode, 0);
        }
        call(fd, LODE_API_LEAVE_GROUP, lv, &leave, &lgr, &a, &in); /* gone already */
        CHECK_EQ(lv >= 3 ? lgr.Members[0].ErrorCode : lgr.ErrorCode,
                 LODE_KERR_UNKNOWN_MEMBER_ID);
    }
    /* Empty now: it can be deleted (once) */
    DeleteGroupsRequest del;
    DeleteGroupsRequest_init(&del);
    lode_str_t names[] = {lode_str_lit("jg"), lode_str_lit("jg")};
    del.GroupsNames = names;
    del.GroupsNames_count = 2;
    DeleteGroupsResponse delr;
    call(fd, LODE_API_DELETE_GROUPS, 2, &del, &delr, &a, &in);
    REQUIRE(delr.Results_count == 2);
    CHECK_EQ(delr.Results[0].ErrorCode, 0);
    CHECK_EQ(delr.Results[1].ErrorCode, LODE_KERR_GROUP_ID_NOT_FOUND);
    lode_buf_free(&in);
    lode_arena_free(&a);
    close(fd);
    stop(&n);
}
