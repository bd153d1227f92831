/*
 * apis.c — which APIs and versions lode serves, and ApiVersions.
 *
 * Ranges are Kafka 4.0's within what the generated codecs know, with the
 * librdkafka gates of DESIGN.md §6: Produce is advertised from version 0
 * (librdkafka 2.0.2 enables compression only when "Produce 0..0"
 * overlaps) and versions 0-2 are refused when used, as Kafka 4.0 does
 * (KAFKA-18659): they cannot carry record batches v2.
 */
#include <string.h>

#include "broker/broker_int.h"
#include "proto/gen/ApiVersionsRequest.h"
#include "proto/gen/ApiVersionsResponse.h"
#include "proto/kerr.h"

static const lode_api_support_t *table(void)
{
    static lode_api_support_t apis[LODE_API_KEY_MAX + 1];
    static bool ready;
    if (__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
        return apis;
    lode_api_support_t t[LODE_API_KEY_MAX + 1];
    for (int i = 0; i <= LODE_API_KEY_MAX; i++)
        t[i] = (lode_api_support_t){1, 0, NULL};
#define SERVE(key, lo, hi, fn) t[key] = (lode_api_support_t){lo, hi, fn}
    SERVE(LODE_API_PRODUCE, 0, 11, lode_handle_produce);
    SERVE(LODE_API_FETCH, 4, 17, lode_handle_fetch);
    SERVE(LODE_API_LIST_OFFSETS, 1, 10, lode_handle_list_offsets);
    SERVE(LODE_API_API_VERSIONS, 0, 4, lode_handle_api_versions);
    SERVE(LODE_API_OFFSET_FOR_LEADER_EPOCH, 2, 4, lode_handle_offset_for_leader_epoch);
    SERVE(LODE_API_INIT_PRODUCER_ID, 0, 5, lode_handle_init_producer_id);
    SERVE(LODE_API_DELETE_RECORDS, 0, 2, lode_handle_delete_records);
    SERVE(LODE_API_DESCRIBE_CONFIGS, 1, 4, lode_handle_describe_configs);
    SERVE(LODE_API_ALTER_CONFIGS, 0, 2, lode_handle_alter_configs);
    SERVE(LODE_API_DESCRIBE_LOG_DIRS, 1, 4, lode_handle_describe_log_dirs);
    SERVE(LODE_API_INCREMENTAL_ALTER_CONFIGS, 0, 1, lode_handle_incremental_alter_configs);
    SERVE(LODE_API_DESCRIBE_CLUSTER, 0, 1, lode_handle_describe_cluster);
    SERVE(LODE_API_METADATA, 0, 12, lode_handle_metadata);
    SERVE(LODE_API_CREATE_TOPICS, 2, 7, lode_handle_create_topics);
    SERVE(LODE_API_DELETE_TOPICS, 1, 6, lode_handle_delete_topics);
    SERVE(LODE_API_CREATE_PARTITIONS, 0, 3, lode_handle_create_partitions);
    SERVE(LODE_API_FIND_COORDINATOR, 0, 6, lode_handle_find_coordinator);
    SERVE(LODE_API_JOIN_GROUP, 0, 9, lode_handle_join_group);
    SERVE(LODE_API_SYNC_GROUP, 0, 5, lode_handle_sync_group);
    SERVE(LODE_API_HEARTBEAT, 0, 4, lode_handle_heartbeat);
    SERVE(LODE_API_LEAVE_GROUP, 0, 5, lode_handle_leave_group);
    SERVE(LODE_API_OFFSET_COMMIT, 2, 9, lode_handle_offset_commit);
    SERVE(LODE_API_OFFSET_FETCH, 1, 9, lode_handle_offset_fetch);
    SERVE(LODE_API_LIST_GROUPS, 0, 5, lode_handle_list_groups);
    SERVE(LODE_API_DESCRIBE_GROUPS, 0, 5, lode_handle_describe_groups);
    SERVE(LODE_API_DELETE_GROUPS, 0, 2, lode_handle_delete_groups);
    SERVE(LODE_API_OFFSET_DELETE, 0, 0, lode_handle_offset_delete);
#undef SERVE
    memcpy(apis, t, sizeof t);
    __atomic_store_n(&ready, true, __ATOMIC_RELEASE);
    return apis;
}

const lode_api_support_t *lode_broker_api(int16_t key)
{
    if (key < 0 || key > LODE_API_KEY_MAX)
        return NULL;
    return &table()[key];
}

/* The metadata.version range this node's code supports (Kafka 4.0:
 * 3.3-IV3 .. 4.0-IV3). */
#define METADATA_VERSION_MIN 7
#define METADATA_VERSION_MAX 25

void lode_handle_api_versions(lode_rctx_t *ctx)
{
    lode_broker_t *b = ctx->b;
    int16_t v = ctx->hdr.api_version;
    ApiVersionsResponse resp;
    ApiVersionsResponse_init(&resp);

    const ApiVersionsRequest *req = ctx->msg; /* NULL on the v0 fallback */
    if (!req && ctx->hdr.api_key == LODE_API_API_VERSIONS)
        resp.ErrorCode = LODE_KERR_UNSUPPORTED_VERSION;

    bool controller_listener =
        lode_config_is_controller_listener(b->cfg, lode_conn_listener(ctx->req->conn));
    ApiVersionsResponse_ApiVersion *keys =
        lode_arena_calloc(&ctx->arena, LODE_API_KEY_MAX + 1, sizeof *keys);
    int32_t n = 0;
    for (int16_t k = 0; k <= LODE_API_KEY_MAX; k++) {
        const lode_api_support_t *s = lode_broker_api(k);
        const lode_api_info_t *info = lode_api_info(k);
        if (!s->handle || s->min > s->max || !info)
            continue;
        if (!(controller_listener ? info->controller_listener : info->broker_listener))
            continue;
        keys[n].ApiKey = k;
        keys[n].MinVersion = s->min;
        keys[n].MaxVersion = s->max;
        n++;
    }
    resp.ApiKeys = keys;
    resp.ApiKeys_count = n;

    if (v >= 3 && req) {
        ApiVersionsResponse_SupportedFeatureKey *sf = lode_arena_calloc(&ctx->arena, 1, sizeof *sf);
        ApiVersionsResponse_SupportedFeatureKey_init(sf);
        sf->Name = lode_str_lit("metadata.version");
        sf->MinVersion = METADATA_VERSION_MIN;
        sf->MaxVersion = METADATA_VERSION_MAX;
        resp.SupportedFeatures = sf;
        resp.SupportedFeatures_count = 1;

        lode_image_t *img = lode_image_acquire(b->images);
        size_t nf = lode_hmap_count(&img->features), it = 0, i = 0;
        ApiVersionsResponse_FinalizedFeatureKey *ff =
            lode_arena_calloc(&ctx->arena, nf ? nf : 1, sizeof *ff);
        lode_hmap_entry_t *e;
        while ((e = lode_hmap_next(&img->features, &it)) && i < nf) {
            int16_t level = (int16_t)(intptr_t)e->value;
            if (level <= 0)
                continue;
            ApiVersionsResponse_FinalizedFeatureKey_init(&ff[i]);
            ff[i].Name = (lode_str_t){lode_arena_strndup(&ctx->arena, e->key, e->key_len),
                                      (int32_t)e->key_len};
            ff[i].MinVersionLevel = level;
            ff[i].MaxVersionLevel = level;
            i++;
        }
        resp.FinalizedFeatures = ff;
        resp.FinalizedFeatures_count = (int32_t)i;
        resp.FinalizedFeaturesEpoch = img->offset;
        lode_image_release(img);
    }
    lode_rctx_reply(ctx, &resp);
}
