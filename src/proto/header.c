/*
 * header.c — request/response header versions and framing (see header.h).
 */
#include "proto/header.h"

#include "proto/gen/RequestHeader.h"
#include "proto/gen/ResponseHeader.h"
#include "proto/gen/api_table.h"

static int flexible_at(const lode_msg_type_t *t, int16_t v)
{
    return t->first_flexible >= 0 && v >= t->first_flexible;
}

int16_t lode_request_header_version(int16_t api_key, int16_t api_version)
{
    const lode_api_info_t *api = lode_api_info(api_key);
    if (!api || api_version < api->request->min_version || api_version > api->request->max_version)
        return -1;
    if (api_key == LODE_API_CONTROLLED_SHUTDOWN && api_version == 0)
        return 0;
    return flexible_at(api->request, api_version) ? 2 : 1;
}

int16_t lode_response_header_version(int16_t api_key, int16_t api_version)
{
    const lode_api_info_t *api = lode_api_info(api_key);
    if (!api || !api->response || api_version < api->response->min_version ||
        api_version > api->response->max_version)
        return -1;
    if (api_key == LODE_API_API_VERSIONS)
        return 0;
    return flexible_at(api->response, api_version) ? 1 : 0;
}

int lode_req_header_parse(lode_reader_t *r, lode_req_header_t *h, lode_arena_t *a)
{
    /* The fixed prefix is the same in every header version. */
    size_t start = r->pos;
    h->api_key = lode_read_i16(r);
    h->api_version = lode_read_i16(r);
    h->correlation_id = lode_read_i32(r);
    h->client_id = LODE_STR_NULL;
    h->header_version = -1;
    if (r->err)
        return r->err;
    int16_t hv = lode_request_header_version(h->api_key, h->api_version);
    int rc = 0;
    if (hv < 0) {
        /* Unknown: ApiVersions still gets an answer (clients probe with
         * versions newer than ours); parse its header in the newest form. */
        if (h->api_key != LODE_API_API_VERSIONS)
            return LODE_EUNSUPPORTED;
        hv = 2;
        rc = LODE_EUNSUPPORTED;
    }
    r->pos = start;
    RequestHeader m;
    int drc = RequestHeader_decode(&m, hv, r, a);
    if (drc)
        return drc;
    h->client_id = hv >= 1 ? m.ClientId : LODE_STR_NULL; /* v0 has none */
    h->header_version = hv;
    return rc;
}

int lode_req_header_write(lode_buf_t *out, int16_t api_key, int16_t api_version,
                          int32_t correlation_id, const lode_str_t *client_id)
{
    int16_t hv = lode_request_header_version(api_key, api_version);
    if (hv < 0)
        return LODE_EUNSUPPORTED;
    RequestHeader m;
    RequestHeader_init(&m);
    m.RequestApiKey = api_key;
    m.RequestApiVersion = api_version;
    m.CorrelationId = correlation_id;
    m.ClientId = client_id ? *client_id : LODE_STR_NULL;
    return RequestHeader_encode(&m, hv, out); /* v0 drops the client id (ignorable) */
}

void lode_resp_header_write(lode_buf_t *out, int32_t correlation_id, int16_t header_version)
{
    lode_buf_put_i32(out, correlation_id);
    if (header_version >= 1)
        lode_buf_put_u8(out, 0); /* no tagged fields */
}

int lode_resp_header_parse(lode_reader_t *r, int16_t header_version, int32_t *correlation_id)
{
    *correlation_id = lode_read_i32(r);
    if (header_version >= 1)
        lode_skip_tags(r);
    return r->err;
}
