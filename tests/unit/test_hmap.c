/* Tests for core/hmap.h: behaviour, insertion order, removal (also during
 * iteration), and a randomised comparison against a plain array model with
 * the structural invariants checked after every step. */
#include <stdlib.h>

#include "core/err.h"
#include "core/hmap.h"
#include "test.h"

int lode_hmap__check(const lode_hmap_t *m);

#define V(x) ((void *)(uintptr_t)(x))

TEST(hmap_basic_put_get_remove)
{
    lode_hmap_t m;
    lode_hmap_init(&m);
    CHECK_EQ(lode_hmap_count(&m), 0);
    CHECK(lode_hmap_gets(&m, "a") == NULL);
    CHECK(!lode_hmap_remove(&m, "a", 1, NULL));

    void *old = V(99);
    CHECK(lode_hmap_put(&m, "orders", 6, V(1), &old));
    CHECK(old == NULL);
    CHECK(lode_hmap_put(&m, "payments", 8, V(2), NULL));
    CHECK(lode_hmap_gets(&m, "orders") == V(1));
    CHECK(lode_hmap_gets(&m, "payments") == V(2));
    CHECK(lode_hmap_gets(&m, "order") == NULL);
    CHECK(lode_hmap_get(&m, "orders!", 6) == V(1)); /* length decides */

    CHECK(!lode_hmap_put(&m, "orders", 6, V(3), &old));
    CHECK(old == V(1));
    CHECK(lode_hmap_gets(&m, "orders") == V(3));
    CHECK_EQ(lode_hmap_count(&m), 2);

    CHECK_EQ(lode_hmap_insert(&m, "orders", 6, V(4)), LODE_EEXIST);
    CHECK(lode_hmap_gets(&m, "orders") == V(3));
    CHECK_EQ(lode_hmap_insert(&m, "audit", 5, V(5)), 0);

    void *got = NULL;
    CHECK(lode_hmap_remove(&m, "orders", 6, &got));
    CHECK(got == V(3));
    CHECK(lode_hmap_gets(&m, "orders") == NULL);
    CHECK_EQ(lode_hmap_count(&m), 2);
    CHECK_EQ(lode_hmap__check(&m), 0);
    lode_hmap_free(&m);
    CHECK_EQ(lode_hmap_count(&m), 0);
    /* reusable after free */
    CHECK(lode_hmap_put(&m, "x", 1, V(1), NULL));
    CHECK(lode_hmap_gets(&m, "x") == V(1));
    lode_hmap_free(&m);
}

TEST(hmap_binary_and_empty_keys)
{
    lode_hmap_t m = LODE_HMAP_INIT;
    CHECK(lode_hmap_put(&m, "", 0, V(1), NULL));
    CHECK(lode_hmap_put(&m, NULL, 0, V(2), NULL) == false); /* same empty key */
    CHECK(lode_hmap_put(&m, "a\0b", 3, V(3), NULL));
    CHECK(lode_hmap_put(&m, "a\0c", 3, V(4), NULL));
    CHECK(lode_hmap_put(&m, "a", 1, V(5), NULL));
    CHECK(lode_hmap_get(&m, "", 0) == V(2));
    CHECK(lode_hmap_get(&m, "a\0b", 3) == V(3));
    CHECK(lode_hmap_get(&m, "a\0c", 3) == V(4));
    CHECK(lode_hmap_get(&m, "a", 1) == V(5));
    lode_hmap_entry_t *e = lode_hmap_find(&m, "a\0b", 3);
    REQUIRE(e);
    CHECK_EQ(e->key_len, 3);
    CHECK_MEMEQ(e->key, "a\0b", 4); /* NUL-terminated copy */
    e->value = V(30);
    CHECK(lode_hmap_get(&m, "a\0b", 3) == V(30));
    lode_hmap_free(&m);
}

TEST(hmap_iteration_is_insertion_order)
{
    lode_hmap_t m;
    lode_hmap_init(&m);
    char k[32];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(k, sizeof k, "member-%d", i);
        lode_hmap_put(&m, k, (size_t)n, V(i), NULL);
    }
    /* Replacing a value keeps the position; removing leaves the rest in order. */
    lode_hmap_put(&m, "member-10", 9, V(10010), NULL);
    for (int i = 0; i < 1000; i += 3) {
        int n = snprintf(k, sizeof k, "member-%d", i);
        CHECK(lode_hmap_remove(&m, k, (size_t)n, NULL));
    }
    lode_hmap_put(&m, "member-0", 8, V(5000), NULL); /* re-added: goes last */
    size_t it = 0;
    lode_hmap_entry_t *e;
    int expect = 1, seen = 0;
    while ((e = lode_hmap_next(&m, &it))) {
        if (expect < 1000) {
            int n = snprintf(k, sizeof k, "member-%d", expect);
            CHECK_EQ(e->key_len, (size_t)n);
            CHECK_STREQ(e->key, k);
            CHECK(e->value == (expect == 10 ? V(10010) : V(expect)));
            expect++;
            if (expect % 3 == 0)
                expect++;
        } else {
            CHECK_STREQ(e->key, "member-0");
            CHECK(e->value == V(5000));
        }
        seen++;
    }
    CHECK_EQ(seen, (int)lode_hmap_count(&m));
    CHECK_EQ(seen, 1000 - 334 + 1);
    CHECK_EQ(lode_hmap__check(&m), 0);
    lode_hmap_free(&m);
}

/* The broker's expiry pattern: walk all members, drop the expired ones. */
TEST(hmap_remove_during_iteration)
{
    lode_hmap_t m;
    lode_hmap_init_seeded(&m, 0);
    char k[32];
    for (int i = 0; i < 500; i++) {
        int n = snprintf(k, sizeof k, "k%d", i);
        lode_hmap_put(&m, k, (size_t)n, V(i), NULL);
    }
    size_t it = 0;
    lode_hmap_entry_t *e;
    int visited = 0;
    while ((e = lode_hmap_next(&m, &it))) {
        visited++;
        uintptr_t v = (uintptr_t)e->value;
        if (v % 2 == 0)
            CHECK(lode_hmap_remove(&m, e->key, e->key_len, NULL)); /* the current one */
        if (v % 5 == 0 && v + 1 < 500) {                           /* one ahead */
            int n = snprintf(k, sizeof k, "k%d", (int)v + 1);
            lode_hmap_remove(&m, k, (size_t)n, NULL);
        }
    }
    /* Visited: all but the 100 keys v+1 (v % 5 == 0) removed ahead of time. */
    CHECK_EQ(visited, 500 - 100);
    CHECK_EQ(lode_hmap__check(&m), 0);
    it = 0;
    while ((e = lode_hmap_next(&m, &it))) {
        uintptr_t v = (uintptr_t)e->value;
        CHECK(v % 2 == 1);
        CHECK(!(v % 10 == 1));
    }
    CHECK_EQ(lode_hmap_count(&m), 250 - 50);
    lode_hmap_free(&m);
}

TEST(hmap_clear_keeps_working)
{
    lode_hmap_t m;
    lode_hmap_init(&m);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 100; i++)
            lode_hmap_put(&m, &i, sizeof i, V(i + round), NULL);
        CHECK_EQ(lode_hmap_count(&m), 100);
        for (int i = 0; i < 100; i++)
            CHECK(lode_hmap_get(&m, &i, sizeof i) == V(i + round));
        lode_hmap_clear(&m);
        CHECK_EQ(lode_hmap_count(&m), 0);
        CHECK_EQ(lode_hmap__check(&m), 0);
        int z = 0;
        CHECK(lode_hmap_get(&m, &z, sizeof z) == NULL);
    }
    lode_hmap_free(&m);
}

TEST(hmap_upsert)
{
    lode_hmap_t m;
    lode_hmap_init(&m);
    bool created = false;
    lode_hmap_entry_t *e = lode_hmap_upsert(&m, "g", 1, &created);
    REQUIRE(e);
    CHECK(created);
    CHECK(e->value == NULL);
    e->value = V(7);
    e = lode_hmap_upsert(&m, "g", 1, &created);
    CHECK(!created);
    CHECK(e->value == V(7));
    CHECK_EQ(lode_hmap_count(&m), 1);
    lode_hmap_free(&m);
}

/* Model: parallel arrays of key ids (by insertion order) and values. Keys are
 * drawn from a small space so that puts hit existing keys and removals hit
 * present ones often; the table grows, compacts and shrinks its entry array. */
TEST(hmap_randomised_against_model)
{
    enum { KEYSPACE = 600, STEPS = 60000 };
    uint64_t rng = lode_test_seed();
    lode_hmap_t m;
    lode_hmap_init_seeded(&m, lode_test_rand(&rng));
    int order[KEYSPACE]; /* key ids in insertion order */
    int norder = 0;
    long val[KEYSPACE];
    bool present[KEYSPACE] = {false};
    char k[40];

    for (int step = 0; step < STEPS; step++) {
        int id = (int)(lode_test_rand(&rng) % KEYSPACE);
        /* vary key lengths across the hash's code paths: 1..~40 bytes */
        int n = snprintf(k, sizeof k, "%.*s%d", (id % 7) * 5, "pppppppppppppppppppppppppppppp", id);
        uint64_t op = lode_test_rand(&rng) % 10;
        if (step > STEPS / 2 && op < 5)
            op = 9; /* second half drains more than it fills */
        if (op < 6) {
            long v = (long)lode_test_rand(&rng);
            void *old = NULL;
            bool isnew = lode_hmap_put(&m, k, (size_t)n, V(v), &old);
            REQUIRE(isnew == !present[id]);
            if (!isnew)
                REQUIRE(old == V(val[id]));
            else
                order[norder++] = id;
            present[id] = true;
            val[id] = v;
        } else if (op < 8) {
            void *got = lode_hmap_get(&m, k, (size_t)n);
            REQUIRE(got == (present[id] ? V(val[id]) : NULL));
        } else {
            void *got = NULL;
            bool was = lode_hmap_remove(&m, k, (size_t)n, &got);
            REQUIRE(was == present[id]);
            if (was) {
                REQUIRE(got == V(val[id]));
                present[id] = false;
                int w = 0;
                for (int i = 0; i < norder; i++)
                    if (order[i] != id)
                        order[w++] = order[i];
                norder = w;
            }
        }
        if (step % 97 == 0 || step == STEPS - 1) {
            REQUIRE(lode_hmap__check(&m) == 0);
            REQUIRE(lode_hmap_count(&m) == (size_t)norder);
            size_t it = 0;
            lode_hmap_entry_t *e;
            int i = 0;
            while ((e = lode_hmap_next(&m, &it))) {
                REQUIRE(i < norder);
                int id2 = order[i++];
                int n2 = snprintf(k, sizeof k, "%.*s%d", (id2 % 7) * 5,
                                  "pppppppppppppppppppppppppppppp", id2);
                REQUIRE(e->key_len == (size_t)n2 && memcmp(e->key, k, (size_t)n2) == 0);
                REQUIRE(e->value == V(val[id2]));
            }
            REQUIRE(i == norder);
        }
    }
    lode_hmap_free(&m);
}

/* Many keys: the table grows through several doublings and lookups stay right. */
TEST(hmap_large)
{
    enum { N = 200000 };
    lode_hmap_t m;
    lode_hmap_init(&m);
    char k[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "topic-%d", i);
        REQUIRE(lode_hmap_insert(&m, k, (size_t)n, V(i + 1)) == 0);
    }
    CHECK_EQ(lode_hmap_count(&m), N);
    for (int i = 0; i < N; i++) {
        int n = snprintf(k, sizeof k, "topic-%d", i);
        REQUIRE(lode_hmap_get(&m, k, (size_t)n) == V(i + 1));
    }
    CHECK_EQ(lode_hmap__check(&m), 0);
    CHECK(m.index_cap <= 4 * (size_t)N); /* load stays reasonable */
    lode_hmap_free(&m);
}
