/*
 * Every generated message × every valid version: random instances encode to
 * exactly their computed size, decode back consuming every byte, compare
 * equal, and re-encode to the same bytes. Every strict prefix of an encoding
 * fails to decode, cleanly (ASan/UBSan catch any read past the end).
 */
#include <stdlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "support/gen/gen_tests.h"
#include "test.h"

#define INSTANCES 8

/* One random instance of type t at version v through the whole cycle. */
static void roundtrip_one(const lode_msg_test_t *t, int16_t v, uint64_t *rng, bool prefixes)
{
    const lode_msg_type_t *ty = t->type;
    lode_arena_t a;
    lode_arena_init(&a, 0);
    void *m = lode_arena_calloc(&a, 1, ty->size);
    void *back = lode_arena_calloc(&a, 1, ty->size);
    t->random(m, v, rng, &a);

    lode_buf_t out = LODE_BUF_INIT;
    int rc = ty->encode(m, v, &out);
    if (rc != 0)
        fprintf(stderr, "  %s v%d: encode %d\n", ty->name, v, rc);
    REQUIRE(rc == 0);
    size_t size = ty->size_of(m, v);
    if (size != out.len)
        fprintf(stderr, "  %s v%d: size %zu != %zu\n", ty->name, v, size, out.len);
    REQUIRE(size == out.len);

    lode_reader_t r;
    lode_reader_init(&r, out.data, out.len);
    rc = ty->decode(back, v, &r, &a);
    if (rc != 0 || lode_reader_remaining(&r) != 0)
        fprintf(stderr, "  %s v%d: decode %d, %zu left\n", ty->name, v, rc,
                lode_reader_remaining(&r));
    REQUIRE(rc == 0 && lode_reader_remaining(&r) == 0);
    if (!t->equal(m, back, v))
        fprintf(stderr, "  %s v%d: decoded value differs\n", ty->name, v);
    REQUIRE(t->equal(m, back, v));

    lode_buf_t again = LODE_BUF_INIT;
    REQUIRE(ty->encode(back, v, &again) == 0);
    REQUIRE(again.len == out.len && (out.len == 0 || memcmp(again.data, out.data, out.len) == 0));
    lode_buf_free(&again);

    if (prefixes) {
        for (size_t cut = 0; cut < out.len; cut++) {
            /* a copy of exactly cut bytes, so ASan sees any overread */
            uint8_t *copy = malloc(cut ? cut : 1);
            memcpy(copy, out.data, cut);
            lode_reader_init(&r, copy, cut);
            void *tmp = lode_arena_calloc(&a, 1, ty->size);
            rc = ty->decode(tmp, v, &r, &a);
            free(copy);
            if (rc == 0)
                fprintf(stderr, "  %s v%d: a %zu-byte prefix of %zu decoded\n", ty->name, v,
                        cut, out.len);
            REQUIRE(rc == LODE_ETRUNC || rc == LODE_ECORRUPT);
        }
    }
    lode_buf_free(&out);
    lode_arena_free(&a);
}

TEST(roundtrip_every_message_and_version)
{
    uint64_t rng = lode_test_seed();
    size_t versions = 0, instances = 0;
    for (size_t i = 0; i < lode_msg_tests_count; i++) {
        const lode_msg_test_t *t = &lode_msg_tests[i];
        for (int v = t->type->min_version; v <= t->type->max_version; v++) {
            versions++;
            for (int k = 0; k < INSTANCES; k++) {
                roundtrip_one(t, (int16_t)v, &rng, k < 2);
                instances++;
            }
        }
    }
    fprintf(stderr, "  roundtrip: %zu message types, %zu message-versions, %zu instances\n",
            lode_msg_tests_count, versions, instances);
    CHECK(versions >= 767);
}

/* The typed test API other tests use directly. */
TEST(typed_random_and_equal)
{
    uint64_t rng = lode_test_seed() ^ 0x5eed;
    lode_arena_t a;
    lode_arena_init(&a, 0);
    for (int v = FETCHRESPONSE_MIN_VERSION; v <= FETCHRESPONSE_MAX_VERSION; v++) {
        FetchResponse m, back;
        FetchResponse_random(&m, (int16_t)v, &rng, &a);
        lode_buf_t out = LODE_BUF_INIT;
        REQUIRE(FetchResponse_encode(&m, (int16_t)v, &out) == 0);
        CHECK_EQ(out.len, FetchResponse_size(&m, (int16_t)v));
        lode_reader_t r;
        lode_reader_init(&r, out.data, out.len);
        REQUIRE(FetchResponse_decode(&back, (int16_t)v, &r, &a) == 0);
        CHECK(FetchResponse_equal(&m, &back, (int16_t)v));
        lode_buf_free(&out);
    }
    lode_arena_free(&a);
}
