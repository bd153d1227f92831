/*
 * topics_api.c — CreateTopics, DeleteTopics and CreatePartitions, handed to
 * the controller one topic at a time; the response goes out once every
 * topic's operation has completed (committed, or refused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker_int.h"
#include "broker/describe.h"
#include "proto/gen/CreatePartitionsRequest.h"
#include "proto/gen/CreatePartitionsResponse.h"
#include "proto/gen/CreateTopicsRequest.h"
#include "proto/gen/CreateTopicsResponse.h"
#include "proto/gen/DeleteTopicsRequest.h"
#include "proto/gen/DeleteTopicsResponse.h"
#include "proto/kerr.h"

/* Whether name occurs more than once among the first n names. */
static bool duplicated(const lode_str_t *names, size_t stride, int32_t n, int32_t i)
{
    const lode_str_t *a = (const lode_str_t *)((const char *)names + (size_t)i * stride);
    for (int32_t j = 0; j < n; j++) {
        const lode_str_t *b = (const lode_str_t *)((const char *)names + (size_t)j * stride);
        if (j != i && lode_str_eq(a, b))
            return true;
    }
    return false;
}

/* ---- CreateTopics -------------------------------------------------------- */

typedef CreateTopicsResponse_CreatableTopicResult ct_result_t;

static void set_error(lode_rctx_t *ctx, int16_t *code, lode_str_t *msg, int16_t err,
                      const char *text)
{
    *code = err;
    *msg = text && *text ? lode_rctx_str(ctx, text) : LODE_STR_NULL;
}

/* The created topic's configs, as DescribeConfigs reports them (v5+). */
static void fill_created_configs(lode_rctx_t *ctx, ct_result_t *r)
{
    lode_image_t *img = lode_image_acquire(ctx->b->images);
    const lode_topic_info_t *t = lode_image_topic(img, lode_rctx_cstr(ctx, &r->Name));
    if (t) {
        r->NumPartitions = t->npartitions;
        r->ReplicationFactor = (int16_t)(t->npartitions ? t->partitions[0].nreplicas : 0);
    }
    DescribeConfigsRequest dreq;
    DescribeConfigsRequest_init(&dreq);
    DescribeConfigsRequest_DescribeConfigsResource res;
    DescribeConfigsRequest_DescribeConfigsResource_init(&res);
    res.ResourceType = LODE_CONFIG_RESOURCE_TOPIC;
    res.ResourceName = r->Name;
    res.ConfigurationKeys_count = -1;
    dreq.Resources = &res;
    dreq.Resources_count = 1;
    DescribeConfigsResponse dresp;
    DescribeConfigsResponse_init(&dresp);
    lode_describe_configs(img, ctx->b->cfg, ctx->b->node_id, &dreq, 4,
                          &dresp, &ctx->arena);
    lode_image_release(img);
    if (dresp.Results_count != 1 || dresp.Results[0].ErrorCode) {
        r->TopicConfigErrorCode =
            dresp.Results_count == 1 ? dresp.Results[0].ErrorCode : LODE_KERR_UNKNOWN_SERVER_ERROR;
        return;
    }
    const DescribeConfigsResponse_DescribeConfigsResult *dr = &dresp.Results[0];
    CreateTopicsResponse_CreatableTopicConfigs *c =
        lode_arena_calloc(&ctx->arena, (size_t)dr->Configs_count + 1, sizeof *c);
    for (int32_t i = 0; i < dr->Configs_count; i++) {
        CreateTopicsResponse_CreatableTopicConfigs_init(&c[i]);
        c[i].Name = dr->Configs[i].Name;
        c[i].Value = dr->Configs[i].Value;
        c[i].ReadOnly = dr->Configs[i].ReadOnly;
        c[i].ConfigSource = dr->Configs[i].ConfigSource;
        c[i].IsSensitive = dr->Configs[i].IsSensitive;
    }
    r->Configs = c;
    r->Configs_count = dr->Configs_count;
}

static void create_topics_finish(lode_fan_t *f)
{
    CreateTopicsResponse *resp = f->resp;
    for (int32_t i = 0; i < resp->Topics_count; i++) {
        const lode_fan_item_t *it = &f->items[i];
        ct_result_t *r = &resp->Topics[i];
        if (!it->issued)
            continue;
        set_error(f->ctx, &r->ErrorCode, &r->ErrorMessage, it->err.code, it->err.message);
        if (it->has_id)
            memcpy(r->TopicId.b, it->id, 16);
        if (r->ErrorCode == 0 && f->ctx->hdr.api_version >= 5)
            fill_created_configs(f->ctx, r);
    }
    lode_rctx_reply(f->ctx, resp);
}

/* Explicit replica assignments as the controller's partitions x replicas
 * matrix, or an error (Kafka's checks and messages). */
static int16_t assignment_matrix(lode_rctx_t *ctx, const CreateTopicsRequest_CreatableTopic *t,
                                 lode_new_topic_t *nt, const char **why)
{
    int32_t np = t->Assignments_count;
    if (t->NumPartitions != -1 || t->ReplicationFactor != -1) {
        *why = "Both numPartitions or replicationFactor and replicasAssignments were set. "
               "Both cannot be used at the same time.";
        return LODE_KERR_INVALID_REQUEST;
    }
    int32_t nr = t->Assignments[0].BrokerIds_count;
    int32_t *m = lode_arena_calloc(&ctx->arena, (size_t)np * (size_t)(nr > 0 ? nr : 1), sizeof *m);
    bool *seen = lode_arena_calloc(&ctx->arena, (size_t)np, sizeof *seen);
    for (int32_t i = 0; i < np; i++) {
        const CreateTopicsRequest_CreatableReplicaAssignment *a = &t->Assignments[i];
        if (a->PartitionIndex < 0 || a->PartitionIndex >= np || seen[a->PartitionIndex]) {
            *why = "Partitions should be a consecutive 0-based integer sequence";
            return LODE_KERR_INVALID_REPLICA_ASSIGNMENT;
        }
        seen[a->PartitionIndex] = true;
        if (a->BrokerIds_count != nr || nr <= 0) {
            *why = nr <= 0 ? "The manual partition assignment includes an empty replica list."
                           : "All partitions should have the same number of replicas";
            return LODE_KERR_INVALID_REPLICA_ASSIGNMENT;
        }
        memcpy(m + (size_t)a->PartitionIndex * (size_t)nr, a->BrokerIds, (size_t)nr * sizeof *m);
    }
    nt->assignment = m;
    nt->assignment_partitions = np;
    nt->assignment_replicas = nr;
    return 0;
}

void lode_handle_create_topics(lode_rctx_t *ctx)
{
    const CreateTopicsRequest *req = ctx->msg;
    CreateTopicsResponse *resp = lode_arena_calloc(&ctx->arena, 1, sizeof *resp);
    CreateTopicsResponse_init(resp);
    int32_t n = req->Topics_count > 0 ? req->Topics_count : 0;
    resp->Topics = lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *resp->Topics);
    resp->Topics_count = n;
    lode_fan_t *f = lode_fan_new(ctx, resp, n, create_topics_finish);
    lode_controller_t *c = lode_broker_controller(ctx->b);

    for (int32_t i = 0; i < n; i++) {
        const CreateTopicsRequest_CreatableTopic *t = &req->Topics[i];
        ct_result_t *r = &resp->Topics[i];
        CreateTopicsResponse_CreatableTopicResult_init(r);
        r->Name = t->Name;
        r->NumPartitions = -1;
        r->ReplicationFactor = -1;
        if (duplicated(&req->Topics[0].Name, sizeof *t, n, i)) {
            char msg[400];
            snprintf(msg, sizeof msg,
                     "Create topics request from client `%s` contains multiple entries for the "
                     "following topics: %.*s",
                     lode_rctx_cstr(ctx, &ctx->hdr.client_id), (int)t->Name.len, t->Name.ptr);
            set_error(ctx, &r->ErrorCode, &r->ErrorMessage, LODE_KERR_INVALID_REQUEST, msg);
            continue;
        }
        if (!c) {
            set_error(ctx, &r->ErrorCode, &r->ErrorMessage, LODE_KERR_NOT_CONTROLLER, NULL);
            continue;
        }
        lode_new_topic_t nt = {.name = lode_rctx_cstr(ctx, &t->Name),
                               .partitions = t->NumPartitions,
                               .replication = t->ReplicationFactor};
        if (t->Assignments_count > 0) {
            const char *why = NULL;
            int16_t e = assignment_matrix(ctx, t, &nt, &why);
            if (e) {
                set_error(ctx, &r->ErrorCode, &r->ErrorMessage, e, why);
                continue;
            }
        }
        if (t->Configs_count > 0) {
            const char **keys =
                lode_arena_calloc(&ctx->arena, (size_t)t->Configs_count, sizeof *keys);
            const char **vals =
                lode_arena_calloc(&ctx->arena, (size_t)t->Configs_count, sizeof *vals);
            for (int32_t k = 0; k < t->Configs_count; k++) {
                keys[k] = lode_rctx_cstr(ctx, &t->Configs[k].Name);
                vals[k] = lode_str_is_null(&t->Configs[k].Value)
                              ? NULL
                              : lode_rctx_cstr(ctx, &t->Configs[k].Value);
            }
            nt.config_keys = keys;
            nt.config_values = vals;
            nt.nconfigs = (size_t)t->Configs_count;
        }
        lode_controller_create_topic(c, &nt, req->validateOnly, lode_fan_item_done,
                                     lode_fan_item(f, i));
    }
    lode_fan_done_one(f);
}

/* ---- DeleteTopics -------------------------------------------------------- */

static void delete_topics_finish(lode_fan_t *f)
{
    DeleteTopicsResponse *resp = f->resp;
    for (int32_t i = 0; i < resp->Responses_count; i++) {
        DeleteTopicsResponse_DeletableTopicResult *r = &resp->Responses[i];
        if (f->items[i].issued)
            set_error(f->ctx, &r->ErrorCode, &r->ErrorMessage, f->items[i].err.code,
                      f->items[i].err.message);
    }
    lode_rctx_reply(f->ctx, resp);
}

void lode_handle_delete_topics(lode_rctx_t *ctx)
{
    const DeleteTopicsRequest *req = ctx->msg;
    int16_t v = ctx->hdr.api_version;
    DeleteTopicsResponse *resp = lode_arena_calloc(&ctx->arena, 1, sizeof *resp);
    DeleteTopicsResponse_init(resp);
    int32_t n = v >= 6 ? req->Topics_count : req->TopicNames_count;
    if (n < 0)
        n = 0;
    resp->Responses = lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *resp->Responses);
    resp->Responses_count = n;
    lode_fan_t *f = lode_fan_new(ctx, resp, n, delete_topics_finish);
    lode_controller_t *c = lode_broker_controller(ctx->b);
    lode_image_t *img = lode_image_acquire(ctx->b->images);

    for (int32_t i = 0; i < n; i++) {
        DeleteTopicsResponse_DeletableTopicResult *r = &resp->Responses[i];
        DeleteTopicsResponse_DeletableTopicResult_init(r);
        const char *name = NULL;
        const uint8_t *id = NULL;
        if (v >= 6) {
            const DeleteTopicsRequest_DeleteTopicState *s = &req->Topics[i];
            bool by_id = !lode_uuid_is_zero_t(&s->TopicId);
            if (by_id == !lode_str_is_null(&s->Name)) {
                r->Name = s->Name;
                r->TopicId = s->TopicId;
                set_error(ctx, &r->ErrorCode, &r->ErrorMessage, LODE_KERR_INVALID_REQUEST,
                          "Topic name and topic id must not both be set, or both be unset");
                continue;
            }
            if (by_id) {
                id = s->TopicId.b;
                r->TopicId = s->TopicId;
                const lode_topic_info_t *t = lode_image_topic_by_id(img, id);
                r->Name = t ? lode_rctx_str(ctx, t->name) : LODE_STR_NULL;
            } else {
                name = lode_rctx_cstr(ctx, &s->Name);
                r->Name = s->Name;
            }
        } else {
            name = lode_rctx_cstr(ctx, &req->TopicNames[i]);
            r->Name = req->TopicNames[i];
        }
        if (name && v >= 6) {
            const lode_topic_info_t *t = lode_image_topic(img, name);
            if (t)
                memcpy(r->TopicId.b, t->id, 16);
        }
        if (!c) {
            set_error(ctx, &r->ErrorCode, &r->ErrorMessage, LODE_KERR_NOT_CONTROLLER, NULL);
            continue;
        }
        lode_controller_delete_topic(c, name, id, lode_fan_item_done, lode_fan_item(f, i));
    }
    lode_image_release(img);
    lode_fan_done_one(f);
}

/* ---- CreatePartitions ---------------------------------------------------- */

static void create_partitions_finish(lode_fan_t *f)
{
    CreatePartitionsResponse *resp = f->resp;
    for (int32_t i = 0; i < resp->Results_count; i++) {
        CreatePartitionsResponse_CreatePartitionsTopicResult *r = &resp->Results[i];
        if (f->items[i].issued)
            set_error(f->ctx, &r->ErrorCode, &r->ErrorMessage, f->items[i].err.code,
                      f->items[i].err.message);
    }
    lode_rctx_reply(f->ctx, resp);
}

void lode_handle_create_partitions(lode_rctx_t *ctx)
{
    const CreatePartitionsRequest *req = ctx->msg;
    CreatePartitionsResponse *resp = lode_arena_calloc(&ctx->arena, 1, sizeof *resp);
    CreatePartitionsResponse_init(resp);
    int32_t n = req->Topics_count > 0 ? req->Topics_count : 0;
    resp->Results = lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *resp->Results);
    resp->Results_count = n;
    lode_fan_t *f = lode_fan_new(ctx, resp, n, create_partitions_finish);
    lode_controller_t *c = lode_broker_controller(ctx->b);

    for (int32_t i = 0; i < n; i++) {
        const CreatePartitionsRequest_CreatePartitionsTopic *t = &req->Topics[i];
        CreatePartitionsResponse_CreatePartitionsTopicResult *r = &resp->Results[i];
        CreatePartitionsResponse_CreatePartitionsTopicResult_init(r);
        r->Name = t->Name;
        if (duplicated(&req->Topics[0].Name, sizeof *t, n, i)) {
            set_error(ctx, &r->ErrorCode, &r->ErrorMessage, LODE_KERR_INVALID_REQUEST,
                      "Duplicate topic in request.");
            continue;
        }
        if (!c) {
            set_error(ctx, &r->ErrorCode, &r->ErrorMessage, LODE_KERR_NOT_CONTROLLER, NULL);
            continue;
        }
        int32_t *m = NULL, np = 0, nr = 0;
        if (t->Assignments_count > 0) {
            np = t->Assignments_count;
            nr = t->Assignments[0].BrokerIds_count;
            m = lode_arena_calloc(&ctx->arena, (size_t)np * (size_t)(nr > 0 ? nr : 1), sizeof *m);
            bool same = nr > 0;
            for (int32_t k = 0; k < np && same; k++) {
                same = t->Assignments[k].BrokerIds_count == nr;
                if (same)
                    memcpy(m + (size_t)k * (size_t)nr, t->Assignments[k].BrokerIds,
                           (size_t)nr * sizeof *m);
            }
            if (!same) {
                set_error(ctx, &r->ErrorCode, &r->ErrorMessage,
                          LODE_KERR_INVALID_REPLICA_ASSIGNMENT,
                          "Inconsistent replication factor between partitions, partition 0 has "
                          "a different replication factor than a later partition.");
                continue;
            }
        }
        lode_controller_create_partitions(c, lode_rctx_cstr(ctx, &t->Name), t->Count, m, np, nr,
                                          req->ValidateOnly, lode_fan_item_done,
                                          lode_fan_item(f, i));
    }
    lode_fan_done_one(f);
}
