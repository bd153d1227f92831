/*
 * list_offsets_raw.c — ListOffsets v7+ by hand (see list_offsets_raw.h).
 *
 * Kafka's admin client picks the lowest version that knows the timestamp:
 * v7 for -3, v8 for -4, v9 for -5. The request is framed as every Kafka
 * request (int32 size, header, body) and read back the same way.
 */
#include "list_offsets_raw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "proto/gen/ListOffsetsRequest.h"
#include "proto/gen/ListOffsetsResponse.h"
#include "raw_request.h"

static int build(const struct rd_kafka_metadata *md, rd_kafka_topic_partition_list_t *l,
                 int32_t leader, int64_t ts, lode_arena_t *a, ListOffsetsRequest *req)
{
    ListOffsetsRequest_init(req);
    req->ReplicaId = -1;
    req->IsolationLevel = 0; /* read uncommitted, as Kafka's admin client asks */
    req->Topics = lode_arena_calloc(a, (size_t)l->cnt, sizeof *req->Topics);
    req->Topics_count = 0;
    int n = 0;
    for (int i = 0; i < l->cnt; i++) {
        rd_kafka_topic_partition_t *e = &l->elems[i];
        int32_t lead = -1;
        for (int t = 0; t < md->topic_cnt; t++)
            if (!strcmp(md->topics[t].topic, e->topic))
                for (int p = 0; p < md->topics[t].partition_cnt; p++)
                    if (md->topics[t].partitions[p].id == e->partition)
                        lead = md->topics[t].partitions[p].leader;
        if (lead != leader)
            continue;
        ListOffsetsRequest_ListOffsetsTopic *tp = NULL;
        for (int t = 0; t < req->Topics_count; t++)
            if (lode_str_eq_lit(&req->Topics[t].Name, e->topic))
                tp = &req->Topics[t];
        if (!tp) {
            tp = &req->Topics[req->Topics_count++];
            ListOffsetsRequest_ListOffsetsTopic_init(tp);
            tp->Name = lode_str_c(e->topic);
            tp->Partitions = lode_arena_calloc(a, (size_t)l->cnt, sizeof *tp->Partitions);
            tp->Partitions_count = 0;
        }
        ListOffsetsRequest_ListOffsetsPartition *pp = &tp->Partitions[tp->Partitions_count++];
        ListOffsetsRequest_ListOffsetsPartition_init(pp);
        pp->PartitionIndex = e->partition;
        pp->CurrentLeaderEpoch = -1;
        pp->Timestamp = ts;
        n++;
    }
    return n;
}

/* Sends req to the broker and decodes its answer into l. */
static int exchange(const struct rd_kafka_metadata_broker *b, const ListOffsetsRequest *req,
                    int16_t v, rd_kafka_topic_partition_list_t *l, int timeout_ms)
{
    lode_buf_t body = LODE_BUF_INIT;
    if (ListOffsetsRequest_encode(req, v, &body)) {
        lode_buf_free(&body);
        fprintf(stderr, "Error occurred: cannot encode ListOffsets v%d\n", v);
        return 1;
    }
    char addr[300];
    snprintf(addr, sizeof addr, "%s:%d", b->host, b->port);
    uint8_t *frame = NULL;
    lode_reader_t r;
    int rc = 1;
    if (cli_raw_request(addr, timeout_ms, LISTOFFSETSREQUEST_API_KEY, v, &body, &frame, &r)) {
        fprintf(stderr, "Error occurred: no answer from broker %d at %s\n", (int)b->id, addr);
        goto done;
    }
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    ListOffsetsResponse res;
    if (ListOffsetsResponse_decode(&res, v, &r, &a)) {
        fprintf(stderr, "Error occurred: malformed ListOffsets answer from broker %d\n",
                (int)b->id);
        lode_arena_free(&a);
        goto done;
    }
    for (int t = 0; t < res.Topics_count; t++)
        for (int p = 0; p < res.Topics[t].Partitions_count; p++) {
            const ListOffsetsResponse_ListOffsetsPartitionResponse *pr =
                &res.Topics[t].Partitions[p];
            for (int i = 0; i < l->cnt; i++)
                if (lode_str_eq_lit(&res.Topics[t].Name, l->elems[i].topic) &&
                    l->elems[i].partition == pr->PartitionIndex) {
                    l->elems[i].err = (rd_kafka_resp_err_t)pr->ErrorCode;
                    l->elems[i].offset = pr->Offset;
                }
        }
    lode_arena_free(&a);
    rc = 0;
done:
    free(frame);
    lode_buf_free(&body);
    return rc;
}

int list_offsets_raw(const struct rd_kafka_metadata *md, rd_kafka_topic_partition_list_t *l,
                     int64_t ts, int timeout_ms)
{
    int16_t v = ts == -3 ? 7 : ts == -4 ? 8 : 9;
    for (int i = 0; i < l->cnt; i++) /* a partition no leader answers for stays an error */
        l->elems[i].err = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
    for (int bi = 0; bi < md->broker_cnt; bi++) {
        lode_arena_t a;
        lode_arena_init(&a, 4096);
        ListOffsetsRequest req;
        int rc = 0;
        if (build(md, l, md->brokers[bi].id, ts, &a, &req) > 0)
            rc = exchange(&md->brokers[bi], &req, v, l, timeout_ms);
        lode_arena_free(&a);
        if (rc)
            return 1;
    }
    return 0;
}
