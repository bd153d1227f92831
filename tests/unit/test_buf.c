/* Buffers, readers, varints, arena, CRC32C. */
#include <stdlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/crc32c.h"
#include "test.h"

TEST(buf_roundtrip_fixed_width)
{
    lode_buf_t b = LODE_BUF_INIT;
    lode_buf_put_i8(&b, -5);
    lode_buf_put_i16(&b, -12345);
    lode_buf_put_i32(&b, 0x12345678);
    lode_buf_put_i64(&b, -0x123456789abcdefll);
    lode_buf_put_f64(&b, 3.5);
    lode_buf_put_bool(&b, true);
    CHECK_EQ(b.len, 1 + 2 + 4 + 8 + 8 + 1);
    CHECK_EQ(b.data[3], 0x12); /* big-endian */
    lode_reader_t r;
    lode_reader_init(&r, b.data, b.len);
    CHECK_EQ(lode_read_i8(&r), -5);
    CHECK_EQ(lode_read_i16(&r), -12345);
    CHECK_EQ(lode_read_i32(&r), 0x12345678);
    CHECK_EQ(lode_read_i64(&r), -0x123456789abcdefll);
    CHECK(lode_read_f64(&r) == 3.5);
    CHECK(lode_read_bool(&r));
    CHECK_EQ(r.err, 0);
    CHECK_EQ(lode_reader_remaining(&r), 0);
    lode_buf_free(&b);
}

TEST(reader_never_reads_past_end)
{
    uint8_t data[3] = {1, 2, 3};
    lode_reader_t r;
    lode_reader_init(&r, data, sizeof data);
    CHECK_EQ(lode_read_i16(&r), 0x0102);
    CHECK_EQ(lode_read_i32(&r), 0); /* only 1 byte left */
    CHECK_EQ(r.err, LODE_ETRUNC);
    CHECK_EQ(lode_read_i8(&r), 0); /* sticky */
    CHECK(lode_read_raw(&r, 0) == NULL);
}

/* Kafka's (protobuf's) varint test vectors. */
TEST(varint_vectors)
{
    struct {
        int64_t v;
        const char *hex;
    } vec[] = {
        {0, "00"},
        {-1, "01"},
        {1, "02"},
        {-2, "03"},
        {63, "7e"},
        {-64, "7f"},
        {64, "8001"},
        {-65, "8101"},
        {8191, "fe7f"},
        {-8192, "ff7f"},
        {8192, "808001"},
        {INT32_MAX, "feffffff0f"},
        {INT32_MIN, "ffffffff0f"},
        {INT64_MAX, "feffffffffffffffff01"},
        {INT64_MIN, "ffffffffffffffffff01"},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        lode_buf_t b = LODE_BUF_INIT;
        lode_buf_put_varlong(&b, vec[i].v);
        char hex[64] = {0};
        for (size_t k = 0; k < b.len; k++)
            sprintf(hex + 2 * k, "%02x", b.data[k]);
        CHECK_STREQ(hex, vec[i].hex);
        CHECK_EQ(lode_varlong_size(vec[i].v), b.len);
        lode_reader_t r;
        lode_reader_init(&r, b.data, b.len);
        CHECK_EQ(lode_read_varlong(&r), vec[i].v);
        CHECK_EQ(r.err, 0);
        if (vec[i].v >= INT32_MIN && vec[i].v <= INT32_MAX) {
            lode_reader_init(&r, b.data, b.len);
            CHECK_EQ(lode_read_varint(&r), vec[i].v);
            CHECK_EQ(lode_varint_size((int32_t)vec[i].v), b.len);
        }
        lode_buf_free(&b);
    }
}

TEST(varint_rejects_overlong_and_truncated)
{
    uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    lode_reader_t r;
    lode_reader_init(&r, six, sizeof six);
    (void)lode_read_varint(&r);
    CHECK_EQ(r.err, LODE_ECORRUPT);
    uint8_t big32[] = {0xff, 0xff, 0xff, 0xff, 0x1f}; /* > UINT32_MAX */
    lode_reader_init(&r, big32, sizeof big32);
    (void)lode_read_uvarint(&r);
    CHECK_EQ(r.err, LODE_ECORRUPT);
    uint8_t trunc[] = {0x80, 0x80};
    lode_reader_init(&r, trunc, sizeof trunc);
    (void)lode_read_varlong(&r);
    CHECK_EQ(r.err, LODE_ETRUNC);
    uint8_t eleven[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    lode_reader_init(&r, eleven, sizeof eleven);
    (void)lode_read_uvarlong(&r);
    CHECK_EQ(r.err, LODE_ECORRUPT);
}

TEST(varint_random_roundtrip)
{
    uint64_t st = lode_test_seed();
    for (int i = 0; i < 100000; i++) {
        int64_t v = (int64_t)lode_test_rand(&st) >> (lode_test_rand(&st) % 64);
        uint8_t tmp[16];
        lode_buf_t b = {tmp, 0, sizeof tmp};
        lode_buf_put_varlong(&b, v);
        lode_reader_t r;
        lode_reader_init(&r, tmp, b.len);
        REQUIRE(lode_read_varlong(&r) == v);
        REQUIRE(r.err == 0 && lode_reader_remaining(&r) == 0);
    }
}

/* CRC-32C check values: RFC 3720 B.4 and the standard "123456789". */
TEST(crc32c_vectors)
{
    CHECK_EQ(lode_crc32c(0, "123456789", 9), 0xe3069283u);
    uint8_t zeros[32] = {0}, ones[32], inc[32], dec[32];
    memset(ones, 0xff, sizeof ones);
    for (int i = 0; i < 32; i++) {
        inc[i] = (uint8_t)i;
        dec[i] = (uint8_t)(31 - i);
    }
    CHECK_EQ(lode_crc32c(0, zeros, 32), 0x8a9136aau);
    CHECK_EQ(lode_crc32c(0, ones, 32), 0x62a8ab43u);
    CHECK_EQ(lode_crc32c(0, inc, 32), 0x46dd794eu);
    CHECK_EQ(lode_crc32c(0, dec, 32), 0x113fdb5cu);
    CHECK_EQ(lode_crc32c(0, "", 0), 0);
}

TEST(crc32c_hw_matches_sw_and_chains)
{
    uint64_t st = lode_test_seed();
    uint8_t buf[4099];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)lode_test_rand(&st);
    for (size_t off = 0; off < 9; off++) {
        for (size_t len = 0; len + off <= sizeof buf; len += 97) {
            uint32_t a = lode_crc32c(0, buf + off, len);
            REQUIRE(a == lode_crc32c_sw(0, buf + off, len));
            size_t cut = len / 3;
            REQUIRE(a == lode_crc32c(lode_crc32c(0, buf + off, cut), buf + off + cut, len - cut));
        }
    }
}

TEST(arena_alignment_and_large)
{
    lode_arena_t a;
    lode_arena_init(&a, 256);
    for (int i = 0; i < 1000; i++) {
        uint8_t *p = lode_arena_alloc(&a, (size_t)(i % 37) + 1);
        REQUIRE(((uintptr_t)p & 15) == 0);
        memset(p, 0xab, (size_t)(i % 37) + 1);
    }
    uint8_t *big = lode_arena_calloc(&a, 1, 100000);
    CHECK_EQ(big[99999], 0);
    char *s = lode_arena_strndup(&a, "hello world", 5);
    CHECK_STREQ(s, "hello");
    lode_arena_reset(&a);
    CHECK_EQ(a.used_bytes, 0);
    (void)lode_arena_alloc(&a, 10);
    lode_arena_free(&a);
}

#include "core/uuid.h"

TEST(uuid_text_roundtrip)
{
    uint8_t id[16];
    for (int i = 0; i < 16; i++)
        id[i] = (uint8_t)(i * 17);
    char s[LODE_UUID_STR_LEN + 1];
    lode_uuid_to_string(id, s);
    CHECK_STREQ(s, "ABEiM0RVZneImaq7zN3u_w");
    uint8_t back[16];
    CHECK(lode_uuid_parse(s, back));
    CHECK_MEMEQ(back, id, 16);
    CHECK(!lode_uuid_parse("ABEiM0RVZneImaq7zN3u_x", back)); /* non-canonical tail bits */
    CHECK(!lode_uuid_parse("short", back));
    CHECK(!lode_uuid_parse("ABEiM0RVZneImaq7zN3u*w", back));
    for (int i = 0; i < 1000; i++) {
        lode_uuid_random(id);
        lode_uuid_to_string(id, s);
        REQUIRE(s[0] != '-' && !lode_uuid_is_zero(id));
        REQUIRE(lode_uuid_parse(s, back) && !memcmp(back, id, 16));
    }
}
