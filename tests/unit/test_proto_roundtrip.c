/*
 * Every generated message × every valid version: random instances encode to
 * exactly their computed size, decode back consuming every byte, and compare
 * equal. Also every truncation of each encoding fails cleanly.
 */
#include <stdlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "support/gen/gen_test_rt.h"
#include "test.h"

#define INSTANCES 5

TEST(roundtrip_every_message_and_version)
{
    uint64_t rng = lode_test_seed();
    size_t versions = 0, instances = 0;
    for (size_t i = 0; i < lode_msg_tests_count; i++) {
        const lode_msg_test_t *t = &lode_msg_tests[i];
        const lode_msg_type_t *ty = t->type;
        for (int v = ty->min_version; v <= ty->max_version; v++) {
            versions++;
            for (int k = 0; k < INSTANCES; k++) {
                lode_arena_t a;
                lode_arena_init(&a, 0);
                void *m = lode_arena_calloc(&a, 1, ty->size);
                void *back = lode_arena_calloc(&a, 1, ty->size);
                t->random(m, (int16_t)v, &rng, &a);
                lode_buf_t out = LODE_BUF_INIT;
                int rc = ty->encode(m, (int16_t)v, &out);
                if (rc != 0)
                    fprintf(stderr, "  %s v%d: encode %d\n", ty->name, v, rc);
                REQUIRE(rc == 0);
                size_t size = ty->size_of(m, (int16_t)v);
                if (size != out.len)
                    fprintf(stderr, "  %s v%d: size %zu != %zu\n", ty->name, v, size, out.len);
                REQUIRE(size == out.len);
                lode_reader_t r;
                lode_reader_init(&r, out.data, out.len);
                rc = ty->decode(back, (int16_t)v, &r, &a);
                if (rc != 0 || lode_reader_remaining(&r) != 0)
                    fprintf(stderr, "  %s v%d: decode %d, %zu left\n", ty->name, v, rc,
                            lode_reader_remaining(&r));
                REQUIRE(rc == 0 && lode_reader_remaining(&r) == 0);
                if (!t->equal(m, back, (int16_t)v))
                    fprintf(stderr, "  %s v%d: decoded value differs\n", ty->name, v);
                REQUIRE(t->equal(m, back, (int16_t)v));
                /* every strict prefix fails without reading past the end */
                if (k == 0) {
                    for (size_t cut = 0; cut < out.len; cut++) {
                        uint8_t *copy = malloc(cut ? cut : 1);
                        memcpy(copy, out.data, cut);
                        lode_reader_init(&r, copy, cut);
                        void *tmp = lode_arena_calloc(&a, 1, ty->size);
                        rc = ty->decode(tmp, (int16_t)v, &r, &a);
                        free(copy);
                        /* A prefix may still decode when it ends exactly at
                         * a boundary that completes the message (never for
                         * a strict prefix: every message consumes all). */
                        REQUIRE(rc != 0);
                    }
                }
                lode_buf_free(&out);
                lode_arena_free(&a);
                instances++;
            }
        }
    }
    fprintf(stderr, "  roundtrip: %zu message types, %zu message-versions, %zu instances\n",
            lode_msg_tests_count, versions, instances);
}
