/*
 * test.h — lode's unit-test harness.
 *
 *   TEST(name) { CHECK(x == 1); REQUIRE(p != NULL); CHECK_EQ(a, b); }
 *
 * Each test file is one program; every TEST in it runs in its own forked
 * process (a crash fails that test only). Output, one line per test:
 *   PASS <file>:<name>   FAIL <file>:<name>: <why>   SKIP <file>:<name>: <why>
 * tests/run collects these lines from every program into the summary.
 * Arguments: test names (or substrings) to run a subset; -n runs without
 * forking (for gdb). Tests must be deterministic: randomness comes from
 * lode_test_seed(), printed on failure and settable with LODE_TEST_SEED.
 */
#ifndef LODE_TEST_H
#define LODE_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*lode_test_fn)(void);
void lode_test_register(const char *name, lode_test_fn fn, const char *file);
void lode_test_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
_Noreturn void lode_test_abort(void);
_Noreturn void lode_test_skip(const char *why);
/* The run's seed (LODE_TEST_SEED or fixed default), printed with any failure. */
uint64_t lode_test_seed(void);
/* Deterministic PRNG (xorshift64*) for tests. */
uint64_t lode_test_rand(uint64_t *state);
/* A fresh temporary directory, removed when the test's process ends. */
const char *lode_test_tmpdir(void);

#define TEST(name)                                                                                 \
    static void name(void);                                                                        \
    __attribute__((constructor)) static void lode_test_reg_##name(void)                            \
    {                                                                                              \
        lode_test_register(#name, name, __FILE__);                                                 \
    }                                                                                              \
    static void name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            lode_test_fail_at(__FILE__, __LINE__, "CHECK(%s)", #cond);                             \
    } while (0)

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            lode_test_fail_at(__FILE__, __LINE__, "REQUIRE(%s)", #cond);                           \
            lode_test_abort();                                                                     \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long lode_a_ = (long long)(a), lode_b_ = (long long)(b);                              \
        if (lode_a_ != lode_b_)                                                                    \
            lode_test_fail_at(__FILE__, __LINE__, "CHECK_EQ(%s, %s): %lld != %lld", #a, #b,        \
                              lode_a_, lode_b_);                                                   \
    } while (0)

#define CHECK_STREQ(a, b)                                                                          \
    do {                                                                                           \
        const char *lode_a_ = (a), *lode_b_ = (b);                                                 \
        if (!lode_a_ || !lode_b_ || strcmp(lode_a_, lode_b_) != 0)                                 \
            lode_test_fail_at(__FILE__, __LINE__, "CHECK_STREQ(%s, %s): \"%s\" != \"%s\"", #a, #b, \
                              lode_a_ ? lode_a_ : "(null)", lode_b_ ? lode_b_ : "(null)");         \
    } while (0)

#define CHECK_MEMEQ(a, b, n)                                                                       \
    do {                                                                                           \
        if (memcmp((a), (b), (n)) != 0)                                                            \
            lode_test_fail_at(__FILE__, __LINE__, "CHECK_MEMEQ(%s, %s, %s)", #a, #b, #n);          \
    } while (0)

#define SKIP(why) lode_test_skip(why)

#endif
