/*
 * consumer_groups.h — what the parts of `lode consumer-groups` (Kafka's
 * kafka-consumer-groups, ConsumerGroupCommand) share: the parsed command
 * line, one client, and the broker look-ups every action needs (group
 * listings and descriptions, committed offsets, log offsets, topic
 * partitions), each bounded by the configured timeout.
 */
#ifndef LODE_CLI_CONSUMER_GROUPS_H
#define LODE_CLI_CONSUMER_GROUPS_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "opts.h"

/* Kafka prints this for every value it does not have. */
#define CG_MISSING "-"

typedef struct cg {
    cli_opts_t o;
    cli_conf_t conf;
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    const struct rd_kafka_metadata *md; /* fetched on first need */
} cg_t;

/* A string list (group ids, topic args) owned by the caller. */
typedef struct cg_strs {
    char **v;
    size_t n;
} cg_strs_t;

void cg_strs_add(cg_strs_t *s, const char *v);
void cg_strs_free(cg_strs_t *s);
/* Sorts and drops repeats (Kafka keeps groups in a TreeMap). */
void cg_strs_sort_unique(cg_strs_t *s);

/* Kafka's printError: an empty line, then "Error: <msg>", on stdout. */
void cg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "Executing consumer group command failed due to <why>": the catch-all; returns 1. */
int cg_failed(const char *why);

/* Every group id (ListConsumerGroups), with its state when the broker gave one. 0 or 1. */
int cg_list(cg_t *g, cg_strs_t *ids, rd_kafka_consumer_group_state_t **states);
/* The group ids a command names: --all-groups lists them, else the --group values. 0 or 1. */
int cg_selected_groups(cg_t *g, cg_strs_t *ids);

/*
 * DescribeConsumerGroups for ids. Returns the result event (the caller
 * destroys it) and fills *descs and *n, or NULL after printing why.
 */
rd_kafka_event_t *cg_describe(cg_t *g, char *const *ids, size_t nids,
                              const rd_kafka_ConsumerGroupDescription_t ***descs, size_t *n);
/* The description's state; a group the broker does not know is Dead, as Kafka reports it. */
rd_kafka_consumer_group_state_t cg_state(const rd_kafka_ConsumerGroupDescription_t *d);
/* Its state in Kafka's spelling (Stable, Empty, Dead, PreparingRebalance, ...). */
const char *cg_state_name(rd_kafka_consumer_group_state_t s);

/* The group's committed offsets (all partitions), or NULL after printing why. */
rd_kafka_topic_partition_list_t *cg_committed(cg_t *g, const char *group);
/* The committed offset of topic/partition in list, or -1 when none. */
int64_t cg_offset_of(const rd_kafka_topic_partition_list_t *l, const char *topic, int32_t p);

/* Log start and end offsets of one partition; false when the broker could not say. */
bool cg_log_offsets(cg_t *g, const char *topic, int32_t p, int64_t *start, int64_t *end);

/*
 * Adds the partitions a --topic argument names to out: "t" (every partition,
 * from the metadata) or "t:0,2". A topic the cluster does not have adds
 * nothing and returns 0 with *unknown set. Returns 1 after printing a usage
 * error for a malformed argument, or a failure to reach the cluster.
 */
int cg_topic_arg(cg_t *g, const char *arg, rd_kafka_topic_partition_list_t *out, bool *unknown);

/* Kafka's exception text for a broker error: "org.apache.kafka.common.errors.X: msg". */
const char *cg_exception(rd_kafka_resp_err_t err, char *buf, size_t cap);

/* Kafka's --to-datetime: "yyyy-MM-ddTHH:mm:ss.SSS" with Z, ±hh:mm, ±hhmm or ±hh. Epoch ms. */
bool cg_parse_datetime(const char *s, int64_t *ms);
/* java.time.Duration.parse: [±]PnDTnHnMn.nS. Milliseconds. */
bool cg_parse_duration(const char *s, int64_t *ms);

/* The actions besides --list and --delete; each returns the exit code. */
int cg_describe_groups(cg_t *g);
int cg_reset_offsets(cg_t *g);
int cg_delete_offsets(cg_t *g);

#endif
