/*
 * kafka.c — the benchmarks' librdkafka clients (see kafka.h).
 */
#include "kafka.h"

#include <stdio.h>
#include <stdlib.h>

#include "lodeproc.h"

rd_kafka_t *bench_producer(const char *acks, const char *linger_ms,
                           void (*dr_cb)(rd_kafka_t *, const rd_kafka_message_t *, void *),
                           void *opaque)
{
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bench_bootstrap, err, sizeof err);
    rd_kafka_conf_set(c, "acks", acks, err, sizeof err);
    rd_kafka_conf_set(c, "linger.ms", linger_ms, err, sizeof err);
    rd_kafka_conf_set(c, "batch.size", "1000000", err, sizeof err);
    rd_kafka_conf_set(c, "queue.buffering.max.kbytes", "1048576", err, sizeof err);
    rd_kafka_conf_set(c, "queue.buffering.max.messages", "2000000", err, sizeof err);
    rd_kafka_conf_set(c, "enable.idempotence", "false", err, sizeof err);
    rd_kafka_conf_set_dr_msg_cb(c, dr_cb);
    rd_kafka_conf_set_opaque(c, opaque);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "bench: producer: %s\n", err);
        exit(1);
    }
    return rk;
}

rd_kafka_t *bench_consumer(const char *topic)
{
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bench_bootstrap, err, sizeof err);
    rd_kafka_conf_set(c, "group.id", "bench", err, sizeof err); /* required by the API, unused */
    rd_kafka_conf_set(c, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_conf_set(c, "fetch.max.bytes", "52428800", err, sizeof err);
    rd_kafka_conf_set(c, "max.partition.fetch.bytes", "10485760", err, sizeof err);
    rd_kafka_conf_set(c, "queued.max.messages.kbytes", "1048576", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "bench: consumer: %s\n", err);
        exit(1);
    }
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(tp, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, tp);
    rd_kafka_topic_partition_list_destroy(tp);
    return rk;
}

int64_t bench_consume_bytes(rd_kafka_t *rk, int64_t expect_bytes, int64_t *first_ns, int *errors)
{
    int64_t got = 0, last = bench_now_ns();
    *first_ns = 0;
    while (got < expect_bytes && bench_now_ns() - last < 10 * 1000000000LL) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        if (!m->err) {
            got += (int64_t)m->len;
            last = bench_now_ns();
            if (!*first_ns)
                *first_ns = last;
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            (*errors)++;
        }
        rd_kafka_message_destroy(m);
    }
    return got;
}
