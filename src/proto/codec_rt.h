/*
 * codec_rt.h — the small runtime the generated codecs (src/proto/gen) call:
 * Kafka's string, bytes and array encodings in their classic (int16/int32
 * length) and compact (unsigned varint length + 1) forms, and the tagged
 * field sections of flexible versions.
 *
 * Readers follow core/buf.h's sticky-error model: a failure sets r->err and
 * later reads return zero values, so generated decoders read a whole
 * structure and check r->err once. Array counts are bounded by the bytes
 * left before anything is allocated. Decoded strings and bytes point into
 * the reader's buffer (no copy).
 *
 * Writers assume the message passed its check (the generated *_check
 * functions use the lode_check_* helpers below): lengths are then within
 * range and non-nullable values are not null.
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

/* Kafka's bound on a string's length in bytes, classic or compact. */
#define LODE_STR_MAX_LEN 0x7fff

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

/* A string (null: len -1 when nullable). Longer than LODE_STR_MAX_LEN is
 * LODE_ECORRUPT, as in Kafka. */
static inline void lode_read_string(lode_reader_t *r, lode_str_t *s, int flex, int nullable)
{
    int32_t n = lode_read_len__(r, flex, nullable, 0);
    if (n < 0) {
        s->ptr = NULL;
        s->len = -1;
        return;
    }
    if (n > LODE_STR_MAX_LEN)
        lode_reader_fail(r, LODE_ECORRUPT);
    const uint8_t *p = lode_read_raw(r, (size_t)n);
    s->ptr = p ? (const char *)p : "";
    s->len = p ? n : 0;
}

/* Bytes or records (null: len -1 when nullable). */
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
 * (at min_elem bytes an element, at least 1) is LODE_ECORRUPT, so a hostile
 * count never reaches the allocator. */
static inline int32_t lode_read_array_len(lode_reader_t *r, int flex, int nullable, int min_elem)
{
    int32_t n = lode_read_len__(r, flex, nullable, 1);
    if (n > 0 && (uint64_t)n * (uint64_t)(min_elem > 0 ? min_elem : 1) > lode_reader_remaining(r)) {
        lode_reader_fail(r, LODE_ECORRUPT);
        return 0;
    }
    return n;
}

/* Reads an array count (see lode_read_array_len) into *count and returns
 * zeroed storage for that many elements of elem_size bytes from arena a, or
 * NULL for an empty, null or bad array. */
static inline void *lode_read_array(lode_reader_t *r, lode_arena_t *a, int flex, int nullable,
                                    int min_elem, size_t elem_size, int32_t *count)
{
    int32_t n = lode_read_array_len(r, flex, nullable, min_elem);
    *count = n;
    return n > 0 ? lode_arena_calloc(a, (size_t)n, elem_size) : NULL;
}

/* Tagged-field sections: a uvarint count, then per field a uvarint tag, a
 * uvarint size and that many bytes. */

void lode_skip_tags__(lode_reader_t *r);

/* Skips a whole tagged-field section (a struct with no known tags); the
 * common empty section is one inline byte test. */
static inline void lode_skip_tags(lode_reader_t *r)
{
    if (!r->err && r->pos < r->len && r->data[r->pos] == 0) {
        r->pos++;
        return;
    }
    lode_skip_tags__(r);
}

/* Reads one tagged field's header and payload: t becomes a reader over the
 * payload. Returns the tag, or UINT32_MAX when r failed (t then fails too). */
uint32_t lode_read_tag(lode_reader_t *r, lode_reader_t *t);

/* Ends a known tagged field decoded from t: an error in t, or payload bytes
 * left unread, fails r (LODE_ECORRUPT for the latter). */
static inline void lode_tag_end(lode_reader_t *r, const lode_reader_t *t)
{
    if (t->err)
        lode_reader_fail(r, t->err == LODE_ETRUNC ? LODE_ECORRUPT : t->err);
    else if (t->pos != t->len)
        lode_reader_fail(r, LODE_ECORRUPT);
}

/* Encoded size of a tagged field whose value takes size bytes. */
static inline size_t lode_tag_size(uint32_t tag, size_t size)
{
    return lode_uvarint_size(tag) + lode_uvarint_size((uint32_t)size) + size;
}

static inline void lode_write_tag(lode_buf_t *out, uint32_t tag, size_t size)
{
    lode_buf_put_uvarint(out, tag);
    lode_buf_put_uvarint(out, (uint32_t)size);
}

/* Sizes. A null has the size of its marker. */
static inline size_t lode_len_size__(int32_t len, int flex, int wide)
{
    if (flex)
        return lode_uvarint_size((uint32_t)(len < 0 ? 0 : len + 1));
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

/* Writers. */
static inline void lode_write_len__(lode_buf_t *out, int32_t len, int flex, int wide)
{
    if (flex)
        lode_buf_put_uvarint(out, (uint32_t)(len < 0 ? 0 : len + 1));
    else if (wide)
        lode_buf_put_i32(out, len < 0 ? -1 : len);
    else
        lode_buf_put_i16(out, (int16_t)(len < 0 ? -1 : len));
}

static inline void lode_write_string(lode_buf_t *out, const lode_str_t *s, int flex)
{
    lode_write_len__(out, s->len, flex, 0);
    if (s->len > 0)
        lode_buf_put(out, s->ptr, (size_t)s->len);
}

static inline void lode_write_bytes(lode_buf_t *out, const lode_bytes_t *b, int flex)
{
    lode_write_len__(out, b->len, flex, 1);
    if (b->len > 0)
        lode_buf_put(out, b->ptr, (size_t)b->len);
}

static inline void lode_write_array_len(lode_buf_t *out, int32_t count, int flex)
{
    lode_write_len__(out, count, flex, 1);
}

/* Checks before encoding: nonzero when the value cannot be written (a null
 * where the version forbids it, a length out of range, or a length with no
 * data behind it). */
static inline int lode_check_str(const lode_str_t *s, int nullable)
{
    if (s->len < 0)
        return s->len != -1 || !nullable;
    return s->len > LODE_STR_MAX_LEN || (s->len > 0 && !s->ptr);
}

static inline int lode_check_bytes(const lode_bytes_t *b, int nullable)
{
    if (b->len < 0)
        return b->len != -1 || !nullable;
    return b->len > 0 && !b->ptr;
}

static inline int lode_check_count(int32_t count, const void *elems, int nullable)
{
    if (count < 0)
        return count != -1 || !nullable;
    return count > 0 && !elems;
}

static inline bool lode_str_eq_lit(const lode_str_t *s, const char *lit)
{
    return lode_str_eq_c(s, lit);
}

#endif
