/*
 * raw_request.h — one Kafka request sent straight to a bootstrap broker over
 * a plain TCP socket, for what librdkafka 2.0.2 cannot do: topic ids
 * (Metadata v12) and the brokers' default config resource (librdkafka's
 * DescribeConfigs/AlterConfigs need an integer broker id). PLAINTEXT only.
 */
#ifndef LODE_CLI_RAW_REQUEST_H
#define LODE_CLI_RAW_REQUEST_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Whether rk talks plain TCP; then boot receives its bootstrap.servers. */
bool cli_raw_possible(rd_kafka_t *rk, char *boot, size_t cap);

/*
 * Sends a request whose encoded body is `body` (api key, version) to the
 * first reachable broker of `bootstrap` ("h:p,h2:p2", "PLAINTEXT://h:p",
 * "[::1]:p") and reads the answer, waiting at most timeout_ms per step.
 * Returns 0 with the response frame in *frame (malloc'd) and the response
 * body at r (positioned after the header, reading *frame); -1 when no
 * broker answered.
 */
int cli_raw_request(const char *bootstrap, int timeout_ms, int16_t api_key, int16_t version,
                    const lode_buf_t *body, uint8_t **frame, lode_reader_t *r);

#endif
