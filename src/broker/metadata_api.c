/*
 * metadata_api.c — Metadata: brokers, topics and partitions from the image,
 * with auto-creation of unknown topics (auto.create.topics.enable and the
 * request's AllowAutoTopicCreation). The response waits for the creations
 * to commit, so a producer's first Metadata already has the leader.
 */
#include <stdio.h>
#include <string.h>

#include "broker/broker_int.h"
#include "controller/topics.h"
#include "proto/gen/MetadataRequest.h"
#include "proto/gen/MetadataResponse.h"
#include "proto/kerr.h"

typedef MetadataResponse_MetadataResponseTopic mtopic_t;
typedef MetadataResponse_MetadataResponsePartition mpart_t;

static bool is_internal(const char *name)
{
    return !strcmp(name, "__consumer_offsets") || !strcmp(name, "__transaction_state");
}

static int32_t *ids_copy(lode_rctx_t *ctx, const int32_t *ids, int32_t n)
{
    int32_t *out = lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *out);
    if (n > 0)
        memcpy(out, ids, (size_t)n * sizeof *out);
    return out;
}

static void fill_topic(lode_rctx_t *ctx, const lode_image_t *img, const lode_topic_info_t *t,
                       mtopic_t *out)
{
    const MetadataRequest *req = ctx->msg;
    out->ErrorCode = 0;
    out->Name = lode_rctx_str(ctx, t->name);
    memcpy(out->TopicId.b, t->id, 16);
    out->IsInternal = is_internal(t->name);
    if (req->IncludeTopicAuthorizedOperations)
        out->TopicAuthorizedOperations = LODE_TOPIC_OPERATIONS;
    mpart_t *ps = lode_arena_calloc(&ctx->arena, (size_t)t->npartitions + 1, sizeof *ps);
    for (int32_t i = 0; i < t->npartitions; i++) {
        const lode_partition_info_t *p = &t->partitions[i];
        MetadataResponse_MetadataResponsePartition_init(&ps[i]);
        ps[i].PartitionIndex = p->partition;
        ps[i].LeaderId = p->leader;
        ps[i].LeaderEpoch = p->leader_epoch;
        ps[i].ReplicaNodes = ids_copy(ctx, p->replicas, p->nreplicas);
        ps[i].ReplicaNodes_count = p->nreplicas;
        ps[i].IsrNodes = ids_copy(ctx, p->isr, p->nisr);
        ps[i].IsrNodes_count = p->nisr;
        ps[i].OfflineReplicas = ids_copy(ctx, p->offline_replicas, p->noffline);
        ps[i].OfflineReplicas_count = p->noffline;
        const lode_broker_info_t *leader =
            p->leader >= 0 ? lode_image_broker(img, p->leader) : NULL;
        if (p->leader < 0 || !leader || leader->fenced)
            ps[i].ErrorCode = LODE_KERR_LEADER_NOT_AVAILABLE;
    }
    out->Partitions = ps;
    out->Partitions_count = t->npartitions;
}

static void fill_brokers(lode_rctx_t *ctx, const lode_image_t *img, MetadataResponse *resp)
{
    const char *listener = lode_conn_listener(ctx->req->conn);
    size_t n = lode_hmap_count(&img->brokers), it = 0;
    MetadataResponse_MetadataResponseBroker *bs = lode_arena_calloc(&ctx->arena, n + 1, sizeof *bs);
    int32_t k = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&img->brokers, &it))) {
        const lode_broker_info_t *bi = e->value;
        if (bi->fenced)
            continue;
        for (int32_t j = 0; j < bi->nendpoints; j++) {
            const lode_endpoint_t *ep = &bi->endpoints[j];
            if (strcmp(ep->listener, listener))
                continue;
            MetadataResponse_MetadataResponseBroker_init(&bs[k]);
            bs[k].NodeId = bi->id;
            bs[k].Host = lode_rctx_str(ctx, ep->host);
            bs[k].Port = ep->port;
            bs[k].Rack = lode_rctx_str(ctx, bi->rack);
            k++;
            break;
        }
    }
    resp->Brokers = bs;
    resp->Brokers_count = k;
}

/* The names of the topics asked for that do not exist (and whose names are
 * valid), when auto-creation applies. */
static bool may_auto_create(lode_rctx_t *ctx)
{
    const MetadataRequest *req = ctx->msg;
    bool allow = ctx->hdr.api_version < 4 || req->AllowAutoTopicCreation;
    return allow && ctx->b->auto_create_topics && lode_broker_controller(ctx->b);
}

static void reply(lode_fan_t *f)
{
    lode_rctx_t *ctx = f->ctx;
    const MetadataRequest *req = ctx->msg;
    int16_t v = ctx->hdr.api_version;
    lode_image_t *img = lode_image_acquire(ctx->b->images);
    MetadataResponse resp;
    MetadataResponse_init(&resp);
    fill_brokers(ctx, img, &resp);
    resp.ClusterId = lode_rctx_str(ctx, ctx->b->cluster_id);
    resp.ControllerId = ctx->b->node_id;
    if (v >= 8 && v <= 10 && req->IncludeClusterAuthorizedOperations)
        resp.ClusterAuthorizedOperations = LODE_CLUSTER_OPERATIONS;

    bool all = req->Topics_count < 0 || (v == 0 && req->Topics_count == 0);
    if (all) {
        size_t n = lode_hmap_count(&img->topics_by_name), it = 0;
        mtopic_t *ts = lode_arena_calloc(&ctx->arena, n + 1, sizeof *ts);
        int32_t k = 0;
        lode_hmap_entry_t *e;
        while ((e = lode_hmap_next(&img->topics_by_name, &it))) {
            MetadataResponse_MetadataResponseTopic_init(&ts[k]);
            fill_topic(ctx, img, e->value, &ts[k++]);
        }
        resp.Topics = ts;
        resp.Topics_count = k;
    } else {
        int32_t n = req->Topics_count;
        mtopic_t *ts = lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *ts);
        for (int32_t i = 0; i < n; i++) {
            const MetadataRequest_MetadataRequestTopic *rt = &req->Topics[i];
            mtopic_t *out = &ts[i];
            MetadataResponse_MetadataResponseTopic_init(out);
            out->Name = rt->Name;
            const lode_topic_info_t *t;
            if (v >= 10 && lode_str_is_null(&rt->Name)) {
                out->TopicId = rt->TopicId;
                t = lode_image_topic_by_id(img, rt->TopicId.b);
                if (!t) {
                    out->ErrorCode = LODE_KERR_UNKNOWN_TOPIC_ID;
                    continue;
                }
            } else {
                const char *name = lode_rctx_cstr(ctx, &rt->Name);
                char why[300];
                t = lode_image_topic(img, name);
                if (!t) {
                    const lode_fan_item_t *it = &f->items[i];
                    if (lode_topic_name_error(name, why, sizeof why))
                        out->ErrorCode = LODE_KERR_INVALID_TOPIC_EXCEPTION;
                    else if (it->issued && it->err.code &&
                             it->err.code != LODE_KERR_TOPIC_ALREADY_EXISTS)
                        out->ErrorCode = it->err.code;
                    else if (it->issued)
                        out->ErrorCode = LODE_KERR_LEADER_NOT_AVAILABLE; /* deleted since */
                    else
                        out->ErrorCode = LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION;
                    continue;
                }
            }
            fill_topic(ctx, img, t, out);
        }
        resp.Topics = ts;
        resp.Topics_count = n;
    }
    lode_image_release(img);
    lode_rctx_reply(ctx, &resp);
}

void lode_handle_metadata(lode_rctx_t *ctx)
{
    const MetadataRequest *req = ctx->msg;
    int32_t n = req->Topics_count > 0 ? req->Topics_count : 0;
    lode_fan_t *f = lode_fan_new(ctx, NULL, n, reply);
    if (n > 0 && may_auto_create(ctx)) {
        lode_image_t *img = lode_image_acquire(ctx->b->images);
        lode_controller_t *c = lode_broker_controller(ctx->b);
        for (int32_t i = 0; i < n; i++) {
            const lode_str_t *name = &req->Topics[i].Name;
            if (lode_str_is_null(name))
                continue;
            const char *cname = lode_rctx_cstr(ctx, name);
            char why[300];
            if (lode_image_topic(img, cname) || lode_topic_name_error(cname, why, sizeof why) ||
                is_internal(cname))
                continue;
            bool dup = false;
            for (int32_t j = 0; j < i && !dup; j++)
                dup = f->items[j].issued && lode_str_eq(&req->Topics[j].Name, name);
            if (dup)
                continue;
            lode_new_topic_t nt = {.name = cname, .partitions = -1, .replication = -1};
            lode_controller_create_topic(c, &nt, false, lode_fan_item_done, lode_fan_item(f, i));
        }
        lode_image_release(img);
    }
    lode_fan_done_one(f);
}
