/*
 * record_batch_builder.c — encoding batches: records first (uncompressed, in
 * the builder's buffer), then header + compressed records + CRC at finish,
 * the way Kafka's MemoryRecordsBuilder does.
 */
#include "proto/record_batch.h"

#include <string.h>

#include "core/err.h"

static void reset_batch(lode_batch_builder_t *b)
{
    b->base_offset = 0;
    b->partition_leader_epoch = LODE_NO_PARTITION_LEADER_EPOCH;
    b->producer_id = LODE_NO_PRODUCER_ID;
    b->producer_epoch = LODE_NO_PRODUCER_EPOCH;
    b->base_sequence = LODE_NO_SEQUENCE;
    b->transactional = false;
    b->control = false;
    b->count = 0;
    b->last_offset_delta = -1;
    b->base_timestamp = LODE_NO_TIMESTAMP;
    b->max_timestamp = LODE_NO_TIMESTAMP;
    b->log_append = false;
    b->log_append_time = LODE_NO_TIMESTAMP;
    b->delete_horizon = false;
    lode_buf_reset(&b->records);
}

void lode_batch_builder_init(lode_batch_builder_t *b, int codec, int level)
{
    memset(b, 0, sizeof *b);
    b->codec = codec;
    b->level = level;
    lode_buf_init(&b->records);
    b->ctx = NULL;
    reset_batch(b);
}

void lode_batch_builder_free(lode_batch_builder_t *b)
{
    lode_buf_free(&b->records);
    lode_codec_ctx_free(b->ctx);
    b->ctx = NULL;
}

void lode_batch_builder_reset(lode_batch_builder_t *b)
{
    reset_batch(b);
}

void lode_batch_builder_set_producer(lode_batch_builder_t *b, int64_t producer_id,
                                     int16_t producer_epoch, int32_t base_sequence)
{
    b->producer_id = producer_id;
    b->producer_epoch = producer_epoch;
    b->base_sequence = base_sequence;
}

void lode_batch_builder_set_log_append_time(lode_batch_builder_t *b, int64_t log_append_time_ms)
{
    b->log_append = true;
    b->log_append_time = log_append_time_ms;
}

int lode_batch_builder_set_delete_horizon(lode_batch_builder_t *b, int64_t delete_horizon_ms)
{
    if (b->count > 0)
        return LODE_EINVAL;
    b->delete_horizon = true;
    b->base_timestamp = delete_horizon_ms;
    return 0;
}

/* Bytes of a nullable byte field: its varint length and its data. */
static uint64_t field_bytes(int32_t len)
{
    return lode_varint_size(len) + (len > 0 ? (uint64_t)len : 0);
}

int lode_batch_builder_add_at(lode_batch_builder_t *b, int32_t offset_delta, int64_t timestamp,
                              const void *key, int32_t key_len, const void *value,
                              int32_t value_len, const lode_header_t *headers, int32_t header_count)
{
    if (key_len < -1 || value_len < -1 || header_count < 0)
        return LODE_EINVAL;
    if ((key_len > 0 && !key) || (value_len > 0 && !value) || (header_count > 0 && !headers))
        return LODE_EINVAL;
    if (offset_delta <= b->last_offset_delta)
        return LODE_EINVAL;
    if (b->count == INT32_MAX)
        return LODE_ETOOBIG;
    int64_t base_ts = b->count == 0 && !b->delete_horizon ? timestamp : b->base_timestamp;
    /* Java's long subtraction wraps; so does this. */
    int64_t ts_delta = (int64_t)((uint64_t)timestamp - (uint64_t)base_ts);

    uint64_t body = 1 + lode_varlong_size(ts_delta) + lode_varint_size(offset_delta) +
                    field_bytes(key_len) + field_bytes(value_len) + lode_varint_size(header_count);
    for (int32_t i = 0; i < header_count; i++) {
        if (headers[i].key_len < 0 || headers[i].value_len < -1 ||
            (headers[i].key_len > 0 && !headers[i].key) ||
            (headers[i].value_len > 0 && !headers[i].value))
            return LODE_EINVAL;
        body += field_bytes(headers[i].key_len) + field_bytes(headers[i].value_len);
    }
    if (body > INT32_MAX)
        return LODE_ETOOBIG;
    uint64_t total = lode_varint_size((int32_t)body) + body;
    if (b->records.len + total > LODE_BATCH_MAX_BYTES - LODE_BATCH_HEADER_BYTES)
        return LODE_ETOOBIG;

    lode_buf_t *r = &b->records;
    lode_buf_reserve(r, (size_t)total);
    lode_buf_put_varint(r, (int32_t)body);
    lode_buf_put_i8(r, 0); /* record attributes: unused */
    lode_buf_put_varlong(r, ts_delta);
    lode_buf_put_varint(r, offset_delta);
    lode_buf_put_varint(r, key_len);
    if (key_len > 0)
        lode_buf_put(r, key, (size_t)key_len);
    lode_buf_put_varint(r, value_len);
    if (value_len > 0)
        lode_buf_put(r, value, (size_t)value_len);
    lode_buf_put_varint(r, header_count);
    for (int32_t i = 0; i < header_count; i++) {
        lode_buf_put_varint(r, headers[i].key_len);
        lode_buf_put(r, headers[i].key, (size_t)headers[i].key_len);
        lode_buf_put_varint(r, headers[i].value_len);
        if (headers[i].value_len > 0)
            lode_buf_put(r, headers[i].value, (size_t)headers[i].value_len);
    }

    b->base_timestamp = base_ts;
    if (timestamp > b->max_timestamp)
        b->max_timestamp = timestamp;
    b->last_offset_delta = offset_delta;
    b->count++;
    return 0;
}

int lode_batch_builder_add(lode_batch_builder_t *b, int64_t timestamp, const void *key,
                           int32_t key_len, const void *value, int32_t value_len,
                           const lode_header_t *headers, int32_t header_count)
{
    if (b->last_offset_delta == INT32_MAX)
        return LODE_ETOOBIG;
    return lode_batch_builder_add_at(b, b->last_offset_delta + 1, timestamp, key, key_len, value,
                                     value_len, headers, header_count);
}

int lode_batch_builder_finish(lode_batch_builder_t *b, lode_buf_t *out)
{
    if (lode_compression_level_check(b->codec, b->level) != 0)
        return LODE_EINVAL;
    size_t start = out->len;
    lode_buf_reserve(out, LODE_BATCH_HEADER_BYTES + b->records.len);
    lode_buf_extend(out, LODE_BATCH_HEADER_BYTES);
    if (b->codec == LODE_COMPRESSION_NONE) {
        lode_buf_put(out, b->records.data, b->records.len);
    } else {
        if (!b->ctx)
            b->ctx = lode_codec_ctx_new();
        int rc = lode_compress(b->ctx, b->codec, b->level, b->records.data, b->records.len, out);
        if (rc != 0) {
            out->len = start;
            return rc;
        }
    }
    size_t size = out->len - start;
    if (size > LODE_BATCH_MAX_BYTES) {
        out->len = start;
        return LODE_ETOOBIG;
    }
    uint16_t attrs = (uint16_t)(b->codec & LODE_BATCH_ATTR_COMPRESSION_MASK);
    if (b->log_append)
        attrs |= LODE_BATCH_ATTR_LOG_APPEND_TIME;
    if (b->transactional)
        attrs |= LODE_BATCH_ATTR_TRANSACTIONAL;
    if (b->control)
        attrs |= LODE_BATCH_ATTR_CONTROL;
    if (b->delete_horizon)
        attrs |= LODE_BATCH_ATTR_DELETE_HORIZON;

    uint8_t *p = out->data + start;
    lode_be64_store(p + LODE_BATCH_BASE_OFFSET_OFFSET, (uint64_t)b->base_offset);
    lode_be32_store(p + LODE_BATCH_LENGTH_OFFSET, (uint32_t)(size - LODE_BATCH_LOG_OVERHEAD));
    lode_be32_store(p + LODE_BATCH_LEADER_EPOCH_OFFSET, (uint32_t)b->partition_leader_epoch);
    p[LODE_BATCH_MAGIC_OFFSET] = LODE_BATCH_MAGIC_V2;
    lode_be16_store(p + LODE_BATCH_ATTRIBUTES_OFFSET, attrs);
    lode_be32_store(p + LODE_BATCH_LAST_OFFSET_DELTA_OFFSET,
                    (uint32_t)(b->count ? b->last_offset_delta : 0));
    lode_be64_store(p + LODE_BATCH_BASE_TIMESTAMP_OFFSET, (uint64_t)b->base_timestamp);
    lode_be64_store(p + LODE_BATCH_MAX_TIMESTAMP_OFFSET,
                    (uint64_t)(b->log_append ? b->log_append_time : b->max_timestamp));
    lode_be64_store(p + LODE_BATCH_PRODUCER_ID_OFFSET, (uint64_t)b->producer_id);
    lode_be16_store(p + LODE_BATCH_PRODUCER_EPOCH_OFFSET, (uint16_t)b->producer_epoch);
    lode_be32_store(p + LODE_BATCH_BASE_SEQUENCE_OFFSET, (uint32_t)b->base_sequence);
    lode_be32_store(p + LODE_BATCH_RECORDS_COUNT_OFFSET, (uint32_t)b->count);
    lode_batch_update_crc(p, size);
    return 0;
}

int lode_batch_build_txn_marker(lode_buf_t *out, int64_t base_offset,
                                int32_t partition_leader_epoch, int64_t producer_id,
                                int16_t producer_epoch, bool commit, int32_t coordinator_epoch,
                                int64_t timestamp_ms)
{
    uint8_t key[LODE_CONTROL_KEY_BYTES], value[LODE_TXN_MARKER_VALUE_BYTES];
    lode_be16_store(key, 0); /* ControlRecordType key version */
    lode_be16_store(key + 2, commit ? LODE_CONTROL_COMMIT : LODE_CONTROL_ABORT);
    lode_be16_store(value, 0); /* EndTransactionMarker version */
    lode_be32_store(value + 2, (uint32_t)coordinator_epoch);

    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    b.base_offset = base_offset;
    b.partition_leader_epoch = partition_leader_epoch;
    lode_batch_builder_set_producer(&b, producer_id, producer_epoch, LODE_NO_SEQUENCE);
    b.transactional = true;
    b.control = true;
    int rc =
        lode_batch_builder_add(&b, timestamp_ms, key, sizeof key, value, sizeof value, NULL, 0);
    if (rc == 0)
        rc = lode_batch_builder_finish(&b, out);
    lode_batch_builder_free(&b);
    return rc;
}
