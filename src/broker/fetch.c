/*
 * fetch.c — Fetch for consumers (versions 4-17): reads up to the high
 * watermark, waits in the purgatory for MinBytes (woken by appends, or by
 * MaxWaitMs), keeps KIP-227 fetch sessions, and sends the records with
 * sendfile(2): the response is written here field by field so that each
 * partition's records are a file part of the response, never copied.
 * test_fetch.c decodes what this writes with the generated codec for every
 * version.
 *
 * Followers do not exist yet (single node): a fetch from a replica id gets
 * NOT_LEADER_OR_FOLLOWER for its partitions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker_int.h"
#include "core/err.h"
#include "core/mem.h"
#include "proto/gen/FetchRequest.h"
#include "proto/kerr.h"
#include "storage/segment.h"

typedef struct fetch_op {
    lode_dop_t dop;
    lode_rctx_t *ctx;
    lode_fs_ctx_t fs;
    lode_fetch_part_t *parts; /* sp point into the session context */
    size_t n;
    int32_t min_bytes, max_bytes;
    bool committed; /* READ_COMMITTED */
    bool replica;   /* from a follower (not supported yet) */
    char **keys;    /* purgatory keys "<topic>-<partition>", NULL-terminated */
} fetch_op_t;

static void release_reads(fetch_op_t *op)
{
    for (size_t i = 0; i < op->n; i++)
        lode_log_read_release(&op->parts[i].read);
}

/* Reads every partition (within the size limits) and returns the bytes
 * found; *errors tells whether any partition failed. */
static int64_t read_all(fetch_op_t *op, bool *errors)
{
    lode_broker_t *b = op->ctx->b;
    lode_image_t *img = lode_image_acquire(b->images);
    int64_t total = 0;
    *errors = false;
    for (size_t i = 0; i < op->n; i++) {
        lode_fetch_part_t *p = &op->parts[i];
        lode_fs_part_t *sp = p->sp;
        lode_log_read_release(&p->read);
        p->hw = p->lso = p->log_start = -1;
        p->error = 0;
        if (op->replica) {
            p->error = LODE_KERR_NOT_LEADER_OR_FOLLOWER;
        } else if (!sp->topic || !*sp->topic) {
            p->error = LODE_KERR_UNKNOWN_TOPIC_ID;
        } else {
            lode_log_t *log = lode_broker_leader_log(b, img, sp->topic, sp->partition,
                                                     sp->current_leader_epoch, &p->error);
            if (log) {
                int64_t hw = lode_log_high_watermark(log);
                int64_t left = (int64_t)op->max_bytes - total;
                int64_t max = left <= 0 ? 0 : left < sp->max_bytes ? left : sp->max_bytes;
                int rc =
                    lode_log_read(log, sp->fetch_offset, (uint32_t)max, hw, total == 0, &p->read);
                if (rc == LODE_ERANGE) {
                    p->error = LODE_KERR_OFFSET_OUT_OF_RANGE;
                } else if (rc) {
                    p->error = LODE_KERR_KAFKA_STORAGE_ERROR;
                } else {
                    p->hw = hw;
                    p->lso = hw; /* no transactions yet: the last stable offset is the HW */
                    p->log_start = lode_log_start_offset(log);
                    total += p->read.slice.bytes;
                }
                lode_log_release(log);
            }
        }
        *errors = *errors || p->error;
    }
    lode_image_release(img);
    return total;
}

/* ---- the response, written by hand for zero copy --------------------------- */

static void put_len(lode_buf_t *b, bool flex, int32_t n) /* array/bytes length, -1 = null */
{
    if (flex)
        lode_buf_put_uvarint(b, (uint32_t)(n + 1));
    else
        lode_buf_put_i32(b, n);
}

static void put_str(lode_buf_t *b, bool flex, const char *s)
{
    int32_t n = (int32_t)strlen(s);
    if (flex)
        lode_buf_put_uvarint(b, (uint32_t)(n + 1));
    else
        lode_buf_put_i16(b, (int16_t)n);
    lode_buf_put(b, s, (size_t)n);
}

static void release_segment(void *seg)
{
    if (seg)
        lode_segment_release(seg);
}

static bool same_topic(const lode_fs_part_t *a, const lode_fs_part_t *b, int16_t v)
{
    if (v >= 13)
        return !memcmp(a->topic_id, b->topic_id, 16);
    return !strcmp(a->topic ? a->topic : "", b->topic ? b->topic : "");
}

size_t lode_fetch_write_response(lode_resp_t *r, int16_t v, int16_t error, int32_t session_id,
                                 bool committed, lode_fetch_part_t *parts, size_t n)
{
    bool flex = v >= 12;
    lode_buf_t *b = lode_resp_head(r);
    lode_buf_put_i32(b, 0); /* throttle (v1+; only v4+ is served) */
    size_t session_at = 0;
    if (v >= 7) {
        lode_buf_put_i16(b, error);
        session_at = b->len;
        lode_buf_put_i32(b, session_id);
    }
    int32_t ntopics = 0;
    for (size_t i = 0; i < n; i++)
        if (parts[i].include) {
            size_t prev = i;
            while (prev > 0 && !parts[prev - 1].include)
                prev--;
            if (prev == 0 || !same_topic(parts[prev - 1].sp, parts[i].sp, v))
                ntopics++;
        }
    put_len(b, flex, ntopics);
    size_t i = 0;
    while (i < n) {
        if (!parts[i].include) {
            i++;
            continue;
        }
        /* a run of included partitions of one topic */
        size_t end = i, count = 0;
        for (size_t j = i; j < n; j++) {
            if (!parts[j].include)
                continue;
            if (!same_topic(parts[i].sp, parts[j].sp, v))
                break;
            count++;
            end = j + 1;
        }
        if (v >= 13)
            lode_buf_put(b, parts[i].sp->topic_id, 16);
        else
            put_str(b, flex, parts[i].sp->topic ? parts[i].sp->topic : "");
        put_len(b, flex, (int32_t)count);
        for (size_t j = i; j < end; j++) {
            lode_fetch_part_t *p = &parts[j];
            if (!p->include)
                continue;
            lode_buf_put_i32(b, p->sp->partition);
            lode_buf_put_i16(b, p->error);
            lode_buf_put_i64(b, p->hw);
            lode_buf_put_i64(b, p->lso);
            if (v >= 5)
                lode_buf_put_i64(b, p->log_start);
            put_len(b, flex, committed ? 0 : -1); /* aborted transactions: none yet */
            if (v >= 11)
                lode_buf_put_i32(b, -1); /* preferred read replica */
            uint32_t len = p->read.slice.bytes;
            put_len(b, flex, (int32_t)len);
            if (len > 0) {
                lode_resp_add_file(r, p->read.slice.fd, p->read.slice.position, len,
                                   release_segment, p->read.seg);
                p->read.seg = NULL; /* the response releases it once sent */
                p->read.slice.bytes = 0;
                b = lode_resp_add_buf(r);
            }
            if (flex)
                lode_buf_put_uvarint(b, 0); /* partition tagged fields */
        }
        if (flex)
            lode_buf_put_uvarint(b, 0); /* topic tagged fields */
        i = end;
    }
    if (flex)
        lode_buf_put_uvarint(b, 0); /* top-level tagged fields */
    return session_at;
}

/* Builds and sends the response from fresh reads; ends the session step. */
static void respond(fetch_op_t *op)
{
    lode_rctx_t *ctx = op->ctx;
    bool errors;
    read_all(op, &errors);
    for (size_t i = 0; i < op->n; i++) {
        lode_fetch_part_t *p = &op->parts[i];
        p->include = lode_fs_include(&op->fs, p->sp, p->read.slice.bytes > 0, p->error, p->hw,
                                     p->lso, p->log_start);
    }
    lode_resp_t *r = lode_rctx_resp_begin(ctx);
    size_t at =
        lode_fetch_write_response(r, ctx->hdr.api_version, 0, 0, op->committed, op->parts, op->n);
    release_reads(op); /* those not handed to the response */
    /* the session id is known once the step ends (after the last use of the
     * session's partitions) */
    int32_t session = lode_fs_end(&op->fs);
    if (ctx->hdr.api_version >= 7) {
        uint8_t *p = lode_resp_head(r)->data + at;
        p[0] = (uint8_t)((uint32_t)session >> 24);
        p[1] = (uint8_t)((uint32_t)session >> 16);
        p[2] = (uint8_t)((uint32_t)session >> 8);
        p[3] = (uint8_t)session;
    }
    op->n = 0;
    op->ctx = NULL;
    lode_rctx_send(ctx, r);
}

/* ---- delayed fetch ------------------------------------------------------------ */

static bool op_try_complete(lode_dop_t *d)
{
    fetch_op_t *op = (fetch_op_t *)d;
    bool errors;
    int64_t bytes = read_all(op, &errors);
    release_reads(op);
    if (bytes >= op->min_bytes || errors)
        return lode_dop_force_complete(d);
    return false;
}

static void op_complete(lode_dop_t *d)
{
    respond((fetch_op_t *)d);
}

static void op_free(lode_dop_t *d)
{
    fetch_op_t *op = (fetch_op_t *)d;
    free(op->parts);
    for (size_t i = 0; op->keys && op->keys[i]; i++)
        free(op->keys[i]);
    free(op->keys);
    free(op);
}

static const lode_dop_ops_t FETCH_OPS = {op_try_complete, NULL, op_complete, op_free};

/* A fetch refused as a whole (session errors): no partitions. */
static void respond_error(lode_rctx_t *ctx, int16_t error)
{
    lode_resp_t *r = lode_rctx_resp_begin(ctx);
    lode_fetch_write_response(r, ctx->hdr.api_version, error, 0, false, NULL, 0);
    lode_rctx_send(ctx, r);
}

/* The request's partition as session state (the topic resolved from its id
 * for v13+; "" when the id is unknown). */
static void to_session_part(lode_rctx_t *ctx, const lode_image_t *img,
                            const FetchRequest_FetchTopic *t, const FetchRequest_FetchPartition *p,
                            lode_fs_part_t *out)
{
    memset(out, 0, sizeof *out);
    if (ctx->hdr.api_version >= 13) {
        memcpy(out->topic_id, t->TopicId.b, 16);
        const lode_topic_info_t *ti = lode_image_topic_by_id(img, t->TopicId.b);
        out->topic = ti ? ti->name : (char *)"";
    } else {
        out->topic = lode_rctx_cstr(ctx, &t->Topic);
    }
    out->partition = p->Partition;
    out->fetch_offset = p->FetchOffset;
    out->log_start_offset = p->LogStartOffset;
    out->max_bytes = p->PartitionMaxBytes;
    out->current_leader_epoch = ctx->hdr.api_version >= 9 ? p->CurrentLeaderEpoch : -1;
    out->last_fetched_epoch = p->LastFetchedEpoch;
}

void lode_handle_fetch(lode_rctx_t *ctx)
{
    const FetchRequest *req = ctx->msg;
    int16_t v = ctx->hdr.api_version;
    lode_broker_t *b = ctx->b;
    int32_t replica = v >= 15 ? req->ReplicaState.ReplicaId : req->ReplicaId;

    fetch_op_t *op = lode_xcalloc(1, sizeof *op);
    lode_dop_init(&op->dop, &FETCH_OPS);
    op->ctx = ctx;
    op->min_bytes = req->MinBytes;
    op->max_bytes = req->MaxBytes > 0 ? req->MaxBytes : INT32_MAX;
    op->committed = req->IsolationLevel == 1;
    op->replica = replica >= 0;

    int32_t sid = v >= 7 ? req->SessionId : 0;
    int32_t epoch = v >= 7 ? req->SessionEpoch : -1;
    int16_t err = lode_fs_begin(b->fetch_sessions, sid, epoch, op->replica, ctx->now_ms, &op->fs);
    if (err) {
        lode_dop_release(&op->dop);
        respond_error(ctx, err);
        return;
    }
    lode_image_t *img = lode_image_acquire(b->images);
    for (int32_t i = 0; i < req->Topics_count; i++) {
        const FetchRequest_FetchTopic *t = &req->Topics[i];
        for (int32_t k = 0; k < t->Partitions_count; k++) {
            lode_fs_part_t sp;
            to_session_part(ctx, img, t, &t->Partitions[k], &sp);
            lode_fs_put(&op->fs, &sp);
        }
    }
    for (int32_t i = 0; v >= 7 && i < req->ForgottenTopicsData_count; i++) {
        const FetchRequest_ForgottenTopic *f = &req->ForgottenTopicsData[i];
        const char *topic = v >= 13 ? "" : lode_rctx_cstr(ctx, &f->Topic);
        uint8_t zero[16] = {0};
        for (int32_t k = 0; k < f->Partitions_count; k++)
            lode_fs_forget(&op->fs, v >= 13 ? f->TopicId.b : zero, topic, f->Partitions[k]);
    }
    lode_image_release(img);

    size_t n;
    lode_fs_part_t *sps = lode_fs_parts(&op->fs, &n);
    op->parts = lode_xcalloc(n + 1, sizeof *op->parts);
    op->n = n;
    for (size_t i = 0; i < n; i++)
        op->parts[i].sp = &sps[i];

    bool errors;
    int64_t bytes = read_all(op, &errors);
    release_reads(op);
    if (bytes >= op->min_bytes || errors || req->MaxWaitMs <= 0 || n == 0) {
        respond(op);
        lode_dop_release(&op->dop);
        return;
    }
    /* Wait for data: watched under every partition's key. */
    op->keys = lode_xcalloc(n + 1, sizeof *op->keys);
    for (size_t i = 0; i < n; i++) {
        char key[300];
        snprintf(key, sizeof key, "%s-%d", sps[i].topic, sps[i].partition);
        op->keys[i] = lode_xstrdup(key);
    }
    int64_t deadline = lode_timer_now_ms(b->timer) + req->MaxWaitMs;
    lode_purgatory_try_complete_else_watch(b->fetch_waits, &op->dop, deadline,
                                           (const char *const *)op->keys, n);
    lode_dop_release(&op->dop);
}
