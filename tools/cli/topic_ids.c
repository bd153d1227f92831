/*
 * topic_ids.c — topic ids from one raw Metadata request (see topic_ids.h).
 */
#include "topic_ids.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/mem.h"
#include "proto/gen/MetadataRequest.h"
#include "proto/gen/MetadataResponse.h"
#include "raw_request.h"

#define MD_VERSION 12

/* Decodes the response body into ids; -1 when it is not a valid answer. */
static long decode(lode_reader_t *r, cli_topic_id_t **out)
{
    lode_arena_t a;
    lode_arena_init(&a, 16384);
    MetadataResponse resp;
    long n = -1;
    if (MetadataResponse_decode(&resp, MD_VERSION, r, &a) == 0 && resp.Topics_count >= 0) {
        n = resp.Topics_count;
        *out = lode_xcalloc((size_t)n + 1, sizeof **out);
        for (long i = 0; i < n; i++) {
            const MetadataResponse_MetadataResponseTopic *t = &resp.Topics[i];
            size_t nl = t->Name.len > 0 ? (size_t)t->Name.len : 0;
            (*out)[i].name = lode_xmalloc(nl + 1);
            memcpy((*out)[i].name, t->Name.ptr, nl);
            (*out)[i].name[nl] = '\0';
            if (!lode_uuid_is_zero(t->TopicId.b))
                lode_uuid_to_string(t->TopicId.b, (*out)[i].id);
        }
    }
    lode_arena_free(&a);
    return n;
}

long cli_topic_ids_fetch(const char *bootstrap, int timeout_ms, cli_topic_id_t **out)
{
    MetadataRequest req;
    MetadataRequest_init(&req);
    req.Topics = NULL;
    req.Topics_count = -1; /* all topics; never creates one */
    req.AllowAutoTopicCreation = false;
    lode_buf_t body = LODE_BUF_INIT;
    long n = -1;
    uint8_t *frame;
    lode_reader_t r;
    if (MetadataRequest_encode(&req, MD_VERSION, &body) == 0 &&
        cli_raw_request(bootstrap, timeout_ms, METADATAREQUEST_API_KEY, MD_VERSION, &body, &frame,
                        &r) == 0) {
        n = decode(&r, out);
        free(frame);
    }
    lode_buf_free(&body);
    return n;
}
const char *cli_topic_id_of(const cli_topic_id_t *ids, long n, const char *name)
{
    for (long i = 0; i < n; i++)
        if (strcmp(ids[i].name, name) == 0)
            return ids[i].id;
    return "";
}

void cli_topic_ids_free(cli_topic_id_t *ids, long n)
{
    for (long i = 0; i < n; i++)
        free(ids[i].name);
    free(ids);
}
