/*
 * props.c — java.util.Properties.load, transcribed as a state machine over a
 * byte buffer, plus Kafka's typed value parsing (see props.h).
 *
 * Loading is two steps, as in the JDK: read_line() produces one logical line
 * (comments and blank lines dropped, continuations joined, leading whitespace
 * skipped), then split_line() finds the key/value boundary and convert()
 * resolves escapes. All the syntax characters are ASCII, so running the state
 * machine over bytes gives the same lines as Java running it over chars, for
 * ISO-8859-1 bytes and UTF-8 bytes alike (UTF-8 multi-byte sequences contain
 * no ASCII bytes); the two modes differ only in how convert() emits non-ASCII
 * bytes.
 */
#include "core/props.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/hash.h"
#include "core/mem.h"

/* A stored value: length-prefixed, NUL-terminated. */
typedef struct {
    size_t len;
    char str[];
} pval_t;

static pval_t *pval_new(const char *s, size_t len)
{
    pval_t *v = lode_xmalloc(sizeof *v + len + 1);
    v->len = len;
    if (len)
        memcpy(v->str, s, len);
    v->str[len] = '\0';
    return v;
}

void lode_props_init(lode_props_t *p)
{
    lode_hmap_init(&p->map);
}

void lode_props_free(lode_props_t *p)
{
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&p->map, &it)))
        free(e->value);
    lode_hmap_free(&p->map);
}

void lode_props_set_len(lode_props_t *p, const char *key, size_t key_len, const char *value,
                        size_t value_len)
{
    void *old = NULL;
    lode_hmap_put(&p->map, key, key_len, pval_new(value, value_len), &old);
    free(old);
}

void lode_props_set(lode_props_t *p, const char *key, const char *value)
{
    lode_props_set_len(p, key, strlen(key), value, strlen(value));
}

void lode_props_set_override(lode_props_t *p, const char *key_eq_value)
{
    const char *eq = strchr(key_eq_value, '=');
    if (!eq)
        lode_props_set(p, key_eq_value, "");
    else
        lode_props_set_len(p, key_eq_value, (size_t)(eq - key_eq_value), eq + 1, strlen(eq + 1));
}

bool lode_props_remove(lode_props_t *p, const char *key)
{
    void *old = NULL;
    if (!lode_hmap_remove(&p->map, key, strlen(key), &old))
        return false;
    free(old);
    return true;
}

const char *lode_props_get_len(const lode_props_t *p, const char *key, size_t key_len,
                               size_t *value_len)
{
    const pval_t *v = lode_hmap_get(&p->map, key, key_len);
    if (!v)
        return NULL;
    if (value_len)
        *value_len = v->len;
    return v->str;
}

const char *lode_props_get(const lode_props_t *p, const char *key)
{
    return lode_props_get_len(p, key, strlen(key), NULL);
}

const char *lode_props_get_or(const lode_props_t *p, const char *key, const char *dflt)
{
    const char *v = lode_props_get(p, key);
    return v ? v : dflt;
}

bool lode_props_next_len(const lode_props_t *p, size_t *it, const char **key, size_t *key_len,
                         const char **value, size_t *value_len)
{
    lode_hmap_entry_t *e = lode_hmap_next(&p->map, it);
    if (!e)
        return false;
    const pval_t *v = e->value;
    if (key)
        *key = e->key;
    if (key_len)
        *key_len = e->key_len;
    if (value)
        *value = v->str;
    if (value_len)
        *value_len = v->len;
    return true;
}

bool lode_props_next(const lode_props_t *p, size_t *it, const char **key, const char **value)
{
    return lode_props_next_len(p, it, key, NULL, value, NULL);
}

/* ---- loading ----------------------------------------------------------- */

typedef struct {
    const uint8_t *data;
    size_t len;
    size_t off;
} line_reader_t;

static inline bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\f';
}

/*
 * One logical line into `line` (without terminator); returns false at the end
 * of input. *start receives the offset of the line's first character, for
 * error messages. Mirrors Properties.LineReader.readLine: note that the
 * "comment?" test applies whenever the line is still empty, which includes a
 * continuation line after a line that was only a backslash.
 */
static bool read_line(line_reader_t *r, lode_buf_t *line, size_t *start)
{
    bool skip_ws = true, appended_line_begin = false, backslash = false;
    line->len = 0;
    *start = SIZE_MAX;
    for (;;) {
        if (r->off >= r->len) {
            if (line->len == 0)
                return false;
            if (backslash)
                line->len--;
            return true;
        }
        uint8_t c = r->data[r->off++];
        if (skip_ws) {
            if (is_blank(c))
                continue;
            if (!appended_line_begin && (c == '\r' || c == '\n'))
                continue;
            skip_ws = false;
            appended_line_begin = false;
        }
        if (line->len == 0 && (c == '#' || c == '!')) {
            for (;;) {
                if (r->off >= r->len)
                    return false;
                uint8_t b = r->data[r->off++];
                if (b == '\r' || b == '\n')
                    break;
            }
            skip_ws = true;
            continue;
        }
        if (c != '\n' && c != '\r') {
            if (*start == SIZE_MAX)
                *start = r->off - 1;
            lode_buf_put_u8(line, c);
            backslash = c == '\\' ? !backslash : false;
            continue;
        }
        /* end of a natural line */
        if (line->len == 0) {
            skip_ws = true;
            continue;
        }
        if (r->off >= r->len) {
            if (backslash)
                line->len--;
            return true;
        }
        if (!backslash)
            return true;
        /* continuation: drop the backslash and the next line's indentation */
        line->len--;
        skip_ws = true;
        appended_line_begin = true;
        backslash = false;
        if (c == '\r' && r->data[r->off] == '\n')
            r->off++;
    }
}

/* 1-based natural line number of byte offset `off`. */
static size_t line_number(const uint8_t *data, size_t len, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (data[i] == '\n')
            line++;
        else if (data[i] == '\r' && !(i + 1 < len && data[i + 1] == '\n'))
            line++;
    }
    return line;
}

typedef struct {
    lode_buf_t *out;
    unsigned flags;
    uint32_t high; /* a pending high surrogate from \uXXXX, or 0 */
} emitter_t;

static void put_utf8(lode_buf_t *out, uint32_t cp)
{
    if (cp < 0x80) {
        lode_buf_put_u8(out, (uint8_t)cp);
    } else if (cp < 0x800) {
        uint8_t *q = lode_buf_extend(out, 2);
        q[0] = (uint8_t)(0xc0 | cp >> 6);
        q[1] = (uint8_t)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        uint8_t *q = lode_buf_extend(out, 3);
        q[0] = (uint8_t)(0xe0 | cp >> 12);
        q[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        q[2] = (uint8_t)(0x80 | (cp & 0x3f));
    } else {
        uint8_t *q = lode_buf_extend(out, 4);
        q[0] = (uint8_t)(0xf0 | cp >> 18);
        q[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        q[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        q[3] = (uint8_t)(0x80 | (cp & 0x3f));
    }
}

static void flush_high(emitter_t *em)
{
    if (em->high) {
        lode_buf_put_u8(em->out, '?');
        em->high = 0;
    }
}

/* A raw byte of the file. */
static void emit_byte(emitter_t *em, uint8_t c)
{
    flush_high(em);
    if (c >= 0x80 && (em->flags & LODE_PROPS_LATIN1))
        put_utf8(em->out, c);
    else
        lode_buf_put_u8(em->out, c);
}

/* A UTF-16 code unit from an escape. */
static void emit_unit(emitter_t *em, uint32_t u)
{
    if (em->high) {
        if (u >= 0xdc00 && u <= 0xdfff) {
            put_utf8(em->out, 0x10000 + ((em->high - 0xd800) << 10) + (u - 0xdc00));
            em->high = 0;
            return;
        }
        flush_high(em);
    }
    if (u >= 0xd800 && u <= 0xdbff)
        em->high = u;
    else if (u >= 0xdc00 && u <= 0xdfff)
        lode_buf_put_u8(em->out, '?');
    else
        put_utf8(em->out, u);
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Properties.loadConvert: resolves escapes of in[0..n) into out. Returns 0 or
 * LODE_EINVAL (malformed \uXXXX). */
static int convert(const uint8_t *in, size_t n, unsigned flags, lode_buf_t *out)
{
    emitter_t em = {.out = out, .flags = flags};
    size_t i = 0;
    while (i < n) {
        uint8_t c = in[i++];
        if (c != '\\') {
            emit_byte(&em, c);
            continue;
        }
        if (i >= n) /* cannot happen: read_line drops a trailing odd backslash */
            break;
        c = in[i++];
        if (c == 'u') {
            if (n - i < 4)
                return LODE_EINVAL;
            uint32_t u = 0;
            for (int k = 0; k < 4; k++) {
                int h = hexval(in[i++]);
                if (h < 0)
                    return LODE_EINVAL;
                u = u << 4 | (uint32_t)h;
            }
            emit_unit(&em, u);
        } else if (c == 't') {
            emit_unit(&em, '\t');
        } else if (c == 'r') {
            emit_unit(&em, '\r');
        } else if (c == 'n') {
            emit_unit(&em, '\n');
        } else if (c == 'f') {
            emit_unit(&em, '\f');
        } else {
            emit_byte(&em, c);
        }
    }
    flush_high(&em);
    return 0;
}

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
    if (!errbuf || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
}

/* Strict UTF-8: no overlongs, no encoded surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            if (c == 0xe0)
                lo = 0xa0;
            else if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;
        } else {
            return false;
        }
        if (n - i <= need || s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        i += need + 1;
    }
    return true;
}

/* Replaces malformed UTF-8 with U+FFFD the way Java's UTF-8 decoding does
 * (core/hash.h), so that UTF-8 mode reads what a Java UTF-8 Reader reads. */
static void utf8_sanitize(const uint8_t *s, size_t n, lode_buf_t *out)
{
    uint16_t *u = lode_xmalloc((n ? n : 1) * sizeof *u);
    size_t nu = lode_utf8_to_utf16_java((const char *)s, n, u, n);
    for (size_t i = 0; i < nu; i++) {
        uint32_t cp = u[i];
        /* the decoder only emits surrogates as complete pairs */
        if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < nu) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (u[i + 1] - 0xdc00u);
            i++;
        }
        put_utf8(out, cp);
    }
    free(u);
}

int lode_props_load_buf(lode_props_t *p, const void *data, size_t len, unsigned flags, char *errbuf,
                        size_t errlen)
{
    lode_buf_t clean = LODE_BUF_INIT;
    if (!(flags & LODE_PROPS_LATIN1) && !utf8_valid(data, len)) {
        utf8_sanitize(data, len, &clean);
        data = clean.data;
        len = clean.len;
    }
    line_reader_t r = {.data = data, .len = len};
    lode_buf_t line = LODE_BUF_INIT, key = LODE_BUF_INIT, value = LODE_BUF_INIT;
    lode_props_t staged;
    size_t start;
    int rc = 0;

    lode_props_init(&staged);
    while (read_line(&r, &line, &start)) {
        const uint8_t *s = line.data;
        size_t limit = line.len, key_len = 0, value_start = limit;
        bool has_sep = false, backslash = false;

        /* Properties.load0: the key ends at an unescaped separator. */
        while (key_len < limit) {
            uint8_t c = s[key_len];
            if ((c == '=' || c == ':') && !backslash) {
                value_start = key_len + 1;
                has_sep = true;
                break;
            }
            if (is_blank(c) && !backslash) {
                value_start = key_len + 1;
                break;
            }
            backslash = c == '\\' ? !backslash : false;
            key_len++;
        }
        /* Skip blanks, and one '=' or ':' if the key ended at a blank. */
        while (value_start < limit) {
            uint8_t c = s[value_start];
            if (!is_blank(c)) {
                if (!has_sep && (c == '=' || c == ':'))
                    has_sep = true;
                else
                    break;
            }
            value_start++;
        }
        key.len = value.len = 0;
        if (convert(s, key_len, flags, &key) < 0 ||
            convert(s + value_start, limit - value_start, flags, &value) < 0) {
            set_err(errbuf, errlen, "line %zu: malformed \\uxxxx encoding",
                    line_number(data, len, start == SIZE_MAX ? r.off : start));
            rc = LODE_EINVAL;
            goto out;
        }
        lode_props_set_len(&staged, key.len ? (char *)key.data : "", key.len,
                           value.len ? (char *)value.data : "", value.len);
    }

    /* Commit: merge in the order the keys first appeared. */
    size_t it = 0;
    const char *k, *v;
    size_t kl, vl;
    while (lode_props_next_len(&staged, &it, &k, &kl, &v, &vl))
        lode_props_set_len(p, k, kl, v, vl);
out:
    lode_props_free(&staged);
    lode_buf_free(&line);
    lode_buf_free(&key);
    lode_buf_free(&value);
    lode_buf_free(&clean);
    return rc;
}

int lode_props_load_file(lode_props_t *p, const char *path, unsigned flags, char *errbuf,
                         size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_err(errbuf, errlen, "%s: %s", path, strerror(errno));
        return LODE_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        set_err(errbuf, errlen, "%s: %s", path, strerror(e));
        close(fd);
        errno = e;
        return LODE_EIO;
    }
    if (st.st_size > (off_t)LODE_PROPS_MAX_FILE_BYTES) {
        set_err(errbuf, errlen, "%s: larger than %u bytes", path, LODE_PROPS_MAX_FILE_BYTES);
        close(fd);
        return LODE_ETOOBIG;
    }
    /* Read to EOF rather than trusting st_size (pipes, /proc, growing files). */
    lode_buf_t b = LODE_BUF_INIT;
    for (;;) {
        lode_buf_reserve(&b, 64 * 1024);
        ssize_t n = read(fd, b.data + b.len, b.cap - b.len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            set_err(errbuf, errlen, "%s: %s", path, strerror(e));
            close(fd);
            lode_buf_free(&b);
            errno = e;
            return LODE_EIO;
        }
        if (n == 0)
            break;
        b.len += (size_t)n;
        if (b.len > LODE_PROPS_MAX_FILE_BYTES) {
            set_err(errbuf, errlen, "%s: larger than %u bytes", path, LODE_PROPS_MAX_FILE_BYTES);
            close(fd);
            lode_buf_free(&b);
            return LODE_ETOOBIG;
        }
    }
    close(fd);
    char msg[200] = "";
    int rc = lode_props_load_buf(p, b.data, b.len, flags, msg, sizeof msg);
    if (rc < 0)
        set_err(errbuf, errlen, "%s: %s", path, msg);
    lode_buf_free(&b);
    return rc;
}

/* ---- typed values -------------------------------------------------------- */

/* Java String.trim(): drops chars <= U+0020 at both ends. In UTF-8 those are
 * exactly the bytes <= 0x20. */
static void java_trim(const char **s, size_t *len)
{
    const uint8_t *b = (const uint8_t *)*s;
    size_t n = *len;
    while (n && b[0] <= 0x20) {
        b++;
        n--;
    }
    while (n && b[n - 1] <= 0x20)
        n--;
    *s = (const char *)b;
    *len = n;
}

int lode_parse_java_int64(const char *s, size_t len, int64_t *out)
{
    java_trim(&s, &len);
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == len)
        return LODE_EINVAL;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    bool overflow = false;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return LODE_EINVAL;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10)
            overflow = true; /* keep scanning: a later non-digit is EINVAL */
        else
            v = v * 10 + d;
    }
    if (overflow)
        return LODE_ERANGE;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

int lode_parse_java_int32(const char *s, size_t len, int32_t *out)
{
    int64_t v;
    int rc = lode_parse_java_int64(s, len, &v);
    if (rc < 0)
        return rc;
    if (v < INT32_MIN || v > INT32_MAX)
        return LODE_ERANGE;
    *out = (int32_t)v;
    return 0;
}

int lode_parse_java_bool(const char *s, size_t len, bool *out)
{
    java_trim(&s, &len);
    if (len == 4 && strncasecmp(s, "true", 4) == 0) {
        *out = true;
        return 0;
    }
    if (len == 5 && strncasecmp(s, "false", 5) == 0) {
        *out = false;
        return 0;
    }
    return LODE_EINVAL;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static bool is_xdigit(char c)
{
    return hexval((uint8_t)c) >= 0;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

int lode_parse_java_double(const char *s, size_t len, double *out)
{
    java_trim(&s, &len);
    size_t i = 0, end;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    if ((len - i == 3 && memcmp(s + i, "NaN", 3) == 0) ||
        (len - i == 8 && memcmp(s + i, "Infinity", 8) == 0)) {
        end = len;
    } else {
        bool hex = len - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
        bool (*digit)(char) = hex ? is_xdigit : is_digit;
        size_t ndigits = 0;
        if (hex)
            i += 2;
        while (i < len && digit(s[i]))
            i++, ndigits++;
        if (i < len && s[i] == '.') {
            i++;
            while (i < len && digit(s[i]))
                i++, ndigits++;
        }
        if (ndigits == 0)
            return LODE_EINVAL;
        /* exponent: optional for decimals, required (p) for hex */
        if (i < len && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
            i++;
            if (i < len && (s[i] == '+' || s[i] == '-'))
                i++;
            size_t nexp = 0;
            while (i < len && is_digit(s[i]))
                i++, nexp++;
            if (nexp == 0)
                return LODE_EINVAL;
        } else if (hex) {
            return LODE_EINVAL;
        }
        end = i;
        if (i < len && strchr("fFdD", s[i]) && s[i] != '\0')
            i++;
        if (i != len)
            return LODE_EINVAL;
    }
    char small[64];
    char *tmp = end < sizeof small ? small : lode_xmalloc(end + 1);
    memcpy(tmp, s, end);
    tmp[end] = '\0';
    pthread_once(&c_locale_once, c_locale_init);
    /* Overflow yields ±HUGE_VAL (= ±infinity) and underflow 0 or a subnormal,
     * as Java's parseDouble does, so ERANGE from strtod is not an error. */
    double v = c_locale ? strtod_l(tmp, NULL, c_locale) : strtod(tmp, NULL);
    if (tmp != small)
        free(tmp);
    *out = v;
    return 0;
}

void lode_strlist_free(lode_strlist_t *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

/* Java regex \s: [ \t\n\x0B\f\r] */
static bool is_regex_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\x0b' || c == '\f' || c == '\r';
}

void lode_parse_kafka_list(const char *s, size_t len, lode_strlist_t *out)
{
    out->items = NULL;
    out->count = 0;
    java_trim(&s, &len);
    if (len == 0)
        return;
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += s[i] == ',';
    out->items = lode_xcalloc(n, sizeof *out->items);
    size_t a = 0;
    for (;;) {
        size_t c = a;
        while (c < len && s[c] != ',')
            c++;
        size_t b = c;
        if (c < len) /* whitespace before the comma belongs to the separator */
            while (b > a && is_regex_space(s[b - 1]))
                b--;
        out->items[out->count++] = lode_xstrndup(s + a, b - a);
        if (c == len)
            break;
        a = c + 1; /* and whitespace after it */
        while (a < len && is_regex_space(s[a]))
            a++;
    }
}

int lode_props_get_int32(const lode_props_t *p, const char *key, int32_t dflt, int32_t *out)
{
    size_t n;
    const char *v = lode_props_get_len(p, key, strlen(key), &n);
    if (!v) {
        *out = dflt;
        return 0;
    }
    return lode_parse_java_int32(v, n, out);
}

int lode_props_get_int64(const lode_props_t *p, const char *key, int64_t dflt, int64_t *out)
{
    size_t n;
    const char *v = lode_props_get_len(p, key, strlen(key), &n);
    if (!v) {
        *out = dflt;
        return 0;
    }
    return lode_parse_java_int64(v, n, out);
}

int lode_props_get_bool(const lode_props_t *p, const char *key, bool dflt, bool *out)
{
    size_t n;
    const char *v = lode_props_get_len(p, key, strlen(key), &n);
    if (!v) {
        *out = dflt;
        return 0;
    }
    return lode_parse_java_bool(v, n, out);
}

int lode_props_get_double(const lode_props_t *p, const char *key, double dflt, double *out)
{
    size_t n;
    const char *v = lode_props_get_len(p, key, strlen(key), &n);
    if (!v) {
        *out = dflt;
        return 0;
    }
    return lode_parse_java_double(v, n, out);
}

int lode_props_get_list(const lode_props_t *p, const char *key, const char *dflt,
                        lode_strlist_t *out)
{
    size_t n;
    const char *v = lode_props_get_len(p, key, strlen(key), &n);
    if (!v) {
        v = dflt ? dflt : "";
        n = strlen(v);
    }
    lode_parse_kafka_list(v, n, out);
    return 0;
}
