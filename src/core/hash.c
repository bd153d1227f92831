/*
 * hash.c — Kafka-compatible hashes (murmur2, Java String.hashCode) and the
 * general-purpose lode_hash64.
 *
 * Java's int arithmetic wraps modulo 2^32; C's signed overflow is undefined,
 * so everything below computes in uint32_t and converts to int32_t at the end
 * (two's complement, as Java defines it). Java's `>>>` is a logical shift,
 * which on uint32_t is plain `>>`.
 */
#include "core/hash.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* ---- murmur2 --------------------------------------------------------- */

#define MURMUR2_SEED 0x9747b28cu
#define MURMUR2_M 0x5bd1e995u
#define MURMUR2_R 24

int32_t lode_murmur2(const void *key, size_t len)
{
    const uint8_t *p = key;
    /* Java: int h = seed ^ length, with length an int (byte arrays are < 2^31). */
    uint32_t h = MURMUR2_SEED ^ (uint32_t)len;
    size_t nblocks = len / 4;

    for (size_t i = 0; i < nblocks; i++, p += 4) {
        uint32_t k =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        k *= MURMUR2_M;
        k ^= k >> MURMUR2_R;
        k *= MURMUR2_M;
        h *= MURMUR2_M;
        h ^= k;
    }

    /* The tail: Java's switch falls through from 3 to 1, and multiplies once
     * if any tail byte exists. Bytes are masked (& 0xff), so no sign spill. */
    switch (len & 3) {
    case 3:
        h ^= (uint32_t)p[2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)p[1] << 8;
        /* fall through */
    case 1:
        h ^= (uint32_t)p[0];
        h *= MURMUR2_M;
        break;
    default:
        break;
    }

    h ^= h >> 13;
    h *= MURMUR2_M;
    h ^= h >> 15;
    return (int32_t)h;
}

int32_t lode_kafka_partition_for_key(const void *key, size_t len, int32_t num_partitions)
{
    if (num_partitions <= 0)
        return -1;
    return lode_to_positive(lode_murmur2(key, len)) % num_partitions;
}

/* ---- Java's UTF-8 decoding and String.hashCode ------------------------- */

#define REPL 0xfffdu

/* Where decoded UTF-16 code units go: into a hash, a buffer, or both. */
typedef struct {
    uint32_t hash;
    uint16_t *out;
    size_t cap;
    size_t n;
} u16_sink_t;

static inline void sink_put(u16_sink_t *s, uint32_t unit)
{
    s->hash = s->hash * 31u + unit;
    if (s->n < s->cap)
        s->out[s->n] = (uint16_t)unit;
    s->n++;
}

static inline int is_cont(uint8_t b)
{
    return (b & 0xc0) == 0x80;
}

/* A 3-byte lead E0 needs a second byte in A0..BF (else overlong). */
static inline int bad3_second(uint8_t b1, uint8_t b2)
{
    return (b1 == 0xe0 && (b2 & 0xe0) == 0x80) || !is_cont(b2);
}

/* A 4-byte lead F0 needs a second byte in 90..BF, F4 one in 80..8F. */
static inline int bad4_second(uint8_t b1, uint8_t b2)
{
    return (b1 == 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (b1 == 0xf4 && (b2 & 0xf0) != 0x80) ||
           !is_cont(b2);
}

/*
 * Decodes like the JDK (17) does for new String(bytes, UTF_8): the rules of
 * java.lang.String's UTF-8 decoder with replacement. In short, a malformed
 * sequence is replaced by one U+FFFD and decoding resumes after the longest
 * prefix that could still have been valid (the "maximal subpart"), with these
 * JDK particularities, all checked against the JDK by tests/unit/test_hash.c:
 *  - a well-formed 3-byte encoding of a surrogate (ED A0..BF xx) is one U+FFFD
 *    for all three bytes;
 *  - an incomplete sequence cut by the end of the input is one U+FFFD for the
 *    rest of the input, except where its second (or, for 4-byte leads, third)
 *    byte is already wrong, in which case only the prefix before it is
 *    replaced and decoding continues at the wrong byte;
 *  - C0, C1, F5..FF and stray continuation bytes are one U+FFFD each.
 */
static void java_utf8_decode(const uint8_t *p, size_t len, u16_sink_t *s)
{
    size_t i = 0;
    while (i < len) {
        uint8_t b1 = p[i++];
        if (b1 < 0x80) {
            sink_put(s, b1);
        } else if ((b1 & 0xe0) == 0xc0 && b1 >= 0xc2) {
            if (i < len) {
                uint8_t b2 = p[i];
                if (!is_cont(b2)) {
                    sink_put(s, REPL); /* b2 is decoded on its own */
                } else {
                    i++;
                    sink_put(s, ((uint32_t)(b1 & 0x1f) << 6) | (b2 & 0x3f));
                }
                continue;
            }
            sink_put(s, REPL);
            break;
        } else if ((b1 & 0xf0) == 0xe0) {
            if (i + 1 < len) {
                uint8_t b2 = p[i], b3 = p[i + 1];
                if (bad3_second(b1, b2)) {
                    sink_put(s, REPL);
                } else if (!is_cont(b3)) {
                    sink_put(s, REPL);
                    i += 1;
                } else {
                    uint32_t c =
                        ((uint32_t)(b1 & 0x0f) << 12) | ((uint32_t)(b2 & 0x3f) << 6) | (b3 & 0x3f);
                    i += 2;
                    sink_put(s, (c >= 0xd800 && c <= 0xdfff) ? REPL : c);
                }
                continue;
            }
            /* One or zero bytes follow the lead. */
            if (i < len && bad3_second(b1, p[i])) {
                sink_put(s, REPL);
                continue;
            }
            sink_put(s, REPL);
            break;
        } else if ((b1 & 0xf8) == 0xf0) {
            if (i + 2 < len) {
                uint8_t b2 = p[i], b3 = p[i + 1], b4 = p[i + 2];
                if (b1 > 0xf4 || bad4_second(b1, b2)) {
                    sink_put(s, REPL);
                } else if (!is_cont(b3)) {
                    sink_put(s, REPL);
                    i += 1;
                } else if (!is_cont(b4)) {
                    sink_put(s, REPL);
                    i += 2;
                } else {
                    uint32_t cp = ((uint32_t)(b1 & 0x07) << 18) | ((uint32_t)(b2 & 0x3f) << 12) |
                                  ((uint32_t)(b3 & 0x3f) << 6) | (b4 & 0x3f);
                    i += 3;
                    cp -= 0x10000;
                    sink_put(s, 0xd800u + (cp >> 10));
                    sink_put(s, 0xdc00u + (cp & 0x3ff));
                }
                continue;
            }
            /* Fewer than three bytes follow the lead. */
            if (b1 > 0xf4 || (i < len && bad4_second(b1, p[i]))) {
                sink_put(s, REPL);
                continue;
            }
            sink_put(s, REPL);
            /* The JDK steps over the (valid or absent) second byte, then
             * resumes at a third byte that is not a continuation byte, or
             * else swallows the rest. */
            i++;
            if (i < len && !is_cont(p[i]))
                continue;
            break;
        } else {
            sink_put(s, REPL);
        }
    }
}

int32_t lode_java_string_hashcode(const char *utf8, size_t len)
{
    const uint8_t *p = (const uint8_t *)utf8;
    uint32_t h = 0;
    size_t i = 0;
    /* ASCII fast path: one code unit per byte. */
    while (i < len && p[i] < 0x80)
        h = h * 31u + p[i++];
    if (i == len)
        return (int32_t)h;
    u16_sink_t s = {.hash = h};
    java_utf8_decode(p + i, len - i, &s);
    return (int32_t)s.hash;
}

size_t lode_utf8_to_utf16_java(const char *utf8, size_t len, uint16_t *out, size_t cap)
{
    u16_sink_t s = {.out = out, .cap = out ? cap : 0};
    java_utf8_decode((const uint8_t *)utf8, len, &s);
    return s.n;
}

int32_t lode_group_coordinator_partition(const char *group, size_t len, int32_t num_partitions)
{
    if (num_partitions <= 0)
        return -1;
    return lode_java_utils_abs(lode_java_string_hashcode(group, len)) % num_partitions;
}

/* ---- lode_hash64 ------------------------------------------------------ */

/*
 * A multiply-fold hash: each 16-byte block is mixed by one 64x64->128-bit
 * multiplication whose halves are xored together ("fold"), which spreads
 * every input bit over the whole word. Inputs are xored with odd constants
 * first so that zero words do not zero the product, and the running state
 * enters every block, so block order matters. The tail is read as (possibly
 * overlapping) whole words, never byte by byte, and the length is mixed in at
 * the end so that inputs differing only in trailing zeros differ.
 */
#define H_K0 0xa0761d6478bd642full
#define H_K1 0xe7037ed1a0b428dbull
#define H_K2 0x8ebc6af09c88c6e3ull
#define H_K3 0x589965cc75374cc3ull

static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

uint64_t lode_hash64(const void *data, size_t len, uint64_t seed)
{
    const uint8_t *p = data;
    uint64_t h = seed ^ H_K0;
    uint64_t a, b;
    size_t n = len;

    while (n > 16) {
        h = fold_mul(rd64(p) ^ H_K1, rd64(p + 8) ^ h);
        p += 16;
        n -= 16;
    }
    if (n >= 8) {
        a = rd64(p);
        b = rd64(p + n - 8);
    } else if (n >= 4) {
        a = rd32(p);
        b = rd32(p + n - 4);
    } else if (n > 0) {
        a = (uint64_t)p[0] << 16 | (uint64_t)p[n >> 1] << 8 | p[n - 1];
        b = 0;
    } else {
        a = b = 0;
    }
    h = fold_mul(a ^ H_K1, b ^ h ^ H_K2);
    return fold_mul(h ^ H_K3, (uint64_t)len ^ H_K1);
}

static uint64_t process_seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
    const char *env = getenv("LODE_HASH_SEED");
    if (env && *env) {
        process_seed = strtoull(env, NULL, 0);
        return;
    }
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v) {
        /* No entropy yet (early boot): time and pid still differ per run. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        v = (uint64_t)ts.tv_nsec * H_K1 ^ (uint64_t)ts.tv_sec ^ (uint64_t)getpid() << 32;
    }
    process_seed = v;
}

uint64_t lode_hash_seed(void)
{
    pthread_once(&seed_once, seed_init);
    return process_seed;
}
