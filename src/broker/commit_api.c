/*
 * commit_api.c — OffsetCommit, OffsetFetch (one group, or many from v8)
 * and OffsetDelete: committed offsets through the group coordinator
 * (group/coordinator.h). Partitions of topics the metadata does not know
 * get UNKNOWN_TOPIC_OR_PARTITION, as Kafka answers.
 */
#include <string.h>

#include "broker/broker_int.h"
#include "proto/gen/OffsetCommitRequest.h"
#include "proto/gen/OffsetCommitResponse.h"
#include "proto/gen/OffsetDeleteRequest.h"
#include "proto/gen/OffsetDeleteResponse.h"
#include "proto/gen/OffsetFetchRequest.h"
#include "proto/gen/OffsetFetchResponse.h"
#include "proto/kerr.h"

static bool partition_exists(const lode_image_t *img, const char *topic, int32_t partition)
{
    const lode_topic_info_t *t = lode_image_topic(img, topic);
    return t && partition >= 0 && partition < t->npartitions;
}

/* ---- OffsetCommit -------------------------------------------------------------------------- */

typedef struct commit {
    lode_rctx_t *ctx;
    lode_gc_commit_part_t *parts;
} commit_t;

static void committed(void *arg)
{
    commit_t *c = arg;
    lode_rctx_t *ctx = c->ctx;
    const OffsetCommitRequest *req = ctx->msg;
    OffsetCommitResponse resp;
    OffsetCommitResponse_init(&resp);
    int32_t nt = req->Topics_count > 0 ? req->Topics_count : 0;
    OffsetCommitResponse_OffsetCommitResponseTopic *ts =
        lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *ts);
    size_t k = 0;
    for (int32_t i = 0; i < nt; i++) {
        const OffsetCommitRequest_OffsetCommitRequestTopic *rt = &req->Topics[i];
        int32_t np = rt->Partitions_count > 0 ? rt->Partitions_count : 0;
        OffsetCommitResponse_OffsetCommitResponseTopic_init(&ts[i]);
        ts[i].Name = rt->Name;
        ts[i].Partitions = lode_arena_calloc(&ctx->arena, (size_t)np + 1, sizeof *ts[i].Partitions);
        ts[i].Partitions_count = np;
        for (int32_t j = 0; j < np; j++, k++) {
            OffsetCommitResponse_OffsetCommitResponsePartition_init(&ts[i].Partitions[j]);
            ts[i].Partitions[j].PartitionIndex = rt->Partitions[j].PartitionIndex;
            ts[i].Partitions[j].ErrorCode = c->parts[k].error;
        }
    }
    resp.Topics = ts;
    resp.Topics_count = nt;
    lode_rctx_reply(ctx, &resp);
}

void lode_handle_offset_commit(lode_rctx_t *ctx)
{
    const OffsetCommitRequest *req = ctx->msg;
    int16_t v = ctx->hdr.api_version;
    int32_t nt = req->Topics_count > 0 ? req->Topics_count : 0;
    size_t n = 0;
    for (int32_t i = 0; i < nt; i++)
        n += (size_t)(req->Topics[i].Partitions_count > 0 ? req->Topics[i].Partitions_count : 0);
    commit_t *c = lode_arena_calloc(&ctx->arena, 1, sizeof *c);
    c->ctx = ctx;
    c->parts = lode_arena_calloc(&ctx->arena, n + 1, sizeof *c->parts);
    lode_image_t *img = lode_image_acquire(ctx->b->images);
    size_t k = 0;
    for (int32_t i = 0; i < nt; i++) {
        const OffsetCommitRequest_OffsetCommitRequestTopic *rt = &req->Topics[i];
        const char *topic = lode_rctx_cstr(ctx, &rt->Name);
        for (int32_t j = 0; j < rt->Partitions_count; j++, k++) {
            const OffsetCommitRequest_OffsetCommitRequestPartition *rp = &rt->Partitions[j];
            lode_gc_commit_part_t *p = &c->parts[k];
            p->topic = topic;
            p->partition = rp->PartitionIndex;
            p->offset = rp->CommittedOffset;
            p->leader_epoch = v >= 6 ? rp->CommittedLeaderEpoch : -1;
            p->metadata = lode_rctx_cstr(ctx, &rp->CommittedMetadata);
            if (!partition_exists(img, topic, p->partition))
                p->error = LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        }
    }
    lode_image_release(img);
    lode_gc_commit_req_t cr = {
        .group_id = lode_rctx_cstr(ctx, &req->GroupId),
        .member_id = lode_rctx_cstr(ctx, &req->MemberId),
        .instance_id = v >= 7 && !lode_str_is_null(&req->GroupInstanceId)
                           ? lode_rctx_cstr(ctx, &req->GroupInstanceId)
                           : NULL,
        .generation = req->GenerationIdOrMemberEpoch,
        .api_version = v,
        .parts = c->parts,
        .nparts = n,
    };
    lode_gc_commit(ctx->b->groups, &cr, committed, c);
}

/* ---- OffsetFetch ----------------------------------------------------------------------------- */

/* One group's answer, in the v8+ shape (older versions copy from it). */
static int16_t fetch_group(lode_rctx_t *ctx, const lode_str_t *group, const lode_str_t *names,
                           int32_t *const *indexes, const int32_t *counts, int32_t ntopics,
                           bool all, OffsetFetchResponse_OffsetFetchResponseTopics **out,
                           int32_t *nout)
{
    const char *gid = lode_rctx_cstr(ctx, group);
    size_t n = 0;
    for (int32_t i = 0; i < ntopics; i++)
        n += (size_t)(counts[i] > 0 ? counts[i] : 0);
    lode_gc_offset_t *parts = lode_arena_calloc(&ctx->arena, n + 1, sizeof *parts);
    size_t k = 0;
    for (int32_t i = 0; i < ntopics; i++) {
        const char *topic = lode_rctx_cstr(ctx, &names[i]);
        for (int32_t j = 0; j < counts[i]; j++, k++) {
            parts[k].topic = topic;
            parts[k].partition = indexes[i][j];
        }
    }
    lode_gc_offset_t *got = NULL;
    size_t ngot = 0;
    int16_t err = lode_gc_fetch_offsets(ctx->b->groups, gid, all, parts, n, &ctx->arena, &got, &ngot);
    if (err) {
        *out = NULL;
        *nout = 0;
        return err;
    }
    if (all) {
        parts = got;
        n = ngot;
    }
    /* one response topic per request topic (in its order), or per topic
     * committed when all (sorted by name) */
    OffsetFetchResponse_OffsetFetchResponseTopics *ts =
        lode_arena_calloc(&ctx->arena, n + (size_t)ntopics + 1, sizeof *ts);
    int32_t nt = 0;
    size_t i = 0;
    for (int32_t r = 0; all ? i < n : r < ntopics; r++) {
        size_t j = i;
        if (all)
            while (j < n && strcmp(parts[j].topic, parts[i].topic) == 0)
                j++;
        else
            j = i + (size_t)(counts[r] > 0 ? counts[r] : 0);
        OffsetFetchResponse_OffsetFetchResponseTopics *t = &ts[nt++];
        OffsetFetchResponse_OffsetFetchResponseTopics_init(t);
        t->Name = all ? lode_rctx_str(ctx, parts[i].topic) : names[r];
        t->Partitions = lode_arena_calloc(&ctx->arena, j - i + 1, sizeof *t->Partitions);
        t->Partitions_count = (int32_t)(j - i);
        for (size_t x = i; x < j; x++) {
            OffsetFetchResponse_OffsetFetchResponsePartitions *p = &t->Partitions[x - i];
            OffsetFetchResponse_OffsetFetchResponsePartitions_init(p);
            p->PartitionIndex = parts[x].partition;
            p->CommittedOffset = parts[x].offset;
            p->CommittedLeaderEpoch = parts[x].leader_epoch;
            p->Metadata = lode_str_c(parts[x].metadata);
        }
        i = j;
    }
    *out = ts;
    *nout = nt;
    return 0;
}

void lode_handle_offset_fetch(lode_rctx_t *ctx)
{
    const OffsetFetchRequest *req = ctx->msg;
    int16_t v = ctx->hdr.api_version;
    OffsetFetchResponse resp;
    OffsetFetchResponse_init(&resp);
    if (v >= 8) {
        int32_t ng = req->Groups_count > 0 ? req->Groups_count : 0;
        OffsetFetchResponse_OffsetFetchResponseGroup *gs =
            lode_arena_calloc(&ctx->arena, (size_t)ng + 1, sizeof *gs);
        for (int32_t g = 0; g < ng; g++) {
            const OffsetFetchRequest_OffsetFetchRequestGroup *rg = &req->Groups[g];
            int32_t nt = rg->Topics_count > 0 ? rg->Topics_count : 0;
            lode_str_t *names = lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *names);
            int32_t **idx = lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *idx);
            int32_t *cnt = lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *cnt);
            for (int32_t i = 0; i < nt; i++) {
                names[i] = rg->Topics[i].Name;
                idx[i] = rg->Topics[i].PartitionIndexes;
                cnt[i] = rg->Topics[i].PartitionIndexes_count;
            }
            OffsetFetchResponse_OffsetFetchResponseGroup_init(&gs[g]);
            gs[g].GroupId = rg->GroupId;
            gs[g].ErrorCode = fetch_group(ctx, &rg->GroupId, names, idx, cnt, nt,
                                          rg->Topics_count < 0, &gs[g].Topics, &gs[g].Topics_count);
        }
        resp.Groups = gs;
        resp.Groups_count = ng;
        lode_rctx_reply(ctx, &resp);
        return;
    }
    int32_t nt = req->Topics_count > 0 ? req->Topics_count : 0;
    lode_str_t *names = lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *names);
    int32_t **idx = lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *idx);
    int32_t *cnt = lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *cnt);
    for (int32_t i = 0; i < nt; i++) {
        names[i] = req->Topics[i].Name;
        idx[i] = req->Topics[i].PartitionIndexes;
        cnt[i] = req->Topics[i].PartitionIndexes_count;
    }
    OffsetFetchResponse_OffsetFetchResponseTopics *ts = NULL;
    int32_t n = 0;
    /* all partitions: a null topic list, from v2 */
    int16_t err = fetch_group(ctx, &req->GroupId, names, idx, cnt, nt,
                              v >= 2 && req->Topics_count < 0, &ts, &n);
    if (err && v < 2) {
        /* v0-1 have no top-level error: each partition carries it */
        ts = lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *ts);
        for (int32_t i = 0; i < nt; i++) {
            OffsetFetchResponse_OffsetFetchResponseTopics_init(&ts[i]);
            ts[i].Name = names[i];
            int32_t np = cnt[i] > 0 ? cnt[i] : 0;
            ts[i].Partitions = lode_arena_calloc(&ctx->arena, (size_t)np + 1, sizeof *ts[i].Partitions);
            ts[i].Partitions_count = np;
            for (int32_t j = 0; j < np; j++) {
                OffsetFetchResponse_OffsetFetchResponsePartitions_init(&ts[i].Partitions[j]);
                ts[i].Partitions[j].PartitionIndex = idx[i][j];
                ts[i].Partitions[j].CommittedOffset = -1;
                ts[i].Partitions[j].Metadata = lode_str_lit("");
                ts[i].Partitions[j].ErrorCode = err;
            }
        }
        n = nt;
    }
    resp.ErrorCode = err;
    OffsetFetchResponse_OffsetFetchResponseTopic *out =
        lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *out);
    for (int32_t i = 0; i < n; i++) {
        OffsetFetchResponse_OffsetFetchResponseTopic_init(&out[i]);
        out[i].Name = ts[i].Name;
        out[i].Partitions_count = ts[i].Partitions_count;
        out[i].Partitions =
            lode_arena_calloc(&ctx->arena, (size_t)ts[i].Partitions_count + 1, sizeof *out[i].Partitions);
        for (int32_t j = 0; j < ts[i].Partitions_count; j++) {
            const OffsetFetchResponse_OffsetFetchResponsePartitions *s = &ts[i].Partitions[j];
            OffsetFetchResponse_OffsetFetchResponsePartition *d = &out[i].Partitions[j];
            OffsetFetchResponse_OffsetFetchResponsePartition_init(d);
            d->PartitionIndex = s->PartitionIndex;
            d->CommittedOffset = s->CommittedOffset;
            d->CommittedLeaderEpoch = s->CommittedLeaderEpoch;
            d->Metadata = s->Metadata;
            d->ErrorCode = s->ErrorCode;
        }
    }
    resp.Topics = out;
    resp.Topics_count = n;
    lode_rctx_reply(ctx, &resp);
}

/* ---- OffsetDelete ------------------------------------------------------------------------------ */

typedef struct odelete {
    lode_rctx_t *ctx;
    lode_gc_delete_part_t *parts; /* every partition asked for */
    lode_gc_delete_part_t *known; /* those of known topics, for the coordinator */
    size_t *where;                /* known[i] is parts[where[i]] */
    size_t nknown;
    int16_t error;
} odelete_t;

static void offsets_deleted(void *arg)
{
    odelete_t *d = arg;
    lode_rctx_t *ctx = d->ctx;
    const OffsetDeleteRequest *req = ctx->msg;
    for (size_t i = 0; i < d->nknown; i++)
        d->parts[d->where[i]].error = d->known[i].error;
    OffsetDeleteResponse resp;
    OffsetDeleteResponse_init(&resp);
    resp.ErrorCode = d->error;
    int32_t nt = d->error || req->Topics_count < 0 ? 0 : req->Topics_count;
    OffsetDeleteResponse_OffsetDeleteResponseTopic *ts =
        lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *ts);
    size_t k = 0;
    for (int32_t i = 0; i < nt; i++) {
        const OffsetDeleteRequest_OffsetDeleteRequestTopic *rt = &req->Topics[i];
        int32_t np = rt->Partitions_count > 0 ? rt->Partitions_count : 0;
        OffsetDeleteResponse_OffsetDeleteResponseTopic_init(&ts[i]);
        ts[i].Name = rt->Name;
        ts[i].Partitions = lode_arena_calloc(&ctx->arena, (size_t)np + 1, sizeof *ts[i].Partitions);
        ts[i].Partitions_count = np;
        for (int32_t j = 0; j < np; j++, k++) {
            OffsetDeleteResponse_OffsetDeleteResponsePartition_init(&ts[i].Partitions[j]);
            ts[i].Partitions[j].PartitionIndex = rt->Partitions[j].PartitionIndex;
            ts[i].Partitions[j].ErrorCode = d->parts[k].error;
        }
    }
    resp.Topics = ts;
    resp.Topics_count = nt;
    lode_rctx_reply(ctx, &resp);
}

void lode_handle_offset_delete(lode_rctx_t *ctx)
{
    const OffsetDeleteRequest *req = ctx->msg;
    int32_t nt = req->Topics_count > 0 ? req->Topics_count : 0;
    size_t n = 0;
    for (int32_t i = 0; i < nt; i++)
        n += (size_t)(req->Topics[i].Partitions_count > 0 ? req->Topics[i].Partitions_count : 0);
    odelete_t *d = lode_arena_calloc(&ctx->arena, 1, sizeof *d);
    d->ctx = ctx;
    d->parts = lode_arena_calloc(&ctx->arena, n + 1, sizeof *d->parts);
    /* partitions of unknown topics are answered here; the rest go to the
     * coordinator */
    lode_gc_delete_part_t *known = lode_arena_calloc(&ctx->arena, n + 1, sizeof *known);
    size_t *where = lode_arena_calloc(&ctx->arena, n + 1, sizeof *where);
    size_t k = 0, nk = 0;
    lode_image_t *img = lode_image_acquire(ctx->b->images);
    for (int32_t i = 0; i < nt; i++) {
        const char *topic = lode_rctx_cstr(ctx, &req->Topics[i].Name);
        for (int32_t j = 0; j < req->Topics[i].Partitions_count; j++, k++) {
            d->parts[k].topic = topic;
            d->parts[k].partition = req->Topics[i].Partitions[j].PartitionIndex;
            if (!partition_exists(img, topic, d->parts[k].partition)) {
                d->parts[k].error = LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION;
                continue;
            }
            known[nk] = d->parts[k];
            where[nk++] = k;
        }
    }
    lode_image_release(img);
    d->known = known;
    d->where = where;
    d->nknown = nk;
    int16_t err = lode_gc_delete_offsets(ctx->b->groups, lode_rctx_cstr(ctx, &req->GroupId), known,
                                         nk, offsets_deleted, d);
    if (err) {
        /* the coordinator will not call back */
        d->error = err;
        offsets_deleted(d);
    }
}
