/*
 * record_batch.c — batch headers: parsing, CRC, in-place rewrites, and the
 * walk over concatenated batches.
 */
#include "proto/record_batch.h"

#include "core/crc32c.h"
#include "core/err.h"

/* Smallest batchLength of any format: the v0 record overhead (Kafka's
 * LegacyRecord.RECORD_OVERHEAD_V0); below it the length is garbage. */
#define MIN_ANY_BATCH_LENGTH 14
/* Smallest v2 batchLength: the header after the length field. */
#define MIN_V2_BATCH_LENGTH (LODE_BATCH_HEADER_BYTES - LODE_BATCH_LOG_OVERHEAD)

int lode_batch_parse_header(const uint8_t *p, size_t len, lode_batch_hdr_t *out)
{
    out->data = p;
    out->size = 0;
    out->why = NULL;
    if (len < LODE_BATCH_LOG_OVERHEAD) {
        out->why = "incomplete record batch: its length field is cut off";
        return LODE_ETRUNC;
    }
    int32_t batch_length = (int32_t)lode_be32_load(p + LODE_BATCH_LENGTH_OFFSET);
    if (batch_length < MIN_ANY_BATCH_LENGTH) {
        out->why = "record batch length is smaller than any record batch";
        return LODE_ECORRUPT;
    }
    out->batch_length = batch_length;
    out->size = (size_t)LODE_BATCH_LOG_OVERHEAD + (size_t)batch_length;
    if (len < LODE_BATCH_BYTES_TO_MAGIC) {
        out->why = "incomplete record batch: its header is cut off";
        return LODE_ETRUNC;
    }
    int8_t magic = (int8_t)p[LODE_BATCH_MAGIC_OFFSET];
    out->magic = magic;
    if (magic == 0 || magic == 1) {
        out->why = magic == 0 ? "message format v0 (magic 0) is not supported: lode stores only "
                                "record batch v2 (magic 2), written by Kafka 0.11+ clients"
                              : "message format v1 (magic 1) is not supported: lode stores only "
                                "record batch v2 (magic 2), written by Kafka 0.11+ clients";
        return LODE_EUNSUPPORTED;
    }
    if (magic != LODE_BATCH_MAGIC_V2) {
        out->why = "record batch has an unknown magic byte (not 0, 1 or 2)";
        return LODE_ECORRUPT;
    }
    if (batch_length < MIN_V2_BATCH_LENGTH) {
        out->why = "record batch length is smaller than the v2 batch header";
        return LODE_ECORRUPT;
    }
    if (len < out->size) {
        out->why = "incomplete record batch: fewer bytes than its length says";
        return LODE_ETRUNC;
    }
    out->base_offset = (int64_t)lode_be64_load(p + LODE_BATCH_BASE_OFFSET_OFFSET);
    out->partition_leader_epoch = (int32_t)lode_be32_load(p + LODE_BATCH_LEADER_EPOCH_OFFSET);
    out->crc = lode_be32_load(p + LODE_BATCH_CRC_OFFSET);
    out->attributes = (int16_t)lode_be16_load(p + LODE_BATCH_ATTRIBUTES_OFFSET);
    out->last_offset_delta = (int32_t)lode_be32_load(p + LODE_BATCH_LAST_OFFSET_DELTA_OFFSET);
    out->base_timestamp = (int64_t)lode_be64_load(p + LODE_BATCH_BASE_TIMESTAMP_OFFSET);
    out->max_timestamp = (int64_t)lode_be64_load(p + LODE_BATCH_MAX_TIMESTAMP_OFFSET);
    out->producer_id = (int64_t)lode_be64_load(p + LODE_BATCH_PRODUCER_ID_OFFSET);
    out->producer_epoch = (int16_t)lode_be16_load(p + LODE_BATCH_PRODUCER_EPOCH_OFFSET);
    out->base_sequence = (int32_t)lode_be32_load(p + LODE_BATCH_BASE_SEQUENCE_OFFSET);
    out->records_count = (int32_t)lode_be32_load(p + LODE_BATCH_RECORDS_COUNT_OFFSET);
    out->records = p + LODE_BATCH_RECORDS_OFFSET;
    out->records_bytes = out->size - LODE_BATCH_RECORDS_OFFSET;
    return 0;
}

uint32_t lode_batch_compute_crc(const uint8_t *batch, size_t size)
{
    return lode_crc32c(0, batch + LODE_BATCH_ATTRIBUTES_OFFSET,
                       size - LODE_BATCH_ATTRIBUTES_OFFSET);
}

bool lode_batch_verify_crc(const lode_batch_hdr_t *h)
{
    return lode_batch_compute_crc(h->data, h->size) == h->crc;
}

void lode_batch_update_crc(uint8_t *batch, size_t size)
{
    lode_be32_store(batch + LODE_BATCH_CRC_OFFSET, lode_batch_compute_crc(batch, size));
}

void lode_batch_set_base_offset(uint8_t *batch, int64_t base_offset)
{
    lode_be64_store(batch + LODE_BATCH_BASE_OFFSET_OFFSET, (uint64_t)base_offset);
}

void lode_batch_set_partition_leader_epoch(uint8_t *batch, int32_t epoch)
{
    lode_be32_store(batch + LODE_BATCH_LEADER_EPOCH_OFFSET, (uint32_t)epoch);
}

void lode_batch_set_max_timestamp(uint8_t *batch, size_t size, lode_timestamp_type_t type,
                                  int64_t max_timestamp)
{
    uint16_t attrs = lode_be16_load(batch + LODE_BATCH_ATTRIBUTES_OFFSET);
    uint16_t new_attrs = type == LODE_TIMESTAMP_LOG_APPEND_TIME
                             ? (uint16_t)(attrs | LODE_BATCH_ATTR_LOG_APPEND_TIME)
                             : (uint16_t)(attrs & ~LODE_BATCH_ATTR_LOG_APPEND_TIME);
    int64_t old_max = (int64_t)lode_be64_load(batch + LODE_BATCH_MAX_TIMESTAMP_OFFSET);
    if (new_attrs == attrs && old_max == max_timestamp)
        return;
    lode_be16_store(batch + LODE_BATCH_ATTRIBUTES_OFFSET, new_attrs);
    lode_be64_store(batch + LODE_BATCH_MAX_TIMESTAMP_OFFSET, (uint64_t)max_timestamp);
    lode_batch_update_crc(batch, size);
}

void lode_batch_iter_init(lode_batch_iter_t *it, const uint8_t *data, size_t len)
{
    it->data = data;
    it->len = len;
    it->pos = 0;
    it->err = 0;
    it->why = NULL;
    it->partial_bytes = 0;
}

bool lode_batch_iter_next(lode_batch_iter_t *it, lode_batch_hdr_t *h)
{
    if (it->err || it->partial_bytes || it->pos >= it->len)
        return false;
    int rc = lode_batch_parse_header(it->data + it->pos, it->len - it->pos, h);
    if (rc == LODE_ETRUNC) {
        it->partial_bytes = it->len - it->pos;
        return false;
    }
    if (rc != 0) {
        it->err = rc;
        it->why = h->why;
        return false;
    }
    it->pos += h->size;
    return true;
}

int lode_batch_records(const lode_batch_hdr_t *h, lode_codec_ctx_t *ctx, size_t max_bytes,
                       lode_buf_t *scratch, const uint8_t **records, size_t *records_bytes)
{
    int codec = lode_batch_compression(h);
    if (codec == LODE_COMPRESSION_NONE) {
        *records = h->records;
        *records_bytes = h->records_bytes;
        return 0;
    }
    if (codec > LODE_COMPRESSION_MAX)
        return LODE_ECORRUPT;
    lode_buf_reset(scratch);
    int rc = lode_decompress(ctx, codec, h->records, h->records_bytes, max_bytes, scratch);
    if (rc != 0)
        return rc;
    *records = scratch->data;
    *records_bytes = scratch->len;
    return 0;
}
