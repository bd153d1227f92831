/*
 * topics_int.h — what kafka-topics' files share (topics_tool.c: the command
 * line, create, list, alter, delete; topics_describe.c: --describe).
 */
#ifndef LODE_CLI_TOPICS_INT_H
#define LODE_CLI_TOPICS_INT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "opts.h"

/* The actions, one bit each. */
enum { A_CREATE = 1, A_LIST = 2, A_DESCRIBE = 4, A_ALTER = 8, A_DELETE = 16 };
/* The --describe report filters (each prints matching partition lines only). */
#define TOPICS_NREPORTS 4
extern const char *const topics_reports[TOPICS_NREPORTS];

typedef struct assignment {
    int32_t **replicas; /* per partition */
    size_t *count;
    size_t n;
} assignment_t;

typedef struct run {
    cli_opts_t o;
    cli_conf_t c;
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    int action;
    assignment_t ra;
    int32_t partitions; /* -1: not given */
    int32_t rf;         /* -1: not given */
    regex_t re;
    bool have_re;
} run_t;

/* An operation failed: Kafka prints the cause on stdout ("Error while executing topic
 * command : …"); returns 1. */
int topics_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Sorted names of the topics --topic selects (all without it); *out borrows md's strings and
 * is freed by the caller. */
size_t topics_select(const run_t *r, const struct rd_kafka_metadata *md, const char ***out);
/* Kafka's ensureTopicExists: a --topic that matched nothing is an error without --if-exists. */
bool topics_ensure_exists(const run_t *r, size_t found);
const struct rd_kafka_metadata_topic *topics_find(const struct rd_kafka_metadata *md,
                                                  const char *name);
/* --describe: the topic and partition lines. Returns the exit code. */
int topics_describe(run_t *r, const struct rd_kafka_metadata *md);

#endif
