/*
 * list_offsets_raw.c — ListOffsets v7+ by hand (see list_offsets_raw.h).
 *
 * Kafka's admin client picks the lowest version that knows the timestamp:
 * v7 for -3, v8 for -4, v9 for -5. The request is framed as every Kafka
 * request (int32 size, header, body) and read back the same way.
 */
#include "list_offsets_raw.h"

#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/mem.h"
#include "proto/gen/ListOffsetsRequest.h"
#include "proto/gen/ListOffsetsResponse.h"
#include "proto/header.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_to(const char *host, int port, int64_t deadline)
{
    char sport[16];
    snprintf(sport, sizeof sport, "%d", port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, sport, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        struct timeval tv = {(time_t)((deadline - now_ms()) / 1000) + 1, 0};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

static int io_all(int fd, void *p, size_t n, bool out, int64_t deadline)
{
    uint8_t *b = p;
    while (n > 0) {
        int left = (int)(deadline - now_ms());
        struct pollfd pfd = {fd, out ? POLLOUT : POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            return -1;
        ssize_t k = out ? send(fd, b, n, MSG_NOSIGNAL) : recv(fd, b, n, 0);
        if (k <= 0)
            return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The request for the partitions of l led by `leader`; returns how many it holds. */
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
                    int16_t v, rd_kafka_topic_partition_list_t *l, int64_t deadline)
{
    lode_buf_t out = LODE_BUF_INIT;
    lode_buf_put_u32(&out, 0);
    lode_str_t cid = lode_str_lit("GetOffsetShell");
    if (lode_req_header_write(&out, LISTOFFSETSREQUEST_API_KEY, v, 1, &cid) ||
        ListOffsetsRequest_encode(req, v, &out)) {
        lode_buf_free(&out);
        fprintf(stderr, "Error occurred: cannot encode ListOffsets v%d\n", v);
        return 1;
    }
    lode_be32_store(out.data, (uint32_t)(out.len - 4));
    int fd = connect_to(b->host, b->port, deadline);
    uint8_t size[4];
    uint8_t *resp = NULL;
    int rc = 1;
    if (fd < 0 || io_all(fd, out.data, out.len, true, deadline) ||
        io_all(fd, size, 4, false, deadline)) {
        fprintf(stderr, "Error occurred: no answer from broker %d at %s:%d\n", (int)b->id, b->host,
                b->port);
        goto done;
    }
    uint32_t n = lode_be32_load(size);
    resp = lode_xmalloc(n ? n : 1);
    if (n > 64u << 20 || io_all(fd, resp, n, false, deadline)) {
        fprintf(stderr, "Error occurred: truncated answer from broker %d\n", (int)b->id);
        goto done;
    }
    lode_reader_t r;
    lode_reader_init(&r, resp, n);
    int32_t corr;
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    ListOffsetsResponse res;
    if (lode_resp_header_parse(&r, lode_response_header_version(LISTOFFSETSREQUEST_API_KEY, v),
                               &corr) ||
        ListOffsetsResponse_decode(&res, v, &r, &a)) {
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
    if (fd >= 0)
        close(fd);
    free(resp);
    lode_buf_free(&out);
    return rc;
}

int list_offsets_raw(const struct rd_kafka_metadata *md, rd_kafka_topic_partition_list_t *l,
                     int64_t ts, int timeout_ms)
{
    int16_t v = ts == -3 ? 7 : ts == -4 ? 8 : 9;
    int64_t deadline = now_ms() + timeout_ms;
    for (int i = 0; i < l->cnt; i++) /* a partition no leader answers for stays an error */
        l->elems[i].err = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
    for (int bi = 0; bi < md->broker_cnt; bi++) {
        lode_arena_t a;
        lode_arena_init(&a, 4096);
        ListOffsetsRequest req;
        int rc = 0;
        if (build(md, l, md->brokers[bi].id, ts, &a, &req) > 0)
            rc = exchange(&md->brokers[bi], &req, v, l, deadline);
        lode_arena_free(&a);
        if (rc)
            return 1;
    }
    return 0;
}
