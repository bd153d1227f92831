/*
 * record_batch_validate.c — the full check of one batch before a broker
 * stores it (Produce) or trusts it (replication, recovery).
 *
 * Order matters for cost and for the error a client sees: cheap header
 * checks first (size, CRC, attributes, offsets, producer fields), then one
 * pass over the records — after bounded decompression when compressed.
 * Kafka's own LogValidator is the reference; where lode is stricter (it
 * rejects rather than silently rewrites odd offset deltas, and rejects key
 * or value lengths below -1 that librdkafka could not read back), the
 * comment at the check says so.
 */
#include "proto/record_batch.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/err.h"

/* The smallest encoded record: length varint + six one-byte fields. */
#define MIN_RECORD_BYTES 7

__attribute__((format(printf, 4, 5))) static int fail(char *why, size_t why_len, int rc,
                                                      const char *fmt, ...)
{
    if (why && why_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Header-level rules: everything that needs no record. */
static int check_header(const lode_batch_hdr_t *h, const lode_batch_validate_opts_t *o, char *why,
                        size_t why_len)
{
    unsigned flags = o->flags;
    if (o->max_batch_bytes && h->size > o->max_batch_bytes)
        return fail(why, why_len, LODE_ETOOBIG,
                    "record batch of %zu bytes is larger than the maximum of %zu bytes", h->size,
                    o->max_batch_bytes);
    if (!(flags & LODE_BATCH_V_SKIP_CRC)) {
        uint32_t crc = lode_batch_compute_crc(h->data, h->size);
        if (crc != h->crc)
            return fail(why, why_len, LODE_ECORRUPT,
                        "record batch is corrupt: stored CRC 0x%08" PRIx32
                        " but computed 0x%08" PRIx32,
                        h->crc, crc);
    }
    int codec = lode_batch_compression(h);
    if (codec > LODE_COMPRESSION_MAX)
        return fail(why, why_len, LODE_ECORRUPT, "record batch has unknown compression codec %d",
                    codec);
    if (h->records_count < 0)
        return fail(why, why_len, LODE_ECORRUPT,
                    "record batch has a negative record count %" PRId32, h->records_count);
    if (h->last_offset_delta < 0)
        return fail(why, why_len, LODE_ECORRUPT,
                    "record batch has a negative lastOffsetDelta %" PRId32, h->last_offset_delta);
    if ((int64_t)h->records_count > (int64_t)h->last_offset_delta + 1)
        return fail(why, why_len, LODE_ECORRUPT,
                    "record batch counts %" PRId32 " records in an offset range of %" PRId64,
                    h->records_count, (int64_t)h->last_offset_delta + 1);

    if (flags & LODE_BATCH_V_CLIENT) {
        /* Kafka LogValidator.validateBatch, client origin. */
        if ((int64_t)h->last_offset_delta + 1 != h->records_count)
            return fail(why, why_len, LODE_EINVAL,
                        "inconsistent batch offset range [0, %" PRId32
                        "] and count of records %" PRId32,
                        h->last_offset_delta, h->records_count);
        if (lode_batch_is_control(h))
            return fail(why, why_len, LODE_EINVAL,
                        "clients are not allowed to write control records");
        if (lode_batch_timestamp_type(h) == LODE_TIMESTAMP_LOG_APPEND_TIME)
            return fail(why, why_len, LODE_ERANGE,
                        "invalid timestamp type: producers must not set LogAppendTime");
        /* Only the log cleaner sets a delete horizon (Kafka does not check). */
        if (lode_batch_has_delete_horizon(h))
            return fail(why, why_len, LODE_EINVAL,
                        "producers must not set the delete-horizon attribute");
        if (h->producer_id < LODE_NO_PRODUCER_ID)
            return fail(why, why_len, LODE_EINVAL, "invalid producer id %" PRId64, h->producer_id);
        if (lode_batch_has_producer_id(h)) {
            if (h->base_sequence < 0)
                return fail(why, why_len, LODE_EINVAL,
                            "invalid sequence number %" PRId32
                            " in record batch with producerId %" PRId64,
                            h->base_sequence, h->producer_id);
            if (h->producer_epoch < 0)
                return fail(why, why_len, LODE_EINVAL,
                            "invalid producer epoch %d in record batch with producerId %" PRId64,
                            h->producer_epoch, h->producer_id);
        } else if (lode_batch_is_transactional(h)) {
            return fail(why, why_len, LODE_EINVAL, "transactional record batch has no producer id");
        }
    } else {
        if (h->base_offset < 0 || h->base_offset > INT64_MAX - h->last_offset_delta)
            return fail(why, why_len, LODE_ECORRUPT,
                        "record batch has an invalid offset range [%" PRId64 ", +%" PRId32 "]",
                        h->base_offset, h->last_offset_delta);
    }
    return 0;
}

/* Control records: a readable key; transaction markers also a readable value
 * and a transactional batch. */
static int check_control_record(const lode_batch_hdr_t *h, const lode_record_t *rec, int32_t i,
                                char *why, size_t why_len)
{
    int16_t version, type;
    if (lode_control_key_parse(rec, &version, &type) != 0)
        return fail(why, why_len, LODE_ECORRUPT, "control record %" PRId32 " has an invalid key",
                    i);
    if (type == LODE_CONTROL_ABORT || type == LODE_CONTROL_COMMIT) {
        bool commit;
        int32_t coordinator_epoch;
        if (!lode_batch_is_transactional(h))
            return fail(why, why_len, LODE_ECORRUPT,
                        "transaction marker %" PRId32 " is in a non-transactional batch", i);
        if (lode_txn_marker_parse(rec, &commit, &coordinator_epoch) != 0)
            return fail(why, why_len, LODE_ECORRUPT,
                        "transaction marker %" PRId32 " has an invalid value", i);
    }
    return 0;
}

/* One pass over the records: structure (by the iterator), offsets,
 * timestamps, keys, control records. Fills info. */
static int check_records(const lode_batch_hdr_t *h, const lode_batch_validate_opts_t *o,
                         const uint8_t *records, size_t records_bytes, lode_batch_info_t *info,
                         char *why, size_t why_len)
{
    unsigned flags = o->flags;
    bool client = flags & LODE_BATCH_V_CLIENT;
    bool create_time = lode_batch_timestamp_type(h) == LODE_TIMESTAMP_CREATE_TIME;
    bool check_ts = (flags & LODE_BATCH_V_TIMESTAMPS) && create_time;
    bool need_keys = flags & LODE_BATCH_V_REQUIRE_KEYS;
    bool control = lode_batch_is_control(h);

    if ((uint64_t)h->records_count > records_bytes / MIN_RECORD_BYTES)
        return fail(why, why_len, LODE_ECORRUPT,
                    "record batch claims %" PRId32 " records in %zu bytes of records",
                    h->records_count, records_bytes);

    lode_record_iter_t it;
    lode_record_t rec;
    int64_t max_ts = LODE_NO_TIMESTAMP;
    int32_t max_ts_delta = -1;
    int32_t prev_delta = -1;
    lode_record_iter_init(&it, h, records, records_bytes);
    while (lode_record_iter_next(&it, &rec)) {
        int32_t i = it.index - 1;
        if (client) {
            /* Kafka rewrites compressed batches with odd inner offsets and
             * keeps uncompressed ones as they are; lode stores batches
             * verbatim, so it insists on what every client writes. */
            if (rec.offset_delta != i)
                return fail(why, why_len, LODE_EINVAL,
                            "record %" PRId32 " has offset delta %" PRId32
                            "; a producer's records must be numbered 0, 1, 2, ...",
                            i, rec.offset_delta);
        } else if (rec.offset_delta <= prev_delta || rec.offset_delta > h->last_offset_delta) {
            return fail(why, why_len, LODE_ECORRUPT,
                        "record %" PRId32 " has offset delta %" PRId32
                        ", not increasing within [0, %" PRId32 "]",
                        i, rec.offset_delta, h->last_offset_delta);
        }
        prev_delta = rec.offset_delta;
        if (check_ts && rec.timestamp != LODE_NO_TIMESTAMP &&
            (rec.timestamp < o->min_timestamp || rec.timestamp > o->max_timestamp))
            return fail(why, why_len, LODE_ERANGE,
                        "record %" PRId32 " has timestamp %" PRId64
                        " outside the accepted range [%" PRId64 ", %" PRId64 "]",
                        i, rec.timestamp, o->min_timestamp, o->max_timestamp);
        if (need_keys && !rec.key && !control)
            return fail(why, why_len, LODE_EINVAL,
                        "compacted topic cannot accept a record without a key (record %" PRId32 ")",
                        i);
        if (control) {
            int rc = check_control_record(h, &rec, i, why, why_len);
            if (rc != 0)
                return rc;
        }
        if (rec.timestamp > max_ts) {
            max_ts = rec.timestamp;
            max_ts_delta = rec.offset_delta;
        }
    }
    if (it.err)
        return fail(why, why_len, LODE_ECORRUPT,
                    "record batch is corrupt at record %" PRId32 ": %s", it.index, it.why);
    if ((flags & LODE_BATCH_V_STRICT_MAX_TIMESTAMP) && create_time && h->records_count > 0 &&
        h->max_timestamp != max_ts)
        return fail(why, why_len, LODE_ECORRUPT,
                    "record batch maxTimestamp %" PRId64
                    " differs from its records' maximum %" PRId64,
                    h->max_timestamp, max_ts);
    info->record_count = it.index;
    info->max_timestamp = create_time ? max_ts : h->max_timestamp;
    info->max_timestamp_delta = create_time ? max_ts_delta : h->last_offset_delta;
    info->uncompressed_bytes = records_bytes;
    info->records = records;
    return 0;
}

int lode_batch_validate(const lode_batch_hdr_t *h, const lode_batch_validate_opts_t *opts,
                        lode_batch_info_t *info, char *why, size_t why_len)
{
    static const lode_batch_validate_opts_t no_opts;
    const lode_batch_validate_opts_t *o = opts ? opts : &no_opts;
    if (why && why_len)
        why[0] = '\0';
    int rc = check_header(h, o, why, why_len);
    if (rc != 0)
        return rc;

    lode_buf_t tmp = LODE_BUF_INIT;
    lode_buf_t *scratch = o->scratch ? o->scratch : &tmp;
    size_t max_bytes =
        o->max_uncompressed_bytes ? o->max_uncompressed_bytes : LODE_BATCH_MAX_UNCOMPRESSED_DEFAULT;
    const uint8_t *records;
    size_t records_bytes;
    rc = lode_batch_records(h, o->codec, max_bytes, scratch, &records, &records_bytes);
    if (rc == LODE_ETOOBIG) {
        rc = fail(why, why_len, LODE_ETOOBIG,
                  "%s records of the batch expand past %zu bytes when decompressed",
                  lode_compression_name(lode_batch_compression(h)), max_bytes);
        goto out;
    }
    if (rc != 0) {
        rc = fail(why, why_len, LODE_ECOMPRESS, "record batch's %s-compressed records are corrupt",
                  lode_compression_name(lode_batch_compression(h)));
        goto out;
    }
    lode_batch_info_t local;
    rc = check_records(h, o, records, records_bytes, info ? info : &local, why, why_len);
    if (rc == 0 && info && scratch == &tmp && records == tmp.data)
        info->records = NULL; /* freed below */
out:
    lode_buf_free(&tmp);
    return rc;
}

int lode_batch_validate_stored(const uint8_t *batch, size_t len, void *arg)
{
    (void)arg;
    lode_batch_hdr_t h;
    int rc = lode_batch_parse_header(batch, len, &h);
    return rc ? rc : lode_batch_validate(&h, NULL, NULL, NULL, 0);
}
