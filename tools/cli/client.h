/*
 * client.h — what every client-side tool shares: a librdkafka configuration
 * built from Kafka's flags (--bootstrap-server, --command-config FILE,
 * --producer-property k=v …), an admin client, and waiting for admin results
 * with a deadline so an unreachable server is reported instead of hanging.
 *
 * The tools are single-threaded: each creates one rd_kafka_t, issues its
 * requests, waits for the answers on a private queue and exits.
 */
#ifndef LODE_CLI_CLIENT_H
#define LODE_CLI_CLIENT_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>

/* Kafka's default.api.timeout.ms; a command config may set it. */
#define CLI_DEFAULT_TIMEOUT_MS 60000

typedef struct cli_conf {
    rd_kafka_conf_t *conf;
    int timeout_ms; /* default.api.timeout.ms from the configs, else CLI_DEFAULT_TIMEOUT_MS */
    const char *tool;
} cli_conf_t;

/*
 * Starts a configuration for `tool`: bootstrap.servers (NULL: taken from the
 * files or properties), then every file's properties (Java properties files,
 * as --command-config / --producer.config / --consumer.config take them),
 * then each "k=v" in props. Properties librdkafka does not know — the Java
 * client's serializers, for example — are reported once on stderr and
 * skipped; a value librdkafka rejects is an error. Returns 0, or 1 after
 * printing why on stderr.
 */
int cli_conf_init(cli_conf_t *c, const char *tool, const char *bootstrap, const char *const *files,
                  size_t nfiles, char *const *props, size_t nprops);
/* Sets one property (same rules as above). Returns 0 or 1 after printing why. */
int cli_conf_set(cli_conf_t *c, const char *key, const char *value);
/* Releases the configuration if no client took it. */
void cli_conf_destroy(cli_conf_t *c);

/*
 * Creates a client of `type` from the configuration (which it then owns).
 * Returns NULL after printing why.
 */
rd_kafka_t *cli_client_new(cli_conf_t *c, rd_kafka_type_t type);

/*
 * Admin options for an operation: request and operation timeouts from
 * c->timeout_ms. Free with rd_kafka_AdminOptions_destroy.
 */
rd_kafka_AdminOptions_t *cli_admin_options(const cli_conf_t *c, rd_kafka_t *rk,
                                           rd_kafka_admin_op_t op);

/*
 * Waits on q for the result of one admin operation, at most timeout_ms plus a
 * margin (librdkafka itself times the request out). Returns the event (the
 * caller destroys it), or NULL after printing "<tool>: timed out …". A
 * top-level error in the event is not checked here.
 */
rd_kafka_event_t *cli_admin_wait(const cli_conf_t *c, rd_kafka_queue_t *q);

/*
 * Cluster metadata for every topic (internal ones included), with the
 * configured timeout. Asking for all topics never auto-creates one. Returns
 * NULL after printing why (an unreachable server is reported as such).
 * Release with rd_kafka_metadata_destroy.
 */
const struct rd_kafka_metadata *cli_metadata(const cli_conf_t *c, rd_kafka_t *rk);

/* Splits "k=v" at the first '='; false when there is none or k is empty. */
bool cli_split_kv(const char *kv, char *key, size_t keycap, const char **value);

#endif
