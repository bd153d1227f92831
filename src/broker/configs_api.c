/*
 * configs_api.c — DescribeConfigs (answered from the image and the static
 * configuration), AlterConfigs and IncrementalAlterConfigs (validated and
 * committed by the controller, one resource at a time).
 */
#include <string.h>

#include "broker/broker_int.h"
#include "broker/describe.h"
#include "proto/gen/AlterConfigsRequest.h"
#include "proto/gen/AlterConfigsResponse.h"
#include "proto/gen/DescribeConfigsRequest.h"
#include "proto/gen/DescribeConfigsResponse.h"
#include "proto/gen/IncrementalAlterConfigsRequest.h"
#include "proto/gen/IncrementalAlterConfigsResponse.h"
#include "proto/kerr.h"

void lode_handle_describe_configs(lode_rctx_t *ctx)
{
    DescribeConfigsResponse resp;
    DescribeConfigsResponse_init(&resp);
    lode_image_t *img = lode_image_acquire(ctx->b->images);
    lode_describe_configs(img, ctx->b->cfg, ctx->b->node_id, ctx->msg,
                          ctx->hdr.api_version, &resp, &ctx->arena);
    lode_image_release(img);
    lode_rctx_reply(ctx, &resp);
}

/* AlterConfigs and IncrementalAlterConfigs answer alike: one (ErrorCode,
 * ErrorMessage, ResourceType, ResourceName) per resource; built in the
 * incremental form and copied for AlterConfigs. */
typedef IncrementalAlterConfigsResponse_AlterConfigsResourceResponse res_resp_t;

typedef struct alter_resp {
    int32_t ThrottleTimeMs;
    res_resp_t *Responses;
    int32_t Responses_count;
} alter_resp_t;

/* One resource of either request, normalised. */
typedef struct alter_item {
    int8_t type;
    lode_str_t name;
    lode_config_op_t *ops;
    size_t nops;
} alter_item_t;

static void alter_finish(lode_fan_t *f)
{
    alter_resp_t *resp = f->resp;
    for (int32_t i = 0; i < resp->Responses_count; i++) {
        res_resp_t *r = &resp->Responses[i];
        if (!f->items[i].issued)
            continue;
        r->ErrorCode = f->items[i].err.code;
        r->ErrorMessage = f->items[i].err.message[0]
                              ? lode_rctx_str(f->ctx, f->items[i].err.message)
                              : LODE_STR_NULL;
    }
    if (f->ctx->hdr.api_key == LODE_API_ALTER_CONFIGS) {
        AlterConfigsResponse out;
        AlterConfigsResponse_init(&out);
        out.Responses = lode_arena_calloc(&f->ctx->arena, (size_t)resp->Responses_count + 1,
                                          sizeof *out.Responses);
        for (int32_t i = 0; i < resp->Responses_count; i++) {
            const res_resp_t *r = &resp->Responses[i];
            out.Responses[i] = (AlterConfigsResponse_AlterConfigsResourceResponse){
                r->ErrorCode, r->ErrorMessage, r->ResourceType, r->ResourceName};
        }
        out.Responses_count = resp->Responses_count;
        lode_rctx_reply(f->ctx, &out);
    } else {
        IncrementalAlterConfigsResponse out;
        IncrementalAlterConfigsResponse_init(&out);
        out.Responses = resp->Responses;
        out.Responses_count = resp->Responses_count;
        lode_rctx_reply(f->ctx, &out);
    }
}

static void alter(lode_rctx_t *ctx, alter_item_t *items, int32_t n, bool incremental,
                  bool validate_only)
{
    alter_resp_t *resp = lode_arena_calloc(&ctx->arena, 1, sizeof *resp);
    resp->Responses = lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *resp->Responses);
    resp->Responses_count = n;
    lode_fan_t *f = lode_fan_new(ctx, resp, n, alter_finish);
    lode_controller_t *c = lode_broker_controller(ctx->b);
    for (int32_t i = 0; i < n; i++) {
        res_resp_t *r = &resp->Responses[i];
        IncrementalAlterConfigsResponse_AlterConfigsResourceResponse_init(r);
        r->ResourceType = items[i].type;
        r->ResourceName = items[i].name;
        bool dup = false;
        for (int32_t j = 0; j < n && !dup; j++)
            dup = j != i && items[j].type == items[i].type &&
                  lode_str_eq(&items[j].name, &items[i].name);
        if (dup) {
            r->ErrorCode = LODE_KERR_INVALID_REQUEST;
            r->ErrorMessage = lode_str_lit("Duplicate resource in request");
            continue;
        }
        if (items[i].type != LODE_CONFIG_RESOURCE_TOPIC &&
            items[i].type != LODE_CONFIG_RESOURCE_BROKER) {
            r->ErrorCode = LODE_KERR_INVALID_REQUEST;
            r->ErrorMessage = lode_str_lit("Unsupported resource type");
            continue;
        }
        if (!c) {
            r->ErrorCode = LODE_KERR_NOT_CONTROLLER;
            continue;
        }
        lode_controller_alter_configs(c, items[i].type, lode_rctx_cstr(ctx, &items[i].name),
                                      items[i].ops, items[i].nops, incremental, validate_only,
                                      lode_fan_item_done, lode_fan_item(f, i));
    }
    lode_fan_done_one(f);
}

void lode_handle_incremental_alter_configs(lode_rctx_t *ctx)
{
    const IncrementalAlterConfigsRequest *req = ctx->msg;
    int32_t n = req->Resources_count > 0 ? req->Resources_count : 0;
    alter_item_t *items = lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *items);
    for (int32_t i = 0; i < n; i++) {
        const IncrementalAlterConfigsRequest_AlterConfigsResource *r = &req->Resources[i];
        items[i].type = r->ResourceType;
        items[i].name = r->ResourceName;
        int32_t nc = r->Configs_count > 0 ? r->Configs_count : 0;
        items[i].ops = lode_arena_calloc(&ctx->arena, (size_t)nc + 1, sizeof *items[i].ops);
        items[i].nops = (size_t)nc;
        for (int32_t k = 0; k < nc; k++) {
            items[i].ops[k].name = lode_rctx_cstr(ctx, &r->Configs[k].Name);
            items[i].ops[k].value = lode_str_is_null(&r->Configs[k].Value)
                                        ? NULL
                                        : lode_rctx_cstr(ctx, &r->Configs[k].Value);
            items[i].ops[k].op = r->Configs[k].ConfigOperation;
        }
    }
    alter(ctx, items, n, true, req->ValidateOnly);
}

void lode_handle_alter_configs(lode_rctx_t *ctx)
{
    const AlterConfigsRequest *req = ctx->msg;
    int32_t n = req->Resources_count > 0 ? req->Resources_count : 0;
    alter_item_t *items = lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *items);
    for (int32_t i = 0; i < n; i++) {
        const AlterConfigsRequest_AlterConfigsResource *r = &req->Resources[i];
        items[i].type = r->ResourceType;
        items[i].name = r->ResourceName;
        int32_t nc = r->Configs_count > 0 ? r->Configs_count : 0;
        items[i].ops = lode_arena_calloc(&ctx->arena, (size_t)nc + 1, sizeof *items[i].ops);
        items[i].nops = (size_t)nc;
        for (int32_t k = 0; k < nc; k++) {
            items[i].ops[k].name = lode_rctx_cstr(ctx, &r->Configs[k].Name);
            items[i].ops[k].value = lode_str_is_null(&r->Configs[k].Value)
                                        ? NULL
                                        : lode_rctx_cstr(ctx, &r->Configs[k].Value);
            items[i].ops[k].op = LODE_CFG_SET;
        }
    }
    alter(ctx, items, n, false, req->ValidateOnly);
}
