/*
 * config_describe.h — DescribeConfigs for kafka-topics (the Configs: field
 * of --describe) and kafka-configs, as plain structs. Topic and numbered
 * broker resources go through librdkafka; the brokers' default resource
 * (name "") through a raw request, which librdkafka 2.0.2 cannot address
 * (PLAINTEXT only). Also AlterConfigs for that default resource.
 */
#ifndef LODE_CLI_CONFIG_DESCRIBE_H
#define LODE_CLI_CONFIG_DESCRIBE_H

#include "client.h"

typedef struct cli_cfg_syn {
    char *name;
    char *value; /* NULL: null */
    int source;  /* Kafka's ConfigSource id */
} cli_cfg_syn_t;

typedef struct cli_cfg_entry {
    char *name;
    char *value; /* NULL: null (sensitive) */
    bool sensitive;
    int source;
    cli_cfg_syn_t *syn;
    size_t nsyn;
} cli_cfg_entry_t;

typedef struct cli_cfg_resource {
    char *name;
    char *error; /* NULL, or why the broker could not describe it */
    cli_cfg_entry_t *e;
    size_t n;
} cli_cfg_resource_t;

typedef struct cli_configs {
    cli_cfg_resource_t *res;
    size_t n;
} cli_configs_t;

/* Kafka's ConfigSource ids (as on the wire). */
enum {
    CLI_SRC_DYNAMIC_TOPIC = 1,
    CLI_SRC_DYNAMIC_BROKER = 2,
    CLI_SRC_DYNAMIC_DEFAULT_BROKER = 3,
    CLI_SRC_DEFAULT = 5,
};

/* Kafka's ConfigSource enum name for a source id. */
const char *cli_cfg_source_name(int source);

/*
 * Describes the configs of `n` resources of one type (synonyms included).
 * Returns 0, or 1 with the reason in err (a timeout, a request error; a
 * per-resource error is left in its resource).
 */
int cli_configs_describe(const cli_conf_t *c, rd_kafka_t *rk, rd_kafka_queue_t *q,
                         rd_kafka_ResourceType_t type, const char *const *names, size_t n,
                         cli_configs_t *out, char *err, size_t errcap);
/* The resource named `name` in cfgs, or NULL. */
const cli_cfg_resource_t *cli_configs_find(const cli_configs_t *cfgs, const char *name);
void cli_configs_free(cli_configs_t *cfgs);

/*
 * Replaces the brokers' default dynamic configs with names[i]=values[i]
 * (AlterConfigs on resource BROKER ""). Returns 0, or 1 with err set.
 */
int cli_configs_alter_broker_default(const cli_conf_t *c, rd_kafka_t *rk, char *const *names,
                                     char *const *values, size_t n, char *err, size_t errcap);

#endif
