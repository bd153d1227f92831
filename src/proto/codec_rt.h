/*
 * codec_rt.h — the small runtime the generated codecs (src/proto/gen) call:
 * Kafka's string, bytes and array encodings in their classic (int16/int32
 * length) and compact (unsigned varint length + 1) forms.
 *
 * Readers follow core/buf.h's sticky-error model: a failure sets r->err and
 * later reads return zero values. Array counts are bounded by the bytes left
 * before anything is allocated.
 */
#ifndef LODE_PROTO_CODEC_RT_H
#define LODE_PROTO_CODEC_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "proto/types.h"

#ifdef NDEBUG
#define LODE_PROTO_ASSERT(x) ((void)0)
#else
#define LODE_PROTO_ASSERT(x)                                                                       \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)
#endif

static inline lode_uuid_t lode_read_uuid(lode_reader_t *r)
{
    lode_uuid_t u;
    const uint8_t *p = lode_read_raw(r, 16);
    if (p)
        memcpy(u.b, p, 16);
    else
        memset(u.b, 0, 16);
    return u;
}

/* Reads a length: compact (uvarint, 0 = null) or classic (int16/int32,
 * -1 = null). Returns -1 for null, the length otherwise; a null where the
 * field is not nullable, or a negative classic length other than -1, is
 * LODE_ECORRUPT. */
static inline int32_t lode_read_len__(lode_reader_t *r, int flex, int nullable, int wide)
{
    int64_t n;
    if (flex) {
        uint32_t u = lode_read_uvarint(r);
        n = (int64_t)u - 1;
    } else {
        n = wide ? lode_read_i32(r) : lode_read_i16(r);
    }
    if (r->err)
        return 0;
    if (n < -1 || (n == -1 && !nullable) || n > INT32_MAX) {
        lode_reader_fail(r, LODE_ECORRUPT);
        return 0;
    }
    return (int32_t)n;
}

static inline void lode_read_string(lode_reader_t *r, lode_str_t *s, int flex, int nullable)
{
    int32_t n = lode_read_len__(r, flex, nullable, 0);
    if (n < 0) {
        s->ptr = NULL;
        s->len = -1;
        return;
    }
    const uint8_t *p = lode_read_raw(r, (size_t)n);
    s->ptr = p ? (const char *)p : "";
    s->len = p ? n : 0;
}

static inline void lode_read_bytes(lode_reader_t *r, lode_bytes_t *b, int flex, int nullable)
{
    int32_t n = lode_read_len__(r, flex, nullable, 1);
    if (n < 0) {
        b->ptr = NULL;
        b->len = -1;
        return;
    }
    const uint8_t *p = lode_read_raw(r, (size_t)n);
    b->ptr = p ? p : (const uint8_t *)"";
    b->len = p ? n : 0;
}

/* An array count; -1 for null. A count that cannot fit in the bytes left
 * (at min_elem bytes an element) is LODE_ECORRUPT, so a hostile count never
 * reaches the allocator. */
static inline int32_t lode_read_array_len(lode_reader_t *r, int flex, int nullable, int min_elem)
{
    int32_t n = lode_read_len__(r, flex, nullable, 1);
    if (n > 0 && (uint64_t)n * (uint64_t)(min_elem > 0 ? min_elem : 1) > lode_reader_remaining(r)) {
        lode_reader_fail(r, LODE_ECORRUPT);
        return 0;
    }
    return n;
}

static inline size_t lode_len_size__(int32_t len, int flex, int wide)
{
    if (flex)
        return lode_uvarint_size((uint32_t)(len + 1));
    return wide ? 4 : 2;
}

static inline size_t lode_string_size(const lode_str_t *s, int flex)
{
    return lode_len_size__(s->len, flex, 0) + (s->len > 0 ? (size_t)s->len : 0);
}

static inline size_t lode_bytes_size(const lode_bytes_t *b, int flex)
{
    return lode_len_size__(b->len, flex, 1) + (b->len > 0 ? (size_t)b->len : 0);
}

static inline size_t lode_array_len_size(int32_t count, int flex)
{
    return lode_len_size__(count, flex, 1);
}

static inline void lode_write_len__(lode_buf_t *out, int32_t len, int flex, int wide)
{
    if (flex)
        lode_buf_put_uvarint(out, (uint32_t)(len + 1));
    else if (wide)
        lode_buf_put_i32(out, len);
    else
        lode_buf_put_i16(out, (int16_t)len);
}

static inline void lode_write_string(lode_buf_t *out, const lode_str_t *s, int flex)
{
    lode_write_len__(out, s->len < 0 ? -1 : s->len, flex, 0);
    if (s->len > 0)
        lode_buf_put(out, s->ptr, (size_t)s->len);
}

static inline void lode_write_bytes(lode_buf_t *out, const lode_bytes_t *b, int flex)
{
    lode_write_len__(out, b->len < 0 ? -1 : b->len, flex, 1);
    if (b->len > 0)
        lode_buf_put(out, b->ptr, (size_t)b->len);
}

static inline void lode_write_array_len(lode_buf_t *out, int32_t count, int flex)
{
    lode_write_len__(out, count < 0 ? -1 : count, flex, 1);
}

static inline bool lode_str_eq_lit(const lode_str_t *s, const char *lit)
{
    return lode_str_eq_c(s, lit);
}

#endif
