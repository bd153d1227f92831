/*
 * offsets_api.c — ListOffsets (earliest, latest, by timestamp, max
 * timestamp, earliest local) and OffsetForLeaderEpoch, answered from the
 * partition logs this node leads.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/broker_int.h"
#include "core/err.h"
#include "proto/gen/ListOffsetsRequest.h"
#include "proto/gen/ListOffsetsResponse.h"
#include "proto/gen/OffsetForLeaderEpochRequest.h"
#include "proto/gen/OffsetForLeaderEpochResponse.h"
#include "proto/kerr.h"
#include "proto/record_batch.h"

/* Kafka's special ListOffsets timestamps. */
#define LATEST -1
#define EARLIEST -2
#define MAX_TIMESTAMP -3
#define EARLIEST_LOCAL -4
#define EARLIEST_PENDING_UPLOAD -5

/* The partition's log when this node leads it and the caller's epoch (-1:
 * not checked) matches; otherwise NULL with the error in *err. */
lode_log_t *lode_broker_leader_log(lode_broker_t *b, const lode_image_t *img, const char *topic,
                                   int32_t partition, int32_t current_epoch, int16_t *err)
{
    const lode_topic_info_t *t = lode_image_topic(img, topic);
    if (!t || partition < 0 || partition >= t->npartitions) {
        *err = LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        return NULL;
    }
    const lode_partition_info_t *p = &t->partitions[partition];
    if (current_epoch >= 0 && current_epoch < p->leader_epoch) {
        *err = LODE_KERR_FENCED_LEADER_EPOCH;
        return NULL;
    }
    if (current_epoch > p->leader_epoch) {
        *err = LODE_KERR_UNKNOWN_LEADER_EPOCH;
        return NULL;
    }
    lode_log_t *log = p->leader == b->node_id ? lode_broker_log(b, topic, partition) : NULL;
    *err = log ? 0 : LODE_KERR_NOT_LEADER_OR_FOLLOWER;
    return log;
}

/* The first record of the batch in r with timestamp >= ts: its offset and
 * timestamp (Kafka answers with the exact record, not the batch). */
static int exact_record(const lode_log_read_t *r, int64_t ts, int64_t *offset, int64_t *found_ts,
                        int32_t *epoch)
{
    uint8_t *buf = malloc(r->slice.bytes ? r->slice.bytes : 1);
    if (!buf)
        return LODE_ENOMEM;
    int rc = LODE_ECORRUPT;
    if (pread(r->slice.fd, buf, r->slice.bytes, r->slice.position) != (ssize_t)r->slice.bytes)
        goto out;
    lode_batch_hdr_t h;
    if (lode_batch_parse_header(buf, r->slice.bytes, &h) != 0)
        goto out;
    *epoch = h.partition_leader_epoch;
    lode_buf_t scratch;
    lode_buf_init(&scratch);
    const uint8_t *recs;
    size_t nrecs;
    rc = lode_batch_records(&h, NULL, LODE_BATCH_MAX_UNCOMPRESSED_DEFAULT, &scratch, &recs, &nrecs);
    if (rc == 0) {
        lode_record_iter_t it;
        lode_record_iter_init(&it, &h, recs, nrecs);
        lode_record_t rec;
        rc = LODE_ENOTFOUND;
        while (lode_record_iter_next(&it, &rec)) {
            if (rec.timestamp >= ts) {
                *offset = rec.offset;
                *found_ts = rec.timestamp;
                rc = 0;
                break;
            }
        }
    }
    lode_buf_free(&scratch);
out:
    free(buf);
    return rc;
}

typedef ListOffsetsResponse_ListOffsetsPartitionResponse lo_part_t;

static void list_offset(lode_log_t *log, int64_t ts, bool committed, lo_part_t *out)
{
    (void)committed; /* no transactions yet: the last stable offset is the high watermark */
    out->Timestamp = -1;
    out->Offset = -1;
    out->LeaderEpoch = -1;
    int64_t hw = lode_log_high_watermark(log);
    switch (ts) {
    case LATEST:
        out->Offset = hw;
        out->LeaderEpoch = lode_log_latest_epoch(log);
        return;
    case EARLIEST:
    case EARLIEST_LOCAL: {
        out->Offset = lode_log_start_offset(log);
        out->LeaderEpoch = lode_log_epoch_for_offset(log, out->Offset);
        return;
    }
    case EARLIEST_PENDING_UPLOAD:
        return; /* no tiered storage: nothing pending (-1, -1) */
    case MAX_TIMESTAMP: {
        int64_t mts, moff;
        if (lode_log_max_timestamp(log, &mts, &moff) == 0 && moff >= 0 && moff < hw) {
            /* The log keeps the last offset of the batch holding the max timestamp; Kafka 4
             * answers with the first record in it that has that timestamp (KAFKA-16310). */
            int64_t exact = moff, ets = mts;
            int32_t epoch = -1;
            lode_log_read_t r;
            if (lode_log_read(log, moff, 1, hw, true, &r) == 0) {
                if (r.seg)
                    exact_record(&r, mts, &exact, &ets, &epoch);
                lode_log_read_release(&r);
            }
            out->Timestamp = mts;
            out->Offset = exact;
            out->LeaderEpoch = lode_log_epoch_for_offset(log, exact);
        }
        return;
    }
    default:
        break;
    }
    int64_t off, bmax;
    lode_log_read_t r;
    if (lode_log_offset_for_timestamp(log, ts, &off, &bmax, &r) != 0 || off < 0)
        return;
    int64_t exact = off, ets = bmax;
    int32_t epoch = -1;
    if (r.seg)
        exact_record(&r, ts, &exact, &ets, &epoch);
    lode_log_read_release(&r);
    if (exact < hw) {
        out->Offset = exact;
        out->Timestamp = ets;
        out->LeaderEpoch = epoch;
    }
}

void lode_handle_list_offsets(lode_rctx_t *ctx)
{
    const ListOffsetsRequest *req = ctx->msg;
    int16_t v = ctx->hdr.api_version;
    ListOffsetsResponse resp;
    ListOffsetsResponse_init(&resp);
    int32_t nt = req->Topics_count > 0 ? req->Topics_count : 0;
    resp.Topics = lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *resp.Topics);
    resp.Topics_count = nt;
    lode_image_t *img = lode_image_acquire(ctx->b->images);
    for (int32_t i = 0; i < nt; i++) {
        const ListOffsetsRequest_ListOffsetsTopic *t = &req->Topics[i];
        ListOffsetsResponse_ListOffsetsTopicResponse *tr = &resp.Topics[i];
        ListOffsetsResponse_ListOffsetsTopicResponse_init(tr);
        tr->Name = t->Name;
        int32_t np = t->Partitions_count > 0 ? t->Partitions_count : 0;
        tr->Partitions = lode_arena_calloc(&ctx->arena, (size_t)np + 1, sizeof *tr->Partitions);
        tr->Partitions_count = np;
        const char *topic = lode_rctx_cstr(ctx, &t->Name);
        for (int32_t j = 0; j < np; j++) {
            const ListOffsetsRequest_ListOffsetsPartition *p = &t->Partitions[j];
            lo_part_t *pr = &tr->Partitions[j];
            ListOffsetsResponse_ListOffsetsPartitionResponse_init(pr);
            pr->PartitionIndex = p->PartitionIndex;
            pr->Timestamp = -1;
            pr->Offset = -1;
            pr->LeaderEpoch = -1;
            bool dup = false;
            for (int32_t k = 0; k < j && !dup; k++)
                dup = t->Partitions[k].PartitionIndex == p->PartitionIndex;
            for (int32_t k = 0; k < i && !dup; k++)
                dup = lode_str_eq(&req->Topics[k].Name, &t->Name);
            if (dup) {
                pr->ErrorCode = LODE_KERR_INVALID_REQUEST;
                continue;
            }
            bool too_new = (p->Timestamp == MAX_TIMESTAMP && v < 7) ||
                           (p->Timestamp == EARLIEST_LOCAL && v < 8) ||
                           (p->Timestamp == EARLIEST_PENDING_UPLOAD && v < 9);
            if (too_new) {
                pr->ErrorCode = LODE_KERR_UNSUPPORTED_VERSION;
                continue;
            }
            int16_t err;
            lode_log_t *log = lode_broker_leader_log(ctx->b, img, topic, p->PartitionIndex,
                                                     v >= 4 ? p->CurrentLeaderEpoch : -1, &err);
            if (!log) {
                pr->ErrorCode = err;
                continue;
            }
            list_offset(log, p->Timestamp, v >= 2 && req->IsolationLevel == 1, pr);
            if (v < 4)
                pr->LeaderEpoch = -1; /* not in these versions */
            lode_log_release(log);
        }
    }
    lode_image_release(img);
    lode_rctx_reply(ctx, &resp);
}

void lode_handle_offset_for_leader_epoch(lode_rctx_t *ctx)
{
    const OffsetForLeaderEpochRequest *req = ctx->msg;
    OffsetForLeaderEpochResponse resp;
    OffsetForLeaderEpochResponse_init(&resp);
    int32_t nt = req->Topics_count > 0 ? req->Topics_count : 0;
    resp.Topics = lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *resp.Topics);
    resp.Topics_count = nt;
    lode_image_t *img = lode_image_acquire(ctx->b->images);
    for (int32_t i = 0; i < nt; i++) {
        const OffsetForLeaderEpochRequest_OffsetForLeaderTopic *t = &req->Topics[i];
        OffsetForLeaderEpochResponse_OffsetForLeaderTopicResult *tr = &resp.Topics[i];
        OffsetForLeaderEpochResponse_OffsetForLeaderTopicResult_init(tr);
        tr->Topic = t->Topic;
        int32_t np = t->Partitions_count > 0 ? t->Partitions_count : 0;
        tr->Partitions = lode_arena_calloc(&ctx->arena, (size_t)np + 1, sizeof *tr->Partitions);
        tr->Partitions_count = np;
        const char *topic = lode_rctx_cstr(ctx, &t->Topic);
        for (int32_t j = 0; j < np; j++) {
            const OffsetForLeaderEpochRequest_OffsetForLeaderPartition *p = &t->Partitions[j];
            OffsetForLeaderEpochResponse_EpochEndOffset *pr = &tr->Partitions[j];
            OffsetForLeaderEpochResponse_EpochEndOffset_init(pr);
            pr->Partition = p->Partition;
            pr->LeaderEpoch = -1;
            pr->EndOffset = -1;
            int16_t err;
            lode_log_t *log = lode_broker_leader_log(ctx->b, img, topic, p->Partition,
                                                     p->CurrentLeaderEpoch, &err);
            if (!log) {
                pr->ErrorCode = err;
                continue;
            }
            lode_log_end_offset_for_epoch(log, p->LeaderEpoch, &pr->LeaderEpoch, &pr->EndOffset);
            lode_log_release(log);
        }
    }
    lode_image_release(img);
    lode_rctx_reply(ctx, &resp);
}
