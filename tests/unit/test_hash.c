/* Tests for core/hash.h: Kafka's murmur2 and partitioner, Java's
 * String.hashCode over UTF-8 input, the group coordinator partition, and
 * lode_hash64. */
#include <librdkafka/rdkafka.h>
#include <stdlib.h>

#include "core/crc32c.h"
#include "core/hash.h"
#include "test.h"

/* Apache Kafka's UtilsTest.testMurmur2 vectors (clients/src/test/java/org/
 * apache/kafka/common/utils/UtilsTest.java), produced there by the Java
 * client itself. */
TEST(murmur2_kafka_vectors)
{
    static const struct {
        const char *key;
        size_t len;
        int32_t hash;
    } v[] = {
        {"21", 2, -973932308},
        {"foobar", 6, -790332482},
        {"\x0c\x2a\x38\x18\x6d\x6f", 6, 274204207},
        {"a-little-bit-long-string", 24, -985981536},
        {"a-little-bit-longer-string", 26, -1486304829},
        {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 48, -58897971},
        {"abc", 3, 479470107},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        CHECK_EQ(lode_murmur2(v[i].key, v[i].len), v[i].hash);
    /* The empty key: seed ^ 0 through the final mix only. */
    CHECK_EQ(lode_murmur2("", 0), 275646681);
    CHECK_EQ(lode_murmur2(NULL, 0), 275646681);
}

TEST(to_positive_and_utils_abs)
{
    CHECK_EQ(lode_to_positive(0), 0);
    CHECK_EQ(lode_to_positive(5), 5);
    CHECK_EQ(lode_to_positive(-1), 0x7fffffff);
    CHECK_EQ(lode_to_positive(INT32_MIN), 0);
    CHECK_EQ(lode_to_positive(-790332482), 1357151166);
    /* Kafka's UtilsTest.testAbs */
    CHECK_EQ(lode_java_utils_abs(INT32_MIN), 0);
    CHECK_EQ(lode_java_utils_abs(-10), 10);
    CHECK_EQ(lode_java_utils_abs(10), 10);
    CHECK_EQ(lode_java_utils_abs(0), 0);
    CHECK_EQ(lode_java_utils_abs(-1), 1);
    CHECK_EQ(lode_java_utils_abs(INT32_MAX), INT32_MAX);
}

TEST(partition_for_key_vectors)
{
    /* toPositive(murmur2) % n from the vectors above. */
    CHECK_EQ(lode_kafka_partition_for_key("foobar", 6, 10), 1357151166 % 10);
    CHECK_EQ(lode_kafka_partition_for_key("foobar", 6, 6), 1357151166 % 6);
    CHECK_EQ(lode_kafka_partition_for_key("21", 2, 12), 1173551340 % 12);
    CHECK_EQ(lode_kafka_partition_for_key("abc", 3, 3), 479470107 % 3);
    CHECK_EQ(lode_kafka_partition_for_key("abc", 3, 1), 0);
    CHECK_EQ(lode_kafka_partition_for_key("abc", 3, 0), -1);
    CHECK_EQ(lode_kafka_partition_for_key("abc", 3, -3), -1);
}

/* librdkafka's murmur2 partitioner is documented as Java-compatible and is an
 * independent implementation: ours must agree with it on every key. */
TEST(murmur2_matches_librdkafka)
{
    uint64_t rng = lode_test_seed() ^ 0x6d75726d757232ull;
    uint8_t key[300];
    for (int i = 0; i < 20000; i++) {
        size_t len = (size_t)(lode_test_rand(&rng) % (i < 10000 ? 33 : sizeof key));
        for (size_t j = 0; j < len; j++)
            key[j] = (uint8_t)lode_test_rand(&rng);
        /* Unaligned starts too: librdkafka has an unaligned path. */
        size_t off = (size_t)(lode_test_rand(&rng) % 4);
        if (off + len > sizeof key)
            off = 0;
        memmove(key + off, key, len);
        const uint8_t *k = key + off;

        int32_t n = (int32_t)(lode_test_rand(&rng) % 1000) + 1;
        int32_t want = rd_kafka_msg_partitioner_murmur2(NULL, k, len, n, NULL, NULL);
        int32_t got = lode_kafka_partition_for_key(k, len, n);
        if (want != got) {
            CHECK_EQ(got, want);
            return;
        }
        /* With n = INT32_MAX the partition is toPositive(hash) itself
         * (unless it equals INT32_MAX): compares 31 of the 32 hash bits. */
        want = rd_kafka_msg_partitioner_murmur2(NULL, k, len, INT32_MAX, NULL, NULL);
        got = lode_to_positive(lode_murmur2(k, len)) % INT32_MAX;
        if (want != got) {
            CHECK_EQ(got, want);
            return;
        }
    }
}

/*
 * Java vectors. Expected values were produced offline with OpenJDK 17.0.15 by
 * a throwaway program that printed, for each input, s.hashCode() and
 * s.length() of s = new String(bytes, StandardCharsets.UTF_8) (for valid
 * strings: the literal's getBytes(UTF_8)), and Utils.abs(h) % 50. Nothing here
 * is computed by the code under test.
 */
static const struct {
    const char *utf8;
    size_t len;
    int32_t hash;
    size_t units; /* UTF-16 length */
    int32_t part50;
} java_valid[] = {
    {"", 0, 0, 0, 0},
    {"hello", 5, 99162322, 5, 22},
    {"a", 1, 97, 1, 47},
    {"group-1", 7, 293427299, 7, 49},
    {"my-consumer-group", 17, 1513705513, 17, 13},
    /* hashCode is INT32_MIN: Utils.abs gives 0 (Math.abs would give -48). */
    {"polygenelubricants", 18, INT32_MIN, 18, 0},
    {"\xc3\xa9", 2, 233, 1, 33}, /* é */
    {"Gr\xc3\xbc\xc3\x9f"
     "e",
     7, 69215351, 5, 1},                                                 /* Grüße */
    {"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9, 25921943, 3, 43},        /* 日本語 */
    {"\xf0\x9f\x98\x80", 4, 1772899, 2, 49},                             /* U+1F600 */
    {"caf\xc3\xa9-\xf0\x9f\x8e\x89-grp", 14, 1530289937, 11, 37},        /* café-🎉-grp */
    {"\xef\xbf\xbf\xe0\xa0\x80\xdf\xbf\xc2\x80", 10, 1954384898, 4, 48}, /* FFFF 0800 07FF 0080 */
};

TEST(java_hashcode_valid_utf8)
{
    for (size_t i = 0; i < sizeof java_valid / sizeof java_valid[0]; i++) {
        CHECK_EQ(lode_java_string_hashcode(java_valid[i].utf8, java_valid[i].len),
                 java_valid[i].hash);
        CHECK_EQ(lode_utf8_to_utf16_java(java_valid[i].utf8, java_valid[i].len, NULL, 0),
                 java_valid[i].units);
        CHECK_EQ(lode_group_coordinator_partition(java_valid[i].utf8, java_valid[i].len, 50),
                 java_valid[i].part50);
    }
    CHECK_EQ(lode_java_string_hashcode(NULL, 0), 0);
    CHECK_EQ(lode_group_coordinator_partition("hello", 5, 0), -1);
    CHECK_EQ(lode_group_coordinator_partition("hello", 5, 1), 0);

    uint16_t u[4];
    CHECK_EQ(lode_utf8_to_utf16_java("a\xf0\x9f\x98\x80"
                                     "b",
                                     6, u, 4),
             4);
    CHECK_EQ(u[0], 'a');
    CHECK_EQ(u[1], 0xd83d);
    CHECK_EQ(u[2], 0xde00);
    CHECK_EQ(u[3], 'b');
}

/* Malformed UTF-8, decoded by OpenJDK 17's new String(bytes, UTF_8): the
 * resulting UTF-16 units (as Java printed them) and the hashCode. */
TEST(java_hashcode_malformed_utf8)
{
    static const struct {
        const char *utf8;
        size_t len;
        int32_t hash;
        uint16_t units[6];
        size_t nunits;
    } v[] = {
        {"\xc3", 1, 65533, {0xfffd}, 1},
        {"\xe2\x82", 2, 65533, {0xfffd}, 1},
        {"\xed\xa0\x80", 3, 65533, {0xfffd}, 1}, /* an encoded surrogate */
        {"\xf0\x9f\x98", 3, 65533, {0xfffd}, 1},
        {"\xc0\xaf", 2, 2097056, {0xfffd, 0xfffd}, 2},
        {"\xf4\x90\x80\x80", 4, 2017367872, {0xfffd, 0xfffd, 0xfffd, 0xfffd}, 4},
        {"\x80\x80", 2, 2097056, {0xfffd, 0xfffd}, 2},
        {"\xe0\x80\x80", 3, 65074269, {0xfffd, 0xfffd, 0xfffd}, 3},
        {"\xe0\x80", 2, 2097056, {0xfffd, 0xfffd}, 2},
        {"\xf0\x80", 2, 2097056, {0xfffd, 0xfffd}, 2},
        {"\xf0\x90", 2, 65533, {0xfffd}, 1},
        {"\xf0\x90\x41", 3, 2031588, {0xfffd, 0x41}, 2},
        {"\xf0\x90\x80\x41", 4, 2031588, {0xfffd, 0x41}, 2},
        {"\xe2\x41\x42", 3, 62979294, {0xfffd, 0x41, 0x42}, 3},
        {"\xf8\x88\x80\x80\x80", 5, -1886039875, {0xfffd, 0xfffd, 0xfffd, 0xfffd, 0xfffd}, 5},
        {"\xed\xbf\xbf\x41", 4, 2031588, {0xfffd, 0x41}, 2},
        {"\x61\xf0\x9f\x98\x80\x62", 6, 57849694, {0x61, 0xd83d, 0xde00, 0x62}, 4},
        {"\xc2\x41", 2, 2031588, {0xfffd, 0x41}, 2},
        {"\xf1\x80\x41", 3, 2031588, {0xfffd, 0x41}, 2},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint16_t u[8];
        CHECK_EQ(lode_java_string_hashcode(v[i].utf8, v[i].len), v[i].hash);
        size_t n = lode_utf8_to_utf16_java(v[i].utf8, v[i].len, u, 8);
        CHECK_EQ(n, v[i].nunits);
        if (n == v[i].nunits)
            CHECK_MEMEQ(u, v[i].units, n * sizeof u[0]);
    }
}

/*
 * Differential check against the JDK over 200,000 random byte strings rich in
 * UTF-8 edge bytes. The generator below was run identically in Java (same
 * xorshift64* with Java's long arithmetic and Long.remainderUnsigned) and the
 * Java side computed acc = acc * 1000003 + new String(b, UTF_8).hashCode()
 * (64-bit wrapping) and the sum of the strings' lengths. The seeds are fixed
 * because the expected values are.
 */
static uint64_t jx;
static uint64_t jnext(void)
{
    jx ^= jx >> 12;
    jx ^= jx << 25;
    jx ^= jx >> 27;
    return jx * 0x2545F4914F6CDD1Dull;
}
static uint64_t jrnd(uint64_t n)
{
    return jnext() % n;
}

static void java_random_round(uint64_t seed, int maxlen, uint64_t *acc_out, uint64_t *units_out)
{
    static const uint8_t leads[] = {0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEE,
                                    0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xF7, 0xF8, 0xFF};
    uint8_t b[64];
    uint64_t acc = 0, units = 0;
    jx = seed;
    for (int i = 0; i < 100000; i++) {
        size_t len = (size_t)jrnd((uint64_t)maxlen + 1);
        for (size_t j = 0; j < len; j++) {
            switch (jrnd(4)) {
            case 0:
                b[j] = (uint8_t)(0x20 + jrnd(0x5f));
                break;
            case 1:
                b[j] = (uint8_t)(0x80 + jrnd(0x40));
                break;
            case 2:
                b[j] = leads[jrnd(sizeof leads)];
                break;
            default:
                b[j] = (uint8_t)jrnd(256);
                break;
            }
        }
        acc = acc * 1000003u + (uint64_t)(int64_t)lode_java_string_hashcode((char *)b, len);
        units += lode_utf8_to_utf16_java((char *)b, len, NULL, 0);
    }
    *acc_out = acc;
    *units_out = units;
}

TEST(java_hashcode_matches_jdk_on_random_bytes)
{
    uint64_t acc, units;
    java_random_round(0x1234567ull, 12, &acc, &units);
    CHECK_EQ(acc, 0xd233ff2e52bbe327ull);
    CHECK_EQ(units, 566479);
    java_random_round(0x9e3779b97f4a7c15ull, 40, &acc, &units);
    CHECK_EQ(acc, 0x9367de9a79b787e9ull);
    CHECK_EQ(units, 1877585);
}

TEST(utf16_decode_respects_capacity)
{
    uint16_t u[3] = {0xaaaa, 0xaaaa, 0xaaaa};
    CHECK_EQ(lode_utf8_to_utf16_java("abcdef", 6, u, 2), 6);
    CHECK_EQ(u[0], 'a');
    CHECK_EQ(u[1], 'b');
    CHECK_EQ(u[2], 0xaaaa);
}

/* ---- lode_hash64 ---- */

TEST(hash64_deterministic_and_seeded)
{
    const char *s = "orders-topic";
    CHECK(lode_hash64(s, strlen(s), 1) == lode_hash64(s, strlen(s), 1));
    CHECK(lode_hash64(s, strlen(s), 1) != lode_hash64(s, strlen(s), 2));
    CHECK(lode_hash64(NULL, 0, 7) == lode_hash64("", 0, 7));
    CHECK(lode_hash64("", 0, 7) != lode_hash64("\0", 1, 7));
    CHECK(lode_hash64("\0", 1, 7) != lode_hash64("\0\0", 2, 7));
    CHECK(lode_hash_seed() == lode_hash_seed());
}

/* Keys that differ only in length or in one byte anywhere must hash apart,
 * for every length through several 16-byte blocks. */
TEST(hash64_lengths_and_positions)
{
    uint8_t buf[80];
    memset(buf, 0, sizeof buf);
    uint64_t h[81];
    for (size_t n = 0; n <= 80; n++) {
        h[n] = lode_hash64(buf, n, 0);
        for (size_t m = 0; m < n; m++)
            REQUIRE(h[m] != h[n]);
    }
    for (size_t n = 1; n <= 80; n++) {
        uint64_t base = lode_hash64(buf, n, 0);
        for (size_t i = 0; i < n; i++) {
            buf[i] = 1;
            REQUIRE(lode_hash64(buf, n, 0) != base);
            buf[i] = 0;
        }
    }
}

/* Avalanche: flipping one input bit flips about half the output bits. */
TEST(hash64_avalanche)
{
    uint64_t rng = lode_test_seed();
    static const size_t lens[] = {3, 8, 13, 16, 24, 40};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        size_t len = lens[li];
        uint8_t key[40];
        double total = 0;
        int trials = 0;
        for (int t = 0; t < 200; t++) {
            for (size_t j = 0; j < len; j++)
                key[j] = (uint8_t)lode_test_rand(&rng);
            uint64_t h0 = lode_hash64(key, len, 0x5eed);
            for (size_t bit = 0; bit < len * 8; bit++) {
                key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                total += __builtin_popcountll(h0 ^ lode_hash64(key, len, 0x5eed));
                key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                trials++;
            }
        }
        double mean = total / trials;
        if (mean < 31.0 || mean > 33.0)
            lode_test_fail_at(__FILE__, __LINE__, "len %zu: mean flipped bits %.2f", len, mean);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sequential, look-alike keys (topic-0 … topic-N) spread evenly over the
 * low bits that an open-addressing table uses, and never collide in 64 bits. */
TEST(hash64_distribution_of_similar_keys)
{
    enum { N = 1 << 16, BUCKETS = 1 << 10 };
    uint64_t *hs = malloc(N * sizeof *hs);
    unsigned counts[BUCKETS] = {0};
    REQUIRE(hs);
    for (int i = 0; i < N; i++) {
        char k[32];
        int n = snprintf(k, sizeof k, "topic-%d", i);
        hs[i] = lode_hash64(k, (size_t)n, 0);
        counts[hs[i] & (BUCKETS - 1)]++;
    }
    double chi = 0, expect = (double)N / BUCKETS;
    for (int b = 0; b < BUCKETS; b++)
        chi += (counts[b] - expect) * (counts[b] - expect) / expect;
    /* 1023 degrees of freedom: mean 1023, sd ~45; 1300 is > 6 sd. */
    if (chi > 1300)
        lode_test_fail_at(__FILE__, __LINE__, "chi-square %.1f", chi);
    qsort(hs, N, sizeof *hs, cmp_u64);
    for (int i = 1; i < N; i++)
        REQUIRE(hs[i] != hs[i - 1]);
    free(hs);
}

/* CRC32C's interleaved hardware path (src/core/crc32c.c) works in blocks of
 * 3 x 256 and 3 x 4096 bytes; check it against the table-driven reference
 * around every block boundary, at every alignment, and when chained. (The
 * basic vectors are in test_buf.c.) */
TEST(crc32c_interleaved_matches_reference)
{
    enum { MAX = 3 * 4096 * 3 + 3 * 256 * 2 + 64 };
    uint8_t *buf = malloc(MAX + 16);
    REQUIRE(buf);
    uint64_t rng = lode_test_seed();
    for (size_t i = 0; i < MAX + 16; i++)
        buf[i] = (uint8_t)lode_test_rand(&rng);
    static const size_t base[] = {0, 768, 1536, 12288, 12288 + 768, 24576, 36864, 36864 + 1536};
    for (size_t bi = 0; bi < sizeof base / sizeof base[0]; bi++) {
        for (int d = -9; d <= 9; d++) {
            if ((long)base[bi] + d < 0)
                continue;
            size_t len = (size_t)((long)base[bi] + d);
            for (size_t off = 0; off < 9; off++) {
                if (off + len > MAX + 16)
                    continue;
                uint32_t want = lode_crc32c_sw(0, buf + off, len);
                uint32_t got = lode_crc32c(0, buf + off, len);
                if (got != want) {
                    lode_test_fail_at(__FILE__, __LINE__, "len %zu off %zu: %08x != %08x", len, off,
                                      got, want);
                    free(buf);
                    return;
                }
                size_t cut = (size_t)(lode_test_rand(&rng) % (len + 1));
                REQUIRE(lode_crc32c(lode_crc32c(0, buf + off, cut), buf + off + cut, len - cut) ==
                        want);
                REQUIRE(lode_crc32c(0x12345678u, buf + off, len) ==
                        lode_crc32c_sw(0x12345678u, buf + off, len));
            }
        }
    }
    /* random lengths */
    for (int i = 0; i < 300; i++) {
        size_t len = (size_t)(lode_test_rand(&rng) % MAX);
        size_t off = (size_t)(lode_test_rand(&rng) % 16);
        REQUIRE(lode_crc32c(0, buf + off, len) == lode_crc32c_sw(0, buf + off, len));
    }
    free(buf);
}
