/*
 * produce.c — Produce: validate each partition's batch as Kafka's
 * LogValidator does, convert its compression when the topic demands a
 * codec, append it (offsets assigned by the log, idempotent producers
 * checked there), advance the high watermark and wake waiting fetches.
 *
 * acks=0 answers nothing (a partition error closes the connection, as Kafka
 * does, so the client refreshes its metadata); acks=1 answers once the
 * batches are written; acks=-1 (all) answers once they are fsynced by the
 * group-commit flusher — lode's acks=all is durable on this node's disk,
 * not only in its page cache.
 *
 * Versions 0-2 are advertised (librdkafka's compression gate, DESIGN.md §6)
 * but refused when used: they cannot carry record batches v2.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker_int.h"
#include "core/err.h"
#include "core/log.h"
#include "proto/compress.h"
#include "proto/gen/ProduceRequest.h"
#include "proto/gen/ProduceResponse.h"
#include "proto/kerr.h"
#include "proto/record_batch.h"

#define COMPONENT "produce"

typedef ProduceResponse_PartitionProduceResponse presp_t;

/* An acks=all request waiting for its partitions to be durable. */
typedef struct produce_wait {
    lode_rctx_t *ctx;
    ProduceResponse *resp;
    int pending; /* atomic: partitions waiting + 1 while issuing */
} produce_wait_t;

typedef struct durable_arg {
    produce_wait_t *w;
    presp_t *part;
    lode_log_t *log; /* held until durable: the flusher needs it alive */
} durable_arg_t;

static void wait_done_one(produce_wait_t *w)
{
    if (__atomic_sub_fetch(&w->pending, 1, __ATOMIC_ACQ_REL) == 0)
        lode_rctx_reply(w->ctx, w->resp);
}

static void on_durable(void *arg, int status)
{
    durable_arg_t *d = arg;
    if (status) {
        d->part->ErrorCode = LODE_KERR_KAFKA_STORAGE_ERROR;
        d->part->BaseOffset = -1;
    }
    lode_log_release(d->log);
    wait_done_one(d->w);
}

/* Kafka's error for a batch that failed validation or append. */
static int16_t batch_error(int rc)
{
    switch (rc) {
    case LODE_EUNSUPPORTED:
        return LODE_KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT;
    case LODE_EINVAL:
        return LODE_KERR_INVALID_RECORD;
    case LODE_ERANGE:
        return LODE_KERR_INVALID_TIMESTAMP;
    case LODE_ETOOBIG:
        return LODE_KERR_MESSAGE_TOO_LARGE;
    case LODE_ESEQUENCE:
        return LODE_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
    case LODE_EFENCED:
        return LODE_KERR_INVALID_PRODUCER_EPOCH;
    case LODE_EIO:
        return LODE_KERR_KAFKA_STORAGE_ERROR;
    default:
        return LODE_KERR_CORRUPT_MESSAGE;
    }
}

/* The batch re-encoded with `codec` (Kafka's compression.type other than
 * "producer"): same records, offsets deltas, timestamps and producer
 * fields. Returns 0 with the new batch in out. */
static int recompress(const lode_batch_hdr_t *h, const lode_batch_info_t *info, int codec,
                      lode_buf_t *out)
{
    lode_batch_builder_t bb;
    lode_batch_builder_init(&bb, codec, LODE_COMPRESSION_LEVEL_DEFAULT);
    if (lode_batch_has_producer_id(h))
        lode_batch_builder_set_producer(&bb, h->producer_id, h->producer_epoch, h->base_sequence);
    lode_record_iter_t it;
    lode_record_iter_init(&it, h, info->records, info->uncompressed_bytes);
    lode_record_t rec;
    int rc = 0;
    lode_header_t hdrs[64];
    while (rc == 0 && lode_record_iter_next(&it, &rec)) {
        lode_header_t *hp = hdrs, *heap = NULL;
        if (rec.header_count > 64) {
            heap = malloc((size_t)rec.header_count * sizeof *heap);
            if (!heap) {
                rc = LODE_ENOMEM;
                break;
            }
            hp = heap;
        }
        lode_header_iter_t hi;
        lode_header_iter_init(&hi, &rec);
        int32_t n = 0;
        while (n < rec.header_count && lode_header_iter_next(&hi, &hp[n]))
            n++;
        rc = lode_batch_builder_add_at(&bb, rec.offset_delta, rec.timestamp, rec.key, rec.key_len,
                                       rec.value, rec.value_len, hp, n);
        free(heap);
    }
    if (rc == 0 && it.err)
        rc = it.err;
    if (rc == 0)
        rc = lode_batch_builder_finish(&bb, out);
    lode_batch_builder_free(&bb);
    return rc;
}

typedef struct part_ctx {
    lode_rctx_t *ctx;
    const lode_image_t *img;
    const char *topic;
    int32_t partition;
    presp_t *out;
    lode_buf_t *scratch;
    lode_buf_t *converted;
    int64_t next_offset; /* after the appended (or duplicate) batch */
} part_ctx_t;

static void fail(part_ctx_t *p, int16_t code, const char *why)
{
    p->out->ErrorCode = code;
    p->out->BaseOffset = -1;
    if (why && *why)
        p->out->ErrorMessage = lode_rctx_str(p->ctx, why);
}

/* Validates and appends one partition's records; on success fills the
 * response and returns the log (reference held) for acks=all. */
static lode_log_t *produce_partition(part_ctx_t *p, const lode_bytes_t *records, int16_t acks)
{
    lode_broker_t *b = p->ctx->b;
    const lode_topic_info_t *t = lode_image_topic(p->img, p->topic);
    if (!t || p->partition < 0 || p->partition >= t->npartitions) {
        fail(p, LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION, NULL);
        return NULL;
    }
    const lode_partition_info_t *pi = &t->partitions[p->partition];
    if (pi->leader != b->node_id) {
        fail(p, LODE_KERR_NOT_LEADER_OR_FOLLOWER, NULL);
        return NULL;
    }
    lode_log_t *log = lode_broker_log(b, p->topic, p->partition);
    if (!log) {
        fail(p, LODE_KERR_NOT_LEADER_OR_FOLLOWER, NULL);
        return NULL;
    }

    /* Exactly one batch (Kafka's rule for v3+). */
    const uint8_t *data = records->ptr;
    size_t len = records->len > 0 ? (size_t)records->len : 0;
    lode_batch_iter_t it;
    lode_batch_iter_init(&it, data, len);
    lode_batch_hdr_t h;
    int nb = 0;
    while (lode_batch_iter_next(&it, &h))
        nb++;
    if (it.err || it.partial_bytes) {
        fail(p, batch_error(it.err ? it.err : LODE_ECORRUPT),
             it.why ? it.why : "the records end with an incomplete batch");
        goto out;
    }
    if (nb != 1) {
        fail(p, LODE_KERR_INVALID_RECORD,
             nb == 0 ? "Produce requests with version 3 or later must contain one record batch"
                     : "Produce requests with version 3 or later must contain exactly one record "
                       "batch per partition");
        goto out;
    }
    lode_batch_parse_header(data, len, &h);
    if (lode_batch_is_transactional(&h)) {
        fail(p, LODE_KERR_INVALID_TXN_STATE,
             "transactional batch without an ongoing transaction (lode does not serve "
             "transactions yet)");
        goto out;
    }

    char buf[64];
    if (acks == -1) {
        int32_t min_isr = atoi(lode_broker_topic_config(b, p->img, p->topic,
                                                        "min.insync.replicas", buf, sizeof buf));
        if (pi->nisr < min_isr) {
            snprintf(buf, sizeof buf, "The in-sync replicas (%d) are fewer than %d", pi->nisr,
                     min_isr);
            fail(p, LODE_KERR_NOT_ENOUGH_REPLICAS, buf);
            goto out;
        }
    }
    lode_log_config_t lc;
    lode_log_get_config(log, &lc);
    int64_t before =
        strtoll(lode_broker_topic_config(b, p->img, p->topic, "message.timestamp.before.max.ms",
                                         buf, sizeof buf),
                NULL, 10);
    int64_t after =
        strtoll(lode_broker_topic_config(b, p->img, p->topic, "message.timestamp.after.max.ms", buf,
                                         sizeof buf),
                NULL, 10);
    int64_t now = p->ctx->now_ms;
    lode_batch_validate_opts_t opts = {
        .flags = LODE_BATCH_V_CLIENT | LODE_BATCH_V_TIMESTAMPS |
                 (lc.cleanup_compact ? LODE_BATCH_V_REQUIRE_KEYS : 0),
        .max_batch_bytes = (size_t)lc.max_message_bytes,
        .min_timestamp = before >= now ? INT64_MIN : now - before,
        .max_timestamp = after >= INT64_MAX - now ? INT64_MAX : now + after,
        .scratch = p->scratch,
    };
    lode_batch_info_t info;
    char why[256] = "";
    int rc = lode_batch_validate(&h, &opts, &info, why, sizeof why);
    if (rc) {
        fail(p, batch_error(rc), why);
        goto out;
    }

    /* compression.type: convert unless "producer" or already right. */
    uint8_t *batch = (uint8_t *)data;
    size_t blen = h.size;
    const char *ctype =
        lode_broker_topic_config(b, p->img, p->topic, "compression.type", buf, sizeof buf);
    lode_compression_t want;
    if (strcmp(ctype, "producer") != 0) {
        if (!strcmp(ctype, "uncompressed"))
            want = LODE_COMPRESSION_NONE;
        else if (lode_compression_from_name(ctype, &want) != 0)
            want = (lode_compression_t)lode_batch_compression(&h);
        if ((int)want != lode_batch_compression(&h)) {
            lode_buf_reset(p->converted);
            rc = recompress(&h, &info, want, p->converted);
            if (rc) {
                fail(p, batch_error(rc),
                     "cannot convert the batch to the topic's compression.type");
                goto out;
            }
            batch = p->converted->data;
            blen = p->converted->len;
        }
    }
    /* A CreateTime batch stores its records' true max timestamp. */
    if (lc.timestamp_type != LODE_TIMESTAMP_LOG_APPEND_TIME &&
        lode_batch_timestamp_type(&h) == LODE_TIMESTAMP_CREATE_TIME)
        lode_batch_set_max_timestamp(batch, blen, LODE_TIMESTAMP_CREATE_TIME, info.max_timestamp);

    lode_log_append_info_t ai;
    rc = lode_log_append(log, batch, blen, pi->leader_epoch, now, &ai);
    if (rc == LODE_EDUPLICATE) {
        rc = 0; /* a retry: answered with the original offsets */
    } else if (rc) {
        if (rc == LODE_ESEQUENCE)
            snprintf(why, sizeof why,
                     "Out of order sequence number for producer %" PRId64 " at offset %" PRId64
                     " in partition %s-%d: %d",
                     h.producer_id, lode_log_end_offset(log), p->topic, p->partition,
                     h.base_sequence);
        else if (rc == LODE_EFENCED)
            snprintf(why, sizeof why, "Producer's epoch %d is older than the current one",
                     h.producer_epoch);
        else
            snprintf(why, sizeof why, "%s", lode_strerror(rc));
        fail(p, batch_error(rc), why);
        goto out;
    } else {
        lode_log_set_high_watermark(log, lode_log_end_offset(log));
        char key[300];
        snprintf(key, sizeof key, "%s-%d", p->topic, p->partition);
        lode_purgatory_check(b->fetch_waits, key);
    }
    p->out->ErrorCode = 0;
    p->next_offset = ai.last_offset + 1;
    p->out->BaseOffset = ai.first_offset;
    p->out->LogAppendTimeMs = ai.log_append_time_ms;
    p->out->LogStartOffset = lode_log_start_offset(log);
    return log;
out:
    lode_log_release(log);
    return NULL;
}

void lode_handle_produce(lode_rctx_t *ctx)
{
    const ProduceRequest *req = ctx->msg;
    int16_t v = ctx->hdr.api_version;
    ProduceResponse *resp = lode_arena_calloc(&ctx->arena, 1, sizeof *resp);
    ProduceResponse_init(resp);
    int32_t nt = req->TopicData_count > 0 ? req->TopicData_count : 0;
    resp->Responses = lode_arena_calloc(&ctx->arena, (size_t)nt + 1, sizeof *resp->Responses);
    resp->Responses_count = nt;

    produce_wait_t *w = lode_arena_calloc(&ctx->arena, 1, sizeof *w);
    w->ctx = ctx;
    w->resp = resp;
    w->pending = 1;
    bool acks_ok = req->Acks == 0 || req->Acks == 1 || req->Acks == -1;
    bool any_error = false;

    lode_image_t *img = lode_image_acquire(ctx->b->images);
    lode_buf_t scratch, converted;
    lode_buf_init(&scratch);
    lode_buf_init(&converted);
    for (int32_t i = 0; i < nt; i++) {
        const ProduceRequest_TopicProduceData *td = &req->TopicData[i];
        ProduceResponse_TopicProduceResponse *tr = &resp->Responses[i];
        ProduceResponse_TopicProduceResponse_init(tr);
        tr->Name = td->Name;
        int32_t np = td->PartitionData_count > 0 ? td->PartitionData_count : 0;
        tr->PartitionResponses = lode_arena_calloc(&ctx->arena, (size_t)np + 1, sizeof(presp_t));
        tr->PartitionResponses_count = np;
        const char *topic = lode_rctx_cstr(ctx, &td->Name);
        for (int32_t j = 0; j < np; j++) {
            const ProduceRequest_PartitionProduceData *pd = &td->PartitionData[j];
            presp_t *pr = &tr->PartitionResponses[j];
            ProduceResponse_PartitionProduceResponse_init(pr);
            pr->Index = pd->Index;
            part_ctx_t p = {ctx, img, topic, pd->Index, pr, &scratch, &converted, 0};
            if (v < 3) {
                fail(&p, LODE_KERR_UNSUPPORTED_VERSION,
                     "Produce versions 0-2 carry message formats lode does not store");
                any_error = true;
                continue;
            }
            if (!acks_ok) {
                fail(&p, LODE_KERR_INVALID_REQUIRED_ACKS, NULL);
                any_error = true;
                continue;
            }
            lode_log_t *log = produce_partition(&p, &pd->Records, req->Acks);
            if (!log) {
                any_error = true;
                continue;
            }
            if (req->Acks == -1) {
                durable_arg_t *d = lode_arena_calloc(&ctx->arena, 1, sizeof *d);
                d->w = w;
                d->part = pr;
                d->log = log;
                __atomic_add_fetch(&w->pending, 1, __ATOMIC_ACQ_REL);
                if (lode_flusher_wait(ctx->b->flusher, log, p.next_offset, on_durable, d) == 0)
                    continue; /* on_durable releases the log */
                pr->ErrorCode = LODE_KERR_KAFKA_STORAGE_ERROR;
                pr->BaseOffset = -1;
                __atomic_sub_fetch(&w->pending, 1, __ATOMIC_ACQ_REL);
            }
            lode_log_release(log);
        }
    }
    lode_buf_free(&scratch);
    lode_buf_free(&converted);
    lode_image_release(img);

    if (req->Acks == 0) {
        if (any_error)
            lode_rctx_close(ctx,
                            "a Produce with acks=0 failed (the client learns by reconnecting)");
        else
            lode_rctx_noreply(ctx);
        return;
    }
    wait_done_one(w);
}
