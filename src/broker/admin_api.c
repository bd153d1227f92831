/*
 * admin_api.c — DescribeCluster, DeleteRecords and DescribeLogDirs.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "broker/broker_int.h"
#include "broker/describe.h"
#include "core/err.h"
#include "proto/gen/DeleteRecordsRequest.h"
#include "proto/gen/DeleteRecordsResponse.h"
#include "proto/gen/DescribeClusterRequest.h"
#include "proto/gen/DescribeClusterResponse.h"
#include "proto/gen/DescribeLogDirsRequest.h"
#include "proto/gen/DescribeLogDirsResponse.h"
#include "proto/kerr.h"

/* DescribeCluster v1 EndpointType. */
#define ENDPOINT_BROKER 1
#define ENDPOINT_CONTROLLER 2

void lode_handle_describe_cluster(lode_rctx_t *ctx)
{
    const DescribeClusterRequest *req = ctx->msg;
    lode_broker_t *b = ctx->b;
    DescribeClusterResponse resp;
    bool on_controller =
        lode_config_is_controller_listener(b->cfg, lode_conn_listener(ctx->req->conn));
    int8_t type = ctx->hdr.api_version >= 1 ? req->EndpointType : ENDPOINT_BROKER;
    if ((type == ENDPOINT_CONTROLLER) != on_controller) {
        DescribeClusterResponse_init(&resp);
        resp.ErrorCode = LODE_KERR_MISMATCHED_ENDPOINT_TYPE;
        resp.ErrorMessage = on_controller ? lode_str_lit("The request was sent to an endpoint of "
                                                         "type CONTROLLER, but we wanted an "
                                                         "endpoint of type BROKER")
                                          : lode_str_lit("The request was sent to an endpoint of "
                                                         "type BROKER, but we wanted an endpoint "
                                                         "of type CONTROLLER");
    } else if (on_controller) {
        /* The controllers: this node, on its controller listener. */
        DescribeClusterResponse_init(&resp);
        resp.ClusterId = lode_rctx_str(ctx, b->cluster_id);
        resp.ControllerId = b->node_id;
        const lode_config_listeners_t *cl = lode_config_controller_listeners(b->cfg);
        resp.Brokers = lode_arena_calloc(&ctx->arena, cl->count + 1, sizeof *resp.Brokers);
        for (size_t i = 0; i < cl->count && i < 1; i++) {
            DescribeClusterResponse_DescribeClusterBroker_init(&resp.Brokers[i]);
            resp.Brokers[i].BrokerId = b->node_id;
            resp.Brokers[i].Host =
                lode_rctx_str(ctx, cl->items[i].host ? cl->items[i].host : "localhost");
            resp.Brokers[i].Port = cl->items[i].port;
            resp.Brokers_count = 1;
        }
    } else {
        lode_image_t *img = lode_image_acquire(b->images);
        lode_describe_cluster(img, b->cluster_id, b->node_id, lode_conn_listener(ctx->req->conn),
                              &resp, &ctx->arena);
        lode_image_release(img);
    }
    resp.EndpointType = ctx->hdr.api_version >= 1 ? type : ENDPOINT_BROKER;
    if (req->IncludeClusterAuthorizedOperations && resp.ErrorCode == 0)
        resp.ClusterAuthorizedOperations = LODE_CLUSTER_OPERATIONS;
    lode_rctx_reply(ctx, &resp);
}

void lode_handle_delete_records(lode_rctx_t *ctx)
{
    const DeleteRecordsRequest *req = ctx->msg;
    DeleteRecordsResponse resp;
    DeleteRecordsResponse_init(&resp);
    int32_t nt = req->Topics_count > 0 ? req->Topics_count : 0;
    resp.Topics = lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *resp.Topics);
    resp.Topics_count = nt;
    lode_image_t *img = lode_image_acquire(ctx->b->images);
    for (int32_t i = 0; i < nt; i++) {
        const DeleteRecordsRequest_DeleteRecordsTopic *t = &req->Topics[i];
        DeleteRecordsResponse_DeleteRecordsTopicResult *tr = &resp.Topics[i];
        DeleteRecordsResponse_DeleteRecordsTopicResult_init(tr);
        tr->Name = t->Name;
        int32_t np = t->Partitions_count > 0 ? t->Partitions_count : 0;
        tr->Partitions = lode_arena_calloc(&ctx->arena, (size_t)np + 1, sizeof *tr->Partitions);
        tr->Partitions_count = np;
        const char *topic = lode_rctx_cstr(ctx, &t->Name);
        for (int32_t j = 0; j < np; j++) {
            const DeleteRecordsRequest_DeleteRecordsPartition *p = &t->Partitions[j];
            DeleteRecordsResponse_DeleteRecordsPartitionResult *pr = &tr->Partitions[j];
            DeleteRecordsResponse_DeleteRecordsPartitionResult_init(pr);
            pr->PartitionIndex = p->PartitionIndex;
            pr->LowWatermark = -1;
            int16_t err;
            lode_log_t *log =
                lode_broker_leader_log(ctx->b, img, topic, p->PartitionIndex, -1, &err);
            if (!log) {
                pr->ErrorCode = err;
                continue;
            }
            lode_log_config_t lc;
            lode_log_get_config(log, &lc);
            int64_t hw = lode_log_high_watermark(log);
            int64_t to = p->Offset == -1 ? hw : p->Offset;
            if (!lc.cleanup_delete) {
                pr->ErrorCode = LODE_KERR_POLICY_VIOLATION; /* Kafka: compacted-only logs */
            } else if (to < 0 || to > hw) {
                pr->ErrorCode = LODE_KERR_OFFSET_OUT_OF_RANGE;
            } else {
                int rc = lode_log_advance_start_offset(log, to);
                pr->ErrorCode = rc == 0             ? 0
                                : rc == LODE_ERANGE ? LODE_KERR_OFFSET_OUT_OF_RANGE
                                                    : LODE_KERR_KAFKA_STORAGE_ERROR;
            }
            pr->LowWatermark = lode_log_start_offset(log);
            lode_log_release(log);
        }
    }
    lode_image_release(img);
    lode_rctx_reply(ctx, &resp);
}

/* ---- DescribeLogDirs ------------------------------------------------------- */

typedef struct dir_part {
    char *topic;
    int32_t partition;
    int64_t size;
    int dir; /* index into log.dirs */
} dir_part_t;

typedef struct dir_scan {
    lode_rctx_t *ctx;
    const lode_strlist_t *dirs;
    dir_part_t *parts;
    size_t n, cap;
} dir_scan_t;

static bool requested(const DescribeLogDirsRequest *req, const char *topic, int32_t partition)
{
    if (req->Topics_count < 0)
        return true;
    for (int32_t i = 0; i < req->Topics_count; i++) {
        if (!lode_str_eq_c(&req->Topics[i].Topic, topic))
            continue;
        for (int32_t k = 0; k < req->Topics[i].Partitions_count; k++)
            if (req->Topics[i].Partitions[k] == partition)
                return true;
    }
    return false;
}

static void scan_log(void *arg, const char *topic, int32_t partition, lode_log_t *log)
{
    dir_scan_t *s = arg;
    if (!requested(s->ctx->msg, topic, partition))
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s", lode_log_dir(log));
    const char *parent = dirname(path);
    int dir = -1;
    for (size_t i = 0; i < s->dirs->count && dir < 0; i++) {
        char a[4096], c[4096];
        if (realpath(parent, a) && realpath(s->dirs->items[i], c) && !strcmp(a, c))
            dir = (int)i;
    }
    if (dir < 0)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        dir_part_t *np = lode_arena_calloc(&s->ctx->arena, cap, sizeof *np);
        if (s->n)
            memcpy(np, s->parts, s->n * sizeof *np);
        s->parts = np;
        s->cap = cap;
    }
    s->parts[s->n++] = (dir_part_t){lode_arena_strndup(&s->ctx->arena, topic, strlen(topic)),
                                    partition, lode_log_size_bytes(log), dir};
}

void lode_handle_describe_log_dirs(lode_rctx_t *ctx)
{
    lode_broker_t *b = ctx->b;
    const lode_strlist_t *dirs = lode_config_log_dirs(b->cfg);
    dir_scan_t s = {.ctx = ctx, .dirs = dirs};
    lode_logmgr_foreach(b->logs, scan_log, &s);

    DescribeLogDirsResponse resp;
    DescribeLogDirsResponse_init(&resp);
    resp.Results = lode_arena_calloc(&ctx->arena, dirs->count + 1, sizeof *resp.Results);
    resp.Results_count = (int32_t)dirs->count;
    for (size_t d = 0; d < dirs->count; d++) {
        DescribeLogDirsResponse_DescribeLogDirsResult *r = &resp.Results[d];
        DescribeLogDirsResponse_DescribeLogDirsResult_init(r);
        char abs[4096];
        r->LogDir = lode_rctx_str(ctx, realpath(dirs->items[d], abs) ? abs : dirs->items[d]);
        struct statvfs st;
        if (statvfs(dirs->items[d], &st) == 0 && ctx->hdr.api_version >= 4) {
            r->TotalBytes = (int64_t)st.f_blocks * (int64_t)st.f_frsize;
            r->UsableBytes = (int64_t)st.f_bavail * (int64_t)st.f_frsize;
        }
        /* topics of this dir, grouped by name */
        r->Topics = lode_arena_calloc(&ctx->arena, s.n + 1, sizeof *r->Topics);
        int32_t nt = 0;
        for (size_t i = 0; i < s.n; i++) {
            if (s.parts[i].dir != (int)d)
                continue;
            int32_t t = 0;
            while (t < nt && !lode_str_eq_c(&r->Topics[t].Name, s.parts[i].topic))
                t++;
            if (t == nt) {
                DescribeLogDirsResponse_DescribeLogDirsTopic_init(&r->Topics[t]);
                r->Topics[t].Name = lode_rctx_str(ctx, s.parts[i].topic);
                r->Topics[t].Partitions =
                    lode_arena_calloc(&ctx->arena, s.n + 1, sizeof *r->Topics[t].Partitions);
                r->Topics[t].Partitions_count = 0;
                nt++;
            }
            DescribeLogDirsResponse_DescribeLogDirsPartition *p =
                &r->Topics[t].Partitions[r->Topics[t].Partitions_count++];
            DescribeLogDirsResponse_DescribeLogDirsPartition_init(p);
            p->PartitionIndex = s.parts[i].partition;
            p->PartitionSize = s.parts[i].size;
            p->OffsetLag = 0; /* no future replica moves between dirs yet */
            p->IsFutureKey = false;
        }
        r->Topics_count = nt;
    }
    lode_rctx_reply(ctx, &resp);
}
