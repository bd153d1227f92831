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
#include "proto/gen/MetadataRequest.h"
#include "proto/gen/ProduceRequest.h"
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
    CHECK_EQ(lode_request_header_version(999, 0), -1);
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
