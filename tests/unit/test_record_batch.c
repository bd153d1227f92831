/* Record batches v2: build -> parse -> validate -> iterate round trips for
 * every codec, a hand-assembled golden batch, CRC, truncation, corruption,
 * Kafka's client rules, in-place rewrites, the batch iterator, control
 * records. */
#include <inttypes.h>
#include <stdlib.h>

#include <snappy-c.h>

#include "core/buf.h"
#include "core/crc32c.h"
#include "proto/compress.h"
#include "proto/record_batch.h"
#include "test.h"

#define NCODECS 5

/* ---- a model of records, and checks against it -------------------------- */

#define MAX_HEADERS 5

typedef struct mrec {
    int64_t ts;
    const uint8_t *key;
    int32_t key_len;
    const uint8_t *value;
    int32_t value_len;
    int32_t nh;
    lode_header_t h[MAX_HEADERS];
} mrec_t;

static uint8_t pool[1 << 16];

static void pool_init(uint64_t *rng)
{
    for (size_t i = 0; i < sizeof pool; i++)
        pool[i] = (uint8_t)(i % 251 < 200 ? 'a' + i % 26 : lode_test_rand(rng));
}

/* A slice of the pool of random length up to max, or null (-1) sometimes. */
static const uint8_t *rand_bytes(uint64_t *rng, int32_t max, bool nullable, int32_t *len)
{
    uint64_t x = lode_test_rand(rng);
    if (nullable && x % 8 == 0) {
        *len = -1;
        return NULL;
    }
    *len = (int32_t)((x >> 8) % (uint64_t)(max + 1));
    size_t off = (size_t)((x >> 32) % (sizeof pool - (size_t)max));
    return pool + off;
}

static void gen_records(uint64_t *rng, mrec_t *recs, int n, int64_t base_ts)
{
    for (int i = 0; i < n; i++) {
        mrec_t *r = &recs[i];
        uint64_t x = lode_test_rand(rng);
        r->ts = x % 50 == 0 ? LODE_NO_TIMESTAMP : base_ts + (int64_t)(x % 20000) - 10000;
        r->key = rand_bytes(rng, 40, true, &r->key_len);
        int32_t vmax = x % 10 == 0 ? 5000 : 300;
        r->value = rand_bytes(rng, vmax, true, &r->value_len);
        r->nh = (int32_t)((x >> 16) % (MAX_HEADERS + 1));
        for (int k = 0; k < r->nh; k++) {
            int32_t kl;
            const uint8_t *kp = rand_bytes(rng, 12, false, &kl);
            r->h[k].key = kp;
            r->h[k].key_len = kl;
            r->h[k].value = rand_bytes(rng, 30, true, &r->h[k].value_len);
        }
    }
}

static void build(lode_batch_builder_t *b, const mrec_t *recs, int n, lode_buf_t *out)
{
    for (int i = 0; i < n; i++) {
        const mrec_t *r = &recs[i];
        REQUIRE(lode_batch_builder_add(b, r->ts, r->key, r->key_len, r->value, r->value_len, r->h,
                                       r->nh) == 0);
    }
    REQUIRE(lode_batch_builder_finish(b, out) == 0);
}

static bool bytes_eq(const uint8_t *a, int32_t alen, const uint8_t *b, int32_t blen)
{
    if (alen != blen)
        return false;
    if (alen < 0)
        return a == NULL && b == NULL;
    return alen == 0 || memcmp(a, b, (size_t)alen) == 0;
}

/* Validates the batch as a client batch and compares every field. */
static void check_against_model(const lode_batch_hdr_t *h, const mrec_t *recs, int n,
                                int64_t base_offset, lode_buf_t *scratch, lode_codec_ctx_t *ctx)
{
    char why[256];
    lode_batch_validate_opts_t o = {0};
    o.flags = LODE_BATCH_V_CLIENT | LODE_BATCH_V_STRICT_MAX_TIMESTAMP;
    o.scratch = scratch;
    o.codec = ctx;
    lode_batch_info_t info;
    int rc = lode_batch_validate(h, &o, &info, why, sizeof why);
    if (rc != 0) {
        lode_test_fail_at(__FILE__, __LINE__, "validate: %d %s", rc, why);
        return;
    }
    CHECK_EQ(info.record_count, n);
    CHECK_EQ(h->records_count, n);
    CHECK_EQ(h->last_offset_delta, n - 1);
    int64_t max_ts = LODE_NO_TIMESTAMP;
    for (int i = 0; i < n; i++)
        if (recs[i].ts > max_ts)
            max_ts = recs[i].ts;
    CHECK_EQ(info.max_timestamp, max_ts);
    CHECK_EQ(h->max_timestamp, max_ts);
    CHECK_EQ(h->base_timestamp, recs[0].ts);

    lode_record_iter_t it;
    lode_record_t rec;
    lode_record_iter_init(&it, h, info.records, info.uncompressed_bytes);
    int i = 0;
    while (lode_record_iter_next(&it, &rec)) {
        REQUIRE(i < n);
        const mrec_t *m = &recs[i];
        CHECK_EQ(rec.offset, base_offset + i);
        CHECK_EQ(rec.offset_delta, i);
        CHECK_EQ(rec.timestamp, m->ts);
        CHECK(bytes_eq(rec.key, rec.key_len, m->key_len < 0 ? NULL : m->key, m->key_len));
        CHECK(bytes_eq(rec.value, rec.value_len, m->value_len < 0 ? NULL : m->value, m->value_len));
        CHECK_EQ(rec.header_count, m->nh);
        lode_header_iter_t hi;
        lode_header_t hd;
        lode_header_iter_init(&hi, &rec);
        int k = 0;
        while (lode_header_iter_next(&hi, &hd)) {
            REQUIRE(k < m->nh);
            CHECK(bytes_eq(hd.key, hd.key_len, m->h[k].key, m->h[k].key_len));
            CHECK(bytes_eq(hd.value, hd.value_len, m->h[k].value_len < 0 ? NULL : m->h[k].value,
                           m->h[k].value_len));
            k++;
        }
        CHECK_EQ(k, m->nh);
        i++;
    }
    CHECK_EQ(it.err, 0);
    CHECK_EQ(i, n);
}

/* ---- golden layout -------------------------------------------------------- */

/* Bitwise CRC-32C, independent of core/crc32c.c. */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
    }
    return ~c;
}

/* The batch below, assembled field by field from Kafka's layout. */
static void hand_batch(lode_buf_t *b)
{
    lode_buf_t recs = LODE_BUF_INIT;
    /* record 0: ts delta 0, key "k0", value "hello", header ("h", "v") */
    static const uint8_t r0[] = {0x00, 0x00, 0x00, 0x04, 'k',  '0', 0x0a, 'h', 'e',
                                 'l',  'l',  'o',  0x02, 0x02, 'h', 0x02, 'v'};
    /* record 1: ts delta +1000 (zigzag 2000 = 0xd0 0x0f), offset delta 1,
     * null key, empty value, no headers */
    static const uint8_t r1[] = {0x00, 0xd0, 0x0f, 0x02, 0x01, 0x00, 0x00};
    lode_buf_put_u8(&recs, sizeof r0 * 2); /* zigzag varint of 17 */
    lode_buf_put(&recs, r0, sizeof r0);
    lode_buf_put_u8(&recs, sizeof r1 * 2);
    lode_buf_put(&recs, r1, sizeof r1);

    size_t start = b->len;
    lode_buf_put_i64(b, 1234);                     /* baseOffset */
    lode_buf_put_i32(b, (int32_t)(49 + recs.len)); /* batchLength */
    lode_buf_put_i32(b, 7);                        /* partitionLeaderEpoch */
    lode_buf_put_i8(b, 2);                         /* magic */
    lode_buf_put_u32(b, 0);                        /* crc, below */
    lode_buf_put_i16(b, 0x10);                     /* attributes: transactional */
    lode_buf_put_i32(b, 1);                        /* lastOffsetDelta */
    lode_buf_put_i64(b, 1600000000000);            /* baseTimestamp */
    lode_buf_put_i64(b, 1600000001000);            /* maxTimestamp */
    lode_buf_put_i64(b, 42);                       /* producerId */
    lode_buf_put_i16(b, 3);                        /* producerEpoch */
    lode_buf_put_i32(b, 100);                      /* baseSequence */
    lode_buf_put_i32(b, 2);                        /* recordsCount */
    lode_buf_put(b, recs.data, recs.len);
    uint32_t crc = crc32c_bitwise(b->data + start + 21, b->len - start - 21);
    lode_be32_store(b->data + start + 17, crc);
    lode_buf_free(&recs);
}

TEST(builder_matches_hand_encoded_batch)
{
    lode_buf_t want = LODE_BUF_INIT, got = LODE_BUF_INIT;
    hand_batch(&want);
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    b.base_offset = 1234;
    b.partition_leader_epoch = 7;
    b.transactional = true;
    lode_batch_builder_set_producer(&b, 42, 3, 100);
    lode_header_t hd = {(const uint8_t *)"h", 1, (const uint8_t *)"v", 1};
    REQUIRE(lode_batch_builder_add(&b, 1600000000000, "k0", 2, "hello", 5, &hd, 1) == 0);
    REQUIRE(lode_batch_builder_add(&b, 1600000001000, NULL, -1, "", 0, NULL, 0) == 0);
    REQUIRE(lode_batch_builder_finish(&b, &got) == 0);
    CHECK_EQ(got.len, want.len);
    if (got.len == want.len)
        CHECK_MEMEQ(got.data, want.data, want.len);
    lode_batch_builder_free(&b);

    lode_batch_hdr_t h;
    REQUIRE(lode_batch_parse_header(want.data, want.len, &h) == 0);
    CHECK_EQ(h.size, want.len);
    CHECK_EQ(h.base_offset, 1234);
    CHECK_EQ(h.partition_leader_epoch, 7);
    CHECK_EQ(h.magic, 2);
    CHECK_EQ(h.crc, lode_crc32c_sw(0, want.data + 21, want.len - 21));
    CHECK(lode_batch_verify_crc(&h));
    CHECK(lode_batch_is_transactional(&h));
    CHECK(!lode_batch_is_control(&h));
    CHECK_EQ(lode_batch_compression(&h), 0);
    CHECK_EQ(lode_batch_timestamp_type(&h), LODE_TIMESTAMP_CREATE_TIME);
    CHECK_EQ(h.producer_id, 42);
    CHECK_EQ(h.producer_epoch, 3);
    CHECK_EQ(h.base_sequence, 100);
    CHECK_EQ(lode_batch_last_offset(&h), 1235);
    char why[200];
    lode_batch_info_t info;
    lode_batch_validate_opts_t o = {.flags =
                                        LODE_BATCH_V_CLIENT | LODE_BATCH_V_STRICT_MAX_TIMESTAMP};
    CHECK_EQ(lode_batch_validate(&h, &o, &info, why, sizeof why), 0);
    CHECK_EQ(info.max_timestamp, 1600000001000);
    CHECK_EQ(info.max_timestamp_delta, 1);

    lode_record_iter_t it;
    lode_record_t rec;
    lode_record_iter_init(&it, &h, h.records, h.records_bytes);
    REQUIRE(lode_record_iter_next(&it, &rec));
    CHECK_EQ(rec.offset, 1234);
    CHECK_EQ(rec.timestamp, 1600000000000);
    CHECK_EQ(rec.key_len, 2);
    CHECK_MEMEQ(rec.key, "k0", 2);
    CHECK_EQ(rec.value_len, 5);
    CHECK_EQ(rec.header_count, 1);
    CHECK_EQ(rec.raw_bytes, 18);
    REQUIRE(lode_record_iter_next(&it, &rec));
    CHECK_EQ(rec.offset, 1235);
    CHECK_EQ(rec.timestamp, 1600000001000);
    CHECK(rec.key == NULL);
    CHECK_EQ(rec.key_len, -1);
    CHECK(rec.value != NULL);
    CHECK_EQ(rec.value_len, 0);
    CHECK(!lode_record_iter_next(&it, &rec));
    CHECK_EQ(it.err, 0);
    lode_buf_free(&want);
    lode_buf_free(&got);
}

/* ---- round trips ----------------------------------------------------------- */

TEST(roundtrip_every_codec_random_records)
{
    uint64_t rng = lode_test_seed();
    pool_init(&rng);
    static mrec_t recs[400];
    lode_codec_ctx_t *ctx = lode_codec_ctx_new();
    lode_buf_t scratch = LODE_BUF_INIT, out = LODE_BUF_INIT;
    for (int codec = 0; codec < NCODECS; codec++) {
        for (int round = 0; round < 25; round++) {
            int n = 1 + (int)(lode_test_rand(&rng) % 400);
            gen_records(&rng, recs, n, 1700000000000 + round);
            recs[0].ts = 1700000000000; /* base timestamp: first record's */
            lode_batch_builder_t b;
            lode_batch_builder_init(&b, codec, LODE_COMPRESSION_LEVEL_DEFAULT);
            lode_buf_reset(&out);
            build(&b, recs, n, &out);
            lode_batch_builder_free(&b);
            lode_batch_hdr_t h;
            REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
            CHECK_EQ(h.size, out.len);
            CHECK_EQ(lode_batch_compression(&h), codec);
            check_against_model(&h, recs, n, 0, &scratch, ctx);
            /* Assigning offsets moves every record, keeps the CRC valid. */
            lode_batch_set_base_offset(out.data, 5000000000 + round);
            lode_batch_set_partition_leader_epoch(out.data, 9);
            REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
            CHECK(lode_batch_verify_crc(&h));
            CHECK_EQ(h.partition_leader_epoch, 9);
            check_against_model(&h, recs, n, 5000000000 + round, &scratch, ctx);
        }
    }
    lode_buf_free(&scratch);
    lode_buf_free(&out);
    lode_codec_ctx_free(ctx);
}

TEST(roundtrip_without_scratch_or_ctx)
{
    uint64_t rng = lode_test_seed() ^ 11;
    pool_init(&rng);
    mrec_t recs[20];
    gen_records(&rng, recs, 20, 1000);
    for (int codec = 0; codec < NCODECS; codec++) {
        lode_buf_t out = LODE_BUF_INIT;
        lode_batch_builder_t b;
        lode_batch_builder_init(&b, codec, LODE_COMPRESSION_LEVEL_DEFAULT);
        build(&b, recs, 20, &out);
        lode_batch_builder_free(&b);
        lode_batch_hdr_t h;
        REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
        lode_batch_info_t info;
        CHECK_EQ(lode_batch_validate(&h, NULL, &info, NULL, 0), 0);
        CHECK_EQ(info.record_count, 20);
        if (codec == 0)
            CHECK(info.records == h.records);
        else
            CHECK(info.records == NULL); /* temporary scratch, freed */
        CHECK_EQ(lode_batch_validate(&h, NULL, NULL, NULL, 0), 0);
        lode_buf_free(&out);
    }
}

TEST(builder_reuse_and_levels)
{
    lode_batch_builder_t b;
    lode_buf_t out = LODE_BUF_INIT, scratch = LODE_BUF_INIT;
    lode_batch_builder_init(&b, LODE_COMPRESSION_ZSTD, 19);
    for (int round = 0; round < 3; round++) {
        lode_batch_builder_reset(&b);
        CHECK_EQ(lode_batch_builder_count(&b), 0);
        CHECK_EQ(lode_batch_builder_bytes(&b), 0);
        for (int i = 0; i <= round; i++)
            REQUIRE(lode_batch_builder_add(&b, 10 + i, "k", 1, "value value value", 17, NULL, 0) ==
                    0);
        lode_buf_reset(&out);
        REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
        lode_batch_hdr_t h;
        REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
        lode_batch_validate_opts_t o = {.flags = LODE_BATCH_V_CLIENT, .scratch = &scratch};
        CHECK_EQ(lode_batch_validate(&h, &o, NULL, NULL, 0), 0);
        CHECK_EQ(h.records_count, round + 1);
        CHECK_EQ(h.producer_id, -1);
        CHECK_EQ(h.producer_epoch, -1);
        CHECK_EQ(h.base_sequence, -1);
        CHECK_EQ(h.partition_leader_epoch, -1);
    }
    b.level = 99; /* invalid for zstd */
    size_t before = out.len;
    CHECK_EQ(lode_batch_builder_finish(&b, &out), LODE_EINVAL);
    CHECK_EQ(out.len, before);
    lode_batch_builder_free(&b);
    lode_buf_free(&out);
    lode_buf_free(&scratch);
}

TEST(builder_rejects_bad_arguments)
{
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    lode_header_t bad_key = {(const uint8_t *)"x", -1, NULL, -1};
    lode_header_t bad_val = {(const uint8_t *)"x", 1, NULL, -2};
    CHECK_EQ(lode_batch_builder_add(&b, 0, "k", -2, NULL, -1, NULL, 0), LODE_EINVAL);
    CHECK_EQ(lode_batch_builder_add(&b, 0, NULL, -1, "v", -3, NULL, 0), LODE_EINVAL);
    CHECK_EQ(lode_batch_builder_add(&b, 0, NULL, 5, NULL, -1, NULL, 0), LODE_EINVAL);
    CHECK_EQ(lode_batch_builder_add(&b, 0, NULL, -1, NULL, -1, NULL, -1), LODE_EINVAL);
    CHECK_EQ(lode_batch_builder_add(&b, 0, NULL, -1, NULL, -1, NULL, 1), LODE_EINVAL);
    CHECK_EQ(lode_batch_builder_add(&b, 0, NULL, -1, NULL, -1, &bad_key, 1), LODE_EINVAL);
    CHECK_EQ(lode_batch_builder_add(&b, 0, NULL, -1, NULL, -1, &bad_val, 1), LODE_EINVAL);
    CHECK_EQ(lode_batch_builder_count(&b), 0);
    CHECK_EQ(lode_batch_builder_add_at(&b, 5, 0, NULL, -1, NULL, -1, NULL, 0), 0);
    CHECK_EQ(lode_batch_builder_add_at(&b, 5, 0, NULL, -1, NULL, -1, NULL, 0), LODE_EINVAL);
    CHECK_EQ(lode_batch_builder_add_at(&b, 2, 0, NULL, -1, NULL, -1, NULL, 0), LODE_EINVAL);
    CHECK_EQ(lode_batch_builder_set_delete_horizon(&b, 5), LODE_EINVAL); /* after a record */
    CHECK_EQ(lode_batch_builder_add_at(&b, INT32_MAX, 0, NULL, -1, NULL, -1, NULL, 0), 0);
    CHECK_EQ(lode_batch_builder_add(&b, 0, NULL, -1, NULL, -1, NULL, 0), LODE_ETOOBIG);
    CHECK_EQ(lode_batch_builder_count(&b), 2);
    lode_batch_builder_free(&b);
}

/* ---- CRC, truncation, corruption --------------------------------------------- */

static void small_batch(lode_buf_t *out, int codec)
{
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, codec, LODE_COMPRESSION_LEVEL_DEFAULT);
    lode_header_t hd = {(const uint8_t *)"hk", 2, (const uint8_t *)"hv", 2};
    for (int i = 0; i < 5; i++)
        REQUIRE(lode_batch_builder_add(&b, 1000 + i, "key", 3, "the value", 9, &hd, 1) == 0);
    REQUIRE(lode_batch_builder_finish(&b, out) == 0);
    lode_batch_builder_free(&b);
}

static int validate_bytes(const uint8_t *p, size_t n, unsigned flags, char *why, size_t why_len)
{
    lode_batch_hdr_t h;
    int rc = lode_batch_parse_header(p, n, &h);
    if (rc != 0)
        return rc;
    lode_batch_validate_opts_t o = {.flags = flags};
    return lode_batch_validate(&h, &o, NULL, why, why_len);
}

TEST(crc_covers_attributes_to_end_only)
{
    for (int codec = 0; codec < NCODECS; codec++) {
        lode_buf_t out = LODE_BUF_INIT;
        small_batch(&out, codec);
        char why[256];
        CHECK_EQ(validate_bytes(out.data, out.len, LODE_BATCH_V_CLIENT, why, sizeof why), 0);
        for (size_t i = 0; i < out.len; i++) {
            uint8_t *m = malloc(out.len);
            memcpy(m, out.data, out.len);
            m[i] ^= 0x20;
            int rc = validate_bytes(m, out.len, LODE_BATCH_V_CLIENT, why, sizeof why);
            if (i < 8 || (i >= 12 && i < 16)) {
                CHECK_EQ(rc, 0); /* baseOffset, partitionLeaderEpoch: not covered */
            } else if (i >= 17) {
                CHECK_EQ(rc, LODE_ECORRUPT); /* CRC itself, or covered bytes */
                if (rc == LODE_ECORRUPT && i >= 21 && codec == 0)
                    CHECK(strstr(why, "CRC") != NULL);
            } else {
                CHECK(rc != 0); /* length or magic */
            }
            /* With the CRC check skipped the damage may or may not be caught,
             * but never crashes. */
            (void)validate_bytes(m, out.len, LODE_BATCH_V_SKIP_CRC, why, sizeof why);
            free(m);
        }
        lode_buf_free(&out);
    }
}

TEST(every_truncation_fails_cleanly)
{
    for (int codec = 0; codec < NCODECS; codec++) {
        lode_buf_t out = LODE_BUF_INIT;
        small_batch(&out, codec);
        for (size_t cut = 0; cut < out.len; cut++) {
            uint8_t *m = malloc(cut ? cut : 1); /* exact size: ASan sees overreads */
            memcpy(m, out.data, cut);
            lode_batch_hdr_t h;
            CHECK_EQ(lode_batch_parse_header(m, cut, &h), LODE_ETRUNC);
            CHECK(h.why != NULL);
            CHECK_EQ(h.size, cut >= 12 ? out.len : 0);
            free(m);
        }
        /* Also cut the records but fix up length and CRC: the records must
         * then fail to add up. */
        for (size_t cut = LODE_BATCH_HEADER_BYTES; cut < out.len; cut++) {
            uint8_t *m = malloc(cut);
            memcpy(m, out.data, cut);
            lode_be32_store(m + 8, (uint32_t)(cut - 12));
            lode_batch_update_crc(m, cut);
            char why[256];
            int rc = validate_bytes(m, cut, 0, why, sizeof why);
            if (codec == 0)
                CHECK_EQ(rc, LODE_ECORRUPT);
            else
                CHECK(rc == LODE_ECOMPRESS || rc == LODE_ECORRUPT);
            free(m);
        }
        lode_buf_free(&out);
    }
}

/* A batch around a hand-written records area, with a valid CRC. */
static void raw_batch(lode_buf_t *out, int32_t count, int32_t last_offset_delta,
                      const uint8_t *recs, size_t n)
{
    size_t start = out->len;
    lode_buf_put_i64(out, 0);
    lode_buf_put_i32(out, (int32_t)(49 + n));
    lode_buf_put_i32(out, -1);
    lode_buf_put_i8(out, 2);
    lode_buf_put_u32(out, 0);
    lode_buf_put_i16(out, 0);
    lode_buf_put_i32(out, last_offset_delta);
    lode_buf_put_i64(out, 100);
    lode_buf_put_i64(out, 100);
    lode_buf_put_i64(out, -1);
    lode_buf_put_i16(out, -1);
    lode_buf_put_i32(out, -1);
    lode_buf_put_i32(out, count);
    lode_buf_put(out, recs, n);
    lode_batch_update_crc(out->data + start, out->len - start);
}

static int validate_raw(int32_t count, const uint8_t *recs, size_t n, char *why)
{
    lode_buf_t out = LODE_BUF_INIT;
    raw_batch(&out, count, count > 0 ? count - 1 : 0, recs, n);
    int rc = validate_bytes(out.data, out.len, 0, why, 256);
    lode_buf_free(&out);
    return rc;
}

TEST(corrupt_record_fields)
{
    char why[256];
    /* A good record: length 6 (zigzag 0x0c), attributes, ts delta 0, offset
     * delta 0, null key, null value, no headers. */
    static const uint8_t good[] = {0x0c, 0, 0, 0, 0x01, 0x01, 0};
    CHECK_EQ(validate_raw(1, good, sizeof good, why), 0);
    static const struct {
        const char *name;
        int32_t count;
        uint8_t bytes[24];
        size_t n;
    } bad[] = {
        {"record count too high", 2, {0x0c, 0, 0, 0, 0x01, 0x01, 0}, 7},
        {"record count too low",
         1,
         {0x0c, 0, 0, 0, 0x01, 0x01, 0, 0x0c, 0, 0, 2, 0x01, 0x01, 0},
         14},
        {"trailing garbage", 1, {0x0c, 0, 0, 0, 0x01, 0x01, 0, 0xaa}, 8},
        {"negative record length", 1, {0x01, 0, 0, 0, 0x01, 0x01, 0}, 7},
        {"record length past end", 1, {0x10, 0, 0, 0, 0x01, 0x01, 0}, 7},
        {"record length short", 1, {0x0a, 0, 0, 0, 0x01, 0x01, 0}, 7},
        {"record length long", 1, {0x0e, 0, 0, 0, 0x01, 0x01, 0, 0}, 8},
        {"key length -2", 1, {0x0c, 0, 0, 0, 0x03, 0x01, 0}, 7},
        {"value length -2", 1, {0x0c, 0, 0, 0, 0x01, 0x03, 0}, 7},
        {"key past record", 1, {0x0c, 0, 0, 0, 0x08, 0x01, 0}, 7},
        {"negative header count", 1, {0x0c, 0, 0, 0, 0x01, 0x01, 0x01}, 7},
        {"header count past record", 1, {0x0c, 0, 0, 0, 0x01, 0x01, 0x02}, 7},
        {"negative header key", 1, {0x0e, 0, 0, 0, 0x01, 0x01, 0x02, 0x01}, 8},
        {"header value -2", 1, {0x12, 0, 0, 0, 0x01, 0x01, 0x02, 0x02, 'h', 0x03}, 10},
        {"overlong ts varlong",
         1,
         {0x20, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0x01, 0x01,
          0},
         17},
        {"overlong length varint", 1, {0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 6},
        {"offset delta repeats",
         2,
         {0x0c, 0, 0, 0, 0x01, 0x01, 0, 0x0c, 0, 0, 0, 0x01, 0x01, 0},
         14},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = validate_raw(bad[i].count, bad[i].bytes, bad[i].n, why);
        if (rc != LODE_ECORRUPT)
            lode_test_fail_at(__FILE__, __LINE__, "%s: rc %d (%s)", bad[i].name, rc, why);
        else
            CHECK(why[0] != '\0');
    }
}

TEST(corrupt_header_counts_and_offsets)
{
    char why[256];
    static const uint8_t rec[] = {0x0c, 0, 0, 0, 0x01, 0x01, 0};
    lode_buf_t out = LODE_BUF_INIT;
    raw_batch(&out, -1, 0, rec, sizeof rec);
    CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), LODE_ECORRUPT);
    lode_buf_reset(&out);
    raw_batch(&out, 1, -1, rec, sizeof rec);
    CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), LODE_ECORRUPT);
    lode_buf_reset(&out);
    raw_batch(&out, INT32_MAX, INT32_MAX, rec, sizeof rec);
    CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), LODE_ECORRUPT);
    /* Base offset overflow (non-client). */
    lode_buf_reset(&out);
    raw_batch(&out, 1, 5, rec, sizeof rec);
    lode_batch_set_base_offset(out.data, INT64_MAX - 2);
    CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), LODE_ECORRUPT);
    lode_batch_set_base_offset(out.data, -1);
    CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), LODE_ECORRUPT);
    lode_batch_set_base_offset(out.data, 0);
    CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), 0); /* gap is fine */
    lode_batch_set_base_offset(out.data, -1); /* a client's base offset is not checked... */
    CHECK_EQ(validate_bytes(out.data, out.len, LODE_BATCH_V_CLIENT, why, sizeof why),
             LODE_EINVAL); /* ...but its offset range is */
    CHECK(strstr(why, "offset range") != NULL);
    /* Offset delta beyond lastOffsetDelta. */
    static const uint8_t far[] = {0x0c, 0, 0, 0x0c, 0x01, 0x01, 0};
    lode_buf_reset(&out);
    raw_batch(&out, 1, 3, far, sizeof far);
    CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), LODE_ECORRUPT);
    /* Unknown codecs 5..7. */
    for (int codec = 5; codec < 8; codec++) {
        lode_buf_reset(&out);
        raw_batch(&out, 1, 0, rec, sizeof rec);
        lode_be16_store(out.data + 21, (uint16_t)codec);
        lode_batch_update_crc(out.data, out.len);
        CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), LODE_ECORRUPT);
        CHECK(strstr(why, "compression") != NULL);
    }
    lode_buf_free(&out);
}

TEST(legacy_and_unknown_magic)
{
    lode_buf_t out = LODE_BUF_INIT;
    small_batch(&out, 0);
    lode_batch_hdr_t h;
    for (int magic = -128; magic < 128; magic++) {
        out.data[16] = (uint8_t)magic;
        int rc = lode_batch_parse_header(out.data, out.len, &h);
        if (magic == 2) {
            CHECK_EQ(rc, 0);
        } else if (magic == 0 || magic == 1) {
            CHECK_EQ(rc, LODE_EUNSUPPORTED);
            REQUIRE(h.why != NULL);
            CHECK(strstr(h.why, magic ? "v1" : "v0") != NULL);
            CHECK(strstr(h.why, "not supported") != NULL);
        } else {
            CHECK_EQ(rc, LODE_ECORRUPT);
        }
    }
    /* A real v1 message set (offset, size, crc, magic 1, attributes,
     * timestamp, key -1, value "abc"): unsupported, not corrupt. */
    static const uint8_t v1[] = {0, 0,    0,    0,    0,    0, 0, 0, 0, 0,   0,   25,
                                 0, 0,    0,    0,    1,    0, 0, 0, 0, 0,   0,   0,
                                 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 3, 'a', 'b', 'c'};
    CHECK_EQ(lode_batch_parse_header(v1, sizeof v1, &h), LODE_EUNSUPPORTED);
    /* Lengths below any format. */
    out.data[16] = 2;
    lode_be32_store(out.data + 8, 13);
    CHECK_EQ(lode_batch_parse_header(out.data, out.len, &h), LODE_ECORRUPT);
    lode_be32_store(out.data + 8, 48);
    CHECK_EQ(lode_batch_parse_header(out.data, out.len, &h), LODE_ECORRUPT);
    lode_be32_store(out.data + 8, 0x80000000u);
    CHECK_EQ(lode_batch_parse_header(out.data, out.len, &h), LODE_ECORRUPT);
    lode_buf_free(&out);
}

/* ---- sizes and decompression bounds -------------------------------------- */

TEST(batch_size_limit_and_decompression_bomb)
{
    char why[256];
    lode_buf_t out = LODE_BUF_INIT;
    small_batch(&out, 0);
    lode_batch_hdr_t h;
    REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
    lode_batch_validate_opts_t o = {.max_batch_bytes = out.len};
    CHECK_EQ(lode_batch_validate(&h, &o, NULL, why, sizeof why), 0);
    o.max_batch_bytes = out.len - 1;
    CHECK_EQ(lode_batch_validate(&h, &o, NULL, why, sizeof why), LODE_ETOOBIG);
    CHECK(strstr(why, "larger than") != NULL);

    /* 32 MiB of records compressed into a small batch; a 1 MiB bound stops
     * decompression early, for every codec. */
    lode_batch_builder_t b;
    size_t big = 0;
    static uint8_t value[1 << 16];
    for (int codec = 1; codec < NCODECS; codec++) {
        lode_batch_builder_init(&b, codec, LODE_COMPRESSION_LEVEL_DEFAULT);
        for (int i = 0; i < 512; i++)
            REQUIRE(lode_batch_builder_add(&b, 0, NULL, -1, value, sizeof value, NULL, 0) == 0);
        big = lode_batch_builder_bytes(&b);
        lode_buf_reset(&out);
        REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
        lode_batch_builder_free(&b);
        CHECK(out.len < big / 15); /* snappy expands at most ~21x */
        REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
        lode_buf_t scratch = LODE_BUF_INIT;
        lode_batch_validate_opts_t ob = {.max_uncompressed_bytes = 1 << 20, .scratch = &scratch};
        CHECK_EQ(lode_batch_validate(&h, &ob, NULL, why, sizeof why), LODE_ETOOBIG);
        CHECK(strstr(why, "decompressed") != NULL);
        CHECK(scratch.cap <= (2u << 20) + 2);
        ob.max_uncompressed_bytes = big;
        CHECK_EQ(lode_batch_validate(&h, &ob, NULL, why, sizeof why), 0);
        lode_buf_free(&scratch);
    }
    lode_buf_free(&out);
}

TEST(xerial_snappy_records_in_a_batch)
{
    /* Build uncompressed, then rewrite the records as snappy-java's framing,
     * as a Java producer would send them. */
    uint64_t rng = lode_test_seed() ^ 12;
    pool_init(&rng);
    mrec_t recs[50];
    gen_records(&rng, recs, 50, 5000);
    lode_buf_t plain = LODE_BUF_INIT, out = LODE_BUF_INIT, scratch = LODE_BUF_INIT;
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    build(&b, recs, 50, &plain);
    lode_batch_builder_free(&b);
    lode_buf_put(&out, plain.data, LODE_BATCH_HEADER_BYTES);
    static const uint8_t xhdr[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
    lode_buf_put(&out, xhdr, sizeof xhdr);
    size_t nrec = plain.len - LODE_BATCH_HEADER_BYTES;
    for (size_t pos = 0; pos < nrec; pos += 1000) { /* 1000-byte chunks */
        size_t len = nrec - pos < 1000 ? nrec - pos : 1000;
        size_t cap = snappy_max_compressed_length(len);
        size_t lenpos = out.len;
        lode_buf_extend(&out, 4);
        lode_buf_reserve(&out, cap);
        REQUIRE(snappy_compress((const char *)plain.data + LODE_BATCH_HEADER_BYTES + pos, len,
                                (char *)out.data + out.len, &cap) == SNAPPY_OK);
        out.len += cap;
        lode_be32_store(out.data + lenpos, (uint32_t)cap);
    }
    lode_be32_store(out.data + 8, (uint32_t)(out.len - 12));
    lode_be16_store(out.data + 21, LODE_COMPRESSION_SNAPPY);
    lode_batch_update_crc(out.data, out.len);
    lode_batch_hdr_t h;
    REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
    check_against_model(&h, recs, 50, 0, &scratch, NULL);
    lode_buf_free(&plain);
    lode_buf_free(&out);
    lode_buf_free(&scratch);
}

/* ---- Kafka's client rules ------------------------------------------------------ */

TEST(client_rules)
{
    char why[256];
    lode_buf_t out = LODE_BUF_INIT;
    lode_batch_builder_t b;
    const unsigned C = LODE_BATCH_V_CLIENT;

    /* Control batch from a client. */
    lode_batch_build_txn_marker(&out, 0, 0, 5, 1, true, 3, 100);
    CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), 0);
    CHECK_EQ(validate_bytes(out.data, out.len, C, why, sizeof why), LODE_EINVAL);
    CHECK(strstr(why, "control") != NULL);

    /* Idempotent batch with sequence -1; epoch -1; transactional without pid. */
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    REQUIRE(lode_batch_builder_add(&b, 1, "k", 1, "v", 1, NULL, 0) == 0);
    lode_batch_builder_set_producer(&b, 7, 0, -1);
    lode_buf_reset(&out);
    REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
    CHECK_EQ(validate_bytes(out.data, out.len, C, why, sizeof why), LODE_EINVAL);
    CHECK(strstr(why, "sequence") != NULL);
    CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), 0);
    lode_batch_builder_set_producer(&b, 7, -1, 0);
    lode_buf_reset(&out);
    REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
    CHECK_EQ(validate_bytes(out.data, out.len, C, why, sizeof why), LODE_EINVAL);
    lode_batch_builder_set_producer(&b, 7, 0, 0);
    lode_buf_reset(&out);
    REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
    CHECK_EQ(validate_bytes(out.data, out.len, C, why, sizeof why), 0);
    lode_batch_builder_set_producer(&b, -5, -1, -1);
    lode_buf_reset(&out);
    REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
    CHECK_EQ(validate_bytes(out.data, out.len, C, why, sizeof why), LODE_EINVAL);
    lode_batch_builder_set_producer(&b, -1, -1, -1);
    b.transactional = true;
    lode_buf_reset(&out);
    REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
    CHECK_EQ(validate_bytes(out.data, out.len, C, why, sizeof why), LODE_EINVAL);
    CHECK(strstr(why, "producer id") != NULL);
    b.transactional = false;

    /* LogAppendTime from a producer. */
    lode_batch_builder_set_log_append_time(&b, 999);
    lode_buf_reset(&out);
    REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
    CHECK_EQ(validate_bytes(out.data, out.len, C, why, sizeof why), LODE_ERANGE);
    CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), 0);
    lode_batch_builder_free(&b);

    /* Gaps in offsets (compaction output): fine for the log, not from a client. */
    lode_batch_builder_init(&b, LODE_COMPRESSION_LZ4, LODE_COMPRESSION_LEVEL_DEFAULT);
    REQUIRE(lode_batch_builder_add_at(&b, 0, 1, "a", 1, "1", 1, NULL, 0) == 0);
    REQUIRE(lode_batch_builder_add_at(&b, 3, 2, "b", 1, "2", 1, NULL, 0) == 0);
    lode_buf_reset(&out);
    REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
    lode_batch_builder_free(&b);
    CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), 0);
    CHECK_EQ(validate_bytes(out.data, out.len, C, why, sizeof why), LODE_EINVAL);

    /* Record deltas not 0..n-1 though lastOffsetDelta matches the count. */
    static const uint8_t recs[] = {0x0c, 0, 0, 2, 0x01, 0x01, 0, 0x0c, 0, 0, 0, 0x01, 0x01, 0};
    lode_buf_reset(&out);
    raw_batch(&out, 2, 1, recs, sizeof recs);
    CHECK_EQ(validate_bytes(out.data, out.len, C, why, sizeof why), LODE_EINVAL);
    CHECK(strstr(why, "numbered") != NULL);

    /* No records at all. */
    lode_buf_reset(&out);
    raw_batch(&out, 0, 0, NULL, 0);
    CHECK_EQ(validate_bytes(out.data, out.len, 0, why, sizeof why), 0);
    CHECK_EQ(validate_bytes(out.data, out.len, C, why, sizeof why), LODE_EINVAL);

    /* Delete horizon from a producer. */
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    REQUIRE(lode_batch_builder_set_delete_horizon(&b, 500) == 0);
    REQUIRE(lode_batch_builder_add(&b, 1000, "k", 1, NULL, -1, NULL, 0) == 0);
    lode_buf_reset(&out);
    REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
    lode_batch_builder_free(&b);
    CHECK_EQ(validate_bytes(out.data, out.len, C, why, sizeof why), LODE_EINVAL);
    lode_batch_hdr_t h;
    REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
    CHECK(lode_batch_has_delete_horizon(&h));
    CHECK_EQ(h.base_timestamp, 500);
    lode_record_iter_t it;
    lode_record_t rec;
    lode_record_iter_init(&it, &h, h.records, h.records_bytes);
    REQUIRE(lode_record_iter_next(&it, &rec));
    CHECK_EQ(rec.timestamp, 1000); /* relative to the horizon */
    CHECK_EQ(rec.timestamp_delta, 500);
    lode_buf_free(&out);
}

TEST(keys_and_timestamps)
{
    char why[256];
    lode_buf_t out = LODE_BUF_INIT;
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_GZIP, LODE_COMPRESSION_LEVEL_DEFAULT);
    REQUIRE(lode_batch_builder_add(&b, 1000, "k", 1, "v", 1, NULL, 0) == 0);
    REQUIRE(lode_batch_builder_add(&b, -1, "k", 1, "v", 1, NULL, 0) == 0); /* no timestamp */
    REQUIRE(lode_batch_builder_add(&b, 3000, "k", 1, "v", 1, NULL, 0) == 0);
    REQUIRE(lode_batch_builder_add(&b, 2000, NULL, -1, "v", 1, NULL, 0) == 0);
    REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
    lode_batch_builder_free(&b);
    lode_batch_hdr_t h;
    REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
    CHECK_EQ(h.max_timestamp, 3000);
    lode_batch_validate_opts_t o = {.flags = LODE_BATCH_V_CLIENT};
    lode_batch_info_t info;
    CHECK_EQ(lode_batch_validate(&h, &o, &info, why, sizeof why), 0);
    CHECK_EQ(info.max_timestamp, 3000);
    CHECK_EQ(info.max_timestamp_delta, 2);
    o.flags |= LODE_BATCH_V_REQUIRE_KEYS;
    CHECK_EQ(lode_batch_validate(&h, &o, &info, why, sizeof why), LODE_EINVAL);
    CHECK(strstr(why, "key") != NULL);
    o.flags = LODE_BATCH_V_CLIENT | LODE_BATCH_V_TIMESTAMPS;
    o.min_timestamp = 1000;
    o.max_timestamp = 3000;
    CHECK_EQ(lode_batch_validate(&h, &o, &info, why, sizeof why), 0); /* -1 exempt */
    o.max_timestamp = 2999;
    CHECK_EQ(lode_batch_validate(&h, &o, &info, why, sizeof why), LODE_ERANGE);
    CHECK(strstr(why, "3000") != NULL);
    o.max_timestamp = 5000;
    o.min_timestamp = 1001;
    CHECK_EQ(lode_batch_validate(&h, &o, &info, why, sizeof why), LODE_ERANGE);

    /* A wrong maxTimestamp: accepted (the broker rewrites it) unless strict. */
    lode_be64_store(out.data + 35, 2500);
    lode_batch_update_crc(out.data, out.len);
    REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
    o.flags = LODE_BATCH_V_CLIENT;
    CHECK_EQ(lode_batch_validate(&h, &o, &info, why, sizeof why), 0);
    CHECK_EQ(info.max_timestamp, 3000);
    o.flags |= LODE_BATCH_V_STRICT_MAX_TIMESTAMP;
    CHECK_EQ(lode_batch_validate(&h, &o, &info, why, sizeof why), LODE_ECORRUPT);
    lode_buf_free(&out);
}

/* ---- in-place rewrites ----------------------------------------------------------- */

TEST(set_max_timestamp_and_log_append_time)
{
    lode_buf_t out = LODE_BUF_INIT;
    small_batch(&out, LODE_COMPRESSION_SNAPPY);
    lode_batch_hdr_t h;
    REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
    uint8_t *copy = malloc(out.len);
    memcpy(copy, out.data, out.len);
    /* Unchanged values: nothing is written. */
    lode_batch_set_max_timestamp(out.data, out.len, LODE_TIMESTAMP_CREATE_TIME, h.max_timestamp);
    CHECK_MEMEQ(copy, out.data, out.len);
    /* LogAppendTime: bit 3, new max, CRC recomputed; records read the max. */
    lode_batch_set_max_timestamp(out.data, out.len, LODE_TIMESTAMP_LOG_APPEND_TIME, 777777);
    REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
    CHECK(lode_batch_verify_crc(&h));
    CHECK_EQ(lode_batch_timestamp_type(&h), LODE_TIMESTAMP_LOG_APPEND_TIME);
    CHECK_EQ(h.max_timestamp, 777777);
    CHECK_EQ(lode_batch_compression(&h), LODE_COMPRESSION_SNAPPY);
    char why[256];
    lode_buf_t scratch = LODE_BUF_INIT;
    lode_batch_validate_opts_t o = {.scratch = &scratch};
    lode_batch_info_t info;
    CHECK_EQ(lode_batch_validate(&h, &o, &info, why, sizeof why), 0);
    CHECK_EQ(info.max_timestamp, 777777);
    lode_record_iter_t it;
    lode_record_t rec;
    lode_record_iter_init(&it, &h, info.records, info.uncompressed_bytes);
    int n = 0;
    while (lode_record_iter_next(&it, &rec)) {
        CHECK_EQ(rec.timestamp, 777777);
        n++;
    }
    CHECK_EQ(n, 5);
    /* And back to CreateTime. */
    lode_batch_set_max_timestamp(out.data, out.len, LODE_TIMESTAMP_CREATE_TIME, 1004);
    CHECK_MEMEQ(copy, out.data, out.len);
    free(copy);
    lode_buf_free(&out);
    lode_buf_free(&scratch);
}

/* ---- many batches ------------------------------------------------------------------ */

TEST(batch_iterator_and_partial_tail)
{
    uint64_t rng = lode_test_seed() ^ 13;
    lode_buf_t all = LODE_BUF_INIT;
    size_t ends[10];
    for (int i = 0; i < 10; i++) {
        small_batch(&all, (int)(lode_test_rand(&rng) % NCODECS));
        lode_batch_set_base_offset(all.data + (i ? ends[i - 1] : 0), i * 5);
        ends[i] = all.len;
    }
    lode_batch_iter_t it;
    lode_batch_hdr_t h;
    for (size_t cut = ends[8]; cut <= all.len; cut++) {
        lode_batch_iter_init(&it, all.data, cut);
        int n = 0;
        while (lode_batch_iter_next(&it, &h)) {
            CHECK_EQ(h.base_offset, n * 5);
            CHECK(lode_batch_verify_crc(&h));
            n++;
        }
        CHECK_EQ(it.err, 0);
        if (cut == all.len) {
            CHECK_EQ(n, 10);
            CHECK_EQ(it.partial_bytes, 0);
        } else if (cut == ends[8]) {
            CHECK_EQ(n, 9);
            CHECK_EQ(it.partial_bytes, 0);
        } else {
            CHECK_EQ(n, 9);
            CHECK_EQ(it.partial_bytes, cut - ends[8]);
            CHECK_EQ(it.pos, ends[8]);
        }
        CHECK(!lode_batch_iter_next(&it, &h)); /* stays stopped */
    }
    /* A legacy batch in the middle stops the walk with the reason. */
    all.data[ends[4] + 16] = 1;
    lode_batch_iter_init(&it, all.data, all.len);
    int n = 0;
    while (lode_batch_iter_next(&it, &h))
        n++;
    CHECK_EQ(n, 5);
    CHECK_EQ(it.err, LODE_EUNSUPPORTED);
    CHECK(it.why != NULL);
    /* A garbage length too. */
    all.data[ends[4] + 16] = 2;
    lode_be32_store(all.data + ends[2] + 8, 3);
    lode_batch_iter_init(&it, all.data, all.len);
    n = 0;
    while (lode_batch_iter_next(&it, &h))
        n++;
    CHECK_EQ(n, 3);
    CHECK_EQ(it.err, LODE_ECORRUPT);
    /* Empty input. */
    lode_batch_iter_init(&it, NULL, 0);
    CHECK(!lode_batch_iter_next(&it, &h));
    CHECK_EQ(it.err, 0);
    CHECK_EQ(it.partial_bytes, 0);
    lode_buf_free(&all);
}

/* ---- control records ---------------------------------------------------------------- */

TEST(transaction_markers)
{
    lode_buf_t out = LODE_BUF_INIT;
    for (int commit = 0; commit < 2; commit++) {
        lode_buf_reset(&out);
        REQUIRE(lode_batch_build_txn_marker(&out, 77, 4, 1000, 2, commit, 9, 123456) == 0);
        lode_batch_hdr_t h;
        REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
        CHECK(lode_batch_is_control(&h));
        CHECK(lode_batch_is_transactional(&h));
        CHECK_EQ(h.base_offset, 77);
        CHECK_EQ(h.partition_leader_epoch, 4);
        CHECK_EQ(h.producer_id, 1000);
        CHECK_EQ(h.producer_epoch, 2);
        CHECK_EQ(h.base_sequence, -1);
        CHECK_EQ(h.records_count, 1);
        CHECK_EQ(h.max_timestamp, 123456);
        char why[256];
        CHECK_EQ(lode_batch_validate(&h, NULL, NULL, why, sizeof why), 0);
        lode_record_iter_t it;
        lode_record_t rec;
        lode_record_iter_init(&it, &h, h.records, h.records_bytes);
        REQUIRE(lode_record_iter_next(&it, &rec));
        int16_t version, type;
        CHECK_EQ(lode_control_key_parse(&rec, &version, &type), 0);
        CHECK_EQ(version, 0);
        CHECK_EQ(type, commit ? LODE_CONTROL_COMMIT : LODE_CONTROL_ABORT);
        bool c;
        int32_t epoch;
        CHECK_EQ(lode_txn_marker_parse(&rec, &c, &epoch), 0);
        CHECK_EQ(c, commit);
        CHECK_EQ(epoch, 9);
        /* Exact bytes of the control record key and value (Kafka's layout). */
        CHECK_EQ(rec.key_len, 4);
        CHECK_MEMEQ(rec.key, commit ? "\0\0\0\1" : "\0\0\0\0", 4);
        CHECK_EQ(rec.value_len, 6);
        CHECK_MEMEQ(rec.value, "\0\0\0\0\0\x09", 6);
    }
    lode_buf_free(&out);
}

/* A control batch with one record of the given key and value. */
static int control_batch(bool transactional, const void *key, int32_t klen, const void *value,
                         int32_t vlen)
{
    lode_buf_t out = LODE_BUF_INIT;
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    b.control = true;
    b.transactional = transactional;
    lode_batch_builder_set_producer(&b, 1, 0, -1);
    REQUIRE(lode_batch_builder_add(&b, 1, key, klen, value, vlen, NULL, 0) == 0);
    REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
    lode_batch_builder_free(&b);
    char why[256];
    int rc = validate_bytes(out.data, out.len, 0, why, sizeof why);
    lode_buf_free(&out);
    return rc;
}

TEST(control_record_checks)
{
    const uint8_t commit_key[4] = {0, 0, 0, 1}, leader_key[4] = {0, 0, 0, 2};
    const uint8_t neg_version[4] = {0xff, 0xff, 0, 1}, value[6] = {0, 0, 0, 0, 0, 1};
    const uint8_t neg_value[6] = {0x80, 0, 0, 0, 0, 1};
    CHECK_EQ(control_batch(true, commit_key, 4, value, 6), 0);
    CHECK_EQ(control_batch(false, commit_key, 4, value, 6), LODE_ECORRUPT);
    CHECK_EQ(control_batch(true, commit_key, 3, value, 6), LODE_ECORRUPT);
    CHECK_EQ(control_batch(true, NULL, -1, value, 6), LODE_ECORRUPT);
    CHECK_EQ(control_batch(true, neg_version, 4, value, 6), LODE_ECORRUPT);
    CHECK_EQ(control_batch(true, commit_key, 4, value, 5), LODE_ECORRUPT);
    CHECK_EQ(control_batch(true, commit_key, 4, NULL, -1), LODE_ECORRUPT);
    CHECK_EQ(control_batch(true, commit_key, 4, neg_value, 6), LODE_ECORRUPT);
    /* KRaft control records need no transaction; longer keys are fine. */
    CHECK_EQ(control_batch(false, leader_key, 4, "anything", 8), 0);
    const uint8_t long_key[6] = {0, 1, 0, 3, 9, 9};
    CHECK_EQ(control_batch(false, long_key, 6, NULL, -1), 0);
}

/* ---- robustness ------------------------------------------------------------------- */

TEST(random_mutations_never_crash)
{
    uint64_t rng = lode_test_seed() ^ 14;
    pool_init(&rng);
    mrec_t recs[30];
    lode_buf_t scratch = LODE_BUF_INIT;
    lode_codec_ctx_t *ctx = lode_codec_ctx_new();
    int accepted = 0, total = 0;
    for (int codec = 0; codec < NCODECS; codec++) {
        gen_records(&rng, recs, 30, 1000);
        lode_buf_t out = LODE_BUF_INIT;
        lode_batch_builder_t b;
        lode_batch_builder_init(&b, codec, LODE_COMPRESSION_LEVEL_DEFAULT);
        build(&b, recs, 30, &out);
        lode_batch_builder_free(&b);
        uint8_t *m = malloc(out.len);
        for (int iter = 0; iter < 3000; iter++) {
            memcpy(m, out.data, out.len);
            int flips = 1 + (int)(lode_test_rand(&rng) % 3);
            for (int f = 0; f < flips; f++) {
                size_t at = 21 + lode_test_rand(&rng) % (out.len - 21);
                m[at] = (uint8_t)lode_test_rand(&rng);
            }
            lode_batch_update_crc(m, out.len); /* get past the CRC */
            lode_batch_hdr_t h;
            if (lode_batch_parse_header(m, out.len, &h) != 0)
                continue;
            lode_batch_validate_opts_t o = {.scratch = &scratch, .codec = ctx};
            lode_batch_info_t info;
            char why[256];
            total++;
            int rc = lode_batch_validate(&h, &o, &info, why, sizeof why);
            if (rc != 0) {
                CHECK(why[0] != '\0');
                continue;
            }
            accepted++;
            /* Whatever validated iterates cleanly to exactly its count. */
            lode_record_iter_t it;
            lode_record_t rec;
            lode_record_iter_init(&it, &h, info.records, info.uncompressed_bytes);
            int n = 0;
            while (lode_record_iter_next(&it, &rec)) {
                lode_header_iter_t hi;
                lode_header_t hd;
                lode_header_iter_init(&hi, &rec);
                int k = 0;
                while (lode_header_iter_next(&hi, &hd))
                    k++;
                CHECK_EQ(k, rec.header_count);
                n++;
            }
            CHECK_EQ(it.err, 0);
            CHECK_EQ(n, h.records_count);
        }
        free(m);
        lode_buf_free(&out);
    }
    CHECK(total > 10000);
    CHECK(accepted < total);
    lode_buf_free(&scratch);
    lode_codec_ctx_free(ctx);
}

TEST(records_helper_uses_scratch)
{
    lode_buf_t out = LODE_BUF_INIT, scratch = LODE_BUF_INIT;
    small_batch(&out, LODE_COMPRESSION_NONE);
    lode_batch_hdr_t h;
    REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
    const uint8_t *r;
    size_t n;
    CHECK_EQ(lode_batch_records(&h, NULL, 10, &scratch, &r, &n), 0); /* no bound when plain */
    CHECK(r == h.records);
    CHECK_EQ(n, h.records_bytes);
    lode_buf_reset(&out);
    small_batch(&out, LODE_COMPRESSION_ZSTD);
    REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
    CHECK_EQ(lode_batch_records(&h, NULL, 1 << 20, &scratch, &r, &n), 0);
    CHECK(r == scratch.data);
    CHECK_EQ(n, scratch.len);
    CHECK_EQ(lode_batch_records(&h, NULL, 10, &scratch, &r, &n), LODE_ETOOBIG);
    lode_buf_free(&out);
    lode_buf_free(&scratch);
}
