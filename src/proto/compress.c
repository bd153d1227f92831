/*
 * compress.c — Kafka's compression codecs over zlib, snappy, liblz4, libzstd.
 *
 * Every decompressor writes straight into the caller's lode_buf_t and never
 * lets it grow past max_bytes + 1 bytes of new output: producing byte
 * max_bytes + 1 is how an over-long stream is detected (LODE_ETOOBIG). The
 * buffer grows geometrically, so a small stream costs one small allocation
 * and a big one O(log n) reallocations, whatever size the stream claims.
 */
#include "proto/compress.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "core/err.h"
#include "core/mem.h"

struct lode_codec_ctx {
    z_stream inflate;
    bool inflate_ready;
    z_stream deflate;
    bool deflate_ready;
    int deflate_level;
    LZ4F_dctx *lz4_d;
    LZ4F_cctx *lz4_c;
    ZSTD_DCtx *zstd_d;
    ZSTD_CCtx *zstd_c;
};

/* Kafka's level bounds (CompressionType): see lode_compression_level_check. */
#define GZIP_LEVEL_MIN 1
#define GZIP_LEVEL_MAX 9
#define GZIP_LEVEL_DEFAULT (-1) /* Deflater.DEFAULT_COMPRESSION: zlib's 6 */
#define LZ4_LEVEL_MIN 1
#define LZ4_LEVEL_MAX 17
#define LZ4_LEVEL_DEFAULT 9
#define ZSTD_LEVEL_MIN (-131072)
#define ZSTD_LEVEL_MAX 22
#define ZSTD_LEVEL_DEFAULT 3

/* snappy-java's stream header: magic, then int32 version and compatible version. */
static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
#define XERIAL_HEADER_BYTES 16

/* The first output chunk when a stream gives no size hint. */
#define FIRST_CHUNK_BYTES 4096
/* The first reservation never exceeds this, whatever size a header claims;
 * bigger outputs grow geometrically from there. */
#define FIRST_CHUNK_MAX_BYTES (8u << 20)
/* A zstd decompression context that grew past this (frames declaring huge
 * windows) is freed after use instead of being kept in the cache. */
#define ZSTD_DCTX_KEEP_MAX_BYTES (16u << 20)

static const char *const codec_names[] = {"none", "gzip", "snappy", "lz4", "zstd"};

const char *lode_compression_name(int codec)
{
    if (codec < 0 || codec > LODE_COMPRESSION_MAX)
        return "unknown";
    return codec_names[codec];
}

int lode_compression_from_name(const char *name, lode_compression_t *out)
{
    for (int c = 0; c <= LODE_COMPRESSION_MAX; c++) {
        if (strcmp(name, codec_names[c]) == 0) {
            *out = (lode_compression_t)c;
            return 0;
        }
    }
    return LODE_EINVAL;
}

int lode_compression_level_default(int codec)
{
    switch (codec) {
    case LODE_COMPRESSION_GZIP:
        return GZIP_LEVEL_DEFAULT;
    case LODE_COMPRESSION_LZ4:
        return LZ4_LEVEL_DEFAULT;
    case LODE_COMPRESSION_ZSTD:
        return ZSTD_LEVEL_DEFAULT;
    default:
        return 0;
    }
}

int lode_compression_level_check(int codec, int level)
{
    if (codec < 0 || codec > LODE_COMPRESSION_MAX)
        return LODE_EINVAL;
    if (level == LODE_COMPRESSION_LEVEL_DEFAULT)
        return 0;
    switch (codec) {
    case LODE_COMPRESSION_GZIP:
        return (level >= GZIP_LEVEL_MIN && level <= GZIP_LEVEL_MAX) || level == GZIP_LEVEL_DEFAULT
                   ? 0
                   : LODE_EINVAL;
    case LODE_COMPRESSION_LZ4:
        return level >= LZ4_LEVEL_MIN && level <= LZ4_LEVEL_MAX ? 0 : LODE_EINVAL;
    case LODE_COMPRESSION_ZSTD:
        return level >= ZSTD_LEVEL_MIN && level <= ZSTD_LEVEL_MAX ? 0 : LODE_EINVAL;
    default:
        return LODE_EINVAL;
    }
}

lode_codec_ctx_t *lode_codec_ctx_new(void)
{
    return lode_xcalloc(1, sizeof(lode_codec_ctx_t));
}

void lode_codec_ctx_free(lode_codec_ctx_t *ctx)
{
    if (!ctx)
        return;
    if (ctx->inflate_ready)
        inflateEnd(&ctx->inflate);
    if (ctx->deflate_ready)
        deflateEnd(&ctx->deflate);
    if (ctx->lz4_d)
        LZ4F_freeDecompressionContext(ctx->lz4_d);
    if (ctx->lz4_c)
        LZ4F_freeCompressionContext(ctx->lz4_c);
    ZSTD_freeDCtx(ctx->zstd_d);
    ZSTD_freeCCtx(ctx->zstd_c);
    free(ctx);
}

/* ---- bounded output --------------------------------------------------- */

/*
 * Tracks output appended to a buffer under a bound. `allow` is how many more
 * bytes may still be produced, i.e. max_bytes + 1 - produced: producing the
 * (max_bytes + 1)-th byte proves the stream is too big.
 */
typedef struct out_window {
    lode_buf_t *out;
    size_t start; /* out->len on entry, restored on failure */
    size_t max;   /* max_bytes */
    size_t hint;  /* expected total output, for the first reservation */
} out_window_t;

static size_t out_produced(const out_window_t *w)
{
    return w->out->len - w->start;
}

/* Bytes that may still be written: up to max + 1 in total (saturating). */
static size_t out_allow(const out_window_t *w)
{
    size_t produced = out_produced(w);
    if (w->max == SIZE_MAX)
        return SIZE_MAX - w->out->len;
    return w->max + 1 - produced;
}

/*
 * Ensures free space after out->len and returns a pointer to it; *room is
 * set to the usable length: the free capacity, capped by out_allow() and by
 * `cap` (a library's own integer width). Never returns an empty room unless
 * the bound is exhausted (*room == 0).
 */
static uint8_t *out_room(out_window_t *w, size_t cap, size_t *room)
{
    size_t allow = out_allow(w);
    lode_buf_t *out = w->out;
    if (allow == 0) {
        *room = 0;
        return out->data ? out->data + out->len : NULL;
    }
    if (out->cap == out->len) {
        size_t produced = out_produced(w);
        size_t want = produced ? produced : (w->hint ? w->hint : FIRST_CHUNK_BYTES);
        if (!produced && want > FIRST_CHUNK_MAX_BYTES)
            want = FIRST_CHUNK_MAX_BYTES;
        if (want < FIRST_CHUNK_BYTES)
            want = FIRST_CHUNK_BYTES;
        if (want > allow)
            want = allow;
        lode_buf_reserve(out, want);
    }
    size_t n = out->cap - out->len;
    if (n > allow)
        n = allow;
    if (n > cap)
        n = cap;
    *room = n;
    return out->data + out->len;
}

/* The result of a finished stream: ETOOBIG when it overran the bound. */
static int out_finish(out_window_t *w, int rc)
{
    if (rc == 0 && out_produced(w) > w->max)
        rc = LODE_ETOOBIG;
    if (rc != 0)
        w->out->len = w->start;
    return rc;
}

/* ---- gzip ------------------------------------------------------------- */

static int gzip_compress(lode_codec_ctx_t *ctx, int level, const uint8_t *src, size_t len,
                         lode_buf_t *out)
{
    z_stream *s = &ctx->deflate;
    if (level == LODE_COMPRESSION_LEVEL_DEFAULT)
        level = GZIP_LEVEL_DEFAULT;
    if (!ctx->deflate_ready) {
        memset(s, 0, sizeof *s);
        /* windowBits 15 + 16: a gzip wrapper, as java.util.zip.GZIPOutputStream. */
        if (deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return LODE_ECOMPRESS;
        ctx->deflate_ready = true;
        ctx->deflate_level = level;
    } else {
        if (deflateReset(s) != Z_OK)
            return LODE_ECOMPRESS;
        if (ctx->deflate_level != level) {
            if (deflateParams(s, level, Z_DEFAULT_STRATEGY) != Z_OK)
                return LODE_ECOMPRESS;
            ctx->deflate_level = level;
        }
    }
    size_t start = out->len;
    /* deflateBound covers the whole stream when it is compressed in one go;
     * inputs over 4 GiB take several calls and may need more room. */
    lode_buf_reserve(out, deflateBound(s, (uLong)(len > UINT_MAX ? UINT_MAX : len)) + 64);
    int zrc;
    do {
        size_t in_now = len > UINT_MAX ? UINT_MAX : len;
        s->next_in = (Bytef *)src;
        s->avail_in = (uInt)in_now;
        int flush = in_now == len ? Z_FINISH : Z_NO_FLUSH;
        do {
            if (out->cap == out->len)
                lode_buf_reserve(out, out->len - start + 64);
            size_t room = out->cap - out->len;
            if (room > UINT_MAX)
                room = UINT_MAX;
            s->next_out = out->data + out->len;
            s->avail_out = (uInt)room;
            zrc = deflate(s, flush);
            out->len += room - s->avail_out;
            if (zrc == Z_STREAM_ERROR) {
                out->len = start;
                return LODE_ECOMPRESS;
            }
        } while (s->avail_out == 0 && zrc != Z_STREAM_END);
        src += in_now;
        len -= in_now;
    } while (len > 0);
    if (zrc != Z_STREAM_END) {
        out->len = start;
        return LODE_ECOMPRESS;
    }
    return 0;
}

/*
 * Inflates a gzip stream of one or more members. Anything after a member
 * that is not another gzip member is corruption (strict: the broker stores
 * what it validates, and consumers must read every byte of it).
 */
static int gzip_decompress(lode_codec_ctx_t *ctx, const uint8_t *src, size_t len, out_window_t *w)
{
    z_stream *s = &ctx->inflate;
    if (!ctx->inflate_ready) {
        memset(s, 0, sizeof *s);
        if (inflateInit2(s, 15 + 16) != Z_OK) /* gzip wrapper only */
            return LODE_ECOMPRESS;
        ctx->inflate_ready = true;
    } else if (inflateReset(s) != Z_OK) {
        return LODE_ECOMPRESS;
    }
    if (len == 0)
        return LODE_ECOMPRESS;
    w->hint = len * 4;
    size_t in_left = len;
    s->next_in = (Bytef *)src;
    s->avail_in = (uInt)(in_left > UINT_MAX ? UINT_MAX : in_left);
    in_left -= s->avail_in;
    for (;;) {
        size_t room;
        uint8_t *dst = out_room(w, UINT_MAX, &room);
        if (room == 0)
            return LODE_ETOOBIG;
        s->next_out = dst;
        s->avail_out = (uInt)room;
        int zrc = inflate(s, Z_NO_FLUSH);
        w->out->len += room - s->avail_out;
        if (s->avail_in == 0 && in_left > 0) {
            s->avail_in = (uInt)(in_left > UINT_MAX ? UINT_MAX : in_left);
            in_left -= s->avail_in;
        }
        if (zrc == Z_STREAM_END) {
            if (s->avail_in == 0)
                return 0;
            if (inflateReset(s) != Z_OK) /* another member follows */
                return LODE_ECOMPRESS;
            continue;
        }
        if (zrc == Z_OK)
            continue;
        if (zrc == Z_BUF_ERROR && s->avail_out == 0)
            continue;          /* output full: make room */
        return LODE_ECOMPRESS; /* data error, or input ended inside a member */
    }
}

/* ---- snappy ----------------------------------------------------------- */

/*
 * The largest output a raw snappy block of n bytes can hold: no element
 * expands more than a 3-byte copy of 64 bytes (ratio 64/3). Lets a forged
 * length header be rejected before anything is allocated for it.
 */
static size_t snappy_max_expansion(size_t n)
{
    return (n / 3 + 1) * 64;
}

static int snappy_raw_decompress(const uint8_t *src, size_t len, out_window_t *w)
{
    size_t n;
    if (snappy_uncompressed_length((const char *)src, len, &n) != SNAPPY_OK)
        return LODE_ECOMPRESS;
    if (n > snappy_max_expansion(len))
        return LODE_ECOMPRESS;
    if (n >= out_allow(w)) /* too big, unless it is not snappy at all */
        return snappy_validate_compressed_buffer((const char *)src, len) == SNAPPY_OK
                   ? LODE_ETOOBIG
                   : LODE_ECOMPRESS;
    lode_buf_reserve(w->out, n ? n : 1);
    size_t got = n;
    if (snappy_uncompress((const char *)src, len, (char *)w->out->data + w->out->len, &got) !=
            SNAPPY_OK ||
        got != n)
        return LODE_ECOMPRESS;
    w->out->len += n;
    return 0;
}

static bool is_xerial(const uint8_t *src, size_t len)
{
    return len >= XERIAL_HEADER_BYTES && memcmp(src, xerial_magic, sizeof xerial_magic) == 0;
}

/*
 * snappy-java's stream: header, then [int32 BE length][raw block] chunks. A
 * second header at a chunk boundary (concatenated streams) is skipped, as
 * snappy-java's SnappyInputStream does.
 */
static int snappy_xerial_decompress(const uint8_t *src, size_t len, out_window_t *w)
{
    size_t pos = XERIAL_HEADER_BYTES;
    while (pos < len) {
        if (len - pos < 4)
            return LODE_ECOMPRESS;
        if (len - pos >= XERIAL_HEADER_BYTES &&
            memcmp(src + pos, xerial_magic, sizeof xerial_magic) == 0) {
            pos += XERIAL_HEADER_BYTES;
            continue;
        }
        uint32_t chunk = lode_be32_load(src + pos);
        pos += 4;
        if (chunk == 0 || chunk > len - pos)
            return LODE_ECOMPRESS;
        int rc = snappy_raw_decompress(src + pos, chunk, w);
        if (rc != 0)
            return rc;
        pos += chunk;
    }
    return 0;
}

static int snappy_decompress(const uint8_t *src, size_t len, out_window_t *w)
{
    if (is_xerial(src, len))
        return snappy_xerial_decompress(src, len, w);
    return snappy_raw_decompress(src, len, w);
}

static int snappy_compress_raw(const uint8_t *src, size_t len, lode_buf_t *out)
{
    if (len > INT32_MAX)
        return LODE_EINVAL;
    size_t n = snappy_max_compressed_length(len);
    lode_buf_reserve(out, n);
    if (snappy_compress((const char *)src, len, (char *)out->data + out->len, &n) != SNAPPY_OK)
        return LODE_ECOMPRESS;
    out->len += n;
    return 0;
}

/* ---- lz4 -------------------------------------------------------------- */

static int lz4_compress(lode_codec_ctx_t *ctx, int level, const uint8_t *src, size_t len,
                        lode_buf_t *out)
{
    if (len > INT32_MAX)
        return LODE_EINVAL;
    if (!ctx->lz4_c && LZ4F_isError(LZ4F_createCompressionContext(&ctx->lz4_c, LZ4F_VERSION)))
        return LODE_ECOMPRESS;
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    /* Exactly what KafkaLZ4BlockOutputStream writes. */
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
    prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
    prefs.compressionLevel = level == LODE_COMPRESSION_LEVEL_DEFAULT ? LZ4_LEVEL_DEFAULT : level;
    size_t bound = LZ4F_HEADER_SIZE_MAX + LZ4F_compressBound(len, &prefs);
    size_t start = out->len;
    lode_buf_reserve(out, bound);
    uint8_t *dst = out->data + start;
    size_t n = LZ4F_compressBegin(ctx->lz4_c, dst, bound, &prefs);
    if (LZ4F_isError(n))
        return LODE_ECOMPRESS;
    size_t pos = n;
    n = LZ4F_compressUpdate(ctx->lz4_c, dst + pos, bound - pos, src, len, NULL);
    if (LZ4F_isError(n))
        return LODE_ECOMPRESS;
    pos += n;
    n = LZ4F_compressEnd(ctx->lz4_c, dst + pos, bound - pos, NULL);
    if (LZ4F_isError(n))
        return LODE_ECOMPRESS;
    out->len = start + pos + n;
    return 0;
}

/*
 * One LZ4 frame, nothing after it: Kafka's Java reader stops at the first
 * frame's end mark, so later frames would be records Java consumers never see.
 */
static int lz4_decompress(lode_codec_ctx_t *ctx, const uint8_t *src, size_t len, out_window_t *w)
{
    if (!ctx->lz4_d) {
        if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx->lz4_d, LZ4F_VERSION)))
            return LODE_ECOMPRESS;
    } else {
        LZ4F_resetDecompressionContext(ctx->lz4_d);
    }
    LZ4F_frameInfo_t info;
    memset(&info, 0, sizeof info);
    size_t pos = len;
    size_t hint = LZ4F_getFrameInfo(ctx->lz4_d, &info, src, &pos);
    if (LZ4F_isError(hint))
        return LODE_ECOMPRESS;
    if (info.contentSize) {
        if (info.contentSize > (unsigned long long)w->max)
            return LODE_ETOOBIG;
        w->hint = (size_t)info.contentSize;
    } else {
        w->hint = len * 4;
    }
    for (;;) {
        size_t room;
        uint8_t *dst = out_room(w, SIZE_MAX, &room);
        if (room == 0)
            return LODE_ETOOBIG;
        size_t dst_n = room, src_n = len - pos;
        size_t rc = LZ4F_decompress(ctx->lz4_d, dst, &dst_n, src + pos, &src_n, NULL);
        if (LZ4F_isError(rc))
            return LODE_ECOMPRESS;
        pos += src_n;
        w->out->len += dst_n;
        if (rc == 0) /* frame complete and flushed */
            return pos == len ? 0 : LODE_ECOMPRESS;
        if (pos == len && dst_n < room)
            return LODE_ECOMPRESS; /* input ended inside the frame */
        if (src_n == 0 && dst_n == 0)
            return LODE_ECOMPRESS; /* no progress: never spin */
    }
}

/* ---- zstd ------------------------------------------------------------- */

static int zstd_compress(lode_codec_ctx_t *ctx, int level, const uint8_t *src, size_t len,
                         lode_buf_t *out)
{
    if (!ctx->zstd_c && !(ctx->zstd_c = ZSTD_createCCtx()))
        lode_oom(sizeof(void *));
    ZSTD_CCtx_reset(ctx->zstd_c, ZSTD_reset_session_and_parameters);
    level = level == LODE_COMPRESSION_LEVEL_DEFAULT ? ZSTD_LEVEL_DEFAULT : level;
    if (ZSTD_isError(ZSTD_CCtx_setParameter(ctx->zstd_c, ZSTD_c_compressionLevel, level)))
        return LODE_ECOMPRESS;
    size_t bound = ZSTD_compressBound(len);
    lode_buf_reserve(out, bound);
    size_t n = ZSTD_compress2(ctx->zstd_c, out->data + out->len, bound, src, len);
    if (ZSTD_isError(n))
        return LODE_ECOMPRESS;
    out->len += n;
    return 0;
}

/* One or more frames (zstd-jni's ZstdInputStream reads concatenated frames). */
static int zstd_decompress(lode_codec_ctx_t *ctx, const uint8_t *src, size_t len, out_window_t *w)
{
    if (!ctx->zstd_d && !(ctx->zstd_d = ZSTD_createDCtx()))
        lode_oom(sizeof(void *));
    ZSTD_DCtx_reset(ctx->zstd_d, ZSTD_reset_session_only);
    if (len == 0)
        return LODE_ECOMPRESS;
    unsigned long long content = ZSTD_getFrameContentSize(src, len);
    if (content == ZSTD_CONTENTSIZE_ERROR)
        return LODE_ECOMPRESS;
    if (content != ZSTD_CONTENTSIZE_UNKNOWN) {
        if (content > (unsigned long long)w->max)
            return LODE_ETOOBIG;
        w->hint = (size_t)content;
    } else {
        w->hint = len * 4;
    }
    ZSTD_inBuffer in = {src, len, 0};
    size_t rc = 1;
    for (;;) {
        size_t room;
        uint8_t *dst = out_room(w, SIZE_MAX, &room);
        if (room == 0)
            return LODE_ETOOBIG;
        ZSTD_outBuffer ob = {dst, room, 0};
        size_t in_before = in.pos;
        rc = ZSTD_decompressStream(ctx->zstd_d, &ob, &in);
        if (ZSTD_isError(rc))
            return LODE_ECOMPRESS;
        w->out->len += ob.pos;
        if (ob.pos == 0 && in.pos == in_before && rc != 0)
            return LODE_ECOMPRESS; /* no progress: never spin */
        if (in.pos == in.size) {
            if (rc == 0)
                return 0; /* last frame complete and flushed */
            if (ob.pos < ob.size)
                return LODE_ECOMPRESS; /* input ended inside a frame */
        }
    }
}

/* ---- entry points ----------------------------------------------------- */

int lode_compress(lode_codec_ctx_t *ctx, int codec, int level, const void *src, size_t len,
                  lode_buf_t *out)
{
    if (lode_compression_level_check(codec, level) != 0)
        return LODE_EINVAL;
    if (codec == LODE_COMPRESSION_NONE) {
        lode_buf_put(out, src, len);
        return 0;
    }
    if (codec == LODE_COMPRESSION_SNAPPY)
        return snappy_compress_raw(src, len, out);
    lode_codec_ctx_t *tmp = NULL;
    if (!ctx)
        ctx = tmp = lode_codec_ctx_new();
    size_t start = out->len;
    int rc;
    switch (codec) {
    case LODE_COMPRESSION_GZIP:
        rc = gzip_compress(ctx, level, src, len, out);
        break;
    case LODE_COMPRESSION_LZ4:
        rc = lz4_compress(ctx, level, src, len, out);
        break;
    default:
        rc = zstd_compress(ctx, level, src, len, out);
        break;
    }
    if (rc != 0)
        out->len = start;
    lode_codec_ctx_free(tmp);
    return rc;
}

int lode_decompress(lode_codec_ctx_t *ctx, int codec, const void *src, size_t len, size_t max_bytes,
                    lode_buf_t *out)
{
    if (codec < 0 || codec > LODE_COMPRESSION_MAX)
        return LODE_EINVAL;
    if (codec == LODE_COMPRESSION_NONE) {
        if (len > max_bytes)
            return LODE_ETOOBIG;
        lode_buf_put(out, src, len);
        return 0;
    }
    out_window_t w = {out, out->len, max_bytes, 0};
    if (codec == LODE_COMPRESSION_SNAPPY)
        return out_finish(&w, snappy_decompress(src, len, &w));
    lode_codec_ctx_t *tmp = NULL;
    if (!ctx)
        ctx = tmp = lode_codec_ctx_new();
    int rc;
    switch (codec) {
    case LODE_COMPRESSION_GZIP:
        rc = gzip_decompress(ctx, src, len, &w);
        break;
    case LODE_COMPRESSION_LZ4:
        rc = lz4_decompress(ctx, src, len, &w);
        break;
    default:
        rc = zstd_decompress(ctx, src, len, &w);
        /* Frames may declare windows up to 128 MiB (zstd's default limit,
         * which Kafka's readers share); don't keep such a context around. */
        if (ZSTD_sizeof_DCtx(ctx->zstd_d) > ZSTD_DCTX_KEEP_MAX_BYTES) {
            ZSTD_freeDCtx(ctx->zstd_d);
            ctx->zstd_d = NULL;
        }
        break;
    }
    lode_codec_ctx_free(tmp);
    return out_finish(&w, rc);
}
