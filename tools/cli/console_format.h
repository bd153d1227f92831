/*
 * console_format.h — Kafka's DefaultMessageFormatter: how kafka-console-consumer
 * prints a record, configured by --property print.key=true and friends.
 */
#ifndef LODE_CLI_CONSOLE_FORMAT_H
#define LODE_CLI_CONSOLE_FORMAT_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/props.h"

typedef struct console_format {
    bool timestamp, partition, offset, delivery, epoch, headers, key, value;
    const char *key_sep, *line_sep, *headers_sep, *null_literal;
} console_format_t;

/*
 * Configures from the formatter properties (--formatter-config then
 * --property). Deserializer properties accept only the deserializers whose
 * output is the record's bytes as they are (String, ByteArray). Returns 0,
 * or 1 after printing why on stderr.
 */
int console_format_init(console_format_t *f, const lode_props_t *props);

/* Writes one record; returns the result of ferror(out) afterwards (non-zero: cannot write). */
int console_format_write(const console_format_t *f, const rd_kafka_message_t *m, FILE *out);

#endif
