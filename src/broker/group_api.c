/*
 * group_api.c — FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup, ListGroups, DescribeGroups and DeleteGroups: requests decoded
 * into the group coordinator's terms (group/coordinator.h) and its answers
 * encoded at the request's version.
 *
 * A handler hands its context to the coordinator and never touches it
 * again: the answer may come at once or later, from another thread.
 */
#include <stdio.h>
#include <string.h>

#include "broker/broker_int.h"
#include "proto/gen/DeleteGroupsRequest.h"
#include "proto/gen/DeleteGroupsResponse.h"
#include "proto/gen/DescribeGroupsRequest.h"
#include "proto/gen/DescribeGroupsResponse.h"
#include "proto/gen/FindCoordinatorRequest.h"
#include "proto/gen/FindCoordinatorResponse.h"
#include "proto/gen/HeartbeatRequest.h"
#include "proto/gen/HeartbeatResponse.h"
#include "proto/gen/JoinGroupRequest.h"
#include "proto/gen/JoinGroupResponse.h"
#include "proto/gen/LeaveGroupRequest.h"
#include "proto/gen/LeaveGroupResponse.h"
#include "proto/gen/ListGroupsRequest.h"
#include "proto/gen/ListGroupsResponse.h"
#include "proto/gen/SyncGroupRequest.h"
#include "proto/gen/SyncGroupResponse.h"
#include "proto/kerr.h"

/* Kafka's AclOperation bits of a group without an authorizer: READ,
 * DELETE, DESCRIBE. */
#define GROUP_OPERATIONS ((1 << 3) | (1 << 6) | (1 << 8))

/* A nullable request string as a C string (NULL for null). */
static const char *opt_cstr(lode_rctx_t *ctx, const lode_str_t *s)
{
    return lode_str_is_null(s) ? NULL : lode_rctx_cstr(ctx, s);
}

const char *lode_rctx_client_host(lode_rctx_t *ctx)
{
    const char *peer = lode_conn_peer(ctx->req->conn);
    const char *colon = strrchr(peer, ':');
    size_t n = colon ? (size_t)(colon - peer) : strlen(peer);
    if (n >= 2 && peer[0] == '[' && peer[n - 1] == ']') {
        peer++;
        n -= 2;
    }
    char *h = lode_arena_alloc(&ctx->arena, n + 2);
    h[0] = '/';
    memcpy(h + 1, peer, n);
    h[n + 1] = 0;
    return h;
}

/* ---- FindCoordinator --------------------------------------------------------------------- */

typedef struct coordinator {
    int16_t error;
    const char *message;
    int32_t node;
    const char *host;
    int32_t port;
} coordinator_t;

/* The coordinator of one key: the leader of the key's __consumer_offsets
 * partition, reached through the listener the request came in on. */
static coordinator_t find(lode_rctx_t *ctx, const lode_image_t *img, int8_t type, const char *key)
{
    coordinator_t c = {.node = -1, .host = "", .port = -1};
    if (type == 1) {
        c.error = LODE_KERR_COORDINATOR_NOT_AVAILABLE;
        c.message = "lode has no transaction coordinator yet";
        return c;
    }
    if (type != 0) {
        c.error = LODE_KERR_INVALID_REQUEST;
        c.message = "unknown coordinator key type";
        return c;
    }
    const lode_topic_info_t *t = lode_image_topic(img, LODE_OFFSETS_TOPIC);
    if (!t) {
        lode_broker_create_offsets_topic(ctx->b);
        c.error = LODE_KERR_COORDINATOR_NOT_AVAILABLE;
        c.message = "the offsets topic is being created";
        return c;
    }
    int32_t p = lode_gc_partition_for(ctx->b->groups, key);
    int32_t leader = p < t->npartitions ? t->partitions[p].leader : -1;
    const lode_broker_info_t *bi = leader >= 0 ? lode_image_broker(img, leader) : NULL;
    const char *listener = lode_conn_listener(ctx->req->conn);
    for (int32_t i = 0; bi && !bi->fenced && i < bi->nendpoints; i++) {
        if (strcmp(bi->endpoints[i].listener, listener) == 0) {
            c.node = leader;
            c.host = bi->endpoints[i].host;
            c.port = bi->endpoints[i].port;
            return c;
        }
    }
    c.error = LODE_KERR_COORDINATOR_NOT_AVAILABLE;
    c.message = "the coordinator's partition has no leader";
    return c;
}

void lode_handle_find_coordinator(lode_rctx_t *ctx)
{
    const FindCoordinatorRequest *req = ctx->msg;
    int16_t v = ctx->hdr.api_version;
    int8_t type = v >= 1 ? req->KeyType : 0;
    lode_image_t *img = lode_image_acquire(ctx->b->images);
    FindCoordinatorResponse resp;
    FindCoordinatorResponse_init(&resp);
    if (v < 4) {
        coordinator_t c = find(ctx, img, type, lode_rctx_cstr(ctx, &req->Key));
        resp.ErrorCode = c.error;
        resp.ErrorMessage = c.error ? lode_rctx_str(ctx, c.message) : LODE_STR_NULL;
        resp.NodeId = c.node;
        resp.Host = lode_rctx_str(ctx, c.host);
        resp.Port = c.port;
    } else {
        int32_t n = req->CoordinatorKeys_count > 0 ? req->CoordinatorKeys_count : 0;
        FindCoordinatorResponse_Coordinator *cs =
            lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *cs);
        for (int32_t i = 0; i < n; i++) {
            FindCoordinatorResponse_Coordinator_init(&cs[i]);
            coordinator_t c = find(ctx, img, type, lode_rctx_cstr(ctx, &req->CoordinatorKeys[i]));
            cs[i].Key = req->CoordinatorKeys[i];
            cs[i].ErrorCode = c.error;
            cs[i].ErrorMessage = c.error ? lode_rctx_str(ctx, c.message) : LODE_STR_NULL;
            cs[i].NodeId = c.node;
            cs[i].Host = lode_rctx_str(ctx, c.host);
            cs[i].Port = c.port;
        }
        resp.Coordinators = cs;
        resp.Coordinators_count = n;
    }
    lode_image_release(img);
    lode_rctx_reply(ctx, &resp);
}

/* ---- JoinGroup ---------------------------------------------------------------------------- */

static void joined(void *arg, const lode_gc_join_result_t *r)
{
    lode_rctx_t *ctx = arg;
    int16_t v = ctx->hdr.api_version;
    JoinGroupResponse resp;
    JoinGroupResponse_init(&resp);
    resp.ErrorCode = r->error;
    resp.GenerationId = r->generation;
    resp.ProtocolType = lode_rctx_str(ctx, r->protocol_type);
    /* before v7 the protocol name is not nullable: "" stands for none */
    resp.ProtocolName = lode_rctx_str(ctx, r->protocol_name ? r->protocol_name
                                           : (v >= 7 ? NULL : ""));
    resp.Leader = lode_rctx_str(ctx, r->leader);
    resp.MemberId = lode_rctx_str(ctx, r->member_id);
    JoinGroupResponse_JoinGroupResponseMember *ms =
        lode_arena_calloc(&ctx->arena, r->nmembers + 1, sizeof *ms);
    for (size_t i = 0; i < r->nmembers; i++) {
        JoinGroupResponse_JoinGroupResponseMember_init(&ms[i]);
        ms[i].MemberId = lode_rctx_str(ctx, r->members[i].member_id);
        ms[i].GroupInstanceId = lode_rctx_str(ctx, r->members[i].instance_id);
        uint8_t *md = lode_arena_alloc(&ctx->arena, (size_t)r->members[i].metadata_len + 1);
        memcpy(md, r->members[i].metadata, (size_t)r->members[i].metadata_len);
        ms[i].Metadata = (lode_bytes_t){md, r->members[i].metadata_len};
    }
    resp.Members = ms;
    resp.Members_count = (int32_t)r->nmembers;
    lode_rctx_reply(ctx, &resp);
}

void lode_handle_join_group(lode_rctx_t *ctx)
{
    const JoinGroupRequest *req = ctx->msg;
    int16_t v = ctx->hdr.api_version;
    int32_t n = req->Protocols_count > 0 ? req->Protocols_count : 0;
    lode_gc_protocol_t *ps = lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *ps);
    for (int32_t i = 0; i < n; i++) {
        ps[i].name = lode_rctx_cstr(ctx, &req->Protocols[i].Name);
        ps[i].metadata = req->Protocols[i].Metadata.ptr;
        ps[i].metadata_len = req->Protocols[i].Metadata.len > 0 ? req->Protocols[i].Metadata.len : 0;
    }
    lode_gc_join_req_t jr = {
        .group_id = lode_rctx_cstr(ctx, &req->GroupId),
        .member_id = lode_rctx_cstr(ctx, &req->MemberId),
        .instance_id = v >= 5 ? opt_cstr(ctx, &req->GroupInstanceId) : NULL,
        .client_id = ctx->hdr.client_id.len >= 0 ? lode_rctx_cstr(ctx, &ctx->hdr.client_id) : "",
        .client_host = lode_rctx_client_host(ctx),
        .protocol_type = lode_rctx_cstr(ctx, &req->ProtocolType),
        .reason = v >= 8 ? opt_cstr(ctx, &req->Reason) : NULL,
        .session_timeout_ms = req->SessionTimeoutMs,
        /* v0 has no rebalance timeout: the session timeout serves */
        .rebalance_timeout_ms = v >= 1 ? req->RebalanceTimeoutMs : req->SessionTimeoutMs,
        .require_known_member_id = v >= 4,
        .protocols = ps,
        .nprotocols = (size_t)n,
    };
    lode_gc_join(ctx->b->groups, &jr, joined, ctx);
}

/* ---- SyncGroup ----------------------------------------------------------------------------- */

static void synced(void *arg, const lode_gc_sync_result_t *r)
{
    lode_rctx_t *ctx = arg;
    SyncGroupResponse resp;
    SyncGroupResponse_init(&resp);
    resp.ErrorCode = r->error;
    resp.ProtocolType = lode_rctx_str(ctx, r->protocol_type);
    resp.ProtocolName = lode_rctx_str(ctx, r->protocol_name);
    uint8_t *a = lode_arena_alloc(&ctx->arena, (size_t)r->assignment_len + 1);
    if (r->assignment_len)
        memcpy(a, r->assignment, (size_t)r->assignment_len);
    resp.Assignment = (lode_bytes_t){a, r->assignment_len};
    lode_rctx_reply(ctx, &resp);
}

void lode_handle_sync_group(lode_rctx_t *ctx)
{
    const SyncGroupRequest *req = ctx->msg;
    int16_t v = ctx->hdr.api_version;
    int32_t n = req->Assignments_count > 0 ? req->Assignments_count : 0;
    lode_gc_assignment_t *as = lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *as);
    for (int32_t i = 0; i < n; i++) {
        as[i].member_id = lode_rctx_cstr(ctx, &req->Assignments[i].MemberId);
        as[i].data = req->Assignments[i].Assignment.ptr;
        as[i].len = req->Assignments[i].Assignment.len > 0 ? req->Assignments[i].Assignment.len : 0;
    }
    lode_gc_sync_req_t sr = {
        .group_id = lode_rctx_cstr(ctx, &req->GroupId),
        .member_id = lode_rctx_cstr(ctx, &req->MemberId),
        .instance_id = v >= 3 ? opt_cstr(ctx, &req->GroupInstanceId) : NULL,
        .protocol_type = v >= 5 ? opt_cstr(ctx, &req->ProtocolType) : NULL,
        .protocol_name = v >= 5 ? opt_cstr(ctx, &req->ProtocolName) : NULL,
        .generation = req->GenerationId,
        .assignments = as,
        .nassignments = (size_t)n,
    };
    lode_gc_sync(ctx->b->groups, &sr, synced, ctx);
}

/* ---- Heartbeat, LeaveGroup ------------------------------------------------------------------- */

void lode_handle_heartbeat(lode_rctx_t *ctx)
{
    const HeartbeatRequest *req = ctx->msg;
    HeartbeatResponse resp;
    HeartbeatResponse_init(&resp);
    resp.ErrorCode = lode_gc_heartbeat(
        ctx->b->groups, lode_rctx_cstr(ctx, &req->GroupId), lode_rctx_cstr(ctx, &req->MemberId),
        ctx->hdr.api_version >= 3 ? opt_cstr(ctx, &req->GroupInstanceId) : NULL,
        req->GenerationId);
    lode_rctx_reply(ctx, &resp);
}

void lode_handle_leave_group(lode_rctx_t *ctx)
{
    const LeaveGroupRequest *req = ctx->msg;
    int16_t v = ctx->hdr.api_version;
    int32_t n = v >= 3 ? (req->Members_count > 0 ? req->Members_count : 0) : 1;
    lode_gc_leaver_t *lv = lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *lv);
    if (v < 3) {
        lv[0].member_id = lode_rctx_cstr(ctx, &req->MemberId);
    } else {
        for (int32_t i = 0; i < n; i++) {
            lv[i].member_id = lode_rctx_cstr(ctx, &req->Members[i].MemberId);
            lv[i].instance_id = opt_cstr(ctx, &req->Members[i].GroupInstanceId);
            lv[i].reason = v >= 5 ? opt_cstr(ctx, &req->Members[i].Reason) : NULL;
        }
    }
    LeaveGroupResponse resp;
    LeaveGroupResponse_init(&resp);
    resp.ErrorCode = lode_gc_leave(ctx->b->groups, lode_rctx_cstr(ctx, &req->GroupId), lv, (size_t)n);
    if (v < 3) {
        /* one member: its error is the response's */
        if (!resp.ErrorCode)
            resp.ErrorCode = lv[0].error;
    } else {
        LeaveGroupResponse_MemberResponse *ms =
            lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *ms);
        for (int32_t i = 0; i < n && !resp.ErrorCode; i++) {
            LeaveGroupResponse_MemberResponse_init(&ms[i]);
            ms[i].MemberId = req->Members[i].MemberId;
            ms[i].GroupInstanceId = req->Members[i].GroupInstanceId;
            ms[i].ErrorCode = lv[i].error;
        }
        resp.Members = ms;
        resp.Members_count = resp.ErrorCode ? 0 : n;
    }
    lode_rctx_reply(ctx, &resp);
}

/* ---- ListGroups, DescribeGroups, DeleteGroups ---------------------------------------------- */

static bool in_filter(lode_rctx_t *ctx, const lode_str_t *filter, int32_t n, const char *value)
{
    if (n <= 0)
        return true;
    for (int32_t i = 0; i < n; i++)
        if (strcasecmp(lode_rctx_cstr(ctx, &filter[i]), value) == 0)
            return true;
    return false;
}

void lode_handle_list_groups(lode_rctx_t *ctx)
{
    const ListGroupsRequest *req = ctx->msg;
    int16_t v = ctx->hdr.api_version;
    lode_gc_group_info_t *gs;
    size_t n;
    lode_gc_list(ctx->b->groups, &ctx->arena, &gs, &n);
    ListGroupsResponse resp;
    ListGroupsResponse_init(&resp);
    ListGroupsResponse_ListedGroup *out = lode_arena_calloc(&ctx->arena, n + 1, sizeof *out);
    int32_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (v >= 4 && !in_filter(ctx, req->StatesFilter, req->StatesFilter_count, gs[i].state))
            continue;
        /* every lode group is a classic one (KIP-848 groups come later) */
        if (v >= 5 && !in_filter(ctx, req->TypesFilter, req->TypesFilter_count, "classic"))
            continue;
        ListGroupsResponse_ListedGroup_init(&out[k]);
        out[k].GroupId = lode_rctx_str(ctx, gs[i].group_id);
        out[k].ProtocolType = lode_rctx_str(ctx, gs[i].protocol_type);
        out[k].GroupState = lode_rctx_str(ctx, gs[i].state);
        out[k].GroupType = lode_rctx_str(ctx, "classic");
        k++;
    }
    resp.Groups = out;
    resp.Groups_count = k;
    lode_rctx_reply(ctx, &resp);
}

void lode_handle_describe_groups(lode_rctx_t *ctx)
{
    const DescribeGroupsRequest *req = ctx->msg;
    int32_t n = req->Groups_count > 0 ? req->Groups_count : 0;
    DescribeGroupsResponse resp;
    DescribeGroupsResponse_init(&resp);
    DescribeGroupsResponse_DescribedGroup *out =
        lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *out);
    for (int32_t i = 0; i < n; i++) {
        DescribeGroupsResponse_DescribedGroup *g = &out[i];
        DescribeGroupsResponse_DescribedGroup_init(g);
        lode_gc_group_desc_t d;
        g->GroupId = req->Groups[i];
        g->ErrorCode = lode_gc_describe(ctx->b->groups, lode_rctx_cstr(ctx, &req->Groups[i]),
                                        &ctx->arena, &d);
        g->GroupState = lode_rctx_str(ctx, g->ErrorCode ? "" : d.state);
        g->ProtocolType = lode_rctx_str(ctx, g->ErrorCode ? "" : d.protocol_type);
        g->ProtocolData = lode_rctx_str(ctx, g->ErrorCode ? "" : d.protocol);
        if (ctx->hdr.api_version >= 3 && req->IncludeAuthorizedOperations && !g->ErrorCode)
            g->AuthorizedOperations = GROUP_OPERATIONS;
        DescribeGroupsResponse_DescribedGroupMember *ms =
            lode_arena_calloc(&ctx->arena, d.nmembers + 1, sizeof *ms);
        for (size_t j = 0; j < d.nmembers && !g->ErrorCode; j++) {
            DescribeGroupsResponse_DescribedGroupMember_init(&ms[j]);
            ms[j].MemberId = (lode_str_t){d.members[j].member_id,
                                          (int32_t)strlen(d.members[j].member_id)};
            ms[j].GroupInstanceId = d.members[j].instance_id
                                        ? lode_str_c(d.members[j].instance_id)
                                        : LODE_STR_NULL;
            ms[j].ClientId = lode_str_c(d.members[j].client_id);
            ms[j].ClientHost = lode_str_c(d.members[j].client_host);
            ms[j].MemberMetadata = (lode_bytes_t){d.members[j].metadata, d.members[j].metadata_len};
            ms[j].MemberAssignment =
                (lode_bytes_t){d.members[j].assignment, d.members[j].assignment_len};
        }
        g->Members = ms;
        g->Members_count = g->ErrorCode ? 0 : (int32_t)d.nmembers;
    }
    resp.Groups = out;
    resp.Groups_count = n;
    lode_rctx_reply(ctx, &resp);
}

typedef struct delete_groups {
    lode_rctx_t *ctx;
    const char **ids;
    int16_t *errors;
    int32_t n;
} delete_groups_t;

static void groups_deleted(void *arg)
{
    delete_groups_t *d = arg;
    lode_rctx_t *ctx = d->ctx;
    const DeleteGroupsRequest *req = ctx->msg;
    DeleteGroupsResponse resp;
    DeleteGroupsResponse_init(&resp);
    DeleteGroupsResponse_DeletableGroupResult *rs =
        lode_arena_calloc(&ctx->arena, (size_t)d->n + 1, sizeof *rs);
    for (int32_t i = 0; i < d->n; i++) {
        DeleteGroupsResponse_DeletableGroupResult_init(&rs[i]);
        rs[i].GroupId = req->GroupsNames[i];
        rs[i].ErrorCode = d->errors[i];
    }
    resp.Results = rs;
    resp.Results_count = d->n;
    lode_rctx_reply(ctx, &resp);
}

void lode_handle_delete_groups(lode_rctx_t *ctx)
{
    const DeleteGroupsRequest *req = ctx->msg;
    delete_groups_t *d = lode_arena_calloc(&ctx->arena, 1, sizeof *d);
    d->ctx = ctx;
    d->n = req->GroupsNames_count > 0 ? req->GroupsNames_count : 0;
    d->ids = lode_arena_calloc(&ctx->arena, (size_t)d->n + 1, sizeof *d->ids);
    d->errors = lode_arena_calloc(&ctx->arena, (size_t)d->n + 1, sizeof *d->errors);
    for (int32_t i = 0; i < d->n; i++)
        d->ids[i] = lode_rctx_cstr(ctx, &req->GroupsNames[i]);
    lode_gc_delete_groups(ctx->b->groups, d->ids, d->errors, (size_t)d->n, groups_deleted, d);
}
