/* KIP-227 fetch sessions: creation, incremental updates, include rules,
 * errors, closing, eviction. */
#include <stdlib.h>

#include "broker/fetch_session.h"
#include "test.h"

static lode_fs_part_t part(const char *topic, int32_t p, int64_t off)
{
    lode_fs_part_t x;
    memset(&x, 0, sizeof x);
    x.topic = (char *)topic;
    x.partition = p;
    x.fetch_offset = off;
    x.log_start_offset = -1;
    x.max_bytes = 1 << 20;
    return x;
}

/* A full fetch of topic t partitions 0..n-1; returns the session id. */
static int32_t full_fetch(lode_fs_cache_t *c, int n, bool privileged, int64_t now)
{
    lode_fs_ctx_t ctx;
    REQUIRE(lode_fs_begin(c, 0, 0, privileged, now, &ctx) == 0);
    for (int i = 0; i < n; i++) {
        lode_fs_part_t p = part("t", i, 0);
        lode_fs_put(&ctx, &p);
    }
    size_t np;
    lode_fs_part_t *ps = lode_fs_parts(&ctx, &np);
    REQUIRE(np == (size_t)n);
    for (size_t i = 0; i < np; i++)
        CHECK(lode_fs_include(&ctx, &ps[i], false, 0, 10, 10, 0)); /* full: everything */
    return lode_fs_end(&ctx);
}

TEST(fetch_session_lifecycle)
{
    lode_fs_cache_t *c = lode_fs_cache_new(1000, 120000);
    int32_t id = full_fetch(c, 3, false, 0);
    CHECK(id > 0);
    CHECK_EQ(lode_fs_cache_sessions(c), 1);
    CHECK_EQ(lode_fs_cache_slots_used(c), 3);
    lode_fs_ctx_t ctx;
    /* wrong epoch, unknown id */
    CHECK_EQ(lode_fs_begin(c, id, 2, false, 1, &ctx), 71);
    CHECK_EQ(lode_fs_begin(c, id + 1, 1, false, 1, &ctx), 70);
    /* epoch 1: nothing changed → nothing included; partition 1 has data */
    REQUIRE(lode_fs_begin(c, id, 1, false, 1, &ctx) == 0);
    size_t n;
    lode_fs_part_t *ps = lode_fs_parts(&ctx, &n);
    REQUIRE(n == 3);
    CHECK(!lode_fs_include(&ctx, &ps[0], false, 0, 10, 10, 0));
    CHECK(lode_fs_include(&ctx, &ps[1], true, 0, 10, 10, 0));
    CHECK(lode_fs_include(&ctx, &ps[2], false, 0, 11, 10, 0)); /* HW moved */
    CHECK_EQ(lode_fs_end(&ctx), id);
    /* epoch 2: add a partition, forget one, update an offset */
    REQUIRE(lode_fs_begin(c, id, 2, false, 2, &ctx) == 0);
    lode_fs_part_t p3 = part("t", 3, 0), p1 = part("t", 1, 50);
    lode_fs_put(&ctx, &p3);
    lode_fs_put(&ctx, &p1);
    uint8_t zero[16] = {0};
    lode_fs_forget(&ctx, zero, "t", 0);
    ps = lode_fs_parts(&ctx, &n);
    REQUIRE(n == 3);
    CHECK(ps[0].partition == 1 && ps[0].fetch_offset == 50);
    CHECK_EQ(ps[2].partition, 3);
    CHECK(!lode_fs_include(&ctx, &ps[1], false, 0, 11, 10, 0)); /* p2: same as sent */
    CHECK(lode_fs_include(&ctx, &ps[2], false, 0, 10, 10, 0));  /* new: never sent */
    CHECK(lode_fs_include(&ctx, &ps[0], false, 6, 10, 10, 0));  /* error */
    lode_fs_end(&ctx);
    CHECK_EQ(lode_fs_cache_slots_used(c), 3);
    /* close: id, epoch -1 → sessionless, session gone */
    REQUIRE(lode_fs_begin(c, id, -1, false, 3, &ctx) == 0);
    CHECK_EQ(ctx.kind, LODE_FS_SESSIONLESS);
    CHECK_EQ(lode_fs_end(&ctx), 0);
    CHECK_EQ(lode_fs_cache_sessions(c), 0);
    CHECK_EQ(lode_fs_cache_slots_used(c), 0);
    CHECK_EQ(lode_fs_begin(c, id, 3, false, 4, &ctx), 70);
    lode_fs_cache_free(c);
}

TEST(fetch_session_cache_eviction)
{
    lode_fs_cache_t *c = lode_fs_cache_new(10, 1000);
    int32_t a = full_fetch(c, 4, false, 0);
    int32_t b = full_fetch(c, 4, false, 10);
    CHECK(a > 0 && b > 0 && a != b);
    /* no room, nobody stale or weaker: sessionless */
    CHECK_EQ(full_fetch(c, 4, false, 20), 0);
    /* a follower (privileged) may evict a consumer's session */
    int32_t f = full_fetch(c, 4, true, 30);
    CHECK(f > 0);
    CHECK_EQ(lode_fs_cache_sessions(c), 2);
    lode_fs_ctx_t ctx;
    CHECK_EQ(lode_fs_begin(c, a, 1, false, 40, &ctx), 70); /* the oldest went */
    /* stale sessions go for anyone */
    CHECK(full_fetch(c, 4, false, 5000) > 0);
    CHECK_EQ(lode_fs_cache_sessions(c), 2);
    /* a zero-slot cache never creates sessions */
    lode_fs_cache_t *none = lode_fs_cache_new(0, 1000);
    CHECK_EQ(full_fetch(none, 2, false, 0), 0);
    lode_fs_cache_free(none);
    lode_fs_cache_free(c);
}
