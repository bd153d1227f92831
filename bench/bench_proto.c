/*
 * bench_proto.c — decode and encode throughput of the generated codecs on
 * Produce- and Fetch-shaped payloads, with memcpy and CRC32C over the same
 * bytes measured in the same run for scale.
 *
 *   build/bench/bench_proto [--quick]
 *
 * GB/s are 10^9 bytes per second of the encoded message; "ops/s" are
 * messages. Single-threaded; best and median of several rounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/crc32c.h"
#include "proto/gen/FetchResponse.h"
#include "proto/gen/MetadataResponse.h"
#include "proto/gen/ProduceRequest.h"
#include "proto/record_batch.h"

#define ROUNDS 7
static int quick;
static volatile uint64_t sink;

static int64_t now_ns(void)
{
    return lode_clock_monotonic_ns(lode_clock_real());
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef void (*work_fn)(void *ctx);

/* Runs fn repeatedly for ~target time per round; returns ops/s (best, median). */
static void measure(work_fn fn, void *ctx, double *best, double *median)
{
    double r[ROUNDS];
    int64_t target = quick ? 20000000 : 150000000;
    for (int k = 0; k < ROUNDS; k++) {
        int64_t t0 = now_ns(), n = 0;
        do {
            for (int i = 0; i < 64; i++)
                fn(ctx);
            n += 64;
        } while (now_ns() - t0 < target);
        r[k] = (double)n * 1e9 / (double)(now_ns() - t0);
    }
    qsort(r, ROUNDS, sizeof *r, cmp);
    *best = r[ROUNDS - 1];
    *median = r[ROUNDS / 2];
}

static void report(const char *what, size_t bytes, work_fn fn, void *ctx)
{
    double best, median;
    measure(fn, ctx, &best, &median);
    printf("| %-46s | %9zu | %12.0f | %12.0f | %7.2f | %7.2f |\n", what, bytes, best, median,
           best * (double)bytes / 1e9, median * (double)bytes / 1e9);
    fflush(stdout);
}

/* ---- payloads ----------------------------------------------------------- */

typedef struct {
    lode_buf_t encoded;
    int16_t version;
    lode_arena_t arena;
    const void *msg;
} codec_ctx_t;

static void decode_produce(void *p)
{
    codec_ctx_t *c = p;
    lode_arena_reset(&c->arena);
    ProduceRequest m;
    lode_reader_t r;
    lode_reader_init(&r, c->encoded.data, c->encoded.len);
    sink += (uint64_t)ProduceRequest_decode(&m, c->version, &r, &c->arena) + (uint64_t)m.Acks;
}

static void validate_produce(void *p)
{
    codec_ctx_t *c = p;
    lode_arena_reset(&c->arena);
    ProduceRequest m;
    lode_reader_t r;
    lode_reader_init(&r, c->encoded.data, c->encoded.len);
    ProduceRequest_decode(&m, c->version, &r, &c->arena);
    for (int32_t t = 0; t < m.TopicData_count; t++)
        for (int32_t i = 0; i < m.TopicData[t].PartitionData_count; i++) {
            lode_bytes_t *rec = &m.TopicData[t].PartitionData[i].Records;
            lode_batch_hdr_t h;
            if (lode_batch_parse_header(rec->ptr, (size_t)rec->len, &h) == 0) {
                lode_batch_validate_opts_t o = {.flags = LODE_BATCH_V_CLIENT};
                sink += (uint64_t)lode_batch_validate(&h, &o, NULL, NULL, 0);
            }
        }
}

static void encode_msg_fetch(void *p)
{
    codec_ctx_t *c = p;
    lode_buf_reset(&c->encoded);
    sink += (uint64_t)FetchResponse_encode(c->msg, c->version, &c->encoded);
}

static void encode_msg_metadata(void *p)
{
    codec_ctx_t *c = p;
    lode_buf_reset(&c->encoded);
    sink += (uint64_t)MetadataResponse_encode(c->msg, c->version, &c->encoded);
}

typedef struct {
    const uint8_t *src;
    uint8_t *dst;
    size_t n;
} mem_ctx_t;

static void do_memcpy(void *p)
{
    mem_ctx_t *m = p;
    memcpy(m->dst, m->src, m->n);
    sink += m->dst[m->n / 2];
}

static void do_crc(void *p)
{
    mem_ctx_t *m = p;
    sink += lode_crc32c(0, m->src, m->n);
}

/* A Produce request: `parts` partitions, each one batch of `records` values
 * of `value_bytes`. */
static void build_produce(codec_ctx_t *c, int parts, int records, int value_bytes, int16_t v)
{
    lode_buf_t batch = LODE_BUF_INIT;
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    char *value = malloc((size_t)value_bytes);
    memset(value, 'v', (size_t)value_bytes);
    for (int i = 0; i < records; i++)
        lode_batch_builder_add(&b, 1700000000000 + i, "key", 3, value, value_bytes, NULL, 0);
    lode_batch_builder_finish(&b, &batch);
    lode_batch_builder_free(&b);
    free(value);
    ProduceRequest m;
    ProduceRequest_init(&m);
    m.Acks = -1;
    m.TimeoutMs = 30000;
    ProduceRequest_TopicProduceData td;
    ProduceRequest_TopicProduceData_init(&td);
    td.Name = lode_str_lit("bench-topic");
    ProduceRequest_PartitionProduceData *pd = calloc((size_t)parts, sizeof *pd);
    for (int i = 0; i < parts; i++) {
        ProduceRequest_PartitionProduceData_init(&pd[i]);
        pd[i].Index = i;
        pd[i].Records = (lode_bytes_t){batch.data, (int32_t)batch.len};
    }
    td.PartitionData = pd;
    td.PartitionData_count = parts;
    m.TopicData = &td;
    m.TopicData_count = 1;
    lode_buf_init(&c->encoded);
    ProduceRequest_encode(&m, v, &c->encoded);
    c->version = v;
    lode_arena_init(&c->arena, 1 << 16);
    free(pd);
    lode_buf_free(&batch);
}

int main(int argc, char **argv)
{
    quick = argc > 1 && !strcmp(argv[1], "--quick");
    printf("| %-46s | %9s | %12s | %12s | %7s | %7s |\n", "operation", "bytes", "ops/s best",
           "ops/s median", "GB/s b", "GB/s m");
    printf("|---|---:|---:|---:|---:|---:|\n");

    codec_ctx_t p1;
    build_produce(&p1, 1, 16, 1000, 9); /* one 16 KiB batch */
    report("Produce v9 decode (1 partition, 16x1KB)", p1.encoded.len, decode_produce, &p1);
    report("Produce v9 decode + batch CRC/records validate", p1.encoded.len, validate_produce, &p1);
    codec_ctx_t p2;
    build_produce(&p2, 100, 1, 100, 9); /* many small partitions */
    report("Produce v9 decode (100 partitions, 1x100B)", p2.encoded.len, decode_produce, &p2);
    codec_ctx_t p3;
    build_produce(&p3, 1, 16, 1000, 7); /* librdkafka's version */
    report("Produce v7 decode (1 partition, 16x1KB)", p3.encoded.len, decode_produce, &p3);

    /* Fetch response: 10 partitions of 64 KiB in memory (the broker itself
     * sends record bytes with sendfile and encodes only the rest). */
    static uint8_t records[65536];
    memset(records, 'r', sizeof records);
    FetchResponse fr;
    FetchResponse_init(&fr);
    FetchResponse_FetchableTopicResponse ft;
    FetchResponse_FetchableTopicResponse_init(&ft);
    ft.Topic = lode_str_lit("bench-topic");
    FetchResponse_PartitionData pd[10];
    for (int i = 0; i < 10; i++) {
        FetchResponse_PartitionData_init(&pd[i]);
        pd[i].PartitionIndex = i;
        pd[i].HighWatermark = 1000000;
        pd[i].LastStableOffset = 1000000;
        pd[i].Records = (lode_bytes_t){records, (int32_t)sizeof records};
    }
    ft.Partitions = pd;
    ft.Partitions_count = 10;
    fr.Responses = &ft;
    fr.Responses_count = 1;
    codec_ctx_t f1 = {.msg = &fr, .version = 12};
    lode_buf_init(&f1.encoded);
    FetchResponse_encode(&fr, 12, &f1.encoded);
    size_t fetch_bytes = f1.encoded.len;
    report("Fetch v12 response encode (10 x 64 KiB records)", fetch_bytes, encode_msg_fetch, &f1);
    for (int i = 0; i < 10; i++)
        pd[i].Records = LODE_BYTES_NULL;
    codec_ctx_t f2 = {.msg = &fr, .version = 12};
    lode_buf_init(&f2.encoded);
    FetchResponse_encode(&fr, 12, &f2.encoded);
    report("Fetch v12 response encode, records excluded", f2.encoded.len, encode_msg_fetch, &f2);

    /* Metadata response: 1 topic, 1000 partitions. */
    MetadataResponse mr;
    MetadataResponse_init(&mr);
    MetadataResponse_MetadataResponseTopic mt;
    MetadataResponse_MetadataResponseTopic_init(&mt);
    mt.Name = lode_str_lit("bench-topic");
    MetadataResponse_MetadataResponsePartition *mp = calloc(1000, sizeof *mp);
    int32_t one = 1;
    for (int i = 0; i < 1000; i++) {
        MetadataResponse_MetadataResponsePartition_init(&mp[i]);
        mp[i].PartitionIndex = i;
        mp[i].LeaderId = 1;
        mp[i].ReplicaNodes = &one;
        mp[i].ReplicaNodes_count = 1;
        mp[i].IsrNodes = &one;
        mp[i].IsrNodes_count = 1;
    }
    mt.Partitions = mp;
    mt.Partitions_count = 1000;
    mr.Topics = &mt;
    mr.Topics_count = 1;
    codec_ctx_t m1 = {.msg = &mr, .version = 12};
    lode_buf_init(&m1.encoded);
    MetadataResponse_encode(&mr, 12, &m1.encoded);
    report("Metadata v12 response encode (1000 partitions)", m1.encoded.len, encode_msg_metadata,
           &m1);

    /* The machine's scale, same run: memcpy and CRC32C over a Produce-sized
     * buffer. */
    mem_ctx_t mc = {p1.encoded.data, malloc(p1.encoded.len), p1.encoded.len};
    report("memcpy (Produce request size)", mc.n, do_memcpy, &mc);
    report("CRC32C (Produce request size)", mc.n, do_crc, &mc);
    static uint8_t big[1 << 20];
    mem_ctx_t mb = {big, malloc(sizeof big), sizeof big};
    report("memcpy (1 MiB)", mb.n, do_memcpy, &mb);
    report("CRC32C (1 MiB)", mb.n, do_crc, &mb);
    free(mc.dst);
    free(mb.dst);
    free(mp);
    return 0;
}
