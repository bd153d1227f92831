/*
 * topic_ids.c — Metadata v12 for topic ids (see topic_ids.h).
 */
#include "topic_ids.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "proto/gen/MetadataRequest.h"
#include "proto/gen/MetadataResponse.h"
#include "raw.h"

#define METADATA_VERSION 12

static bool plaintext(const cli_conf_t *c)
{
    char proto[64];
    size_t len = sizeof proto;
    if (rd_kafka_conf_get(c->conf, "security.protocol", proto, &len) != RD_KAFKA_CONF_OK)
        return true;
    return strcasecmp(proto, "plaintext") == 0;
}

int cli_topic_ids(const cli_conf_t *c, const char *const *names, size_t n,
                  char (*ids)[LODE_UUID_STR_LEN + 1])
{
    for (size_t i = 0; i < n; i++)
        ids[i][0] = '\0';
    if (n == 0 || !plaintext(c))
        return 0;
    char bootstrap[1024], host[256];
    size_t blen = sizeof bootstrap;
    int port;
    if (rd_kafka_conf_get(c->conf, "bootstrap.servers", bootstrap, &blen) != RD_KAFKA_CONF_OK ||
        cli_raw_first_bootstrap(bootstrap, host, sizeof host, &port) != 0) {
        fprintf(stderr, "%s: cannot parse bootstrap server '%s'\n", c->tool, bootstrap);
        return -1;
    }
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    MetadataRequest req;
    MetadataRequest_init(&req);
    req.Topics = lode_arena_calloc(&a, n, sizeof *req.Topics);
    req.Topics_count = (int32_t)n;
    for (size_t i = 0; i < n; i++) {
        MetadataRequest_MetadataRequestTopic_init(&req.Topics[i]);
        req.Topics[i].Name = lode_str_c(names[i]);
    }
    req.AllowAutoTopicCreation = false;
    lode_buf_t body = LODE_BUF_INIT;
    cli_raw_resp_t resp;
    char err[256];
    int rc = -1;
    if (MetadataRequest_encode(&req, METADATA_VERSION, &body) != 0) {
        fprintf(stderr, "%s: cannot encode a Metadata request\n", c->tool);
        goto done;
    }
    if (cli_raw_call(host, port, METADATAREQUEST_API_KEY, METADATA_VERSION, c->tool, &body,
                     c->timeout_ms, &resp, err, sizeof err) != 0) {
        fprintf(stderr, "%s: topic ids: %s\n", c->tool, err);
        goto done;
    }
    MetadataResponse res;
    if (MetadataResponse_decode(&res, METADATA_VERSION, &resp.body, &a) != 0) {
        fprintf(stderr, "%s: topic ids: malformed Metadata response\n", c->tool);
    } else {
        for (int32_t t = 0; t < res.Topics_count; t++) {
            const MetadataResponse_MetadataResponseTopic *mt = &res.Topics[t];
            if (mt->ErrorCode != 0 || lode_uuid_is_zero_t(&mt->TopicId))
                continue;
            for (size_t i = 0; i < n; i++)
                if (lode_str_eq_c(&mt->Name, names[i]))
                    lode_uuid_to_string(mt->TopicId.b, ids[i]);
        }
        rc = 0;
    }
    cli_raw_resp_free(&resp);
done:
    lode_buf_free(&body);
    lode_arena_free(&a);
    return rc;
}
