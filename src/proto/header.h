/*
 * header.h — Kafka request and response headers and the rule that picks a
 * header version from a request's API key and version.
 *
 *   request header  v0: key, version, correlation id (ControlledShutdown v0)
 *                   v1: v0 + client id (int16 string, nullable)
 *                   v2: v1 + tagged fields (the client id stays non-compact)
 *   response header v0: correlation id
 *                   v1: v0 + tagged fields
 *
 * A request uses header v2 when its API version is flexible, else v1; a
 * response uses v1 when flexible, else v0 — except ApiVersions responses,
 * which always use v0 so a client can read them before it knows which
 * versions the broker speaks (KIP-511), and ControlledShutdown v0 requests,
 * whose header has no client id. These are Kafka's only exceptions.
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
 * The client id points into r's buffer.
 */
int lode_req_header_parse(lode_reader_t *r, lode_req_header_t *h, lode_arena_t *a);

/* Appends the request header for (api_key, api_version) in the version that
 * pair uses; client_id may be NULL (null). LODE_EUNSUPPORTED for an unknown
 * API or version, LODE_EINVAL for a client id over 32767 bytes; nothing is
 * written on error. */
int lode_req_header_write(lode_buf_t *out, int16_t api_key, int16_t api_version,
                          int32_t correlation_id, const lode_str_t *client_id);

/* Appends a response header of the given version (0 or 1). */
void lode_resp_header_write(lode_buf_t *out, int32_t correlation_id, int16_t header_version);

/* Reads a response header of the given version (tagged fields, if any, are
 * skipped). Returns 0, LODE_ETRUNC or LODE_ECORRUPT. */
int lode_resp_header_parse(lode_reader_t *r, int16_t header_version, int32_t *correlation_id);

#endif
