/* Compression codecs: round trips, Kafka framing, cross-checks against the
 * libraries' own encoders and decoders, bounds, corruption. */
#include <stdlib.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "core/buf.h"
#include "proto/compress.h"
#include "test.h"

static const int codecs[] = {LODE_COMPRESSION_NONE, LODE_COMPRESSION_GZIP, LODE_COMPRESSION_SNAPPY,
                             LODE_COMPRESSION_LZ4, LODE_COMPRESSION_ZSTD};
#define NCODECS 5

/* Data that compresses somewhat: random words from a small vocabulary,
 * sprinkled with random bytes. */
static void fill_data(uint8_t *p, size_t n, uint64_t *rng, int kind)
{
    static const char *words[] = {"kafka ", "lode ", "record ", "batch ", "offset ", "{\"k\":1}"};
    size_t i = 0;
    while (i < n) {
        uint64_t x = lode_test_rand(rng);
        if (kind == 0) { /* incompressible */
            p[i++] = (uint8_t)x;
        } else if (kind == 1) { /* zeros */
            p[i++] = 0;
        } else {
            const char *w = words[x % 6];
            for (size_t k = 0; w[k] && i < n; k++)
                p[i++] = (uint8_t)w[k];
            if (i < n && (x >> 8) % 7 == 0)
                p[i++] = (uint8_t)(x >> 16);
        }
    }
}

static void roundtrip(lode_codec_ctx_t *ctx, int codec, int level, const uint8_t *src, size_t n)
{
    lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
    int rc = lode_compress(ctx, codec, level, src, n, &c);
    CHECK_EQ(rc, 0);
    rc = lode_decompress(ctx, codec, c.data, c.len, n, &d);
    if (rc != 0)
        lode_test_fail_at(__FILE__, __LINE__, "codec %d level %d len %zu: decompress rc %d", codec,
                          level, n, rc);
    CHECK_EQ(d.len, n);
    if (n)
        CHECK_MEMEQ(d.data, src, n);
    /* The exact bound succeeds, one byte less fails. */
    if (n > 0) {
        lode_buf_reset(&d);
        CHECK_EQ(lode_decompress(ctx, codec, c.data, c.len, n - 1, &d), LODE_ETOOBIG);
        CHECK_EQ(d.len, 0);
    }
    lode_buf_free(&c);
    lode_buf_free(&d);
}

TEST(names_and_levels)
{
    lode_compression_t c;
    for (int i = 0; i < NCODECS; i++) {
        CHECK_EQ(lode_compression_from_name(lode_compression_name(i), &c), 0);
        CHECK_EQ(c, i);
    }
    CHECK_STREQ(lode_compression_name(5), "unknown");
    CHECK_STREQ(lode_compression_name(-1), "unknown");
    CHECK_EQ(lode_compression_from_name("GZIP", &c), LODE_EINVAL);
    CHECK_EQ(lode_compression_from_name("producer", &c), LODE_EINVAL);
    CHECK_EQ(lode_compression_level_default(LODE_COMPRESSION_GZIP), -1);
    CHECK_EQ(lode_compression_level_default(LODE_COMPRESSION_LZ4), 9);
    CHECK_EQ(lode_compression_level_default(LODE_COMPRESSION_ZSTD), 3);
    for (int i = 0; i < NCODECS; i++)
        CHECK_EQ(lode_compression_level_check(i, LODE_COMPRESSION_LEVEL_DEFAULT), 0);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_GZIP, -1), 0);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_GZIP, 0), LODE_EINVAL);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_GZIP, 9), 0);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_GZIP, 10), LODE_EINVAL);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_LZ4, 0), LODE_EINVAL);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_LZ4, 17), 0);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_LZ4, 18), LODE_EINVAL);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_ZSTD, -131072), 0);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_ZSTD, -131073), LODE_EINVAL);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_ZSTD, 22), 0);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_ZSTD, 23), LODE_EINVAL);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_SNAPPY, 1), LODE_EINVAL);
    CHECK_EQ(lode_compression_level_check(LODE_COMPRESSION_NONE, 0), LODE_EINVAL);
    CHECK_EQ(lode_compression_level_check(7, LODE_COMPRESSION_LEVEL_DEFAULT), LODE_EINVAL);
    lode_buf_t out = LODE_BUF_INIT;
    CHECK_EQ(lode_compress(NULL, 5, LODE_COMPRESSION_LEVEL_DEFAULT, "x", 1, &out), LODE_EINVAL);
    CHECK_EQ(lode_compress(NULL, LODE_COMPRESSION_LZ4, 99, "x", 1, &out), LODE_EINVAL);
    CHECK_EQ(lode_decompress(NULL, 5, "x", 1, 10, &out), LODE_EINVAL);
    CHECK_EQ(out.len, 0);
    lode_buf_free(&out);
}

TEST(roundtrip_every_codec_sizes_and_kinds)
{
    uint64_t rng = lode_test_seed();
    static const size_t sizes[] = {0, 1, 2, 7, 100, 4095, 4096, 65535, 65536, 65537, 300000};
    lode_codec_ctx_t *ctx = lode_codec_ctx_new();
    uint8_t *buf = malloc(300000);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (int kind = 0; kind < 3; kind++) {
            fill_data(buf, sizes[s], &rng, kind);
            for (int c = 0; c < NCODECS; c++) {
                roundtrip(ctx, codecs[c], LODE_COMPRESSION_LEVEL_DEFAULT, buf, sizes[s]);
                roundtrip(NULL, codecs[c], LODE_COMPRESSION_LEVEL_DEFAULT, buf, sizes[s]);
            }
        }
    }
    free(buf);
    lode_codec_ctx_free(ctx);
}

TEST(roundtrip_levels)
{
    uint64_t rng = lode_test_seed() ^ 1;
    uint8_t buf[20000];
    fill_data(buf, sizeof buf, &rng, 2);
    lode_codec_ctx_t *ctx = lode_codec_ctx_new();
    static const int gz[] = {-1, 1, 5, 9}, lz[] = {1, 2, 3, 9, 12, 17},
                     zs[] = {-5, -1, 1, 3, 19, 22};
    for (size_t i = 0; i < sizeof gz / sizeof gz[0]; i++)
        roundtrip(ctx, LODE_COMPRESSION_GZIP, gz[i], buf, sizeof buf);
    for (size_t i = 0; i < sizeof lz / sizeof lz[0]; i++)
        roundtrip(ctx, LODE_COMPRESSION_LZ4, lz[i], buf, sizeof buf);
    for (size_t i = 0; i < sizeof zs / sizeof zs[0]; i++)
        roundtrip(ctx, LODE_COMPRESSION_ZSTD, zs[i], buf, sizeof buf);
    lode_codec_ctx_free(ctx);
}

TEST(appends_and_restores_on_failure)
{
    lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
    for (int i = 0; i < NCODECS; i++) {
        lode_buf_reset(&c);
        lode_buf_put(&c, "prefix", 6);
        CHECK_EQ(
            lode_compress(NULL, codecs[i], LODE_COMPRESSION_LEVEL_DEFAULT, "hello hello", 11, &c),
            0);
        CHECK_MEMEQ(c.data, "prefix", 6);
        lode_buf_reset(&d);
        lode_buf_put(&d, "abc", 3);
        CHECK_EQ(lode_decompress(NULL, codecs[i], c.data + 6, c.len - 6, 100, &d), 0);
        CHECK_EQ(d.len, 14);
        CHECK_MEMEQ(d.data, "abchello hello", 14);
        if (codecs[i] != LODE_COMPRESSION_NONE) {
            /* A failing call leaves the length as it was. */
            CHECK_EQ(lode_decompress(NULL, codecs[i], c.data + 6, c.len - 7, 100, &d),
                     LODE_ECOMPRESS);
            CHECK_EQ(d.len, 14);
            CHECK_EQ(lode_decompress(NULL, codecs[i], c.data + 6, c.len - 6, 5, &d), LODE_ETOOBIG);
            CHECK_EQ(d.len, 14);
        }
    }
    lode_buf_free(&c);
    lode_buf_free(&d);
}

/* ---- gzip --------------------------------------------------------------- */

/* zlib's gzip writer, independent of lode_compress. */
static void zlib_gzip(const uint8_t *src, size_t n, int level, lode_buf_t *out)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    REQUIRE(deflateInit2(&s, level, Z_DEFLATED, 31, 9, Z_FILTERED) == Z_OK);
    size_t bound = deflateBound(&s, n);
    lode_buf_reserve(out, bound);
    s.next_in = (Bytef *)src;
    s.avail_in = (uInt)n;
    s.next_out = out->data + out->len;
    s.avail_out = (uInt)bound;
    REQUIRE(deflate(&s, Z_FINISH) == Z_STREAM_END);
    out->len += bound - s.avail_out;
    deflateEnd(&s);
}

TEST(gzip_crosscheck_with_zlib)
{
    uint64_t rng = lode_test_seed() ^ 2;
    uint8_t src[50000];
    fill_data(src, sizeof src, &rng, 2);
    /* Ours, inflated by zlib directly. */
    lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
    REQUIRE(lode_compress(NULL, LODE_COMPRESSION_GZIP, LODE_COMPRESSION_LEVEL_DEFAULT, src,
                          sizeof src, &c) == 0);
    CHECK_EQ(c.data[0], 0x1f); /* gzip magic */
    CHECK_EQ(c.data[1], 0x8b);
    CHECK_EQ(c.data[2], 8); /* deflate */
    uint8_t back[50000];
    z_stream s;
    memset(&s, 0, sizeof s);
    REQUIRE(inflateInit2(&s, 16 + 15) == Z_OK);
    s.next_in = c.data;
    s.avail_in = (uInt)c.len;
    s.next_out = back;
    s.avail_out = sizeof back;
    CHECK_EQ(inflate(&s, Z_FINISH), Z_STREAM_END);
    CHECK_EQ(s.total_out, sizeof src);
    CHECK_MEMEQ(back, src, sizeof src);
    inflateEnd(&s);
    /* zlib's, inflated by us. */
    lode_buf_reset(&c);
    zlib_gzip(src, sizeof src, 9, &c);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_GZIP, c.data, c.len, sizeof src, &d), 0);
    CHECK_EQ(d.len, sizeof src);
    CHECK_MEMEQ(d.data, src, sizeof src);
    lode_buf_free(&c);
    lode_buf_free(&d);
}

TEST(gzip_multiple_members_and_trailing_garbage)
{
    lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
    zlib_gzip((const uint8_t *)"first ", 6, 6, &c);
    zlib_gzip((const uint8_t *)"", 0, 6, &c);
    zlib_gzip((const uint8_t *)"second", 6, 1, &c);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_GZIP, c.data, c.len, 100, &d), 0);
    CHECK_EQ(d.len, 12);
    CHECK_MEMEQ(d.data, "first second", 12);
    lode_buf_put(&c, "\0\0\0", 3); /* garbage after the last member */
    lode_buf_reset(&d);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_GZIP, c.data, c.len, 100, &d), LODE_ECOMPRESS);
    /* zlib (not gzip) wrapper and raw deflate are not Kafka's gzip. */
    uint8_t z[64];
    uLongf zn = sizeof z;
    REQUIRE(compress(z, &zn, (const Bytef *)"hello", 5) == Z_OK);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_GZIP, z, zn, 100, &d), LODE_ECOMPRESS);
    lode_buf_free(&c);
    lode_buf_free(&d);
}

/* ---- snappy ------------------------------------------------------------- */

/* snappy-java's SnappyOutputStream framing, built with libsnappy. */
static void xerial_frame(const uint8_t *src, size_t n, size_t chunk, lode_buf_t *out)
{
    static const uint8_t hdr[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
    lode_buf_put(out, hdr, sizeof hdr);
    for (size_t pos = 0; pos < n; pos += chunk) {
        size_t len = n - pos < chunk ? n - pos : chunk;
        size_t cap = snappy_max_compressed_length(len);
        uint8_t *lenp = lode_buf_extend(out, 4);
        size_t off = (size_t)(lenp - out->data);
        lode_buf_reserve(out, cap);
        REQUIRE(snappy_compress((const char *)src + pos, len, (char *)out->data + out->len, &cap) ==
                SNAPPY_OK);
        out->len += cap;
        lode_be32_store(out->data + off, (uint32_t)cap);
    }
}

TEST(snappy_raw_crosscheck)
{
    uint64_t rng = lode_test_seed() ^ 3;
    uint8_t src[70000];
    fill_data(src, sizeof src, &rng, 2);
    lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
    REQUIRE(lode_compress(NULL, LODE_COMPRESSION_SNAPPY, LODE_COMPRESSION_LEVEL_DEFAULT, src,
                          sizeof src, &c) == 0);
    /* Ours is one raw block libsnappy reads. */
    CHECK_EQ(snappy_validate_compressed_buffer((const char *)c.data, c.len), SNAPPY_OK);
    size_t n = 0;
    CHECK_EQ(snappy_uncompressed_length((const char *)c.data, c.len, &n), SNAPPY_OK);
    CHECK_EQ(n, sizeof src);
    /* libsnappy's raw block, read by us. */
    lode_buf_reset(&c);
    size_t cap = snappy_max_compressed_length(sizeof src);
    lode_buf_reserve(&c, cap);
    REQUIRE(snappy_compress((const char *)src, sizeof src, (char *)c.data, &cap) == SNAPPY_OK);
    c.len = cap;
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_SNAPPY, c.data, c.len, sizeof src, &d), 0);
    CHECK_EQ(d.len, sizeof src);
    CHECK_MEMEQ(d.data, src, sizeof src);
    lode_buf_free(&c);
    lode_buf_free(&d);
}

TEST(snappy_xerial_framing)
{
    uint64_t rng = lode_test_seed() ^ 4;
    uint8_t src[100000];
    fill_data(src, sizeof src, &rng, 2);
    static const size_t chunks[] = {1, 1000, 32768, 100000, 200000};
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        size_t n = chunks[k] == 1 ? 300 : sizeof src; /* 300 one-byte chunks */
        lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
        xerial_frame(src, n, chunks[k], &c);
        CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_SNAPPY, c.data, c.len, n, &d), 0);
        CHECK_EQ(d.len, n);
        CHECK_MEMEQ(d.data, src, n);
        /* Bounded across chunks. */
        lode_buf_reset(&d);
        CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_SNAPPY, c.data, c.len, n - 1, &d),
                 LODE_ETOOBIG);
        /* Every truncation fails (a cut at a chunk boundary included:
         * the length prefix would be missing or short). */
        for (size_t cut = 17; cut < c.len; cut += (c.len / 97) + 1) {
            lode_buf_reset(&d);
            int rc = lode_decompress(NULL, LODE_COMPRESSION_SNAPPY, c.data, cut, n, &d);
            if (rc == 0) {
                /* Only a cut exactly between chunks decodes: to a prefix. */
                CHECK(d.len < n);
                CHECK_MEMEQ(d.data, src, d.len);
            } else {
                CHECK_EQ(rc, LODE_ECOMPRESS);
            }
        }
        lode_buf_free(&c);
        lode_buf_free(&d);
    }
}

TEST(snappy_xerial_concatenated_and_empty)
{
    lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
    xerial_frame((const uint8_t *)"hello ", 6, 32768, &c);
    xerial_frame((const uint8_t *)"world", 5, 32768, &c);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_SNAPPY, c.data, c.len, 100, &d), 0);
    CHECK_EQ(d.len, 11);
    CHECK_MEMEQ(d.data, "hello world", 11);
    /* Header only: no records. */
    lode_buf_reset(&c);
    lode_buf_reset(&d);
    xerial_frame(NULL, 0, 32768, &c);
    CHECK_EQ(c.len, 16);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_SNAPPY, c.data, c.len, 100, &d), 0);
    CHECK_EQ(d.len, 0);
    /* A chunk length past the end, and a zero-length chunk. */
    uint8_t bad[24];
    memcpy(bad, c.data, 16);
    lode_be32_store(bad + 16, 1000);
    memset(bad + 20, 0, 4);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_SNAPPY, bad, sizeof bad, 100, &d),
             LODE_ECOMPRESS);
    lode_be32_store(bad + 16, 0);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_SNAPPY, bad, 20, 100, &d), LODE_ECOMPRESS);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_SNAPPY, bad, 18, 100, &d), LODE_ECOMPRESS);
    lode_buf_free(&c);
    lode_buf_free(&d);
}

TEST(snappy_forged_length_rejected_without_allocation)
{
    /* A 5-byte varint claiming ~4 GiB, then one literal byte. */
    uint8_t forged[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 'x'};
    lode_buf_t d = LODE_BUF_INIT;
    CHECK_EQ(
        lode_decompress(NULL, LODE_COMPRESSION_SNAPPY, forged, sizeof forged, SIZE_MAX - 1, &d),
        LODE_ECOMPRESS);
    CHECK_EQ(d.cap, 0);
    /* Within plausible expansion but beyond the caller's bound: ETOOBIG. */
    /* 200 bytes of 'x' compress to a few bytes. */
    char xs[200], claim[300];
    memset(xs, 'x', sizeof xs);
    size_t claim_len = sizeof claim;
    REQUIRE(snappy_compress(xs, sizeof xs, claim, &claim_len) == SNAPPY_OK);
    CHECK(claim_len < 20);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_SNAPPY, claim, claim_len, 100, &d),
             LODE_ETOOBIG);
    CHECK_EQ(d.cap, 0);
    lode_buf_free(&d);
}

/* ---- lz4 ---------------------------------------------------------------- */

TEST(lz4_frame_matches_kafka_layout)
{
    lode_buf_t c = LODE_BUF_INIT;
    REQUIRE(lode_compress(NULL, LODE_COMPRESSION_LZ4, LODE_COMPRESSION_LEVEL_DEFAULT, "abcabcabc",
                          9, &c) == 0);
    /* Magic 0x184D2204 LE; FLG 0x60 = version 1, independent blocks, no
     * checksums, no content size; BD 0x40 = 64 KiB blocks: what
     * KafkaLZ4BlockOutputStream writes. */
    REQUIRE(c.len >= 7);
    CHECK_EQ(c.data[0], 0x04);
    CHECK_EQ(c.data[1], 0x22);
    CHECK_EQ(c.data[2], 0x4d);
    CHECK_EQ(c.data[3], 0x18);
    CHECK_EQ(c.data[4], 0x60);
    CHECK_EQ(c.data[5], 0x40);
    /* Ends with the 4-byte zero end mark, no content checksum. */
    CHECK_EQ(lode_be32_load(c.data + c.len - 4), 0);
    lode_buf_free(&c);
}

static void lz4f_compress(const uint8_t *src, size_t n, const LZ4F_preferences_t *prefs,
                          lode_buf_t *out)
{
    size_t cap = LZ4F_compressFrameBound(n, prefs);
    lode_buf_reserve(out, cap);
    size_t got = LZ4F_compressFrame(out->data + out->len, cap, src, n, prefs);
    REQUIRE(!LZ4F_isError(got));
    out->len += got;
}

TEST(lz4_crosscheck_with_liblz4)
{
    uint64_t rng = lode_test_seed() ^ 5;
    static uint8_t src[300000];
    fill_data(src, sizeof src, &rng, 2);
    lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
    /* Ours, read by LZ4F directly. */
    REQUIRE(lode_compress(NULL, LODE_COMPRESSION_LZ4, LODE_COMPRESSION_LEVEL_DEFAULT, src,
                          sizeof src, &c) == 0);
    LZ4F_dctx *dctx;
    REQUIRE(!LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)));
    static uint8_t back[300000];
    size_t dn = sizeof back, sn = c.len;
    CHECK_EQ(LZ4F_decompress(dctx, back, &dn, c.data, &sn, NULL), 0);
    CHECK_EQ(dn, sizeof src);
    CHECK_MEMEQ(back, src, sizeof src);
    LZ4F_freeDecompressionContext(dctx);

    /* liblz4's frames in every flavour, read by us. */
    for (int variant = 0; variant < 6; variant++) {
        LZ4F_preferences_t p;
        memset(&p, 0, sizeof p);
        switch (variant) {
        case 0: /* liblz4 defaults */
            break;
        case 1:
            p.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
            break;
        case 2:
            p.frameInfo.contentSize = sizeof src;
            p.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
            break;
        case 3:
            p.frameInfo.blockMode = LZ4F_blockLinked;
            p.frameInfo.blockSizeID = LZ4F_max4MB;
            break;
        case 4:
            p.compressionLevel = 12;
            p.frameInfo.blockSizeID = LZ4F_max256KB;
            break;
        default:
            p.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
            p.frameInfo.contentSize = sizeof src;
            p.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
            p.frameInfo.blockSizeID = LZ4F_max1MB;
            break;
        }
        lode_buf_reset(&c);
        lode_buf_reset(&d);
        lz4f_compress(src, sizeof src, &p, &c);
        CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_LZ4, c.data, c.len, sizeof src, &d), 0);
        CHECK_EQ(d.len, sizeof src);
        CHECK_MEMEQ(d.data, src, sizeof src);
        lode_buf_reset(&d);
        CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_LZ4, c.data, c.len, sizeof src - 1, &d),
                 LODE_ETOOBIG);
        /* A flipped payload byte is caught when the frame carries a checksum. */
        if (p.frameInfo.contentChecksumFlag || p.frameInfo.blockChecksumFlag) {
            c.data[c.len / 2] ^= 0x01;
            lode_buf_reset(&d);
            CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_LZ4, c.data, c.len, sizeof src, &d),
                     LODE_ECOMPRESS);
        }
    }
    lode_buf_free(&c);
    lode_buf_free(&d);
}

TEST(lz4_rejects_trailing_frame_and_broken_header_checksum)
{
    lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
    LZ4F_preferences_t p;
    memset(&p, 0, sizeof p);
    lz4f_compress((const uint8_t *)"one", 3, &p, &c);
    size_t first = c.len;
    lz4f_compress((const uint8_t *)"two", 3, &p, &c);
    /* Java's reader stops after the first frame: a second one is rejected. */
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_LZ4, c.data, c.len, 100, &d), LODE_ECOMPRESS);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_LZ4, c.data, first, 100, &d), 0);
    CHECK_EQ(d.len, 3);
    /* The magic v0 era's header checksum (computed over the magic too). */
    c.data[6] ^= 0x5a;
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_LZ4, c.data, first, 100, &d), LODE_ECOMPRESS);
    lode_buf_free(&c);
    lode_buf_free(&d);
}

/* ---- zstd --------------------------------------------------------------- */

TEST(zstd_crosscheck_with_libzstd)
{
    uint64_t rng = lode_test_seed() ^ 6;
    static uint8_t src[200000];
    fill_data(src, sizeof src, &rng, 2);
    lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
    REQUIRE(lode_compress(NULL, LODE_COMPRESSION_ZSTD, LODE_COMPRESSION_LEVEL_DEFAULT, src,
                          sizeof src, &c) == 0);
    static uint8_t back[200000];
    CHECK_EQ(ZSTD_decompress(back, sizeof back, c.data, c.len), sizeof src);
    CHECK_MEMEQ(back, src, sizeof src);

    /* A streamed frame without content size (what zstd-jni writes), two
     * frames back to back, and a skippable frame. */
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    lode_buf_reset(&c);
    for (int f = 0; f < 2; f++) {
        size_t cap = ZSTD_compressBound(sizeof src / 2);
        lode_buf_reserve(&c, cap);
        ZSTD_outBuffer ob = {c.data + c.len, cap, 0};
        ZSTD_inBuffer ib = {src + f * (sizeof src / 2), sizeof src / 2, 0};
        size_t rem;
        do {
            rem = ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end);
            REQUIRE(!ZSTD_isError(rem));
        } while (rem != 0);
        c.len += ob.pos;
    }
    ZSTD_freeCCtx(cc);
    CHECK_EQ(ZSTD_getFrameContentSize(c.data, c.len), ZSTD_CONTENTSIZE_UNKNOWN);
    uint8_t skippable[12] = {0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4};
    lode_buf_put(&c, skippable, sizeof skippable);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_ZSTD, c.data, c.len, sizeof src, &d), 0);
    CHECK_EQ(d.len, sizeof src);
    CHECK_MEMEQ(d.data, src, sizeof src);
    lode_buf_reset(&d);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_ZSTD, c.data, c.len, sizeof src - 1, &d),
             LODE_ETOOBIG);
    /* Checksummed frame with a flipped byte. */
    c.data[c.len / 3] ^= 0x10;
    lode_buf_reset(&d);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_ZSTD, c.data, c.len, sizeof src, &d),
             LODE_ECOMPRESS);
    lode_buf_free(&c);
    lode_buf_free(&d);
}

/* ---- bounds and corruption -------------------------------------------- */

TEST(decompression_bombs_are_bounded)
{
    /* 64 MiB of zeros shrinks to a few KiB-100 KiB in every codec. */
    size_t n = (size_t)64 << 20;
    uint8_t *zeros = calloc(1, n);
    REQUIRE(zeros);
    lode_codec_ctx_t *ctx = lode_codec_ctx_new();
    for (int i = 1; i < NCODECS; i++) {
        lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
        REQUIRE(lode_compress(ctx, codecs[i], LODE_COMPRESSION_LEVEL_DEFAULT, zeros, n, &c) == 0);
        CHECK(c.len < n / 20);
        size_t limit = 1 << 20;
        CHECK_EQ(lode_decompress(ctx, codecs[i], c.data, c.len, limit, &d), LODE_ETOOBIG);
        CHECK_EQ(d.len, 0);
        /* Memory stays near the bound (geometric growth, one doubling). */
        if (d.cap > 2 * limit + 2)
            lode_test_fail_at(__FILE__, __LINE__, "%s grew to %zu bytes for a %zu-byte bound",
                              lode_compression_name(codecs[i]), d.cap, limit);
        lode_buf_free(&c);
        lode_buf_free(&d);
    }
    lode_codec_ctx_free(ctx);
    free(zeros);
}

TEST(every_truncation_fails)
{
    uint64_t rng = lode_test_seed() ^ 7;
    uint8_t src[3000];
    fill_data(src, sizeof src, &rng, 2);
    lode_codec_ctx_t *ctx = lode_codec_ctx_new();
    for (int i = 1; i < NCODECS; i++) {
        lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
        REQUIRE(lode_compress(ctx, codecs[i], LODE_COMPRESSION_LEVEL_DEFAULT, src, sizeof src,
                              &c) == 0);
        for (size_t cut = 0; cut < c.len; cut++) {
            lode_buf_reset(&d);
            int rc = lode_decompress(ctx, codecs[i], c.data, cut, sizeof src, &d);
            if (rc != LODE_ECOMPRESS)
                lode_test_fail_at(__FILE__, __LINE__, "%s cut at %zu of %zu: rc %d",
                                  lode_compression_name(codecs[i]), cut, c.len, rc);
        }
        lode_buf_free(&c);
        lode_buf_free(&d);
    }
    lode_codec_ctx_free(ctx);
}

TEST(random_corruption_never_crashes)
{
    uint64_t rng = lode_test_seed() ^ 8;
    uint8_t src[5000];
    fill_data(src, sizeof src, &rng, 2);
    lode_codec_ctx_t *ctx = lode_codec_ctx_new();
    for (int i = 1; i < NCODECS; i++) {
        lode_buf_t c = LODE_BUF_INIT, d = LODE_BUF_INIT;
        REQUIRE(lode_compress(ctx, codecs[i], LODE_COMPRESSION_LEVEL_DEFAULT, src, sizeof src,
                              &c) == 0);
        uint8_t *m = malloc(c.len);
        for (int iter = 0; iter < 2000; iter++) {
            memcpy(m, c.data, c.len);
            int flips = 1 + (int)(lode_test_rand(&rng) % 4);
            for (int f = 0; f < flips; f++)
                m[lode_test_rand(&rng) % c.len] ^= (uint8_t)(1 + lode_test_rand(&rng) % 255);
            lode_buf_reset(&d);
            int rc = lode_decompress(ctx, codecs[i], m, c.len, sizeof src * 2, &d);
            CHECK(rc == 0 || rc == LODE_ECOMPRESS || rc == LODE_ETOOBIG);
            if (rc == 0)
                CHECK(d.len <= sizeof src * 2);
            else
                CHECK_EQ(d.len, 0);
        }
        free(m);
        lode_buf_free(&c);
        lode_buf_free(&d);
    }
    lode_codec_ctx_free(ctx);
}

TEST(empty_and_garbage_input)
{
    lode_buf_t d = LODE_BUF_INIT;
    for (int i = 1; i < NCODECS; i++) {
        CHECK_EQ(lode_decompress(NULL, codecs[i], "", 0, 100, &d), LODE_ECOMPRESS);
        CHECK_EQ(lode_decompress(NULL, codecs[i], "garbage!garbage!", 16, 100, &d), LODE_ECOMPRESS);
    }
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_NONE, "", 0, 0, &d), 0);
    CHECK_EQ(lode_decompress(NULL, LODE_COMPRESSION_NONE, "ab", 2, 1, &d), LODE_ETOOBIG);
    CHECK_EQ(d.len, 0);
    lode_buf_free(&d);
}
