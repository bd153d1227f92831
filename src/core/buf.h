/*
 * buf.h — growable byte buffers (writing) and bounded readers (reading).
 *
 * Writing: lode_buf_t grows as needed; allocation failure aborts (core/mem.h).
 * All multi-byte integers are big-endian, as on Kafka's wire. Varints follow
 * Kafka (protobuf): unsigned LEB128, and zigzag for the signed forms.
 *
 * Reading: lode_reader_t never reads past its end. Errors are sticky: the
 * first failure sets r->err (LODE_ETRUNC, LODE_ECORRUPT) and every later read
 * returns 0 / NULL without touching memory, so a decoder can read a whole
 * structure and check r->err once at the end (or before any allocation that
 * depends on a value read).
 */
#ifndef LODE_CORE_BUF_H
#define LODE_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"

typedef struct lode_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} lode_buf_t;

#define LODE_BUF_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void lode_buf_init(lode_buf_t *b);
void lode_buf_free(lode_buf_t *b);
/* Makes room for at least `extra` more bytes after len. */
void lode_buf__grow(lode_buf_t *b, size_t extra);
/* Detaches the storage: returns data (caller frees) and resets b. */
uint8_t *lode_buf_steal(lode_buf_t *b, size_t *len_out);

static inline void lode_buf_reserve(lode_buf_t *b, size_t extra)
{
    if (b->cap - b->len < extra)
        lode_buf__grow(b, extra);
}

static inline void lode_buf_reset(lode_buf_t *b)
{
    b->len = 0;
}

/* Appends n uninitialized bytes and returns a pointer to them. */
static inline uint8_t *lode_buf_extend(lode_buf_t *b, size_t n)
{
    lode_buf_reserve(b, n);
    uint8_t *p = b->data + b->len;
    b->len += n;
    return p;
}

static inline void lode_buf_put(lode_buf_t *b, const void *src, size_t n)
{
    if (n == 0)
        return;
    memcpy(lode_buf_extend(b, n), src, n);
}

static inline void lode_be16_store(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void lode_be32_store(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void lode_be64_store(uint8_t *p, uint64_t v)
{
    lode_be32_store(p, (uint32_t)(v >> 32));
    lode_be32_store(p + 4, (uint32_t)v);
}
static inline uint16_t lode_be16_load(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint32_t lode_be32_load(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t lode_be64_load(const uint8_t *p)
{
    return (uint64_t)lode_be32_load(p) << 32 | lode_be32_load(p + 4);
}

static inline void lode_buf_put_u8(lode_buf_t *b, uint8_t v)
{
    *lode_buf_extend(b, 1) = v;
}
static inline void lode_buf_put_i8(lode_buf_t *b, int8_t v)
{
    lode_buf_put_u8(b, (uint8_t)v);
}
static inline void lode_buf_put_bool(lode_buf_t *b, bool v)
{
    lode_buf_put_u8(b, v ? 1 : 0);
}
static inline void lode_buf_put_u16(lode_buf_t *b, uint16_t v)
{
    lode_be16_store(lode_buf_extend(b, 2), v);
}
static inline void lode_buf_put_i16(lode_buf_t *b, int16_t v)
{
    lode_buf_put_u16(b, (uint16_t)v);
}
static inline void lode_buf_put_u32(lode_buf_t *b, uint32_t v)
{
    lode_be32_store(lode_buf_extend(b, 4), v);
}
static inline void lode_buf_put_i32(lode_buf_t *b, int32_t v)
{
    lode_buf_put_u32(b, (uint32_t)v);
}
static inline void lode_buf_put_u64(lode_buf_t *b, uint64_t v)
{
    lode_be64_store(lode_buf_extend(b, 8), v);
}
static inline void lode_buf_put_i64(lode_buf_t *b, int64_t v)
{
    lode_buf_put_u64(b, (uint64_t)v);
}
static inline void lode_buf_put_f64(lode_buf_t *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    lode_buf_put_u64(b, u);
}

/* Unsigned LEB128 of up to 64 bits. */
static inline void lode_buf_put_uvarlong(lode_buf_t *b, uint64_t v)
{
    uint8_t *p = lode_buf_extend(b, 10);
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    b->len -= 10 - n;
}
static inline void lode_buf_put_uvarint(lode_buf_t *b, uint32_t v)
{
    lode_buf_put_uvarlong(b, v);
}
static inline uint32_t lode_zigzag32(int32_t v)
{
    return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}
static inline uint64_t lode_zigzag64(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int32_t lode_unzigzag32(uint32_t v)
{
    return (int32_t)(v >> 1) ^ -(int32_t)(v & 1);
}
static inline int64_t lode_unzigzag64(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}
static inline void lode_buf_put_varint(lode_buf_t *b, int32_t v)
{
    lode_buf_put_uvarlong(b, lode_zigzag32(v));
}
static inline void lode_buf_put_varlong(lode_buf_t *b, int64_t v)
{
    lode_buf_put_uvarlong(b, lode_zigzag64(v));
}

/* Encoded sizes of varints. */
static inline size_t lode_uvarlong_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}
static inline size_t lode_uvarint_size(uint32_t v)
{
    return lode_uvarlong_size(v);
}
static inline size_t lode_varint_size(int32_t v)
{
    return lode_uvarlong_size(lode_zigzag32(v));
}
static inline size_t lode_varlong_size(int64_t v)
{
    return lode_uvarlong_size(lode_zigzag64(v));
}

/* ---- reading ---------------------------------------------------------- */

typedef struct lode_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    int err; /* 0, or the first LODE_E* error met */
} lode_reader_t;

static inline void lode_reader_init(lode_reader_t *r, const void *data, size_t len)
{
    r->data = (const uint8_t *)data;
    r->len = len;
    r->pos = 0;
    r->err = 0;
}

static inline size_t lode_reader_remaining(const lode_reader_t *r)
{
    return r->err ? 0 : r->len - r->pos;
}

/* Records err (if none yet) and makes every later read fail. */
static inline void lode_reader_fail(lode_reader_t *r, int err)
{
    if (!r->err)
        r->err = err;
}

/* Returns a pointer to the next n bytes and consumes them, or NULL (and
 * LODE_ETRUNC) when fewer than n remain. */
static inline const uint8_t *lode_read_raw(lode_reader_t *r, size_t n)
{
    if (r->err || r->len - r->pos < n) {
        lode_reader_fail(r, LODE_ETRUNC);
        return NULL;
    }
    const uint8_t *p = r->data + r->pos;
    r->pos += n;
    return p;
}

static inline void lode_read_skip(lode_reader_t *r, size_t n)
{
    (void)lode_read_raw(r, n);
}

static inline uint8_t lode_read_u8(lode_reader_t *r)
{
    const uint8_t *p = lode_read_raw(r, 1);
    return p ? p[0] : 0;
}
static inline int8_t lode_read_i8(lode_reader_t *r)
{
    return (int8_t)lode_read_u8(r);
}
static inline bool lode_read_bool(lode_reader_t *r)
{
    return lode_read_u8(r) != 0;
}
static inline uint16_t lode_read_u16(lode_reader_t *r)
{
    const uint8_t *p = lode_read_raw(r, 2);
    return p ? lode_be16_load(p) : 0;
}
static inline int16_t lode_read_i16(lode_reader_t *r)
{
    return (int16_t)lode_read_u16(r);
}
static inline uint32_t lode_read_u32(lode_reader_t *r)
{
    const uint8_t *p = lode_read_raw(r, 4);
    return p ? lode_be32_load(p) : 0;
}
static inline int32_t lode_read_i32(lode_reader_t *r)
{
    return (int32_t)lode_read_u32(r);
}
static inline uint64_t lode_read_u64(lode_reader_t *r)
{
    const uint8_t *p = lode_read_raw(r, 8);
    return p ? lode_be64_load(p) : 0;
}
static inline int64_t lode_read_i64(lode_reader_t *r)
{
    return (int64_t)lode_read_u64(r);
}
static inline double lode_read_f64(lode_reader_t *r)
{
    uint64_t u = lode_read_u64(r);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Unsigned LEB128 of at most max_bytes bytes (5 for 32-bit, 10 for 64-bit);
 * a longer one is LODE_ECORRUPT. */
uint64_t lode_read_uvar__(lode_reader_t *r, unsigned max_bytes);

static inline uint32_t lode_read_uvarint(lode_reader_t *r)
{
    if (!r->err && r->pos < r->len && r->data[r->pos] < 0x80)
        return r->data[r->pos++];
    uint64_t v = lode_read_uvar__(r, 5);
    if (v > UINT32_MAX) {
        lode_reader_fail(r, LODE_ECORRUPT);
        return 0;
    }
    return (uint32_t)v;
}
static inline uint64_t lode_read_uvarlong(lode_reader_t *r)
{
    return lode_read_uvar__(r, 10);
}
static inline int32_t lode_read_varint(lode_reader_t *r)
{
    return lode_unzigzag32(lode_read_uvarint(r));
}
static inline int64_t lode_read_varlong(lode_reader_t *r)
{
    return lode_unzigzag64(lode_read_uvarlong(r));
}

#endif
