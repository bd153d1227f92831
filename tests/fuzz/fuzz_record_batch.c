/*
 * fuzz_record_batch.c — libFuzzer target for record batches and codecs.
 *
 * The first input byte picks a mode:
 *   0x80 set  decompress the rest with codec (byte & 7) % 5 under a 1 MiB
 *             bound;
 *   0x40 set  synthesize: the rest drives the builder (codec, records, keys,
 *             values, headers) into a valid batch, which is then damaged at
 *             input-chosen places — reaching deep record and decompression
 *             paths without a seed corpus;
 *   else      the rest is a buffer of concatenated batches, walked with the
 *             batch iterator.
 * Bit 0 recomputes each batch's CRC (so damage gets past it), bit 1 applies
 * Kafka's client rules.
 *
 * Every batch that validates is read fully (records, headers, control
 * records) and rebuilt with the builder; the rebuilt batch must validate and
 * read back the same records (a differential check of parser vs builder).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "proto/compress.h"
#include "proto/record_batch.h"

#define MAX_OUT (1u << 20)

static lode_codec_ctx_t *ctx;
static lode_buf_t scratch, scratch2, rebuilt;

/* Reads input bytes as a little stream; zeros once exhausted. */
typedef struct {
    const uint8_t *p;
    size_t n, pos;
} src_t;

static uint8_t take(src_t *s)
{
    return s->pos < s->n ? s->p[s->pos++] : 0;
}
static uint16_t take16(src_t *s)
{
    return (uint16_t)(take(s) | take(s) << 8);
}

static void check(int cond)
{
    if (!cond)
        __builtin_trap();
}

static int records_equal(const lode_record_t *a, const lode_record_t *b)
{
    if (a->offset != b->offset || a->timestamp != b->timestamp || a->key_len != b->key_len ||
        a->value_len != b->value_len || a->header_count != b->header_count)
        return 0;
    if (a->key_len > 0 && memcmp(a->key, b->key, (size_t)a->key_len) != 0)
        return 0;
    if (a->value_len > 0 && memcmp(a->value, b->value, (size_t)a->value_len) != 0)
        return 0;
    /* Headers by value: varints in the input need not be minimal. */
    lode_header_iter_t ia, ib;
    lode_header_t ha, hb;
    lode_header_iter_init(&ia, a);
    lode_header_iter_init(&ib, b);
    while (lode_header_iter_next(&ia, &ha)) {
        if (!lode_header_iter_next(&ib, &hb) || ha.key_len != hb.key_len ||
            ha.value_len != hb.value_len)
            return 0;
        if (ha.key_len > 0 && memcmp(ha.key, hb.key, (size_t)ha.key_len) != 0)
            return 0;
        if (ha.value_len > 0 && memcmp(ha.value, hb.value, (size_t)ha.value_len) != 0)
            return 0;
    }
    return !lode_header_iter_next(&ib, &hb);
}

/* Rebuilds a validated batch with the builder; it must validate and match. */
static void rebuild_and_compare(const lode_batch_hdr_t *h, const lode_batch_info_t *info,
                                const lode_batch_validate_opts_t *orig)
{
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, lode_batch_compression(h), LODE_COMPRESSION_LEVEL_DEFAULT);
    b.base_offset = h->base_offset;
    b.partition_leader_epoch = h->partition_leader_epoch;
    lode_batch_builder_set_producer(&b, h->producer_id, h->producer_epoch, h->base_sequence);
    b.transactional = lode_batch_is_transactional(h);
    b.control = lode_batch_is_control(h);
    if (lode_batch_timestamp_type(h) == LODE_TIMESTAMP_LOG_APPEND_TIME)
        lode_batch_builder_set_log_append_time(&b, h->max_timestamp);
    if (lode_batch_has_delete_horizon(h))
        check(lode_batch_builder_set_delete_horizon(&b, h->base_timestamp) == 0);
    lode_record_iter_t it;
    lode_record_t rec;
    lode_record_iter_init(&it, h, info->records, info->uncompressed_bytes);
    while (lode_record_iter_next(&it, &rec)) {
        lode_header_t hs[64];
        lode_header_iter_t hi;
        int32_t nh = 0;
        lode_header_iter_init(&hi, &rec);
        while (nh < 64 && lode_header_iter_next(&hi, &hs[nh]))
            nh++;
        if (nh != rec.header_count) /* more than 64 headers: skip the comparison */
            goto out;
        int64_t ts = (int64_t)((uint64_t)h->base_timestamp + (uint64_t)rec.timestamp_delta);
        check(lode_batch_builder_add_at(&b, rec.offset_delta, ts, rec.key, rec.key_len, rec.value,
                                        rec.value_len, hs, nh) == 0);
    }
    check(it.err == 0);
    lode_buf_reset(&rebuilt);
    check(lode_batch_builder_finish(&b, &rebuilt) == 0);

    lode_batch_hdr_t h2;
    check(lode_batch_parse_header(rebuilt.data, rebuilt.len, &h2) == 0);
    check(h2.size == rebuilt.len);
    lode_batch_validate_opts_t o = *orig;
    o.scratch = &scratch2;
    o.max_uncompressed_bytes = 4 * MAX_OUT;
    lode_batch_info_t info2;
    char why[256];
    check(lode_batch_validate(&h2, &o, &info2, why, sizeof why) == 0);
    check(info2.record_count == info->record_count);
    lode_record_iter_t a, c;
    lode_record_t ra, rc;
    lode_record_iter_init(&a, h, info->records, info->uncompressed_bytes);
    lode_record_iter_init(&c, &h2, info2.records, info2.uncompressed_bytes);
    while (lode_record_iter_next(&a, &ra)) {
        check(lode_record_iter_next(&c, &rc));
        check(records_equal(&ra, &rc));
    }
    check(!lode_record_iter_next(&c, &rc) && c.err == 0);
out:
    lode_batch_builder_free(&b);
}

static void exercise_batch(uint8_t *batch, lode_batch_hdr_t *h, uint8_t mode)
{
    if (mode & 1) {
        lode_batch_update_crc(batch, h->size);
        check(lode_batch_parse_header(batch, h->size, h) == 0);
        check(lode_batch_verify_crc(h));
    }
    lode_batch_validate_opts_t o = {
        .codec = ctx, .scratch = &scratch, .max_uncompressed_bytes = MAX_OUT};
    if (mode & 2)
        o.flags = LODE_BATCH_V_CLIENT | LODE_BATCH_V_REQUIRE_KEYS | LODE_BATCH_V_TIMESTAMPS;
    o.min_timestamp = -1000;
    o.max_timestamp = INT64_MAX / 2;
    lode_batch_info_t info;
    char why[128];
    int rc = lode_batch_validate(h, &o, &info, why, sizeof why);
    check(rc <= 0);
    if (rc != 0) {
        check(memchr(why, 0, sizeof why) != NULL);
        return;
    }
    check(info.record_count == h->records_count);
    check(info.uncompressed_bytes <= MAX_OUT);
    lode_record_iter_t it;
    lode_record_t rec;
    lode_record_iter_init(&it, h, info.records, info.uncompressed_bytes);
    while (lode_record_iter_next(&it, &rec)) {
        lode_header_iter_t hi;
        lode_header_t hd;
        int32_t k = 0;
        lode_header_iter_init(&hi, &rec);
        while (lode_header_iter_next(&hi, &hd))
            k++;
        check(k == rec.header_count);
        if (lode_batch_is_control(h)) {
            int16_t version, type;
            bool commit;
            int32_t epoch;
            check(lode_control_key_parse(&rec, &version, &type) == 0);
            (void)lode_txn_marker_parse(&rec, &commit, &epoch);
        }
    }
    check(it.err == 0 && it.index == h->records_count);
    rebuild_and_compare(h, &info, &o);

    /* The in-place rewrites keep a valid batch valid. */
    lode_batch_set_base_offset(batch, h->base_offset);
    lode_batch_set_max_timestamp(batch, h->size, LODE_TIMESTAMP_LOG_APPEND_TIME, 12345);
    lode_batch_hdr_t h2;
    check(lode_batch_parse_header(batch, h->size, &h2) == 0);
    check(lode_batch_verify_crc(&h2));
}

static void walk(uint8_t *data, size_t size, uint8_t mode)
{
    lode_batch_iter_t it;
    lode_batch_hdr_t h;
    lode_batch_iter_init(&it, data, size);
    while (lode_batch_iter_next(&it, &h))
        exercise_batch(data + (it.pos - h.size), &h, mode);
    check(it.err <= 0);
    check(it.pos + it.partial_bytes <= size);
}

/* Builds a batch from the input, damages it, walks it. */
static void synthesize(src_t *s, uint8_t mode)
{
    lode_batch_builder_t b;
    int codec = take(s) % 5;
    lode_batch_builder_init(&b, codec, LODE_COMPRESSION_LEVEL_DEFAULT);
    uint8_t flags = take(s);
    if (flags & 1)
        lode_batch_builder_set_producer(&b, take16(s), (int16_t)(take(s) & 0x7f), take16(s));
    b.transactional = flags & 2;
    b.control = flags & 4;
    if (flags & 8)
        lode_batch_builder_set_log_append_time(&b, take16(s));
    if (flags & 16)
        lode_batch_builder_set_delete_horizon(&b, take16(s));
    int n = take(s) % 40;
    int64_t ts = take16(s);
    for (int i = 0; i < n; i++) {
        int kl = take(s) % 20 - 1, vl = take(s) % 60 - 1;
        int nh = take(s) % 4;
        lode_header_t hs[4];
        /* Keys, values and headers point into the input itself. */
        const uint8_t *pool = s->n ? s->p : (const uint8_t *)"";
        for (int k = 0; k < nh; k++) {
            hs[k].key = pool;
            hs[k].key_len = (int32_t)(take(s) % 8);
            if ((size_t)hs[k].key_len > s->n)
                hs[k].key_len = 0;
            hs[k].value = pool;
            hs[k].value_len = (int32_t)(take(s) % 9) - 1;
            if (hs[k].value_len > 0 && (size_t)hs[k].value_len > s->n)
                hs[k].value_len = -1;
        }
        const uint8_t *kp = pool;
        if (kl > 0 && (size_t)kl > s->n)
            kl = -1;
        if (vl > 0 && (size_t)vl > s->n)
            vl = -1;
        ts += (int8_t)take(s);
        (void)lode_batch_builder_add(&b, ts, kp, kl, kp, vl, hs, nh);
    }
    lode_buf_t out = LODE_BUF_INIT;
    if (lode_batch_builder_finish(&b, &out) == 0 && out.len > 0) {
        int damage = take(s) % 4;
        for (int d = 0; d < damage; d++) {
            size_t at = take16(s) % out.len;
            out.data[at] ^= take(s);
        }
        /* Exact-size copy so ASan catches any overread. */
        uint8_t *m = malloc(out.len);
        memcpy(m, out.data, out.len);
        walk(m, out.len, mode);
        free(m);
    }
    lode_buf_free(&out);
    lode_batch_builder_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx)
        ctx = lode_codec_ctx_new();
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    if (mode & 0x80) {
        lode_buf_t out = LODE_BUF_INIT;
        int rc = lode_decompress(ctx, (mode & 7) % 5, data, size, MAX_OUT, &out);
        check(rc == 0 || rc == LODE_ECOMPRESS || rc == LODE_ETOOBIG);
        check(rc != 0 ? out.len == 0 : out.len <= MAX_OUT);
        lode_buf_free(&out);
        return 0;
    }
    if (mode & 0x40) {
        src_t s = {data, size, 0};
        synthesize(&s, mode);
        return 0;
    }
    uint8_t *m = malloc(size ? size : 1);
    memcpy(m, data, size);
    walk(m, size, mode);
    free(m);
    return 0;
}
