/*
 * topics.h — what kafka-topics' actions share (topics_tool.c parses the
 * command line and runs create/alter/delete/list; topics_describe.c
 * describes).
 */
#ifndef LODE_CLI_TOPICS_H
#define LODE_CLI_TOPICS_H

#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "opts.h"

/* Kafka's prefix for an action's failure, printed on stdout before the reason. */
#define TOPICS_ERROR "Error while executing topic command : "

typedef struct topics_ctx {
    const cli_opts_t *o;
    cli_conf_t conf;
    rd_kafka_t *rk;
    const struct rd_kafka_metadata *md;
} topics_ctx_t;

/* Kafka's internal topics (Topic.isInternal). */
bool topics_is_internal(const char *name);

/*
 * The metadata topics the --topic pattern selects (every topic without one),
 * less internal ones when exclude_internal, sorted by name. *out is malloc'ed
 * (pointers into ctx->md). Returns the count, or -1 after printing an error
 * for a pattern that is not a valid regular expression.
 */
ssize_t topics_select(const topics_ctx_t *ctx, bool exclude_internal,
                      const struct rd_kafka_metadata_topic ***out);

/* `--describe`. Returns the exit code. */
int topics_describe(topics_ctx_t *ctx);

#endif
