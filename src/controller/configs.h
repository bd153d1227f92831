/*
 * configs.h — IncrementalAlterConfigs and AlterConfigs as record producers:
 * validate against Kafka's rules and emit ConfigRecords (value null =
 * delete) for one resource, applied atomically.
 *
 * Resources: topics (any topic config), brokers — a node id or "" for the
 * cluster-wide default — with the broker configs that stand in for topic
 * configs (log.retention.ms, log.segment.bytes, …; Kafka lets these change
 * dynamically cluster-wide). Other broker configs are refused.
 */
#ifndef LODE_CONTROLLER_CONFIGS_H
#define LODE_CONTROLLER_CONFIGS_H

#include <stdbool.h>
#include <stddef.h>

#include "controller/topics.h"

/* IncrementalAlterConfigs operation types. */
enum { LODE_CFG_SET = 0, LODE_CFG_DELETE = 1, LODE_CFG_APPEND = 2, LODE_CFG_SUBTRACT = 3 };

typedef struct lode_config_op {
    const char *name;
    const char *value; /* NULL for DELETE */
    int op;            /* LODE_CFG_*; AlterConfigs uses SET only */
} lode_config_op_t;

/*
 * incremental: IncrementalAlterConfigs semantics (each op applies to its
 * key); otherwise AlterConfigs (the ops are the complete new set: every other
 * dynamic key of the resource is deleted). resource_type is
 * LODE_CONFIG_RESOURCE_TOPIC or _BROKER.
 */
int lode_ctl_alter_configs(const lode_image_t *img, int resource_type, const char *resource,
                           int32_t node_id, const lode_config_op_t *ops, size_t nops,
                           bool incremental, bool validate_only, lode_mrecs_t *out,
                           lode_ctl_error_t *err);

#endif
