/*
 * header.h — Kafka request and response headers and the rule that picks a
 * header version from a request's API key and version.
 *
 *   request header  v1: key, version, correlation id, client id (int16 string)
 *                   v2: v1 + tagged fields (the client id stays non-compact)
 *                   v0: key, version, correlation id (ControlledShutdown v0)
 *   response header v0: correlation id
 *                   v1: v0 + tagged fields
 *
 * A request uses header v2 when its API version is flexible, else v1; a
 * response uses v1 when flexible, else v0 — except ApiVersions responses,
 * which always use v0 so a client can read them before it knows which
 * versions the broker speaks.
 */
#ifndef LODE_PROTO_HEADER_H
#define LODE_PROTO_HEADER_H

#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "proto/types.h"

typedef struct lode_req_header {
    int16_t api_key;
    int16_t api_version;
    int32_t correlation_id;
    lode_str_t client_id; /* points into the frame; null for header v0 */
    int16_t header_version;
} lode_req_header_t;

/* Header versions for (api key, api version); -1 when the API or version is
 * unknown. */
int16_t lode_request_header_version(int16_t api_key, int16_t api_version);
int16_t lode_response_header_version(int16_t api_key, int16_t api_version);

/*
 * Parses the request header at the start of a frame and leaves r at the body.
 * Returns 0; LODE_ETRUNC / LODE_ECORRUPT for a malformed header;
 * LODE_EUNSUPPORTED when the API key or version is unknown — the key,
 * version and correlation id are still filled in (and, for ApiVersions, the
 * client id from the newest header form) so the caller can answer.
 */
int lode_req_header_parse(lode_reader_t *r, lode_req_header_t *h, lode_arena_t *a);

/* Appends a response header of the given version. */
void lode_resp_header_write(lode_buf_t *out, int32_t correlation_id, int16_t header_version);

#endif
