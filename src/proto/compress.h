/*
 * compress.h — Kafka's record-batch compression codecs, byte-exact with the
 * Kafka clients, through Debian's zlib, snappy, liblz4 and libzstd.
 *
 * Codec ids are the low three bits of a record batch's attributes:
 *
 *   0 none    the records as they are
 *   1 gzip    a gzip stream (RFC 1952); concatenated members are accepted
 *   2 snappy  either one raw snappy block (what librdkafka, Sarama and
 *             franz-go write) or the xerial snappy-java stream framing (what
 *             the Java client writes: "\x82SNAPPY\0", int32 version, int32
 *             compatible version, then [int32 BE length][raw snappy block]…).
 *             Decompression detects the framing; compression writes one raw
 *             block, which every Kafka client decodes (snappy-java's
 *             SnappyInputStream falls back to a raw block without the magic).
 *   3 lz4     the standard LZ4 frame format (KafkaLZ4BlockOutputStream writes
 *             64 KiB independent blocks, no checksums, no content size; frames
 *             with content size, block or content checksums, or linked blocks
 *             are accepted too). The v0/v1-era broken header checksum does not
 *             occur in v2 batches and is rejected.
 *   4 zstd    one or more zstd frames; the content size may be absent.
 *
 * Decompression is bounded: the caller passes the largest output it accepts
 * and gets LODE_ETOOBIG as soon as the data would expand past it — never an
 * allocation of an attacker-chosen size (a decompression bomb costs at most
 * max_bytes of memory and the work to produce it). Corrupted input gives
 * LODE_ECOMPRESS, never a crash.
 *
 * Threads: the functions are reentrant. A lode_codec_ctx_t caches the
 * libraries' (de)compression contexts so the hot path allocates nothing per
 * batch; it belongs to one thread at a time (a reactor keeps one).
 */
#ifndef LODE_PROTO_COMPRESS_H
#define LODE_PROTO_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Codec ids, as in attributes bits 0-2 and Kafka's CompressionType.id. */
typedef enum lode_compression {
    LODE_COMPRESSION_NONE = 0,
    LODE_COMPRESSION_GZIP = 1,
    LODE_COMPRESSION_SNAPPY = 2,
    LODE_COMPRESSION_LZ4 = 3,
    LODE_COMPRESSION_ZSTD = 4,
} lode_compression_t;

/* Highest valid codec id; 5..7 in the attribute bits are corrupt batches. */
#define LODE_COMPRESSION_MAX 4

/*
 * Selects a codec's default level (Kafka's compression.<codec>.level
 * defaults: gzip zlib's default (6), lz4 9, zstd 3; snappy has no levels).
 */
#define LODE_COMPRESSION_LEVEL_DEFAULT INT32_MIN

/* Kafka's name of a codec ("none", "gzip", "snappy", "lz4", "zstd"), or
 * "unknown" for an id outside 0..4. Never NULL. */
const char *lode_compression_name(int codec);

/*
 * Parses a Kafka codec name (compression.type values, case-sensitive like
 * Kafka: "none", "gzip", "snappy", "lz4", "zstd"). Returns 0 and sets *out,
 * or LODE_EINVAL. ("producer", a topic-level value meaning "keep the
 * producer's codec", is the caller's business.)
 */
int lode_compression_from_name(const char *name, lode_compression_t *out);

/*
 * Checks a compression level as Kafka's config validators do: gzip 1..9 or
 * -1, lz4 1..17, zstd -131072..22; none and snappy accept only
 * LODE_COMPRESSION_LEVEL_DEFAULT. LODE_COMPRESSION_LEVEL_DEFAULT is valid
 * for every codec. Returns 0, or LODE_EINVAL (also for an unknown codec).
 */
int lode_compression_level_check(int codec, int level);

/* The level LODE_COMPRESSION_LEVEL_DEFAULT stands for (gzip -1, lz4 9,
 * zstd 3; 0 for none and snappy). */
int lode_compression_level_default(int codec);

/* Cached library contexts for one thread (opaque). */
typedef struct lode_codec_ctx lode_codec_ctx_t;

/* A new, empty context; library contexts are created on first use. */
lode_codec_ctx_t *lode_codec_ctx_new(void);
/* Frees the context and everything it caches. NULL is a no-op. */
void lode_codec_ctx_free(lode_codec_ctx_t *ctx);

/*
 * Compresses src[0..len) with `codec` at `level` (LODE_COMPRESSION_LEVEL_DEFAULT
 * or a level lode_compression_level_check() accepts) and APPENDS the result
 * to `out` (existing contents are kept; on failure out->len is unchanged).
 * LODE_COMPRESSION_NONE appends a copy. ctx may be NULL (a temporary context
 * is used). Returns 0, LODE_EINVAL (unknown codec, bad level, len > INT32_MAX
 * for snappy/lz4), or LODE_ECOMPRESS (library failure).
 */
int lode_compress(lode_codec_ctx_t *ctx, int codec, int level, const void *src, size_t len,
                  lode_buf_t *out);

/*
 * Decompresses src[0..len), compressed with `codec` in Kafka's framing (see
 * the top of this file), and APPENDS the output to `out`. At most max_bytes
 * are produced: data that would expand further fails with LODE_ETOOBIG, having
 * grown `out` by at most about max_bytes. Input that is not a complete, valid
 * stream — including trailing bytes after it — fails with LODE_ECOMPRESS.
 * On failure out->len is restored (the capacity may have grown). ctx may be
 * NULL. LODE_COMPRESSION_NONE appends a copy (LODE_ETOOBIG if len >
 * max_bytes). Returns 0, LODE_EINVAL (unknown codec), LODE_ETOOBIG or
 * LODE_ECOMPRESS.
 */
int lode_decompress(lode_codec_ctx_t *ctx, int codec, const void *src, size_t len, size_t max_bytes,
                    lode_buf_t *out);

#endif
