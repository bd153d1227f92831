/*
 * console_reader.c — Kafka's LineMessageReader (see console_reader.h).
 *
 * The order of the checks and the error texts are Kafka's, so a script that
 * feeds kafka-console-producer sees the same failures here.
 */
#include "console_reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "core/mem.h"

/* Kafka's boolean properties: value.trim().equalsIgnoreCase("true"). */
static bool prop_true(const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    return n == 4 && strncasecmp(v, "true", 4) == 0;
}

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* The pairwise checks LineMessageReader.configure makes, in its order. */
static int check_separators(const console_reader_t *r)
{
    static const char *const msg[] = {
        "headers.delimiter and headers.separator may not be equal",
        "headers.delimiter and headers.key.separator may not be equal",
        "headers.separator and headers.key.separator may not be equal",
        "null.marker and key.separator may not be equal",
        "null.marker and headers.separator may not be equal",
        "null.marker and headers.delimiter may not be equal",
        "null.marker and headers.key.separator may not be equal",
    };
    const char *pairs[][2] = {
        {r->headers_delim, r->headers_sep},   {r->headers_delim, r->headers_key_sep},
        {r->headers_sep, r->headers_key_sep}, {r->key_sep, r->null_marker},
        {r->headers_sep, r->null_marker},     {r->headers_delim, r->null_marker},
        {r->headers_key_sep, r->null_marker},
    };
    for (size_t i = 0; i < sizeof msg / sizeof *msg; i++)
        if (same(pairs[i][0], pairs[i][1])) {
            fprintf(stderr, "org.apache.kafka.common.KafkaException: %s\n", msg[i]);
            return 1;
        }
    return 0;
}

int console_reader_init(console_reader_t *r, char *const *props, size_t nprops)
{
    memset(r, 0, sizeof *r);
    r->key_sep = "\t";
    r->headers_delim = "\t";
    r->headers_sep = ",";
    r->headers_key_sep = ":";
    for (size_t i = 0; i < nprops; i++) {
        /* Kafka's parseKeyValueArgs: "k" alone means k="" */
        char key[128];
        const char *v;
        if (!cli_split_kv(props[i], key, sizeof key, &v)) {
            if (strchr(props[i], '=') || strlen(props[i]) >= sizeof key) {
                fprintf(stderr, "Invalid property '%s': expected key=value\n", props[i]);
                return 1;
            }
            snprintf(key, sizeof key, "%s", props[i]);
            v = "";
        }
        if (!strcmp(key, "parse.key"))
            r->parse_key = prop_true(v);
        else if (!strcmp(key, "key.separator"))
            r->key_sep = v;
        else if (!strcmp(key, "parse.headers"))
            r->parse_headers = prop_true(v);
        else if (!strcmp(key, "headers.delimiter"))
            r->headers_delim = v;
        else if (!strcmp(key, "headers.separator"))
            r->headers_sep = v;
        else if (!strcmp(key, "headers.key.separator"))
            r->headers_key_sep = v;
        else if (!strcmp(key, "ignore.error"))
            r->ignore_error = prop_true(v);
        else if (!strcmp(key, "null.marker"))
            r->null_marker = v;
        else
            fprintf(stderr,
                    "[WARN] ignoring reader property %s, which LineMessageReader does not use\n",
                    key);
    }
    if (check_separators(r))
        return 1;
    int rc = regcomp(&r->headers_re, r->headers_sep, REG_EXTENDED);
    if (rc != 0) {
        char err[256];
        regerror(rc, &r->headers_re, err, sizeof err);
        fprintf(stderr, "Invalid headers.separator pattern '%s': %s\n", r->headers_sep, err);
        return 1;
    }
    return 0;
}

void console_reader_free(console_reader_t *r)
{
    regfree(&r->headers_re);
}

/* indexOf(sep, from) on a byte string; -1 when absent. An empty sep matches at from. */
static ssize_t index_of(const char *s, size_t len, size_t from, const char *sep)
{
    size_t n = strlen(sep);
    const char *hit = memmem(s + from, len - from, sep, n);
    return hit ? hit - s : -1;
}

static bool is_null_marker(const console_reader_t *r, const char *s, size_t n)
{
    return r->null_marker && strlen(r->null_marker) == n && memcmp(r->null_marker, s, n) == 0;
}

/* One "key<sep>value" header pair into h. Returns 0 or 1 after printing why. */
static int add_header(console_reader_t *r, rd_kafka_headers_t *h, const char *pair, size_t n)
{
    ssize_t i = index_of(pair, n, 0, r->headers_key_sep);
    if (i < 0) {
        if (r->ignore_error) {
            rd_kafka_header_add(h, pair, (ssize_t)n, NULL, 0);
            return 0;
        }
        fprintf(stderr,
                "org.apache.kafka.common.KafkaException: No header key separator found in pair "
                "'%.*s' on line number %ld\n",
                (int)n, pair, r->line_no);
        return 1;
    }
    if (is_null_marker(r, pair, (size_t)i)) {
        fprintf(stderr,
                "org.apache.kafka.common.KafkaException: Header keys should not be equal to the "
                "null marker '%s' as they can't be null\n",
                r->null_marker);
        return 1;
    }
    const char *v = pair + i + strlen(r->headers_key_sep);
    size_t vn = n - (size_t)(v - pair);
    if (is_null_marker(r, v, vn))
        rd_kafka_header_add(h, pair, i, NULL, 0);
    else
        rd_kafka_header_add(h, pair, i, v, (ssize_t)vn);
    return 0;
}

/*
 * Java's Pattern.split: pieces between matches, trailing empty pieces
 * dropped; an input the pattern never matches is one piece (even if empty).
 * Zero-width matches do not split here (Java splits between characters).
 */
static int split_headers(console_reader_t *r, const char *s, size_t len, rd_kafka_headers_t *h)
{
    char *buf = lode_xmalloc(len + 1);
    memcpy(buf, s, len);
    buf[len] = '\0';
    size_t starts[256], ends[256], n = 0, pos = 0;
    regmatch_t m;
    bool matched = false;
    while (n < 255 && pos <= len &&
           regexec(&r->headers_re, buf + pos, 1, &m, pos ? REG_NOTBOL : 0) == 0) {
        if (m.rm_eo == m.rm_so) {
            if (pos + (size_t)m.rm_so >= len)
                break;
            /* skip a zero-width match: search again one character later */
            size_t at = pos + (size_t)m.rm_so + 1;
            regmatch_t m2;
            if (regexec(&r->headers_re, buf + at, 1, &m2, REG_NOTBOL) != 0)
                break;
            m.rm_so = m2.rm_so + (regoff_t)(at - pos);
            m.rm_eo = m2.rm_eo + (regoff_t)(at - pos);
            if (m.rm_eo == m.rm_so)
                break;
        }
        matched = true;
        starts[n] = pos;
        ends[n++] = pos + (size_t)m.rm_so;
        pos += (size_t)m.rm_eo;
    }
    starts[n] = pos;
    ends[n++] = len;
    if (matched)
        while (n > 0 && ends[n - 1] == starts[n - 1])
            n--;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = add_header(r, h, buf + starts[i], ends[i] - starts[i]);
    free(buf);
    return rc;
}

/* Kafka's parse(): text from `from` to the next sep; -1 (absent) when disabled or on a tolerated
 * miss. Returns 1 after printing the error for a miss that is not tolerated. */
static int demarcate(console_reader_t *r, bool enabled, const char *line, size_t len, size_t from,
                     const char *sep, const char *what, ssize_t *end)
{
    *end = -1;
    if (!enabled)
        return 0;
    ssize_t i = index_of(line, len, from, sep);
    if (i < 0) {
        if (r->ignore_error)
            return 0;
        fprintf(stderr,
                "org.apache.kafka.common.KafkaException: No %s found on line number %ld: '%.*s'\n",
                what, r->line_no, (int)len, line);
        return 1;
    }
    *end = i;
    return 0;
}

int console_reader_parse(console_reader_t *r, const char *line, size_t len, console_record_t *out)
{
    memset(out, 0, sizeof *out);
    r->line_no++;
    ssize_t hend, kend;
    if (demarcate(r, r->parse_headers, line, len, 0, r->headers_delim, "headers delimiter", &hend))
        return 1;
    size_t koff = hend < 0 ? 0 : (size_t)hend + strlen(r->headers_delim);
    if (demarcate(r, r->parse_key, line, len, koff, r->key_sep, "key separator", &kend))
        return 1;
    size_t voff = kend < 0 ? koff : (size_t)kend + strlen(r->key_sep);
    if (kend < 0) {
        out->key_null = true;
    } else {
        out->key = line + koff;
        out->key_len = (size_t)kend - koff;
        out->key_null = is_null_marker(r, out->key, out->key_len);
    }
    out->value = line + voff;
    out->value_len = len - voff;
    out->value_null = is_null_marker(r, out->value, out->value_len);
    if (hend >= 0 && !is_null_marker(r, line, (size_t)hend)) {
        out->headers = rd_kafka_headers_new(8);
        if (split_headers(r, line, (size_t)hend, out->headers)) {
            rd_kafka_headers_destroy(out->headers);
            out->headers = NULL;
            return 1;
        }
    }
    return 0;
}
