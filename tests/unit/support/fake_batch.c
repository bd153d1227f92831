#include "fake_batch.h"

#include "core/err.h"
#include "proto/record_batch.h"

static void put(lode_buf_t *b, int64_t base, int32_t count, int64_t ts, size_t payload,
                int32_t epoch, uint64_t fill_seed, int64_t pid, int16_t pepoch, int32_t seq)
{
    size_t start = b->len;
    lode_buf_put_i64(b, base);
    lode_buf_put_i32(b, (int32_t)(LODE_BATCH_HEADER_BYTES - LODE_BATCH_LOG_OVERHEAD + payload));
    lode_buf_put_i32(b, epoch);
    lode_buf_put_i8(b, LODE_BATCH_MAGIC_V2);
    lode_buf_put_u32(b, 0);
    lode_buf_put_i16(b, 0);
    lode_buf_put_i32(b, count - 1);
    lode_buf_put_i64(b, ts);
    lode_buf_put_i64(b, ts);
    lode_buf_put_i64(b, pid);
    lode_buf_put_i16(b, pepoch);
    lode_buf_put_i32(b, seq);
    lode_buf_put_i32(b, count);
    uint64_t x = fill_seed;
    for (size_t i = 0; i < payload; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        lode_buf_put_u8(b, (uint8_t)(x >> 56));
    }
    lode_batch_update_crc(b->data + start, b->len - start);
}

void lode_test_put_batch(lode_buf_t *b, int64_t base, int32_t count, int64_t ts, size_t payload,
                         int32_t epoch, uint64_t fill_seed)
{
    put(b, base, count, ts, payload, epoch, fill_seed, LODE_NO_PRODUCER_ID, LODE_NO_PRODUCER_EPOCH,
        LODE_NO_SEQUENCE);
}

void lode_test_put_idem_batch(lode_buf_t *b, int32_t count, int64_t ts, int64_t producer_id,
                              int16_t epoch, int32_t base_seq, size_t payload)
{
    put(b, 0, count, ts, payload, -1, (uint64_t)base_seq, producer_id, epoch, base_seq);
}

int lode_test_crc_ok(const uint8_t *batch, size_t len, void *arg)
{
    (void)arg;
    lode_batch_hdr_t h;
    if (lode_batch_parse_header(batch, len, &h) != 0)
        return LODE_ECORRUPT;
    return lode_batch_verify_crc(&h) ? 0 : LODE_ECORRUPT;
}
