/*
 * fake_batch.h — structurally valid v2 batch headers around opaque payload
 * bytes, for storage tests: the log never parses records, so tests control
 * exact batch sizes this way. The CRC is correct (over the real bytes).
 */
#ifndef LODE_TEST_FAKE_BATCH_H
#define LODE_TEST_FAKE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Appends one batch of LODE_BATCH_HEADER_BYTES + payload bytes: base offset
 * `base`, `count` offsets, base and max timestamp `ts`, leader epoch `epoch`,
 * payload bytes generated from fill_seed. */
void lode_test_put_batch(lode_buf_t *b, int64_t base, int32_t count, int64_t ts, size_t payload,
                         int32_t epoch, uint64_t fill_seed);

/* Same with producer fields set (idempotent producer batch). */
void lode_test_put_idem_batch(lode_buf_t *b, int32_t count, int64_t ts, int64_t producer_id,
                              int16_t epoch, int32_t base_seq, size_t payload);

/* A lode_log_hooks_t-compatible validator: 0 when the CRC matches. */
int lode_test_crc_ok(const uint8_t *batch, size_t len, void *arg);

#endif
