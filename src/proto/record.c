/*
 * record.c — records inside a batch: the record and header iterators and the
 * control-record readers.
 *
 * A record is decoded with a reader bounded to the record's own length, so
 * a lying field can neither read into the next record nor go unnoticed: the
 * fields must consume exactly `length` bytes.
 */
#include "proto/record_batch.h"

#include "core/err.h"

void lode_record_iter_init(lode_record_iter_t *it, const lode_batch_hdr_t *h,
                           const uint8_t *records, size_t records_bytes)
{
    lode_reader_init(&it->r, records, records_bytes);
    it->base_offset = h->base_offset;
    it->base_timestamp = h->base_timestamp;
    it->log_append = lode_batch_timestamp_type(h) == LODE_TIMESTAMP_LOG_APPEND_TIME;
    it->log_append_time = h->max_timestamp;
    it->count = h->records_count;
    it->index = 0;
    it->err = 0;
    it->why = NULL;
    if (h->records_count < 0) {
        it->err = LODE_ECORRUPT;
        it->why = "record batch has a negative recordsCount";
    }
}

static bool iter_fail(lode_record_iter_t *it, const char *why)
{
    it->err = LODE_ECORRUPT;
    it->why = why;
    return false;
}

/* Skips a record's headers, checking their lengths; false if malformed. */
static bool skip_headers(lode_reader_t *b, int32_t count)
{
    for (int32_t i = 0; i < count && !b->err; i++) {
        int32_t key_len = lode_read_varint(b);
        if (key_len < 0)
            return false;
        lode_read_skip(b, (size_t)key_len);
        int32_t value_len = lode_read_varint(b);
        if (value_len < -1)
            return false;
        if (value_len > 0)
            lode_read_skip(b, (size_t)value_len);
    }
    return !b->err;
}

bool lode_record_iter_next(lode_record_iter_t *it, lode_record_t *rec)
{
    if (it->err)
        return false;
    lode_reader_t *r = &it->r;
    if (it->index == it->count) {
        if (lode_reader_remaining(r) != 0)
            return iter_fail(it, "bytes left after the last record: recordsCount is too small "
                                 "or the batch has trailing garbage");
        return false;
    }
    if (lode_reader_remaining(r) == 0)
        return iter_fail(it, "fewer records than recordsCount");
    size_t start = r->pos;
    int32_t length = lode_read_varint(r);
    if (r->err)
        return iter_fail(it, "malformed record length varint");
    if (length < 0 || (size_t)length > lode_reader_remaining(r))
        return iter_fail(it, "record length runs past the end of the records");
    const uint8_t *body = lode_read_raw(r, (size_t)length);

    lode_reader_t b;
    lode_reader_init(&b, body, (size_t)length);
    rec->attributes = lode_read_i8(&b);
    rec->timestamp_delta = lode_read_varlong(&b);
    rec->offset_delta = lode_read_varint(&b);
    int32_t key_len = lode_read_varint(&b);
    if (key_len < -1)
        return iter_fail(it, "record has a negative key length other than -1");
    rec->key_len = key_len;
    rec->key = key_len >= 0 ? lode_read_raw(&b, (size_t)key_len) : NULL;
    int32_t value_len = lode_read_varint(&b);
    if (value_len < -1)
        return iter_fail(it, "record has a negative value length other than -1");
    rec->value_len = value_len;
    rec->value = value_len >= 0 ? lode_read_raw(&b, (size_t)value_len) : NULL;
    int32_t header_count = lode_read_varint(&b);
    if (header_count < 0)
        return iter_fail(it, "record has a negative header count");
    size_t headers_start = b.pos;
    if (!skip_headers(&b, header_count))
        return iter_fail(it, b.err ? "record fields run past the record's length"
                                   : "record header has an invalid key or value length");
    if (b.err)
        return iter_fail(it, "record fields run past the record's length");
    if (b.pos != b.len)
        return iter_fail(it, "record is longer than its fields: trailing bytes in the record");
    rec->header_count = header_count;
    rec->headers = body + headers_start;
    rec->headers_bytes = b.pos - headers_start;
    rec->raw = r->data + start;
    rec->raw_bytes = r->pos - start;
    /* Java's long arithmetic wraps; do the same without signed overflow. */
    rec->offset = (int64_t)((uint64_t)it->base_offset + (uint64_t)(int64_t)rec->offset_delta);
    rec->timestamp = it->log_append
                         ? it->log_append_time
                         : (int64_t)((uint64_t)it->base_timestamp + (uint64_t)rec->timestamp_delta);
    it->index++;
    return true;
}

void lode_header_iter_init(lode_header_iter_t *it, const lode_record_t *rec)
{
    lode_reader_init(&it->r, rec->headers, rec->headers_bytes);
    it->left = rec->header_count;
}

bool lode_header_iter_next(lode_header_iter_t *it, lode_header_t *out)
{
    if (it->left <= 0 || it->r.err)
        return false;
    out->key_len = lode_read_varint(&it->r);
    out->key = lode_read_raw(&it->r, out->key_len >= 0 ? (size_t)out->key_len : 0);
    out->value_len = lode_read_varint(&it->r);
    out->value = out->value_len >= 0 ? lode_read_raw(&it->r, (size_t)out->value_len) : NULL;
    if (it->r.err || out->key_len < 0 || out->value_len < -1)
        return false;
    it->left--;
    return true;
}

int lode_control_key_parse(const lode_record_t *rec, int16_t *version, int16_t *type)
{
    if (!rec->key || rec->key_len < LODE_CONTROL_KEY_BYTES)
        return LODE_ECORRUPT;
    int16_t v = (int16_t)lode_be16_load(rec->key);
    if (v < 0)
        return LODE_ECORRUPT;
    *version = v;
    *type = (int16_t)lode_be16_load(rec->key + 2);
    return 0;
}

int lode_txn_marker_parse(const lode_record_t *rec, bool *commit, int32_t *coordinator_epoch)
{
    int16_t version, type;
    if (lode_control_key_parse(rec, &version, &type) != 0)
        return LODE_ECORRUPT;
    if (type != LODE_CONTROL_ABORT && type != LODE_CONTROL_COMMIT)
        return LODE_ECORRUPT;
    if (!rec->value || rec->value_len < LODE_TXN_MARKER_VALUE_BYTES)
        return LODE_ECORRUPT;
    if ((int16_t)lode_be16_load(rec->value) < 0)
        return LODE_ECORRUPT;
    *commit = type == LODE_CONTROL_COMMIT;
    *coordinator_epoch = (int32_t)lode_be32_load(rec->value + 2);
    return 0;
}
