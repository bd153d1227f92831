/*
 * hash.h — the hash functions lode must compute exactly as Apache Kafka's Java
 * code does, plus a fast general-purpose hash for in-memory hash tables.
 *
 * Kafka compatibility (DESIGN.md §6):
 *  - keyed records go to partition toPositive(murmur2(key)) % n, as the Java
 *    producer's BuiltInPartitioner (and librdkafka's "murmur2_random") does;
 *  - a consumer group lives in __consumer_offsets partition
 *    Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions, where
 *    hashCode is java.lang.String's, computed over UTF-16 code units.
 *
 * Every function here is pure: thread-safe, no allocation, no global state
 * (lode_hash_seed() reads one value fixed at first use).
 */
#ifndef LODE_CORE_HASH_H
#define LODE_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): MurmurHash2,
 * 32-bit, seed 0x9747b28c, little-endian 4-byte blocks, the 1–3 byte tail
 * folded in as Java does. Returns the value as Java's signed int.
 * `key` may be NULL only when len is 0 (hash of the empty array).
 */
int32_t lode_murmur2(const void *key, size_t len);

/* Java Utils.toPositive: v & 0x7fffffff (so INT32_MIN maps to 0). */
static inline int32_t lode_to_positive(int32_t v)
{
    return (int32_t)((uint32_t)v & 0x7fffffffu);
}

/* Java Utils.abs: |v|, except that INT32_MIN (whose |v| does not fit) maps to
 * 0. Not the same as Math.abs, which returns INT32_MIN for INT32_MIN. */
static inline int32_t lode_java_utils_abs(int32_t v)
{
    return v == INT32_MIN ? 0 : (v < 0 ? -v : v);
}

/*
 * The partition the Java producer picks for a record with a non-null key:
 * toPositive(murmur2(key)) % num_partitions. num_partitions must be > 0
 * (returns -1 otherwise). A null key is not hashed by Kafka (it uses sticky
 * partitioning), so callers handle that case themselves.
 */
int32_t lode_kafka_partition_for_key(const void *key, size_t len, int32_t num_partitions);

/*
 * java.lang.String.hashCode() of the string that Java would decode from these
 * UTF-8 bytes (new String(bytes, StandardCharsets.UTF_8), which is what
 * Kafka's protocol readers do): s[0]*31^(n-1) + ... + s[n-1] in 32-bit
 * wrapping arithmetic over UTF-16 code units. Code points above U+FFFF count
 * as their two surrogates. Malformed input is replaced exactly as the JDK's
 * UTF-8 decoder replaces it (each malformed sequence becomes one U+FFFD; the
 * JDK's rules for what one "sequence" is are followed, including encoded
 * surrogates, overlongs, and a truncated sequence at the end of the input).
 * `utf8` may be NULL only when len is 0.
 */
int32_t lode_java_string_hashcode(const char *utf8, size_t len);

/*
 * Decodes UTF-8 to UTF-16 with the same replacement rules as
 * lode_java_string_hashcode(). Writes at most `cap` code units to `out` (which
 * may be NULL when cap is 0) and returns the total number the full decoding
 * has, so a caller can size a buffer with a first call. Never more than len.
 */
size_t lode_utf8_to_utf16_java(const char *utf8, size_t len, uint16_t *out, size_t cap);

/*
 * The __consumer_offsets partition that coordinates `group`:
 * Utils.abs(group.hashCode()) % num_partitions, as Kafka's
 * GroupCoordinatorService.partitionFor. num_partitions must be > 0 (returns
 * -1 otherwise). The same formula places transactional ids in
 * __transaction_state.
 */
int32_t lode_group_coordinator_partition(const char *group, size_t len, int32_t num_partitions);

/*
 * A fast, well-mixed 64-bit hash for in-memory hash tables (not for anything
 * persisted or sent on the wire: its values may change between releases, and
 * it is not a cryptographic hash). Different seeds give unrelated functions;
 * tables keyed by attacker-chosen bytes use lode_hash_seed() so that colliding
 * keys cannot be precomputed. `data` may be NULL only when len is 0.
 */
uint64_t lode_hash64(const void *data, size_t len, uint64_t seed);

/*
 * A per-process random seed for lode_hash64, read from getrandom(2) on first
 * use (thread-safe) and constant afterwards. Setting the environment variable
 * LODE_HASH_SEED (a decimal or 0x-hex number) before first use fixes it, for
 * reproducing a run exactly.
 */
uint64_t lode_hash_seed(void);

#endif
