/*
 * raw.h — one Kafka request over plain TCP with lode's own codecs, for the
 * few things Debian's librdkafka (2.0.2) cannot ask a broker: a topic's id
 * (Metadata v10+), ListOffsets for max-timestamp (v7+). Only PLAINTEXT
 * listeners are reachable this way; callers say so when the client config
 * asks for TLS or SASL.
 */
#ifndef LODE_CLI_RAW_H
#define LODE_CLI_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef struct cli_raw_resp {
    uint8_t *frame;   /* the whole response frame (owned) */
    lode_reader_t body; /* positioned after the response header */
} cli_raw_resp_t;

/*
 * Connects to host:port, sends the request (api_key, api_version, body: the
 * encoded request message) with a request header, and reads the answer,
 * all within timeout_ms. On success fills *resp (release with
 * cli_raw_resp_free) and returns 0; otherwise writes why into err and
 * returns -1.
 */
int cli_raw_call(const char *host, int port, int16_t api_key, int16_t api_version,
                 const char *client_id, const lode_buf_t *body, int timeout_ms,
                 cli_raw_resp_t *resp, char *err, size_t errlen);
void cli_raw_resp_free(cli_raw_resp_t *resp);

/* Splits the first entry of a bootstrap list ("h1:p1,h2:p2") into host and port. */
int cli_raw_first_bootstrap(const char *bootstrap, char *host, size_t hostcap, int *port);

#endif
