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
    return bench_producer_with(acks, linger_ms, NULL, dr_cb, opaque);
}

rd_kafka_t *bench_producer_with(const char *acks, const char *linger_ms, const char *const *extra,
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
    for (; extra && extra[0]; extra += 2)
        if (rd_kafka_conf_set(c, extra[0], extra[1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "bench: producer: %s\n", err);
            exit(1);
        }
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
    return bench_consumer_with(topic, NULL);
}

rd_kafka_t *bench_consumer_with(const char *topic, const char *const *extra)
{
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bench_bootstrap, err, sizeof err);
    rd_kafka_conf_set(c, "group.id", "bench", err, sizeof err); /* required by the API, unused */
    rd_kafka_conf_set(c, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_conf_set(c, "fetch.max.bytes", "52428800", err, sizeof err);
    rd_kafka_conf_set(c, "max.partition.fetch.bytes", "10485760", err, sizeof err);
    rd_kafka_conf_set(c, "queued.max.messages.kbytes", "1048576", err, sizeof err);
    for (; extra && extra[0]; extra += 2)
        if (rd_kafka_conf_set(c, extra[0], extra[1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "bench: consumer: %s\n", err);
            exit(1);
        }
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

/* One admin request on a short-lived client; exits the process on failure. */
static void admin_topic(const char *name, int partitions)
{
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bench_bootstrap, err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "bench: admin client: %s\n", err);
        exit(1);
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY);
    rd_kafka_AdminOptions_set_request_timeout(o, 120000, err, sizeof err);
    rd_kafka_AdminOptions_set_operation_timeout(o, 120000, err, sizeof err);
    const char *what;
    const rd_kafka_topic_result_t **res;
    size_t n = 0;
    rd_kafka_event_t *ev;
    if (partitions > 0) {
        what = "create";
        rd_kafka_NewTopic_t *t = rd_kafka_NewTopic_new(name, partitions, 1, err, sizeof err);
        rd_kafka_CreateTopics(rk, &t, 1, o, q);
        ev = rd_kafka_queue_poll(q, 150000);
        rd_kafka_NewTopic_destroy(t);
        res = ev ? rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n)
                 : NULL;
    } else {
        what = "delete";
        rd_kafka_DeleteTopic_t *t = rd_kafka_DeleteTopic_new(name);
        rd_kafka_DeleteTopics(rk, &t, 1, o, q);
        ev = rd_kafka_queue_poll(q, 150000);
        rd_kafka_DeleteTopic_destroy(t);
        res = ev ? rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n)
                 : NULL;
    }
    const char *e = !ev                        ? "timed out"
                    : rd_kafka_event_error(ev) ? rd_kafka_event_error_string(ev)
                    : n != 1                   ? "no result"
                    : rd_kafka_topic_result_error(res[0])
                        ? rd_kafka_topic_result_error_string(res[0])
                        : NULL;
    if (e) {
        fprintf(stderr, "bench: %s topic %s: %s\n", what, name, e);
        exit(1);
    }
    rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
}

void bench_create_topic(const char *name, int partitions)
{
    admin_topic(name, partitions);
}

void bench_delete_topic(const char *name)
{
    admin_topic(name, 0);
}
