/*
 * console_reader.h — Kafka's LineMessageReader: one record per input line,
 * optionally "headers<TAB>key<TAB>value" split by configurable separators
 * (the reader properties kafka-console-producer takes with --property).
 */
#ifndef LODE_CLI_CONSOLE_READER_H
#define LODE_CLI_CONSOLE_READER_H

#include <librdkafka/rdkafka.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct console_reader {
    bool parse_key, parse_headers, ignore_error;
    const char *key_sep, *headers_delim, *headers_sep, *headers_key_sep;
    const char *null_marker; /* NULL: no marker */
    regex_t headers_re;      /* headers_sep compiled (Kafka: a Java regex) */
    long line_no;
} console_reader_t;

/* One parsed line. Pointers point into the line; *_null marks a null key/value. */
typedef struct console_record {
    const char *key, *value;
    size_t key_len, value_len;
    bool key_null, value_null;
    rd_kafka_headers_t *headers; /* NULL when none; the caller owns it */
} console_record_t;

/*
 * Configures the reader from "k=v" properties (unknown keys are an error,
 * as every key Kafka's reader reads is known here). Returns 0, or 1 after
 * printing why on stderr.
 */
int console_reader_init(console_reader_t *r, char *const *props, size_t nprops);
void console_reader_free(console_reader_t *r);

/*
 * Parses one line (without its terminator). Returns 0, or 1 after printing
 * Kafka's error for the line on stderr (parse errors end the tool in Kafka).
 */
int console_reader_parse(console_reader_t *r, const char *line, size_t len, console_record_t *out);

#endif
