/*
 * types.h — value types of decoded Kafka messages.
 *
 * Strings and byte fields point into the buffer a message was decoded from
 * (no copy, not NUL-terminated); they stay valid as long as that buffer.
 * A length of -1 means null.
 */
#ifndef LODE_PROTO_TYPES_H
#define LODE_PROTO_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct lode_str {
    const char *ptr;
    int32_t len; /* -1: null */
} lode_str_t;

typedef struct lode_bytes {
    const uint8_t *ptr;
    int32_t len; /* -1: null */
} lode_bytes_t;

typedef struct lode_uuid_v {
    uint8_t b[16];
} lode_uuid_t;

#define LODE_STR_NULL ((lode_str_t){NULL, -1})
#define LODE_BYTES_NULL ((lode_bytes_t){NULL, -1})
#define LODE_BYTES_EMPTY ((lode_bytes_t){(const uint8_t *)"", 0})
/* A string literal as a lode_str_t. */
#define lode_str_lit(s) ((lode_str_t){(s), (int32_t)(sizeof(s) - 1)})

/* A NUL-terminated C string as a lode_str_t (NULL → null). */
static inline lode_str_t lode_str_c(const char *s)
{
    lode_str_t r = {s, s ? (int32_t)strlen(s) : -1};
    return r;
}

/* Same as lode_str_c. */
static inline lode_str_t lode_str_cstr(const char *s)
{
    return lode_str_c(s);
}

static inline bool lode_str_is_null(const lode_str_t *s)
{
    return s->len < 0;
}

/* Compares with a NUL-terminated string (a null string equals only NULL). */
static inline bool lode_str_eq_c(const lode_str_t *s, const char *c)
{
    if (!c)
        return s->len < 0;
    size_t n = strlen(c);
    return s->len >= 0 && (size_t)s->len == n && memcmp(s->ptr, c, n) == 0;
}

static inline bool lode_str_eq(const lode_str_t *a, const lode_str_t *b)
{
    if (a->len != b->len)
        return false;
    return a->len <= 0 || memcmp(a->ptr, b->ptr, (size_t)a->len) == 0;
}

static inline bool lode_uuid_is_zero_t(const lode_uuid_t *u)
{
    static const uint8_t zero[16];
    return memcmp(u->b, zero, 16) == 0;
}

#endif
