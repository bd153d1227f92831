/*
 * kafka.h — the librdkafka clients the benchmarks drive the server under test
 * (bench_server_start in lodeproc.h) with.
 */
#ifndef LODE_BENCH_KAFKA_H
#define LODE_BENCH_KAFKA_H

#include <librdkafka/rdkafka.h>

/* A producer to bench_bootstrap with the given acks and linger.ms, batches up
 * to 1 MB, a queue of up to 1 GiB / 2 M records, no idempotence; dr_cb is
 * called from rd_kafka_poll/flush with opaque as its last argument. Exits the
 * process if librdkafka refuses the configuration. */
rd_kafka_t *bench_producer(const char *acks, const char *linger_ms,
                           void (*dr_cb)(rd_kafka_t *, const rd_kafka_message_t *, void *),
                           void *opaque);

/* bench_producer with more settings: extra is NULL or a NULL-terminated list
 * of key, value, key, value… (e.g. "compression.type", "lz4", NULL). */
rd_kafka_t *bench_producer_with(const char *acks, const char *linger_ms, const char *const *extra,
                                void (*dr_cb)(rd_kafka_t *, const rd_kafka_message_t *, void *),
                                void *opaque);

/* Creates topic name with the given partitions (replication factor 1), or
 * deletes it, through the admin API; both exit the process on failure. */
void bench_create_topic(const char *name, int partitions);
void bench_delete_topic(const char *name);

/* A consumer assigned partition 0 of topic from its first offset (no group
 * membership, no offset commits), fetching up to 10 MB per partition and
 * 50 MB per request. Exits the process on failure. */
rd_kafka_t *bench_consumer(const char *topic);
/* bench_consumer with more settings (extra as for bench_producer_with). */
rd_kafka_t *bench_consumer_with(const char *topic, const char *const *extra);

/* Polls consumer rk until expect_bytes of record values have arrived, or none
 * for 10 s; returns the bytes received. *first_ns (bench_now_ns) is when the
 * first record arrived (0 if none); *errors counts error events other than
 * reaching the end of the partition. */
int64_t bench_consume_bytes(rd_kafka_t *rk, int64_t expect_bytes, int64_t *first_ns, int *errors);

#endif
