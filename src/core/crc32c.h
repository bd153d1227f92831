/*
 * crc32c.h — CRC-32C (Castagnoli), the checksum of Kafka record batches.
 *
 * Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at
 * startup), a slicing-by-8 table otherwise. Thread-safe.
 */
#ifndef LODE_CORE_CRC32C_H
#define LODE_CORE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: start with crc = 0; crc32c(crc32c(0,a),b) == crc32c(0,a||b). */
uint32_t lode_crc32c(uint32_t crc, const void *data, size_t len);
/* The portable implementation, exposed for tests and benchmarks. */
uint32_t lode_crc32c_sw(uint32_t crc, const void *data, size_t len);
/* 1 when lode_crc32c uses the hardware instruction. */
int lode_crc32c_hw_available(void);

#endif
