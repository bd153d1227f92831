/*
 * Protocol codecs on bytes written by hand from Kafka's protocol guide, and on
 * hostile input: truncations, negative and oversized lengths, absurd counts,
 * unknown versions. Every failure must be clean.
 */
#include <stdlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "proto/gen/ApiVersionsRequest.h"
#include "proto/gen/ApiVersionsResponse.h"
#include "proto/gen/ConsumerGroupMemberMetadataValue.h"
#include "proto/gen/DescribeTopicPartitionsRequest.h"
#include "proto/gen/MetadataRequest.h"
#include "proto/gen/ProduceRequest.h"
#include "proto/gen/RequestHeader.h"
#include "proto/gen/api_table.h"
#include "proto/header.h"
#include "proto/kerr.h"
#include "test.h"

TEST(header_versions_follow_kafka)
{
    CHECK_EQ(lode_request_header_version(LODE_API_API_VERSIONS, 0), 1);
    CHECK_EQ(lode_request_header_version(LODE_API_API_VERSIONS, 3), 2);
    CHECK_EQ(lode_response_header_version(LODE_API_API_VERSIONS, 3), 0); /* always v0 */
    CHECK_EQ(lode_request_header_version(LODE_API_PRODUCE, 8), 1);
    CHECK_EQ(lode_request_header_version(LODE_API_PRODUCE, 9), 2);
    CHECK_EQ(lode_response_header_version(LODE_API_PRODUCE, 9), 1);
    CHECK_EQ(lode_response_header_version(LODE_API_FETCH, 11), 0);
    CHECK_EQ(lode_response_header_version(LODE_API_FETCH, 12), 1);
    CHECK_EQ(lode_request_header_version(LODE_API_METADATA, 9), 2);
    CHECK_EQ(lode_request_header_version(LODE_API_FETCH, 12), 2);
    CHECK_EQ(lode_request_header_version(LODE_API_FETCH, 11), 1);
    /* ControlledShutdown v0: a header without client id */
    CHECK_EQ(lode_request_header_version(LODE_API_CONTROLLED_SHUTDOWN, 0), 0);
    CHECK_EQ(lode_request_header_version(LODE_API_CONTROLLED_SHUTDOWN, 1), 1);
    CHECK_EQ(lode_request_header_version(LODE_API_CONTROLLED_SHUTDOWN, 3), 2);
    CHECK_EQ(lode_response_header_version(LODE_API_CONTROLLED_SHUTDOWN, 0), 0);
    CHECK_EQ(lode_response_header_version(LODE_API_CONTROLLED_SHUTDOWN, 3), 1);
    CHECK_EQ(lode_response_header_version(LODE_API_API_VERSIONS, 0), 0);
    CHECK_EQ(lode_request_header_version(999, 0), -1);
    CHECK_EQ(lode_request_header_version(-1, 0), -1);
    CHECK_EQ(lode_request_header_version(LODE_API_METADATA, 99), -1);
    const lode_api_info_t *p = lode_api_info(LODE_API_PRODUCE);
    REQUIRE(p);
    CHECK_STREQ(p->name, "Produce");
    CHECK_EQ(p->request->first_flexible, 9);
    CHECK_STREQ(lode_kerr_name(LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION), "UNKNOWN_TOPIC_OR_PARTITION");
    CHECK_STREQ(lode_kerr_name(-1), "UNKNOWN_SERVER_ERROR");
    CHECK_STREQ(lode_kerr_name(9999), "UNKNOWN");
    CHECK(lode_kerr_retriable(LODE_KERR_NOT_LEADER_OR_FOLLOWER));
    CHECK(!lode_kerr_retriable(LODE_KERR_TOPIC_AUTHORIZATION_FAILED));
}

/* Metadata v4 request with header v1, written by hand:
 * key 3, version 4, correlation 7, client "kcat"; topics ["t1"], auto-create. */
static const uint8_t metadata_v4[] = {0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07,
                                      0x00, 0x04, 'k',  'c',  'a',  't',  0x00, 0x00,
                                      0x00, 0x01, 0x00, 0x02, 't',  '1',  0x01};

TEST(hand_written_metadata_v4)
{
    lode_arena_t a;
    lode_arena_init(&a, 0);
    lode_reader_t r;
    lode_reader_init(&r, metadata_v4, sizeof metadata_v4);
    lode_req_header_t h;
    REQUIRE(lode_req_header_parse(&r, &h, &a) == 0);
    CHECK(h.api_key == 3 && h.api_version == 4 && h.correlation_id == 7 && h.header_version == 1);
    CHECK(lode_str_eq_c(&h.client_id, "kcat"));
    MetadataRequest m;
    REQUIRE(MetadataRequest_decode(&m, 4, &r, &a) == 0);
    CHECK_EQ(lode_reader_remaining(&r), 0);
    REQUIRE(m.Topics_count == 1);
    CHECK(lode_str_eq_c(&m.Topics[0].Name, "t1"));
    CHECK(m.AllowAutoTopicCreation);
    /* re-encoding gives the same body bytes */
    lode_buf_t out = LODE_BUF_INIT;
    REQUIRE(MetadataRequest_encode(&m, 4, &out) == 0);
    CHECK_EQ(out.len, sizeof metadata_v4 - 14);
    CHECK_MEMEQ(out.data, metadata_v4 + 14, out.len);
    lode_buf_free(&out);
    lode_arena_free(&a);
}

/* ApiVersions v3 (flexible) with header v2: the client id stays an int16
 * string; the body uses compact strings and tagged-field sections. */
static const uint8_t apiversions_v3[] = {
    0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a, /* key 18, v3, corr 42 */
    0x00, 0x03, 'a',  'b',  'c',                    /* client id "abc" */
    0x00,                                           /* header tagged fields */
    0x05, 'l',  'o',  'd',  'e',                    /* ClientSoftwareName (len+1) */
    0x04, '1',  '.',  '0',                          /* ClientSoftwareVersion */
    0x00,                                           /* body tagged fields */
};

TEST(hand_written_apiversions_v3)
{
    lode_arena_t a;
    lode_arena_init(&a, 0);
    lode_reader_t r;
    lode_reader_init(&r, apiversions_v3, sizeof apiversions_v3);
    lode_req_header_t h;
    REQUIRE(lode_req_header_parse(&r, &h, &a) == 0);
    CHECK(h.api_key == 18 && h.api_version == 3 && h.correlation_id == 42 && h.header_version == 2);
    CHECK(lode_str_eq_c(&h.client_id, "abc"));
    ApiVersionsRequest m;
    REQUIRE(ApiVersionsRequest_decode(&m, 3, &r, &a) == 0);
    CHECK(lode_str_eq_c(&m.ClientSoftwareName, "lode"));
    CHECK(lode_str_eq_c(&m.ClientSoftwareVersion, "1.0"));
    CHECK_EQ(lode_reader_remaining(&r), 0);
    /* an ApiVersions with a version we do not know still yields the header */
    uint8_t future[sizeof apiversions_v3];
    memcpy(future, apiversions_v3, sizeof future);
    future[3] = 99;
    lode_reader_init(&r, future, sizeof future);
    CHECK_EQ(lode_req_header_parse(&r, &h, &a), LODE_EUNSUPPORTED);
    CHECK(h.api_version == 99 && h.correlation_id == 42);
    /* an unknown API does not */
    future[1] = 0x7f;
    lode_reader_init(&r, future, sizeof future);
    CHECK_EQ(lode_req_header_parse(&r, &h, &a), LODE_EUNSUPPORTED);
    CHECK_EQ(h.header_version, -1);
    lode_arena_free(&a);
}

static int decode_meta(const uint8_t *p, size_t n, int16_t v)
{
    lode_arena_t a;
    lode_arena_init(&a, 0);
    lode_reader_t r;
    lode_reader_init(&r, p, n);
    MetadataRequest m;
    int rc = MetadataRequest_decode(&m, v, &r, &a);
    lode_arena_free(&a);
    return rc;
}

TEST(hostile_lengths_and_counts)
{
    const uint8_t *body = metadata_v4 + 14;
    size_t n = sizeof metadata_v4 - 14;
    for (size_t cut = 0; cut < n; cut++)
        CHECK(decode_meta(body, cut, 4) != 0);
    /* absurd array count with 4 bytes behind it: rejected before allocating */
    uint8_t absurd[] = {0x7f, 0xff, 0xff, 0xff, 0x00, 0x02, 't', '1', 0x01};
    CHECK_EQ(decode_meta(absurd, sizeof absurd, 4), LODE_ECORRUPT);
    /* negative count other than -1 */
    uint8_t negcount[] = {0xff, 0xff, 0xff, 0xfe, 0x01};
    CHECK_EQ(decode_meta(negcount, sizeof negcount, 4), LODE_ECORRUPT);
    /* -1 (null topics) is fine from v1 on, not in v0 */
    uint8_t nulltopics[] = {0xff, 0xff, 0xff, 0xff, 0x01};
    CHECK_EQ(decode_meta(nulltopics, sizeof nulltopics, 4), 0);
    CHECK_EQ(decode_meta(nulltopics, 4, 0), LODE_ECORRUPT);
    /* a string length past the end */
    uint8_t longstr[] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x40, 't', '1', 0x01};
    CHECK_EQ(decode_meta(longstr, sizeof longstr, 4), LODE_ETRUNC);
    /* a negative string length (not -1) */
    uint8_t negstr[] = {0x00, 0x00, 0x00, 0x01, 0xff, 0xf0, 0x01};
    CHECK_EQ(decode_meta(negstr, sizeof negstr, 4), LODE_ECORRUPT);
    /* null for a non-nullable topic name (nullable only from v10) */
    uint8_t nullname[] = {0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0x01};
    CHECK_EQ(decode_meta(nullname, sizeof nullname, 4), LODE_ECORRUPT);
    /* compact (v9+): an over-long varint count */
    uint8_t overlong[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00};
    CHECK_EQ(decode_meta(overlong, sizeof overlong, 9), LODE_ECORRUPT);
    /* compact count far beyond the bytes present */
    uint8_t bigcompact[] = {0xff, 0xff, 0xff, 0x07, 0x00, 0x00, 0x00, 0x00};
    CHECK_EQ(decode_meta(bigcompact, sizeof bigcompact, 9), LODE_ECORRUPT);
    /* versions out of range */
    CHECK_EQ(decode_meta(body, n, 99), LODE_EUNSUPPORTED);
    CHECK_EQ(decode_meta(body, n, -1), LODE_EUNSUPPORTED);
}

TEST(encode_refuses_what_a_version_cannot_carry)
{
    MetadataRequest m;
    MetadataRequest_init(&m);
    CHECK(m.AllowAutoTopicCreation); /* schema default true */
    lode_buf_t out = LODE_BUF_INIT;
    CHECK_EQ(MetadataRequest_encode(&m, 3, &out), 0); /* default: fine */
    lode_buf_reset(&out);
    m.AllowAutoTopicCreation = false; /* v4+ and not ignorable */
    CHECK_EQ(MetadataRequest_encode(&m, 3, &out), LODE_EUNSUPPORTED);
    CHECK_EQ(out.len, 0);
    CHECK_EQ(MetadataRequest_encode(&m, 4, &out), 0);
    lode_buf_reset(&out);
    CHECK_EQ(MetadataRequest_encode(&m, 77, &out), LODE_EUNSUPPORTED);
    /* a null where the version forbids it */
    MetadataRequest_init(&m);
    m.Topics_count = -1;
    CHECK_EQ(MetadataRequest_encode(&m, 0, &out), LODE_EINVAL);
    CHECK_EQ(MetadataRequest_encode(&m, 1, &out), 0);
    lode_buf_free(&out);
}

/* Request headers v1 and v2, by hand: key 18, correlation 42, client "abc". */
static const uint8_t header_v1[] = {0x00, 0x12, 0x00, 0x02, 0x00, 0x00, 0x00, 0x2a,
                                    0x00, 0x03, 'a',  'b',  'c'};
static const uint8_t header_v2[] = {0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a,
                                    0x00, 0x03, 'a',  'b',  'c',  0x00};

TEST(hand_written_request_headers)
{
    lode_arena_t a;
    lode_arena_init(&a, 0);
    lode_reader_t r;
    RequestHeader h;

    lode_reader_init(&r, header_v1, sizeof header_v1);
    REQUIRE(RequestHeader_decode(&h, 1, &r, &a) == 0);
    CHECK_EQ(h.RequestApiKey, 18);
    CHECK_EQ(h.RequestApiVersion, 2);
    CHECK_EQ(h.CorrelationId, 42);
    CHECK(lode_str_eq_c(&h.ClientId, "abc"));
    CHECK_EQ(lode_reader_remaining(&r), 0);

    /* v2: the client id is still an int16 string, then tagged fields */
    lode_reader_init(&r, header_v2, sizeof header_v2);
    REQUIRE(RequestHeader_decode(&h, 2, &r, &a) == 0);
    CHECK_EQ(h.RequestApiVersion, 3);
    CHECK(lode_str_eq_c(&h.ClientId, "abc"));
    CHECK_EQ(lode_reader_remaining(&r), 0);

    /* writing picks the header version from the API version */
    lode_str_t abc = lode_str_lit("abc");
    lode_buf_t out = LODE_BUF_INIT;
    REQUIRE(lode_req_header_write(&out, 18, 2, 42, &abc) == 0);
    CHECK_EQ(out.len, sizeof header_v1);
    CHECK_MEMEQ(out.data, header_v1, sizeof header_v1);
    lode_buf_reset(&out);
    REQUIRE(lode_req_header_write(&out, 18, 3, 42, &abc) == 0);
    CHECK_EQ(out.len, sizeof header_v2);
    CHECK_MEMEQ(out.data, header_v2, sizeof header_v2);
    lode_buf_reset(&out);
    CHECK_EQ(lode_req_header_write(&out, 18, 99, 42, &abc), LODE_EUNSUPPORTED);
    CHECK_EQ(out.len, 0);

    /* a null client id is int16 -1 */
    REQUIRE(lode_req_header_write(&out, 18, 2, 42, NULL) == 0);
    static const uint8_t null_id[] = {0x00, 0x12, 0x00, 0x02, 0x00, 0x00, 0x00, 0x2a, 0xff, 0xff};
    CHECK_EQ(out.len, sizeof null_id);
    CHECK_MEMEQ(out.data, null_id, sizeof null_id);
    lode_reader_init(&r, null_id, sizeof null_id);
    lode_req_header_t rh;
    REQUIRE(lode_req_header_parse(&r, &rh, &a) == 0);
    CHECK(lode_str_is_null(&rh.client_id));

    /* ControlledShutdown v0 has no client id at all */
    lode_buf_reset(&out);
    REQUIRE(lode_req_header_write(&out, LODE_API_CONTROLLED_SHUTDOWN, 0, 7, &abc) == 0);
    static const uint8_t cs_v0[] = {0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07};
    CHECK_EQ(out.len, sizeof cs_v0);
    CHECK_MEMEQ(out.data, cs_v0, sizeof cs_v0);
    lode_reader_init(&r, cs_v0, sizeof cs_v0);
    REQUIRE(lode_req_header_parse(&r, &rh, &a) == 0);
    CHECK(rh.header_version == 0 && rh.correlation_id == 7 && lode_str_is_null(&rh.client_id));

    /* response headers */
    lode_buf_reset(&out);
    lode_resp_header_write(&out, 42, 1);
    static const uint8_t resp_v1[] = {0x00, 0x00, 0x00, 0x2a, 0x00};
    CHECK_EQ(out.len, sizeof resp_v1);
    CHECK_MEMEQ(out.data, resp_v1, sizeof resp_v1);
    int32_t corr = 0;
    lode_reader_init(&r, resp_v1, sizeof resp_v1);
    CHECK_EQ(lode_resp_header_parse(&r, 1, &corr), 0);
    CHECK_EQ(corr, 42);
    CHECK_EQ(lode_reader_remaining(&r), 0);
    lode_buf_free(&out);
    lode_arena_free(&a);
}

/* ApiVersionsResponse v3 with tagged fields written by hand, one of them
 * unknown (tag 9): known tags decode into the struct, the unknown one is
 * skipped, and re-encoding writes the known ones in tag order. */
static const uint8_t apiversions_resp_v3[] = {
    0x00, 0x00,                               /* ErrorCode */
    0x02,                                     /* ApiKeys: 1 element (count + 1) */
    0x00, 0x12, 0x00, 0x00, 0x00, 0x04, 0x00, /* 18, 0..4, no tags */
    0x00, 0x00, 0x00, 0x00,                   /* ThrottleTimeMs */
    0x04,                                     /* 4 tagged fields */
    0x00, 0x09,                               /* tag 0 SupportedFeatures, 9 bytes */
    0x02, 0x03, 'm',  'v',  0x00, 0x01, 0x00, 0x03, 0x00,
    0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, /* tag 1 epoch 7 */
    0x09, 0x02, 0xab, 0xcd,                                     /* tag 9: unknown */
    0x03, 0x01, 0x01,                                           /* tag 3 ZkMigrationReady */
};

TEST(tagged_fields_known_and_unknown)
{
    lode_arena_t a;
    lode_arena_init(&a, 0);
    lode_reader_t r;
    lode_reader_init(&r, apiversions_resp_v3, sizeof apiversions_resp_v3);
    ApiVersionsResponse m;
    REQUIRE(ApiVersionsResponse_decode(&m, 3, &r, &a) == 0);
    CHECK_EQ(lode_reader_remaining(&r), 0);
    REQUIRE(m.ApiKeys_count == 1);
    CHECK(m.ApiKeys[0].ApiKey == 18 && m.ApiKeys[0].MinVersion == 0 &&
          m.ApiKeys[0].MaxVersion == 4);
    REQUIRE(m.SupportedFeatures_count == 1);
    CHECK(lode_str_eq_c(&m.SupportedFeatures[0].Name, "mv"));
    CHECK(m.SupportedFeatures[0].MinVersion == 1 && m.SupportedFeatures[0].MaxVersion == 3);
    CHECK_EQ(m.FinalizedFeaturesEpoch, 7);
    CHECK_EQ(m.FinalizedFeatures_count, 0);
    CHECK(m.ZkMigrationReady);

    lode_buf_t out = LODE_BUF_INIT;
    REQUIRE(ApiVersionsResponse_encode(&m, 3, &out) == 0);
    static const uint8_t expect[] = {
        0x00, 0x00, 0x02, 0x00, 0x12, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x03, 0x00, 0x09, 0x02, 0x03, 'm',  'v',  0x00, 0x01, 0x00, 0x03, 0x00, 0x01, 0x08,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x03, 0x01, 0x01,
    };
    CHECK_EQ(out.len, sizeof expect);
    CHECK_MEMEQ(out.data, expect, sizeof expect);

    /* defaults are not written: epoch -1 and false leave only the array */
    ApiVersionsResponse_init(&m);
    CHECK_EQ(m.FinalizedFeaturesEpoch, -1);
    lode_buf_reset(&out);
    REQUIRE(ApiVersionsResponse_encode(&m, 3, &out) == 0);
    static const uint8_t empty_v3[] = {0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
    CHECK_EQ(out.len, sizeof empty_v3);
    CHECK_MEMEQ(out.data, empty_v3, sizeof empty_v3);

    /* a known tag whose payload is longer than its value is corrupt */
    uint8_t slack[sizeof empty_v3 + 4];
    memcpy(slack, empty_v3, sizeof empty_v3);
    slack[7] = 0x01;                                       /* one tagged field */
    memcpy(slack + 8, (uint8_t[]){0x03, 0x02, 0x01, 0x00}, 4); /* tag 3, 2 bytes */
    lode_reader_init(&r, slack, sizeof slack);
    CHECK_EQ(ApiVersionsResponse_decode(&m, 3, &r, &a), LODE_ECORRUPT);
    /* and one shorter than its value */
    memcpy(slack + 8, (uint8_t[]){0x01, 0x02, 0x00, 0x00}, 4); /* tag 1 (int64), 2 bytes */
    lode_reader_init(&r, slack, sizeof slack);
    CHECK_EQ(ApiVersionsResponse_decode(&m, 3, &r, &a), LODE_ECORRUPT);
    /* a tag size past the end is a truncation */
    memcpy(slack + 8, (uint8_t[]){0x09, 0x7f, 0x00, 0x00}, 4);
    lode_reader_init(&r, slack, sizeof slack);
    CHECK_EQ(ApiVersionsResponse_decode(&m, 3, &r, &a), LODE_ETRUNC);

    /* ThrottleTimeMs is v1+ and ignorable: v0 drops it silently */
    ApiVersionsResponse_init(&m);
    lode_buf_reset(&out);
    REQUIRE(ApiVersionsResponse_encode(&m, 0, &out) == 0);
    size_t plain = out.len;
    m.ThrottleTimeMs = 100;
    lode_buf_reset(&out);
    CHECK_EQ(ApiVersionsResponse_encode(&m, 0, &out), 0);
    CHECK_EQ(out.len, plain);
    lode_buf_free(&out);
    lode_arena_free(&a);
}

/* An untagged nullable struct carries an int8 marker: -1 null, else present. */
TEST(nullable_struct_marker)
{
    static const uint8_t present[] = {
        0x02, 0x02, 't', 0x00,   /* Topics: ["t"] */
        0x00, 0x00, 0x07, 0xd0,  /* ResponsePartitionLimit 2000 */
        0x01, 0x02, 't', 0x00, 0x00, 0x00, 0x05, 0x00, /* Cursor {t, 5} */
        0x00,                                          /* tags */
    };
    lode_arena_t a;
    lode_arena_init(&a, 0);
    lode_reader_t r;
    DescribeTopicPartitionsRequest m;
    lode_reader_init(&r, present, sizeof present);
    REQUIRE(DescribeTopicPartitionsRequest_decode(&m, 0, &r, &a) == 0);
    CHECK_EQ(m.ResponsePartitionLimit, 2000);
    REQUIRE(m.Cursor != NULL);
    CHECK(lode_str_eq_c(&m.Cursor->TopicName, "t"));
    CHECK_EQ(m.Cursor->PartitionIndex, 5);
    lode_buf_t out = LODE_BUF_INIT;
    REQUIRE(DescribeTopicPartitionsRequest_encode(&m, 0, &out) == 0);
    CHECK_EQ(out.len, sizeof present);
    CHECK_MEMEQ(out.data, present, sizeof present);

    static const uint8_t null_cursor[] = {0x02, 0x02, 't', 0x00, 0x00, 0x00, 0x07, 0xd0, 0xff, 0x00};
    lode_reader_init(&r, null_cursor, sizeof null_cursor);
    REQUIRE(DescribeTopicPartitionsRequest_decode(&m, 0, &r, &a) == 0);
    CHECK(m.Cursor == NULL);
    CHECK_EQ(lode_reader_remaining(&r), 0);
    lode_buf_reset(&out);
    REQUIRE(DescribeTopicPartitionsRequest_encode(&m, 0, &out) == 0);
    CHECK_EQ(out.len, sizeof null_cursor);
    CHECK_MEMEQ(out.data, null_cursor, sizeof null_cursor);
    lode_buf_free(&out);
    lode_arena_free(&a);
}

/* A tagged nullable struct without a null default (Kafka's
 * ClassicMemberMetadata): absent means the empty struct, null is written
 * explicitly as tag 0, size 1, uvarint 0. */
TEST(tagged_nullable_struct_default)
{
    lode_arena_t a;
    lode_arena_init(&a, 0);
    ConsumerGroupMemberMetadataValue m, back;
    ConsumerGroupMemberMetadataValue_init(&m);
    CHECK(m.ClassicMemberMetadata == NULL);
    lode_buf_t out = LODE_BUF_INIT;
    REQUIRE(ConsumerGroupMemberMetadataValue_encode(&m, 0, &out) == 0);
    REQUIRE(out.len >= 4);
    static const uint8_t null_tag[] = {0x01, 0x00, 0x01, 0x00};
    CHECK_MEMEQ(out.data + out.len - 4, null_tag, 4);
    lode_reader_t r;
    lode_reader_init(&r, out.data, out.len);
    REQUIRE(ConsumerGroupMemberMetadataValue_decode(&back, 0, &r, &a) == 0);
    CHECK(back.ClassicMemberMetadata == NULL);

    /* the empty struct is the default: not written, and decoded back */
    ConsumerGroupMemberMetadataValue_ClassicMemberMetadata empty;
    ConsumerGroupMemberMetadataValue_ClassicMemberMetadata_init(&empty);
    m.ClassicMemberMetadata = &empty;
    size_t with_null = out.len;
    lode_buf_reset(&out);
    REQUIRE(ConsumerGroupMemberMetadataValue_encode(&m, 0, &out) == 0);
    CHECK_EQ(out.len, with_null - 3);
    CHECK_EQ(out.data[out.len - 1], 0x00); /* no tagged fields */
    lode_reader_init(&r, out.data, out.len);
    REQUIRE(ConsumerGroupMemberMetadataValue_decode(&back, 0, &r, &a) == 0);
    REQUIRE(back.ClassicMemberMetadata != NULL);
    CHECK_EQ(back.ClassicMemberMetadata->SessionTimeoutMs, 0);
    CHECK_EQ(back.ClassicMemberMetadata->SupportedProtocols_count, 0);

    /* a non-empty one: marker uvarint 1, then the struct */
    empty.SessionTimeoutMs = 45000;
    lode_buf_reset(&out);
    REQUIRE(ConsumerGroupMemberMetadataValue_encode(&m, 0, &out) == 0);
    lode_reader_init(&r, out.data, out.len);
    REQUIRE(ConsumerGroupMemberMetadataValue_decode(&back, 0, &r, &a) == 0);
    REQUIRE(back.ClassicMemberMetadata != NULL);
    CHECK_EQ(back.ClassicMemberMetadata->SessionTimeoutMs, 45000);
    lode_buf_free(&out);
    lode_arena_free(&a);
}

TEST(string_length_bounds)
{
    /* a compact string longer than 32767 bytes is corrupt, as in Kafka */
    size_t n = 40000;
    uint8_t *p = calloc(1, n + 8);
    REQUIRE(p);
    p[0] = 0x02; /* Topics: 1 element */
    uint32_t len1 = 32768 + 1;
    p[1] = (uint8_t)(0x80 | (len1 & 0x7f));
    p[2] = (uint8_t)(0x80 | ((len1 >> 7) & 0x7f));
    p[3] = (uint8_t)(len1 >> 14);
    lode_arena_t a;
    lode_arena_init(&a, 0);
    lode_reader_t r;
    lode_reader_init(&r, p, n);
    DescribeTopicPartitionsRequest m;
    CHECK_EQ(DescribeTopicPartitionsRequest_decode(&m, 0, &r, &a), LODE_ECORRUPT);
    /* and cannot be encoded */
    DescribeTopicPartitionsRequest_init(&m);
    DescribeTopicPartitionsRequest_TopicRequest t;
    DescribeTopicPartitionsRequest_TopicRequest_init(&t);
    t.Name.ptr = (const char *)p;
    t.Name.len = 32768;
    m.Topics = &t;
    m.Topics_count = 1;
    lode_buf_t out = LODE_BUF_INIT;
    CHECK_EQ(DescribeTopicPartitionsRequest_encode(&m, 0, &out), LODE_EINVAL);
    t.Name.len = 32767;
    CHECK_EQ(DescribeTopicPartitionsRequest_encode(&m, 0, &out), 0);
    /* a count with no elements behind it, and a negative count */
    m.Topics = NULL;
    lode_buf_reset(&out);
    CHECK_EQ(DescribeTopicPartitionsRequest_encode(&m, 0, &out), LODE_EINVAL);
    m.Topics_count = -2;
    CHECK_EQ(DescribeTopicPartitionsRequest_encode(&m, 0, &out), LODE_EINVAL);
    CHECK_EQ(out.len, 0);
    lode_buf_free(&out);
    lode_arena_free(&a);
    free(p);
}

TEST(record_type_tables)
{
    const lode_msg_type_t *t = lode_metadata_record_type(2);
    REQUIRE(t);
    CHECK_STREQ(t->name, "TopicRecord");
    CHECK(lode_metadata_record_type(999) == NULL);
    const lode_coord_record_type_t *c = lode_coord_record_type(LODE_COORD_GROUP, 1);
    REQUIRE(c);
    CHECK_STREQ(c->key->name, "OffsetCommitKey");
    CHECK_STREQ(c->value->name, "OffsetCommitValue");
    c = lode_coord_record_type(LODE_COORD_GROUP, 2);
    REQUIRE(c);
    CHECK_STREQ(c->key->name, "GroupMetadataKey");
    c = lode_coord_record_type(LODE_COORD_TRANSACTION, 0);
    REQUIRE(c);
    CHECK_STREQ(c->value->name, "TransactionLogValue");
    CHECK(lode_coord_record_type(LODE_COORD_TRANSACTION, 1) == NULL);
    CHECK(lode_coord_record_type(LODE_COORD_SHARE, 1) != NULL);
    /* every API is found by its key */
    for (size_t i = 0; i < lode_apis_count; i++)
        CHECK(lode_api_info(lode_apis[i].key) == &lode_apis[i]);
    CHECK(lode_api_info(-1) == NULL);
    CHECK(lode_api_info(LODE_API_KEY_MAX + 1) == NULL);
    CHECK_STREQ(lode_kerr_name(LODE_KERR_SHARE_SESSION_LIMIT_REACHED), "SHARE_SESSION_LIMIT_REACHED");
    CHECK(lode_kerr_retriable(LODE_KERR_FETCH_SESSION_ID_NOT_FOUND));
    CHECK(!lode_kerr_retriable(LODE_KERR_REBOOTSTRAP_REQUIRED));
}
