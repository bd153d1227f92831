/*
 * console_format.c — DefaultMessageFormatter (see console_format.h).
 *
 * Each enabled field is followed by key.separator when a later field is
 * enabled too, otherwise by line.separator; the value always ends the line.
 */
#include "console_format.h"

#include <string.h>
#include <strings.h>

/* Kafka's booleans: value.trim().equalsIgnoreCase("true"). */
static bool bool_prop(const char *v)
{
    while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\n' || v[n - 1] == '\r'))
        n--;
    return n == 4 && strncasecmp(v, "true", 4) == 0;
}

/* Deserializers that print the bytes unchanged: anything else would need a JVM. */
static bool plain_deserializer(const char *cls)
{
    static const char *const ok[] = {
        "org.apache.kafka.common.serialization.StringDeserializer",
        "org.apache.kafka.common.serialization.ByteArrayDeserializer",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (!strcmp(cls, ok[i]))
            return true;
    return false;
}

int console_format_init(console_format_t *f, const lode_props_t *props)
{
    memset(f, 0, sizeof *f);
    f->value = true;
    f->key_sep = "\t";
    f->line_sep = "\n";
    f->headers_sep = ",";
    f->null_literal = "null";
    struct {
        const char *name;
        bool *flag;
    } bools[] = {
        {"print.timestamp", &f->timestamp},
        {"print.partition", &f->partition},
        {"print.offset", &f->offset},
        {"print.delivery", &f->delivery},
        {"print.epoch", &f->epoch},
        {"print.headers", &f->headers},
        {"print.key", &f->key},
        {"print.value", &f->value},
    };
    struct {
        const char *name;
        const char **str;
    } strs[] = {
        {"key.separator", &f->key_sep},
        {"line.separator", &f->line_sep},
        {"headers.separator", &f->headers_sep},
        {"null.literal", &f->null_literal},
    };
    size_t it = 0;
    const char *k, *v;
    while (lode_props_next(props, &it, &k, &v)) {
        bool known = false;
        for (size_t i = 0; i < sizeof bools / sizeof *bools; i++)
            if (!strcmp(k, bools[i].name)) {
                *bools[i].flag = bool_prop(v);
                known = true;
            }
        for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
            if (!strcmp(k, strs[i].name)) {
                *strs[i].str = v;
                known = true;
            }
        if (!strcmp(k, "key.deserializer") || !strcmp(k, "value.deserializer") ||
            !strcmp(k, "headers.deserializer")) {
            if (!plain_deserializer(v)) {
                fprintf(stderr,
                        "%s %s is not supported: only "
                        "org.apache.kafka.common.serialization.StringDeserializer and "
                        "ByteArrayDeserializer\n",
                        k, v);
                return 1;
            }
            known = true;
        }
        if (!known)
            fprintf(stderr,
                    "[WARN] ignoring formatter property %s, which "
                    "DefaultMessageFormatter does not use\n",
                    k);
    }
    return 0;
}

static void bytes_or_null(const console_format_t *f, const void *p, size_t n, FILE *out)
{
    if (p)
        fwrite(p, 1, n, out);
    else
        fputs(f->null_literal, out);
}

static void headers(const console_format_t *f, const rd_kafka_message_t *m, FILE *out)
{
    rd_kafka_headers_t *h = NULL;
    if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_cnt(h) == 0) {
        fputs("NO_HEADERS", out);
        return;
    }
    const char *name;
    const void *val;
    size_t len;
    for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &val, &len) == 0; i++) {
        if (i)
            fputs(f->headers_sep, out);
        fprintf(out, "%s:", name);
        bytes_or_null(f, val, len, out);
    }
}

int console_format_write(const console_format_t *f, const rd_kafka_message_t *m, FILE *out)
{
    /* enabled fields in Kafka's order; after each, "is a later one enabled?" picks the separator */
    bool on[] = {f->timestamp, f->partition, f->offset, f->delivery,
                 f->epoch,     f->headers,   f->key,    f->value};
    size_t n = sizeof on / sizeof *on;
    for (size_t i = 0; i < n; i++) {
        if (!on[i])
            continue;
        switch (i) {
        case 0: {
            rd_kafka_timestamp_type_t t;
            int64_t ts = rd_kafka_message_timestamp(m, &t);
            if (t == RD_KAFKA_TIMESTAMP_CREATE_TIME)
                fprintf(out, "CreateTime:%lld", (long long)ts);
            else if (t == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME)
                fprintf(out, "LogAppendTime:%lld", (long long)ts);
            else
                fputs("NO_TIMESTAMP", out);
            break;
        }
        case 1:
            fprintf(out, "Partition:%d", (int)m->partition);
            break;
        case 2:
            fprintf(out, "Offset:%lld", (long long)m->offset);
            break;
        case 3: /* share groups only; the console consumer never has a delivery count */
            fputs("Delivery:NOT_PRESENT", out);
            break;
        case 4: /* ConsoleConsumer hands the formatter records without a leader epoch */
            fputs("Epoch:NOT_PRESENT", out);
            break;
        case 5:
            headers(f, m, out);
            break;
        case 6:
            bytes_or_null(f, m->key, m->key_len, out);
            break;
        case 7:
            bytes_or_null(f, m->payload, m->len, out);
            fputs(f->line_sep, out);
            continue;
        }
        bool later = false;
        for (size_t j = i + 1; j < n; j++)
            later |= on[j];
        fputs(later ? f->key_sep : f->line_sep, out);
    }
    return ferror(out);
}
